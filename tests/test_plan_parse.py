"""The plan parser: the four real plans, then every structure, id, unit and deadline rule on small plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporting.errors import PlanError
from reporting.models import LONG_TERM, Plan
from reporting.plan_parse import parse_plan, parse_plan_lines

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def seed_plan(prefix: str) -> Plan:
    if not SEEDS.is_dir():
        pytest.skip("shared/seeds 不在仓库旁边")
    return parse_plan(next(SEEDS.glob(f"{prefix}_*.txt")))


def by_id(plan: Plan) -> dict:
    return {task.id: task for task in plan.tasks}


def parse(text: str, **options) -> Plan:
    return parse_plan_lines(text, source="测试方案.txt", **options)


# --- the seeds --------------------------------------------------------------------------------------


def test_seed_000_zhuzhou():
    plan = seed_plan("000")
    assert plan.title == "株洲县深入推进法治政府建设实施方案"
    assert [t.id for t in plan.tasks] == [str(n) for n in range(1, 111) if n != 86]
    assert plan.gaps == ["86"]
    assert any("缺少第 86 项" in w.message for w in plan.warnings)
    assert all(task.units for task in plan.tasks)
    assert (plan.default_deadline, plan.default_deadline_line) == ("2019-12-31", 435)
    others = [task for task in plan.tasks if task.id != "16"]  # 16 writes its own: 2017年年底前完成
    assert all(task.deadline == "2019-12-31" for task in others)
    assert all(any("按全文默认" in note for note in task.notes) for task in others)
    tasks = by_id(plan)
    first = tasks["1"]
    assert first.path == ["(一)依法全面履行政府职能", "1.深化行政审批制度改革"]
    assert first.text.startswith("全面清理行政审批事项。全部取消非行政许可审批事项。")
    assert first.text.endswith("防止出现管理真空。") and first.line == 95
    assert (first.lead, first.responsible) == (["县编办"], ["县政府工作部门", "各镇政府"])
    assert tasks["102"].path == ["四、组织保障和落实机制", "38.加强党对法治政府建设的领导"]


@pytest.mark.parametrize(
    ("task_id", "lead", "responsible"),
    [
        ("49", ["县城管局"], ["县编办", "县政府法制办"]),  # 责任单位:县城管局,县编办、县政府法制办配合
        ("98", ["县委组织部"], ["县人社局", "县政府法制办"]),
        ("95", ["县政府办", "县政府法制办"], ["县政府相关工作部门", "各镇政府"]),  # label repeated
        ("102", ["县政府办"], ["县政府相关工作部门", "各镇政府"]),  # label repeated
        ("99", [], ["各级政府及政府工作部门"]),  # no label
        ("54", ["政府法制办"], ["县政府相关工作部门", "各镇政府"]),  # closing bracket missing
        ("39", ["县政府办", "县政府法制办"], ["县政府相关工作部门", "各镇政府"]),  # label without brackets
        ("12", ["县发改局"], ["县财政局", "县政府法制办", "县政府金融办"]),  # 等部门 stripped
        ("9", [], ["县财政局", "县政府有关工作部门", "各镇政府"]),
    ],
)
def test_seed_000_unit_forms(task_id, lead, responsible):
    task = by_id(seed_plan("000"))[task_id]
    assert (task.lead, task.responsible) == (lead, responsible)
    assert "单位" not in task.text[-30:]


def test_seed_000_completion_clause_inside_the_text_is_the_deadline():
    task = by_id(seed_plan("000"))["16"]
    assert task.deadline == "2017-12-31"
    assert "2017年年底前完成" in task.text  # the text stays as written
    assert task.notes == ["完成时限取自正文「2017年年底前完成」"] and task.warnings == []


def test_seed_001_yuanhui():
    plan = seed_plan("001")
    assert len(plan.tasks) == 28
    assert len({task.area for task in plan.tasks}) == 8
    assert plan.tasks[0].id == "1.1" and plan.tasks[-1].id == "8.2"
    assert plan.tasks[0].path == ["(一)依法全面履行政府职能"]
    assert all(not task.units and task.warnings == ["未注明责任单位"] for task in plan.tasks)
    assert sum(w.message == "未注明责任单位" for w in plan.warnings) == 28
    targets = [target for task in plan.tasks for target in task.targets]
    for wanted in ("办理满意度95%以上", "全民法治宣传教育的普及率≥80%", "不少于40个学时", "答复率达100%"):
        assert any(wanted in target for target in targets), wanted
    texts = " ".join(task.text for task in plan.tasks)
    for absent in ("联络员信息表", "建立创建台账", "收集印证资料", "形成自评报告", "加强组织领导", "吴雪雯"):
        assert absent not in texts
    assert plan.default_deadline is None and all(task.deadline is None for task in plan.tasks)


def test_seed_002_biyang():
    plan = seed_plan("002")
    tasks = by_id(plan)
    assert len(plan.tasks) == 46
    assert sum("-" not in task.id for task in plan.tasks) == 42
    assert [t.id for t in plan.tasks if "-" in t.id] == ["2-1", "2-2", "10-1", "10-2"]
    assert tasks["2-1"].path == ["（二）完善规范性文件管理"]
    assert tasks["2-1"].text.startswith("严格规范性文件制定权限和发布程序")
    assert tasks["10-2"].text.startswith("认真落实政府拟任部门领导职务干部任前法律知识测试")
    assert tasks["9.6"].text.startswith("强化公平竞争审查制度刚性约束。")
    assert not any("[bookmark" in task.text or "bookmark" in "".join(task.path) for task in plan.tasks)
    assert not any("组织保障" in task.area or "健全组织建设" in task.text for task in plan.tasks)
    assert "每年不少于4次" in tasks["10-1"].targets
    assert "县级政务服务事项网上可办率不低于80%" in tasks["1.2"].targets
    assert plan.title == "泌阳县法治政府建设“十四五”规划"


def test_seed_003_ezhou():
    plan = seed_plan("003")
    tasks = by_id(plan)
    assert len(plan.tasks) == 52
    unnumbered = [t.id for t in plan.tasks if "-" in t.id]
    assert unnumbered == ["4-1", "4-2", "4-3", "4-4", "4-5", "4-6", "6-1", "9-1", "11-1", "35-1"]
    assert [t.id for t in plan.tasks if "-" not in t.id] == [str(n) for n in range(1, 43)]
    assert all(task.lead for task in plan.tasks)
    assert tasks["5"].deadline == "2017-06-30"  # 2017年6月底前完成
    assert tasks["4-4"].deadline == "2018-06-30"  # 2018年6月底完成
    assert tasks["14"].deadline == "2019-06-30"
    assert tasks["1"].deadline == "2018-12-31" and "2018年底完成" not in tasks["1"].text
    assert tasks["1"].responsible == ["各区政府", "开发区管委会", "市直各部门"]
    assert tasks["28"].lead == ["市政府法制办", "市编办", "市人社局(公务员局)"]
    assert tasks["4-3"].responsible[-1] == "市卫计委"
    assert tasks["4-1"].text.startswith("对全市重大投资项目进行清理") and tasks["4-1"].line == 27
    assert not any(task.text.startswith("各牵头单位要认真履行职责") for task in plan.tasks)
    assert plan.title == "鄂州市法治政府建设规划(2016—2020年)"


def test_seed_004_is_a_report_not_a_plan():
    with pytest.raises(PlanError, match="像是报告或总结") as caught:
        seed_plan("004")
    assert caught.value.file and caught.value.file.endswith(".txt")


def test_ids_are_stable():
    first, second = seed_plan("000"), seed_plan("000")
    assert [t.id for t in first.tasks] == [t.id for t in second.tasks]
    assert [t.id for t in seed_plan("002").tasks] == [t.id for t in seed_plan("002").tasks]


# --- structure --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("1.", "2."), ("1．", "2．"), ("1、", "2、"), ("1)", "2)"), ("1）", "2）"), ("（1）", "（2）"),
        ("(1)", "(2)"), ("①", "②"), ("１．", "２．"),
    ],
)
@pytest.mark.parametrize("indent", ["", "  ", "\u3000\u3000", "\xa0\xa0"])
def test_item_numbering_forms(first, second, indent):
    plan = parse(
        f"{indent}二、主要任务\n"
        f"{indent}{first}深化改革。（牵头单位：县编办）\n"
        f"{indent}{second} 推进公开。（牵头单位：县政府办）\n"
    )
    assert [(t.id, t.text, t.path) for t in plan.tasks] == [
        ("1", "深化改革。", ["二、主要任务"]), ("2", "推进公开。", ["二、主要任务"]),
    ]


@pytest.mark.parametrize(
    "area", ["（一）依法全面履行政府职能", "(一)依法全面履行政府职能", "(一) 依法全面履行政府职能"]
)
def test_area_headings_keep_their_own_text(area):
    plan = parse(f"三、主要任务和具体措施\n\u3000{area}\u3000\n1.深化改革。（牵头单位：县编办）\n")
    assert plan.tasks[0].path == [area.replace(" ", "")]


FOUR_LEVELS = """株洲县深入推进法治政府建设实施方案
一、总体要求
全面贯彻依法治国方针。
二、衡量标准与实施步骤
(一)衡量标准
政府职能依法全面履行。
三、主要任务和具体措施
(一)依法全面履行政府职能
目标:政府职能切实转变。
具体措施和责任分工:
1.深化行政审批制度改革
1)全面清理行政审批事项。全部取消非行政许可审批事项。(牵头单位:县编办,责任单位:各镇政府)
2)清理规范各类证照。(牵头单位:县编办)
2.优化政府组织结构
3)深化行政体制改革。(责任单位:县政府工作部门)
四、组织保障和落实机制
党的领导是根本保证。
具体措施和责任分工:
3.加强党的领导
4)加强党委的统一领导。(责任单位:县政府办)
五、附则
本方案自印发之日起施行。
"""


def test_sections_areas_and_measures():
    plan = parse(FOUR_LEVELS)
    assert [(t.id, t.path) for t in plan.tasks] == [
        ("1", ["(一)依法全面履行政府职能", "1.深化行政审批制度改革"]),
        ("2", ["(一)依法全面履行政府职能", "1.深化行政审批制度改革"]),
        ("3", ["(一)依法全面履行政府职能", "2.优化政府组织结构"]),
        ("4", ["四、组织保障和落实机制", "3.加强党的领导"]),
    ]
    assert plan.tasks[0].text == "全面清理行政审批事项。全部取消非行政许可审批事项。"
    assert any("五、附则" in w.message and "--sections" in w.message for w in plan.warnings)


SUPPORT_WITHOUT_UNITS = """一、主要任务
1.深化改革。（牵头单位：县编办）
二、保障措施
1.加强组织领导。各单位要高度重视。
2.强化督查考核。
"""


def test_support_section_holds_tasks_only_with_units():
    assert [t.id for t in parse(SUPPORT_WITHOUT_UNITS).tasks] == ["1"]
    with_units = SUPPORT_WITHOUT_UNITS.replace("强化督查考核。", "强化督查考核。（牵头单位：县督查室）")
    plan = parse(with_units)
    assert [(t.path[0], t.text) for t in plan.tasks] == [
        ("一、主要任务", "深化改革。"), ("二、保障措施", "强化督查考核。")]
    assert any("二、保障措施" in w.message and "1 项没有写明单位" in w.message for w in plan.warnings)


def test_preamble_sections_are_not_tasks():
    plan = parse(
        "一、指导思想\n1.坚持党的领导。\n二、创建目标\n1.全面完成指标。\n三、实施步骤\n1.动员部署。\n"
        "四、重点任务\n1.深化改革。\n五、工作要求\n1.加强领导。\n"
    )
    assert [(t.id, t.area) for t in plan.tasks] == [("1", "四、重点任务")]


def test_any_section_whose_items_carry_unit_labels_holds_tasks():
    plan = parse("一、主要任务\n1.深化改革。\n二、实施步骤\n1.动员部署。（牵头单位：县司法局）\n")
    assert [t.area for t in plan.tasks] == ["一、主要任务", "二、实施步骤"]


def test_sections_option_overrides_the_choice():
    plan = parse(SUPPORT_WITHOUT_UNITS, sections=["保障措施"])
    assert [(t.id, t.area) for t in plan.tasks] == [("1", "二、保障措施"), ("2", "二、保障措施")]
    with pytest.raises(PlanError, match="没有标题包含「工作目标」的章节"):
        parse(SUPPORT_WITHOUT_UNITS, sections=["工作目标"])


def test_without_task_headings_every_section_with_items_counts():
    plan = parse("一、依法全面履行政府职能\n1.深化改革。\n二、完善制度体系\n1.加强备案。\n")
    assert [t.id for t in plan.tasks] == ["1.1", "2.1"]


PARAGRAPHS = """二、主要任务
（一）完善规范性文件管理
目标：规范性文件全部备案。
严格规范性文件制定权限和发布程序。
加强行政规范性文件监督管理。
（二）推进决策科学化
加强行政决策制度建设。
1.健全依法决策机制。
2.加强合法性审查。
各单位要抓好落实。
（三）加强执法
1.改革执法体制。（牵头单位：市编办）
完善监管机制，跨部门联合检查。（牵头单位：市工商局）
建立健全食品监管制度。（牵头单位：市食药局）
2.完善执法程序。（牵头单位：市法制办）
"""


def test_paragraph_rules():
    plan = parse(PARAGRAPHS)
    assert [(t.id, t.text) for t in plan.tasks] == [
        ("1-1", "严格规范性文件制定权限和发布程序。"),  # area without numbered items: paragraphs are tasks
        ("1-2", "加强行政规范性文件监督管理。"),
        ("2.1", "健全依法决策机制。"),  # the intro and the closing paragraph are not
        ("2.2", "加强合法性审查。"),
        ("3.1", "改革执法体制。"),
        ("3.1-1", "完善监管机制，跨部门联合检查。"),  # unnumbered, with its own units
        ("3.1-2", "建立健全食品监管制度。"),
        ("3.2", "完善执法程序。"),
    ]


def test_appendix_list_contacts_and_signature_are_not_tasks():
    plan = parse(
        "一、重点任务\n（一）依法行政\n1.深化改革。\n2.推进公开。\n"
        "联 系 人：吴某\n附件：1.任务分解表\n2.创建工作台账\n3.联络员信息表\n某县人民政府\n2021年9月3日\n"
    )
    assert [t.id for t in plan.tasks] == ["1", "2"]
    assert str(plan.plan_date) == "2021-09-03"


def test_without_numbered_headings_paragraphs_that_name_units_are_tasks():
    plan = parse(
        "某县法治建设工作要点\n深化行政审批改革。（牵头单位：县编办）\n加强学习。\n推进政务公开。（县政府办牵头）\n"
    )
    assert [(t.id, t.text, t.lead) for t in plan.tasks] == [
        ("1", "深化行政审批改革。", ["县编办"]), ("2", "推进政务公开。", ["县政府办"]),
    ]


def test_errors_name_the_source():
    with pytest.raises(PlanError) as caught:
        parse("关于召开会议的通知\n请准时参加。\n")
    assert caught.value.file == "测试方案.txt" and "未找到任何任务" in str(caught.value)


# --- ids ----------------------------------------------------------------------------------------------


def test_numbers_that_restart_in_each_area_are_prefixed_with_the_area():
    plan = parse("一、主要任务\n(一)甲\n1.甲一。\n2.甲二。\n(二)乙\n1.乙一。\n")
    assert [t.id for t in plan.tasks] == ["1.1", "1.2", "2.1"]


def test_numbers_unique_across_the_plan_are_used_alone():
    plan = parse("一、主要任务\n(一)甲\n1.甲一。\n2.甲二。\n(二)乙\n3.乙一。\n")
    assert [t.id for t in plan.tasks] == ["1", "2", "3"]


def test_gaps_are_kept_and_reported():
    plan = parse("一、主要任务\n1.甲。\n2.乙。\n5.丙。\n")
    assert [t.id for t in plan.tasks] == ["1", "2", "5"]
    assert plan.gaps == ["3", "4"]
    assert [w.message for w in plan.warnings if "编号" in w.message] == [
        "编号不连续：缺少第 3、4 项（保留原编号，未重新编号）",
    ]


def test_a_duplicate_number_is_disambiguated_and_reported():
    plan = parse("一、主要任务\n11.甲。\n12.乙。\n12.丙。\n13.丁。\n")
    assert [t.id for t in plan.tasks] == ["11", "12", "12-dup2", "13"]
    assert any(w.task_id == "12-dup2" and "重复" in w.message for w in plan.warnings)


# --- units ----------------------------------------------------------------------------------------


def test_units_on_their_own_lines_belong_to_the_task_above():
    plan = parse(
        "一、主要任务\n1.深化改革。\n牵头单位：县编办\n责任单位：各镇政府、县直各部门\n2.推进公开。\n"
    )
    first, second = plan.tasks
    assert (first.lead, first.responsible) == (["县编办"], ["各镇政府", "县直各部门"])
    assert second.units == [] and second.warnings == ["未注明责任单位"]


def test_a_unit_clause_broken_over_two_lines():
    plan = parse("一、主要任务\n1.深化改革。（牵头单位：县编办；\n责任单位：各镇政府）\n")
    assert (plan.tasks[0].lead, plan.tasks[0].responsible) == (["县编办"], ["各镇政府"])


def test_units_of_a_measure_are_inherited_by_its_items():
    plan = parse(
        "一、主要任务\n1.深化行政审批制度改革（牵头单位：县编办；责任单位：各镇政府）\n"
        "1)全面清理审批事项。\n2)规范中介服务。（牵头单位：县发改局）\n"
    )
    first, second = plan.tasks
    assert (first.lead, first.responsible) == (["县编办"], ["各镇政府"])
    assert first.notes == ["责任单位继承自上级措施「1.深化行政审批制度改革」"]
    assert first.path == ["一、主要任务", "1.深化行政审批制度改革"]
    assert second.lead == ["县发改局"] and second.notes == []


def test_units_written_under_a_measure_heading_are_inherited_too():
    plan = parse("一、主要任务\n1.深化行政审批制度改革\n牵头单位：县编办\n1)全面清理审批事项。\n")
    assert plan.tasks[0].lead == ["县编办"] and plan.tasks[0].notes[0].startswith("责任单位继承自上级措施")


def test_a_task_without_units_is_kept_with_a_warning():
    plan = parse("一、主要任务\n1.深化改革。\n")
    assert plan.tasks[0].warnings == ["未注明责任单位"]
    assert plan.warnings[0].task_id == "1" and plan.warnings[0].line == 2


# --- deadlines ------------------------------------------------------------------------------------


DEADLINES = """一、主要任务
1.深化改革。（牵头单位：县编办；配合单位：各镇政府。2017年6月底前完成）
2.推进公开，2018年底前完成。（牵头单位：县政府办）
3.定期报告。各部门每年1月底前报告工作。（牵头单位：县政府办）
4.坚持学法。长期坚持。（牵头单位：县司法局）
5.加强培训。（牵头单位：县司法局）
二、保障措施
各项工作任务除本方案有明确时间要求的外，原则上应当在2019年底前完成。
某县人民政府
2017年3月22日
"""


def test_deadlines_and_the_plan_wide_default():
    plan = parse(DEADLINES)
    assert (plan.default_deadline, plan.default_deadline_line) == ("2019-12-31", 8)
    assert str(plan.plan_date) == "2017-03-22"
    assert [(t.id, t.deadline) for t in plan.tasks] == [
        ("1", "2017-06-30"), ("2", "2018-12-31"), ("3", "2019-12-31"), ("4", LONG_TERM), ("5", "2019-12-31"),
    ]
    tasks = by_id(plan)
    assert tasks["2"].text == "推进公开。" and tasks["4"].text == "坚持学法。"
    assert tasks["5"].notes == ["完成时限按全文默认（第8行：2019年底前完成）"]
    assert "正文含周期性时限「每年1月底前」" in tasks["3"].notes


@pytest.mark.parametrize(
    ("given", "stored"), [("2020-12-31", "2020-12-31"), ("2019年底", "2019-12-31"), ("长期", LONG_TERM)]
)
def test_the_default_deadline_argument_overrides_the_plan(given, stored):
    plan = parse(DEADLINES, default_deadline=given)
    assert (plan.default_deadline, plan.default_deadline_line) == (stored, 0)
    assert by_id(plan)["5"].deadline == stored and by_id(plan)["1"].deadline == "2017-06-30"
    assert by_id(plan)["5"].notes == [f"完成时限按指定的默认时限（{given}）"]


def test_an_unreadable_deadline_is_reported():
    plan = parse("一、主要任务\n1.深化改革。（牵头单位：县编办；完成时限：逐步推进）\n")
    assert plan.tasks[0].deadline is None
    assert plan.tasks[0].warnings == ["完成时限「逐步推进」无法识别，请核对"]


def test_an_unreadable_default_deadline_is_an_error():
    with pytest.raises(PlanError, match="无法识别默认完成时限「下个月」"):
        parse(DEADLINES, default_deadline="下个月")


def test_recurring_deadline_comes_after_the_plan_date():
    task_line = "1.报告工作。（牵头单位：县政府办；完成时限：每年1月底前）"
    plan = parse(f"某县工作要点\n2017年3月22日\n一、重点任务\n{task_line}\n")
    task = plan.tasks[0]
    assert task.deadline == "2018-01-31" and task.notes == ["周期性时限：每年1月底前"]
    no_date = parse(f"一、重点任务\n{task_line}\n")
    assert no_date.tasks[0].deadline is None


@pytest.mark.parametrize("said", ["排名第一的为牵头单位", "排在第一位的为牵头单位", "其中排名首位的单位为牵头单位"])
def test_one_task_says_in_its_bracket_that_the_unit_listed_first_leads(said):
    """"（A、B、C按职责分工负责，排名第一的为牵头单位，…）": before, the bracket was not read as units at all and
    the task had none; now A leads, B and C are responsible, the deadline inside is read, and a note says why."""
    plan = parse("一、主要任务\n1.深化审批改革。（县政务服务中心、县司法局、县财政局按职责分工负责，"
                 f"{said}，2026年12月底前完成）\n2.推进政务公开。（县政府办、县数据局按职责分工负责）\n")
    first, second = plan.tasks
    assert (first.text, first.lead) == ("深化审批改革。", ["县政务服务中心"])
    assert first.responsible == ["县司法局", "县财政局"] and first.deadline == "2026-12-31"
    why = f"单位「县政务服务中心」排在第一位，按任务中的说明（{said.removeprefix('其中')}）"
    assert any(why in note for note in first.notes)
    assert (second.lead, second.responsible) == ([], ["县政府办", "县数据局"])  # said of task 1 only
    assert plan.guesses == ["1 项任务写明排在第一位的为牵头单位，已把第一个单位记为牵头单位"]


def test_the_unit_listed_first_leads_in_this_task_and_those_below_when_it_says_xiatong():
    plan = parse("一、主要任务\n1.深化审批改革。（县政务服务中心、县司法局按职责分工负责，"
                 "排名第一的为牵头单位，下同）\n2.推进政务公开。（县政府办、县数据局按职责分工负责）\n")
    assert [(t.lead, t.responsible) for t in plan.tasks] == [
        (["县政务服务中心"], ["县司法局"]), (["县政府办"], ["县数据局"])]
    assert "下同" not in {name for t in plan.tasks for name in t.units}


# --- text and title -------------------------------------------------------------------------------


def test_clean_text():
    plan = parse("一、主要任务\n[bookmark: _GoBack]6.强化 公平竞争\u3000审查。  （牵头单位：县市场监管局）\n")
    assert plan.tasks[0].id == "6" and plan.tasks[0].text == "强化公平竞争审查。"


def test_title_prefers_the_plan_over_the_cover_notice():
    plan = parse("关于印发《某县实施方案》的通知\n各单位：\n某县法治政府建设实施方案\n一、主要任务\n1.甲。\n")
    assert plan.title == "某县法治政府建设实施方案"
    assert parse("关于印发《某县实施方案》的通知\n一、主要任务\n1.甲。\n").title == "某县实施方案"
    assert parse("一、主要任务\n1.甲。\n").title == "测试方案"


def test_pinyin_glosses_from_a_web_page_are_taken_out():
    plan = parse_plan_lines("某市工作(zuò)要点\n一、主要任务\n"
                            "1.规范行(xíng)政执法。(市司法局牵头,市政府各部门(mén)负责)\n"
                            "2.做好重(zhòng)要政策解读。(市政府办公室负责)")
    assert [(t.text, t.lead, t.responsible) for t in plan.tasks] == [
        ("规范行政执法。", ["市司法局"], ["市政府各部门"]), ("做好重要政策解读。", ["市政府办公室"], [])]
    assert plan.title == "某市工作要点"
    assert any("拼音" in guess for guess in plan.guesses)
    plain = parse_plan_lines("某市工作要点\n一、主要任务\n1.推广App(应用)办理。(市政务办负责)")
    assert plain.tasks[0].text == "推广App(应用)办理。" and not any("拼音" in g for g in plain.guesses)


def test_a_line_naming_the_leader_in_charge_is_neither_the_task_nor_a_unit():
    plan = parse_plan_lines("某市重点工作责任分解\n一、优化营商环境\n1.深化一件事一次办改革,推动线上线下同标准办理。\n"
                            "牵头市领导:张某某\n协同责任单位:市司法局、市大数据局\n2.开展公平竞争审查。\n"
                            "责任领导:李某某\n牵头单位:市市场监管局")
    assert [(t.text, t.lead, t.responsible) for t in plan.tasks] == [
        ("深化一件事一次办改革,推动线上线下同标准办理。", [], ["市司法局", "市大数据局"]),
        ("开展公平竞争审查。", ["市市场监管局"], [])]


def test_the_title_is_taken_from_the_attachment_list_without_its_label():
    plan = parse_plan_lines("某市人民政府办公室关于印发重点工作责任分解的通知\n各县(市、区)人民政府:\n"
                            "现将有关责任分解印发给你们,请认真贯彻执行。\n附件:1.2024年重点工作责任分解\n"
                            "2.2024年民生实事责任分解\n某市人民政府办公室\n2024年3月1日\n附件1\n"
                            "一、稳增长\n1.推进项目建设。(市发展改革委负责)")
    assert plan.title == "2024年重点工作责任分解"


def test_a_title_broken_over_lines_by_the_web_page_is_joined():
    plan = parse_plan_lines("某市人民政府办公室\n2024年3月1日\n(此件公开发布)\n"
                            "政府工作报告“十四五”时期\n重点工作责任分解\n1.推进项目建设。\n责任单位:市发展改革委")
    assert plan.title == "政府工作报告“十四五”时期重点工作责任分解"
    signed = parse_plan_lines("某县人民政府办公室\n某县2024年法治政府建设工作要点\n一、主要任务\n"
                              "1.推进公开。(县政务办负责)")
    assert signed.title == "某县2024年法治政府建设工作要点"


def test_the_title_of_a_page_run_together_onto_one_line_is_read_from_the_notice():
    plan = parse_plan_lines("某市人民政府办公室关于印发《2019年依法行政工作任务分解表》的通知 各县(市、区)人民政府: "
                            "现将任务分解表印发给你们,请认真贯彻执行。 2019年2月26日 序号 工作任务 责任单位 完成时限 "
                            "1 编制目录 市司法局 一季度 2 清理文件 市政府各部门 六月份")
    assert plan.title == "2019年依法行政工作任务分解表"
    assert [t.text for t in plan.tasks] == ["编制目录", "清理文件"]
