"""A return set against what was sent: which unit and round it is, and its rows checked task by task.

The round's tasks and assignments (written by generate) are the truth; the return is recognised from the
data it carries (document properties, the 识别信息 sheet) and, when that is gone, from its title row, its
file name and its 任务编号 column, in that order.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import repeat
from operator import attrgetter, itemgetter
from pathlib import PurePosixPath
from typing import cast

from rapidfuzz import fuzz, process

from .errors import ReturnError
from .readers.base import cell_name
from .readers.returned_workbook import ID_COLUMN, TEXT_COLUMN, LedgerRow, ReturnData
from .roster import canonical
from .rounds import generated_rounds
from .store import loads
from .validate import Problem, RowResult, check_and_learn, check_row, plain_rows
from .vocabulary import (
    ERROR,
    MISSING,
    OVERDUE,
    OVERDUE_STATES,
    STATE_NEEDS_FIX,
    WARNING,
    Rule,
    is_overdue,
    rule_table,
)
from .workbook_spec import FIELD_INDEX, PROP_ROUND, PROP_UNIT, PROPERTY_LIMIT, fingerprint

BY_PROPERTIES, BY_META, BY_TITLE = "properties", "meta_sheet", "title"
BY_FILE_NAME, BY_TASK_IDS = "file_name", "task_ids"
RECOGNIZED_BY = {BY_PROPERTIES: "文档属性", BY_META: "识别信息表", BY_TITLE: "标题行", BY_FILE_NAME: "文件名",
                 BY_TASK_IDS: "任务编号"}
# Every problem of a return as a whole, or of a row against what was sent. Fields: {task}, {first} (the row
# where a repeated id first appears), {round} and {current} (rounds), {deadline}, {note}.
RETURN_RULES = rule_table(
    Rule("return.other_round", WARNING, "这是「{round}」轮次的台账，已计入该轮次；当前轮次为「{current}」",
         "如需报送「{current}」，请使用本轮次下发的台账"),
    Rule("file.note", WARNING, "{note}"),
    Rule("return.unchanged", WARNING, "与上一轮已接收、预填在台账中的内容完全相同，本轮没有更新任何内容",
         "请按「{round}」的实际进展更新后重新报送"),  # what a reader noticed about the file (a macro not run, …)
    Rule("row.duplicate", ERROR, "任务编号「{task}」重复出现（第{first}行已有）", "请删除重复的行"),
    Rule("row.unknown_task", ERROR, "任务编号「{task}」在本轮次中不存在", "请勿修改或自行添加任务编号"),
    Rule("row.not_assigned", ERROR, "任务「{task}」不是本单位的任务", "请删除该行，只填报本单位的任务"),
    Rule("row.missing", MISSING, "任务「{task}」未填报", "请填写该任务的完成情况"),
    Rule("row.text_changed", WARNING, "任务「{task}」的工作任务文字与下发的不一致，已按任务编号接收",
         "请勿修改工作任务列"),
    Rule("task.overdue", OVERDUE, "任务「{task}」完成时限为{deadline}，至今未完成", "请加快推进并说明原因"),
)


def return_problem(code: str, task_id: str | None = None, column: str | None = None, cell: str | None = None,
                   value: str | None = None, sheet: str | None = None, **fields: object) -> Problem:
    """A Problem breaking RETURN_RULES[code]; `fields` fill in its message."""
    rule = RETURN_RULES[code]
    message, fix = rule.text(task=task_id, **fields)
    return Problem(rule.level, message, fix, task_id, column, cell, value, sheet, code=code)


_CACHED_TEXT_LENGTH = 1000
_STATUS = FIELD_INDEX["status"]
_ADMIN_PREFIX = re.compile(r"^[县市区镇乡]")
_FILE_NOISE = re.compile(r"副本|复件|copy|新建|工作台账|台账|回执|修改|修订|最终版?|终稿|\(\d+\)|[-_\s.]+", re.I)


class Assignments:
    """unit → {task id → role} in a round, read from the store a unit at a time, when a return asks.

    A province has 300,000 assignments; reading them all took each worker process a second, while it sees
    only its share of the units.
    """

    def __init__(self, conn: sqlite3.Connection, round_name: str) -> None:
        self._conn, self._round = conn, round_name
        self.units = [row[0] for row in conn.execute(
            "SELECT DISTINCT unit FROM assignments WHERE round = ? ORDER BY unit", (round_name,))]
        self._known = set(self.units)
        self._loaded: dict[str, dict[str, str]] = {}

    def get(self, unit: str, default: dict[str, str] | None = None) -> dict[str, str]:
        """The unit's tasks (task id → role); `default`, else none, for a unit without any."""
        if unit not in self._known:
            return {} if default is None else default
        if unit not in self._loaded:  # one row of JSON: a row per task costs more than the query itself
            self._loaded[unit] = json.loads(self._conn.execute(
                "SELECT json_group_object(task_id, role) FROM assignments WHERE round = ? AND unit = ?",
                (self._round, unit)).fetchone()[0])
        return self._loaded[unit]

    def items(self) -> Iterator[tuple[str, dict[str, str]]]:
        for unit in self.units:
            yield unit, self.get(unit, {})


