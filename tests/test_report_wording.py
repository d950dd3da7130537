"""Wording rules of the 自评报告 a leader signs without rewriting: no "一是" without a "二是", no "0项", no "最高的是"
for one of several tied areas, no "居前" among all the units there are, nothing called 较为集中 that is not, areas
and units named as what they are, the whole round's figures in 一, no empty paragraph, no page with the signature
alone."""

from __future__ import annotations

import re
from datetime import date

import docx
from campaign import A1, SIGNERS, build_campaign
from docx.oxml.ns import qn

from reporting import report_text
from reporting.figures import AreaFigures, RoundFigures, Tally, UnitFigures
from reporting.report import write_report
from reporting.store import connect
from reporting.summary import RoundSummary, load_summary
from reporting.workspace import Settings
from reporting.workspace_init import init_workspace

LONG = "（一）深入推进依法行政，加快建设职能科学、权责法定、执法严明、公开公正、廉洁高效、守法诚信的法治政府"


def area(name: str, done: int, of: int = 10, not_reported: int = 0) -> AreaFigures:
    return AreaFigures(area=name, tasks=of, completed=done, not_reported=not_reported)


def unit(name: str, done: int, of: int = 10) -> UnitFigures:
    return UnitFigures(unit=name, tasks=of, completed=done, returned=True, accepted=True)


def summary(areas: list[AreaFigures], units: list[UnitFigures]) -> RoundSummary:
    total = Tally()
    for a in areas:
        total.add(a)
    figures = RoundFigures(round="2026年度", due=None, as_of=date(2026, 11, 30), campaign="某县", total=total,
                           units=units, tasks=[], areas=areas, pairs=[])
    return RoundSummary(settings=Settings(), figures=figures)


def test_a_single_point_is_not_numbered():
    assert report_text.numbered(["压实报送责任。"]) == ["压实报送责任。"]
    assert report_text.numbered(["甲。", "乙。"]) == ["一是甲。", "二是乙。"]


def test_tied_areas_are_named_together():
    data = summary([area("（一）甲领域", 10), area("（二）乙领域", 5), area("（三）丙领域", 10)], [])
    sentence = report_text.areas_sentence(data)
    assert "最高的是甲领域和丙领域（均为100.0%）" in sentence and "最低的是乙领域（50.0%）" in sentence


def test_no_area_comparison_when_nothing_is_done():
    data = summary([area("（一）甲领域", 0, not_reported=10), area("（二）乙领域", 0, not_reported=10)], [])
    assert report_text.areas_sentence(data) == ""


def test_no_ranking_among_three_units_or_fewer():
    areas = [area("（一）甲领域", 6, of=30)]
    few = summary(areas, [unit("县甲局", 5), unit("县乙局", 1), unit("县丙局", 0)])
    assert report_text.units_sentence(few) == ""
    more = summary(areas, [unit("县甲局", 5), unit("县乙局", 1), unit("县丙局", 0), unit("县丁局", 0)])
    assert "居前" in report_text.units_sentence(more)


def test_weak_areas_and_units_named_as_areas_and_units_against_the_overall_rate():
    data = summary([area(LONG, 2), area("（二）乙领域", 8)],
                   [unit("县甲局", 9), unit("县乙局", 1), unit("县丙局", 2), unit("县丁局", 3)])
    found = report_text._behind(data)
    assert found is not None
    assert "平均水平" not in found.problem  # the comparison is with the round's rate: 总体水平
    assert "低于总体水平的有3个，分别是县乙局" in found.problem  # all three named: not "较低的是"
    assert "对深入推进依法行政领域和县乙局、县丙局等单位加强调度指导" in found.step  # a long area by its first clause


def test_long_area_named_by_its_first_clause_in_running_text():
    assert report_text.short_area(LONG) == "深入推进依法行政"
    assert report_text.short_area("（二）全面提高政府工作人员法治思维和依法行政能力") == \
        "全面提高政府工作人员法治思维和依法行政能力"  # no clause to stand for it: whole


def test_an_area_with_nothing_done_says_so_without_zeros(ws):
    build_campaign(ws, with_returns=False)
    for section in report_text.main_work(load_summary(ws)):
        assert section["段落"][0].endswith("项次，相关单位均未报送。")


def body(path) -> list[str]:
    """The main text's paragraphs, up to the 成文日期."""
    lines = [p.text for p in docx.Document(str(path)).paragraphs]
    return lines[:next(i for i, line in enumerate(lines) if line == "附件1")]


