"""The one writer of the plain workbooks (任务分解表, 单位名册, 分发清单, 未匹配单位, 催报名单)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import openpyxl
import pytest

from reporting.plain_xlsx import Link, Table, write_tables
from reporting.safe_xlsx import CUT_MARKER, TextCutWarning

PACKAGE = Path(__file__).resolve().parent.parent / "reporting"


def test_numbers_stay_numbers_and_everything_else_is_text(tmp_path):
    path = tmp_path / "表.xlsx"
    rows = [[1, 2.5, "=1+1", "0012", None, "", float("inf"), True]]
    write_tables(path, [Table("表", list("ABCDEFGH"), [8] * 8, rows)])
    sheet = openpyxl.load_workbook(path)["表"]
    values = [cell.value for cell in sheet[2]]
    assert values == [1, 2.5, "=1+1", "0012", None, None, "inf", "True"]
    assert [cell.data_type for cell in sheet[2]][:4] == ["n", "n", "s", "s"]  # "=1+1" is text, not a formula
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:H2"


def test_a_title_row_and_the_note_of_an_empty_table(tmp_path):
    path = tmp_path / "名单.xlsx"
    table = Table("名单", ["序号", "单位"], [6, 20], [], title="催报名单", empty="没有单位", autofilter=False)
    write_tables(path, [table], properties={"title": "名单"}, custom={"reporting_kind": "名单"})
    book = openpyxl.load_workbook(path)
    sheet = book["名单"]
    assert [sheet["A1"].value, sheet["A2"].value, sheet["B2"].value, sheet["A3"].value] == ["催报名单", "序号", "单位",
                                                                                              "没有单位"]
    assert "A1:B1" in {str(r) for r in sheet.merged_cells.ranges} and sheet.freeze_panes == "A3"
    assert book.custom_doc_props["reporting_kind"].value == "名单"


def test_the_plain_workbooks_have_no_writer_of_their_own():
    """任务分解表, 单位名册, 分发清单/未匹配单位, 催报名单, 指标体系, 佐证材料目录 and 缺证清单 are written through
    plain_xlsx only."""
    for name in ("task_ledger.py", "roster.py", "generate.py", "status.py", "indicators.py", "evidence.py"):
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(module.split(".")[0] == "xlsxwriter" for module in imported), name
        assert "plain_xlsx" in imported, name


def test_a_link_to_our_file_shows_its_text_as_text_even_long_and_in_constant_memory(tmp_path):
    path = tmp_path / "目录.xlsx"
    rows = [["=HYPERLINK(\"x\",\"y\")", Link("../archive/ab/abc.pdf", "=HYPERLINK(\"x\",\"y\")")],
            ["长", Link("../archive/cd/cde.pdf", "字" * 40_000)], ["无", ""]]
    with pytest.warns(TextCutWarning):
        write_tables(path, [Table("目录", ["文件", "存档副本"], [20, 20], rows)], constant_memory=True)
    sheet = openpyxl.load_workbook(path)["目录"]
    first, long, empty = sheet["B2"], sheet["B3"], sheet["B4"]
    assert first.data_type == "s" and first.value == "=HYPERLINK(\"x\",\"y\")"
    assert first.hyperlink.target.replace("\\", "/") == "../archive/ab/abc.pdf"
    assert long.value.endswith(CUT_MARKER) and long.hyperlink.target.replace("\\", "/") == "../archive/cd/cde.pdf"
    assert empty.value is None and empty.hyperlink is None and sheet["A2"].data_type == "s"


@pytest.mark.parametrize("constant_memory", [False, True])
def test_a_row_is_as_high_as_its_longest_wrapped_text(tmp_path, constant_memory):
    """LibreOffice prints a row with no height of its own one line high, whatever its wrapped cells hold (a
    printed 催报名单 showed the first words of each 催报项目): a row of longer text gets its height written."""
    path = tmp_path / "名单.xlsx"
    long = "退回修改（1 份退回）；缺证材料（8 项已完成任务未收到文件）" * 3
    rows = [["县财政局", "未报送"], ["县公安局", long], ["县教育局", "甲\n乙\n丙\n丁"],
            ["县民政局", Link("a.pdf", long)]]
    write_tables(path, [Table("名单", ["单位", "催报项目"], [12, 20], rows, title="催报名单")],
                 constant_memory=constant_memory)
    sheet = openpyxl.load_workbook(path)["名单"]
    heights = {r: sheet.row_dimensions[r].height for r in range(2, 7)}
    assert heights[2] is None and heights[3] is None  # the header and a one-line row keep the default
    assert heights[4] >= 6 * 11 * 1.2  # about 100 characters in a column 20 digits wide: 6 lines or more
    assert heights[5] >= 4 * 11 * 1.2  # four paragraphs
    assert heights[6] is None  # a link is not wrapped


def _dump(path: Path) -> list[tuple]:
    """What a reader sees of a workbook: each sheet's settings, its cells (value, type, look, link), row heights."""
    book = openpyxl.load_workbook(path)
    seen: list[tuple] = []
    for sheet in book.worksheets:
        seen.append((sheet.title, sheet.freeze_panes, sheet.auto_filter.ref, str(sheet.print_title_rows),
                     sheet.page_setup.orientation, sorted(str(r) for r in sheet.merged_cells.ranges),
                     [(str(v.sqref), v.formula1) for v in sheet.data_validations.dataValidation]))
        for row in sheet.iter_rows():
            seen += [(sheet.title, c.coordinate, _unescaped(c.value), c.data_type, c.font.b,
                      c.font.color and c.font.color.rgb, c.border.left.style, c.alignment.wrap_text,
                      c.fill.fgColor.rgb, c.number_format,
                      c.hyperlink.target if c.hyperlink else None, c.comment.text if c.comment else None)
                     for c in row]
        seen += [(sheet.title, r, d.height) for r, d in sorted(sheet.row_dimensions.items()) if d.height]
    return seen