def _timestamp(text: str | None) -> float | None:
    """rounds.generated_at (local time, ISO) as a timestamp."""
    try:
        return datetime.fromisoformat(text).timestamp() if text else None
    except ValueError:
        return None


@dataclass
class RoundInfo:
    """One round as generate recorded it."""

    name: str
    due: date | None
    campaign: str
    tasks: dict[str, sqlite3.Row]
    assignments: Assignments
    names: dict[str, str] = field(default_factory=dict)  # canonical name or alias → unit
    generated: float | None = None  # when generate wrote its workbooks (a timestamp); None when not recorded
    _fingerprints: dict[str, str] | None = field(default=None, repr=False)
    _longest: list[str] | None = field(default=None, repr=False)
    _rank: dict[str, int] | None = field(default=None, repr=False)  # name → its place in longest_first
    _as_sent: dict[str, str] = field(default_factory=dict, repr=False)  # task id → a text found to be as sent
    _late: dict[date, list[str]] = field(default_factory=dict, repr=False)  # as of → tasks past their deadline

    @property
    def units(self) -> list[str]:
        return self.assignments.units

    def longest_first(self) -> list[str]:
        """The names and aliases of `names`, longest first (a province has thousands: sorted once, not for
        every return whose file name is looked at)."""
        if self._longest is None:
            self._longest = sorted(self.names, key=len, reverse=True)
        return self._longest

    def contained_name(self, key: str) -> str | None:
        """The first of longest_first() of two characters or more that `key` contains. Every return's file name
        is asked: when the key has fewer such substrings than there are names (a file name against a province's
        thousands), each substring is looked up instead of each name searched for."""
        names = self.longest_first()
        length = len(key)
        if length * (length - 1) // 2 >= len(names):
            return next((name for name in names if len(name) >= 2 and name in key), None)
        if self._rank is None:
            self._rank = {name: rank for rank, name in enumerate(names) if len(name) >= 2}
        ranks = [self._rank.get(key[start:end]) for start in range(length - 1) for end in range(start + 2, length + 1)]
        best = min((rank for rank in ranks if rank is not None), default=None)
        return None if best is None else names[best]

    def fingerprint(self, task_id: str) -> str:
        """The fingerprint of the task's text as sent (asked of every row: read from the task rows once)."""
        if self._fingerprints is None:
            self._fingerprints = {t: row["fingerprint"] for t, row in self.tasks.items()}
        return self._fingerprints[task_id]

    def text_changed(self, task_id: str, text: str) -> bool:
        """Whether a row's task text is not the one sent (its fingerprint differs); the text last found to be
        as sent is kept per task, as return after return carries the same one."""
        if text == self._as_sent.get(task_id):
            return False
        if _fingerprint(text) != self.fingerprint(task_id):
            return True
        self._as_sent[task_id] = text
        return False

    def all_as_sent(self, task_ids: list[str], texts: list[str]) -> bool:
        """Whether each task's text is the one text_changed last found as sent (the usual return's, once a return
        with the same texts was read): then no row's text changed, told without a step per row."""
        return list(map(self._as_sent.get, task_ids)) == texts

    def late(self, as_of: date) -> list[str]:
        """The tasks, in ledger order, whose deadline has passed by `as_of` (vocabulary.is_overdue)."""
        if as_of not in self._late:
            self._late[as_of] = [t for t, row in self.tasks.items() if is_overdue(row["deadline"], as_of)]
        return self._late[as_of]


