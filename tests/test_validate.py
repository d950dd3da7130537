"""Normalisation tables and row rules of validate.py (pure: no files)."""

from __future__ import annotations

import pytest

from reporting.validate import (
    ROW_RULES,
    check_row,
    chinese_number,
    clean_text,
    normalize_mode,
    normalize_progress,
    normalize_status,
    use_words,
)
from reporting.vocabulary import ERROR, NOTE, WARNING


@pytest.mark.parametrize(("raw", "expected"), [
    ("已完成", "已完成"), ("完成", "已完成"), ("完成了", "已完成"), (" 已 完 成 ", "已完成"), ("已完成。", "已完成"),
    ("\u3000完成\u3000", "已完成"), ("推进中", "推进中"), ("进行中", "推进中"), ("正在推进", "推进中"),
    ("筹备中", "推进中"), ("正常推进", "推进中"), ("阶段性完成", "推进中"), ("已完成阶段性任务", "推进中"),
    ("部分完成", "推进中"), ("未启动", "未启动"), ("未开始", "未启动"), ("尚未开展", "未启动"),
])
def test_status_words_people_write(raw, expected):
    assert normalize_status(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["基本完成吧", "未完成", "1", "好", "未完成，正在推进", "完成120%", "×", "否",
                                 "未启动 推进中 已完成", "已完成/推进中", "推进中、已完成", "。", "√未启动 □推进中"])
def test_unknown_status_is_an_error_quoting_the_value(raw):
    assert normalize_status(raw) == (None, "status.unknown")
    problem = _row(**{"完成状态": raw}).problems[0]
    assert (problem.code, problem.level, problem.value) == ("status.unknown", ERROR, raw)
    assert f"「{raw}」" in problem.message  # the receipt quotes what the unit typed


@pytest.mark.parametrize("raw", ["不适用", "本单位不涉及。", "无此项工作", "不 适 用", "不适用（本单位无执法职能）",
                                 "不属于本单位职责，建议调整", "本单位不适用此项", "我单位无此项工作", "非我单位职责",
                                 "N/A"])
def test_not_applicable_is_an_error_that_says_how_to_change_the_division_of_work(raw):
    assert normalize_status(raw) == (None, "status.not_applicable")
    row = _row(**{"完成状态": raw, "工作举措及成效": "本单位无相关职能"})
    problem = next(p for p in row.problems if p.code == "status.not_applicable")
    assert not row.accepted and problem.level == ERROR and problem.value == raw
    assert f"「{raw}」" in problem.message and "调整分工" in problem.fix
    assert not [p for p in row.problems if p.code == "status.unknown"]


def test_the_coordinator_may_read_a_not_applicable_word_as_a_status():
    from reporting.validate import use_words

    try:
        use_words({"已完成": ["不涉及"]})
        assert normalize_status("不涉及") == ("已完成", None)
    finally:
        use_words(None)
    assert normalize_status("不涉及") == (None, "status.not_applicable")


@pytest.mark.parametrize(("raw", "expected"), [
    ("基本完成", "推进中"), ("已基本完成", "推进中"), ("正在推进中", "推进中"), ("持续推进中", "推进中"),
    ("已落实", "已完成"), ("长期坚持", "推进中"), ("已完成（常态化）", "已完成"), ("已完成(长效推进)", "已完成"),
    ("暂未开展", "未启动"), ("已完成，长期坚持", "已完成"), ("推进中；预计6月底完成", "推进中"), ("完成90%", "推进中"),
    ("完成100％", "已完成"),
])
def test_everyday_words_from_real_returns(raw, expected):
    assert normalize_status(raw) == (expected, None)
    row = _row(**{"完成状态": raw, "工作举措及成效": "做了", "佐证材料": "文件"})
    assert row.accepted and row.status == expected
    note = next(p for p in row.problems if p.code == "status.read_as")
    assert f"「{raw}」" in note.message and expected in note.message  # the receipt says how it was read


