"""collect end to end: idempotence, crash safety, supersession, receipts that come back fixed."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openpyxl
import pytest
from returns import ROUND, done, dump_store, ongoing, record_round, write_return

from reporting.collect import collect_inbox
from reporting.errors import WorkspaceError
from reporting.store import connect, workspace_lock
from reporting.workspace import Workspace


def _inbox_hashes(ws: Workspace) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in ws.inbox.rglob("*") if p.is_file()}


def _fill_inbox(ws: Workspace, count: int = 4) -> None:
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": {"完成状态": "好"}},
                 mtime=1_789_000_000)
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"1": done(), "4": ongoing(), "5": done()},
                 mtime=1_789_000_010)
    write_return(ws.inbox / "甲镇.xlsx", "甲镇人民政府", {"2": ongoing()}, mtime=1_789_000_020)
    (ws.inbox / "坏文件.xlsx").write_bytes(b"not a workbook")


def test_collect_twice_gives_the_same_store_and_leaves_inbox_alone(ws):
    record_round(ws)
    _fill_inbox(ws)
    before = _inbox_hashes(ws)
    first = collect_inbox(ws, receipts=False)
    dump = dump_store(ws)
    second = collect_inbox(ws, receipts=False)
    assert dump_store(ws) == dump
    assert _inbox_hashes(ws) == before
    assert len(first.returns) == 3 and second.returns == [] and second.unchanged == 3
    assert [f.name for f in second.failed] == ["inbox/坏文件.xlsx"]  # still reported until the unit resends


def test_a_later_file_supersedes_and_both_stay(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": ongoing()}, mtime=1_789_000_000)
    write_return(ws.inbox / "财政局-修改.xlsx", "县财政局", {"1": done()}, mtime=1_789_000_500)
    result = collect_inbox(ws, receipts=False)
    first, second = sorted(result.returns, key=lambda r: r.submission_id)
    assert second.superseded == first.submission_id
    write_return(ws.inbox / "财政局-再改.xlsx", "县财政局", {"1": done(), "2": ongoing()}, mtime=1_700_000_000)
    # its file time is older, but its own save time (document properties, written last) is the newest
    third = collect_inbox(ws, receipts=False).returns[0]
    conn = connect(ws.db_path)
    rows = {r["id"]: r["superseded_by"] for r in conn.execute("SELECT id, superseded_by FROM submissions")}
    assert rows == {first.submission_id: third.submission_id, second.submission_id: third.submission_id,
                    third.submission_id: None}


def test_second_collect_waits_then_refuses(ws, monkeypatch):
    import reporting.collect as collect_module

    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()})
    monkeypatch.setattr(collect_module, "workspace_lock", lambda root: workspace_lock(root, wait_seconds=0.3))
    with workspace_lock(ws.root), pytest.raises(WorkspaceError, match="另一个 reporting 命令正在处理"):
        collect_inbox(ws, receipts=False)
    assert collect_inbox(ws, receipts=False).returns[0].unit == "县财政局"


def test_no_round_generated_yet(ws):
    with pytest.raises(WorkspaceError, match="尚未生成任何轮次的台账"):
        collect_inbox(ws)


_KILL_SCRIPT = textwrap.dedent("""
    import signal, sys, time
    # as a run started from a terminal: Ctrl-C not ignored nor held back, whatever the test runner inherited
    # (a shell without job control starts background jobs with SIGINT ignored, and children inherit that)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    import reporting.collect as c
    original = c._store_return
    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(0.2)  # wide enough a window that a test process starved on a loaded machine still hits it
        return result
    c._store_return = slow
    from reporting.workspace import Workspace
    c.collect_inbox(Workspace(sys.argv[1]), receipts=False)