def _unescaped(value: object) -> object:
    """openpyxl undoes the _x005F_ escape (a literal "_x0041_") in shared strings, not in inline ones."""
    return value.replace("_x005F_", "_") if isinstance(value, str) else value


def _every_kind_of_cell() -> list[Table]:
    awkward = ['a & b < c > d "q"', " 前后有空格 ", "两行\n文字", "字面 _x0041_ 转义", "=1+1",
               "<r><t>看似富文本</t></r>", "控制\x01字符", "长" * 400]
    rows = [[text, index, index + 0.5, Link(f"../archive/{index}.pdf", text) if index % 2 else "", None]
            for index, text in enumerate(awkward)]
    rows += [["很长", float("nan"), True, Link("../archive/cut.pdf", "字" * 40_000), "字" * 40_000]]
    return [
        Table("目录", ["文件", "数", "小数", "存档副本", "备注"], [20, 6, 6, 20, 12], rows, title="佐证材料目录",
              row_format=lambda row: {"bg_color": "#FFF2CC", "border": 1} if row[1] == 3 else None,
              validations=[(1, {"validate": "integer", "criteria": ">=", "value": 0})], notes=[(0, "文件名")]),
        Table("空表", ["单位"], [18], [], empty="没有缺证的项次。"),
        Table("第三张", ["单位", "原因"], [10, 10], ([f"单位{n}", "原因" * n] for n in range(30))),
    ]


def test_long_tables_read_the_same_as_tables_written_cell_by_cell(tmp_path):
    """constant_memory (佐证材料目录, 缺证清单 at a province's size) writes rows as sheet XML of its own: what a
    reader sees is what the cell-by-cell writer makes, links, cut texts, heights and row formats included, and
    the parts are valid OOXML."""
    from test_ooxml_schemas import assert_valid

    for long in (False, True):
        with pytest.warns(TextCutWarning):
            write_tables(tmp_path / f"{long}.xlsx", _every_kind_of_cell(), properties={"title": "目录"},
                         constant_memory=long)
    assert _dump(tmp_path / "True.xlsx") == _dump(tmp_path / "False.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "True.xlsx")["目录"]
    assert sheet["D4"].hyperlink.target.replace("\\", "/") == "../archive/1.pdf" and sheet["D4"].value == " 前后有空格 "
    assert sheet["D11"].value.endswith(CUT_MARKER) and sheet["E11"].value.endswith(CUT_MARKER)
    assert_valid(tmp_path / "True.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["False.xlsx", "True.xlsx"]  # nothing of the rows left


def test_a_long_table_saved_by_libreoffice_reads_back_the_same(tmp_path, soffice):
    from tests.office import convert

    with pytest.warns(TextCutWarning):
        write_tables(tmp_path / "目录.xlsx", _every_kind_of_cell(), constant_memory=True)
    back = convert(convert(tmp_path / "目录.xlsx", "ods", tmp_path / "ods"), "xlsx", tmp_path / "back")
    ours, theirs = openpyxl.load_workbook(tmp_path / "目录.xlsx"), openpyxl.load_workbook(back)
    assert ours.sheetnames == theirs.sheetnames
    for name in ours.sheetnames:
        # LibreOffice keeps no control characters (an ODS cell cannot hold them): nor does what we compare
        mine = [[re.sub("_x00[01][0-9A-F]_", "", v) if isinstance(v := _unescaped(c.value), str) else v for c in row]
                for row in ours[name].iter_rows()]
        assert [[c.value for c in row] for row in theirs[name].iter_rows()][:len(mine)] == mine
    links = {c.coordinate: c.hyperlink.target for row in theirs["目录"].iter_rows() for c in row if c.hyperlink}
    assert len(links) == 5 and links["D4"].endswith("archive/1.pdf")


@pytest.mark.parametrize("constant_memory", [False, True])
def test_links_past_excels_limit_keep_their_text(tmp_path, monkeypatch, constant_memory):
    """Excel holds 65,530 links in a sheet; xlsxwriter dropped the cell, text and all, past them (a province's
    佐证材料目录 can have more files): past the limit the 存档副本 is written as text, without its link."""
    from reporting import plain_xlsx

    monkeypatch.setattr(plain_xlsx, "LINK_LIMIT", 2)
    rows = [[f"文件{n}", Link(f"../archive/{n}.pdf", f"archive/{n}.pdf")] for n in range(4)]
    rows.append(["地址过长", Link("../" + "目录/" * 700 + "x.pdf", "archive/long.pdf")])
    write_tables(tmp_path / "目录.xlsx", [Table("目录", ["文件", "存档副本"], [20, 20], rows)],
                 constant_memory=constant_memory)
    sheet = openpyxl.load_workbook(tmp_path / "目录.xlsx")["目录"]
    assert [sheet.cell(r, 2).value for r in range(2, 7)] == [*(f"archive/{n}.pdf" for n in range(4)),
                                                            "archive/long.pdf"]
    assert [sheet.cell(r, 2).hyperlink is not None for r in range(2, 7)] == [True, True, False, False, False]
