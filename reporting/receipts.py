"""Receipts (回执): the unit's own workbook sent back with what they sent, problems marked, and a verdict.

A receipt is a unit workbook of kind 回执, written by workbook.write_unit_workbook with the same
recognition data as the ledger, so the unit can fix it and send that very file back. The unit's own file is
never loaded and re-saved (that would drop Excel's extended validations). Worker processes write them, each
reading what its receipts show from the store (collect has stored it all by then), strings in their cells.
"""

from __future__ import annotations

import functools
import operator
import re
import sqlite3
import warnings
from collections.abc import Generator
from contextlib import closing
from datetime import date
from pathlib import Path

from . import xlsx_writer
from .cells import decode_raw
from .evidence import claim_problems, own_problems, problem_rows
from .fileio import TEMP_PREFIX
from .models import Task
from .naming import file_stem
from .pool import ordered_map, worker_count
from .readers.base import column_letter
from .safe_xlsx import TextCutWarning, cuts_recorded
from .store import loads, read_only, transaction
from .templates import template_path
from .vocabulary import BLANK_LINE, ERROR, EVIDENCE, LEVEL_WORDS, MISSING, WARNING, verdict_line
from .workbook import CellMark, WorkbookRow, write_unit_workbook
from .workbook_spec import (
    ANSWER_FIELDS,
    FIELD_INDEX,
    FILL_COLUMNS,
    FILL_SPEC,
    FIRST_DATA_ROW,
    KIND_RECEIPT,
    LEDGER_COLUMNS,
    LIAISON_COLUMNS,
    PERCENT,
    SHEET_LEDGER,
)
from .workbook_template import TemplateSpec, load_template
from .workspace import Workspace

RECEIPTS_DIR = "回执"
POOL_THRESHOLD = 8  # below this many receipts, starting worker processes costs more than it saves
START_METHOD: str | None = None  # multiprocessing start method; None = the platform's default
_LEVEL_ORDER = {ERROR: 0, WARNING: 1, MISSING: 2}
_FIRST = operator.itemgetter(0)
_TASK_ID = operator.attrgetter("task.id")
# A receipt writes each string in its cell: what it writes is the same whatever else is in the book, so the
# writer keeps it from one receipt to the next (tests/test_xlsx_writer.py: the same book as with shared strings).
# Its styles are numbered alike in every receipt (workbook.receipt_formats), so rows are written as XML at once
# (tests/test_receipt_content.py: what openpyxl reads is what the book numbered by first use holds).
RECEIPT_WRITER = functools.partial(xlsx_writer.Workbook, options={"strings": "inline", "styles": "fixed"})


def receipt_path(ws: Workspace, round_name: str, unit: str) -> Path:
    return ws.round_dir(round_name) / RECEIPTS_DIR / f"{file_stem(unit)}.xlsx"


def write_pending_receipts(ws: Workspace, conn: sqlite3.Connection, workers: int | None = None) -> list[Path]:
    """A receipt for every latest return that has none yet (also those a crash left unwritten).

    The workbooks are written by worker processes when there are many, each reading what its receipts show
    from the store itself (only a submission's id goes to it, only the path and any cut texts come back);
    each is recorded in the store as soon as it is written, in submission order, so a crash leaves only the
    unwritten ones pending.
    """
    pending = conn.execute(
        "SELECT * FROM submissions WHERE superseded_by IS NULL AND hold = '' AND receipt IS NULL ORDER BY id",
    ).fetchall()
    if not pending:
        return []
    template = load_template(template_path(ws, "xlsx"))
    rounds = sorted({s["round"] for s in pending})
    for name in rounds:
        _remove_temporaries(ws.round_dir(name) / RECEIPTS_DIR)
    shared = (template, {name: _round_tasks(conn, name) for name in rounds}, ws.settings().contact)
    written = []
    with closing(_write_all(conn, _jobs(ws, pending), shared, len(pending), workers)) as results:
        for submission, (path, cuts) in zip(pending, results, strict=True):
            for cut in cuts:  # told here, whichever process wrote the receipt
                warnings.warn(TextCutWarning(f"回执 {ws.show(path)}{cut}"), stacklevel=2)
            with transaction(conn):
                conn.execute("UPDATE submissions SET receipt = ? WHERE id = ?", (ws.show(path), submission["id"]))
            written.append(path)
    return written