@pytest.mark.parametrize(("raw", "expected"), [
    ("進行中", "推进中"), ("未啟動", "未启动"), ("已經完成", "已完成"), ("持續推進", "推进中"), ("尚未開始", "未启动"),
    ("Done", "已完成"), ("completed", "已完成"), ("In progress", "推进中"), ("not started", "未启动"),
    ("√", "已完成"), ("✓", "已完成"), ("是", "已完成"), ("100%", "已完成"), ("８０％", "推进中"), ("0%", "未启动"),
    ("100%完成", "已完成"), ("完成（90%）", "推进中"), ("已完成(100%)", "已完成"), ("已完成 详见附件", "已完成"),
    ("已完成。详见附件", "已完成"), ("已完成\n材料见附件", "已完成"), ("'已完成", "已完成"), ("完成0%", "未启动"),
    ("已完成\u200b", "已完成"), ("\ufeff推进中", "推进中"), ("“已完成”", "已完成"), ("√已完成", "已完成"),
    ("■推进中", "推进中"), ("已完成\n长期坚持", "已完成"),
])
def test_status_as_units_write_it_outside_the_dropdown(raw, expected):
    """繁體, English, ticks, a figure, a remark after a space or 。 or a bracketed figure: read, with a note."""
    row = _row(**{"完成状态": raw, "工作举措及成效": "做了", "佐证材料": "文件"})
    assert normalize_status(raw) == (expected, None) and row.status == expected
    assert "status.read_as" in [p.code for p in row.problems]


@pytest.mark.parametrize(("raw", "status", "progress"), [
    (80, "推进中", 80.0), ("80", "推进中", 80.0), (100, "已完成", 100.0), (0, "未启动", 0.0), (0.8, "推进中", 80.0),
    ("85.5", "推进中", 85.5),
])
def test_a_bare_figure_in_the_status_column_is_read_as_the_progress_it_gives(raw, status, progress):
    """80 typed in 完成状态 (the progress put one column early): 推进中, and the progress 80 when it is empty."""
    assert normalize_status(raw) == (status, None)
    row = _row(**{"完成状态": raw, "工作举措及成效": "做了", "佐证材料": "文件"})
    assert row.status == status and row.fields["progress"] == progress
    assert "status.read_as" in [p.code for p in row.problems]


@pytest.mark.parametrize("raw", [1, "1", 1.0, 150])
def test_a_bare_1_or_a_figure_past_100_in_the_status_column_stays_unknown(raw):
    assert normalize_status(raw) == (None, "status.unknown")  # 1: 1%, 100% or a tick


def test_the_dropdown_word_needs_no_note():
    assert not [p for p in _row(**{"完成状态": "推进中"}).problems if p.code == "status.read_as"]


def test_the_coordinators_words_are_read_and_win():
    from reporting.validate import use_words

    try:
        use_words({"已完成": ["基本完成", "已验收合格"], "情况说明": ["另附说明"]})
        assert normalize_status("基本完成") == ("已完成", None)
        assert normalize_status("已验收合格") == ("已完成", None)
        assert normalize_mode("另附说明") == ("情况说明", None)
    finally:
        use_words(None)
    assert normalize_status("基本完成") == ("推进中", None)
    assert normalize_status("已验收合格") == (None, "status.unknown")


def test_empty_status_is_neither():
    assert normalize_status("") == (None, None)
    assert normalize_status(None) == (None, None)


@pytest.mark.parametrize(("raw", "percent", "expected"), [
    (80, False, 80.0), ("80", False, 80.0), ("80%", False, 80.0), ("８０％", False, 80.0), (0.8, False, 80.0),
    ("0.8", False, 80.0), (0.8, True, 80.0), (1, True, 100.0), (1, False, 1.0), ("八十", False, 80.0),
    ("一百", False, 100.0), ("百分之八十", False, 80.0), ("八十五", False, 85.0), ("85.5", False, 85.5),
    (0, False, 0.0), ("0%", False, 0.0), ("100", False, 100.0), (100.0, False, 100.0), ("约80%", False, 80.0),
    ("0.5%", False, 0.5), ("八成", False, 80.0), ("8成", False, 80.0), ("100%（已完成）", False, 100.0),
    ("80(约)", False, 80.0), ("'80", False, 80.0), ("90%以上", False, 90.0), ("80％", False, 80.0),
    ("80\u200b", False, 80.0), ("“80%”", False, 80.0),
])
def test_progress_as_people_write_it(raw, percent, expected):
    assert normalize_progress(raw, percent) == (expected, None)


