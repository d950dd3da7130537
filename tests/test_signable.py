"""Figures a coordinator can sign: the wrong answers the issue found, replayed, now right; and status, JSON,
催报名单 and 汇总台账 agreeing on them."""

from __future__ import annotations

import json
from datetime import datetime

import docx
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
    # …and each unit's 已完成 claims that came without a file (task 5 and task 3: no zip was sent)
    assert reasons["县公安局"] == "退回修改（1 处错误）；有任务未报送（1 项）；有逾期任务（1 项）；" \
        "缺佐证材料（1 项已完成任务未收到文件，见缺证清单）"
    assert reasons["县财政局"] == "有逾期任务（1 项）；缺佐证材料（1 项已完成任务未收到文件，见缺证清单）"

    _run(ws, "consolidate")
    book = openpyxl.load_workbook(ws.round_dir(ROUND) / "汇总台账.xlsx")
    late = [row for row in book["逾期未完成"].iter_rows(values_only=True) if row[1] in ("1", "4")]
    assert sorted((row[0], row[1], row[6]) for row in late) == [("县公安局", "4", "待修改"),
                                                                ("县财政局", "1", "推进中")]
    overview = {row[0]: row[1] for row in book["总览"].iter_rows(values_only=True) if row and row[0]}
    assert overview["逾期项次"] == 2 == sum(overdue.values())

    _run(ws, "report")
    found = {}
    for table in docx.Document(str(ws.round_dir(ROUND) / "自评报告.docx")).tables:
        header = [c.text for c in table.rows[0].cells]
        if "单位" in header and "逾期" in header:
            found = {r.cells[header.index("单位")].text: r.cells[header.index("逾期")].text for r in table.rows[1:]}
    assert {unit: found[unit] for unit in overdue} == {unit: str(n) for unit, n in overdue.items()}


def _units(ws) -> dict[str, dict]:
    return {u["unit"]: u for u in json.loads(_run(ws, "status", "--json"))["units"]}


def test_a_blank_return_is_answered_but_not_counted(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {})  # the generated workbook sent back untouched
    output = _run(ws, "collect")
    assert "空表" in output and "空表 1" in output
    unit = _units(ws)["县财政局"]
    assert (unit["state"], unit["returned"], unit["overdue"]) == ("空表", False, 0)
    assert json.loads(_run(ws, "status", "--json"))["return_rate"] == 0
    assert _chase(ws)["县财政局"] == "空表（未填写任何内容）"
    receipt = openpyxl.load_workbook(ws.round_dir(ROUND) / "回执" / "县财政局.xlsx")
    assert any("空表" in str(cell.value) for row in receipt.worksheets[0].iter_rows() for cell in row if cell.value)
    _run(ws, "consolidate")
    sheet = openpyxl.load_workbook(ws.round_dir(ROUND) / "汇总台账.xlsx")["未报送单位"]
    assert next(row for row in sheet.iter_rows(values_only=True) if row[0] == "县财政局")[-1] == "空表"


def test_a_file_named_for_another_unit_is_held_until_confirmed(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": done(), "3": done()},
                 saved=datetime(2026, 9, 20, 9, 0))
    _run(ws, "collect")
    write_return(ws.inbox / "县公安局台账（更新）.xlsx", "县财政局", {"1": ongoing()}, saved=datetime(2026, 9, 25))
    output = _run(ws, "collect")
    assert "待确认" in output and "「县公安局」" in output and "reporting confirm" in output
    units = _units(ws)
    assert (units["县财政局"]["state"], units["县财政局"]["completed"]) == ("已接收", 3)  # nothing replaced
    assert units["县财政局"]["held"] == 1 and units["县公安局"]["state"] == "未报送"
    assert _chase(ws)["县财政局"].startswith("待确认（1 份")

    confirmed = _run(ws, "confirm", str(ws.inbox / "县公安局台账（更新）.xlsx"))
    assert "县财政局" in confirmed and "已确认" in confirmed
    units = _units(ws)
    assert (units["县财政局"]["state"], units["县财政局"]["completed"], units["县财政局"]["held"]) == ("已接收", 0, 0)
    again = CliRunner().invoke(main, ["confirm", str(ws.inbox / "县公安局台账（更新）.xlsx"), "-w", str(ws.root)])
    assert again.exit_code == 1 and "没有待确认的报送" in again.output


