"""Every way a plan names the units of a task, one test per form."""

from __future__ import annotations

import pytest

from reporting.plan_units import (
    first_leads_hold,
    footnote_mark,
    footnote_meanings,
    footnoted_roles,
    looks_like_unit,
    split_unit_clause,
    split_unit_names,
    unit_line,
)


def units(text: str) -> tuple[str, list[str], list[str], str | None]:
    rest, clause = split_unit_clause(text)
    assert clause is not None, text
    return rest, clause.lead, clause.responsible, clause.deadline


def test_lead_and_responsible_labels():
    assert units("全面清理。(牵头单位:县编办、县政府法制办,责任单位:县政府工作部门、各镇政府)") == (
        "全面清理。", ["县编办", "县政府法制办"], ["县政府工作部门", "各镇政府"], None,
    )


def test_units_and_deadline_in_one_parenthesis():
    assert units("清理项目。（牵头单位：市发改委；配合单位：各区政府，市直各部门。2018年底完成）") == (
        "清理项目。", ["市发改委"], ["各区政府", "市直各部门"], "2018年底完成",
    )


@pytest.mark.parametrize("label", ["参与单位", "协办单位", "配合单位", "责任部门", "配合部门"])
def test_labels_that_mean_responsible(label):
    assert units(f"推进。（牵头单位：县发改局；{label}：县财政局）")[1:3] == (["县发改局"], ["县财政局"])


@pytest.mark.parametrize("label", ["主办单位", "牵头部门", "牵头责任单位"])
def test_labels_that_mean_lead(label):
    assert units(f"推进。（{label}：县发改局；责任单位：县财政局）")[1:3] == (["县发改局"], ["县财政局"])


def test_a_label_written_twice_the_first_list_leads():
    text = "落实学法制度。(责任单位:县政府办、县政府法制办,责任单位:县政府相关工作部门、各镇政府)"
    assert units(text)[1:3] == (
        ["县政府办", "县政府法制办"], ["县政府相关工作部门", "各镇政府"],
    )


def test_units_before_peihe_are_responsible_the_others_lead():
    assert units("推进城管执法体制改革。(责任单位:县城管局,县编办、县政府法制办配合)")[1:3] == (
        ["县城管局"], ["县编办", "县政府法制办"],
    )


def test_qiantou_and_peihe_without_labels():
    assert units("推进公开。（县政府办牵头，县财政局、县审计局配合）")[1:3] == (
        ["县政府办"], ["县财政局", "县审计局"],
    )


def test_names_without_a_label_at_the_end_are_responsible():
    assert units("营造良好法治环境。(各级政府及政府工作部门)")[1:3] == ([], ["各级政府及政府工作部门"])


@pytest.mark.parametrize(
    "text",
    [
        "贯彻落实《法治政府建设实施纲要(20152020年)》",
        "按照《株洲市行政执法监督办法》(株政发〔20164号)",
        "制定本部门审核制度(试行)",
        "划转至市人社局(公务员局)",
        "建立监督网络(市直各部门)并公开",
        "建立重大决策听证制度(公众参与)",
    ],
)
def test_a_parenthesis_that_is_not_units(text):
    assert split_unit_clause(text) == (text, None)


def test_missing_closing_bracket():
    assert units("确保有据可查。(牵头单位:政府法制办,责任单位:县政府相关工作部门、各镇政府")[:3] == (
        "确保有据可查。", ["政府法制办"], ["县政府相关工作部门", "各镇政府"],
    )


def test_labels_without_brackets_at_the_end():
    text = "逐步实行意见公开。牵头单位:县政府办、县政府法制办,责任单位:县政府相关工作部门、各镇政府"
    assert units(text)[:3] == (
        "逐步实行意见公开。", ["县政府办", "县政府法制办"], ["县政府相关工作部门", "各镇政府"],
    )


def test_nested_brackets_stay_inside_a_name():
    assert units("加强管理。(牵头单位:市政府法制办、市人社局(公务员局);配合单位:各区政府)")[1] == [
        "市政府法制办", "市人社局(公务员局)",
    ]
    names = ["市人社局（公务员局、编办）", "各乡镇(街道)"]
    assert split_unit_names("市人社局（公务员局、编办）,各乡镇(街道)") == names


