"""The figures of a round, with one meaning everywhere (terminal, JSON, workbooks, report).

Definitions (PRODUCT.md, "Verdicts and figures"):
- The latest return of a unit for a round (the newest by its own save time, latest.py) replaces the earlier
  ones. A unit has returned (已报送) when any return of it for the round was read, accepted or not, except
  a blank one (空表) and one held as 待确认.
- A (unit, task) pair is 已完成 / 推进中 / 未启动 from the accepted row of that return, 待修改 when the row has an
  error, 未报送 when the unit has not returned or the row is missing.
- 完成率 = pairs 已完成 / all pairs (units that did not return count in the denominator); 平均进度 = the mean
  progress over all pairs, a pair without an accepted progress counting 0; 报送率 = units returned / units
  with tasks. Per unit, task and area the same, on their own pairs.
- Overdue: the deadline is before the as-of date (given, else the round's due date, else today) and the
  pair is 推进中, 未启动 or 待修改 (vocabulary.pair_overdue): a 未报送 pair is never overdue. A task is 已完成
  when every one of its units reports 已完成.

A province's round has 300,000 pairs: they are never all in memory, nor walked in Python to count them. Each
pair's state, progress and overdue are one SQL expression (`_STATE_SQL`, `_PROGRESS_SQL`, `_OVERDUE_SQL`); the
tallies are sums of it kept in the store per unit and deadline and per task ("Kept counts" below: brought up to
date when collect or confirm changes a unit's latest return, so a reader sums a few thousand rows, not the
pairs; units, areas and the round add those up). `RoundFigures.pairs` reads the
pairs, texts and all, from the store again each time it is iterated (one query, in task order), so a consumer
that streams them (汇总台账's 任务明细) holds one at a time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import WorkspaceError
from .latest import COUNTS, counts
from .models import ROLE_LEAD
from .quotes import NOTE_COLUMNS, fill_notes
from .store import loads, transaction
from .vocabulary import (
    OVERDUE_STATES,
    STATE_BLANK,
    STATE_HELD,
    STATE_NEEDS_FIX,
    STATE_NOT_REPORTED,
    STATES,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ONGOING,
    is_overdue,
    verdict_of,
)
from .workbook_spec import FILL_SPEC

# The fill-in columns a Pair carries as reported (text, "" for none); state and progress are worked out.
ANSWER_TEXTS = [c for c in FILL_SPEC if c.field not in ("status", "progress")]
_TEXT_FIELDS = [c.field for c in ANSWER_TEXTS]


@dataclass(slots=True)
class Pair:
    """One task of one unit in the round, with what the unit reported for it."""

    unit: str
    task_id: str
    role: str
    area: str
    deadline: str | None
    state: str = STATE_NOT_REPORTED
    progress: float | None = None
    overdue: bool = False
    measures: str = ""
    target_value: str = ""
    evidence: str = ""
    evidence_mode: str = ""
    problems: str = ""
    next_steps: str = ""
    owner: str = ""  # the fill-in columns (workbook_spec.FILL_SPEC) each have an attribute of their field's name
    source_file: str = ""  # the file as it arrived in inbox/ (a zip member as zip/member)
    sheet: str = ""
    row: int | None = None


@dataclass
class Tally:
    """Counts over a set of pairs; units, tasks, areas and the whole round each have one."""

    tasks: int = 0
    completed: int = 0
    ongoing: int = 0
    not_started: int = 0
    needs_fix: int = 0
    not_reported: int = 0
    overdue: int = 0
    progress_sum: float = 0.0

    def add(self, counts: Tally) -> None:
        """Add another tally's counts to this one."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(counts, name))

    @property
    def completion_rate(self) -> float:
        return self.completed / self.tasks if self.tasks else 0.0

    @property
    def average_progress(self) -> float:
        return self.progress_sum / self.tasks if self.tasks else 0.0


_COUNTS = ["tasks", "completed", "ongoing", "not_started", "needs_fix", "not_reported", "overdue", "progress_sum"]


@dataclass
class UnitFigures(Tally):
    unit: str = ""
    category: str = ""
    returned: bool = False
    accepted: bool = False
    errors: int = 0
    warnings: int = 0
    verdict: str = ""  # 已接收 / 退回修改 / "" when not returned
    returned_at: str = ""
    file: str = ""
    late: bool = False
    liaison: str = ""
    phone: str = ""
    lead_tasks: int = 0
    held: int = 0  # returns held as 待确认
    blank: bool = False  # a blank return (空表) was read

    @property
    def state(self) -> str:
        """已接收 / 退回修改 / 空表 / 待确认 / 未报送 (PRODUCT.md, status --json)."""
        if self.returned:
            return self.verdict
        return STATE_HELD if self.held else STATE_BLANK if self.blank else STATE_NOT_REPORTED


