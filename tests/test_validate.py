"""Normalisation tables and row rules of validate.py (pure: no files)."""

from __future__ import annotations

import pytest

from reporting.validate import (
    check_row,
    chinese_number,
    clean_text,
    normalize_mode,
    normalize_progress,
    normalize_status,
)
from reporting.vocabulary import ERROR, WARNING


@pytest.mark.parametrize(("raw", "expected"), [
    ("已完成", "已完成"), ("完成", "已完成"), ("完成了", "已完成"), (" 已 完 成 ", "已完成"), ("已完成。", "已完成"),
    ("\u3000完成\u3000", "已完成"), ("推进中", "推进中"), ("进行中", "推进中"), ("正在推进", "推进中"),
    ("部分完成", "推进中"), ("未启动", "未启动"), ("未开始", "未启动"), ("尚未开展", "未启动"),
])
def test_status_words_people_write(raw, expected):
    assert normalize_status(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["done", "基本完成", "未完成", "1", "好"])
def test_unknown_status_is_an_error_quoting_the_value(raw):
    status, error = normalize_status(raw)
    assert status is None and f"「{raw}」" in error


def test_empty_status_is_neither():
    assert normalize_status("") == (None, None)
    assert normalize_status(None) == (None, None)


@pytest.mark.parametrize(("raw", "percent", "expected"), [
    (80, False, 80.0), ("80", False, 80.0), ("80%", False, 80.0), ("８０％", False, 80.0), (0.8, False, 80.0),
    ("0.8", False, 80.0), (0.8, True, 80.0), (1, True, 100.0), (1, False, 1.0), ("八十", False, 80.0),
    ("一百", False, 100.0), ("百分之八十", False, 80.0), ("八十五", False, 85.0), ("85.5", False, 85.5),
    (0, False, 0.0), ("0%", False, 0.0), ("100", False, 100.0), (100.0, False, 100.0), ("约80%", False, 80.0),
    ("0.5%", False, 0.5),
])
def test_progress_as_people_write_it(raw, percent, expected):
    assert normalize_progress(raw, percent) == (expected, None)


@pytest.mark.parametrize(("raw", "fragment"), [
    (120, "超出0–100"), (-5, "超出0–100"), ("150%", "超出0–100"), ("大部分", "不是数字"), ("八五", "不是数字"),
    (True, "不是数字"),
])
def test_progress_errors(raw, fragment):
    number, error = normalize_progress(raw)
    assert number is None and fragment in error


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
    assert normalize_mode("邮寄")[1] == "材料提供方式「邮寄」不在下拉选项中"


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
    messages = [p.message for p in result.problems if p.level == ERROR]
    assert "完成状态为已完成，但未填写工作举措及成效" in messages
    assert any("佐证材料" in m for m in messages)
    on_site = _row(**{"完成状态": "已完成", "工作举措及成效": "做了", "材料提供方式": "实地核查时提供"})
    assert on_site.accepted
    attached = check_row("1", {"完成状态": "已完成", "工作举措及成效": "做了", "材料提供方式": "已附材料"}, {},
                         has_attachments=True)
    assert attached.accepted


def test_inconsistent_progress_is_a_warning_not_an_error():
    result = _row(**{"完成状态": "已完成", "完成进度(%)": 80, "工作举措及成效": "做了", "佐证材料": "文件"})
    assert result.accepted and [p.level for p in result.problems] == [WARNING]
    assert _row(**{"完成状态": "未启动", "完成进度(%)": "30%"}).problems[0].level == WARNING


def test_empty_status_with_other_content_is_an_error():
    result = _row(**{"工作举措及成效": "写了一些"})
    assert not result.accepted and result.problems[0].message == "已填写其他内容，但完成状态为空"


def test_formula_without_cached_value_is_an_error_for_that_cell():
    result = check_row("1", {"完成状态": "推进中", "完成进度(%)": ""}, {"完成进度(%)": "I3"},
                       issues={"完成进度(%)": "nocache"}, formula={"完成进度(%)"})
    assert not result.accepted
    assert result.cells["完成进度(%)"].level == ERROR and result.cells["完成进度(%)"].raw_type == "formula:empty"


def test_raw_and_normalised_kept_side_by_side():
    result = _row(**{"完成状态": " 进行中 ", "完成进度(%)": "８０％"})
    cell = result.cells["完成进度(%)"]
    assert (cell.raw, cell.raw_type, cell.normalized) == ("８０％", "text", 80.0)
