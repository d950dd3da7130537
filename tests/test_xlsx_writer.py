"""reporting/xlsx_writer.py writes the unit workbook's parts exactly as xlsxwriter does, only faster.

There is no Excel here, so besides the schema validation of its files (tests/test_ooxml_schemas.py) the writer
is held to a stricter yardstick: every part of every kind of unit workbook (ledger, password, receipts with and
without problems, a template with merged cells, awkward text) is byte for byte what xlsxwriter writes for the
same calls, but for the creation time. The files also parse as XML, reload in openpyxl and python-calamine, and
go through LibreOffice in test_generate_office.py (generate writes with this writer).
"""

from __future__ import annotations

import copy
import functools
import io
import math
import re
import warnings
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from awkward import AWKWARD, awkward_rows
from lxml import etree
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name

from reporting import xlsx_writer
from reporting.models import Task
from reporting.receipts import RECEIPT_WRITER
from reporting.safe_xlsx import TextCutWarning
from reporting.templates import builtin_template
from reporting.workbook import CellMark, WorkbookRow, write_unit_workbook
from reporting.workbook_spec import KIND_RECEIPT, LEDGER_COLUMNS, SHEET_LEDGER
from reporting.workbook_template import TextCell, load_template

INLINE = functools.partial(xlsx_writer.Workbook, options={"strings": "inline"})  # styles numbered by first use

@pytest.fixture(scope="module")
def spec():
    return load_template(builtin_template("xlsx"))


def _rows(n: int) -> list[WorkbookRow]:
    return awkward_rows(n, id_prefix="", path=("(一)依法行政",))


def _both(tmp_path: Path, name: str, template, **kwargs) -> tuple[Path, Path]:
    options = {"campaign": "某县 & 法治", "unit": "县A&B局", "round_name": "2026年第四季度",
               "due": date(2026, 12, 31), "contact": "张三 0731-1234567", "rows": _rows(40),
               "liaison": {"联络员": "李四", "手机": "13900000000"}, **kwargs}
    fast, reference = tmp_path / f"{name}-fast.xlsx", tmp_path / f"{name}-xlsxwriter.xlsx"
    write_unit_workbook(fast, template, **options)
    write_unit_workbook(reference, template, writer=lambda p: xlsxwriter.Workbook(p, {"in_memory": True}), **options)
    return fast, reference


def _merged_guide(spec):
    template = copy.deepcopy(spec)
    template.guide.cells.append(TextCell(0, 1, "{单位}的说明", {"bold": True, "text_wrap": True}))
    template.guide.merges.append((0, 1, 1, 3))
    template.guide.widths[1] = 0.5
    return template


CASES = {
    "ledger": {},
    "password": {"password": "秘密 & pw"},
    "no rows": {"rows": []},
    "receipt": {"kind": KIND_RECEIPT, "verdict": "未通过：2 处错误", "problems": [["工作台账!H3", "x", "错", "改"]],
                "marks": [CellMark("2", "完成状态", "应从下拉列表选择"), CellMark("2", "完成状态", "第二条"),
                          CellMark("7", "存在问题", "提醒 & 注意", "warning"), CellMark("39", "工作任务", "x")]},
    "accepted receipt": {"kind": KIND_RECEIPT, "verdict": "已接收", "problems": []},
}


@pytest.mark.parametrize("case", [*CASES, "merged guide"])
def test_every_part_is_what_xlsxwriter_writes(tmp_path, spec, case):
    template = _merged_guide(spec) if case == "merged guide" else spec
    fast, reference = _both(tmp_path, "book", template, **CASES.get(case, {}))
    with zipfile.ZipFile(fast) as ours, zipfile.ZipFile(reference) as theirs:
        assert ours.namelist() == theirs.namelist()
        for name in theirs.namelist():
            if name != "docProps/core.xml":  # holds the time of writing
                assert ours.read(name) == theirs.read(name), name
        assert ours.read("docProps/core.xml")[:400] == theirs.read("docProps/core.xml")[:400]


