"""Plans as they arrive from web pages and PDFs: tables copied as text, wrapped lines, bare numbers."""

from __future__ import annotations

from reporting.plan_lines import bare_number, prepare
from reporting.plan_parse import parse_plan_lines
from reporting.plan_sources import SourceLine, header_word
from reporting.plan_text_table import text_tables
from reporting.plan_units import split_unit_clause, subject_units, unit_line


def lines(text: str) -> list[SourceLine]:
    return [SourceLine(number, line) for number, line in enumerate(text.splitlines(), 1)]


def test_a_flattened_table_becomes_rows_of_cells_in_header_order():
    found, tables = text_tables(lines("序号 工作内容 责任部门 完成时限 一、制度建设 "
                                      "1 出台意见 各区政府,市政府各部门 四月份 2 清理名单 市司法局 二季度"))
    rows = [line.cells for line in found if line.cells]
    assert rows[0] == ("序号", "工作内容", "责任部门", "完成时限")
    assert rows[1] == ("一、制度建设",) * 4  # a heading spans the table
    assert rows[2] == ("1", "出台意见", "各区政府,市政府各部门", "四月份")
    assert rows[3] == ("2", "清理名单", "市司法局", "二季度")
    assert [(t.kind, t.rows) for t in tables] == [("flat", 2)]


def test_prose_that_names_the_columns_is_not_a_table():
    text = "请各单位按序号 工作任务 责任单位 完成时限的格式报送。\n一、主要任务\n1.推进公开。（责任单位：县政府办）"
    found, tables = text_tables(lines(text))
    assert tables == [] and all(line.cells is None for line in found)


def test_pipe_rows_without_content_and_the_cc_row_are_dropped():
    text = ("| 序号 | 工作任务 | 责任单位 | 完成时限 |\n| --- | --- | --- | --- |\n"
            "| 1 | 编制目录 | 县司法局 | 2022年6月 |\n|  |  |  |  |\n| 抄送:县委办 |  |  |  |")
    found, _ = text_tables(lines(text))
    assert [line.cells[1] for line in found if line.cells] == ["工作任务", "编制目录"]


def test_header_words_by_their_words():
    assert [header_word(w) for w in ("序号", "任务事项", "协办单位", "时间节点", "牵头责任部门", "市司法局")] == [
        "id", "text", "responsible", "deadline", "lead", None]
    assert header_word("推进政务公开标准化规范化建设") is None


def test_wrapped_lines_are_joined_but_a_heading_keeps_its_paragraph_apart():
    prepared = prepare(list(enumerate([
        "（一）推进政务公开",
        "深化重点领域信息公开，做好财政预决算、重大建设项目等信息",
        "公开。（责任单位：市政府办公室）",
        "— 3 —",
        "二、保障措施",
    ], 1)))
    joined = "深化重点领域信息公开，做好财政预决算、重大建设项目等信息公开。（责任单位：市政府办公室）"
    assert [text for _, text in prepared.lines] == ["（一）推进政务公开", joined, "二、保障措施"]
    assert (prepared.joined, prepared.page_breaks) == (1, 1)


def test_a_label_alone_takes_the_units_listed_below_it():
    prepared = prepare(list(enumerate(["推进工作。", "责任单位：", "县司法局", "各乡镇人民政府", "", "二、其他"], 1)))
    assert "责任单位：县司法局、各乡镇人民政府" in [text for _, text in prepared.lines]


def test_a_number_without_a_dot():
    assert bare_number("1 推进政务公开") == "1.推进政务公开"
    assert bare_number("2019 年工作要点") == "2019 年工作要点"
    assert bare_number("3 月底前完成") == "3 月底前完成"


def test_units_in_sentences():
    assert split_unit_clause("推进。由市编办会同市财政局、市审计局负责。")[1].responsible == ["市财政局", "市审计局"]
    assert unit_line("县委宣传部负责。").lead == ["县委宣传部"]
    assert unit_line("市司法局负责全市行政复议工作。") is None
    found = subject_units("推进依法行政。各县(市、区)政府要抓好落实。")
    assert found == (["各县(市、区)政府"], "各县(市、区)政府要抓好落实。")
    assert subject_units("推进依法行政。各地各部门要高度重视。") is None