""")


def test_sigkill_mid_run_then_again_equals_an_uninterrupted_run(tmp_path):
    def kill(process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait()

    _interrupted_then_again(tmp_path, kill)


def test_ctrl_c_mid_run_stops_every_process_then_again_equals_an_uninterrupted_run(tmp_path):
    def ctrl_c(process: subprocess.Popen) -> None:  # a terminal sends SIGINT to the whole process group
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=30) != 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the worker processes are gone with it
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError("worker processes outlived Ctrl-C")

    _interrupted_then_again(tmp_path, ctrl_c)


def _interrupted_then_again(tmp_path: Path, interrupt) -> None:
    """40 returns (enough for worker processes), collected once calmly and once interrupted then re-run."""
    from reporting.workspace_init import init_workspace

    source = tmp_path / "收到的文件"
    for i in range(40):
        unit = ["县财政局", "县公安局", "甲镇人民政府", "乙镇人民政府"][i % 4]
        tasks = {"县财政局": "1", "县公安局": "4", "甲镇人民政府": "2", "乙镇人民政府": "3"}[unit]
        write_return(source / f"第{i:02d}份.xlsx", unit, {tasks: ongoing(**{"完成进度(%)": i + 1})},
                     mtime=1_789_000_000 + i)

    def make(name: str) -> Workspace:
        ws = init_workspace(tmp_path / name)
        record_round(ws)
        for path in source.iterdir():
            shutil.copy2(path, ws.inbox / path.name)
        return ws

    calm, killed = make("一次跑完"), make("中途被杀")
    collect_inbox(calm, receipts=False)
    script = tmp_path / "slow_collect.py"
    script.write_text(_KILL_SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen([sys.executable, str(script), str(killed.root)], env=env, start_new_session=True,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if killed.db_path.exists() and _submissions(killed) >= 5:
            break
        time.sleep(0.05)
    interrupt(process)
    done_before = _submissions(killed)
    assert 0 < done_before < 40
    collect_inbox(killed, receipts=False)
    assert dump_store(killed) == dump_store(calm)


def test_worker_processes_store_exactly_what_one_process_does(tmp_path, monkeypatch):
    import reporting.collect_read as collect_read
    import reporting.receipts as receipts
    from reporting.workspace_init import init_workspace

    pytest.importorskip("reporting.workbook")
    source = tmp_path / "收到的文件"
    for i in range(10):
        unit = ["县财政局", "县公安局", "甲镇人民政府", "乙镇人民政府"][i % 4]
        tasks = {"县财政局": "1", "县公安局": "4", "甲镇人民政府": "2", "乙镇人民政府": "3"}[unit]
        write_return(source / f"第{i:02d}份.xlsx", unit, {tasks: ongoing(**{"完成进度(%)": i + 1}), "9": done()},
                     mtime=1_789_000_000 + i)
    shutil.copy2(source / "第03份.xlsx", source / "第03份-重发.xlsx")
    (source / "坏文件.xlsx").write_bytes(b"not a workbook")

    def collect_copy(name: str, workers: int) -> Workspace:
        ws = init_workspace(tmp_path / name)
        record_round(ws)
        for path in source.iterdir():
            shutil.copy2(path, ws.inbox / path.name)
        collect_inbox(ws, workers=workers)
        return ws

    alone = collect_copy("一个进程", 1)
    for module in (collect_read, receipts):
        monkeypatch.setattr(module, "POOL_THRESHOLD", 2)
        monkeypatch.setattr(module, "START_METHOD", "spawn")  # what Windows does: workers get plain data only
    pooled = collect_copy("多个进程", 2)
    assert dump_store(pooled) == dump_store(alone)
    assert _receipts(pooled) == _receipts(alone) == ["乙镇人民政府.xlsx", "县公安局.xlsx", "县财政局.xlsx",
                                                     "甲镇人民政府.xlsx"]


def _receipts(ws: Workspace) -> list[str]:
    return sorted(p.name for p in (ws.round_dir(ROUND) / "回执").iterdir())


def _submissions(ws: Workspace) -> int:
    try:
        conn = connect(ws.db_path)
        try:
            return conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        finally:
            conn.close()
    except Exception:
        return 0


def test_receipt_round_trip(ws):
    pytest.importorskip("reporting.workbook")
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局",
                 {"1": done(佐证材料=None), "2": ongoing(**{"完成进度(%)": "大半"}), "3": ongoing()},
                 liaison={"联络员": "张三", "手机": "13800138000"}, mtime=1_789_000_000)
    first = collect_inbox(ws).returns[0]
    assert first.errors == 2 and first.verdict == "退回修改，2 处错误"
    receipt = ws.round_dir(ROUND) / "回执" / "县财政局.xlsx"
    book = openpyxl.load_workbook(receipt)
    sheet = book["工作台账"]
    header = {cell.value: cell.column for cell in sheet[2]}
    rows = {sheet.cell(r, header["任务编号"]).value: r for r in range(3, sheet.max_row + 1)}
    problem_sheet = book["问题清单"]
    listed = [row[2] for row in problem_sheet.iter_rows(min_row=2, values_only=True)]
    assert any("大半" in (problem_sheet.cell(r, 2).value or "") for r in range(2, problem_sheet.max_row + 1))
    assert any("佐证材料" in (text or "") for text in listed)
    assert sheet.cell(rows["2"], header["完成进度(%)"]).comment is not None
    assert sheet.cell(rows["1"], header["完成状态"]).value == "已完成"
    assert book["联络员信息"]["C2"].value == "张三"
    sheet.cell(rows["1"], header["佐证材料"]).value = "方案、清单"
    sheet.cell(rows["2"], header["完成进度(%)"]).value = 70
    fixed = ws.inbox / "县财政局-回执已修改.xlsx"
    book.save(fixed)
    os.utime(fixed, (1_789_001_000, 1_789_001_000))
    again = collect_inbox(ws).returns[0]
    assert (again.unit, again.errors, again.superseded) == ("县财政局", 0, first.submission_id)
    assert again.recognized_by in ("文档属性", "识别信息表")
    conn = connect(ws.db_path)
    row = conn.execute("SELECT receipt FROM submissions WHERE id = ?", (again.submission_id,)).fetchone()
    assert row["receipt"].endswith("回执/县财政局.xlsx")


def test_receipts_left_unwritten_by_a_crash_are_written_next_time(ws):
    pytest.importorskip("reporting.workbook")
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()})
    collect_inbox(ws, receipts=False)
    receipt = ws.round_dir(ROUND) / "回执" / "县财政局.xlsx"
    assert not receipt.exists()
    assert collect_inbox(ws).receipts == [receipt]
    assert collect_inbox(ws).receipts == []


def test_a_receipt_left_half_written_by_ctrl_c_is_cleared_next_time(ws):
    pytest.importorskip("reporting.workbook")
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()})
    folder = ws.round_dir(ROUND) / "回执"
    folder.mkdir(parents=True)
    (folder / ".~tmp-abcdefgh.xlsx").write_bytes(b"PK")  # a worker ended mid-write
    collect_inbox(ws)
    assert sorted(p.name for p in folder.iterdir()) == ["县财政局.xlsx"]


def test_the_unit_a_file_name_names_is_the_longest_listed_whether_names_or_substrings_are_searched():
    """contained_name looks each substring of a short key up among many names, and searches each name in a
    long key: both give the first name, longest first, of two characters or more that the key contains."""
    from reporting.collect_match import RoundInfo

    names = {f"测试县第{i:04d}号单位": f"单位{i}" for i in range(300)}
    names.update({"县财政局": "县财政局", "财政局": "县财政局", "县财": "县财政局", "局": "县财政局"})
    info = RoundInfo("轮次", None, "", {}, None, names)  # type: ignore[arg-type]

    def scanned(key: str) -> str | None:
        return next((n for n in info.longest_first() if len(n) >= 2 and n in key), None)

    keys = ["县财政局报送", "财政局", "测试县第0123号单位已填", "第0123号", "局", "", "无关的名字",
            "测试县第0007号单位与县财政局" * 20]  # the last is long enough to search each name instead
    for key in keys:
        assert info.contained_name(key) == scanned(key)
    assert info.contained_name("县财政局报送") == "县财政局"
    assert info.contained_name("测试县第0123号单位已填") == "测试县第0123号单位"
    assert info.contained_name("局") is None


@pytest.mark.parametrize("count", [1, 49, 50, 51, 150, 173])
def test_answers_go_in_many_rows_to_a_statement_as_executemany_put_them(count):
    """collect._insert_answers (INSERT … VALUES (…), (…) in chunks) stores what one executemany did: the same rows in
    the same order, None as NULL, whatever the count against the chunk size."""
    import sqlite3

    from reporting import collect

    columns = collect._ANSWER_COLUMNS
    rows = [(f"{n}", n % 2, "推进中" if n % 3 else None, float(n % 101), *([f"文字{n}", None] * 20))[:len(columns) - 1]
            for n in range(count)]
    made, expected = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for conn in (made, expected):
        conn.execute(f"CREATE TABLE answers ({', '.join(columns)})")
    collect._insert_answers(made, 7, rows)
    expected.executemany(f"INSERT INTO answers VALUES ({', '.join('?' * len(columns))})", [(7, *row) for row in rows])
    query = "SELECT * FROM answers ORDER BY rowid"
    assert made.execute(query).fetchall() == expected.execute(query).fetchall()
    nulls = made.execute("SELECT count(*) FROM answers WHERE status IS NULL").fetchone()[0]
    assert nulls == sum(1 for n in range(count) if n % 3 == 0)  # None bound as NULL, not as NaN or text