def test_no_zero_counts_and_no_lonely_numbering_in_an_empty_round(ws):
    build_campaign(ws, with_returns=False)
    lines = body(write_report(ws).docx)
    text = "\n".join(lines)
    assert not re.search(r"(?<![\d.])0(?:项|个)", text)
    assert "各领域完成率均为0.0%" not in text
    problems = lines[lines.index("三、存在的问题") + 1:lines.index("四、下一步工作打算")]
    assert [p for p in problems if p.startswith("报送不够及时完整。")]  # the only point: no "一是"
    assert not any(re.match("^[一二三四五]是", p) for p in problems)


def test_problems_of_one_unit_each_are_not_called_concentrated(ws):
    build_campaign(ws)  # each problem is said by one unit of four that returned
    text = "\n".join(body(write_report(ws).docx))
    assert "较为集中" not in text and "部分单位反映了一些具体困难" in text


def test_no_empty_paragraph_in_the_main_text(ws):
    """Empty lines only where GB/T 9704 puts them: under the title, above the 附件说明 and the signature."""
    build_campaign(ws, with_returns=False)
    document = docx.Document(str(write_report(ws).docx))
    paragraphs = list(document.element.body.iter(qn("w:p")))
    texts = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in paragraphs]
    end = texts.index("附件1")
    empty = [i for i in range(1, end) if not texts[i] and not list(paragraphs[i].iter(qn("w:drawing")))
             and paragraphs[i].getparent().tag == qn("w:body")]
    note = next(i for i, text in enumerate(texts) if text.startswith("附件："))
    signature = texts.index(SIGNERS[0])
    assert set(empty) <= {1, note - 1, signature - 1, end - 1}, [texts[i - 1] for i in empty]


def test_the_signature_is_kept_on_the_page_of_the_last_text(ws):
    build_campaign(ws)
    document = docx.Document(str(write_report(ws).docx))
    paragraphs = list(document.element.body.iter(qn("w:p")))
    texts = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in paragraphs]
    note = next(i for i, text in enumerate(texts) if text.startswith("附件："))
    day = texts.index("2026年7月6日")

    def kept(index: int) -> bool:
        return paragraphs[index].find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None

    assert all(kept(i) for i in range(note - 2, day))  # the last line of 四 down to the last signing body
    assert not kept(day) and not kept(note - 3)


def test_a_task_is_headed_by_its_work_not_by_its_grounds():
    text = ("按照《法治政府建设实施纲要（2021—2025年）》和省、市关于权责清单的部署要求，结合我县实际，"
            "推行权责清单制度，建立动态调整机制。")
    assert report_text.topic(text) == "推行权责清单制度"
    assert report_text.topic("按照上级要求。") == "按照上级要求"  # nothing after the grounds: kept
    assert report_text.topic("深化“放管服”改革，按照上级部署推进。") == "深化“放管服”改革"


def test_each_lead_phrase_of_the_overview_is_said_once(ws):
    build_campaign(ws)  # with a previous round: the change by area, then the areas compared
    lines = body(write_report(ws).docx)
    overview = "\n".join(lines[lines.index("一、总体情况"):lines.index("二、主要工作及成效")])
    assert "完成率提高最多" in overview
    for phrase in ("分领域看", "分单位看"):
        assert overview.count(phrase) <= 1, phrase


def test_the_pairs_of_the_units_that_did_not_return_are_theirs_only(ws):
    """乙镇 did not return (2 pairs); 县公安局's return lacks a row (未报送 too, but not 乙镇's)."""
    build_campaign(ws)
    data = load_summary(ws)
    missing = [u for u in data.figures.units if not u.returned]
    assert [u.unit for u in missing] == ["乙镇人民政府"] and data.figures.total.not_reported > missing[0].not_reported
    text = "\n".join(body(write_report(ws).docx))
    assert f"乙镇人民政府未报送，其{missing[0].not_reported}项次按未报送计入完成率" in text


def test_headings_are_kept_with_what_they_head(ws):
    """一、… and （一）… never the last line of a page (a county round had 三、存在的问题 at the foot of page 4)."""
    build_campaign(ws)
    document = docx.Document(str(write_report(ws).docx))
    headings = [p for p in document.paragraphs if p.style.style_id in ("ReportHeading1", "ReportHeading2")]
    assert {p.text for p in headings} >= {"一、总体情况", "三、存在的问题", "（一）依法全面履行政府职能"}
    assert all(p.paragraph_format.keep_with_next for p in headings), [p.text for p in headings
                                                                      if not p.paragraph_format.keep_with_next]


def test_annex_rows_are_not_split_across_pages(ws):
    build_campaign(ws)
    document = docx.Document(str(write_report(ws).docx))
    for table in document.tables[1:]:  # the annexes (表1 is kept whole by its own rule)
        for row in table.rows[1:]:
            assert row._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None, row.cells[1].text