def test_every_part_parses_and_the_book_reloads(tmp_path, spec):
    fast, _ = _both(tmp_path, "book", spec, **CASES["receipt"])
    with zipfile.ZipFile(fast) as zf:
        assert zf.testzip() is None
        for name in zf.namelist():
            etree.fromstring(zf.read(name))  # raises on anything not well-formed
    sheet = openpyxl.load_workbook(fast)[SHEET_LEDGER]
    column = LEDGER_COLUMNS.index("工作任务") + 1
    texts = {i: AWKWARD[i % len(AWKWARD)] or f"第{i}项任务" for i in range(1, 9)}
    plain = [i for i, text in texts.items() if "_x" not in text and "\x01" not in text]
    assert len(plain) == 6  # openpyxl leaves Excel's _xHHHH_ escapes as they are written
    assert [sheet.cell(2 + i, column).value for i in plain] == [texts[i] for i in plain]
    rows = CalamineWorkbook.from_path(str(fast)).get_sheet_by_name(SHEET_LEDGER).to_python()
    assert rows[3][LEDGER_COLUMNS.index("完成进度(%)")] == 62.5


def test_text_that_looks_like_rich_text_stays_text(tmp_path, spec):
    """xlsxwriter writes a string "<r>…</r>" into the XML as markup; this writer never does."""
    rows = [WorkbookRow(Task(id="1", text="<r><t>看似富文本</t></r>", path=["(一)"]), "牵头")]
    path = tmp_path / "rich.xlsx"
    write_unit_workbook(path, spec, campaign="c", unit="u", round_name="r", due=None, contact="", rows=rows)
    sheet = openpyxl.load_workbook(path)[SHEET_LEDGER]
    assert sheet.cell(3, LEDGER_COLUMNS.index("工作任务") + 1).value == "<r><t>看似富文本</t></r>"


def test_too_long_text_is_cut_at_excels_limit(tmp_path):
    path = tmp_path / "long.xlsx"
    book = xlsx_writer.Workbook(str(path))
    with pytest.warns(TextCutWarning, match="32,767"):
        book.add_worksheet("表").write_string(0, 0, "长" * 40000)
    book.close()
    assert len(openpyxl.load_workbook(path)["表"]["A1"].value) == xlsx_writer.STRING_MAX


def test_options_it_does_not_write_are_refused(tmp_path):
    sheet = xlsx_writer.Workbook(str(tmp_path / "x.xlsx")).add_worksheet("表")
    with pytest.raises(NotImplementedError):
        sheet.protect("", {"insert_rows": True})
    with pytest.raises(NotImplementedError):
        sheet.data_validation(0, 0, 0, 0, {"validate": "integer", "criteria": ">", "value": 1})
    with pytest.raises(NotImplementedError):
        sheet.freeze_panes(1, 1)


def test_the_zip_is_what_zipfile_writes(tmp_path, monkeypatch):
    """xlsx_writer packs the parts itself (parts alike in many books deflated once); the bytes are zipfile's when
    zipfile deflates with the same deflater (ISA-L's, plain deflate), and anything that unzips reads the parts."""
    parts = [("[Content_Types].xml", "<Types>类型</Types>"), ("xl/styles.xml", b"<styleSheet/>" * 50),
             ("xl/worksheets/sheet1.xml", "<worksheet>" + "文字" * 3000 + "</worksheet>"), ("docProps/app.xml", "")]
    ours = xlsx_writer.zip_bytes(parts)
    assert xlsx_writer.zip_bytes(parts) == ours  # from the per-process cache the second time
    with zipfile.ZipFile(io.BytesIO(ours)) as zf:
        assert zf.testzip() is None
        assert [zf.read(name) for name, _ in parts] == [d if isinstance(d, bytes) else d.encode() for _, d in parts]
    monkeypatch.setattr(zipfile.zlib, "compressobj", xlsx_writer.deflater.compressobj)
    path = tmp_path / "zipfile.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=xlsx_writer.COMPRESS_LEVEL) as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            zf.writestr(info, data, compresslevel=xlsx_writer.COMPRESS_LEVEL)
    assert ours == path.read_bytes()


