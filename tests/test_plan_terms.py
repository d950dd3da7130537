"""Deadlines, targets, the plan-wide default deadline and the plan date, on small strings."""

from __future__ import annotations

from datetime import date

import pytest

from reporting.models import LONG_TERM
from reporting.plan_terms import (
    cn_number,
    find_default_deadline,
    find_plan_date,
    find_targets,
    normalise_deadline,
    parse_deadline,
    parse_frequency,
    take_text_deadline,
)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2017年底完成", "2017-12-31"),
        ("2017年底前完成", "2017-12-31"),
        ("2017年6月底前完成", "2017-06-30"),
        ("2018年6月底完成", "2018-06-30"),
        ("2017年年底前", "2017-12-31"),
        ("2017年12月31日前", "2017-12-31"),
        ("2017年上半年", "2017-06-30"),
        ("2017年下半年", "2017-12-31"),
        ("2018年第三季度", "2018-09-30"),
        ("2016年2月底前完成", "2016-02-29"),
        ("完成时限：2019年底", "2019-12-31"),
        ("2019-12-31", "2019-12-31"),
        ("２０１７年底前完成", "2017-12-31"),
        ("长期坚持", LONG_TERM),
        ("持续推进", LONG_TERM),
        ("长期", LONG_TERM),
    ],
)
def test_deadline_forms(written, expected):
    found = parse_deadline(written)
    assert found is not None and found.value == expected and not found.recurring


@pytest.mark.parametrize(
    "text", ["2017年", "2016年底前健全落实社会管理综合治理领导责任制", "中长期供求", "各镇政府"]
)
def test_what_is_not_a_deadline(text):
    assert parse_deadline(text) is None


def test_recurring_deadline_is_the_first_due_after_the_plan_date():
    found = parse_deadline("每年1月底前", date(2017, 3, 22))
    assert found is not None and found.recurring and found.value == "2018-01-31"
    assert parse_deadline("每年1月底前", date(2017, 1, 10)).value == "2017-01-31"
    assert parse_deadline("每季度末", date(2017, 3, 22)).value == "2017-03-31"


def test_recurring_deadline_without_a_plan_date_falls_due_in_the_plans_year():
    """A 工作要点 titled with its year and no date under it: the first due date in that year (was: none)."""
    assert parse_deadline("每年1月底前", None, 2025).value == "2025-01-31"
    assert parse_frequency("每季度开展一次", None, 2025).value == "2025-03-31"
    assert parse_frequency("每年至少1次", None, 2025).value == "2025-12-31"
    assert parse_frequency("每季度开展一次").value is None  # neither date nor year: left to the coordinator


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("每年至少1次", "2023-12-31"), ("每半年报送一次", "2023-06-30"), ("半年一次", "2023-06-30"),
        ("每季度开展一次", "2023-03-31"), ("一年一次", "2023-12-31"), ("每月调度一次", "2023-03-31"),
        ("每年开展不少于2次", "2023-12-31"), ("原则上每年一次", "2023-12-31"), ("每两年一次", None), ("每周", None),
        ("按季度", "2023-03-31"), ("按月", "2023-03-31"), ("按年度", "2023-12-31"), ("定期", None),
        ("每年至少开展1次", "2023-12-31"),
        ("每年开展1-2次", "2023-12-31"), ("每年2至3次", "2023-12-31"),
    ],
)
def test_a_deadline_written_as_how_often_recurs(written, value):
    found = parse_frequency(written, date(2023, 3, 15))
    assert found is not None and found.recurring and found.value == value and found.written == written
    assert parse_frequency(written) is not None and parse_frequency(written).value is None


@pytest.mark.parametrize(
    "text", ["一季度", "半年", "年度", "上半年", "每年1月底前", "2023年", "县司法局", "按期", "按时"]
)
def test_what_is_not_how_often(text):
    assert parse_frequency(text, date(2023, 3, 15)) is None