def _remove_temporaries(folder: Path) -> None:
    """What a writer ended mid-file (Ctrl-C stops the workers) left; nothing else writes here meanwhile."""
    for path in folder.glob(f"{TEMP_PREFIX}*"):
        path.unlink(missing_ok=True)


def _jobs(ws: Workspace, pending: list[sqlite3.Row]) -> list[tuple[Path, int | None]]:
    """(path, submission id) per submission; no id, nothing to write, when a later one has its file."""
    paths = [receipt_path(ws, s["round"], s["unit"]) for s in pending]
    last = {path: index for index, path in enumerate(paths)}  # two units, one file name: the later one stays
    return [(path, submission["id"] if last[path] == index else None)
            for index, (submission, path) in enumerate(zip(pending, paths, strict=True))]


_Shared = tuple[TemplateSpec, dict[str, dict[str, Task]], str]  # the template, each round's tasks, the contact


def _write_all(conn: sqlite3.Connection, jobs: list[tuple[Path, int | None]], shared: _Shared, total: int,
               workers: int | None) -> Generator[tuple[Path, list[str]], None, None]:
    """The receipts written, with the texts each cut to fit a cell, in job order: by worker processes when
    there are enough of them, each reading the store through its own read-only connection (so only what is
    committed: here, with a transaction open, it is read and written in this process).

    `shared` (the template, each round's tasks, the contact) goes to each worker once, not with every job.
    """
    count = 0 if conn.in_transaction else worker_count(total, workers, POOL_THRESHOLD)
    if count:
        return ordered_map(_write_job, jobs, count, initializer=_init_worker, initargs=(*shared, _db_file(conn)),
                           start_method=START_METHOD, chunk=CHUNK)
    return _write_here(conn, jobs, shared)


def _write_here(conn: sqlite3.Connection, jobs: list[tuple[Path, int | None]], shared: _Shared,
                ) -> Generator[tuple[Path, list[str]], None, None]:
    _init_worker(*shared, conn)
    try:
        yield from (_write_job(job) for job in jobs)
    finally:
        _worker.clear()


def _db_file(conn: sqlite3.Connection) -> str:
    return next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")


def receipt_fields(conn: sqlite3.Connection, submission: sqlite3.Row, contact: str, tasks: dict[str, Task],
                   ) -> dict:
    """What write_unit_workbook needs for the submission's receipt, read from the store; `tasks` are the round's,
    in ledger order (as _round_tasks gives them)."""
    round_row = conn.execute("SELECT campaign, due FROM rounds WHERE name = ?", (submission["round"],)).fetchone()
    own: list[_Problem] = own_problems(conn, submission["id"])
    rows, answered = _unit_rows(conn, submission, own, tasks)
    claims = claim_problems(conn, submission["id"], answered)
    problems = own + claims if claims is not None else [row[1:9] for row in problem_rows(conn, submission["id"])]
    positions = dict(zip(map(_TASK_ID, rows), range(len(rows)), strict=True))
    levels = set(map(_FIRST, problems))
    marks = [CellMark(task_id, _mark_column(column), f"{message}。{fix}".rstrip("。"),
                      ERROR if level == ERROR else WARNING)
             for level, _sheet, _cell, task_id, _value, message, fix, column in problems
             if task_id in positions and level in _LEVEL_ORDER] if not levels.isdisjoint(_LEVEL_ORDER) else []
    verdict = verdict_line(submission["errors"], submission["warnings"])
    verdict += "。请按「问题清单」修改本文件后重新报送" if submission["errors"] else "。谢谢配合"
    evidence = list(map(_FIRST, problems)).count(EVIDENCE) if EVIDENCE in levels else 0
    if evidence:
        verdict += f"。佐证材料有 {evidence} 处待补（缺文件或附件未对应到任务），见「问题清单」"
    if submission["blank"]:
        verdict = BLANK_LINE
    return {
        "campaign": round_row[0], "unit": submission["unit"], "round_name": submission["round"],
        "due": date.fromisoformat(round_row[1]) if round_row[1] else None, "contact": contact,
        "rows": rows, "liaison": _liaison(conn, submission["unit"]), "kind": KIND_RECEIPT, "marks": marks,
        "verdict": verdict, "problems": _problem_rows(sorted(problems, key=_order) if len(levels) > 1 else problems,
                                                      positions)}