def test_an_older_draft_collected_later_replaces_nothing(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": done(), "3": done()},
                 saved=datetime(2026, 9, 28, 17, 0))
    _run(ws, "collect")
    write_return(ws.inbox / "财政局-9月20日初稿.xlsx", "县财政局", {"1": ongoing()}, saved=datetime(2026, 9, 20, 9, 0))
    output = _run(ws, "collect")
    assert "待确认" in output and "早于已收到的 inbox/财政局.xlsx" in output
    unit = _units(ws)["县财政局"]
    assert (unit["state"], unit["completed"], unit["file"]) == ("已接收", 3, "财政局.xlsx")
    # the newest by save time wins whatever the order they were collected in
    write_return(ws.inbox / "财政局-终稿.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": done()},
                 saved=datetime(2026, 9, 29, 8, 0))
    _run(ws, "collect")
    unit = _units(ws)["县财政局"]
    assert (unit["completed"], unit["file"]) == (2, "财政局-终稿.xlsx")
    # the coordinator may still take the draft: it becomes the unit's latest
    _run(ws, "confirm", "inbox/财政局-9月20日初稿.xlsx")
    unit = _units(ws)["县财政局"]
    assert (unit["completed"], unit["file"], unit["held"]) == (0, "财政局-9月20日初稿.xlsx", 0)