@pytest.mark.parametrize(("raw", "code"), [
    (120, "progress.range"), (-5, "progress.range"), ("150%", "progress.range"), ("大部分", "progress.not_number"),
    ("八五", "progress.not_number"), (True, "progress.not_number"), ("90%-80%", "progress.not_number"),
    ("2026-09-30", "progress.not_number"), ("十二成", "progress.range"), ("大部分", "progress.not_number"),
    ("不到50%", "progress.not_number"), ("80%-120%", "progress.not_number"), ("超过120%", "progress.range"),
    ("80%~", "progress.not_number"), ("一大半", "progress.not_number"),
])
def test_progress_errors(raw, code):
    assert normalize_progress(raw) == (None, code)
    assert [p.code for p in _row(**{"完成状态": "推进中", "完成进度(%)": raw}).problems] == [code]


@pytest.mark.parametrize(("raw", "expected"), [
    ("80%-90%", 80.0), ("80-90", 80.0), ("80～90％", 80.0), ("80%至90%", 80.0), ("八十到九十", 80.0), ("0.8-0.9", 80.0),
    ("近80%", 80.0), ("接近80", 80.0), ("超过90%", 90.0), ("已完成85%", 85.0), ("完成90%", 90.0), ("约为0.5", 50.0),
    ("约80%-90%", 80.0), ("近八成", 80.0), ("超过八成", 80.0), ("50%至60%左右", 50.0), ("0.5%-0.9%", 0.5),
    ("已完成", 100.0), ("全部完成", 100.0), ("已完成（见附件）", 100.0), ("未启动", 0.0), ("尚未开始", 0.0),
    ("已完成一半", 50.0), ("过半", 50.0), ("完成过半", 50.0), ("全部", 100.0), ("百分百", 100.0), ("100%完成", 100.0),
])
def test_a_hedged_figure_or_a_span_is_read_as_its_figure_or_lower_end_and_noted(raw, expected):
    assert normalize_progress(raw) == (expected, "progress.read_as")
    problems = _row(**{"完成状态": "推进中", "完成进度(%)": raw}).problems
    assert [(p.code, p.level) for p in problems] == [("progress.read_as", "note")]
    assert f"按{expected:g}%读取" in problems[0].message


def test_a_status_word_in_the_progress_is_read_by_the_coordinators_words_too():
    """已完成 typed in 完成进度: 100 (noted); the words of reporting.toml [词表] count as well."""
    row = _row(**{"完成状态": "已完成", "完成进度(%)": "已完成", "工作举措及成效": "做了", "佐证材料": "文件"})
    assert row.accepted and row.fields["progress"] == 100.0
    assert [p.code for p in row.problems] == ["progress.read_as"] and "「已完成」按100%读取" in row.problems[0].message
    assert normalize_progress("收尾") == (None, "progress.not_number")
    use_words({"已完成": ["收尾"]})
    try:
        assert normalize_progress("收尾") == (100.0, "progress.read_as")
    finally:
        use_words(None)
    assert normalize_progress("收尾") == (None, "progress.not_number")


@pytest.mark.parametrize("raw", ["/", "-", "—", "无", "待定", "常态化", "长期", "推进中", "持续推进"])
def test_a_word_for_no_figure_is_read_as_an_empty_progress_and_noted(raw):
    """"/" or 常态化 in 完成进度: not a figure, and none is needed (an empty progress is allowed), so the row is not
    sent back: the progress is left empty with a note; a 已完成 row's is then 100 as when it is empty."""
    assert normalize_progress(raw) == (None, "progress.no_figure")
    ongoing = _row(**{"完成状态": "推进中", "完成进度(%)": raw})
    assert ongoing.accepted and ongoing.fields["progress"] is None
    assert [(p.code, p.level) for p in ongoing.problems] == [("progress.no_figure", "note")]
    assert f"「{raw}」不是数字，按未填写处理" in ongoing.problems[0].message
    done = _row(**{"完成状态": "已完成", "完成进度(%)": raw, "工作举措及成效": "做了", "佐证材料": "文件"})
    assert done.accepted and done.fields["progress"] == 100.0


def test_percent_format_is_asked_only_when_needed():
    asked = []
    normalize_progress(80, lambda: asked.append(1) or False)
    assert normalize_progress(1, lambda: True) == (100.0, None)


def test_chinese_numbers():
    assert [chinese_number(t) for t in ("十", "十五", "八十", "一百", "零", "两")] == [10, 15, 80, 100, 0, 2]
    assert chinese_number("八五") is None and chinese_number("abc") is None


