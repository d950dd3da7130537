"""Figures a coordinator can sign: the wrong answers the issue found, replayed, now right; and status, JSON,
催报名单 and 汇总台账 agreeing on them."""

from __future__ import annotations

import json

import openpyxl
from click.testing import CliRunner
from returns import ROUND, done, ongoing, record_round, write_return

from reporting.cli import main


def _run(ws, *args):
    result = CliRunner().invoke(main, [*args, "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    return result.output


def _chase(ws) -> dict[str, str]:
    sheet = openpyxl.load_workbook(ws.round_dir(ROUND) / "催报名单.xlsx")["催报名单"]
    return {row[1]: row[2] for row in sheet.iter_rows(min_row=3, values_only=True) if row[1]}


def test_overdue_counts_only_pairs_a_unit_reported_as_not_done(ws):
    """Deadlines of tasks 1 (06-30) and 4 (08-31) have passed by the due date 09-30."""
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": ongoing(), "2": ongoing(), "3": done()})
    # 县公安局: task 1 left empty (未报送), task 4 with an error (待修改), task 5 done
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"4": {"完成状态": "好"}, "5": done()})
    _run(ws, "collect")
    data = json.loads(_run(ws, "status", "--json"))
    overdue = {u["unit"]: u["overdue"] for u in data["units"]}
    assert overdue == {"县财政局": 1, "县公安局": 1, "甲镇人民政府": 0, "乙镇人民政府": 0}
    missing = {u["unit"]: u["not_reported"] for u in data["units"]}
    assert missing == {"县财政局": 0, "县公安局": 1, "甲镇人民政府": 3, "乙镇人民政府": 3}
    reasons = _chase(ws)
    assert reasons["甲镇人民政府"] == "未报送" and reasons["乙镇人民政府"] == "未报送"
    assert reasons["县公安局"] == "退回修改（1 处错误）；有任务未报送（1 项）；有逾期任务（1 项）"
    assert reasons["县财政局"] == "有逾期任务（1 项）"

    _run(ws, "consolidate")
    book = openpyxl.load_workbook(ws.round_dir(ROUND) / "汇总台账.xlsx")
    late = [row for row in book["逾期未完成"].iter_rows(values_only=True) if row[1] in ("1", "4")]
    assert sorted((row[0], row[1], row[6]) for row in late) == [("县公安局", "4", "待修改"),
                                                                ("县财政局", "1", "推进中")]
    overview = {row[0]: row[1] for row in book["总览"].iter_rows(values_only=True) if row and row[0]}
    assert overview["逾期项次"] == 2 == sum(overdue.values())
