"""reporting status and reporting collect on the command line: exit codes, messages, JSON shape."""

from __future__ import annotations

import json
from datetime import datetime

import openpyxl
from click.testing import CliRunner
from returns import ROUND, done, ongoing, record_round, write_return

from reporting.cli import main


def _run(ws, *args):
    return CliRunner().invoke(main, [*args, "-w", str(ws.root)])


def test_collect_prints_a_line_per_file_and_a_summary(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()})
    (ws.inbox / "照片.jpg").write_bytes(b"\xff\xd8\xff" + b"0" * 10)
    result = _run(ws, "collect")
    assert result.exit_code == 0, result.output
    assert "inbox/财政局.xlsx → 县财政局（2026年第三季度，按文档属性识别）：已接收" in result.output
    assert "inbox/照片.jpg：图片不是台账工作簿" in result.output
    assert "本次：新报送 1 份（已接收 1，退回修改 0），无法读取或识别 1 个文件" in result.output
    again = _run(ws, "collect")
    assert again.exit_code == 0 and "此前已读取 1 个" in again.output


def test_collect_without_a_round_is_a_one_line_error(ws):
    result = _run(ws, "collect")
    assert result.exit_code == 1
    assert result.output.strip() == "错误：尚未生成任何轮次的台账，请先运行 reporting generate"


def test_status_json_shape(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": {"完成状态": "好"}})
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"1": done(), "4": done(), "5": done()})
    assert _run(ws, "collect").exit_code == 0
    result = _run(ws, "status", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"round", "due", "return_rate", "completion_rate", "units"} <= set(data)
    assert data["round"] == ROUND and data["due"] == "2026-09-30" and data["return_rate"] == 0.5
    assert data["completion_rate"] == round(4 / 12, 4)
    keys = {"unit", "returned", "accepted", "errors", "tasks", "completed", "overdue", "file"}
    assert all(keys <= set(unit) for unit in data["units"])
    first = data["units"][0]
    assert (first["unit"], first["returned"], first["accepted"], first["errors"]) == ("县财政局", True, False, 1)
    by_unit = {u["unit"]: u for u in data["units"]}
    assert by_unit["县公安局"]["completed"] == 3 and by_unit["县公安局"]["accepted"] is True
    assert by_unit["甲镇人民政府"]["returned"] is False and by_unit["甲镇人民政府"]["file"] is None


def test_status_table_problems_first_and_chase_list(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": {"完成状态": "好"}})
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"1": done(), "4": done(), "5": done()},
                 liaison={"联络员": "李四", "手机": "13900000000"})
    _run(ws, "collect")
    result = _run(ws, "status", "--as-of", "2026-07-15")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2026年第三季度：报送率 50.0%（2/4），完成率 33.3%，截至 2026-07-15")
    assert lines[1].split() == ["单位", "报送时间", "结论", "错误", "完成/任务", "逾期"]
    assert lines[2].startswith("县财政局") and "退回修改" in lines[2]
    assert lines[-2].startswith("县公安局") and "已接收" in lines[-2]
    chase = openpyxl.load_workbook(ws.round_dir(ROUND) / "催报名单.xlsx")["催报名单"]
    rows = [row for row in chase.iter_rows(min_row=3, values_only=True)]
    reasons = {row[1]: row[2] for row in rows}
    assert reasons["县财政局"].startswith("退回修改（1 处错误）")
    assert reasons["甲镇人民政府"] == "未报送"
    assert reasons["县公安局"].startswith("缺佐证材料（3 项")  # accepted, but its 已完成 claims came without files
    phones = {row[1]: row[4] for row in rows}
    assert phones["甲镇人民政府"] == "0731-0000000"


def test_status_bad_date_and_unknown_round(ws):
    record_round(ws)
    bad = _run(ws, "status", "--as-of", "2026年7月")
    assert bad.exit_code == 1 and bad.output.startswith("错误：日期「2026年7月」格式不对")
    missing = _run(ws, "status", "--round", "2030年")
    assert missing.exit_code == 1 and "轮次「2030年」尚未生成台账" in missing.output


def test_commands_have_chinese_help():
    for command in ("collect", "status"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0 and "工作目录" in result.output


def test_returned_at_is_when_the_unit_sent_the_file(ws):
    record_round(ws)
    sent = datetime(2026, 9, 28, 16, 45).timestamp()
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()}, mtime=sent)
    assert _run(ws, "collect").exit_code == 0
    data = json.loads(_run(ws, "status", "--json").output)
    unit = next(u for u in data["units"] if u["unit"] == "县财政局")
    assert unit["returned_at"] == "2026-09-28T16:45:00" and unit["late"] is False
    table = _run(ws, "status").output
    assert "2026-09-28 16:45" in table