def test_units_written_as_headings_over_their_duties():
    plan = parse_plan_lines(
        "二、任务分工\n（一）县司法局：\n1.制定年度计划。\n2.组织案卷评查。\n（二）县财政局：\n3.落实经费保障。\n")
    assert [(t.id, t.lead) for t in plan.tasks] == [("1", ["县司法局"]), ("2", ["县司法局"]), ("3", ["县财政局"])]
    assert all("继承自上级措施" in t.remark() for t in plan.tasks)


def test_a_heading_with_a_comma_and_a_title_are_not_joined_to_the_line_below():
    heading = "（一）打造完善现代化政府治理体系，依法全面履行政府职能"
    paragraph = "以深化行政审批制度改革为突破口，推动政府职能切实向创造良好发展环境、提供优质公共服务转变。"
    title = "关于印发《某某市法治政府建设实施方案（2021—2025年）》的通知"
    prepared = prepare(list(enumerate([title, "各县(市、区)人民政府，市政府各部门：", heading, paragraph], 1)))
    assert [text for _, text in prepared.lines] == [title, "各县(市、区)人民政府，市政府各部门：", heading, paragraph]
    first = "1.严格执行《重大行政决策程序暂行条例》，编制并公布年度重大行政"
    wrapped = prepare(list(enumerate([first, "决策事项目录。"], 1)))
    assert [text for _, text in wrapped.lines] == [first + "决策事项目录。"]


WEB_YAODIAN = """2025年全镇依法行政工作要点
【字体：大 中 小】
一、重点工作
1．年内建成村级法律服务点12个，镇司法所负责。
2．上半年完成合法性审查目录更新，镇党政办负责。
3．每季度末报送一次执法统计数据。（镇综合执法队牵头，各村配合）
4．10月底前完成执法人员轮训，镇司法所牵头，各站所配合。
【打印本页】【关闭窗口】
上一篇：关于开展普法志愿服务的通知
"""


def test_one_sentence_tasks_keep_their_text_and_give_units_and_a_leading_deadline():
    plan = parse_plan_lines(WEB_YAODIAN.splitlines())
    got = {task.id: task for task in plan.tasks}
    assert list(got) == ["1", "2", "3", "4"]  # 4．10月底前 is item 4, the buttons are not tasks
    assert got["1"].text.startswith("年内建成村级法律服务点") and got["1"].lead == ["镇司法所"]
    assert got["1"].deadline == "2025-12-31"
    assert got["2"].text.startswith("上半年完成合法性审查目录更新") and got["2"].deadline == "2025-06-30"
    assert any("上半年" in note for note in got["2"].notes)
    assert got["4"].text.startswith("10月底前完成执法人员轮训")
    assert (got["4"].lead, got["4"].responsible, got["4"].deadline) == (["镇司法所"], ["各站所"], "2025-10-31")


def test_a_periodic_time_written_without_before_is_noted():
    plan = parse_plan_lines(WEB_YAODIAN.splitlines())
    task = next(task for task in plan.tasks if task.id == "3")
    assert task.deadline is None
    assert any("周期性" in note and "每季度末" in note for note in task.notes)


def test_web_page_buttons_are_dropped_before_the_outline():
    kept = [text for _, text in prepare([(1, "【打印本页】【关闭窗口】"), (2, "字体：大 中 小"),
                                        (3, "上一篇：某通知"), (4, "1．推进依法行政。")]).lines]
    assert kept == ["1．推进依法行政。"]


def test_units_then_a_deadline_after_the_last_comma_and_a_monthly_task():
    plan = parse_plan_lines(["2026年全市依法行政工作要点", "一、加强制度建设",
                             "1. 全面推行合法性审核机制，市司法局、各区县政府按职责分工负责，6月底前完成。",
                             "2. 每月通报一次行政执法监督情况，市司法局负责。"])
    first, second = plan.tasks
    assert first.text.startswith("全面推行合法性审核机制") and first.deadline == "2026-06-30"
    assert first.units == ["市司法局", "各区县政府"]
    assert any("周期性" in note and "每月" in note for note in second.notes)


def test_a_space_between_two_unit_names_is_a_list_separator():
    from reporting.plan_outline import clean_line

    spaced = clean_line("配 合 单 位：市直各行政执法部门 各县（市、区）司法局")
    assert spaced == "配合单位：市直各行政执法部门、各县（市、区）司法局"
    assert clean_line("(责任单位:县政府办 县司法局).") == "(责任单位:县政府办、县司法局)."
    assert clean_line("市人社局\u3000市财政局") == "市人社局、市财政局"
    # spaces that are not between two names still only go
    assert clean_line("县司法局 负责 审核") == "县司法局负责审核"
    assert "、" not in clean_line("某县人民政府办公室 2024年3月15日")
    assert clean_line("市 司 法 局") == "市司法局"


