"""The 指标体系: import from .txt, .docx (table or numbered paragraphs) and .xlsx, show, match, plan check."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from reporting import indicators as ind
from reporting.cli import main
from reporting.demo import DATA, INDICATORS_FILE, PLAN_FILE
from reporting.task_ledger import read_ledger

DEMO = DATA / INDICATORS_FILE


def _tree(system: ind.IndicatorSystem) -> list[tuple]:
    return [(i.id, i.level, i.parent, tuple(i.path), i.text, i.score, i.method) for i in system.indicators]


def _demo_lines() -> list[str]:
    return DEMO.read_text(encoding="utf-8").splitlines()


def _as_docx_paragraphs(target: Path) -> Path:
    document = docx.Document()
    for line in _demo_lines():
        document.add_paragraph(line)
    document.save(str(target))
    return target


def _as_docx_table(system: ind.IndicatorSystem, target: Path) -> Path:
    """The system as a Word table the way provinces publish it: 一级 and 二级 cells merged down."""
    document = docx.Document()
    document.add_paragraph(system.title)
    leaves = system.leaves()
    table = document.add_table(rows=1 + len(leaves), cols=5)
    for c, name in enumerate(["一级指标", "二级指标", "三级指标", "分值", "评测方式"]):
        table.cell(0, c).text = name
    for r, leaf in enumerate(leaves, start=1):
        for c, value in enumerate([*leaf.path, leaf.heading, ind.score_text(leaf.score), leaf.method]):
            table.cell(r, c).text = value
    for col in (0, 1):  # merge runs of equal cells, as Word does
        start = 1
        for r in range(2, len(leaves) + 2):
            if r == len(leaves) + 1 or table.cell(r, col).text != table.cell(start, col).text:
                if r - 1 > start:
                    text = table.cell(start, col).text
                    merged = table.cell(start, col).merge(table.cell(r - 1, col))
                    merged.text = text
                start = r
    document.save(str(target))
    return target


def _as_xlsx(system: ind.IndicatorSystem, target: Path) -> Path:
    """A coordinator's own sheet: numbers in a 序号 column, 一级/二级 merged cells, scores as numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([system.title])
    sheet.append(["序号", "一级指标", "二级指标", "三级指标", "分值", "评测方式"])
    first = 3
    for leaf in system.leaves():
        sheet.append([int(leaf.id), leaf.path[0], leaf.path[1], leaf.heading.split(".", 1)[1], leaf.score,
                      leaf.method])
    for col in (2, 3):
        start = first
        for r in range(first + 1, sheet.max_row + 2):
            if r > sheet.max_row or sheet.cell(r, col).value != sheet.cell(start, col).value:
                if r - 1 > start:
                    sheet.merge_cells(start_row=start, start_column=col, end_row=r - 1, end_column=col)
                start = r
    book.save(target)
    return target


def test_demo_system_has_a_handful_of_areas_about_thirty_leaves_and_a_hundred_points():
    system = ind.read_indicator_source(DEMO)
    levels = [i.level for i in system.indicators]
    assert 5 <= levels.count(1) <= 8 and 28 <= levels.count(3) <= 32
    assert sum(i.score or 0 for i in system.leaves()) == 100
    assert system.warnings == []
    assert all(i.method for i in system.leaves())
    one = system.by_id()["一"]
    assert one.score == 16 and sum(c.score or 0 for k in system.children("一") for c in system.children(k.id)) == 16


def test_txt_docx_and_xlsx_versions_give_the_same_tree(tmp_path):
    expected = ind.read_indicator_source(DEMO)
    paragraphs = ind.read_indicator_source(_as_docx_paragraphs(tmp_path / "段落.docx"))
    table = ind.read_indicator_source(_as_docx_table(expected, tmp_path / "表格.docx"))
    sheet = ind.read_indicator_source(_as_xlsx(expected, tmp_path / "指标.xlsx"))
    leaves = [(i.id, tuple(i.path), i.text, i.score, i.method) for i in expected.leaves()]
    assert _tree(paragraphs) == _tree(expected)
    assert [(i.id, tuple(i.path), i.text, i.score, i.method) for i in table.leaves()] == leaves
    assert [(i.id, tuple(i.path), i.text, i.score, i.method) for i in sheet.leaves()] == leaves
    assert [i.id for i in table.indicators if i.level < 3] == [i.id for i in expected.indicators if i.level < 3]
    assert table.title == sheet.title == expected.title


def test_indicator_workbook_reads_back_the_same(tmp_path):
    expected = ind.read_indicator_source(DEMO)
    ind.write_indicators(expected, tmp_path / "指标体系.xlsx")
    again = ind.read_indicators(tmp_path / "指标体系.xlsx")
    assert _tree(again) == _tree(expected)
    assert again.title == expected.title
    header = [c.value for c in openpyxl.load_workbook(tmp_path / "指标体系.xlsx")["指标体系"][1]]
    assert header[:7] == ["指标编号", "一级指标", "二级指标", "三级指标", "分值", "评测方式", "备注"]  # fixed names
    assert header[7:] == ["自评分(调整)", "调整理由"]  # the coordinator's override