def test_whole_rows_and_single_cells_mixed_are_what_xlsxwriter_writes(tmp_path):
    """write_values keeps a whole row as it came; a cell written into it before or after, a row of nothing
    but empty cells without a format, and formats first used out of order still come out as xlsxwriter's."""
    def calls(book, sheet, whole_row):
        plain, bold = book.add_format({}), book.add_format({"bold": True})
        red = book.add_format({"bg_color": "#FF0000"})
        sheet.set_row(0, 30)
        whole_row(sheet, 3, ["甲", 1.5, None, "", float("inf"), "乙"], [plain, None, bold, None, None, plain])
        sheet.write_string(3, 7, "后写", red)  # into a whole row
        sheet.write_string(5, 1, "先写", bold)
        whole_row(sheet, 5, ["丙", None, 2], [None, None, red])  # over a row with a cell
        whole_row(sheet, 8, [None, ""], [None, None])  # nothing at all
        whole_row(sheet, 20, ["丁"] * 3, [red, bold, plain])
        sheet.set_row(20, 45)

    def theirs(sheet, row, values, formats):
        for col, value in enumerate(values):
            if value is None or value == "":
                sheet.write_blank(row, col, None, formats[col])
            elif isinstance(value, float) and math.isinf(value):
                sheet.write_string(row, col, str(value), formats[col])
            else:
                sheet.write(row, col, value, formats[col])

    fast, reference = tmp_path / "fast.xlsx", tmp_path / "reference.xlsx"
    book = xlsx_writer.Workbook(str(fast))
    calls(book, book.add_worksheet("表"), lambda sheet, *args: sheet.write_values(*args))
    book.close()
    book = xlsxwriter.Workbook(str(reference))
    calls(book, book.add_worksheet("表"), theirs)
    book.close()
    with zipfile.ZipFile(fast) as ours, zipfile.ZipFile(reference) as them:
        for name in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"):
            assert ours.read(name) == them.read(name), name


@pytest.mark.parametrize("case", ["receipt", "accepted receipt", "merged guide"])
def test_a_receipt_is_the_book_with_shared_strings_but_each_string_in_its_cell(tmp_path, spec, case):
    """Each string in its cell (no sharedStrings part), as receipts write them: every other byte of every part,
    every cell, style, comment, row height, validation and print setting, is what the shared-strings writer
    (xlsxwriter's bytes, above) writes; and both read back the same. (Receipts also number their styles alike in
    every book: tests/test_receipt_content.py holds what that book shows to this one.)"""
    template = _merged_guide(spec) if case == "merged guide" else spec
    kwargs = CASES["receipt" if case == "merged guide" else case]
    options = {"campaign": "某县 & 法治", "unit": "县A&B局", "round_name": "2026年第四季度",
               "due": date(2026, 12, 31), "contact": "张三", "rows": _rows(40), "liaison": {"联络员": "李四"}, **kwargs}
    inline, shared = tmp_path / "inline.xlsx", tmp_path / "shared.xlsx"
    write_unit_workbook(inline, template, writer=INLINE, **options)
    write_unit_workbook(shared, template, **options)
    with zipfile.ZipFile(inline) as ours, zipfile.ZipFile(shared) as theirs:
        strings = re.findall(r"<si>(.*?)</si>", theirs.read("xl/sharedStrings.xml").decode(), re.S)
        assert len(strings) > 100
        assert ours.namelist() == [name for name in theirs.namelist() if name != "xl/sharedStrings.xml"]
        for name in ours.namelist():
            mine, reference = ours.read(name).decode(), theirs.read(name).decode()
            if name.startswith("xl/worksheets/sheet"):
                assert 't="s"' not in mine
                reference = re.sub(r' t="s"><v>(\d+)</v></c>',
                                   lambda m: f' t="inlineStr"><is>{strings[int(m[1])]}</is></c>', reference)
            elif name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                reference = re.sub(r'<(Override|Relationship) [^>]*sharedStrings[^>]*/>', "", reference)
            elif name == "docProps/core.xml":  # holds the time of writing
                mine, reference = mine[:400], reference[:400]
            assert mine == reference, name
    ours_book, theirs_book = CalamineWorkbook.from_path(str(inline)), CalamineWorkbook.from_path(str(shared))
    assert ours_book.sheet_names == theirs_book.sheet_names
    for name in theirs_book.sheet_names:
        assert ours_book.get_sheet_by_name(name).to_python() == theirs_book.get_sheet_by_name(name).to_python(), name
    reloaded = openpyxl.load_workbook(inline)
    assert reloaded[SHEET_LEDGER].cell(3, LEDGER_COLUMNS.index("工作任务") + 1).value == AWKWARD[1]


