"""reporting.toml as coordinators save it: Notepad's BOM, GBK, dates written the Chinese way, wrong types;
and the current round written back without touching the rest of the file."""

from __future__ import annotations

from datetime import date

import pytest

from reporting.workspace import SettingsError, Workspace, find_workspace

TEXT = """# 我的说明
["活动"]
"名称" = "某县法治政府建设示范创建"
"落款单位" = "某县司法局"

["轮次"]
"名称" = "2026年第三季度"
"截止日期" = "2026-09-30"

["邮件"]
"服务器" = "smtp.example.cn"
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_settings_saved_by_notepad_are_read(tmp_path, encoding):
    (tmp_path / "reporting.toml").write_bytes(TEXT.encode(encoding))
    settings = Workspace(tmp_path).settings()
    assert settings.campaign == "某县法治政府建设示范创建" and settings.signers == ["某县司法局"]
    assert settings.round_due == date(2026, 9, 30)


@pytest.mark.parametrize(("line", "named"), [
    ('"截止日期" = "2018年1月15号"', '[轮次] 截止日期 = "2018年1月15号" 不对，应为日期'),
    ('"截止日期" = 20180115', "[轮次] 截止日期 = 20180115 不对，应为日期"),
    ('"名称" = 2026', "[轮次] 名称 = 2026 不对，应为文字"),
])
def test_a_wrong_value_names_key_value_and_form(tmp_path, line, named):
    text = TEXT.replace('"截止日期" = "2026-09-30"', line) if "截止" in line else TEXT.replace(
        '"名称" = "2026年第三季度"', line)
    (tmp_path / "reporting.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        Workspace(tmp_path).settings()
    assert str(caught.value).startswith("reporting.toml：") and named in str(caught.value)


def test_a_chinese_date_is_a_date(tmp_path):
    (tmp_path / "reporting.toml").write_text(TEXT.replace("2026-09-30", "2018年1月15日"), encoding="utf-8")
    assert Workspace(tmp_path).settings().round_due == date(2018, 1, 15)


def test_a_broken_line_says_where_in_chinese(tmp_path):
    (tmp_path / "reporting.toml").write_text(TEXT.replace('"名称" = "2026年第三季度"', "名称 2026年第三季度"),
                                             encoding="utf-8")
    with pytest.raises(SettingsError, match="第 7 行"):
        Workspace(tmp_path).settings()


def test_setting_the_current_round_keeps_the_rest(tmp_path):
    (tmp_path / "reporting.toml").write_bytes(TEXT.encode("utf-8-sig"))
    ws = Workspace(tmp_path)
    ws.set_current_round("2026年第四季度", date(2026, 12, 31))
    text = ws.settings_path.read_text(encoding="utf-8")
    assert "# 我的说明" in text and '"服务器" = "smtp.example.cn"' in text
    assert ws.settings().round_name == "2026年第四季度" and ws.settings().round_due == date(2026, 12, 31)
    ws.set_current_round("2027年第一季度", None)  # the last round's date is not this one's
    assert ws.settings().round_name == "2027年第一季度" and ws.settings().round_due is None


def test_the_workspace_is_found_upward(tmp_path):
    (tmp_path / "reporting.toml").write_text(TEXT, encoding="utf-8")
    deep = tmp_path / "inbox" / "十月"
    deep.mkdir(parents=True)
    assert find_workspace(deep) == tmp_path.resolve()


def test_the_word_list_section(tmp_path):
    (tmp_path / "reporting.toml").write_text(TEXT + '\n["词表"]\n"推进中" = ["按时序推进", "正在攻坚"]\n'
                                             '"情况说明" = "另附说明、书面报告"\n', encoding="utf-8")
    assert Workspace(tmp_path).settings().words == {"推进中": ["按时序推进", "正在攻坚"],
                                                    "情况说明": ["另附说明", "书面报告"]}
    (tmp_path / "reporting.toml").write_text(TEXT + '\n["词表"]\n"差不多" = ["基本完成"]\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="「差不多」不是可选的填报值"):
        Workspace(tmp_path).settings()