def test_numbers_written_as_one_enclosed_character():
    from reporting.plan_outline import clean_line, parse_numbering

    assert clean_line("㈡加强行政执法监督") == "（二）加强行政执法监督"
    assert clean_line("⒓开展评查") == "12.开展评查"
    assert clean_line("⑶建立台账") == "（3）建立台账"
    assert [parse_numbering(clean_line(t)).style for t in ("㈠依法", "⒈推进", "⑴规范")] == ["PCN", "DOT", "PNUM"]


def test_a_space_between_role_phrases_is_a_comma():
    from reporting.plan_outline import clean_line

    assert clean_line("（县司法局牵头 各乡镇人民政府配合）") == "（县司法局牵头，各乡镇人民政府配合）"


def test_part_headings_sit_above_the_chinese_numbered_sections():
    from reporting.plan_outline import build_outline, clean_line

    text = ["第一部分 总体要求", "到2025年建成。", "第二部分 主要任务", "一、依法履职", "（一）推进改革",
            "1.动态调整清单。"]
    root = build_outline([(n, clean_line(t)) for n, t in enumerate(text, 1)])
    assert [node.numbering.style for node in root.children] == ["PART", "PART"]
    part = root.children[1]
    assert part.children[0].rest == "依法履职" and part.children[0].children[0].children[0].rest == "动态调整清单。"


def test_a_web_pages_list_of_related_links_is_not_tasks():
    parsed = parse_plan_lines(lines(
        "某区2024年工作要点\n一、主要任务\n1.规范行政复议案件办理。（牵头单位：区司法局）\n"
        "相关链接：\n1.关于印发《某区2023年工作要点》的通知\n2.某区2023年法治政府建设年度报告\n【我要纠错】 【打印】"))
    assert [t.text for t in parsed.tasks] == ["规范行政复议案件办理。"]


def test_a_flattened_table_reads_slash_and_dash_as_empty_cells():
    found, _ = text_tables(lines("序号 重点任务 牵头单位 配合单位 完成时限 1 做好政策解读 市政府办公室 / 全年 "
                                 "2 规范依申请公开 市司法局 — 长期坚持"))
    rows = [line.cells for line in found if line.cells][1:]
    assert rows == [("1", "做好政策解读", "市政府办公室", "", "全年"),
                    ("2", "规范依申请公开", "市司法局", "", "长期坚持")]


def test_a_plan_copied_as_one_paragraph_is_cut_before_each_item():
    from reporting.plan_lines import split_run_on

    text = ("某县2024年法治政府建设工作要点 为推进法治政府建设，制定本要点。一、健全依法决策机制 "
            "（一）落实决策程序，年初公布目录。（牵头单位：县政府办公室）（二）加强合法性审核，审核率达到100%。"
            "（牵头单位：县司法局）二、规范执法 1.开展案卷评查。2.推行柔性执法，3、4月份公布清单。")
    assert [piece for _, piece in split_run_on([(7, text)])] == [
        "某县2024年法治政府建设工作要点", "为推进法治政府建设，制定本要点。", "一、健全依法决策机制",
        "（一）落实决策程序，年初公布目录。（牵头单位：县政府办公室）",
        "（二）加强合法性审核，审核率达到100%。（牵头单位：县司法局）", "二、规范执法", "1.开展案卷评查。",
        "2.推行柔性执法，3、4月份公布清单。"]
    assert {number for number, _ in split_run_on([(7, text)])} == {7}
    short = "1.开展案卷评查。2.推行柔性执法。"
    assert split_run_on([(1, short)]) == [(1, short)]


def test_a_table_laid_out_with_spaces_reads_wrapped_cells_under_their_columns():
    found, tables = text_tables(lines(
        " 序号      工作任务            牵头单位      配合单位      完成时限\n"
        "  1    编制决策事项目       县政府办      县司法局      2024年3月\n"
        "       录                                  县财政局      底前\n"
        "  2    开展案卷评查         县司法局      县直各部门    长期坚持\n"
        "各单位要认真落实。"))
    rows = [line.cells for line in found if line.cells]
    assert rows[1:] == [("1", "编制决策事项目录", "县政府办", "县司法局、县财政局", "2024年3月底前"),
                        ("2", "开展案卷评查", "县司法局", "县直各部门", "长期坚持")]
    assert [t.kind for t in tables] == ["layout"]
    assert [line.text for line in found if line.cells is None] == ["各单位要认真落实。"]