def test_libreoffice_opens_a_receipt_fixes_a_marked_cell_and_saves_what_it_showed(soffice, tmp_path, spec):
    """A unit fixes its receipt in LibreOffice and saves it: every cell it did not type in reads back as the
    receipt had it (strings in their cells), the cell it typed in has the new value, locked cells stay locked,
    and the comments on the marked cells are still there."""
    office = pytest.importorskip("office", reason="tests/office.py")
    receipt = tmp_path / "回执.xlsx"
    options = {"campaign": "某县法治", "unit": "县财政局", "round_name": "2026年第四季度", "due": date(2026, 12, 31),
               "contact": "张三", "rows": _rows(12), "liaison": {"联络员": "李四"}, **CASES["receipt"]}
    write_unit_workbook(receipt, spec, writer=RECEIPT_WRITER, **options)
    status = f"{xl_col_to_name(LEDGER_COLUMNS.index('完成状态'))}4"  # task 2's, marked
    task = f"{xl_col_to_name(LEDGER_COLUMNS.index('工作任务'))}4"
    saved = tmp_path / "回执（已改）.xlsx"
    report = office.fill_with_libreoffice(receipt, saved, {status: "已完成", task: "改掉的任务"})
    assert report["refused"] == [task]
    before, after = CalamineWorkbook.from_path(str(receipt)), CalamineWorkbook.from_path(str(saved))
    for name in before.sheet_names:
        old, new = before.get_sheet_by_name(name).to_python(), after.get_sheet_by_name(name).to_python()
        if name == SHEET_LEDGER:
            assert new[3][LEDGER_COLUMNS.index("完成状态")] == "已完成"
            new[3][LEDGER_COLUMNS.index("完成状态")] = old[3][LEDGER_COLUMNS.index("完成状态")]
        width = max(map(len, old), default=0)
        assert [[(v if v != "" else None) for v in row[:width]] for row in new[:len(old)]] == \
               [[(v if v != "" else None) for v in row] for row in old], name
    comments = {c.coordinate: c.comment.text for row in openpyxl.load_workbook(saved)[SHEET_LEDGER].iter_rows()
                for c in row if c.comment}
    assert "应从下拉列表选择" in comments[status] and "第二条" in comments[status]


def test_strings_at_the_edges_of_escaping_are_what_xlsxwriter_writes(tmp_path):
    """Most text needs no escaping and takes a short path; the text around it must still come out as xlsxwriter's
    (edge whitespace of any kind, a trailing newline, control characters, literal escapes, markup characters)."""
    texts = ["普通文字", " 前空格", "后空格 ", "全角\u3000", "\u3000全角", "换行\n", "a\tb", "\x85开头", "结尾\x85",
             "x\u2028", "_x0041_", "c\x01", "a&b<c>d", '引号"', "\ufffe", "甲_乙", ""]
    fast, reference = tmp_path / "fast.xlsx", tmp_path / "reference.xlsx"
    for book in (xlsx_writer.Workbook(str(fast)), xlsxwriter.Workbook(str(reference))):
        sheet = book.add_worksheet("表")
        for row, text in enumerate(texts):
            sheet.write_string(row, 0, text)
        book.close()
    with zipfile.ZipFile(fast) as ours, zipfile.ZipFile(reference) as theirs:
        assert ours.read("xl/sharedStrings.xml") == theirs.read("xl/sharedStrings.xml")
        assert ours.read("xl/worksheets/sheet1.xml") == theirs.read("xl/worksheets/sheet1.xml")