class Rounds:
    """The rounds in the store, loaded once per collect run."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._loaded: dict[str, RoundInfo] = {}
        self.names = generated_rounds(conn)
        self._aliases: dict[str, list[str]] = {
            row["name"]: loads(row["aliases"]) for row in conn.execute("SELECT name, aliases FROM units")}

    def get(self, name: str) -> RoundInfo | None:
        if name not in self.names:
            return None
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def _load(self, name: str) -> RoundInfo:
        row = self._conn.execute("SELECT * FROM rounds WHERE name = ?", (name,)).fetchone()
        tasks = {t["task_id"]: t for t in self._conn.execute(
            "SELECT * FROM round_tasks WHERE round = ? ORDER BY seq", (name,))}
        assignments = Assignments(self._conn, name)
        info = RoundInfo(name, date.fromisoformat(row["due"]) if row["due"] else None, row["campaign"], tasks,
                         assignments, generated=_timestamp(row["generated_at"]))
        for unit in assignments.units:
            for alias in [unit, *self._aliases.get(unit, [])]:
                info.names.setdefault(canonical(alias), unit)
        return info


@dataclass
class Recognition:
    unit: str
    round: RoundInfo
    by: str
    notes: list[Problem] = field(default_factory=list)


def recognize(data: ReturnData, file_name: str, rounds: Rounds, current: str) -> Recognition:
    """Unit and round of a return; a ReturnError saying what is missing when it cannot be told."""
    props = data.properties
    unit, round_name = _whole(data, PROP_UNIT, "单位"), _whole(data, PROP_ROUND, "轮次")
    by = BY_PROPERTIES if props.get(PROP_UNIT) else BY_META
    if not round_name:
        round_name = _round_in(data.title, rounds) or _round_in(PurePosixPath(file_name).stem, rounds) or current
    info = rounds.get(round_name)
    if info is None:
        raise ReturnError(f"台账所属轮次「{round_name}」没有生成记录（当前轮次为「{current}」），请核对后重新报送",
                          file=file_name, code="return.round_unknown")
    if unit:
        found = info.names.get(canonical(unit))
        if found is None:
            raise ReturnError(f"单位「{unit}」在轮次「{round_name}」中没有任务，请核对单位名册与任务分配",
                              file=file_name, code="return.unit_not_in_round")
        return _with_round_note(Recognition(found, info, by), current)
    for how, guess in ((BY_TITLE, lambda: _unit_in(_title_unit(data.title), info)),
                       (BY_FILE_NAME, lambda: _unit_in(_file_unit(file_name), info)),
                       (BY_TASK_IDS, lambda: _unit_by_tasks(data.task_ids, info))):
        found = guess()
        if found:
            return _with_round_note(Recognition(found, info, how), current)
    raise ReturnError("无法确定报送单位：文件中没有识别信息，标题、文件名和任务编号也对不上本轮次的单位；"
                      "请使用下发的台账填写，或在文件名中写明单位名称", file=file_name, code="return.unrecognized")


def _whole(data: ReturnData, name: str, label: str) -> str:
    """A document property; 识别信息's value (read only then) when there is none or it was cut to fit."""
    value = data.properties.get(name) or ""
    if value and len(value) < PROPERTY_LIMIT:
        return value
    in_sheet = data.meta.get(label) or ""
    return in_sheet if in_sheet.startswith(value) else value


def _with_round_note(found: Recognition, current: str) -> Recognition:
    if found.round.name != current:
        found.notes.append(return_problem("return.other_round", round=found.round.name, current=current))
    return found


def _round_in(text: str, rounds: Rounds) -> str | None:
    key = canonical(text)
    hits = [name for name in rounds.names if canonical(name) and canonical(name) in key]
    return max(hits, key=len) if hits else None


def _title_unit(title: str) -> str:
    return re.split(r"法治政府|创建工作台账|工作台账|（|\(", title, maxsplit=1)[0] if title else ""


def _file_unit(file_name: str) -> str:
    return _FILE_NOISE.sub("", unicodedata.normalize("NFKC", PurePosixPath(file_name).stem))


def named_elsewhere(names: list[str], found: Recognition) -> str:
    """The unit a file name names when the workbook itself is another unit's, else "": `names` are the zip
    entry's name (when there is one), then the file's own. A name that names no unit says nothing."""
    if found.by in (BY_FILE_NAME, BY_TASK_IDS):  # the name (or the rows) told who it is: nothing to compare
        return ""
    for name in names:
        named = _named_in(_file_unit(name), found.round)
        if named:
            return "" if named == found.unit else named
    return ""