@pytest.mark.parametrize(
    ("written", "names"),
    [
        ("县发改局、县财政局", ["县发改局", "县财政局"]),
        ("县发改局,县财政局，县税务局", ["县发改局", "县财政局", "县税务局"]),
        ("县发改局;县财政局；县税务局", ["县发改局", "县财政局", "县税务局"]),
        ("县委宣传部和县政府新闻办", ["县委宣传部", "县政府新闻办"]),
        ("县公安局及县司法局", ["县公安局", "县司法局"]),
        ("县文体广新和旅游局", ["县文体广新和旅游局"]),
        ("各级政府及政府工作部门", ["各级政府及政府工作部门"]),
    ],
)
def test_list_separators_and_safe_conjunctions(written, names):
    assert split_unit_names(written) == names


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("县人社局等部门", "县人社局"), ("市卫计委等", "市卫计委"), ("县两型办等单位", "县两型办"),
        ("县环保局等相关部门", "县环保局"),
    ],
)
def test_trailing_deng_is_stripped(written, name):
    assert split_unit_names(written) == [name]


@pytest.mark.parametrize(
    "collective", ["各镇政府", "市直各部门", "各区政府", "县政府相关工作部门", "各乡镇(街道)"]
)
def test_collectives_are_kept_as_written(collective):
    assert units(f"推进。（责任单位：{collective}）")[2] == [collective]


def test_units_on_their_own_line():
    assert unit_line("牵头单位：县编办").lead == ["县编办"]
    assert unit_line("责任单位：县财政局、县税务局。").responsible == ["县财政局", "县税务局"]
    assert unit_line("（牵头单位：县编办；责任单位：各镇政府）").responsible == ["各镇政府"]
    assert unit_line("加强组织领导") is None
    assert unit_line("牵头单位要及时报告工作进展") is None


def test_an_unreadable_deadline_label_is_kept_for_the_caller_to_report():
    _, clause = split_unit_clause("推进。（牵头单位：县编办；完成时限：逐步推进）")
    assert clause is not None and clause.deadline == "逐步推进" and clause.lead == ["县编办"]


def test_deadline_only_parenthesis():
    rest, clause = split_unit_clause("完成清理。(2017年底前完成)")
    assert rest == "完成清理。" and clause is not None
    assert not clause.has_units and clause.deadline == "2017年底前完成"


def test_unit_names():
    assert all(looks_like_unit(name) for name in ("县政府法制办", "开发区管委会", "各乡镇(街道)", "市人行"))
    assert not any(looks_like_unit(text) for text in ("20152020年", "试行", "株政发〔20164号", "请核对"))


@pytest.mark.parametrize("empty", ["—", "/", "－", "无", "——"])
def test_a_table_cell_that_says_no_unit_names_none(empty):
    assert split_unit_names(empty) == []
    assert split_unit_names(f"市司法局、{empty}") == ["市司法局"]


def test_labels_in_square_brackets_without_a_colon():
    from reporting.plan_units import unbracket_labels

    text = unbracket_labels("编制目录并公布。【牵头单位】县政府办公室【配合单位】县司法局【完成时限】2024年3月底前")
    assert units(text) == ("编制目录并公布。", ["县政府办公室"], ["县司法局"], "2024年3月底前")
    assert unbracket_labels("【打印】推进【法治】建设") == "【打印】推进【法治】建设"


def test_short_labels_for_who_and_when():
    assert units("开展第三方评估。（牵头：市发改委；时间：四季度）") == ("开展第三方评估。", ["市发改委"], [], "四季度")
    assert units("推进一网通办。（责任：市政务服务中心、市大数据局；时间：全年）") == (
        "推进一网通办。", [], ["市政务服务中心", "市大数据局"], "全年")


def test_a_role_in_brackets_after_a_name_decides_where_it_goes():
    assert units("推进改革。（责任单位：县司法局（牵头）、县委编办、县财政局）")[1:3] == (
        ["县司法局"], ["县委编办", "县财政局"])
    assert units("开展评查。（责任单位：县司法局（牵头），各乡镇人民政府（配合））")[1:3] == (
        ["县司法局"], ["各乡镇人民政府"])
    from reporting.plan_units import marked_roles, unbracket_labels

    assert marked_roles([], ["区委宣传部", "区司法局（牵头）"]) == (["区司法局"], ["区委宣传部"])
    marked = "（责任单位：县司法局【牵头】，县直各部门）"
    assert unbracket_labels(marked) == marked


def test_a_deadline_bracket_after_the_unit_bracket():
    assert units("落实法律顾问制度。（责任单位：县政府办公室；县司法局）（完成时限：长期坚持）") == (
        "落实法律顾问制度。", [], ["县政府办公室", "县司法局"], "长期坚持")