# A problem as a receipt reads it: (level, sheet, cell, task_id, value, message, fix, column_name),
# evidence.problem_rows' columns after submission_id.
_Problem = tuple[str, "str | None", "str | None", "str | None", "str | None", str, str, "str | None"]
_EVIDENCE = FIELD_INDEX["evidence"]  # of the 佐证材料 column among an answers row's fill columns
_PERCENT = frozenset(index for index, column in enumerate(FILL_SPEC) if column.kind == PERCENT)
CHUNK = 4  # receipts handed to a worker at a time: a job and its result are a few bytes each
_worker: dict = {}


def _init_worker(template: TemplateSpec, tasks: dict[str, dict[str, Task]], contact: str,
                 db: str | sqlite3.Connection) -> None:
    """A worker reads the store through its own read-only connection (the main process only records the
    receipts written); here, through the caller's."""
    if isinstance(db, str):
        db = read_only(Path(db))
    _worker.update(template=template, tasks=tasks, contact=contact, conn=db)


def _write_job(job: tuple[Path, int | None]) -> tuple[Path, list[str]]:
    """Write one receipt; none when a later one goes to the same file (it would replace it anyway). With it,
    the TextCutWarning messages of the texts cut to fit a cell: a worker's warnings would die with it."""
    path, submission_id = job
    if submission_id is None:
        return path, []
    conn = _worker["conn"]
    submission = conn.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone()
    fields = receipt_fields(conn, submission, _worker["contact"], _worker["tasks"][submission["round"]])
    with cuts_recorded() as cuts:
        write_unit_workbook(path, _worker["template"], writer=RECEIPT_WRITER, **fields)
    return path, cuts


def _round_tasks(conn: sqlite3.Connection, round_name: str) -> dict[str, Task]:
    """The round's tasks in ledger order."""
    return {r["task_id"]: Task(id=r["task_id"], text=r["text"], path=loads(r["path"]), lead=loads(r["lead"]),
                               responsible=loads(r["responsible"]), deadline=r["deadline"], targets=loads(r["targets"]))
            for r in conn.execute("SELECT * FROM round_tasks WHERE round = ? ORDER BY seq", (round_name,))}


def _unit_rows(conn: sqlite3.Connection, submission: sqlite3.Row, problems: list[_Problem], tasks: dict[str, Task],
               ) -> tuple[list[WorkbookRow], dict[str, tuple[object, object]]]:
    """The unit's task rows in the round in ledger order (`tasks`: the round's, in that order), each with its role
    and what the unit sent in it, per column: the normalised value where it was right, else as typed (one query:
    the assignments with their answers rows, put in order here rather than by joining round_tasks for their seq);
    and per task with an answers row, its sheet and 佐证材料 (evidence.claim_problems')."""
    order = _ledger_order(tasks)
    letters = loads(submission["columns"])
    flagged = {(sheet, cell) for level, sheet, cell, *_rest in problems if level in (ERROR, WARNING)}
    flagged_rows = {(sheet, int(re.sub(r"\D", "", cell) or 0)) for sheet, cell in flagged if cell}
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: 300,000 rows at province scale
    found: list[WorkbookRow] = []
    append = found.append
    answered: dict[str, tuple[object, object]] = {}
    percent = [(_FILLS + index, FILL_COLUMNS[index]) for index in sorted(_PERCENT)]
    evidence = _FILLS + _EVIDENCE
    query = (submission["id"], submission["round"], submission["unit"])
    rows = cursor.execute(_UNIT_ROWS_SQL, query).fetchall()
    try:
        rows.sort(key=lambda found: order[found[0]])
    except KeyError:  # an assignment without its round_tasks row (generate writes both): not in the ledger
        rows = sorted((found for found in rows if found[0] in order), key=lambda found: order[found[0]])
    for found_row in rows:  # (task_id, role, present, sheet, row, raw, *normalized): read by place, no unpacking
        if found_row[2]:
            answered[found_row[0]] = (found_row[3], found_row[evidence])
        if found_row[5] is None and (not flagged_rows or (found_row[3], found_row[4]) not in flagged_rows):
            # as typed, nothing wrong: None for a column left empty, as the ledger reads a column not there
            shown = dict(zip(FILL_COLUMNS, found_row[_FILLS:], strict=True))  # (dict(zip) runs in C)
            for index, column in percent:
                value = found_row[index]
                if value.__class__ is float and value.is_integer():  # as _shown
                    shown[column] = int(value)
            append(WorkbookRow(tasks[found_row[0]], found_row[1], shown))
            continue
        task_id, role, _present, sheet, row, raw, *normalized = found_row
        values: dict[str, object] = {}
        for index, (raw_text, kind) in enumerate(decode_raw(raw, normalized)):
            letter = letters[index] if index < len(letters) else None
            ok = letter is None or (sheet, f"{letter}{row}") not in flagged
            if ok and kind.endswith("empty"):
                continue
            keep = ok and normalized[index] is not None
            values[FILL_COLUMNS[index]] = _shown(index, normalized[index]) if keep else raw_text
        found.append(WorkbookRow(tasks[task_id], role, values))
    return found, answered