def test_modes():
    assert normalize_mode("见附件") == ("已附材料", None)
    assert normalize_mode("实地评估、核查时提供") == ("实地核查时提供", None)
    assert normalize_mode("邮寄") == ("邮寄", "mode.unknown")
    for raw, mode in (("见附件1", "已附材料"), ("详见附件2-3", "已附材料"), ("附件1、2", "已附材料"),
                      ("見附件", "已附材料"), ("實地核查時提供", "实地核查时提供"), ("情況說明", "情况说明"),
                      ("见附件材料", "已附材料"), ("随表附", "已附材料"), ("现场查看", "实地核查时提供"),
                      ("详见情况说明", "情况说明")):
        assert normalize_mode(raw) == (mode, None), raw
    problem = _row(**{"完成状态": "推进中", "材料提供方式": "邮寄"}).problems[0]
    assert (problem.code, problem.level) == ("mode.unknown", WARNING)


def test_control_characters_stripped_and_long_text_kept():
    assert clean_text("a\x00b\x07c\td") == ("abc\td", True)
    long = "法" * 32767
    assert clean_text(long) == (long, False)


def _row(**values):
    cells = {name: f"X{i}" for i, name in enumerate(values)}
    return check_row("1", values, cells)


def test_done_row_complete_is_accepted_and_progress_defaults():
    result = _row(**{"完成状态": "完成", "工作举措及成效": "做了", "佐证材料": "文件"})
    assert result.accepted and result.fields["status"] == "已完成" and result.fields["progress"] == 100.0
    assert _row(**{"完成状态": "未开始"}).fields["progress"] == 0.0
    assert _row(**{"完成状态": "推进中"}).fields["progress"] is None


def test_done_needs_measures_and_evidence():
    result = _row(**{"完成状态": "已完成"})
    assert [(p.code, p.level, p.column) for p in result.problems] == [
        ("done.no_measures", ERROR, "工作举措及成效"), ("done.no_evidence", ERROR, "佐证材料")]
    on_site = _row(**{"完成状态": "已完成", "工作举措及成效": "做了", "材料提供方式": "实地核查时提供"})
    assert on_site.accepted
    attached = check_row("1", {"完成状态": "已完成", "工作举措及成效": "做了", "材料提供方式": "已附材料"}, {},
                         has_attachments=True)
    assert attached.accepted


def test_done_with_attached_material_but_no_files_says_so():
    """已附材料 chosen, no 佐证材料 listed and no file came with the return: the message says what is missing, not
    that no 材料提供方式 was given."""
    said = _row(**{"完成状态": "已完成", "工作举措及成效": "做了", "材料提供方式": "见附件1"})
    problem = next(p for p in said.problems if p.code == "done.no_evidence")
    assert not said.accepted and "已附材料" in problem.message and "未说明材料提供方式" not in problem.message
    silent = next(p for p in _row(**{"完成状态": "已完成", "工作举措及成效": "做了"}).problems
                  if p.code == "done.no_evidence")
    assert "未说明材料提供方式" in silent.message


def test_inconsistent_progress_is_a_warning_not_an_error():
    result = _row(**{"完成状态": "已完成", "完成进度(%)": 80, "工作举措及成效": "做了", "佐证材料": "文件"})
    assert result.accepted and [(p.code, p.level) for p in result.problems] == [("progress.done_below_100", WARNING)]
    problem = _row(**{"完成状态": "未启动", "完成进度(%)": "30%"}).problems[0]
    assert (problem.code, problem.level) == ("progress.not_started_above_0", WARNING)


def test_empty_status_with_other_content_is_an_error():
    result = _row(**{"工作举措及成效": "写了一些"})
    assert not result.accepted and [p.code for p in result.problems] == ["status.missing"]


def test_formula_without_cached_value_is_an_error_for_that_cell():
    result = check_row("1", {"完成状态": "推进中", "完成进度(%)": ""}, {"完成进度(%)": "I3"},
                       issues={"完成进度(%)": "nocache"}, formula={"完成进度(%)"})
    assert not result.accepted and [p.code for p in result.problems] == ["formula.no_cache"]
    assert result.cells["完成进度(%)"].level == ERROR and result.cells["完成进度(%)"].raw_type == "formula:empty"
    broken = check_row("1", {"完成状态": "推进中", "完成进度(%)": ""}, {}, issues={"完成进度(%)": "#DIV/0!"})
    assert [(p.code, p.column) for p in broken.problems] == [("formula.error_value", "完成进度(%)")]
    assert "#DIV/0!" in broken.problems[0].message