def test_one_area_has_no_chart_of_areas(ws):
    build_campaign(ws)
    with connect(ws.db_path) as conn:
        conn.execute("UPDATE round_tasks SET area = ?", (A1,))
    lines = body(write_report(ws).docx)
    assert "图1  各领域完成率" not in lines and "分属" not in "\n".join(lines)


def test_a_round_done_by_all_says_so_once_per_area_and_for_the_units():
    areas = [area("（一）甲领域", 10), area("（二）乙领域", 5)]
    units = [unit(name, 3, of=3) for name in ("县甲局", "县乙局", "县丙局", "县丁局", "县戊局")]
    assert report_text.units_sentence(summary(areas, units)) == "分单位看，5个单位本轮任务均已全部完成。"
    done = report_text._area_totals(areas[0], [], 0.8)
    assert done.startswith("本领域0项任务、10项次已全部完成，高于总体水平") and "完成率" not in done


def test_many_units_tied_at_the_lowest_rate_are_counted_not_three_picked():
    zero = sorted(f"县{n}局" for n in "甲乙丙丁戊")
    units = [unit(name, 0) for name in zero] + [unit("县己局", 10), unit("县庚局", 9), unit("县辛局", 1)]
    found = report_text._behind(summary([area("（一）甲领域", 20, of=80)], units))
    assert found is not None
    assert f"低于总体水平的有6个，其中{'、'.join(zero[:3])}等5个单位完成率均为0.0%" in found.problem
    assert "较低的是" not in found.problem
    found = report_text._behind(summary([area("（一）甲领域", 19, of=70)], units[:-1]))  # all below are at 0
    assert found is not None
    assert f"已报送的单位中{'、'.join(zero[:3])}等5个单位完成率均为0.0%，低于总体水平" in found.problem


def test_no_word_of_the_tool_in_the_main_text(ws):
    """The leader's words, not the tool's: 校验, 数据库, 工作表 mean nothing to the reader of the report."""
    build_campaign(ws)
    text = "\n".join(body(write_report(ws).docx))
    assert "报送率" in text and not re.search("校验|数据库|工作表|reporting", text)


def test_a_long_area_is_headed_by_its_first_clause_unless_two_share_it(ws, tmp_path):
    long_b = LONG.replace("（一）", "（二）").replace("法治政府", "服务型政府")
    other = init_workspace(tmp_path / "另一个")
    for workspace, areas in ((ws, {"1": LONG}), (other, {"1": LONG, "2": long_b})):
        build_campaign(workspace)
        with connect(workspace.db_path) as conn:
            for prefix, name in areas.items():
                conn.execute("UPDATE round_tasks SET area = ? WHERE task_id LIKE ?", (name, f"{prefix}.%"))
    titles = [s["标题"] for s in report_text.main_work(load_summary(ws))]
    assert titles[0] == "（一）深入推进依法行政" and len(titles) == 3
    titles = [s["标题"] for s in report_text.main_work(load_summary(other))]
    assert titles[:2] == [f"（一）{LONG[3:]}", f"（二）{long_b[3:]}"]  # the same first clause: whole


def test_no_cause_to_analyse_when_there_is_no_problem(ws, monkeypatch):
    build_campaign(ws)
    monkeypatch.setattr(report_text, "findings", lambda data: [])
    result = write_report(ws)
    lines = body(result.docx)
    problems = lines[lines.index("三、存在的问题") + 1:lines.index("四、下一步工作打算")]
    assert len(problems) == 1 and "原因分析" not in "".join(problems)
    assert "原因分析" not in result.warnings[0] and "主要亮点" in result.warnings[0]


def test_a_task_is_named_by_its_ordinal_only_when_its_number_is_one():
    from reporting.figures import TaskFigures

    assert report_text.task_label(TaskFigures(task_id="5", lead_units=["县发改局"])) == "第5项任务（县发改局牵头）"
    assert report_text.task_label(TaskFigures(task_id="1.2")) == "任务1.2"  # not 第1.2项任务
    assert report_text.task_label(TaskFigures(task_id="（三）2")) == "任务（三）2"


def test_one_group_of_problems_more_than_named_is_named_rather_than_counted(monkeypatch):
    """Not "另有1类问题": one more is named with the others; more than one more is counted."""
    units = [unit(f"单位{j}", 5) for j in range(6)]
    data = summary([area("甲", 5)], units)

    def problems(count: int) -> str:
        groups = [report_text.Group(f"问题{i}", {f"单位{j}" for j in range(6 - i)}, 10 - i) for i in range(count)]
        monkeypatch.setattr(report_text, "group_texts", lambda figures: (groups, []))
        return report_text._own_problems(data, 1)[0].problem

    assert "另有" not in problems(4) and "“问题3”" in problems(4)
    assert "另有2类问题" in problems(5) and "“问题3”" not in problems(5)
