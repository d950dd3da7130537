"""Receipts number their styles alike in every book (xlsx_writer's fixed style numbering, workbook.receipt_formats),
so their bytes are no longer xlsxwriter's: what a user sees is held instead. Every cell's value, resolved font,
fill, border, number format, alignment and protection, every comment, validation, merged range, row height,
column width, print setting, sheet state and protection, defined name and custom property of a receipt is what
the same writer numbering styles by first use (byte for byte xlsxwriter's, tests/test_xlsx_writer.py) writes.
"""

from __future__ import annotations

import copy
import functools
import warnings
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from awkward import AWKWARD, awkward_rows

from reporting import xlsx_writer
from reporting.receipts import RECEIPT_WRITER
from reporting.safe_xlsx import TextCutWarning
from reporting.templates import builtin_template
from reporting.workbook import CellMark, WorkbookRow, write_unit_workbook
from reporting.workbook_spec import FILL_COLUMNS, KIND_RECEIPT, LEDGER_COLUMNS, LIAISON_COLUMNS
from reporting.workbook_template import TextCell, load_template

FIRST_USE = functools.partial(xlsx_writer.Workbook, options={"strings": "inline"})

@pytest.fixture(scope="module")
def spec():
    return load_template(builtin_template("xlsx"))


def _rows(n: int) -> list[WorkbookRow]:
    return awkward_rows(n)


def _every_mark() -> list[CellMark]:
    """A mark on every ledger column of some rows, both levels, some cells twice."""
    marks = [CellMark(f"T{3 + col % 7}", column, f"第{col}列的问题 & <说明>", "warning" if col % 2 else "error")
             for col, column in enumerate(LEDGER_COLUMNS)]
    return [*marks, CellMark("T4", FILL_COLUMNS[0], "再说一次", "warning"), CellMark("T40", FILL_COLUMNS[1], "末行")]


def _numbers() -> list[WorkbookRow]:
    """Values equal as numbers but written apart (1 and True, 0 and -0.0) in one column, each after the other:
    a cell kept for one must not be written for the other."""
    values = [1, True, 1.0, 0, False, -0.0, 0.0, 2.5, 2.5, 7, 7.0, float("inf"), float("nan"), float("nan"), "1"]
    return [WorkbookRow(row.task, row.role, {"存在问题": value, "完成进度(%)": value})
            for row, value in zip(_rows(len(values)), values, strict=True)]


CASES = {
    "receipt": {"verdict": "未通过：2 处错误", "problems": [["工作台账!H3", "x", "错", "改"]],
                "marks": [CellMark("T2", "完成状态", "应从下拉列表选择"), CellMark("T2", "完成状态", "第二条"),
                          CellMark("T7", "存在问题", "提醒 & 注意", "warning"), CellMark("T39", "工作任务", "x")]},
    "every mark": {"verdict": "未通过：很多处错误" * 20, "marks": _every_mark(),
                   "problems": [[f"工作台账!I{r}", AWKWARD[r % len(AWKWARD)], f"【错误】问题{r}", "改" * (r % 50)]
                                for r in range(3, 90)] + [["—", "", "", ""]]},
    "accepted": {"verdict": "已接收。谢谢配合", "problems": []},
    "numbers": {"verdict": "已接收", "problems": [], "rows": _numbers()},
    "no rows": {"verdict": "已接收", "problems": [], "rows": []},
    "password": {"verdict": "未通过：1 处错误", "problems": [["—", "a", "b", "c"]], "password": "秘密 & pw",
                 "marks": [CellMark("T1", "完成状态", "错")]},
}


def _options(**kwargs) -> dict:
    return {"campaign": "某县 & 法治 {单位}", "unit": "县A&B局", "round_name": "2026年第四季度",
            "due": date(2026, 12, 31), "contact": "张三 0731-1234567", "rows": _rows(40), "kind": KIND_RECEIPT,
            "liaison": dict(zip(LIAISON_COLUMNS[1:], ["赵六", "李四", "科长", "13900000000", "a@b.cn"],
                                strict=True)), **kwargs}