def test_control_characters_are_a_warning_and_removed():
    result = _row(**{"完成状态": "推进中", "存在问题": "人手\x07不足"})
    assert [(p.code, p.column) for p in result.problems] == [("text.control_chars", "存在问题")]
    assert result.fields["problems"] == "人手不足"


def test_every_row_rule_has_a_code_level_and_chinese_text():
    assert all(code == rule.code and "." in code for code, rule in ROW_RULES.items())
    assert {rule.level for rule in ROW_RULES.values()} <= {ERROR, WARNING, NOTE}  # NOTE: how a word was read
    assert all(rule.message and rule.fix for rule in ROW_RULES.values())


def test_raw_and_normalised_kept_side_by_side():
    result = _row(**{"完成状态": " 进行中 ", "完成进度(%)": "８０％"})
    cell = result.cells["完成进度(%)"]
    assert (cell.raw, cell.raw_type, cell.normalized) == ("８０％", "text", 80.0)


_PLAIN_ROWS = [  # status, progress, measures, target, evidence, mode, problems, next steps, owner
    ["已完成", 100, "召开推进会", "", "会议纪要", "已附材料", "", "持续推进", "张三"],
    ["已完成", 100.0, "召开推进会", "", "", "已附材料", "", "", ""],  # no evidence: without files an error
    ["已完成", 100, "", "", "会议纪要", "已附材料", "", "", ""],
    ["推进中", 60, "多行\n举措", "", "", "", "无", "下一步", ""],
    ["推进中", "60%", "举措", "", "", "", "", "", ""],
    ["推进中", 0.6, "举措", "", "", "", "", "", ""],
    ["推进中", 0.0, "举措", "", "", "", "", "", ""],
    ["推进中", -0.0, "举措", "", "", "", "", "", ""],
    ["推进中", "0.0", "举措", "", "", "", "", "", ""],
    ["未启动", 30, "", "", "", "", "", "", ""],
    ["未启动", "", "", "", "", "", "", "", ""],
    ["进行中", 50, "举措", "", "", "", "", "", ""],
    ["完成", 100, "举措", "", "材料", "附件", "", "", ""],
    ["", 50, "举措", "", "", "", "", "", ""],
    ["乱写", 50, "举措", "", "", "", "", "", ""],
    ["推进中", 150, "举措", "", "", "", "", "", ""],
    ["推进中", True, "举措", "", "", "", "", "", ""],
    ["推进中", 1, "举措", "", "", "", "", "", ""],
    ["推进中", 50, "举\x07措", "", "", "", "", "", ""],
    ["推进中", 50, 12345, "", "", "", "", "", ""],
    ["已完成", 100, "举措", "", "", "实地核查时提供", "", "", ""],
    ["已完成", 100, " 召开推进会 ", "", "会议纪要", "已附材料", "", "持续推进", "张三"],  # stripped: raw kept
    ["推进中", 60, "举措", "", "", "", "", "   ", ""],
]


@pytest.mark.parametrize("has_attachments", [False, True])
def test_plain_rows_are_checked_as_by_check_row(has_attachments):
    """check_plain_row (a row without formula problems, no percent formats) remembers the outcome of each
    combination of status, progress and mode: every row, seen once or again, gets check_row's result."""
    from reporting.cells import encode_raw
    from reporting.validate import check_plain_row, use_words
    from reporting.workbook_spec import FILL_COLUMNS

    use_words(None)
    cells = {"完成状态": "I7", "完成进度(%)": "J7", "工作举措及成效": "K7", "佐证材料": "M7"}
    told_plain = 0
    for _ in range(2):
        for values in _PLAIN_ROWS:
            plain = check_plain_row("7", list(values), cells, frozenset(), has_attachments)
            if plain.plain:  # every cell as typed is its normalised value: nothing for answers.raw
                told_plain += 1
                assert encode_raw(plain.raw, plain.normalized, frozenset(), FILL_COLUMNS) is None
            full = check_row("7", list(values), cells, has_attachments=has_attachments)
            assert plain.normalized == full.normalized
            assert [repr(v) for v in plain.normalized] == [repr(v) for v in full.normalized]
            assert plain.problems == full.problems and plain.flags == full.flags
            assert plain.accepted == full.accepted
    assert told_plain >= 5