@dataclass
class TaskFigures(Tally):
    task_id: str = ""
    seq: int = 0
    text: str = ""
    area: str = ""
    deadline: str | None = None
    lead_units: list[str] = field(default_factory=list)
    leads: list[tuple[str, str]] = field(default_factory=list)  # the lead units by name, with their states
    lead_state: str = ""  # the lead units' states, 、-joined when several differ

    @property
    def done(self) -> bool:
        return self.tasks > 0 and self.completed == self.tasks


@dataclass
class AreaFigures(Tally):
    area: str = ""
    units_expected: int = 0
    units_returned: int = 0

    @property
    def return_rate(self) -> float:
        return self.units_returned / self.units_expected if self.units_expected else 0.0


@dataclass
class RoundFigures:
    round: str
    due: date | None
    as_of: date
    campaign: str
    total: Tally
    units: list[UnitFigures]
    tasks: list[TaskFigures]
    areas: list[AreaFigures]
    pairs: Pairs | list[Pair]  # in task order, lead units first, then by unit name (a list when set by hand)

    @property
    def units_expected(self) -> int:
        return len(self.units)

    @property
    def units_returned(self) -> int:
        return sum(u.returned for u in self.units)

    @property
    def return_rate(self) -> float:
        return self.units_returned / self.units_expected if self.units_expected else 0.0

    @property
    def completion_rate(self) -> float:
        return self.total.completion_rate


def compute_figures(conn: sqlite3.Connection, round_name: str, as_of: date | None = None) -> RoundFigures:
    round_row, due, as_of = _round(conn, round_name, as_of)
    tasks = {row["task_id"]: row for row in conn.execute(
        "SELECT * FROM round_tasks WHERE round = ? ORDER BY seq", (round_name,))}
    keep_counts(conn, round_name)
    latest = _latest_submissions(conn, round_name)
    pairs = Pairs(conn, round_name, as_of, latest)
    total, units, task_figures, areas = _tally_all(conn, pairs, tasks, latest)
    _uncounted(conn, round_name, units)
    pairs.count = total.tasks
    return RoundFigures(round=round_name, due=due, as_of=as_of, campaign=round_row["campaign"], total=total,
                        units=units, tasks=task_figures, areas=areas, pairs=pairs)


def round_pairs(conn: sqlite3.Connection, round_name: str, as_of: date | None = None) -> Pairs:
    """The round's pairs as compute_figures has them (overdue as of `as_of`, else the round's due date, else
    today), for a reader that needs no tallies (a worker process: it reads through a connection of its own)."""
    _row, _due, as_of = _round(conn, round_name, as_of)
    return Pairs(conn, round_name, as_of, _latest_submissions(conn, round_name))


def overdue_date(conn: sqlite3.Connection, round_name: str, as_of: date | None = None) -> date:
    """The date the round's overdue pairs are judged by: `as_of`, else the round's due date, else today."""
    return _round(conn, round_name, as_of)[2]