def test_points_inside_a_numbered_item_are_not_cut_off_but_its_siblings_and_children_are():
    from reporting.plan_lines import split_run_on

    points = ("1.完善行政决策程序，重点做好以下几方面工作，确保决策科学民主依法：（一）健全公众参与机制，重大决策事项"
              "公开征求意见；（二）完善专家论证机制，建立专家库；（三）严格合法性审查。（牵头单位：县司法局）")
    assert split_run_on([(1, points)]) == [(1, points)]
    section = ("二、规范执法行为 （三）开展行政执法案卷评查。（牵头单位：县司法局；完成时限：2024年11月底前）"
               "（四）推进柔性执法，公布不予处罚清单。（县司法局牵头，县直各部门按职责分工负责）")
    assert [piece[:6] for _, piece in split_run_on([(1, section)])] == ["二、规范执法", "（三）开展行", "（四）推进柔"]


def test_a_table_written_one_cell_to_a_line_with_pipes_between_is_read_as_rows():
    closed = ("目录如下:\n序号 |\n事项名称 |\n决策事项程序 |\n承办单位 |\n决策时间 |\n1 |\n某县供水\n规划 |\n"
              "公众参与、集体讨论 |\n县水利局 |\n2024年9月 |\n2 |\n某县养老规划 |\n集体讨论 |\n县民政局 |\n"
              "2024年10月 |\n请按期完成。")
    found, tables = text_tables(lines(closed))
    rows = [line.cells for line in found if line.cells]
    assert rows[1:] == [("1", "某县供水规划", "公众参与、集体讨论", "县水利局", "2024年9月"),
                        ("2", "某县养老规划", "集体讨论", "县民政局", "2024年10月")]
    assert [t.kind for t in tables] == ["cells"]
    assert [line.text for line in found if line.cells is None] == ["目录如下:", "请按期完成。"]
    apart = "|\n序号\n|\n文件名称\n|\n起草单位\n|\n|\n1\n|\n某区管理办法\n|\n区财政局\n|\n"
    rows = [line.cells for line in text_tables(lines(apart))[0] if line.cells]
    assert rows == [("序号", "文件名称", "起草单位"), ("1", "某区管理办法", "区财政局")]


def test_a_column_about_the_task_is_not_taken_for_a_finer_task():
    from reporting.plan_sources import header_columns

    found = header_columns(["序号", "决策事项名称", "决策事项程序", "是否听证", "承办单位", "决策时间"])
    assert found is not None and found["text"] == 1 and "level1" not in found
    finer = header_columns(["序号", "改革任务", "具体举措", "牵头单位"])
    assert finer is not None and (finer["level1"], finer["text"]) == (1, 2)


def test_a_long_line_of_units_that_ends_in_what_they_do_is_not_wrapped_onto_the_next_item():
    text = ("某市工作要点\n一、重点任务\n(一)做好政策解读\n围绕金融支持实体经济的各项政策加强信息公开。\n"
            "市地方金融局、人民银行某市中心支行、某海关分别牵头落实\n按季度公开全市预算收支情况。\n市财政局牵头落实")
    parsed = parse_plan_lines(text)
    assert [(t.text, t.lead) for t in parsed.tasks] == [
        ("围绕金融支持实体经济的各项政策加强信息公开。", ["市地方金融局", "人民银行某市中心支行", "某海关"]),
        ("按季度公开全市预算收支情况。", ["市财政局"])]
    wrapped = [(1, "围绕金融支持实体经济的各项政策加强信贷、融资担保和普惠金融政策信息公开，由市地方金融局牵头"),
               (2, "落实。")]
    assert prepare(wrapped).joined == 1


def test_a_flattened_table_reads_header_words_spread_out_with_spaces():
    found, tables = text_tables(lines("分解表 序号 工 作 任 务 责 任 单 位 完 成 时 限 1 编制目录 市司法局 一季度 "
                                      "2 清理文件 市政府各部门 六月份"))
    rows = [line.cells for line in found if line.cells]
    assert rows == [("序号", "工作任务", "责任单位", "完成时限"), ("1", "编制目录", "市司法局", "一季度"),
                    ("2", "清理文件", "市政府各部门", "六月份")]
    assert [t.kind for t in tables] == ["flat"]
