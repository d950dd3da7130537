"""The workbook writer and its template: the built-in template, receipts, values that must stay as typed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import Color

from reporting.errors import TemplateError
from reporting.models import Task
from reporting.templates import builtin_template
from reporting.workbook import CellMark, WorkbookRow, write_unit_workbook
from reporting.workbook_spec import (
    FILL_COLUMNS,
    FILL_SPEC,
    FIRST_DATA_ROW,
    HEADER_ROW,
    KIND_RECEIPT,
    LEDGER_COLUMNS,
    PROBLEMS_COLUMNS,
    PROP_KIND,
    SHEET_GUIDE,
    SHEET_LEDGER,
    SHEET_META,
    SHEET_PROBLEMS,
)
from reporting.workbook_template import (
    DEFAULT_TITLE,
    DEFAULT_WIDTHS,
    GUIDE_LINES,
    _kept_spec,
    build_builtin_template,
    load_template,
    read_template,
)
from reporting.workbook_template import main as rebuild_main


@pytest.fixture(scope="module")
def spec():
    return load_template(builtin_template("xlsx"))


def _rows(n: int = 3) -> list[WorkbookRow]:
    return [WorkbookRow(Task(id=f"{i}", text=f"第{i}项任务：推进依法行政。", path=["(一)依法行政"]), "牵头")
            for i in range(1, n + 1)]


def _write(path: Path, spec, rows: list[WorkbookRow], **kwargs) -> openpyxl.Workbook:
    options = {"campaign": "某县法治政府建设", "unit": "县财政局", "round_name": "2026年第四季度",
               "due": date(2026, 12, 31), "contact": "张三 0731-1234567", **kwargs}
    write_unit_workbook(path, spec, rows=rows, **options)
    return openpyxl.load_workbook(path)


def test_committed_builtin_template_is_what_the_builder_makes(tmp_path, spec):
    built = tmp_path / "工作台账模板.xlsx"
    build_builtin_template(built)
    fresh = load_template(built)
    assert fresh == spec
    assert spec.title == DEFAULT_TITLE
    assert [c.header for c in spec.columns] == LEDGER_COLUMNS
    assert {c.header: c.width for c in spec.columns} == DEFAULT_WIDTHS
    assert [c.text for c in spec.guide.cells if c.text] == [text for text, _ in GUIDE_LINES if text]
    assert spec.column("完成状态").header_format["bg_color"] == "#FCE4D6"
    assert spec.column("工作任务").body_format["bg_color"] == "#F2F2F2"


def test_the_kept_spec_is_the_builtin_template_as_read(tmp_path):
    """The spec kept beside the built-in template is what reading it gives (else: `python -m
    reporting.workbook_template` after changing the template or how it is read); a workspace's unchanged copy is
    that spec under its own name, a changed copy is read."""
    builtin = builtin_template("xlsx")
    kept = _kept_spec(builtin)
    assert kept is not None, "run python -m reporting.workbook_template to keep the spec of the built-in template"
    assert kept == read_template(builtin, builtin.name)
    copy = tmp_path / "工作台账模板.xlsx"
    copy.write_bytes(builtin.read_bytes())
    assert load_template(copy, "templates/xlsx/工作台账模板.xlsx").source == "templates/xlsx/工作台账模板.xlsx"
    book = openpyxl.load_workbook(copy)
    book[SHEET_LEDGER].cell(1, 1).value = "{单位}台账（{轮次}）"
    book.save(copy)
    assert _kept_spec(copy) is None
    assert load_template(copy).title == "{单位}台账（{轮次}）"


def test_an_unchanged_template_is_loaded_without_openpyxl(tmp_path):
    """collect loads the template before writing receipts: an unchanged copy costs no import of openpyxl."""
    import subprocess
    import sys

    copy = tmp_path / "工作台账模板.xlsx"
    copy.write_bytes(builtin_template("xlsx").read_bytes())
    code = ("import sys; from pathlib import Path; from reporting.workbook_template import load_template; "
            "spec = load_template(Path(sys.argv[1])); print(spec.title, 'openpyxl' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(copy)], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [DEFAULT_TITLE, "False"]


def test_module_entry_point_rebuilds_the_template(tmp_path, capsys):
    target = tmp_path / "模板.xlsx"
    rebuild_main([str(target)])
    assert load_template(target) == load_template(builtin_template("xlsx"))
    assert "模板.xlsx" in capsys.readouterr().out


def test_theme_colours_and_tints_from_excel_are_resolved(tmp_path):
    path = tmp_path / "模板.xlsx"
    build_builtin_template(path)
    book = openpyxl.load_workbook(path)
    cell = book[SHEET_LEDGER].cell(HEADER_ROW, LEDGER_COLUMNS.index("完成状态") + 1)
    cell.fill = PatternFill("solid", fgColor=Color(theme=5, tint=0.7999816888943144))  # "accent2, lighter 80%"
    book.save(path)
    spec = load_template(path)
    color = spec.column("完成状态").header_format["bg_color"]
    assert color.startswith("#") and len(color) == 7 and color != "#FCE4D6"


def test_guide_rows_stay_tall_enough_when_the_template_stores_every_height(tmp_path):
    path = tmp_path / "模板.xlsx"
    build_builtin_template(path)
    book = openpyxl.load_workbook(path)
    guide = book[SHEET_GUIDE]
    for row in range(2, guide.max_row + 1):  # what a LibreOffice save does
        guide.row_dimensions[row].height = 15
    guide["A7"] = "很长的一行说明。" * 40
    book.save(path)
    out = _write(tmp_path / "a.xlsx", load_template(path), _rows(1))[SHEET_GUIDE]
    assert out.row_dimensions[7].height > 60
    assert out.row_dimensions[1].height == pytest.approx(32.25, abs=0.5)


def test_template_without_the_ledger_sheet(tmp_path):
    path = tmp_path / "坏模板.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.save(path)
    with pytest.raises(TemplateError, match="模板缺少工作表「工作台账」"):
        load_template(path)


def test_text_stays_text_and_numbers_stay_numbers(tmp_path, spec):
    rows = _rows(2)
    rows[0].task.id = "004"
    rows[0].values = {"工作举措及成效": "=1+1", "完成进度(%)": 80, "量化指标完成值": "0.8"}
    book = _write(tmp_path / "a.xlsx", spec, rows)
    sheet = book[SHEET_LEDGER]
    col = {name: i + 1 for i, name in enumerate(LEDGER_COLUMNS)}
    assert sheet.cell(FIRST_DATA_ROW, col["任务编号"]).value == "004"
    assert sheet.cell(FIRST_DATA_ROW, col["工作举措及成效"]).value == "=1+1"
    assert sheet.cell(FIRST_DATA_ROW, col["工作举措及成效"]).data_type == "s"
    assert sheet.cell(FIRST_DATA_ROW, col["完成进度(%)"]).value == 80
    assert sheet.cell(FIRST_DATA_ROW, col["量化指标完成值"]).value == "0.8"


def test_row_heights_follow_text_length_up_to_excels_limit(tmp_path, spec):
    rows = _rows(3)
    rows[1].task.text = "加强行政执法。" * 30
    rows[2].task.text = "很长的任务。" * 2000
    sheet = _write(tmp_path / "a.xlsx", spec, rows)[SHEET_LEDGER]
    heights = [sheet.row_dimensions[FIRST_DATA_ROW + i].height for i in range(3)]
    assert heights[0] < heights[1] < heights[2] == pytest.approx(409, abs=1)


def test_a_workbook_without_rows_still_opens(tmp_path, spec):
    sheet = _write(tmp_path / "a.xlsx", spec, [])[SHEET_LEDGER]
    assert [c.value for c in sheet[HEADER_ROW]] == LEDGER_COLUMNS


def test_receipt_marks_verdict_and_problems(tmp_path, spec):
    rows = _rows(3)
    rows[1].values = {"完成状态": "已完成", "完成进度(%)": 150}
    marks = [CellMark("2", "完成进度(%)", "完成进度应为0–100", "error"),
             CellMark("2", "完成进度(%)", "已完成的进度应为100", "warning"),
             CellMark("3", "佐证材料", "已完成的任务应注明佐证材料", "warning")]
    problems = [["I4", "150", "完成进度应为0–100", "改为0到100之间的数字"]]
    book = _write(tmp_path / "回执.xlsx", spec, rows, kind=KIND_RECEIPT, marks=marks,
                  verdict="退回修改：发现 1 处错误，请按“问题清单”修改后重新报送", problems=problems)
    assert {p.name: p.value for p in book.custom_doc_props.props}[PROP_KIND] == KIND_RECEIPT
    assert book.sheetnames[:4] == [SHEET_GUIDE, SHEET_LEDGER, "联络员信息", SHEET_PROBLEMS]
    assert book.active.title == SHEET_PROBLEMS
    assert book[SHEET_GUIDE]["A1"].value.startswith("退回修改")
    assert book[SHEET_GUIDE]["A1"].font.color.rgb.endswith("9C0006")
    guide = book[SHEET_GUIDE].page_setup  # the verdict line on top must not push the guide's last line over
    assert book[SHEET_GUIDE].sheet_properties.pageSetUpPr.fitToPage and guide.fitToHeight in (None, 1)
    sheet = book[SHEET_LEDGER]
    progress = sheet.cell(FIRST_DATA_ROW + 1, LEDGER_COLUMNS.index("完成进度(%)") + 1)
    assert progress.value == 150
    assert progress.fill.fgColor.rgb.endswith("FFC7CE")  # error wins over the warning on the same cell
    assert "完成进度应为0–100" in progress.comment.text and "已完成的进度应为100" in progress.comment.text
    assert not progress.protection.locked
    evidence = sheet.cell(FIRST_DATA_ROW + 2, LEDGER_COLUMNS.index("佐证材料") + 1)
    assert evidence.fill.fgColor.rgb.endswith("FFEB9C")
    assert evidence.value is None and "佐证材料" in evidence.comment.text
    assert sheet.cell(FIRST_DATA_ROW, LEDGER_COLUMNS.index("佐证材料") + 1).comment is None
    listed = list(book[SHEET_PROBLEMS].iter_rows(values_only=True))
    assert list(listed[0]) == PROBLEMS_COLUMNS and list(listed[1]) == problems[0]
    meta = {r[0]: r[1] for r in book[SHEET_META].iter_rows(values_only=True)}
    assert meta["类型"] == KIND_RECEIPT


def test_an_accepted_receipt_without_problems(tmp_path, spec):
    book = _write(tmp_path / "回执.xlsx", spec, _rows(1), kind=KIND_RECEIPT, verdict="已接收", problems=[])
    assert book.active.title == SHEET_LEDGER
    assert book[SHEET_PROBLEMS]["A2"].value == "已接收"
    assert book[SHEET_GUIDE]["A1"].font.color.rgb.endswith("006100")


def test_every_fill_column_has_a_hint_and_a_guide_line():
    assert [column.header for column in FILL_SPEC] == FILL_COLUMNS
    assert all(0 < len(column.hint) <= 255 and column.guide for column in FILL_SPEC)  # Excel's limit


def test_a_task_row_is_as_tall_as_its_tallest_text_whichever_of_its_values_were_met_before(tmp_path, spec):
    """A task row's height is the tallest its texts need, also where all but one of its values were met before in
    the process (their heights kept) and the tallest text is the new one, in any fill column."""
    from reporting.receipts import RECEIPT_WRITER
    from reporting.safe_xlsx import font_size, text_height

    fill = spec.fill_columns
    base = {column: "按期推进" for column in fill}
    for turn, column in enumerate(fill):
        tall = f"第{turn}次：" + "很长的说明文字" * 40
        rows = _rows(2)
        rows[0].values = dict(base)
        rows[1].values = {**base, column: tall}
        for writer in (RECEIPT_WRITER, None):
            path = tmp_path / f"{turn}-{writer is None}.xlsx"
            book = _write(path, spec, rows, **({"writer": writer, "kind": KIND_RECEIPT} if writer else {}))
            expected = text_height(tall, spec.column(column).width, font_size(spec.column(column).body_format))
            assert book[SHEET_LEDGER].row_dimensions[4].height == pytest.approx(expected, abs=0.76), (column, writer)
