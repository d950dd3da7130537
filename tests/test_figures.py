"""The figures of a round against values worked out by hand from PRODUCT.md's definitions."""

from __future__ import annotations

from datetime import date

import pytest

from reporting.errors import WorkspaceError
from reporting.figures import compute_figures
from reporting.store import connect, dumps
from reporting.vocabulary import STATE_NEEDS_FIX, STATE_NOT_REPORTED


@pytest.fixture
def conn(tmp_path):
    conn = connect(tmp_path / "reporting.db")
    conn.execute("INSERT INTO rounds (name, due, campaign, generated_at) "
                 "VALUES ('2026年中期', '2026-06-30', '某县示范创建', '2026-05-01T00:00:00')")
    tasks = [("1", 1, "(一)职能", "2026-03-31", ["甲局"]), ("2", 2, "(一)职能", "长期", ["甲局"]),
             ("3", 3, "(二)决策", "2026-12-31", ["乙镇"])]
    for task_id, seq, area, deadline, lead in tasks:
        conn.execute("INSERT INTO round_tasks (round, task_id, seq, area, text, lead, deadline, fingerprint) "
                     "VALUES ('2026年中期', ?, ?, ?, ?, ?, ?, 'fp')",
                     (task_id, seq, area, f"任务{task_id}", dumps(lead), deadline))
    assignments = [("甲局", "1", "牵头"), ("甲局", "2", "牵头"), ("乙镇", "1", "责任"), ("乙镇", "3", "牵头"),
                   ("丙镇", "1", "责任"), ("丙镇", "3", "责任")]
    conn.executemany("INSERT INTO assignments (round, unit, task_id, role) VALUES ('2026年中期', ?, ?, ?)",
                     assignments)
    conn.execute("INSERT INTO units (name, liaison, phone) VALUES ('丙镇', '王五', '139')")
    for name in ("a", "b", "c"):
        conn.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) "
                     "VALUES (?, ?, 'inbox/x', 'archive/x', 1, 'now', 'read')", (name, f"{name}.xlsx"))
    # 甲局: an early return (superseded: its 未启动 must not count) and the latest one, all accepted.
    submissions = [(1, "a", "甲局", "退回修改", 1, 2), (2, "b", "甲局", "已接收", 0, None),
                   (3, "c", "乙镇", "退回修改", 1, None)]
    for sid, file_hash, unit, verdict, errors, superseded in submissions:
        conn.execute("INSERT INTO submissions (id, file_hash, round, unit, recognized_by, read_at, verdict, errors, "
                     "superseded_by) VALUES (?, ?, '2026年中期', ?, '识别信息', '2026-06-01', ?, ?, ?)",
                     (sid, file_hash, unit, verdict, errors, superseded))
    answers = [(1, "1", 1, "未启动", 0), (2, "1", 1, "已完成", 100), (2, "2", 1, "推进中", 60),
               (3, "1", 0, "完成", None)]  # 乙镇 row 1 has an error; its row 3 is missing
    conn.executemany("INSERT INTO answers (submission_id, task_id, accepted, status, progress, sheet, row) "
                     "VALUES (?, ?, ?, ?, ?, '工作台账', 3)", answers)
    return conn


def test_pair_states_follow_the_latest_return(conn):
    figures = compute_figures(conn, "2026年中期")
    state = {(p.unit, p.task_id): p.state for p in figures.pairs}
    assert state == {("甲局", "1"): "已完成", ("甲局", "2"): "推进中", ("乙镇", "1"): STATE_NEEDS_FIX,
                     ("乙镇", "3"): STATE_NOT_REPORTED, ("丙镇", "1"): STATE_NOT_REPORTED,
                     ("丙镇", "3"): STATE_NOT_REPORTED}


def test_rates_count_units_that_did_not_return(conn):
    figures = compute_figures(conn, "2026年中期")
    assert figures.units_expected == 3 and figures.units_returned == 2
    assert figures.return_rate == pytest.approx(2 / 3)
    assert figures.completion_rate == pytest.approx(1 / 6)
    assert figures.total.average_progress == pytest.approx(160 / 6)


def test_overdue_uses_the_due_date_unless_as_of_is_given(conn):
    at_due = compute_figures(conn, "2026年中期")
    overdue = {(p.unit, p.task_id) for p in at_due.pairs if p.overdue}
    # task 1 due 03-31; 甲局 finished it; 丙镇 did not return (未报送, never overdue); 长期 never overdue
    assert overdue == {("乙镇", "1")}
    assert {(p.unit, p.task_id, p.state) for p in at_due.pairs if p.unit == "丙镇"} >= {("丙镇", "1", "未报送")}
    later = compute_figures(conn, "2026年中期", as_of=date(2027, 1, 1))  # task 3 late too, but 未报送 by all
    assert {(p.unit, p.task_id) for p in later.pairs if p.overdue} == overdue
    earlier = compute_figures(conn, "2026年中期", as_of=date(2026, 3, 1))
    assert not any(p.overdue for p in earlier.pairs)


