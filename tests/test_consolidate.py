"""汇总台账.xlsx against figures worked out independently in tests/campaign.py."""

from __future__ import annotations

import multiprocessing
import os
import re
import zipfile
from datetime import date
from xml.etree import ElementTree

import openpyxl
import pytest
from campaign import (
    DUE,
    FILL_LETTERS,
    FORMULA_LIKE,
    PREVIOUS,
    PREVIOUS_RETURNS,
    ROUND,
    TASKS,
    UNITS,
    XML_LIKE,
    build_campaign,
    expected,
)
from click.testing import CliRunner
from office import convert
from python_calamine import CalamineWorkbook

from reporting import pool, summary_long, summary_xlsx
from reporting.cli import main
from reporting.errors import WorkspaceError
from reporting.safe_xlsx import TextCutWarning
from reporting.store import connect
from reporting.summary import DEFINITIONS, load_summary, previous_round
from reporting.summary_xlsx import consolidate


@pytest.fixture
def campaign_ws(ws):
    build_campaign(ws)
    return ws


@pytest.fixture
def book(campaign_ws):
    return openpyxl.load_workbook(consolidate(campaign_ws))


def table(book, name: str, header_row: int = 1) -> list[dict]:
    rows = list(book[name].iter_rows(min_row=header_row, values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def counts(row: dict) -> tuple:
    return tuple(row[name] for name in ("已完成", "推进中", "未启动", "待修改", "未报送", "逾期"))


def test_sheets_and_place(campaign_ws, book):
    assert book.sheetnames == ["总览", "按单位", "按领域", "按任务", "任务明细", "逾期未完成", "未报送单位",
                               "问题与计划", "说明"]
    assert (campaign_ws.outbox / ROUND / "汇总台账.xlsx").exists()


def test_unit_figures_and_ranking(book):
    e = expected()
    rows = table(book, "按单位")
    assert {r["单位"] for r in rows} == {u[0] for u in UNITS}
    for row in rows:
        c = e.units[row["单位"]]
        assert row["任务数"] == c.tasks
        assert counts(row) == (c.done, c.ongoing, c.not_started, c.needs_fix, c.not_reported, c.overdue)
        assert row["完成率"] == pytest.approx(c.rate)
        assert row["平均进度"] == pytest.approx(c.average / 100)
        assert row["报送情况"] == ("未报送" if row["单位"] not in e.returned else
                               "退回修改" if c.needs_fix else "已接收")
    keys = [(-e.units[r["单位"]].rate, -e.units[r["单位"]].average) for r in rows]
    assert keys == sorted(keys)
    assert [r["排名"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["单位"] == "县司法局" and rows[-1]["单位"] == "乙镇人民政府"


def test_area_figures_with_totals_and_return_rates(book):
    e = expected()
    rows = table(book, "按领域")
    for row in rows[:-1]:
        c = e.areas[row["领域"]]
        assert row["项次"] == c.tasks
        assert counts(row) == (c.done, c.ongoing, c.not_started, c.needs_fix, c.not_reported, c.overdue)
        assert row["完成率"] == pytest.approx(c.rate)
        assert row["报送率"] == pytest.approx(e.area_return_rate(row["领域"]))
        assert row["任务数"] == sum(t[1] == row["领域"] for t in TASKS)
    total = rows[-1]
    assert total["领域"] == "合计"
    assert (total["项次"], total["已完成"], total["逾期"]) == (e.total.tasks, e.total.done, len(e.overdue))
    assert total["完成率"] == pytest.approx(e.total.rate)
    assert total["报送率"] == pytest.approx(e.return_rate)
    assert total["已完成任务"] == e.tasks_done


def test_task_figures_show_the_lead_unit_separately(book):
    e = expected()
    for row in table(book, "按任务"):
        c = e.tasks[row["任务编号"]]
        assert row["完成率"] == pytest.approx(c.rate)
        assert row["牵头单位状态"] == e.lead_state[row["任务编号"]]
        assert row["任务状态"] == ("已完成" if c.done == c.tasks else "未完成")


def test_details_hold_every_pair_with_its_source(book):
    e = expected()
    rows = table(book, "任务明细")
    assert {(r["单位"], r["任务编号"]): r["状态"] for r in rows} == e.states
    assert {(r["单位"], r["任务编号"]) for r in rows if r["逾期"] == "是"} == e.overdue
    finance = next(r for r in rows if (r["单位"], r["任务编号"]) == ("县财政局", "1.1"))
    assert finance["来源文件"] == "财政局.zip/县财政局.xlsx"
    status, progress = FILL_LETTERS[:2]
    assert finance["来源位置"] == f"「工作台账」第3行（完成状态 {status}3，完成进度(%) {progress}3）"
    justice = next(r for r in rows if (r["单位"], r["任务编号"]) == ("县司法局", "1.1"))
    assert justice["来源文件"] == "县司法局.xlsx"  # the latest return, not the superseded draft
    assert justice["完成进度(%)"] == 100 and justice["佐证材料"] == "清理结果.pdf"
    missing = next(r for r in rows if (r["单位"], r["任务编号"]) == ("乙镇人民政府", "1.2"))
    assert missing["状态"] == "未报送" and missing["来源文件"] is None


def test_overdue_not_reported_and_problems_sheets(book):
    e = expected()
    late = table(book, "逾期未完成", header_row=2)
    assert {(r["单位"], r["任务编号"]) for r in late} == e.overdue
    assert late[0]["逾期天数"] == (DUE - date(2026, 3, 31)).days
    assert [r["单位"] for r in table(book, "未报送单位")] == ["乙镇人民政府"]
    assert table(book, "未报送单位")[0]["电子邮箱"] == "yz@example.cn"
    problems = table(book, "问题与计划", header_row=2)
    assert "镇级合法性审查力量薄弱。" in {r["存在问题"] for r in problems}
    assert "下半年启动听证目录编制。" in {r["下一步计划"] for r in problems}
    assert ("县司法局", "3.2") not in {(r["单位"], r["任务编号"]) for r in problems}  # nothing but blanks
    areas = [r["一级"] for r in problems]
    assert areas == sorted(areas, key=[t[1] for t in TASKS].index)


def test_overview_headline_and_notes(book):
    e = expected()
    headline = {row[0]: row[1] for row in book["总览"].iter_rows(min_row=5, values_only=True) if row[0]}
    assert headline["应报送单位数"] == len(UNITS) and headline["已报送单位数"] == len(e.returned)
    assert headline["报送率"] == pytest.approx(e.return_rate)
    assert headline["完成率"] == pytest.approx(e.total.rate)
    assert headline["平均进度"] == pytest.approx(e.total.average / 100)
    assert headline["已完成项次"] == e.total.done and headline["未报送项次"] == e.total.not_reported
    assert headline["逾期项次"] == len(e.overdue) and headline["已完成任务数"] == e.tasks_done
    notes = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True) if row[0]}
    assert notes["轮次"] == ROUND and notes["统计截至"] == DUE.isoformat() and notes["上一轮"] == PREVIOUS
    for label, text in DEFINITIONS:
        assert notes[label] == text


def test_workbook_has_native_charts(campaign_ws):
    with zipfile.ZipFile(consolidate(campaign_ws)) as package:
        charts = [name for name in package.namelist() if name.startswith("xl/charts/chart")]
    assert len(charts) == 3


def test_round_over_round(campaign_ws, book):
    now, then = expected(), expected(PREVIOUS_RETURNS, as_of=date(2026, 3, 31))
    for row in table(book, "按单位"):
        unit = row["单位"]
        assert row["上轮完成率"] == pytest.approx(then.units[unit].rate)
        assert row["完成率变化"] == pytest.approx((now.units[unit].rate - then.units[unit].rate) * 100)
        assert row["已完成变化(项次)"] == now.units[unit].done - then.units[unit].done
    for row in table(book, "按领域")[:-1]:
        assert row["完成率变化"] == pytest.approx((now.areas[row["领域"]].rate - then.areas[row["领域"]].rate) * 100)
    conn = connect(campaign_ws.db_path)
    assert previous_round(conn, ROUND) == PREVIOUS and previous_round(conn, PREVIOUS) is None
    conn.close()


def test_first_round_has_no_change_columns(ws):
    build_campaign(ws, with_previous=False)
    book = openpyxl.load_workbook(consolidate(ws))
    assert "上轮完成率" not in table(book, "按单位")[0]
    assert load_summary(ws).previous is None


def test_as_of_moves_the_overdue_line(campaign_ws):
    book = openpyxl.load_workbook(consolidate(campaign_ws, as_of=date(2027, 1, 1)))
    late = {(r["单位"], r["任务编号"]) for r in table(book, "逾期未完成", header_row=2)}
    assert late == expected(as_of=date(2027, 1, 1)).overdue
    assert late > expected().overdue


def test_text_a_unit_typed_stays_text(campaign_ws):
    path = consolidate(campaign_ws)
    book = openpyxl.load_workbook(path)
    cells = [cell for row in book["任务明细"].iter_rows() for cell in row if isinstance(cell.value, str)]
    typed = {cell.value: cell for cell in cells if cell.value in FORMULA_LIKE}
    assert set(typed) == set(FORMULA_LIKE)
    assert all(cell.data_type == "s" for cell in typed.values())
    with zipfile.ZipFile(path) as package:
        sheets = [package.read(name) for name in package.namelist() if name.startswith("xl/worksheets/sheet")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    police = next(r for r in table(book, "任务明细") if (r["单位"], r["任务编号"]) == ("县公安局", "2.1"))
    assert police["量化指标完成值"] == XML_LIKE


AWKWARD = [" 前后有空格 ", "两行\n文字", "回车\r文字", "字面 _x0041_ 转义", "<r><t>看似富文本</t></r>",
           'a & b < c > d "q"']


def test_long_lists_are_streamed_with_their_columns_formats(campaign_ws):
    """任务明细, 逾期未完成 and 问题与计划 are put into the file as XML (not cell by cell through xlsxwriter):
    every cell keeps its column's format, text comes back as typed, and each sheet's dimension covers its rows."""
    conn = connect(campaign_ws.db_path)
    with conn:
        ids = [row[0] for row in conn.execute(
            "SELECT rowid FROM answers WHERE accepted = 1 AND submission_id IN "
            "(SELECT id FROM submissions WHERE round = ? AND superseded_by IS NULL) ORDER BY rowid", (ROUND,))]
        for rowid, text in zip(ids, AWKWARD, strict=False):
            conn.execute("UPDATE answers SET measures = ? WHERE rowid = ?", (text, rowid))
    conn.close()
    path = consolidate(campaign_ws)
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                ElementTree.fromstring(package.read(name))
    book = openpyxl.load_workbook(path)
    sheet = book["任务明细"]
    measures = [row["工作举措及成效"] for row in table(book, "任务明细")]
    escaped = {"回车\r文字", "字面 _x0041_ 转义"}  # openpyxl leaves Excel's _xHHHH_ escapes as written
    assert set(AWKWARD) - escaped <= set(measures)
    assert {"回车_x000D_文字", "字面 _x005F_x0041_ 转义"} <= set(measures)
    header = [cell.value for cell in sheet[1]]
    progress, measure = header.index("完成进度(%)") + 1, header.index("工作举措及成效") + 1
    looks = {progress: ("0.0", False), measure: ("General", True)}  # the columns' formats: num, wrap
    for row in range(2, sheet.max_row + 1):
        for col, (number_format, wrap) in looks.items():
            cell = sheet.cell(row, col)
            if cell.value is not None:  # a blank is not written: the column's format shows
                assert (cell.number_format, bool(cell.alignment.wrap_text), cell.font.sz) == (number_format, wrap, 10)
    assert sheet.max_row == len(expected().states) + 1
    last = openpyxl.utils.get_column_letter(len(header))
    with zipfile.ZipFile(path) as package:
        part = package.read(f"xl/worksheets/sheet{book.sheetnames.index('任务明细') + 1}.xml")
    assert f'<dimension ref="A1:{last}{sheet.max_row}"/>'.encode() in part
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("任务明细").to_python()
    assert len(rows) == sheet.max_row
    assert set(AWKWARD) - escaped <= {r[header.index("工作举措及成效")] for r in rows}


def test_empty_round_gives_zeros_not_an_error(ws):
    build_campaign(ws, with_returns=False)
    book = openpyxl.load_workbook(consolidate(ws))
    assert len(table(book, "未报送单位")) == len(UNITS)
    total = table(book, "按领域")[-1]
    assert (total["完成率"], total["报送率"], total["已完成"]) == (0, 0, 0)
    assert all(r["状态"] == "未报送" for r in table(book, "任务明细"))


def test_round_without_tasks_says_what_to_check(ws):
    build_campaign(ws, with_previous=False)
    conn = connect(ws.db_path)
    conn.execute("DELETE FROM assignments")
    conn.close()
    with pytest.raises(WorkspaceError, match="没有分配给任何单位的任务"):
        consolidate(ws)


def test_workbook_held_open_names_the_file(campaign_ws, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    message = "无法写入 outbox/2026年第二季度/汇总台账.xlsx：文件可能正在 Excel/WPS 中打开，请关闭后重试"
    with pytest.raises(WorkspaceError, match=re.escape(message)):
        consolidate(campaign_ws)


def test_without_a_store_says_what_to_run(ws):
    with pytest.raises(WorkspaceError, match="reporting generate"):
        consolidate(ws, round_name=ROUND)


def test_cli_consolidate(campaign_ws):
    runner = CliRunner()
    result = runner.invoke(main, ["consolidate", "-w", str(campaign_ws.root)])
    assert result.exit_code == 0, result.output
    assert "已生成 outbox/2026年第二季度/汇总台账.xlsx" in result.output
    result = runner.invoke(main, ["consolidate", "-w", str(campaign_ws.root), "--as-of", "明天"])
    assert result.exit_code == 1
    assert "错误：日期「明天」格式不对" in result.output


def test_libreoffice_opens_it_without_repair_and_keeps_the_values(campaign_ws, soffice, tmp_path):
    path = consolidate(campaign_ws)
    again = convert(path, "xlsx", tmp_path / "lo")
    pdf = convert(path, "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 0
    ours, theirs = openpyxl.load_workbook(path), openpyxl.load_workbook(again)
    assert theirs.sheetnames == ours.sheetnames
    for name in ours.sheetnames:
        mine = [[_comparable(v) for v in row] for row in ours[name].iter_rows(values_only=True)]
        lo = [[_comparable(v) for v in row] for row in theirs[name].iter_rows(values_only=True)]
        assert _trim(lo) == _trim(mine), name


def _comparable(value):
    if isinstance(value, float):
        return round(value, 9)
    return None if value == "" else value


def _trim(rows: list[list]) -> list[list]:
    """Rows without trailing empty cells and without trailing empty rows (LibreOffice keeps no blanks)."""
    trimmed = []
    for row in rows:
        while row and row[-1] is None:
            row = row[:-1]
        trimmed.append(row)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


@pytest.mark.parametrize("round_name", [ROUND, PREVIOUS])  # PREVIOUS has no earlier round: fewer columns
def test_overview_columns_take_their_own_widths(campaign_ws, round_name):
    sheet = openpyxl.load_workbook(consolidate(campaign_ws, round_name=round_name))["总览"]
    header = {cell.value: cell.column_letter for cell in sheet[4] if cell.value}
    assert sheet.column_dimensions[header["口径"]].width >= 40  # the longest texts, wrapped
    assert sheet.column_dimensions[header["指标"]].width >= 26


def test_long_lists_made_by_workers_are_the_ones_made_here(campaign_ws, monkeypatch):
    """From a size on, worker processes make 任务明细, 逾期未完成 and 问题与计划: every sheet comes out the same as
    when this process makes them, and a text cut to fit a cell there is reported here."""
    conn = connect(campaign_ws.db_path)
    with conn:
        conn.execute("UPDATE answers SET problems = ? WHERE rowid = (SELECT MIN(rowid) FROM answers WHERE accepted = 1 "
                     "AND submission_id IN (SELECT id FROM submissions WHERE round = ? AND superseded_by IS NULL))",
                     ("问" * 40000, ROUND))
    conn.close()

    def sheets(workers: int) -> dict[str, list]:
        with pytest.warns(TextCutWarning) as caught:
            book = CalamineWorkbook.from_path(str(consolidate(campaign_ws, workers=workers)))
        cut = {re.search("「(.+?)」", str(w.message)).group(1) for w in caught}  # type: ignore[union-attr]
        assert cut == {"任务明细", "问题与计划"}
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names
                if name not in ("总览", "说明")}  # these two say when the file was made

    pools: list[int] = []

    def ordered_map(function, jobs, workers, **options):
        pools.append(workers)
        return pool.ordered_map(function, jobs, workers, **options)

    monkeypatch.setattr(summary_long, "ordered_map", ordered_map)
    here = sheets(workers=1)
    assert pools == []
    monkeypatch.setattr(summary_long, "THRESHOLD", 1)
    assert sheets(workers=2) == here
    assert pools == [2]
    assert len(here["任务明细"]) == len(expected().states) + 1


def test_workers_end_when_consolidate_fails_meanwhile(campaign_ws, monkeypatch):
    """The long lists' workers start before the figures are worked out: a failure meanwhile ends them at once."""
    monkeypatch.setattr(summary_long, "THRESHOLD", 1)
    started = []

    def failing(*args, **kwargs):
        started.extend(multiprocessing.active_children())
        raise WorkspaceError("读取失败")

    monkeypatch.setattr(summary_xlsx, "load_summary", failing)
    try:
        consolidate(campaign_ws, workers=2)
    except WorkspaceError as error:  # looked at while the error is still held: nothing else ends them
        assert str(error) == "读取失败"
        assert started and not any(process.is_alive() for process in started)
    else:
        pytest.fail("consolidate went on")
    assert not (campaign_ws.outbox / ROUND / "汇总台账.xlsx").exists()