# the unit's assignments in ledger order, each with its role and answers row (NULLs when it sent none): the fill
# columns' values from the _FILLS-th on
_FILLS = 6
_UNIT_ROWS_SQL = (
    "SELECT a.task_id, a.role, s.task_id IS NOT NULL, s.sheet, s.row, s.raw, "
    f"{', '.join(f's.{f}' for f in ANSWER_FIELDS.values())} "
    "FROM assignments a LEFT JOIN answers s ON s.submission_id = ? AND s.task_id = a.task_id "
    "WHERE a.round = ? AND a.unit = ?")
_ORDERS: dict[int, tuple[dict[str, Task], dict[str, int]]] = {}  # id of a round's tasks → them, their places


def _ledger_order(tasks: dict[str, Task]) -> dict[str, int]:
    """Task id → its place in the ledger, of tasks in ledger order; once per process and dict of tasks."""
    found = _ORDERS.get(id(tasks))
    if found is None or found[0] is not tasks:
        if len(_ORDERS) >= 16:  # (one per round in a worker)
            _ORDERS.clear()
        found = _ORDERS[id(tasks)] = (tasks, {task_id: index for index, task_id in enumerate(tasks)})
    return found[1]


def _shown(index: int, value: object) -> object:
    """A normalised value as the receipt shows it: progress 100.0 as 100."""
    if index in _PERCENT and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _liaison(conn: sqlite3.Connection, unit: str) -> dict[str, str]:
    row = conn.execute("SELECT * FROM liaisons WHERE unit = ?", (unit,)).fetchone()
    if row is None:
        return {}
    fields = ["leader", "liaison", "post", "mobile", "email"]
    return {column: row[name] or "" for column, name in zip(LIAISON_COLUMNS[1:], fields, strict=True)}


def _mark_column(column: str | None) -> str:
    return column if column in LEDGER_COLUMNS else FILL_COLUMNS[0]


def _order(problem: _Problem) -> int:
    return _LEVEL_ORDER.get(problem[0], 3)


def _problem_rows(problems: list[_Problem], positions: dict[str, int]) -> list[list[str]]:
    """Per problem, [单元格, 填报内容, 问题, 修改方法]: the cell as it is in this receipt when the task is in it."""
    found = []
    for level, sheet, cell, task_id, value, message, fix, column in problems:
        position = positions.get(task_id) if task_id is not None else None
        if position is not None:
            where = _ledger_cell(column, position)
        elif cell:
            where = f"原文件 {sheet or ''}!{cell}".replace(" !", " ")
        else:
            where = "—"
        found.append([where, value or "", _problem_text(level, message), fix])
    return found


@functools.lru_cache(maxsize=4096)
def _ledger_cell(column: str | None, position: int) -> str:
    """"工作台账!" and the cell a problem about this column of the task row at this position is marked in."""
    return f"{SHEET_LEDGER}!{column_letter(LEDGER_COLUMNS.index(_mark_column(column)))}{FIRST_DATA_ROW + position}"


@functools.lru_cache(maxsize=1024)
def _problem_text(level: str, message: str) -> str:
    return f"【{LEVEL_WORDS.get(level, '')}】{message}"