def _named_in(text: str, info: RoundInfo) -> str | None:
    """The unit whose name or alias the text contains (the longest one), strictly: no cores, no fuzz."""
    name = info.contained_name(canonical(text))
    return None if name is None else info.names[name]


def unit_named_in(file_name: str, info: RoundInfo) -> str | None:
    """The unit a file's name points to (`县财政局佐证材料.zip`), as for a return recognised by its name."""
    return _unit_in(_file_unit(file_name), info)


def _unit_in(text: str, info: RoundInfo) -> str | None:
    """The unit named in free text: a name or alias in it (longest first), then its core, then fuzzily."""
    key = canonical(text)
    if len(key) < 2:
        return None
    names = info.longest_first()
    for name in names:
        if name in key:
            return info.names[name]
    cores: dict[str, str] = {}
    for name in names:
        core = _ADMIN_PREFIX.sub("", name)
        if len(core) >= 2 and core in key:
            cores.setdefault(info.names[name], core)
    if len(cores) == 1:
        return next(iter(cores))
    best = process.extractOne(key, names, scorer=fuzz.ratio, score_cutoff=80)
    return info.names[best[0]] if best else None


def _unit_by_tasks(task_ids: list[str], info: RoundInfo) -> str | None:
    """The one unit whose tasks are the rows' tasks; None when several units share the same tasks."""
    ids = set(task_ids) & set(info.tasks)
    if not ids:
        return None
    scored = sorted(((len(ids & set(t)) / len(ids | set(t)), u) for u, t in info.assignments.items()), reverse=True)
    if scored[0][0] >= 0.6 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None


@dataclass
class CheckedReturn:
    # for each answered row of the unit's own tasks: the row, its normalised values (FILL_COLUMNS order), whether
    # it is accepted (no error), and whether every cell is known to hold its normalised value as typed
    # (validate.as_typed, no formula: answers.raw is NULL); a row's problems are in `problems`
    rows: list[tuple[LedgerRow, Sequence[object], bool, bool]]
    problems: list[Problem]
    missing: list[str]

    @property
    def errors(self) -> int:
        return sum(p.level == ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level in (WARNING, MISSING) for p in self.problems)


def check_return(data: ReturnData, found: Recognition, *, has_attachments: bool) -> CheckedReturn:
    info, unit = found.round, found.unit
    mine = info.assignments.get(unit, {})
    problems = list(found.notes)
    problems += [Problem(n.level, n.message, n.fix, sheet=n.sheet, cell=n.cell, code=n.code) for n in data.notes]
    rows: list[tuple[LedgerRow, Sequence[object], bool, bool]] = []
    seen: dict[str, int] = {}
    id_col = data.columns.get(ID_COLUMN)
    percent_possible = data.book.may_have_percent()
    tasks, text_changed, append = info.tasks, info.text_changed, rows.append  # asked of every row
    # the usual rows' results, told for all rows at once (plain_rows); only taken for a row without formula problems
    told: Iterable[tuple[tuple[object, ...], bool] | None] = repeat(None)
    if not percent_possible:
        told = plain_rows([row.raw for row in data.rows], has_attachments)
        if _all_usual(data, info, mine, told):  # what the loop below would find, told column by column
            every = cast("list[tuple]", told)
            rows = list(zip(data.rows, map(_FIRST, every), repeat(True), map(_SECOND, every)))
            told = ()  # nothing left for the loop
    for row, usual in zip(data.rows, told, strict=False):  # told: as many as rows, or endless Nones
        task_id = row.task_id
        if task_id in seen:
            where = _address(id_col, row.row)
            problems.append(return_problem("row.duplicate", task_id, ID_COLUMN, where, task_id, data.sheet,
                                           first=seen[task_id]))
            continue
        seen[task_id] = row.row + 1
        if task_id not in tasks:
            where = _address(id_col, row.row)
            problems.append(return_problem("row.unknown_task", task_id, ID_COLUMN, where, task_id, data.sheet))
            continue
        if task_id not in mine:
            where = _address(id_col, row.row)
            problems.append(return_problem("row.not_assigned", task_id, ID_COLUMN, where, task_id, data.sheet))
            continue
        if usual is None and row.empty:  # a row plain_rows tells is never empty (a blank 完成状态 is a problem)
            continue
        # the usual row: no RowResult made (plain_rows gives check_plain_row's result when it has no problem)
        if usual is not None and not row.issues:
            append((row, usual[0], True, usual[1] and not row.formula))
        else:
            if percent_possible or row.issues:
                result = _check_row(data, row, has_attachments, percent_possible)
            else:
                result = check_and_learn(task_id, row.raw, row, row.formula, has_attachments)
            problems += result.problems
            append((row, result.normalized, result.accepted, result.plain and not row.formula))
        if row.task_text and text_changed(task_id, row.task_text):
            problems.append(_text_changed(data, row))
    answered = set(map(_TASK_ID, map(_FIRST, rows)))
    missing = [t for t in info.tasks if t in mine and t not in answered and t not in _errored(problems)]
    problems += [return_problem("row.missing", t) for t in missing]
    problems += _overdue(info, mine, rows, found.round.due)
    for problem in problems:
        problem.sheet = problem.sheet or (data.sheet if problem.cell else None)
    return CheckedReturn(rows, problems, missing)


