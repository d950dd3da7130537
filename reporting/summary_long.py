"""汇总台账's long lists, a row per pair (300,000 at province scale): 任务明细, 逾期未完成 and 问题与计划, their
rows made into deflated sheet XML (sheet_xml.py) by two worker processes while this process works out the
figures and writes the other sheets (summary_xlsx.py); here, when asked for, for a small round.

Two jobs, each reading what it needs from the store itself (through a connection of its own; the pairs by
figures.Pairs.records, one query, plain tuples): 任务明细 (the pairs in task order), and 逾期未完成 with 问题与计划
(the pairs area by area: 问题与计划's rows streamed, the overdue pairs kept, small, and sorted by days late). A
job writes its segments into the caller's folder and returns where they are; a text it cut to fit a cell is
reported by the caller, as if cut there.
"""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .figures import round_pairs, unit_contacts
from .pool import ordered_map, worker_count
from .sheet_xml import Deflater, SheetRows, Spliced
from .summary import SOURCE_COLUMNS, is_trivial, source_columns

THRESHOLD = 10_000  # pairs from which the lists are made by worker processes
START_METHOD: str | None = None  # multiprocessing start method; None = the platform's default
DETAILS, OVERDUE, PROBLEMS = "任务明细", "逾期未完成", "问题与计划"
# A record's fields (figures.Pair's, in order)
_UNIT, _TASK, _ROLE, _AREA, _DEADLINE, _STATE, _PROGRESS, _OVERDUE = range(8)
_TEXTS = slice(8, 15)
_PROBLEMS, _NEXT_STEPS, _SOURCE, _SHEET, _ROW = 12, 13, 15, 16, 17


@dataclass
class LongList:
    """One long list's sheet: the part its rows go into, the first data row (0-based), the columns."""

    part: str
    first: int
    rows: SheetRows


@dataclass
class Lists:
    """What the jobs are given (plain data, sent to the workers), and what they made."""

    store: str  # reporting.db
    round: str
    as_of: date
    sheets: dict[str, LongList]
    folder: str
    done: dict[str, tuple[Spliced, int]] = field(default_factory=dict)  # the lists made so far: rows, count


def make_lists(lists: Lists, pairs: int, workers: int | None = None) -> Making:
    """Start making the lists of a round of `pairs` pairs: by worker processes when there are that many, else
    here as they are asked for. Close what it returns when stopping early: that ends the workers."""
    jobs: list[Any] = [(_overdue_and_problems, lists), (_details, lists)]
    count = min(len(jobs), worker_count(pairs, workers, THRESHOLD))
    if not count:
        return Making((_run(job) for job in jobs), lists)
    # The first job does nothing: once its result is back every job has been handed out, and the workers work
    # while this process goes on.
    results = ordered_map(_run, [None, *jobs], count, initializer=_start, start_method=START_METHOD,
                          ahead=len(jobs) + 1)
    next(results)
    return Making(results, lists)


class Making:
    """The lists being made: each step puts the next job's lists in `lists.done` (问题与计划 and 逾期未完成 first,
    then 任务明细) and raises again the warnings the job raised."""

    def __init__(self, results: Generator[Any, None, None], lists: Lists) -> None:
        self.results, self.lists = results, lists

    def __iter__(self) -> Making:
        return self

    def __next__(self) -> None:
        made, caught = next(self.results)
        for category, message in caught:
            warnings.warn(category(message), stacklevel=2)
        self.lists.done.update(made)

    def wait(self, name: str) -> tuple[Spliced, int]:
        """The rows and the number of rows of the list `name`, once made."""
        while name not in self.lists.done:
            next(self)
        return self.lists.done[name]

    def close(self) -> None:
        self.results.close()


def _start() -> None:
    pass