def test_how_often_inside_a_task_text_is_a_target_not_a_deadline():
    found = take_text_deadline("组织领导干部集中学法，每年不少于4次。")
    assert found.deadline is None and found.text == "组织领导干部集中学法，每年不少于4次。"


@pytest.mark.parametrize(
    ("written", "value"),
    [("每月10日前", "2023-04-10"), ("每年年底前", "2023-12-31"), ("每年度末", "2023-12-31"),
     ("每年上半年", "2023-06-30"), ("每年下半年末", "2023-12-31"), ("每月底", "2023-03-31")],
)
def test_more_recurring_deadlines(written, value):
    found = parse_deadline(written, date(2023, 3, 15))
    assert found is not None and found.recurring and found.value == value


def test_recurring_deadline_without_a_plan_date_is_none():
    found = parse_deadline("每年1月底前")
    assert found is not None and found.recurring and found.value is None


def test_deadline_clause_in_the_last_sentence_is_removed():
    found = take_text_deadline("建立小微企业名录。逐步扩大电子营业执照试点范围,2017年年底前完成。")
    assert found.deadline is not None and found.deadline.value == "2017-12-31"
    assert found.text == "建立小微企业名录。逐步扩大电子营业执照试点范围。"
    alone = take_text_deadline("做好衔接工作。2018年6月底前完成。")
    assert alone.text == "做好衔接工作。" and alone.deadline.value == "2018-06-30"


def test_a_deadline_clause_inside_the_text_is_the_deadline_and_the_text_stays():
    found = take_text_deadline("逐步扩大试点范围,2017年年底前完成。建立小微企业名录。")
    assert found.deadline.value == "2017-12-31"
    assert found.text == "逐步扩大试点范围,2017年年底前完成。建立小微企业名录。"
    assert found.notes == ["完成时限取自正文「2017年年底前完成」"] and not found.warnings


def test_a_date_inside_a_sentence_is_only_a_warning():
    found = take_text_deadline("各部门要在2019年底前普遍建立法律顾问制度。加强培训。")
    assert found.deadline is None
    assert found.warnings == ["正文提到时限「2019年底前」，未作为完成时限，请核对"]


@pytest.mark.parametrize(
    ("written", "value"),
    [("四月份", "2019-04-30"), ("二季度", "2019-06-30"), ("第三季度", "2019-09-30"), ("上半年", "2019-06-30"),
     ("下半年", "2019-12-31"), ("全年", "2019-12-31"), ("年内", "2019-12-31"), ("6月底前", "2019-06-30"),
     ("11月底前完成", "2019-11-30"), ("9月30日前", "2019-09-30"), ("年底前完成", "2019-12-31"),
     ("2017年年底前", "2017-12-31"), ("2022年第三季度", "2022-09-30")],
)
def test_deadlines_without_a_year_take_the_plans_year(written, value):
    found = parse_deadline(written, year=2019)
    assert found is not None and found.value == value
    assert found.relative == (not written.startswith("20"))


def test_a_deadline_without_a_year_and_no_plan_year_has_no_value():
    found = parse_deadline("二季度")
    assert found is not None and found.value is None and found.relative


def test_milestones_take_the_last_step():
    found = take_text_deadline("《某条例》。6月底前完成起草,8月底前提请审议,10月底前提请常委会审议。", year=2021)
    assert found.deadline.value == "2021-10-31"
    assert found.notes[0].startswith("进度安排：6月底前完成起草")


def test_the_plans_year_from_title_then_document_number_then_date():
    from datetime import date

    from reporting.plan_terms import find_plan_year

    assert find_plan_year("某市2019年依法行政工作要点", [], date(2018, 12, 28)) == (2019, "标题")
    assert find_plan_year("某市规划(2016—2020年)", [(3, "某政办〔2017〕8号")], None) == (2017, "文号")
    assert find_plan_year("某市实施方案", [], date(2020, 2, 28)) == (2020, "成文日期")


