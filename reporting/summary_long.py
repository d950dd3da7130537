"""汇总台账's long lists, a row per pair (300,000 at province scale): 任务明细, 逾期未完成 and 问题与计划, their
rows made into deflated sheet XML (sheet_xml.py) by two worker processes while this process writes the other
sheets (summary_xlsx.py), or here, one after the other, for a small round.

Two jobs, each reading the pairs once from the store (figures.Pairs.records, plain tuples): 任务明细 (the pairs
in task order), and 逾期未完成 with 问题与计划 (the pairs area by area: 问题与计划's rows streamed, the overdue
pairs kept, small, and sorted by days late). A job gets plain data (`Lists`), writes its segments into a
folder of the caller's, and returns where they are; texts cut to fit a cell are reported by the caller, as
if cut here.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from .figures import Pair, Pairs, RoundFigures
from .pool import ordered_map, worker_count
from .sheet_xml import Deflater, SheetRows, Spliced
from .summary import SOURCE_COLUMNS, is_trivial

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
    """What the jobs need (plain data, sent to the workers)."""

    pairs: Pairs | None  # read from the store by each job
    given: tuple[list[tuple], list[tuple]] | None  # or the records in task order and by area, pairs given by hand
    tasks: dict[str, tuple[int, str, str, str | None]]  # task id → (seq, text, area, deadline)
    columns: dict[str, dict[str, str]]  # unit → column name → letter its state and progress were read from
    contacts: dict[str, tuple[str, str]]  # unit → (liaison, phone)
    as_of: date
    sheets: dict[str, LongList]
    folder: str
    done: dict[str, tuple[Spliced, int]] = field(default_factory=dict)  # the lists made so far: rows, count

    @classmethod
    def of(cls, figures: RoundFigures, columns: dict[str, dict[str, str]], sheets: dict[str, LongList],
           folder: str) -> Lists:
        pairs, given = figures.pairs, None
        if not isinstance(pairs, Pairs):
            given = [_fields(p) for p in pairs], [_fields(p) for p in figures.pairs_by_area()]
        return cls(pairs=pairs if isinstance(pairs, Pairs) else None, given=given, columns=columns,
                   tasks={t.task_id: (t.seq, t.text, t.area, t.deadline) for t in figures.tasks},
                   contacts={u.unit: (u.liaison, u.phone) for u in figures.units}, as_of=figures.as_of,
                   sheets=sheets, folder=folder)


def make_lists(lists: Lists, workers: int | None = None) -> Generator[None, None, None]:
    """Start making the lists (by workers when the round is large enough); each step of the iterator puts the
    next job's lists in `lists.done` (problems first, then details). Close it when stopping early."""
    pairs = lists.pairs
    count = min(2, worker_count(len(pairs), workers, THRESHOLD)) if pairs is not None and pairs.path else 0
    jobs: list[Any] = [(_overdue_and_problems, lists), (_details, lists)]
    if count:
        # The first job does nothing: when its result is back, every job has been handed out and the workers
        # work while this process goes on.
        results = ordered_map(_run, [None, *jobs], count, initializer=_start, start_method=START_METHOD, ahead=3)
        next(results)
    else:
        results = (_run(job) for job in jobs)
    return _collect(results, lists)


def _collect(results: Iterator[Any], lists: Lists) -> Generator[None, None, None]:
    with closing(results):  # type: ignore[type-var]
        for made, caught in results:
            for category, message in caught:
                warnings.warn(category(message), stacklevel=2)
            lists.done.update(made)
            yield


def _start() -> None:
    pass


def _run(job: tuple | None) -> Any:
    """A job's lists, and the warnings it raised (category, message), to be raised again by the caller."""
    if job is None:
        return None
    function, lists = job
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = function(lists)
    return made, [(w.category, str(w.message)) for w in caught]


def _records(lists: Lists, *, by_area: bool) -> Iterator[tuple]:
    if lists.pairs is not None:
        return lists.pairs.records(by_area=by_area)
    assert lists.given is not None
    return iter(lists.given[1] if by_area else lists.given[0])


def _write(lists: Lists, name: str, rows: Iterator) -> tuple[Spliced, int]:
    sheet = lists.sheets[name]
    out = Deflater(Path(lists.folder) / f"{sheet.part.rsplit('/', 1)[-1]}.rows")
    count = sheet.rows.write(out, sheet.first, rows)
    return Spliced([out.close()], sheet.rows.last_row), count


def _details(lists: Lists) -> dict[str, tuple[Spliced, int]]:
    tasks, columns = lists.tasks, lists.columns
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

    rows = ((r[_AREA], r[_TASK], tasks[r[_TASK]][1], r[_DEADLINE] or "", r[_UNIT], r[_ROLE], r[_STATE],
             r[_PROGRESS], "是" if r[_OVERDUE] else "", *r[_TEXTS], r[_SOURCE], where(r[_UNIT], r[_SHEET], r[_ROW]))
            for r in _records(lists, by_area=False))
    return {DETAILS: _write(lists, DETAILS, rows)}


def _overdue_and_problems(lists: Lists) -> dict[str, tuple[Spliced, int]]:
    tasks, contacts, as_of = lists.tasks, lists.contacts, lists.as_of
    late: list[tuple] = []
    trivial: dict[str, bool] = {}
    strings: dict[str, str] = {}

    def shared(text: str) -> str:
        return strings.setdefault(text, text)

    def listed(text: str) -> bool:
        known = trivial.get(text)
        if known is None:
            known = is_trivial(text)
            if len(trivial) < 8192:
                trivial[text] = known
        return not known

    def problem_rows() -> Iterator[tuple]:
        for r in _records(lists, by_area=True):
            if r[_OVERDUE]:  # kept small: the task's texts are looked up again, the others' strings shared
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


def _fields(pair: Pair) -> tuple:
    return tuple(getattr(pair, f.name) for f in fields(Pair))