def test_cells_alike_in_many_books_are_written_as_without(tmp_path):
    """write_values' `fixed` columns (a task's own cells, made once per process in a book with each string in its
    cell) give the bytes of the same row written without it, in a first book and a second one (from the per-process
    cache); a text cut to fit, formats partly None, and a book with shared strings take the plain path."""
    long_text, longish = "长" * (xlsx_writer.STRING_MAX + 10), "长" * (xlsx_writer.STRING_MAX // 2 + 10)  # cut, not cut
    rows = [[1, "任务 1", "", None, 2.5, "a & b", "填报"], [2, "任务 2", longish, None, 2.5, "a & b", ""],
            [3, " 前后空格 ", "_x0041_", "控制\x01", float("nan"), "<r>", None], [4, long_text, "x", "y", 1, "z", "w"]]

    def book_xml(path: Path, fixed: tuple[int, int] | None, inline: bool, partly_none: bool = False) -> bytes:
        book = xlsx_writer.Workbook(str(path), {"strings": "inline"} if inline else None)
        sheet = book.add_worksheet("表")
        bold, plain = book.add_format({"bold": True}), book.add_format({})
        formats = [bold, plain, plain, plain, plain, plain, bold]
        if partly_none:
            formats[3] = None
        for row, values in enumerate(rows, start=2):
            sheet.write_values(row, values, formats, fixed)
        sheet.write_values(9, ["甲", "乙", None], [None, None, None], (0, 3))
        sheet.write_values(10, [None, ""], [None, None], (0, 2))  # no cell at all
        book.close()
        with zipfile.ZipFile(path) as zf:
            return zf.read("xl/worksheets/sheet1.xml")

    with warnings.catch_warnings(record=True) as told:
        warnings.simplefilter("always")
        for inline in (True, False):
            for partly_none in (False, True):
                plain = book_xml(tmp_path / "plain.xlsx", None, inline, partly_none)
                for turn in range(2):
                    assert book_xml(tmp_path / f"fixed{turn}.xlsx", (1, 6), inline, partly_none) == plain, turn
    cuts = [w for w in told if "截断" in str(w.message)]
    assert len(cuts) == 2 * 2 * 3  # the long text is cut and told in every book, with or without `fixed`
    book = openpyxl.load_workbook(tmp_path / "fixed1.xlsx")["表"]
    assert [book.cell(3, c).value for c in range(1, 8)] == [1, "任务 1", None, None, 2.5, "a & b", "填报"]


@pytest.mark.parametrize("fixed", [None, (1, 6), (0, 3), (2, 2), (5, 7)])
def test_rows_of_a_book_with_fixed_styles_are_the_cells_written_one_by_one(tmp_path, fixed):
    """In a book with fixed style numbering write_values makes a row's XML at once (kept per column and text, a
    second time from what is kept): the bytes of the same cells written one by one, whichever columns are `fixed`;
    a text cut to fit, an unformatted cell outside `fixed` and a row written into before take the plain path."""
    long_text = "长" * (xlsx_writer.STRING_MAX + 10)
    rows = [[1, "任务 1", "", None, 2.5, "a & b", "填报"], [2, "任务 2", "x", None, True, "a & b", ""],
            [3, " 前后空格 ", "_x0041_", "控制\x01", float("nan"), "<r>", None], [4, long_text, "x", "y", 1, "z", "w"],
            [5, "", None, "", -0.0, 1e20, "填报"], [6, "任务 1", "", None, 2.5, "a & b", "填报"]]
    props = [{"bold": True}, {"italic": True}, {"bold": True, "italic": True}]

    def book_xml(path: Path, whole: bool, unformatted: bool = False) -> bytes:
        book = xlsx_writer.Workbook(str(path), {"strings": "inline", "styles": "fixed"})
        book.fix_styles(props)
        sheet = book.add_worksheet("表")
        bold, italic, both = (book.add_format(p) for p in props)
        formats = [bold, italic, italic, both, italic, italic, bold]
        if unformatted:
            formats[0] = None
        sheet.write_string(7, 2, "先写")
        for row, values in enumerate([*rows, rows[1]], start=2):
            if whole:
                sheet.write_values(row, values, formats, fixed)
            else:
                for col, value in enumerate(values):
                    sheet._write_one(row, col, value, formats[col])
        sheet.set_row(3, 40)
        book.close()
        with zipfile.ZipFile(path) as zf:
            return zf.read("xl/worksheets/sheet1.xml")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for unformatted in (False, True):
            one_by_one = book_xml(tmp_path / "cells.xlsx", False, unformatted)
            for turn in range(2):
                assert book_xml(tmp_path / f"rows{turn}.xlsx", True, unformatted) == one_by_one, (turn, unformatted)
    sheet = openpyxl.load_workbook(tmp_path / "rows1.xlsx")["表"]
    assert [sheet.cell(4, c).value for c in range(1, 8)] == [2, "任务 2", "x", None, "True", "a & b", None]
    assert sheet.cell(3, 7).font.b and sheet.cell(4, 2).font.i and not sheet.cell(4, 2).font.b


@pytest.mark.parametrize("styles", ["fixed", "first use"])
def test_rows_written_as_a_block_are_the_rows_written_one_by_one(tmp_path, styles):
    """write_rows (a 识别信息 sheet's tasks; in a book with fixed styles each row from what is kept per row and
    values, their <row> elements too) writes what write_values writes row by row: a second time from what is kept, in
    another place, with a row written into before, with a text cut to fit (told each time), with a height set on a
    row before and on another after."""
    long_text = "长" * (xlsx_writer.STRING_MAX + 10)
    rows = [("T1", "指纹一", "牵头"), ("T2", "a & <b>", "责任"), ("T3", " 空格 ", "责任")]

    def book_xml(path: Path, block: bool, before: bool, cut: bool) -> bytes:
        book = xlsx_writer.Workbook(str(path), {"strings": "inline", "styles": styles.replace("first use", "")})
        book.fix_styles([])
        sheet = book.add_worksheet("表")
        if before:
            sheet.write_string(4, 5, "先写")
            sheet.set_row(11, 30)
        written = [*rows, ("T4", long_text, "责任")] if cut else rows
        for first in (3, 10):  # the same rows in another place
            if block:
                sheet.write_rows(first, written, [None, None, None])
            else:
                for row, values in enumerate(written, start=first):
                    sheet.write_values(row, list(values), [None, None, None], (0, 3))
        if before:
            sheet.set_row(3, 45)
        book.close()
        with zipfile.ZipFile(path) as zf:
            return zf.read("xl/worksheets/sheet1.xml")

    with warnings.catch_warnings(record=True) as told:
        warnings.simplefilter("always")
        for before in (False, True):
            for cut in (False, True):
                one_by_one = book_xml(tmp_path / "rows.xlsx", False, before, cut)
                for turn in range(2):
                    assert book_xml(tmp_path / f"block{turn}.xlsx", True, before, cut) == one_by_one, (before, cut)
    assert len([w for w in told if "截断" in str(w.message)]) == 2 * 3 * 2
    sheet = openpyxl.load_workbook(tmp_path / "block1.xlsx")["表"]
    assert [sheet.cell(5, c).value for c in range(1, 4)] == ["T2", "a & <b>", "责任"]
    assert [sheet.cell(12, c).value for c in range(1, 4)] == ["T2", "a & <b>", "责任"]
    assert sheet.row_dimensions[4].height == 45 and sheet.row_dimensions[12].height == 30