def test_traditional_characters_are_made_simplified_and_simplified_text_stays():
    from reporting.hanzi import looks_traditional, to_simplified

    text = "推進政府職能轉變,深化行政審批制度改革。(牽頭單位:縣編辦;責任單位:縣政府各部門)顯著"
    assert to_simplified(text) == "推进政府职能转变,深化行政审批制度改革。(牵头单位:县编办;责任单位:县政府各部门)显著"
    assert looks_traditional(text) and not looks_traditional(to_simplified(text))
    assert to_simplified("著作权显著") == "著作权显著"


def test_a_year_in_ordinary_text_is_not_a_deadline():
    found = take_text_deadline("清理规范各类证照。2017年,制定规范证照管理工作方案,全面清理各类证照。")
    assert found.deadline is None and not found.warnings and not found.notes


def test_recurring_mentions_become_notes():
    found = take_text_deadline("镇政府每年1月底前报告上一年度法治政府建设情况。报告要向社会公开。")
    assert found.deadline is None
    assert found.notes == ["正文含周期性时限「每年1月底前」"]


def test_recurring_clause_in_the_last_sentence_is_the_deadline():
    found = take_text_deadline("向本级政府报告工作,每年1月底前。", date(2017, 3, 22))
    assert found.deadline.value == "2018-01-31" and found.deadline.recurring
    assert found.notes == ["周期性时限：每年1月底前"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2019-12-31", "2019-12-31"), ("2019年底", "2019-12-31"), ("长期", LONG_TERM),
        ("明年", None), ("", None),
    ],
)
def test_user_default_deadline(given, stored):
    assert normalise_deadline(given) == stored


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("县级政务服务事项网上可办率≥80%。", "县级政务服务事项网上可办率≥80%"),
        ("县级政务服务事项网上可办率不低于80%；", "县级政务服务事项网上可办率不低于80%"),
        ("每年开展执法人员法律知识培训不少于40个学时。", "每年开展执法人员法律知识培训不少于40个学时"),
        ("对符合条件的依申请公开政府信息的答复率100%。", "答复率100%"),
        ("积极办理审议意见,办理满意度95%以上。", "办理满意度95%以上"),
        ("县政府常务会议会前学法，每年不少于4次；", "每年不少于4次"),
        ("被诉行政机关负责人出庭率达100%。", "被诉行政机关负责人出庭率达100%"),
        ("全民法治宣传教育的普及率≥８０％。", "全民法治宣传教育的普及率≥８０％"),
        ("每年至少组织1次行政执法案卷评查", "每年至少组织1次"),
        ("合法性审核的时间最长不超过15个工作日", "合法性审核的时间最长不超过15个工作日"),
        ("确保专职工作人员不少于2名。", "确保专职工作人员不少于2名"),
    ],
)
def test_targets(text, target):
    assert target in find_targets(text)


def test_counts_without_a_comparator_are_not_targets():
    assert find_targets("100个高频事项实现“最多跑一次”，设立1至5个政府立法联系点。") == []


def test_plan_wide_default_deadline():
    sentence = "各项工作任务除本实施方案有明确时间要求的外,原则上应当在2019年底前完成。"
    lines = [(1, "一、主要任务"), (9, sentence)]
    found = find_default_deadline(lines)
    assert found is not None
    deadline, line = found
    assert deadline.value == "2019-12-31" and line == 9
    assert find_default_deadline([(1, "推行部门一支队伍办案,原则上应当整合为一支队伍。")]) is None


def test_a_plan_date_in_brackets_under_the_title():
    assert find_plan_date([(1, "某县2023年依法行政工作要点"), (2, "（2023年3月1日）")]) == date(2023, 3, 1)
    assert find_plan_date([(1, "(2023年3月1日)")]) == date(2023, 3, 1)