def _run(job: tuple | None) -> Any:
    """A job's lists, and the warnings it raised (category, message), to be raised again by the caller."""
    if job is None:
        return None
    function, lists = job
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        conn = sqlite3.connect(lists.store, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            made = function(conn, lists)
        finally:
            conn.close()
    return made, [(w.category, str(w.message)) for w in caught]


def _tasks(conn: sqlite3.Connection, round_name: str) -> dict[str, tuple[int, str, str, str | None]]:
    """task id → (seq, text, area, deadline)"""
    return {row["task_id"]: (row["seq"], row["text"], row["area"], row["deadline"]) for row in conn.execute(
        "SELECT task_id, seq, text, area, deadline FROM round_tasks WHERE round = ?", (round_name,))}


def _write(lists: Lists, name: str, rows: Iterator) -> tuple[Spliced, int]:
    sheet = lists.sheets[name]
    out = Deflater(Path(lists.folder) / f"{sheet.part.rsplit('/', 1)[-1]}.rows")
    count = sheet.rows.write(out, sheet.first, rows)
    return Spliced([out.close()], sheet.rows.last_row), count


def _details(conn: sqlite3.Connection, lists: Lists) -> dict[str, tuple[Spliced, int]]:
    tasks, columns = _tasks(conn, lists.round), source_columns(conn, lists.round)
    named: dict[str, list[tuple[str, str]]] = {}  # unit → (column name, letter) of its state and progress

    def where(unit: str, sheet: str, row: int | None) -> str:
        """「工作台账」第12行（完成状态 H12，完成进度(%) I12）: where the pair's figures were read."""
        if row is None:
            return ""
        letters = named.get(unit)
        if letters is None:
            found = columns.get(unit, {})
            letters = named[unit] = [(name, found[name]) for name in SOURCE_COLUMNS if found.get(name)]
        at = f"「{sheet}」第{row}行" if sheet else f"第{row}行"
        return f"{at}（{'，'.join([f'{name} {letter}{row}' for name, letter in letters])}）" if letters else at

    records = round_pairs(conn, lists.round, lists.as_of).records()
    rows = ((r[_AREA], r[_TASK], tasks[r[_TASK]][1], r[_DEADLINE] or "", r[_UNIT], r[_ROLE], r[_STATE],
             r[_PROGRESS], "是" if r[_OVERDUE] else "", *r[_TEXTS], r[_SOURCE], where(r[_UNIT], r[_SHEET], r[_ROW]))
            for r in records)
    return {DETAILS: _write(lists, DETAILS, rows)}


def _overdue_and_problems(conn: sqlite3.Connection, lists: Lists) -> dict[str, tuple[Spliced, int]]:
    tasks, contacts, as_of = _tasks(conn, lists.round), unit_contacts(conn), lists.as_of
    late: list[tuple] = []
    strings: dict[str, str] = {}

    def shared(text: str) -> str:
        return strings.setdefault(text, text)

    def listed(text: str) -> bool:
        return not is_trivial(text)

    def problem_rows() -> Iterator[tuple]:
        for r in round_pairs(conn, lists.round, as_of).records(by_area=True):
            if r[_OVERDUE]:  # kept small: the task's texts are looked up again, the other strings shared
                days = days_late(r[_DEADLINE], as_of)
                late.append((-days, tasks[r[_TASK]][0], shared(r[_UNIT]), shared(r[_TASK]), shared(r[_STATE]),
                             r[_PROGRESS], shared(r[_ROLE])))
            if listed(r[_PROBLEMS]) or listed(r[_NEXT_STEPS]):
                yield (r[_AREA], r[_TASK], tasks[r[_TASK]][1], r[_UNIT], r[_ROLE], r[_PROBLEMS], r[_NEXT_STEPS],
                       r[_SOURCE])

    made = {PROBLEMS: _write(lists, PROBLEMS, problem_rows())}
    late.sort()
    overdue = ((unit, task, area, text, deadline, -minus_days, state, progress, role, *contacts.get(unit, ("", "")))
               for minus_days, _seq, unit, task, state, progress, role in late
               for _seq, text, area, deadline in [tasks[task]])
    made[OVERDUE] = _write(lists, OVERDUE, overdue)
    return made


def days_late(deadline: str | None, as_of: date) -> int:
    try:
        return (as_of - date.fromisoformat(deadline or "")).days
    except ValueError:
        return 0