def _merged_guide(spec):
    template = copy.deepcopy(spec)
    template.guide.cells.append(TextCell(0, 1, "{单位}的说明", {"bold": True, "text_wrap": True}))
    template.guide.merges.append((0, 1, 1, 3))
    template.guide.widths[1] = 0.5
    return template


def content(path: Path) -> dict:
    """What a user sees of a book, as openpyxl reads it: styles resolved, not their numbers."""
    book = openpyxl.load_workbook(path)
    seen: dict = {"sheets": [(ws.title, ws.sheet_state) for ws in book.worksheets], "active": book.active.title,
                  "custom": [(p.name, p.value) for p in book.custom_doc_props.props],
                  "names": sorted((name, str(d.attr_text)) for name, d in book.defined_names.items()),
                  "properties": (book.properties.title, book.properties.subject, book.properties.creator,
                                 book.properties.description)}
    for ws in book.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                comment = (c.comment.text, c.comment.author) if c.comment else None
                cells[c.coordinate] = (c.value, repr(c.font), repr(c.fill), repr(c.border), c.number_format,
                                       repr(c.alignment), repr(c.protection), comment)
        validations = sorted((str(v.sqref), v.type, v.formula1, v.formula2, v.prompt, v.promptTitle, v.error,
                              v.errorTitle, v.allow_blank, v.showInputMessage, v.showErrorMessage)
                             for v in ws.data_validations.dataValidation)
        setup = ws.page_setup
        seen[ws.title] = {
            "cells": cells, "validations": validations, "merged": sorted(map(str, ws.merged_cells.ranges)),
            "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height},
            "widths": {c: d.width for c, d in ws.column_dimensions.items()},
            "setup": (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight,
                      ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None),
            "margins": repr(ws.page_margins), "footer": (ws.oddFooter.left.text, ws.oddFooter.right.text),
            "titles": (ws.print_title_rows, ws.print_title_cols), "freeze": ws.freeze_panes,
            "protection": repr(ws.protection), "filter": ws.auto_filter.ref,
            "names": sorted((name, str(d.attr_text)) for name, d in ws.defined_names.items()),
            "selection": [(s.activeCell, s.sqref) for s in ws.sheet_view.selection],
        }
    return seen


@pytest.mark.parametrize("case", [*CASES, "merged guide"])
def test_a_receipt_shows_what_the_book_numbered_by_first_use_shows(tmp_path, spec, case):
    template = _merged_guide(spec) if case == "merged guide" else spec
    options = _options(**CASES.get(case, CASES["receipt"]))
    fixed, first_use = tmp_path / "fixed.xlsx", tmp_path / "first-use.xlsx"
    with warnings.catch_warnings(record=True) as fixed_cuts:
        warnings.simplefilter("always", TextCutWarning)
        write_unit_workbook(fixed, template, writer=RECEIPT_WRITER, **options)
    with warnings.catch_warnings(record=True) as first_cuts:
        warnings.simplefilter("always", TextCutWarning)
        write_unit_workbook(first_use, template, writer=FIRST_USE, **options)
    assert [str(w.message) for w in fixed_cuts] == [str(w.message) for w in first_cuts]
    ours, reference = content(fixed), content(first_use)
    assert ours.keys() == reference.keys()
    for key in reference:
        assert ours[key] == reference[key], key
    if case == "every mark":  # the case holds what it is meant to: coloured, commented cells of both levels
        ledger = reference["工作台账"]["cells"]
        fills = {c[2] for c in ledger.values() if c[7]}
        assert len(fills) >= 2 and sum(1 for c in ledger.values() if c[7]) >= len(LEDGER_COLUMNS) - 1