def test_plain_values_agree_with_check_row_on_many_rows():
    """plain_values (the rows collect stores without making a RowResult) gives, for every row it tells, check_row's
    normalised values, no problem at all, and "as typed" only when answers.raw would keep nothing; it tells
    nothing (None) for rows with a problem, non-text free cells or control characters. Every mix of statuses,
    progress, modes and texts (spaces, line breaks, control characters, numbers, empties), seen twice."""
    import itertools

    from reporting.cells import encode_raw
    from reporting.validate import check_plain_row, plain_values, use_words
    from reporting.workbook_spec import FILL_COLUMNS

    use_words(None)
    cells = {"完成状态": "I7", "完成进度(%)": "J7", "工作举措及成效": "K7", "佐证材料": "M7"}
    statuses = ["已完成", "推进中", " 已完成", "进行中", "", "乱写", None]
    progresses = [100, 100.0, 60, "60", "60%", 0.0, -0.0, "", 150, None]
    modes = ["已附材料", "实地核查时提供", "", "附件", "其他"]
    texts = ["召开推进会", "", " 留空格 ", "多行\n举措", "含\x07控制", 12345, "无"]
    told = problems = 0
    for _ in range(2):
        for status, progress, mode, measures, evidence, plan in itertools.product(
                statuses, progresses, modes, texts, texts[:4], texts[2:5]):
            for has_attachments in (False, True):
                raw = [status, progress, measures, "", evidence, mode, "", plan, ""]
                full = check_row("7", list(raw), cells, has_attachments=has_attachments)
                found = plain_values(list(raw), has_attachments)
                check_plain_row("7", list(raw), cells, frozenset(), has_attachments)  # learns the combination
                if found is None:
                    problems += bool(full.problems)
                    continue
                told += 1
                normalized, as_typed = found
                assert not full.problems and full.accepted
                assert [repr(v) for v in normalized] == [repr(v) for v in full.normalized], raw
                if as_typed:  # answers.raw stored as NULL: it must keep nothing
                    assert encode_raw(raw, full.normalized, frozenset(), FILL_COLUMNS) is None, raw
    assert told > 1000 and problems > 1000


def test_plain_rows_tell_each_row_as_plain_values():
    """plain_rows (check_return's: a return's rows told a column at a time) gives each row what plain_values gives
    it, in returns mixing usual rows with rows of non-text cells, control characters, texts to strip, empties and
    problems, in any order and number; nothing for no rows."""
    import itertools
    import random

    from reporting.validate import check_plain_row, plain_rows, plain_values, use_words

    use_words(None)
    cells = {"完成状态": "I7", "完成进度(%)": "J7"}
    statuses = ["已完成", "推进中", " 已完成", "乱写", "", None]
    progresses = [100, 100.0, 60, "60%", 0.0, -0.0, "", None]
    modes = ["已附材料", "实地核查时提供", "", "其他"]
    texts = ["召开推进会", "", " 留空格 ", "多行\n举措", "含\x07控制", 12345, None]
    rows = [[status, progress, measures, target, evidence, mode, "", plan, owner]
            for status, progress, mode, measures, target, evidence, plan, owner in itertools.product(
                statuses, progresses, modes, texts, texts[:2] + texts[5:], texts[:4], texts[2:5], ["", "张三"])]
    for raw in rows:
        for has_attachments in (False, True):
            check_plain_row("7", list(raw), cells, frozenset(), has_attachments)  # learns the combinations
    rng = random.Random(17)
    told = not_told = 0
    for size in (1, 2, 7, 150):
        for _ in range(30):
            batch = [list(rng.choice(rows)) for _ in range(size)]
            for has_attachments in (False, True):
                expected = [plain_values(list(raw), has_attachments) for raw in batch]
                assert [repr(found) for found in plain_rows(batch, has_attachments)] == [repr(e) for e in expected]
                told += sum(e is not None for e in expected)
                not_told += sum(e is None for e in expected)
    usual = [row for row in rows if plain_values(list(row)) is not None]
    assert [repr(found) for found in plain_rows(usual)] == [repr(plain_values(list(row))) for row in usual]
    assert plain_rows([]) == []
    assert told > 300 and not_told > 1000 and len(usual) > 300
    # a blank row is never told, whatever was learnt (check_return asks LedgerRow.empty only of rows not told)
    blanks = [[blank] * 9 for blank in ("", " ", None, "\u3000", "\n")] + [["", "", " ", "", "", "", "", "", None]]
    assert plain_rows(blanks) == [None] * len(blanks)