@pytest.mark.parametrize("label", ["报送时间", "计划报送时间", "审议时间", "时间"])
def test_a_time_label_ending_in_a_short_one_is_one_label(label):
    assert units(f"《某市养犬管理条例》（起草单位：市公安局；{label}：2024年9月）") == (
        "《某市养犬管理条例》", [], ["市公安局"], "2024年9月")


def test_a_name_with_a_colon_is_not_a_unit():
    assert not looks_like_unit("来源：某县司法局")
    assert looks_like_unit("某县司法局")


def test_short_labels_for_leading_and_taking_part():
    assert units("开展执法检查。（牵头：县司法局；参与：各乡镇人民政府）")[1:3] == (["县司法局"], ["各乡镇人民政府"])
    assert units("规范执法文书。（主责：县司法局；协助：县直各执法部门）")[1:3] == (["县司法局"], ["县直各执法部门"])


def test_units_a_task_begins_with_before_a_colon():
    from reporting.plan_units import leading_units

    assert leading_units("县司法局、县财政局：年内完成经费保障。") == (["县司法局", "县财政局"], "年内完成经费保障。")
    assert leading_units("工作目标：按期办结率100%。") is None
    assert leading_units("牵头单位：县司法局") is None


@pytest.mark.parametrize(
    ("text", "lead", "responsible"),
    [
        # each does its own part (DOMAIN: 责任单位), none answers for the whole task
        ("推进公平竞争审查。县市场监管局、县发改局按职责分工负责。", [], ["县市场监管局", "县发改局"]),
        ("清理规范性文件。（县司法局、县政务服务中心按职责分工负责）", [], ["县司法局", "县政务服务中心"]),
        ("开展专项检查。（各乡镇人民政府分别负责落实）", [], ["各乡镇人民政府"]),
        ("开展专项检查。（县公安局、县交通运输局各自负责）", [], ["县公安局", "县交通运输局"]),
        ("开展专项检查。（各乡镇按照职责分工抓好落实）", [], ["各乡镇"]),
        ("开展安全检查。（各镇人民政府按照属地管理原则负责）", [], ["各镇人民政府"]),
        ("开展安全检查。（县应急局、县消防救援大队根据各自职责负责）", [], ["县应急局", "县消防救援大队"]),
        ("开展安全检查。（县应急局、县住建局按照职能分工负责落实）", [], ["县应急局", "县住建局"]),
        # with a lead, or a label, as before
        ("推进改革。（县发改局牵头，各乡镇按职责分工负责）", ["县发改局"], ["各乡镇"]),
        ("严格审核。（责任单位：县司法局；各乡镇分别负责落实）", [], ["县司法局", "各乡镇"]),
        # jointly, or alone: they answer for the task
        ("深入学习。由县委宣传部、县司法局共同负责。", ["县委宣传部", "县司法局"], []),
        ("全面落实权责清单制度。县委编办负责。", ["县委编办"], []),
        ("推进改革。（县发改局、县财政局分别牵头）", ["县发改局", "县财政局"], []),
    ],
)
def test_units_that_each_do_their_own_part_are_responsible_not_lead(text, lead, responsible):
    assert units(text)[1:3] == (lead, responsible)


@pytest.mark.parametrize(
    ("written", "name", "mark"),
    [
        ("县司法局*", "县司法局", "*"), ("县财政局（*）", "县财政局", "*"), ("县司法局＊", "县司法局", "*"),
        ("县财政局(★)", "县财政局", "★"), ("★县司法局", "县司法局", "★"), ("各村（社区）#", "各村（社区）", "#"),
        ("县司法局", "县司法局", None), ("市人社局(公务员局)", "市人社局(公务员局)", None), ("*", "*", None),
    ],
)
def test_footnote_marks_leave_unit_names(written, name, mark):
    assert footnote_mark(written) == (name, mark)
    assert looks_like_unit(written) == looks_like_unit(name)


def test_what_a_plan_says_its_marks_mean():
    assert footnote_meanings(["注：*为牵头单位。", "标★的为配合单位", "带“※”号的单位为牵头单位", "共5个*号"]) == {
        "*": "lead", "★": "resp", "※": "lead"}
    assert footnote_meanings(["注：责任单位中标注＊的为牵头单位"]) == {"*": "lead"}
    assert footnote_meanings(["1.开展评查。（责任单位：县司法局*）"]) == {}