def _all_usual(data: ReturnData, info: RoundInfo, mine: dict[str, str],
               told: list[tuple[tuple[object, ...], bool] | None]) -> bool:
    """Whether check_return's loop would take every row as plain_rows told it, with no problem: each row told,
    without a formula (nor a formula problem), its task one of the unit's own, once, and its task text one
    found as sent before (RoundInfo.all_as_sent). Asked column by column: a return of the usual kind is then
    checked without a step per row; any other goes through the loop."""
    rows = data.rows
    if not rows or not all(told) or any(map(_FORMULA, rows)) or any(map(_ISSUES, rows)):
        return False
    ids = [row.task_id for row in rows]
    unique = set(ids)
    return (len(unique) == len(ids) and unique <= mine.keys() and unique <= info.tasks.keys()
            and info.all_as_sent(ids, [row.task_text for row in rows]))


_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_FORMULA, _ISSUES, _TASK_ID = attrgetter("formula"), attrgetter("issues"), attrgetter("task_id")


def _check_row(data: ReturnData, row: LedgerRow, has_attachments: bool, percent_possible: bool) -> RowResult:
    book, sheet, columns = data.book, cast(str, data.sheet), data.columns  # rows come from a sheet
    percent = (lambda column: column in columns and book.is_percent(sheet, row.row, columns[column])
               ) if percent_possible else _never
    return check_row(row.task_id, row.raw, row, percent=percent, formula=row.formula, issues=row.issues,
                     has_attachments=has_attachments)


def _never(_column: str) -> bool:
    return False


def _text_changed(data: ReturnData, row: LedgerRow) -> Problem:
    """The row's task text is not the one sent."""
    col = data.columns.get(TEXT_COLUMN)
    return return_problem("row.text_changed", row.task_id, TEXT_COLUMN, _address(col, row.row), row.task_text[:200])


def _fingerprint(text: str) -> str:
    return _short_fingerprint(text) if len(text) <= _CACHED_TEXT_LENGTH else fingerprint(text)


@lru_cache(maxsize=4096)
def _short_fingerprint(text: str) -> str:
    """fingerprint of a task text as sent: the same texts come back in return after return."""
    return fingerprint(text)


def _errored(problems: list[Problem]) -> set[str]:
    return {p.task_id for p in problems if p.task_id and p.level == ERROR}


def _overdue(info: RoundInfo, mine: dict[str, str], rows: list[tuple[LedgerRow, Sequence[object], bool, bool]],
             as_of: date | None) -> list[Problem]:
    """vocabulary.pair_overdue of each of the unit's tasks, asked only of those past their deadline."""
    late = [t for t in info.late(as_of or date.today()) if t in mine]
    if not late:
        return []
    states = {row.task_id: normalized[_STATUS] if accepted else STATE_NEEDS_FIX
              for row, normalized, accepted, _ in rows}
    return [return_problem("task.overdue", task_id, deadline=info.tasks[task_id]["deadline"])
            for task_id in late if states.get(task_id) in OVERDUE_STATES]


def _address(col: int | None, row: int) -> str | None:
    return cell_name(row, col) if col is not None else None