def test_the_coordinators_words_in_the_settings_are_read_and_the_receipt_says_how(ws):
    record_round(ws)
    settings = ws.settings()
    settings.words = {"已完成": ["已验收合格"]}
    ws.save_settings(settings)
    assert '"已完成" = ["已验收合格"]' in ws.settings_path.read_text(encoding="utf-8")
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(**{"完成状态": "已验收合格"}),
                                                        "2": ongoing(**{"完成状态": "基本完成"}), "3": done()})
    output = _run(ws, "collect")
    assert "：已接收" in output
    unit = _units(ws)["县财政局"]
    assert (unit["state"], unit["completed"]) == ("已接收", 2)
    receipt = openpyxl.load_workbook(ws.round_dir(ROUND) / "回执" / "县财政局.xlsx")
    texts = [str(c.value) for sheet in receipt.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any("「已验收合格」按“已完成”读取" in t for t in texts)
    assert any("「基本完成」按“推进中”读取" in t for t in texts)


def test_a_return_identical_to_last_rounds_prefill_is_accepted_with_a_warning(ws):
    from returns import OLD_ROUND

    from reporting.store import connect

    record_round(ws, OLD_ROUND, generated_at="2026-06-01T09:00:00")
    record_round(ws)
    answers = {"1": done(), "2": ongoing(), "3": done()}
    write_return(ws.inbox / "财政局-二季度.xlsx", "县财政局", answers, round_name=OLD_ROUND)
    _run(ws, "collect")
    write_return(ws.inbox / "财政局-三季度.xlsx", "县财政局", answers)  # sent back as pre-filled
    output = _run(ws, "collect")
    assert "已接收，有 1 条提醒" in output
    conn = connect(ws.db_path)
    codes = [r[0] for r in conn.execute("SELECT p.code FROM problems p JOIN submissions s ON s.id = p.submission_id "
                                        "WHERE s.round = ?", (ROUND,))]
    conn.close()
    assert "return.unchanged" in codes
    assert _units(ws)["县财政局"]["state"] == "已接收"
    write_return(ws.inbox / "财政局-三季度-更新.xlsx", "县财政局", {**answers, "2": done()})
    assert "已接收，有" not in _run(ws, "collect").split("三季度-更新")[1].splitlines()[0]


def test_confirming_as_another_unit_checks_the_return_against_that_units_tasks(ws):
    """县财政局's workbook (tasks 1–3) sent under 县公安局's name and confirmed as 县公安局 (tasks 1, 4, 5):
    rows 2 and 3 are not its tasks, 4 and 5 are missing, and the figures and receipt are 县公安局's."""
    from reporting.store import connect

    record_round(ws)
    write_return(ws.inbox / "县公安局台账.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": done()})
    assert "待确认" in _run(ws, "collect")
    assert not (ws.round_dir(ROUND) / "回执" / "县财政局.xlsx").exists()

    _run(ws, "confirm", "inbox/县公安局台账.xlsx", "--unit", "县公安局")
    conn = connect(ws.db_path)
    (sub,) = conn.execute("SELECT * FROM submissions").fetchall()
    problems = sorted((r["code"], r["task_id"]) for r in conn.execute(
        "SELECT code, task_id FROM problems WHERE submission_id = ? AND code LIKE 'row.%'", (sub["id"],)))
    answered = [r[0] for r in conn.execute("SELECT task_id FROM answers WHERE submission_id = ?", (sub["id"],))]
    conn.close()
    assert problems == [("row.missing", "4"), ("row.missing", "5"), ("row.not_assigned", "2"),
                        ("row.not_assigned", "3")]
    assert answered == ["1"]
    assert (sub["unit"], sub["hold"], sub["errors"], sub["verdict"]) == ("县公安局", "", 2, "退回修改")
    units = _units(ws)
    police = units["县公安局"]
    assert (police["state"], police["errors"], police["held"]) == ("退回修改", 2, 0)
    assert (police["tasks"], police["completed"], police["not_reported"], police["overdue"]) == (3, 1, 2, 0)
    assert (units["县财政局"]["state"], units["县财政局"]["held"]) == ("未报送", 0)
    receipts = ws.round_dir(ROUND) / "回执"
    assert sub["receipt"] and not (receipts / "县财政局.xlsx").exists()
    receipt = openpyxl.load_workbook(receipts / "县公安局.xlsx")
    texts = [str(c.value) for sheet in receipt.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any("县公安局" in t for t in texts) and not any("县财政局" in t for t in texts)


def test_a_held_returns_liaison_waits_for_confirm_and_goes_to_the_unit_confirmed(ws):
    """The 联络员信息 of a held return replaces nobody's until confirmed; confirmed as another unit, it is
    that unit's (generate pre-fills it and receipts show it from there)."""
    from reporting.store import connect

    def liaisons() -> dict[str, str]:
        conn = connect(ws.db_path)
        found = {r["unit"]: r["liaison"] for r in conn.execute("SELECT unit, liaison FROM liaisons")}
        conn.close()
        return found

    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": done(), "3": done()},
                 liaison={"联络员": "王五"}, saved=datetime(2026, 9, 20, 9, 0))
    _run(ws, "collect")
    write_return(ws.inbox / "县公安局台账.xlsx", "县财政局", {"1": done()}, liaison={"联络员": "李四"},
                 saved=datetime(2026, 9, 25))
    assert "待确认" in _run(ws, "collect")
    assert liaisons() == {"县财政局": "王五"}  # held: nothing replaced

    _run(ws, "confirm", "inbox/县公安局台账.xlsx", "--unit", "县公安局")
    assert liaisons() == {"县财政局": "王五", "县公安局": "李四"}


def test_a_held_returns_liaison_confirmed_as_the_unit_inside(ws):
    from reporting.store import connect

    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()}, liaison={"联络员": "王五"},
                 saved=datetime(2026, 9, 28))
    _run(ws, "collect")
    write_return(ws.inbox / "财政局-初稿.xlsx", "县财政局", {"1": ongoing()}, liaison={"联络员": "赵六"},
                 saved=datetime(2026, 9, 20))
    assert "待确认" in _run(ws, "collect")
    conn = connect(ws.db_path)
    assert conn.execute("SELECT liaison FROM liaisons WHERE unit = '县财政局'").fetchone()[0] == "王五"
    _run(ws, "confirm", "inbox/财政局-初稿.xlsx")
    assert conn.execute("SELECT liaison FROM liaisons WHERE unit = '县财政局'").fetchone()[0] == "赵六"
    conn.close()