def test_receipts_of_one_process_share_one_styles_part(tmp_path, spec):
    """The styles part is the same whatever a receipt marks: one numbering for every receipt."""
    import zipfile

    parts = []
    for name, case in CASES.items():
        path = tmp_path / f"{name}.xlsx"
        write_unit_workbook(path, spec, writer=RECEIPT_WRITER, **_options(**case))
        with zipfile.ZipFile(path) as zf:
            parts.append(zf.read("xl/styles.xml"))
    assert len(set(parts)) == 1


def test_a_format_outside_the_fixed_styles_is_refused(tmp_path):
    book = RECEIPT_WRITER(str(tmp_path / "x.xlsx"))
    book.fix_styles([{"bold": True}])
    assert book.add_format({"bold": True}).xf > 0
    with pytest.raises(ValueError):
        book.add_format({"italic": True})


def _parts(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != "docProps/core.xml"}  # (its time)


def test_a_row_kept_from_an_earlier_receipt_is_the_row_written_anew(tmp_path, spec):
    """A task row without marks is kept per process and put in a later receipt where its task, role, place and
    values are the same (workbook._ROWS), and a 问题清单 row where its texts and place are (_PROBLEM_ROWS): that
    receipt is byte for byte the one written with nothing kept, also where a value is equal to the earlier one's
    but written apart (1 and True, 1 and 1.0, 0.0 and -0.0), a row now marked, or a text cut to fit."""
    import reporting.workbook as workbook

    earlier = _numbers() + _rows(40)[15:]
    later = [WorkbookRow(row.task, row.role, dict(earlier[(index + 1) % 15].values if index < 15 else row.values))
             for index, row in enumerate(earlier)]
    marks = [CellMark(later[20].task.id, "完成状态", "错")]
    problems = [[f"工作台账!I{r}", AWKWARD[r % len(AWKWARD)], f"【错误】问题{r}", "改" * (r % 50)]
                for r in range(3, 30)]
    # the same in some places, not in others, another cell with the same texts in one
    moved = [problems[0], ["工作台账!J4", *problems[1][1:]], *problems[3:], problems[2], ["—", "", "", ""]]
    workbook._ROWS.clear()
    workbook._PROBLEM_ROWS.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TextCutWarning)
        write_unit_workbook(tmp_path / "earlier.xlsx", spec, writer=RECEIPT_WRITER,
                            **_options(rows=earlier, problems=problems))
        assert workbook._ROWS and workbook._PROBLEM_ROWS  # rows were kept
        write_unit_workbook(tmp_path / "later.xlsx", spec, writer=RECEIPT_WRITER,
                            **_options(rows=later, marks=marks, problems=moved))
        workbook._ROWS.clear()
        workbook._PROBLEM_ROWS.clear()
        write_unit_workbook(tmp_path / "anew.xlsx", spec, writer=RECEIPT_WRITER,
                            **_options(rows=later, marks=marks, problems=moved))
    assert _parts(tmp_path / "later.xlsx") == _parts(tmp_path / "anew.xlsx")
    assert _parts(tmp_path / "later.xlsx") != _parts(tmp_path / "earlier.xlsx")


def test_a_row_put_whole_and_given_another_height_is_the_row_written_with_it(tmp_path):
    """xlsx_writer's put_row keeps a row's <row> element as it was; a height set afterwards is the one written."""
    books = []
    for name in ("earlier", "put", "anew"):
        book = RECEIPT_WRITER(str(tmp_path / f"{name}.xlsx"))
        book.fix_styles([{"bold": True}])
        fmt = book.add_format({"bold": True})
        sheet = book.add_worksheet("表")
        if name == "put":
            sheet.put_row(4, books[0].sheets[0].whole_row(4))
        else:
            sheet.write_values(4, ["甲", 2], [fmt, fmt])
            sheet.set_row(4, 30)
        if name != "earlier":
            sheet.set_row(4, 45)
        book.close()
        books.append(book)
    put, anew = (_parts(tmp_path / f"{name}.xlsx") for name in ("put", "anew"))
    assert put == anew
    assert b'ht="45"' in put["xl/worksheets/sheet1.xml"]