def test_plan_date():
    assert find_plan_date([(1, "实施方案"), (2, "2017年3月22日")]) == date(2017, 3, 22)
    assert find_plan_date([(1, "二〇一七年三月二十二日")]) == date(2017, 3, 22)
    assert find_plan_date([(1, "发布时间:2017-03-22")]) == date(2017, 3, 22)
    assert find_plan_date([(1, "2017322")]) is None


def test_chinese_numbers():
    assert [cn_number(t) for t in ("一", "十", "十二", "二十", "九十九", "一百零五", "7", "是")] == [
        1, 10, 12, 20, 99, 105, 7, None,
    ]


def test_a_date_something_happened_inside_the_text_is_not_its_deadline():
    found = take_text_deadline("推进改革。2018年6月，市政府印发了方案。加强监督。")
    assert found.deadline is None and not found.notes


@pytest.mark.parametrize(
    ("text", "value"),
    [("下半年组织开展行政执法人员培训。", "2021-12-31"), ("9月组织开展法治宣传月活动。", "2021-09-30"),
     ("三季度召开法治政府建设推进会。", "2021-09-30"), ("上半年举办一期专题培训班。", "2021-06-30")],
)
def test_a_task_that_starts_with_when_it_is_done_has_that_deadline(text, value):
    found = take_text_deadline(text, year=2021)
    assert found.deadline is not None and found.deadline.value == value
    assert found.text == text


def test_an_event_in_a_background_sentence_is_still_not_a_deadline():
    found = take_text_deadline("推进改革。2018年6月，市政府组织开展了评估。加强监督。")
    assert found.deadline is None


@pytest.mark.parametrize("phrase", ["常态化开展", "长期坚持", "持续推进", "常年开展", "长期坚持推进"])
def test_ongoing_work_is_long_term(phrase):
    found = parse_deadline(phrase)
    assert found is not None and found.value == LONG_TERM
    assert parse_deadline("持续提升服务水平") is None


def test_a_last_step_with_its_subject_first_is_the_deadline():
    found = take_text_deadline("开展专项清理，清理结果于9月底前向社会公布。", year=2024)
    assert found.deadline is not None and found.deadline.value == "2024-09-30"
    assert found.text == "开展专项清理，清理结果于9月底前向社会公布。"
    assert take_text_deadline("开展清理，在2020年基础上提高10%。", year=2024).deadline is None
    assert take_text_deadline("完善目录，目录于每年3月底前公布。", year=2024).deadline is None


@pytest.mark.parametrize(("phrase", "value"), [
    ("2024年底前完成并长期坚持", "2024-12-31"), ("6月底前完成，长期坚持", "2024-06-30"),
    ("9月底前完成后持续推进", "2024-09-30")])
def test_done_by_a_date_then_kept_up_is_due_at_the_date(phrase, value):
    found = parse_deadline(phrase, year=2024)
    assert found is not None and (found.value, found.written) == (value, phrase)
    assert parse_deadline("2024年底前健全并持续推进工作", year=2024) is None


@pytest.mark.parametrize("phrase", ["2024年度", "２０２４年度", "2024年度内", "2024年全年"])
def test_a_year_written_as_the_whole_year_ends_with_it(phrase):
    found = parse_deadline(phrase)
    assert found is not None and found.value == "2024-12-31"
    assert parse_deadline("2024年") is None and parse_deadline("到2024年") is None


def test_a_day_written_with_hao():
    found = parse_deadline("2024年6月30号")
    assert found is not None and found.value == "2024-06-30"


def test_a_deadline_for_every_listed_item_is_the_plan_wide_default():
    found = find_default_deadline([(3, "列入目录管理的决策事项须于2023年11月30日前完成,确需调整的及时报告。")], 2023)
    assert found is not None and (found[0].value, found[1]) == ("2023-11-30", 3)
    assert find_default_deadline([(1, "清单所列事项应于6月底前完成。")], 2023) is not None
    assert find_default_deadline([(1, "1.编制规划,须于2023年6月底前完成。")], 2023) is None  # one task's own