def test_indicator_workbook_saved_by_libreoffice_reads_back_the_same(tmp_path, soffice):
    from tests.office import convert

    expected = ind.read_indicator_source(DEMO)
    ind.write_indicators(expected, tmp_path / "指标体系.xlsx")
    ods = convert(tmp_path / "指标体系.xlsx", "ods", tmp_path / "ods")
    back = convert(ods, "xlsx", tmp_path / "back")
    assert [t[:6] for t in _tree(ind.read_indicators(back))] == [t[:6] for t in _tree(expected)]


def test_gaps_duplicates_and_scores_that_do_not_add_up_are_warned_not_refused(tmp_path):
    source = tmp_path / "有缺陷的指标体系.txt"
    source.write_text("\n".join([
        "某市指标体系",
        "一、依法行政（30分）",
        "1.权责清单公布（10分）",
        "2.规范性文件审核（10分）",
        "2.规范性文件备案（5分）",  # the same number twice
        "5.决策目录公布（10分）",  # 3 and 4 missing
        "二、严格执法",
        "6.执法公示（20分）",
    ]), encoding="gbk")
    system = ind.read_indicator_source(source)
    codes = [w.code for w in system.warnings]
    assert ind.DUPLICATE in codes and ind.GAP in codes and ind.SCORE_SUM in codes and ind.PARENT_SUM in codes
    gap = next(w for w in system.warnings if w.code == ind.GAP)
    assert "3、4" in gap.message and gap.line == 6
    ids = [i.id for i in system.leaves()]
    assert len(ids) == len(set(ids)) == 5 and "2-2" in ids  # nothing lost, every id distinct


def test_numbers_restarting_under_each_heading_are_qualified_by_it(tmp_path):
    source = tmp_path / "指标.txt"
    source.write_text("一、甲\n1.子一\n2.子二\n二、乙\n1.子三\n", encoding="utf-8")
    system = ind.read_indicator_source(source)
    assert [i.id for i in system.leaves()] == ["一.1", "一.2", "二.1"]
    assert not [w for w in system.warnings if w.code in (ind.GAP, ind.DUPLICATE)]


def test_a_file_without_indicators_is_one_clear_message(tmp_path):
    source = tmp_path / "随便.txt"
    source.write_text("这里没有任何指标。\n只是两行字。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["indicators", "import", str(source), "-w", str(tmp_path)])
    assert result.exit_code == 1 and result.output.startswith("错误：") and "Traceback" not in result.output


@pytest.fixture
def planned(ws):
    runner = CliRunner()
    plan = ws.root / PLAN_FILE
    plan.write_bytes((DATA / PLAN_FILE).read_bytes())
    assert runner.invoke(main, ["plan", "import", str(plan), "-w", str(ws.root)]).exit_code == 0
    return ws


def test_import_show_json_and_match_from_the_command_line(planned):
    runner = CliRunner()
    ws = planned
    result = runner.invoke(main, ["indicators", "import", str(DEMO), "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert ws.indicators_path.exists()
    shown = json.loads(runner.invoke(main, ["indicators", "show", "--json", "-w", str(ws.root)]).output)
    first = shown["indicators"][2]
    assert set(first) == {"id", "level", "path", "text", "score"}
    assert first["level"] == 3 and first["path"] == ["一、依法全面履行政府职能（16分）", "（一）深化“放管服”改革"]
    assert sum(i["score"] for i in shown["indicators"] if i["level"] == 3) == 100
    result = runner.invoke(main, ["indicators", "match", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    tasks = {t.id: t for t in read_ledger(ws.ledger_path)}
    assert tasks["1"].suggested[0] == "1" and tasks["16"].suggested[0] == "14"  # 权责清单, 执法三项制度
    assert all(not t.indicators for t in tasks.values())  # only the coordinator fills 指标编号
    check = runner.invoke(main, ["plan", "check", "-w", str(ws.root)])
    assert "提醒：没有任务对应的指标 30 项" in check.output and "提醒：未填写指标编号的任务 40 项" in check.output


def test_plan_organised_by_indicators_fills_the_indicator_column(ws, tmp_path):
    """A breakdown table whose rows stand under 三级 indicators: import links each task to its indicator."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "一级指标", "二级指标", "三级指标", "分值", "工作任务", "牵头单位", "完成时限"])
    head = ["一、依法行政", "（一）清单"]
    sheet.append([1, *head, "1.权责清单公布", 50, "编制并公布权责清单", "县司法局", "2026-12-31"])
    sheet.append([2, *head, "2.收费清单公布", 50, "公布收费目录清单", "县财政局", "2026-12-31"])
    sheet.append([3, *head, "2.收费清单公布", 50, "清理涉企收费", "县发改局", "2026-12-31"])
    plan = tmp_path / "按指标分解的方案.xlsx"
    book.save(plan)
    runner = CliRunner()
    assert runner.invoke(main, ["indicators", "import", str(plan), "-w", str(ws.root)]).exit_code == 0
    assert runner.invoke(main, ["plan", "import", str(plan), "-w", str(ws.root)]).exit_code == 0
    tasks = read_ledger(ws.ledger_path)
    assert [t.indicators for t in tasks] == [["1"], ["2"], ["2"]]