def test_marked_names_go_where_the_note_says_else_where_they_were_written():
    lead, responsible, marked = footnoted_roles([], ["县司法局*", "县财政局（*）", "县审计局"], {"*": "lead"})
    assert (lead, responsible) == (["县司法局", "县财政局"], ["县审计局"])
    assert marked == [("县司法局*", "*"), ("县财政局（*）", "*")]
    assert footnoted_roles(["县司法局★"], ["县财政局"], {})[:2] == (["县司法局"], ["县财政局"])
    assert units("开展评查。（县司法局*、县财政局）")[1:3] == ([], ["县司法局*", "县财政局"])  # a clause all the same


def test_a_plan_that_says_the_unit_listed_first_leads():
    assert footnote_meanings(["说明：责任单位排在第一位的为牵头单位。"]) == {"first": "lead"}
    assert footnote_meanings(["注：列首位的单位为牵头单位"]) == {"first": "lead"}
    assert footnote_meanings(["1.加强党的领导，主要负责人是第一责任人。"]) == {}
    assert footnote_meanings(["（注：排在第一位的为牵头单位）"]) == {"first": "lead"}  # a note line in brackets
    header = "序号\t工作任务\t责任单位（排在第一位的为牵头单位）\t完成时限"  # a table's header says it of every row
    assert footnote_meanings([header]) == {"first": "lead"}
    task = "1.推进改革。（县司法局、县财政局按职责分工负责，排名第一的为牵头单位{}）"
    assert footnote_meanings([task.format("")], [7]) == {}  # said of that task only: its clause reads it
    assert footnote_meanings([task.format("，下同")], [7]) == {"first": "from 7"}
    assert not first_leads_hold({"first": "from 7"}, 7) and first_leads_hold({"first": "from 7"}, 8)
    assert first_leads_hold({"first": "lead"}, 1) and not first_leads_hold({}, 1)


@pytest.mark.parametrize(
    ("text", "lead", "responsible", "deadline"),
    [
        ("组织会前学法。（县政府办负责，每季度开展一次）", ["县政府办"], [], "每季度开展一次"),
        ("召开联席会议。（牵头单位：县委依法治县办，每年至少1次）", ["县委依法治县办"], [], "每年至少1次"),
        ("报送进展情况。（县直各部门、各乡镇人民政府，每半年报送一次）", [], ["县直各部门", "各乡镇人民政府"],
         "每半年报送一次"),
    ],
)
def test_how_often_in_a_unit_bracket_is_its_deadline_not_a_unit(text, lead, responsible, deadline):
    assert units(text)[1:] == (lead, responsible, deadline)


@pytest.mark.parametrize("text", ["责任单位:县政府办公室、县司法局、各有关部门,乡镇人民政府按职责分工分别负责。",
                                  "县政府办公室、县司法局、各有关部门,乡镇人民政府分别按职责负责"])
def test_two_ways_of_saying_each_does_its_part_together(text):
    """"按职责分工分别负责": before, only one of 按职责分工 and 分别 was read, and the line gave no units at all."""
    clause = unit_line(text)
    assert clause is not None and clause.lead == []
    assert clause.responsible == ["县政府办公室", "县司法局", "各有关部门", "乡镇人民政府"]


def test_every_locality_and_collectives_written_together_are_units():
    assert looks_like_unit("各地区") and looks_like_unit("各地")
    assert split_unit_names("各地区各部门") == ["各地区", "各部门"]
    assert split_unit_names("各乡镇各有关部门") == ["各乡镇", "各有关部门"]
    assert split_unit_names("县政府各部门") == ["县政府各部门"]  # a name, not two
    assert split_unit_names("各级各部门") == ["各级各部门"]
    rest, clause = split_unit_clause("做好公开。(省审改办、省人社厅牵头,各地区、各部门负责)")
    assert rest == "做好公开。" and clause is not None
    assert (clause.lead, clause.responsible) == (["省审改办", "省人社厅"], ["各地区", "各部门"])


@pytest.mark.parametrize("name", ["人民银行某市中心支行", "某银行某县分行", "某海关", "某市气象台", "某监狱"])
def test_agencies_managed_from_above_are_units(name):
    assert looks_like_unit(name)


def test_a_place_written_once_for_the_list_belongs_to_every_bare_office_after_it():
    assert split_unit_names("市财政局、发展改革委、审计局") == ["市财政局", "市发展改革委", "市审计局"]
    assert split_unit_names("县委办、政府办") == ["县委办", "县政府办"]
    assert split_unit_names("区司法局、团区委、妇联、各街道") == ["区司法局", "团区委", "妇联", "各街道"]
    assert split_unit_names("市政府办公室、人民银行某市中心支行") == ["市政府办公室", "人民银行某市中心支行"]
    assert split_unit_names("财政局、审计局") == ["财政局", "审计局"]  # no place to carry
