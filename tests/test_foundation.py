"""Workspace, naming, store, ledger and roster: the ground every stage stands on."""

from __future__ import annotations

import sqlite3
from datetime import date

import openpyxl
import pytest

from reporting.errors import LedgerError, WorkspaceError
from reporting.models import GROUP_CATEGORY, LONG_TERM, Task, Unit
from reporting.naming import file_stem, sheet_name
from reporting.roster import Roster, draft_units, read_roster, write_roster
from reporting.store import SCHEMA_VERSION, connect, transaction, workspace_lock
from reporting.task_ledger import COLUMNS, ledger_was_edited, read_ledger, write_ledger
from reporting.workspace import Settings, Workspace
from reporting.workspace_init import init_workspace


def test_sheet_name_follows_excel_rules():
    assert sheet_name("a[b]:c*d?e/f\\g") == "a_b__c_d_e_f_g"
    assert len(sheet_name("很" * 40)) == 31
    assert sheet_name("  ") == "Sheet"


def test_file_stem_is_safe_on_windows():
    assert file_stem('县财政局:"台账"<1>|?') == "县财政局__台账__1___"
    long = file_stem("局" * 300)  # cut to fit a file name (255 bytes), with a digest keeping it unique
    assert len(long.encode()) <= 150 and long != file_stem("局" * 299 + "处") and long.startswith("局" * 40)
    assert file_stem("CON") == "CON_"
    assert file_stem("...") == "未命名"


def test_init_makes_a_workspace_and_refuses_twice(tmp_path):
    ws = init_workspace(tmp_path / "县司法局", campaign="某县法治政府建设示范创建")
    assert ws.settings().campaign == "某县法治政府建设示范创建"
    assert ws.inbox.is_dir() and ws.outbox.is_dir() and ws.roster_path.exists()
    with pytest.raises(WorkspaceError, match="已是工作目录"):
        init_workspace(tmp_path / "县司法局")


def test_settings_round_trip(tmp_path):
    ws = Workspace(tmp_path)
    ws.save_settings(Settings(campaign='甲县"示范"创建', signers=["甲县司法局", "甲县法治办"],
                              round_name="2026年第四季度", round_due=date(2026, 12, 31)))
    again = ws.settings()
    assert again.campaign == '甲县"示范"创建'
    assert again.signers == ["甲县司法局", "甲县法治办"]
    assert again.round_due == date(2026, 12, 31)


def test_broken_settings_name_the_file(tmp_path):
    (tmp_path / "reporting.toml").write_text("[活动\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"reporting\.toml"):
        Workspace(tmp_path).settings()


def _tasks() -> list[Task]:
    return [
        Task(id="1", text="全面清理行政审批事项。", path=["(一)依法全面履行政府职能", "1.深化改革"],
             lead=["县编办"], responsible=["各镇政府"], deadline="2019-12-31", targets=["网上可办率≥80%"],
             notes=["完成时限按全文默认"], warnings=["括号未闭合"]),
        Task(id="2", text="长期任务", path=["(一)依法全面履行政府职能"], responsible=["县司法局"], deadline=LONG_TERM),
    ]


def test_ledger_round_trip_keeps_every_field(tmp_path):
    path = tmp_path / "任务分解表.xlsx"
    write_ledger(_tasks(), path)
    sheet = openpyxl.load_workbook(path)["任务分解表"]
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.freeze_panes == "A2"
    assert sheet.page_setup.orientation == "landscape"
    back = read_ledger(path)
    assert back[0].lead == ["县编办"] and back[0].responsible == ["各镇政府"]
    assert back[0].deadline == "2019-12-31" and back[1].deadline == LONG_TERM
    assert back[0].warnings == ["括号未闭合"] and back[0].notes == ["完成时限按全文默认"]
    assert back[0].path == ["(一)依法全面履行政府职能", "1.深化改革"]
    assert not ledger_was_edited(path)


def test_ledger_edit_is_detected(tmp_path):
    path = tmp_path / "任务分解表.xlsx"
    write_ledger(_tasks(), path)
    book = openpyxl.load_workbook(path)
    book["任务分解表"]["G3"] = "县司法局、县法院"
    book.save(path)
    assert ledger_was_edited(path)


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [("E2", None, "第2行：工作任务为空"), ("A3", "1", "任务编号 1 与第2行重复"), ("A1", "编号", "缺少表头：任务编号"),
     ("H2", "明年", "完成时限「明年」无法识别")],
)
def test_bad_ledger_names_sheet_and_row(tmp_path, cell, value, message):
    path = tmp_path / "任务分解表.xlsx"
    write_ledger(_tasks(), path)
    book = openpyxl.load_workbook(path)
    book["任务分解表"][cell] = value
    book.save(path)
    with pytest.raises(LedgerError, match=message) as raised:
        read_ledger(path)
    assert "「任务分解表」" in str(raised.value)


def test_roster_draft_groups_collectives_and_folds_variants():
    tasks = [Task(id="1", text="x", lead=["政府法制办"], responsible=["各镇政府", "县政府相关工作部门"]),
             Task(id="2", text="y", lead=["县政府法制办", "县编办"], responsible=["县人社局(公务员局)"])]
    units = {u.name: u for u in draft_units(tasks)}
    assert units["各镇政府"].category == GROUP_CATEGORY
    assert units["县政府相关工作部门"].category == GROUP_CATEGORY
    assert "政府法制办" not in units and units["县政府法制办"].aliases == ["政府法制办"]
    assert "县人社局(公务员局)" in units


def test_roster_keeps_coordinator_rows_on_redraft():
    existing = [Unit(name="县编办", liaison="张三", phone="123")]
    units = draft_units([Task(id="1", text="x", lead=["县编办", "县财政局"])], existing)
    assert [u.name for u in units] == ["县编办", "县财政局"]
    assert units[0].liaison == "张三"


def test_roster_resolves_names_aliases_groups(tmp_path):
    path = tmp_path / "单位名册.xlsx"
    write_roster([
        Unit(name="各镇政府", category=GROUP_CATEGORY, aliases=["各乡镇"]),
        Unit(name="甲镇人民政府", aliases=["甲镇"], groups=["各镇政府"]),
        Unit(name="乙镇人民政府", groups=["各镇政府"]),
        Unit(name="县司法局", aliases=["司法局"]),
    ], path)
    roster = Roster(read_roster(path))
    assert roster.resolve("县司法局").units == ["县司法局"]
    assert roster.resolve("司法局").via == "别名"
    assert roster.resolve("各乡镇").units == ["甲镇人民政府", "乙镇人民政府"]
    missing = roster.resolve("县司法厅")
    assert missing.units == [] and missing.suggestions[0] == "县司法局"


def test_store_migrates_and_rolls_back(tmp_path):
    conn = connect(tmp_path / "reporting.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO rounds (name) VALUES ('一季度')")
        raise RuntimeError("crash mid-write")
    assert conn.execute("SELECT COUNT(*) FROM rounds").fetchone()[0] == 0
    conn.close()


def test_store_from_a_newer_tool_is_refused(tmp_path):
    raw = sqlite3.connect(tmp_path / "reporting.db")
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(WorkspaceError, match="更新版本"):
        connect(tmp_path / "reporting.db")


def test_workspace_lock_refuses_a_second_holder(tmp_path):
    with workspace_lock(tmp_path), pytest.raises(WorkspaceError, match="正在处理"), workspace_lock(
        tmp_path, wait_seconds=0.3
    ):
        pass
