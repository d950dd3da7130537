"""plan check as a coordinator reads it: near-duplicate units and groups flagged, past deadlines in one line,
exit 1 only when generate would go wrong; `reporting roster merge`; groups within groups."""

from __future__ import annotations

from click.testing import CliRunner

from reporting.cli import main
from reporting.models import GROUP_CATEGORY, Task, Unit
from reporting.roster import Roster, read_roster, write_roster
from reporting.task_ledger import read_ledger, write_ledger


def _run(ws, *args):
    return CliRunner().invoke(main, [*args, "-w", str(ws.root)])


def _task(task_id: str, units: list[str], deadline: str | None = "2030-12-31") -> Task:
    return Task(id=task_id, text=f"任务{task_id}的内容。", path=["(一)依法全面履行政府职能"], lead=units[:1],
                responsible=units[1:], deadline=deadline)


def _workspace(ws, tasks: list[Task], units: list[Unit]) -> None:
    write_ledger(tasks, ws.ledger_path)
    write_roster(units, ws.roster_path)


ZHUZHOU = [Unit(name="市人社局"), Unit(name="市人社局(公务员局)"), Unit(name="市公务员局"), Unit(name="市财政局"),
           Unit(name="县政府相关工作部门", category=GROUP_CATEGORY),
           Unit(name="县政府有关工作部门", category=GROUP_CATEGORY),
           Unit(name="县司法局", groups=["县政府相关工作部门"])]


def test_near_duplicate_units_and_groups_are_flagged_but_do_not_block(ws):
    _workspace(ws, [_task("1", ["市人社局", "市财政局"]), _task("2", ["市人社局(公务员局)"]),
                    _task("3", ["市公务员局"]), _task("4", ["县政府相关工作部门"])], ZHUZHOU)
    result = _run(ws, "plan", "check")
    assert result.exit_code == 0, result.output
    assert "可能是同一单位：市人社局、市人社局(公务员局)、市公务员局" in result.output
    assert "reporting roster merge 市人社局(公务员局) 市公务员局 --into 市人社局" in result.output
    assert "可能是同一单位：县政府相关工作部门、县政府有关工作部门" in result.output
    assert "市财政局、" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("检查通过，提醒")


def test_past_deadlines_are_one_line_unless_asked(ws):
    tasks = [_task(str(i), ["县司法局"], deadline="2018-12-31") for i in range(1, 110)]
    _workspace(ws, tasks, [Unit(name="县司法局")])
    result = _run(ws, "plan", "check")
    assert result.exit_code == 0
    assert "完成时限已过的任务 109 项（加 -v 逐项列出）" in result.output
    assert result.output.count("已过") == 1
    detailed = _run(ws, "plan", "check", "-v")
    assert detailed.output.count("完成时限 2018-12-31 已过") == 109


def test_what_breaks_generate_exits_1(ws):
    _workspace(ws, [_task("1", ["县司法局"]), _task("2", []), _task("3", ["县编制办"])], [Unit(name="县司法局")])
    result = _run(ws, "plan", "check")
    assert result.exit_code == 1
    assert "任务 2：未注明牵头或责任单位" in result.output and "单位「县编制办」不在单位名册中" in result.output
    assert "有 2 个问题须先解决" in result.output


def test_roster_merge_makes_aliases_and_rewrites_the_ledger(ws):
    _workspace(ws, [_task("1", ["市人社局", "市财政局"]), _task("2", ["市人社局(公务员局)", "市公务员局"]),
                    _task("3", ["县政府有关工作部门"])],
               [*ZHUZHOU, Unit(name="市司法局", groups=["县政府有关工作部门"])])
    result = _run(ws, "roster", "merge", "市人社局(公务员局)", "市公务员局", "--into", "市人社局")
    assert result.exit_code == 0, result.output
    assert "已并入「市人社局」：市人社局(公务员局)、市公务员局" in result.output
    roster = Roster(read_roster(ws.roster_path))
    assert [u.name for u in roster.units if "人社" in u.name or "公务员" in u.name] == ["市人社局"]
    assert roster.resolve("市公务员局").units == ["市人社局"]
    tasks = {t.id: t for t in read_ledger(ws.ledger_path)}
    assert tasks["2"].lead == ["市人社局"] and tasks["2"].responsible == []
    groups = _run(ws, "roster", "merge", "县政府有关工作部门", "--into", "县政府相关工作部门")
    assert groups.exit_code == 0, groups.output
    roster = Roster(read_roster(ws.roster_path))
    assert sorted(roster.resolve("县政府有关工作部门").units) == ["县司法局", "市司法局"]
    check = _run(ws, "plan", "check")
    assert "可能是同一单位" not in check.output and check.exit_code == 0, check.output
    wrong = _run(ws, "roster", "merge", "市财政局", "--into", "县政府相关工作部门")
    assert wrong.exit_code == 1 and "单位只能并入单位" in wrong.output


def test_a_group_may_contain_groups():
    roster = Roster([Unit(name="各级政府及政府工作部门", category=GROUP_CATEGORY),
                     Unit(name="各镇政府", category=GROUP_CATEGORY, groups=["各级政府及政府工作部门"]),
                     Unit(name="市直部门", category=GROUP_CATEGORY, groups=["各级政府及政府工作部门"]),
                     Unit(name="甲镇人民政府", groups=["各镇政府"]), Unit(name="乙镇人民政府", groups=["各镇政府"]),
                     Unit(name="市司法局", groups=["市直部门", "各级政府及政府工作部门"]),
                     Unit(name="环", category=GROUP_CATEGORY, groups=["环2"]),
                     Unit(name="环2", category=GROUP_CATEGORY, groups=["环"])])
    assert sorted(roster.resolve("各级政府及政府工作部门").units) == ["乙镇人民政府", "市司法局", "甲镇人民政府"]
    assert roster.resolve("各镇政府").units == ["甲镇人民政府", "乙镇人民政府"]
    assert roster.resolve("环").units == []  # a loop of groups ends