def unit_contacts(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """Each unit's liaison and phone, as UnitFigures has them."""
    roster = {row["name"]: row for row in conn.execute("SELECT * FROM units")}
    liaisons = {row["unit"]: row for row in conn.execute("SELECT * FROM liaisons")}
    return {name: _contact(roster.get(name), liaisons.get(name)) for name in [*roster, *liaisons]}


def _round(conn: sqlite3.Connection, round_name: str, as_of: date | None) -> tuple[sqlite3.Row, date | None, date]:
    """The round's row, due date, and the date overdue is judged by."""
    round_row = conn.execute("SELECT * FROM rounds WHERE name = ?", (round_name,)).fetchone()
    if round_row is None:
        raise WorkspaceError(f"轮次「{round_name}」尚未生成台账：请先运行 reporting generate --round {round_name}")
    due = date.fromisoformat(round_row["due"]) if round_row["due"] else None
    return round_row, due, as_of or due or date.today()


def _latest_submissions(conn: sqlite3.Connection, round_name: str) -> dict[str, sqlite3.Row]:
    rows = conn.execute(
        "SELECT s.*, f.name AS file_name FROM submissions s JOIN files f ON f.hash = s.file_hash "
        f"WHERE s.round = ? AND {counts('s')} ORDER BY s.id", (round_name,))
    return {row["unit"]: row for row in rows}  # the last one read wins if supersession was not recorded


# Each assignment of the round with the answer of its unit's latest return (the last one read wins, as in
# _latest_submissions), with the row's columns the state is worked out from ({answers}: the texts besides, when
# wanted); the SQL below is the one place a pair's state, counted progress and overdue are worked out.
_PAIRS_CTE = """
    latest AS (SELECT unit, MAX(id) AS id FROM submissions WHERE round = :round AND {counts} GROUP BY unit),
    pairs AS (
        SELECT a.unit, a.task_id, a.role, t.area, t.seq, t.deadline, l.id IS NOT NULL AS returned,
               n.task_id IS NOT NULL AS answered, n.accepted, n.status, n.progress{answers}
        FROM assignments a
        JOIN round_tasks t ON t.round = a.round AND t.task_id = a.task_id
        LEFT JOIN latest l ON l.unit = a.unit
        LEFT JOIN answers n ON n.submission_id = l.id AND n.task_id = a.task_id
        WHERE a.round = :round),
    answered AS (
        SELECT l.unit, n.task_id, a.role, t.area, t.seq, 1 AS answered, n.accepted, n.status, n.progress,
               n.measures, n.target_value, {notes}
        FROM latest l
        JOIN answers n ON n.submission_id = l.id
        JOIN assignments a ON a.round = :round AND a.unit = l.unit AND a.task_id = n.task_id
        JOIN round_tasks t ON t.round = :round AND t.task_id = n.task_id)
"""
# `answered`: the pairs that have a row in their unit's latest return, read from those rows (what the report picks
# from and groups: never a pair without a row), with the row's notes (quotes.py).
# The state of a pair of `pairs` (PRODUCT.md): the accepted row's status, 未报送 when there is no row, 待修改 else;
# one condition per state, 待修改 being what none of them holds (`IS`: never NULL, whatever the row holds).
_STATE_WHEN = {
    STATE_NOT_REPORTED: "(NOT answered OR (accepted AND status IS :not_reported))",
    STATUS_DONE: "(accepted AND status IS :done)",
    STATUS_ONGOING: "(accepted AND status IS :ongoing)",
    STATUS_NOT_STARTED: "(accepted AND status IS :not_started)",
}
_STATE_NAMES = {STATE_NOT_REPORTED: ":not_reported", STATUS_DONE: ":done", STATUS_ONGOING: ":ongoing",
                STATUS_NOT_STARTED: ":not_started", STATE_NEEDS_FIX: ":needs_fix"}
_STATE_SQL = f"CASE {' '.join(f'WHEN {w} THEN {_STATE_NAMES[s]}' for s, w in _STATE_WHEN.items())} ELSE :needs_fix END"
_PROGRESS_SQL = "iif(accepted, progress, NULL)"  # the progress that counts: the accepted row's


def state_sql(*states: str) -> str:
    """The SQL condition that a pair of `pairs` or `answered` is in one of `states` (not 待修改)."""
    return "(" + " OR ".join(_STATE_WHEN[state] for state in states) + ")"


# Overdue: the deadline has passed (:passed, a JSON list of those tasks) and the state is one of OVERDUE_STATES.
_OVERDUE_SQL = ("(task_id IN (SELECT value FROM json_each(:passed)) AND NOT ("
                + " OR ".join(w for s, w in _STATE_WHEN.items() if s not in OVERDUE_STATES) + "))")
assert STATE_NEEDS_FIX in OVERDUE_STATES and set(_STATE_NAMES) == set(STATES)
# A Tally's counts over a group of pairs, in _COUNTS order but 待修改's, which is what the others leave.
_TALLY_SQL = ", ".join(["COUNT(*)", *(f"COUNT(*) FILTER (WHERE {_STATE_WHEN[s]})" for s in
                                       (STATUS_DONE, STATUS_ONGOING, STATUS_NOT_STARTED, STATE_NOT_REPORTED)),
                        f"COUNT(*) FILTER (WHERE {_OVERDUE_SQL})", f"TOTAL({_PROGRESS_SQL})"])
# The pairs in task order, lead units first ({first}: nothing, or the areas' order before it, an area being where
# its first task is).
_PAIRS_SQL = f"""
    WITH {{cte}}, areas AS (SELECT area, MIN(seq) AS first FROM round_tasks WHERE round = :round GROUP BY area)
    SELECT p.unit, p.task_id, p.role, p.area, p.deadline, p.returned, {_STATE_SQL}, {_PROGRESS_SQL},
           {_OVERDUE_SQL}{{texts}}
    FROM pairs p {{join}}
    ORDER BY {{first}}p.seq, p.role <> :lead, p.unit
"""
_ANSWER_TEXTS = [*_TEXT_FIELDS, "sheet", "row"]


# -- Kept counts ------------------------------------------------------------------------------------------
# The tallies are read from counts kept in the store (migration 13), not from the pairs: per unit and deadline
# (kept_unit_counts: overdue is then a sum over the deadlines passed by the as-of date) and per task
# (kept_task_counts), each over the pairs of the round with, besides the static count of pairs (tasks):
#   answered     the pairs with a row in their unit's latest return;
#   completed, ongoing, not_started, reported_nr   those whose row gives 已完成/推进中/未启动/未报送 (_STATE_WHEN);
#   progress     the sum of the progress that counts, in millionths of a percent (an integer: counts that are
#                added and taken away again as returns replace each other stay exact);
# 未报送 is then tasks - answered + reported_nr, 待修改 what is left of answered, overdue (deadline passed) answered -
# completed - reported_nr. kept_units holds each unit's return they were counted from and its static figures.
# `keep_counts` brings them up to date: the units whose latest return changed are counted again, and their old and
# new rows taken from and added to the tasks' counts; a round not kept yet (stored before, or generated again) is
# counted from its pairs.
PROGRESS_SCALE = 1_000_000
_KEPT = ["answered", "completed", "ongoing", "not_started", "reported_nr", "progress"]
_KEPT_WHEN = {"answered": "answered",
              **{name: f"(answered AND {_STATE_WHEN[state]})" for name, state in (
                  ("completed", STATUS_DONE), ("ongoing", STATUS_ONGOING), ("not_started", STATUS_NOT_STARTED),
                  ("reported_nr", STATE_NOT_REPORTED))},
              "progress": f"COALESCE(CAST(round({_PROGRESS_SQL} * {PROGRESS_SCALE}) AS INTEGER), 0)"}
_KEPT_SUMS = ", ".join(f"SUM({_KEPT_WHEN[name]})" for name in _KEPT)
_KEPT_OVERDUE = "{c}answered - {c}completed - {c}reported_nr"  # a group's pairs overdue when its deadline passed
# The answers the report may quote (已完成 or 推进中, saying more than "已完成": quotes.py) and their merit tier:
# the first three steps of report_text's rule (已完成, a 量化指标完成值 given, quantified results), higher first;
# kept_task_tiers counts them per task and tier.
QUOTABLE_SQL = f"({_STATE_WHEN[STATUS_DONE]} OR {_STATE_WHEN[STATUS_ONGOING]}) AND quote >= 0"
TIER_SQL = f"({_STATE_WHEN[STATUS_DONE]} * 8 + COALESCE(target_given, 0) * 4 + quote)"
# The units' problems and plans by their first clause (quotes.py), answers 未报送 aside: kept_texts counts them per
# clause and unit (kind: the answers' column).
TEXT_KINDS = ("problem_key", "plan_key")
_TEXT_COUNTED = f"NOT {_STATE_WHEN[STATE_NOT_REPORTED]}"
assert set(OVERDUE_STATES) == set(STATES) - {STATUS_DONE, STATE_NOT_REPORTED}


def keep_counts(conn: sqlite3.Connection, round_name: str) -> None:
    """Bring the round's kept counts up to date (a look at each unit's latest return when they are)."""
    if _kept(conn, round_name) and not _changes(conn, round_name):
        return
    with _writing(conn):
        if not _kept(conn, round_name):
            _count_round(conn, round_name)
        else:
            _count_changes(conn, round_name, _changes(conn, round_name))


def keep_all_counts(conn: sqlite3.Connection) -> None:
    """keep_counts for every round kept so far (collect and confirm, after storing returns; a round not kept yet
    is left to its first reader)."""
    for (round_name,) in conn.execute("SELECT round FROM kept_rounds").fetchall():
        keep_counts(conn, round_name)


@contextmanager
def _writing(conn: sqlite3.Connection) -> Iterator[None]:
    if conn.in_transaction:
        yield
    else:
        with transaction(conn):
            yield


def _kept(conn: sqlite3.Connection, round_name: str) -> bool:
    return conn.execute("SELECT 1 FROM kept_rounds WHERE round = ?", (round_name,)).fetchone() is not None


def _changes(conn: sqlite3.Connection, round_name: str) -> list[tuple[str, int | None, int | None]]:
    """The units whose latest return is not the one counted: (unit, counted, latest)."""
    latest = dict(conn.execute(f"SELECT unit, MAX(id) FROM submissions WHERE round = ? AND {COUNTS} GROUP BY unit",
                               (round_name,)).fetchall())
    return [(unit, counted, latest.get(unit)) for unit, counted in conn.execute(
        "SELECT unit, submission_id FROM kept_units WHERE round = ?", (round_name,)) if counted != latest.get(unit)]


def _kept_params(round_name: str) -> dict:
    return {"round": round_name, "lead": ROLE_LEAD, **{name[1:]: state for state, name in _STATE_NAMES.items()}}


# The pairs read in the order of the assignments' primary key (unit by unit), so each unit's answers are looked up
# where the last unit's were: SQLite would otherwise take the (round, task_id) index for GROUP BY task_id and look
# every answer up at random, three times slower at province scale (a round counted from scratch: 3.5 -> 2.3 s).
_KEPT_CTE = _PAIRS_CTE.format(counts=COUNTS, answers="", notes=", ".join(f"n.{name}" for name in NOTE_COLUMNS)).replace(
    "FROM assignments a\n", "FROM assignments a INDEXED BY sqlite_autoindex_assignments_1\n")
assert "INDEXED BY" in _KEPT_CTE


def _count_round(conn: sqlite3.Connection, round_name: str) -> None:
    """The round's counts from its pairs (three GROUP BY passes)."""
    params = _kept_params(round_name)
    fill_notes(conn, round_name)
    for table in ("kept_units", "kept_unit_counts", "kept_task_counts", "kept_task_tiers", "kept_texts"):
        conn.execute(f"DELETE FROM {table} WHERE round = ?", (round_name,))
    conn.execute(f"""INSERT INTO kept_units (round, unit, submission_id, first, lead_tasks, areas)
        WITH {_KEPT_CTE} SELECT :round, p.unit, (SELECT id FROM latest l WHERE l.unit = p.unit),
            MIN(p.seq * 2 + (p.role <> :lead)), COUNT(*) FILTER (WHERE p.role = :lead),
            json_group_array(DISTINCT p.area)
        FROM pairs p GROUP BY p.unit""", params)
    _count_units(conn, params, "")
    conn.execute(f"""INSERT INTO kept_task_counts (round, task_id, tasks, {', '.join(_KEPT)})
        WITH {_KEPT_CTE} SELECT :round, task_id, COUNT(*), {_KEPT_SUMS} FROM pairs GROUP BY task_id""", params)
    conn.execute(f"""INSERT INTO kept_task_tiers (round, task_id, tier, n)
        WITH {_KEPT_CTE} SELECT :round, task_id, {TIER_SQL}, COUNT(*) FROM answered WHERE {QUOTABLE_SQL}
        GROUP BY task_id, {TIER_SQL}""", params)
    for kind in TEXT_KINDS:
        conn.execute(f"""INSERT INTO kept_texts (round, kind, key, unit, n)
            WITH {_KEPT_CTE} SELECT :round, '{kind}', {kind}, unit, COUNT(*) FROM answered
            WHERE {kind} <> '' AND {_TEXT_COUNTED} GROUP BY {kind}, unit""", params)
    conn.execute("INSERT INTO kept_rounds (round) VALUES (?)", (round_name,))


def _count_units(conn: sqlite3.Connection, params: dict, where: str) -> None:
    conn.execute(f"""INSERT INTO kept_unit_counts (round, unit, deadline, tasks, {', '.join(_KEPT)})
        WITH {_KEPT_CTE} SELECT :round, unit, COALESCE(deadline, ''), COUNT(*), {_KEPT_SUMS}
        FROM pairs {where} GROUP BY unit, COALESCE(deadline, '')""", params)


def _count_changes(conn: sqlite3.Connection, round_name: str, changes: list[tuple[str, int | None, int | None]],
                   ) -> None:
    """Count again the units whose latest return changed; take their old rows from the tasks' counts, add the new."""
    params = {**_kept_params(round_name), "changes": json.dumps(changes, ensure_ascii=False)}
    fill_notes(conn, round_name, [new for _, _, new in changes if new is not None])
    changed = ("(SELECT json_extract(value, '$[0]') AS unit, json_extract(value, '$[1]') AS old, "
               "json_extract(value, '$[2]') AS new FROM json_each(:changes))")
    conn.execute(f"DELETE FROM kept_unit_counts WHERE round = :round AND unit IN (SELECT unit FROM {changed})", params)
    _count_units(conn, params, f"WHERE unit IN (SELECT unit FROM {changed})")
    conn.executemany("UPDATE kept_units SET submission_id = ? WHERE round = ? AND unit = ?",
                     [(new, round_name, unit) for unit, _, new in changes])
    # the rows of the units' old and new latest returns, with -1 and +1
    rows = f"""(SELECT a.task_id, c.unit, iif(n.submission_id IS c.new, 1, -1) AS sign, 1 AS answered, n.accepted,
                   n.status, n.progress, n.quote, n.target_given, n.problem_key, n.plan_key
            FROM {changed} c JOIN answers n ON n.submission_id IN (c.old, c.new)
            JOIN assignments a ON a.round = :round AND a.unit = c.unit AND a.task_id = n.task_id)"""
    signed = ", ".join(f"SUM(sign * {_KEPT_WHEN[name]})" for name in _KEPT)
    conn.execute(f"""INSERT INTO kept_task_counts (round, task_id, tasks, {', '.join(_KEPT)})
        SELECT :round, task_id, 0, {signed} FROM {rows} WHERE true GROUP BY task_id
        ON CONFLICT (round, task_id) DO UPDATE SET
            {', '.join(f'{name} = {name} + excluded.{name}' for name in _KEPT)}""", params)
    conn.execute(f"""INSERT INTO kept_task_tiers (round, task_id, tier, n)
        SELECT :round, task_id, {TIER_SQL}, SUM(sign) FROM {rows} WHERE {QUOTABLE_SQL} GROUP BY task_id, {TIER_SQL}
        ON CONFLICT (round, task_id, tier) DO UPDATE SET n = n + excluded.n""", params)
    conn.execute("DELETE FROM kept_task_tiers WHERE round = :round AND n = 0", params)
    for kind in TEXT_KINDS:
        conn.execute(f"""INSERT INTO kept_texts (round, kind, key, unit, n)
            SELECT :round, '{kind}', {kind}, unit, SUM(sign) FROM {rows} WHERE {kind} <> '' AND {_TEXT_COUNTED}
            GROUP BY {kind}, unit
            ON CONFLICT (round, kind, key, unit) DO UPDATE SET n = n + excluded.n""", params)
    conn.execute("DELETE FROM kept_texts WHERE round = :round AND n = 0", params)


class Pairs:
    """The round's pairs, read from the store each time they are iterated (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, round_name: str, as_of: date,
                 latest: dict[str, sqlite3.Row]) -> None:
        self.path = _database_file(conn)
        self.round, self.as_of = round_name, as_of
        # the tasks whose deadline has passed by as_of: what overdue asks of a task (_OVERDUE_SQL)
        deadlines = conn.execute("SELECT task_id, deadline FROM round_tasks WHERE round = ?", (round_name,)).fetchall()
        self.passed = [task_id for task_id, deadline in deadlines if is_overdue(deadline, as_of)]
        # the same as the deadlines kept_unit_counts has them ('' for none)
        self.passed_deadlines = sorted({deadline or "" for _, deadline in deadlines if is_overdue(deadline, as_of)})
        self.sources = {unit: _source_name(row) for unit, row in latest.items()}
        self.latest = {unit: row["id"] for unit, row in latest.items()}  # each unit's latest return
        self.tasks = [task_id for task_id, _ in deadlines]
        self.count = 0
        self._conn = conn  # used while the figures are computed, and when the store is not a file

    def query(self, sql: str, *, texts: bool = False, **params) -> tuple[str, dict]:
        """`sql` (WITH {cte} …: the CTEs `pairs`, with the answer's texts when asked, and `answered`) and its
        parameters."""
        answers = "".join(f", n.{name}" for name in _ANSWER_TEXTS) if texts else ""
        notes = ", ".join(f"n.{name}" for name in NOTE_COLUMNS)
        return sql.replace("{cte}", _PAIRS_CTE.format(counts=COUNTS, answers=answers, notes=notes)), {
            "round": self.round, "passed": json.dumps(self.passed), "lead": ROLE_LEAD,
            **{name[1:]: state for state, name in _STATE_NAMES.items()}, **params}

    def fetch(self, sql: str, *, texts: bool = False, **params) -> list[tuple]:
        """The rows of `sql` over the pairs (see `query`; `texts`: with the answers' texts), as tuples, from the
        store the pairs are read from (the answers' notes are there: kept counts are worked out with them,
        keep_counts)."""
        if not self.path:
            return self._fetch(self._conn, sql, texts, params)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            return self._fetch(conn, sql, texts, params)
        finally:
            conn.close()

    def _fetch(self, conn: sqlite3.Connection, sql: str, texts: bool, params: dict) -> list[tuple]:
        cursor = conn.cursor()
        cursor.row_factory = None
        return cursor.execute(*self.query(sql, texts=texts, **params)).fetchall()

    def leads(self) -> dict[str, list[tuple[str, str]]]:
        """Each task's lead units (by name) with their states."""
        found: dict[str, list[tuple[str, str]]] = {}
        for task_id, unit, state in self.fetch(f"WITH {{cte}} SELECT task_id, unit, {_STATE_SQL} FROM pairs "
                                               "WHERE role = :lead AND task_id IN (SELECT task_id FROM round_tasks "
                                               "WHERE round = :round) ORDER BY seq, unit"):  # by the index
            found.setdefault(task_id, []).append((unit, state))
        return found

    def overdue_units(self, task_id: str) -> list[str]:
        """The units overdue on a task, in the pairs' order (lead units first, then by name)."""
        return [row[0] for row in self.fetch(f"WITH {{cte}} SELECT unit FROM pairs WHERE task_id = :task AND "
                                             f"{_OVERDUE_SQL} ORDER BY role <> :lead, unit", task=task_id)]

    def __iter__(self) -> Iterator[Pair]:
        return (Pair(*record) for record in self.records())

    def by_area(self) -> Iterator[Pair]:
        """The pairs area by area (areas in the order of RoundFigures.areas), then as in task order."""
        return (Pair(*record) for record in self.records(by_area=True))

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def records(self, *, by_area: bool = False) -> Iterator[tuple]:
        """The pairs as plain tuples, each holding a Pair's fields in their order (Pair(*record) is the pair):
        cheaper than Pair objects where every pair goes to a file (汇总台账's long lists)."""
        if not self.path:  # a store in memory: only the connection that made it can read it
            yield from self._records(self._conn, by_area)
            return
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            yield from self._records(conn, by_area)
        finally:
            conn.close()

    def __getstate__(self) -> dict:
        """What a worker process gets: it reads the store through a connection of its own (self.path)."""
        return {**self.__dict__, "_conn": None}

    def _records(self, conn: sqlite3.Connection, by_area: bool) -> Iterator[tuple]:
        texts = "".join(f", COALESCE(p.{name}, '')" for name in [*_TEXT_FIELDS, "sheet"]) + ", p.row"
        sql = _PAIRS_SQL.format(texts=texts, join="JOIN areas r ON r.area = p.area" if by_area else "",
                                first="r.first, " if by_area else "", cte="{cte}")
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples
        cursor.execute(*self.query(sql, texts=True))
        sources = self.sources
        for unit, task_id, role, area, deadline, returned, state, progress, overdue, *rest in cursor:
            yield (unit, task_id, role, area, deadline, state, progress, overdue == 1, *rest[:-2],
                   sources.get(unit, "") if returned else "", rest[-2], rest[-1])


def _database_file(conn: sqlite3.Connection) -> str:
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return row[2] or ""
    return ""


def _source_name(submission: sqlite3.Row) -> str:
    name = submission["file_name"]
    return f"{name}/{submission['member']}" if submission["member"] else name


def _counts(tally: Tally, values: Sequence, overdue: int) -> None:
    """A tally from kept counts (_KEPT's columns, tasks first), and its overdue pairs."""
    tasks, answered, completed, ongoing, not_started, reported_nr, progress = values
    tally.tasks, tally.completed, tally.ongoing, tally.not_started = tasks, completed, ongoing, not_started
    tally.not_reported = tasks - answered + reported_nr
    tally.needs_fix = answered - completed - ongoing - not_started - reported_nr
    tally.overdue, tally.progress_sum = overdue, progress / PROGRESS_SCALE


def _tally_all(conn: sqlite3.Connection, pairs: Pairs, tasks: dict[str, sqlite3.Row],
               latest: dict[str, sqlite3.Row]) -> tuple[Tally, list[UnitFigures], list[TaskFigures], list[AreaFigures]]:
    """The round's, each unit's, task's and area's tallies, from the kept counts (areas are their tasks' sums), and
    the lead pairs; units and areas in the order the pairs first name them, tasks in plan order."""
    roster = {row["name"]: row for row in conn.execute("SELECT name, category, liaison, phone FROM units")}
    liaisons = {row["unit"]: row for row in conn.execute("SELECT unit, liaison, mobile FROM liaisons")}
    passed = {"round": pairs.round, "passed": json.dumps(pairs.passed_deadlines)}
    total = Tally()
    units: list[tuple[int, UnitFigures]] = []
    members: dict[str, list[UnitFigures]] = {}
    area_lists: dict[str, list[str]] = {}
    sums = ", ".join(f"SUM({name})" for name in ["tasks", *_KEPT])
    # first: where the unit first comes in task order (seq, then lead before the others)
    static = {name: rest for name, *rest in conn.execute(
        "SELECT unit, first, lead_tasks, areas FROM kept_units WHERE round = ?", (pairs.round,))}
    for name, *values, overdue in conn.execute(
            f"SELECT unit, {sums}, TOTAL(iif(deadline IN (SELECT value FROM json_each(:passed)), "
            f"{_KEPT_OVERDUE.format(c='')}, 0)) FROM kept_unit_counts WHERE round = :round GROUP BY unit", passed):
        first, lead_tasks, areas_of = static[name]
        unit = _unit_header(name, roster.get(name), liaisons.get(name), latest.get(name))
        _counts(unit, values, int(overdue))
        unit.lead_tasks = lead_tasks
        total.add(unit)
        units.append((first, unit))
        if areas_of not in area_lists:  # most units share their list of areas
            area_lists[areas_of] = json.loads(areas_of)
        for area_name in area_lists[areas_of]:
            members.setdefault(area_name, []).append(unit)
    leads = pairs.leads()
    task_figures: list[TaskFigures] = []
    areas: dict[str, AreaFigures] = {}
    columns = ", ".join(["tasks", *_KEPT])
    for task_id, *values in conn.execute(f"SELECT task_id, {columns}, {_KEPT_OVERDUE.format(c='')} "
                                         "FROM kept_task_counts WHERE round = ?", (pairs.round,)):
        row = tasks[task_id]
        task = TaskFigures(task_id=task_id, seq=row["seq"], text=row["text"], area=row["area"],
                           deadline=row["deadline"], lead_units=loads(row["lead"]), leads=leads.get(task_id, []))
        _counts(task, values[:-1], values[-1] if task_id in pairs.passed else 0)
        task.lead_state = "、".join(dict.fromkeys(state for _, state in task.leads))
        task_figures.append(task)
    task_figures.sort(key=lambda t: t.seq)
    for task in task_figures:
        area = areas.get(task.area)
        if area is None:
            area = areas[task.area] = AreaFigures(area=task.area, units_expected=len(members[task.area]),
                                                  units_returned=sum(u.returned for u in members[task.area]))
        area.add(task)
    return total, [unit for _, unit in sorted(units, key=lambda item: (item[0], item[1].unit))], task_figures, \
        list(areas.values())


def _unit_header(name: str, roster_row, liaison_row, submission) -> UnitFigures:
    unit = UnitFigures(unit=name)
    if roster_row is not None:
        unit.category = roster_row["category"]
    unit.liaison, unit.phone = _contact(roster_row, liaison_row)
    if submission is not None:
        unit.returned = True
        unit.errors, unit.warnings = submission["errors"], submission["warnings"]
        unit.accepted = submission["errors"] == 0
        unit.verdict = verdict_of(submission["errors"])
        unit.returned_at, unit.file = _sent_at(submission), _source_name(submission)
        unit.late = bool(submission["late"])
    return unit


def _contact(roster_row, liaison_row) -> tuple[str, str]:
    """Liaison and phone: as the unit's latest return gave them (liaisons), else as in the roster."""
    liaison, phone = (roster_row["liaison"], roster_row["phone"]) if roster_row is not None else ("", "")
    if liaison_row is not None:
        liaison, phone = liaison_row["liaison"] or liaison, liaison_row["mobile"] or phone
    return liaison, phone


def _uncounted(conn: sqlite3.Connection, round_name: str, units: list[UnitFigures]) -> None:
    """The returns that do not count, per unit: held ones (待确认) and blank ones (空表)."""
    by_name = {u.unit: u for u in units}
    for row in conn.execute(
            "SELECT unit, SUM(hold <> '' AND superseded_by IS NULL) AS held, SUM(blank) AS blank FROM submissions "
            "WHERE round = ? AND (hold <> '' OR blank = 1) GROUP BY unit", (round_name,)):
        unit = by_name.get(row["unit"])
        if unit is not None:
            unit.held, unit.blank = row["held"] or 0, bool(row["blank"])


def _sent_at(submission: sqlite3.Row) -> str:
    """When the unit sent a return, as "late" is judged: its file's (or zip entry's) modification time;
    the time collect read it when the file gave none."""
    if submission["mtime"]:
        return datetime.fromtimestamp(submission["mtime"]).isoformat(timespec="seconds")
    return submission["read_at"]