def test_unit_task_and_area_figures(conn):
    figures = compute_figures(conn, "2026年中期")
    units = {u.unit: u for u in figures.units}
    assert (units["甲局"].completed, units["甲局"].tasks, units["甲局"].verdict) == (1, 2, "已接收")
    assert units["乙镇"].needs_fix == 1 and units["乙镇"].not_reported == 1 and not units["乙镇"].accepted
    assert not units["丙镇"].returned and units["丙镇"].liaison == "王五"
    tasks = {t.task_id: t for t in figures.tasks}
    assert tasks["1"].completion_rate == pytest.approx(1 / 3) and not tasks["1"].done
    assert tasks["1"].lead_state == "已完成" and tasks["3"].lead_state == STATE_NOT_REPORTED
    areas = {a.area: a for a in figures.areas}
    assert (areas["(一)职能"].tasks, areas["(一)职能"].completed) == (4, 1)
    assert (areas["(二)决策"].units_expected, areas["(二)决策"].units_returned) == (2, 1)


def test_unknown_round_says_what_to_run(conn):
    with pytest.raises(WorkspaceError, match="reporting generate"):
        compute_figures(conn, "2027年")


def test_sql_tallies_equal_a_count_of_the_pairs(tmp_path):
    """The GROUP BY tallies and the orders of units and areas are what counting the streamed pairs one by one
    gives, on a round with returns missing, rows missing, rows in error and a held return."""
    import random

    from reporting.figures import Tally

    rng = random.Random(3)
    conn = connect(tmp_path / "reporting.db")
    conn.execute("INSERT INTO rounds (name, due, generated_at) VALUES ('轮', '2026-06-30', '2026-01-01')")
    units = [f"单位{i:02d}" for i in range(12)]
    for seq in range(1, 31):
        conn.execute("INSERT INTO round_tasks (round, task_id, seq, area, text, lead, deadline, fingerprint) "
                     "VALUES ('轮', ?, ?, ?, 't', ?, ?, 'fp')",
                     (f"T{seq}", seq, f"领域{(seq * 7) % 4}", dumps([units[seq % 12]]),
                      rng.choice(["2026-03-01", "2026-12-01", "长期", None])))
        for unit in rng.sample(units, 8):
            conn.execute("INSERT INTO assignments VALUES ('轮', ?, ?, ?)",
                         (unit, f"T{seq}", "牵头" if unit == units[seq % 12] else "责任"))
    conn.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) "
                 "VALUES ('h', 'x.xlsx', 'i', 'a', 1, 'now', 'read')")
    for sid, unit in enumerate(units[:10], start=1):
        conn.execute("INSERT INTO submissions (id, file_hash, round, unit, recognized_by, read_at, verdict, errors, "
                     "hold) VALUES (?, 'h', '轮', ?, 'x', 'now', 'v', 0, ?)", (sid, unit, "待确认" if sid == 9 else ""))
        for seq in range(1, 31):
            if rng.random() < 0.8:
                conn.execute("INSERT INTO answers (submission_id, task_id, accepted, status, progress) "
                             "VALUES (?, ?, ?, ?, ?)", (sid, f"T{seq}", int(rng.random() < 0.9),
                                                        rng.choice(["已完成", "推进中", "未启动", "完成"]),
                                                        rng.choice([None, 0, 35.5, 60, 100])))
    figures = compute_figures(conn, "轮")
    total, by_unit, by_task, by_area = Tally(), {}, {}, {}
    for pair in figures.pairs:
        counts = Tally(tasks=1, progress_sum=pair.progress or 0.0, overdue=int(pair.overdue),
                       **{dict(zip(["已完成", "推进中", "未启动", "待修改", "未报送"],
                                   ["completed", "ongoing", "not_started", "needs_fix", "not_reported"],
                                   strict=True))[pair.state]: 1})
        for tally in (total, by_unit.setdefault(pair.unit, Tally()), by_task.setdefault(pair.task_id, Tally()),
                      by_area.setdefault(pair.area, Tally())):
            tally.add(counts)
    fields = ["tasks", "completed", "ongoing", "not_started", "needs_fix", "not_reported", "overdue"]

    def same(a, b) -> bool:
        return all(getattr(a, f) == getattr(b, f) for f in fields) and a.progress_sum == pytest.approx(b.progress_sum)

    assert total.overdue and total.needs_fix and total.not_reported and same(figures.total, total)
    assert [u.unit for u in figures.units] == list(by_unit)
    assert [a.area for a in figures.areas] == list(by_area)
    assert [t.task_id for t in figures.tasks] == list(by_task)
    assert all(same(u, by_unit[u.unit]) for u in figures.units)
    assert all(same(t, by_task[t.task_id]) for t in figures.tasks)
    assert all(same(a, by_area[a.area]) for a in figures.areas)
