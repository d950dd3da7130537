"""`reporting plan import/show/check` as a coordinator uses them, on the real seeds and on bad input."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import seed

from reporting.cli import main
from reporting.models import GROUP_CATEGORY
from reporting.roster import read_roster
from reporting.task_ledger import read_ledger


def run(ws, *args):
    return CliRunner().invoke(main, [*args, "-w", str(ws.root)])


def test_import_seed_000_prints_summary_and_writes_ledger_and_roster(ws):
    result = run(ws, "plan", "import", str(seed("000")))
    assert result.exit_code == 0, result.output
    assert "109 项任务" in result.output
    assert "默认完成时限 2019-12-31" in result.output
    assert "缺号：86" in result.output
    tasks = read_ledger(ws.ledger_path)
    assert len(tasks) == 109 and all(task.units for task in tasks)
    roster = {u.name: u for u in read_roster(ws.roster_path)}
    assert roster["各镇政府"].category == GROUP_CATEGORY
    assert "县编办" in roster and roster["县编办"].category != GROUP_CATEGORY
    assert any("政府法制办" in u.aliases for u in roster.values()), "县政府法制办 / 政府法制办 should be folded"


def test_import_prints_warnings_with_their_plan_line(ws):
    result = run(ws, "plan", "import", str(seed("001")))
    assert result.exit_code == 0, result.output
    assert "28 项任务" in result.output
    assert "未注明责任单位的任务 28 项" in result.output
    assert "第" in result.output and "行" in result.output.split("提醒", 1)[1]


def test_reimport_refuses_an_edited_ledger_unless_forced(ws):
    assert run(ws, "plan", "import", str(seed("003"))).exit_code == 0
    assert run(ws, "plan", "import", str(seed("003"))).exit_code == 0  # unchanged: overwritten quietly
    book = openpyxl.load_workbook(ws.ledger_path)
    book["任务分解表"]["F2"] = "市政府法制办"
    book.save(ws.ledger_path)
    refused = run(ws, "plan", "import", str(seed("003")))
    assert refused.exit_code == 1 and "--force" in refused.output
    assert read_ledger(ws.ledger_path)[0].lead == ["市政府法制办"]
    forced = run(ws, "plan", "import", str(seed("003")), "--force")
    assert forced.exit_code == 0 and "备份" in forced.output
    backups = list(ws.root.glob("任务分解表.备份-*.xlsx"))
    assert len(backups) == 1 and read_ledger(backups[0])[0].lead == ["市政府法制办"]


def test_ids_are_stable_across_reimports(ws):
    run(ws, "plan", "import", str(seed("002")))
    first = [t.id for t in read_ledger(ws.ledger_path)]
    run(ws, "plan", "import", str(seed("002")))
    assert [t.id for t in read_ledger(ws.ledger_path)] == first


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("空.txt", b"", "为空"),
        ("二进制.txt", bytes(range(256)) * 40, "不是文本文件"),
        ("假文档.docx", "这不是 Word 文件".encode(), ".docx"),
        ("无任务.txt", "关于做好工作的通知\n\n请各单位认真落实。\n".encode(), "未找到任何任务"),
    ],
)
def test_bad_plan_is_one_line_exit_1_and_writes_nothing(ws, name, content, message):
    path = ws.root / name
    path.write_bytes(content)
    result = run(ws, "plan", "import", str(path))
    assert result.exit_code == 1
    assert result.output.startswith("错误：") and message in result.output and name in result.output
    assert "Traceback" not in result.output
    assert not ws.ledger_path.exists()


def test_huge_plan_is_refused(ws):
    path = ws.root / "巨大.txt"
    path.write_text("1.加强学习。(责任单位:县司法局)\n" * 200_000, encoding="utf-8")
    result = run(ws, "plan", "import", str(path))
    assert result.exit_code == 1 and "过大" in result.output
    assert not ws.ledger_path.exists()


def test_show_json_matches_the_product_contract(ws):
    run(ws, "plan", "import", str(seed("003")))
    result = run(ws, "plan", "show", "--json")
    assert result.exit_code == 0
    tasks = json.loads(result.output)["tasks"]
    assert len(tasks) == 52
    assert set(tasks[0]) == {"id", "path", "text", "lead", "responsible", "deadline", "targets", "warnings"}
    assert tasks[0]["lead"] and tasks[0]["deadline"].startswith("201")


def test_check_lists_unresolved_names_with_closest_matches(ws):
    run(ws, "plan", "import", str(seed("000")))
    units = read_roster(ws.roster_path)
    clean = run(ws, "plan", "check")
    assert "集体称谓「各镇政府」没有成员" in clean.output and clean.exit_code == 1
    book = openpyxl.load_workbook(ws.ledger_path)
    book["任务分解表"]["F2"] = "县编制办"
    book.save(ws.ledger_path)
    assert units  # the roster was drafted
    result = run(ws, "plan", "check")
    assert result.exit_code == 1
    assert "单位「县编制办」不在单位名册中，最接近：县编办" in result.output


def test_import_of_a_plan_copied_from_a_web_page_says_what_it_inferred(ws, tmp_path):
    from pathlib import Path

    plans = Path(__file__).resolve().parent / "plans"
    result = run(ws, "plan", "import", str(plans / "p01_flat_oneline.txt"))
    assert result.exit_code == 0, result.output
    assert "6 项任务" in result.output
    assert "以下为推断" in result.output
    assert "复制成文字的表格" in result.output and "方案年份 2019 年取自标题" in result.output
    tasks = read_ledger(ws.ledger_path)
    assert tasks[0].deadline == "2019-04-30"
    assert any("按方案年份2019年" in note for note in tasks[0].notes)  # in 备注 as well
    assert any("复制成文字的任务分解表" in note for note in tasks[0].notes)


def test_footnote_marks_and_how_often_survive_the_ledger_and_the_roster(ws):
    from pathlib import Path

    plans = Path(__file__).resolve().parent / "plans"
    result = run(ws, "plan", "import", str(plans / "p111_footnote_marks_unexplained.txt"))
    assert result.exit_code == 0, result.output
    assert "带注释符号「★※」" in result.output
    names = {unit.name for unit in read_roster(ws.roster_path)}
    assert {"镇党政办", "镇财政所", "各村（社区）"} <= names and not any("*" in n or "★" in n for n in names)
    shown = json.loads(run(ws, "plan", "show", "--json").output)
    assert shown["tasks"][0]["warnings"] == [
        "单位名称「镇党政办★、镇财政所※」带注释符号「★※」，已去掉，方案中未找到这个符号的说明，请核对牵头或责任单位"]
    result = run(ws, "plan", "import", "--force", str(plans / "p107_frequency_deadlines.txt"))
    assert result.exit_code == 0, result.output
    tasks = read_ledger(ws.ledger_path)
    assert tasks[1].deadline == "2023-06-30" and "周期性时限：每半年报送一次" in tasks[1].notes
    assert "无法识别" not in result.output
