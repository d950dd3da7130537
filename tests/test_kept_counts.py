"""The counts kept in the store (figures.py, "Kept counts"): brought up to date by collect and confirm, and always
equal to counting the round's pairs from scratch."""

from __future__ import annotations

from datetime import datetime

from click.testing import CliRunner
from returns import ROUND, done, ongoing, record_round, write_return

from reporting.cli import main
from reporting.collect import collect_inbox
from reporting.figures import compute_figures, keep_counts
from reporting.store import connect, transaction

KEPT = ["kept_units", "kept_unit_counts", "kept_task_counts", "kept_task_tiers", "kept_texts"]


def _snapshot(conn, round_name: str = ROUND) -> dict[str, list[tuple]]:
    return {table: sorted(tuple(row) for row in conn.execute(f"SELECT * FROM {table} WHERE round = ?", (round_name,)))
            for table in KEPT}


def _kept_as_collect_left_them(ws) -> dict[str, list[tuple]]:
    """The kept counts as they are, after checking that nothing is left for a reader to bring up to date."""
    from reporting.figures import _changes

    conn = connect(ws.db_path)
    try:
        assert conn.execute("SELECT 1 FROM kept_rounds WHERE round = ?", (ROUND,)).fetchone()
        assert _changes(conn, ROUND) == []  # collect / confirm counted what they stored
        return _snapshot(conn)
    finally:
        conn.close()


def _from_scratch(ws) -> dict[str, list[tuple]]:
    """The counts worked out again from the pairs (inside a transaction that is rolled back)."""
    conn = connect(ws.db_path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM kept_rounds WHERE round = ?", (ROUND,))
        keep_counts(conn, ROUND)
        found = _snapshot(conn)
        conn.execute("ROLLBACK")
        return found
    finally:
        conn.close()


def _agree(ws) -> dict[str, list[tuple]]:
    kept = _kept_as_collect_left_them(ws)
    assert kept == _from_scratch(ws)
    return kept


def _unit(ws, name: str):
    conn = connect(ws.db_path)
    try:
        return next(u for u in compute_figures(conn, ROUND).units if u.unit == name)
    finally:
        conn.close()


def _start(ws) -> None:
    """A round as generate leaves it, read once (its counts are then kept from the pairs: none returned yet)."""
    record_round(ws)
    conn = connect(ws.db_path)
    compute_figures(conn, ROUND)
    conn.close()


def _run(ws, *args) -> str:
    result = CliRunner().invoke(main, [*args, "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    return result.output


def test_collect_keeps_the_counts_and_they_equal_a_count_from_scratch(ws):
    _start(ws)
    before = _agree(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": {"完成状态": "好"}},
                 saved=datetime(2026, 9, 20))
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"1": done(), "4": ongoing()}, saved=datetime(2026, 9, 21))
    collect_inbox(ws, receipts=False)
    after = _agree(ws)
    assert after != before
    finance = _unit(ws, "县财政局")
    assert (finance.completed, finance.ongoing, finance.needs_fix, finance.not_reported) == (1, 1, 1, 0)
    assert finance.progress_sum == 160
    police = _unit(ws, "县公安局")
    assert (police.completed, police.ongoing, police.not_reported) == (1, 1, 1)

    # collect again with nothing new: nothing changes
    collect_inbox(ws, receipts=False)
    assert _agree(ws) == after


def test_a_resent_return_replaces_the_older_one_in_the_counts(ws):
    _start(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": ongoing(), "2": ongoing(), "3": ongoing()},
                 saved=datetime(2026, 9, 20))
    collect_inbox(ws, receipts=False)
    first = _agree(ws)
    assert _unit(ws, "县财政局").ongoing == 3
    write_return(ws.inbox / "财政局-修改.xlsx", "县财政局", {"1": done(), "2": done(), "3": ongoing()},
                 saved=datetime(2026, 9, 25))
    collect_inbox(ws, receipts=False)
    second = _agree(ws)
    assert second != first
    finance = _unit(ws, "县财政局")
    assert (finance.completed, finance.ongoing, finance.progress_sum) == (2, 1, 260)


def test_held_returns_count_only_once_confirmed(ws):
    _start(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": done(), "3": done()},
                 saved=datetime(2026, 9, 28, 17, 0))
    collect_inbox(ws, receipts=False)
    accepted = _agree(ws)
    write_return(ws.inbox / "财政局-初稿.xlsx", "县财政局", {"1": ongoing()}, saved=datetime(2026, 9, 20, 9, 0))
    assert "待确认" in _run(ws, "collect")
    assert _agree(ws) == accepted  # held: replaces nothing
    assert _unit(ws, "县财政局").completed == 3
    _run(ws, "confirm", "inbox/财政局-初稿.xlsx")
    assert _agree(ws) != accepted
    finance = _unit(ws, "县财政局")
    assert (finance.completed, finance.ongoing, finance.not_reported) == (0, 1, 2)


def test_a_return_confirmed_as_another_unit_moves_its_counts(ws):
    _start(ws)
    write_return(ws.inbox / "县公安局台账.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": done()})
    assert "待确认" in _run(ws, "collect")
    _agree(ws)
    _run(ws, "confirm", "inbox/县公安局台账.xlsx", "--unit", "县公安局")
    _agree(ws)
    police = _unit(ws, "县公安局")
    assert (police.tasks, police.completed, police.not_reported, police.needs_fix) == (3, 1, 2, 0)
    assert _unit(ws, "县财政局").not_reported == _unit(ws, "县财政局").tasks


