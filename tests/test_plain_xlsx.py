"""The one writer of the plain workbooks (任务分解表, 单位名册, 分发清单, 未匹配单位, 催报名单)."""

from __future__ import annotations

import ast
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