def test_generating_the_round_again_counts_it_again(ws):
    _start(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": done(), "3": done()})
    collect_inbox(ws, receipts=False)
    conn = connect(ws.db_path)
    with transaction(conn):  # what generate does: the round's row again, its assignments anew (one task fewer)
        conn.execute("INSERT OR REPLACE INTO rounds (name, due, campaign, generated_at) "
                     "SELECT name, due, campaign, generated_at FROM rounds WHERE name = ?", (ROUND,))
        conn.execute("DELETE FROM assignments WHERE round = ? AND unit = '县财政局' AND task_id = '3'", (ROUND,))
    assert conn.execute("SELECT 1 FROM kept_rounds WHERE round = ?", (ROUND,)).fetchone() is None
    finance = next(u for u in compute_figures(conn, ROUND).units if u.unit == "县财政局")
    conn.close()
    assert (finance.tasks, finance.completed) == (2, 2)
    assert _agree(ws)


def test_a_reader_brings_counts_up_to_date_when_returns_were_stored_without_them(ws):
    """A return stored by plain SQL (an older version of the tool, a bench): the first reader counts it."""
    _start(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": done(), "3": done()})
    collect_inbox(ws, receipts=False)
    assert _unit(ws, "县财政局").completed == 3
    conn = connect(ws.db_path)
    with transaction(conn):
        old = conn.execute("SELECT * FROM submissions WHERE unit = '县财政局'").fetchone()
        new = conn.execute("INSERT INTO submissions (file_hash, round, unit, recognized_by, read_at, verdict) "
                           "VALUES (?, ?, '县财政局', 'x', 'now', '已接收')", (old["file_hash"], ROUND)).lastrowid
        conn.execute("UPDATE submissions SET superseded_by = ? WHERE id = ?", (new, old["id"]))
        conn.executemany("INSERT INTO answers (submission_id, task_id, accepted, status, progress) "
                         "VALUES (?, ?, 1, ?, ?)",
                         [(new, "1", "推进中", 35.5), (new, "2", "已完成", 100), (new, "3", "未启动", 0)])
    conn.close()
    finance = _unit(ws, "县财政局")  # compute_figures counts it first
    assert (finance.completed, finance.ongoing, finance.not_started, finance.progress_sum) == (1, 1, 1, 135.5)
    assert _agree(ws)
