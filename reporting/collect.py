"""Stage 3: read every new file in inbox/, store what it says, and answer each unit with a receipt.

Safe to run at any time, as often as wanted: a file already read (same content) is skipped; each file is
stored in one transaction, so a crash or Ctrl-C leaves the store as it was before that file and the next
run finishes the job; inbox/ is never changed. Every file read is copied byte for byte into archive/.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import cast

from . import readers
from .collect_match import RECOGNIZED_BY, Rounds, return_problem, unit_named_in
from .collect_read import FileJob, ReadFile, ReadPiece, file_digest, file_format, read_files
from .errors import WorkspaceError
from .evidence import (
    CLAIM_COLUMN,
    EVIDENCE_RULES,
    FILE_WITHOUT_TASK,
    LEVEL_EVIDENCE,
    claim_needs_file,
    match_file,
    store_claims,
)
from .figures import keep_all_counts
from .fileio import remove_temporaries
from .generate import accepted_answers, plain_value, prefill_reference
from .latest import Confirmed, ConfirmError, confirm_return, hold_return, newer_than, saved_text, settle_latest
from .mail.fetch import sender_doubt
from .progress import ProgressHook, no_progress
from .quotes import NOTE_COLUMNS
from .receipts import write_pending_receipts
from .rounds import current_round
from .store import connect, transaction, workspace_lock
from .vocabulary import BLANK_LINE, STATE_BLANK, STATE_HELD, verdict_line, verdict_of
from .workbook_spec import ANSWER_FIELDS, FILL_COLUMNS, LIAISON_COLUMNS, SHEET_LIAISON
from .workspace import Workspace

READ, ERROR_FILE, DUPLICATE = "read", "error", "duplicate"
# An answers row as collect_read makes it: the fill columns' values in FILL_COLUMNS order between the others.
_ANSWER_COLUMNS = ["submission_id", "task_id", "accepted", *ANSWER_FIELDS.values(), "sheet", "row", "raw",
                   *NOTE_COLUMNS]
_ANSWER_ROW = f"({', '.join('?' * len(_ANSWER_COLUMNS))})"
# A return's answers go in by INSERT … VALUES (…), (…) of up to ANSWERS_PER_INSERT rows: one statement step where
# executemany takes one a row (about a fifth of the insert's CPU at 150 rows).
ANSWERS_PER_INSERT = 50
# SQLite binds at most 32,766 variables to a statement, 999 before 3.32
_ROWS_PER_INSERT = min(ANSWERS_PER_INSERT,
                       (32766 if sqlite3.sqlite_version_info >= (3, 32) else 999) // len(_ANSWER_COLUMNS))
# A problems row: collect_read's problem tuples (and the lines of files that fit no task) after their submission id.
_INSERT_PROBLEM = ("INSERT INTO problems (submission_id, level, sheet, cell, task_id, value, message, fix, "
                   "column_name, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_LIAISON_FIELDS = dict(zip(LIAISON_COLUMNS[1:], ["leader", "liaison", "post", "mobile", "email"], strict=True))


@dataclass
class ReturnOutcome:
    """One workbook stored as a unit's return."""

    member: str
    unit: str
    round: str
    recognized_by: str
    errors: int
    warnings: int
    submission_id: int
    superseded: int | None = None
    attachments: list[str] = field(default_factory=list)
    current_round: bool = True
    blank: bool = False  # nothing filled in (空表): answered, not counted
    held: str = ""  # why it is held as 待确认 ("" when it is not)

    @property
    def accepted(self) -> bool:
        return self.errors == 0 and not self.blank

    @property
    def verdict(self) -> str:
        if self.blank:
            return BLANK_LINE
        line = verdict_line(self.errors, self.warnings)
        if self.held:
            return f"{STATE_HELD}（{self.held}），暂不替代已有报送，核实后用 reporting confirm 确认；读取结果：{line}"
        return line


@dataclass
class FileOutcome:
    name: str  # as the coordinator knows it: inbox/…
    status: str  # READ / ERROR_FILE / DUPLICATE
    message: str = ""
    returns: list[ReturnOutcome] = field(default_factory=list)
    code: str = ""  # why it was refused or skipped, a stable rule code (readers.base.FILE_RULES); "" when read


@dataclass
class CollectResult:
    round: str
    files: list[FileOutcome] = field(default_factory=list)
    unchanged: int = 0  # files seen in an earlier run, skipped without reading
    receipts: list[Path] = field(default_factory=list)
    prefilled: dict[str, str | None] = field(default_factory=dict, repr=False)  # round → prefill_reference

    @property
    def returns(self) -> list[ReturnOutcome]:
        return [r for f in self.files for r in f.returns]

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == ERROR_FILE]


def collect_inbox(ws: Workspace, *, round_name: str | None = None, progress: ProgressHook | None = None,
                  receipts: bool = True, workers: int | None = None) -> CollectResult:
    """Read every new file in inbox/ (see the module docstring); one FileOutcome per file looked at."""
    ws.require(ws.inbox, "请先运行 reporting init 创建工作目录")
    if not ws.inbox.is_dir():  # os.walk of a file finds nothing: the run would say 0 files, as if all were read
        raise WorkspaceError(f"{ws.show(ws.inbox)} 应是文件夹，现在却是文件：请把它移走或改名，"
                             "新建 inbox 文件夹后重新运行")
    if not ws.db_path.exists():  # never made, or deleted: either way, no empty store is made in its place
        raise WorkspaceError("尚未生成任何轮次的台账，请先运行 reporting generate")
    progress = progress or no_progress
    with workspace_lock(ws.root):
        remove_temporaries(ws.archive)  # what a killed run was copying
        conn = connect(ws.db_path)
        # Each file is still stored in one transaction, all or nothing: under WAL, NORMAL gives up only the
        # durability of the last commits before a power cut (not their atomicity), and a file whose commit
        # was lost is simply read again by the next run, as inbox/ is never changed. Saves an fsync per file.
        conn.execute("PRAGMA synchronous = NORMAL")
        try:
            rounds = Rounds(conn)
            current = current_round(ws, rounds.names, round_name)
            run_id = _start_run(conn)
            result = CollectResult(current)
            _collect_files(ws, conn, rounds, current, run_id, result, progress, workers)
            if receipts:
                result.receipts = write_pending_receipts(ws, conn, workers=workers)
            with transaction(conn):
                conn.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (_now(), run_id))
                keep_all_counts(conn)  # figures.py: the returns stored in this run counted
            return result
        finally:
            # a worker killed mid-copy (a crash, a limit, a fault stopping the run) leaves its temporary
            # file: cleaned once the pool has ended, holding the lock, rather than left for the next run (which
            # cleans too: a fault here must not hide the run's own error)
            with suppress(OSError):
                remove_temporaries(ws.archive)
            conn.close()


@dataclass(frozen=True)
class _InboxFile:
    path: Path
    rel: str  # relative to inbox/, with "/"
    stat: os.stat_result

    @property
    def shown(self) -> str:  # as the coordinator knows it (Workspace.show)
        return f"inbox/{self.rel}"


def _collect_files(ws: Workspace, conn: sqlite3.Connection, rounds: Rounds, current: str, run_id: int,
                   result: CollectResult, progress: ProgressHook, workers: int | None) -> None:
    """Every inbox file, in order: skipped when seen unchanged, else read (maybe by workers) and stored here."""
    files = _inbox_files(ws, result)
    seen = {row["path"]: row for row in conn.execute(
        "SELECT p.*, f.status FROM inbox_paths p LEFT JOIN files f ON f.hash = p.hash")}
    fresh = [f for f in files if not _unchanged(seen.get(f.rel), f.stat)]
    jobs = [FileJob(str(f.path), f.shown, f.stat.st_mtime, str(ws.root)) for f in fresh]
    with closing(read_files(jobs, current, ws.db_path, workers, ws.settings().words)) as reads:
        wanted = {f.rel for f in fresh}
        for index, found in enumerate(files):
            progress(index, len(files), found.path.name)
            if found.rel not in wanted:
                result.unchanged += 1
                continue
            _collect_path(conn, current, run_id, found, next(reads), seen, result, rounds)
    progress(len(files), len(files), "")


def _unchanged(known: sqlite3.Row | None, stat: os.stat_result) -> bool:
    """Read before, successfully, and the same size and time now: skipped without reading it again."""
    return known is not None and known["size"] == stat.st_size and known["mtime"] == stat.st_mtime and (
        known["status"] == READ)


def _start_run(conn: sqlite3.Connection) -> int:
    with transaction(conn):
        return _new_id(conn.execute("INSERT INTO runs (command, started_at) VALUES ('collect', ?)", (_now(),)))


def _new_id(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT just made (always set after one)."""
    return cast(int, cursor.lastrowid)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _inbox_files(ws: Workspace, result: CollectResult) -> list[_InboxFile]:
    """The regular files to look at, oldest first (so a unit's later file supersedes its earlier one).

    inbox/ is only read: links are never followed (a link could point anywhere on the machine), pipes,
    devices and sockets never opened; each is told once per run and skipped. Names that are not UTF-8
    (what unzipping a Windows zip on Linux gives) are shown and stored decoded as GBK when that fits.
    """
    found = []
    for folder, dirs, names in os.walk(ws.inbox, onerror=None):
        base = Path(folder)
        if dirs and len(base.relative_to(ws.inbox).parts) >= MAX_FOLDER_DEPTH:  # os.walk recurses: ~1,000 levels end it
            rel = _readable_name(base.relative_to(ws.inbox).as_posix())
            result.files.append(FileOutcome(f"inbox/{rel}", ERROR_FILE, TOO_DEEP, code="inbox.too_deep"))
            dirs.clear()
        for name in sorted(dirs):
            rel = _readable_name((base / name).relative_to(ws.inbox).as_posix())
            if (base / name).is_symlink():
                result.files.append(FileOutcome(f"inbox/{rel}", ERROR_FILE, LINK_SKIPPED, code="inbox.link"))
            elif PurePosixPath(rel).suffix.lower() in _FILE_SUFFIXES:
                result.files.append(FileOutcome(f"inbox/{rel}", ERROR_FILE, FOLDER_SKIPPED, code="inbox.folder"))
                dirs.remove(name)
        for name in sorted(names):
            path = base / name
            rel = _readable_name(path.relative_to(ws.inbox).as_posix())
            if rel.lower() == "readme.md" or readers.is_ignored(rel):
                continue  # README.md: the workspace's own note
            try:
                info = path.lstat()
            except OSError:
                continue  # gone since the folder was listed
            if stat.S_ISLNK(info.st_mode):
                result.files.append(FileOutcome(f"inbox/{rel}", ERROR_FILE, LINK_SKIPPED, code="inbox.link"))
            elif not stat.S_ISREG(info.st_mode):
                result.files.append(FileOutcome(f"inbox/{rel}", ERROR_FILE, SPECIAL_SKIPPED, code="inbox.special"))
            else:
                found.append(_InboxFile(path, rel, info))
    return sorted(found, key=lambda f: (f.stat.st_mtime, f.rel))


LINK_SKIPPED = "是符号链接，collect 不跟随链接读取，已跳过；请把文件本身复制到 inbox/"
SPECIAL_SKIPPED = "不是普通文件（管道、设备等），已跳过"
FOLDER_SKIPPED = "是文件夹而不是文件，已跳过；如需报送其中的文件，请把它们直接放入 inbox/"
MAX_FOLDER_DEPTH = 32  # folders below inbox/ that are looked into
TOO_DEEP = f"文件夹层级过深（超过 {MAX_FOLDER_DEPTH} 层），其中更深的文件夹未读取；请把文件直接放入 inbox/"
_FILE_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".zip", ".et"}


def _readable_name(rel: str) -> str:
    """A name as the sender meant it: bytes that are not UTF-8 decoded as GBK when they are valid GBK
    (decoding is one to one, so nothing is lost), else kept with each such byte written as \\xNN."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        raw = os.fsencode(rel)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


# ---------------------------------------------------------------- one inbox file


def _collect_path(conn: sqlite3.Connection, current: str, run_id: int, found: _InboxFile, read: ReadFile,
                  seen: dict, result: CollectResult, rounds: Rounds) -> None:
    rel, stat, shown, digest = found.rel, found.stat, found.shown, read.digest
    if not digest:  # could not be opened: told, not stored, tried again next run
        result.files.append(FileOutcome(shown, ERROR_FILE, "；".join(read.notes), code=read.code))
        return
    known = seen.get(rel)
    previous = conn.execute("SELECT name, status, run_id FROM files WHERE hash = ?", (digest,)).fetchone()
    if previous is not None and previous["status"] == READ:
        _remember_path(conn, rel, stat, digest)
        if known is not None and known["hash"] == digest:
            result.unchanged += 1
            return
        when = "本次" if previous["run_id"] == run_id else "此前"
        result.files.append(FileOutcome(shown, DUPLICATE, f"内容与{when}读取的 inbox/{previous['name']} 相同，已跳过"))
        return
    pieces, notes = read.pieces, list(read.notes)
    if read.evidence_only:
        _collect_evidence_only(conn, current, run_id, found, read, rounds, result)
        return
    stored = [p for p in pieces if p.stored]
    notes += [f"{p.member or '文件'}：{p.error}" if p.member else p.error for p in pieces if not p.stored]
    refused = [p.code for p in pieces if not p.stored and p.code]
    code = "" if stored else (read.code or (refused[0] if refused else ""))
    outcome = FileOutcome(shown, READ if stored else ERROR_FILE, "；".join(notes), code=code)
    with transaction(conn):
        _store_file(conn, rel, shown, read, stat, run_id, outcome, file_format(pieces))
        for piece in stored:
            if not piece.blank:
                _unchanged_from_prefill(conn, piece, result.prefilled)
            outcome.returns.append(_store_return(conn, piece, digest, run_id, current, read.attachments))
        _remember_path(conn, rel, stat, digest)
    result.files.append(outcome)


def _collect_evidence_only(conn: sqlite3.Connection, current: str, run_id: int, found: _InboxFile,
                           read: ReadFile, rounds: Rounds, result: CollectResult) -> None:
    """A zip of 佐证材料 without a workbook: kept for the unit its name points to, else reported."""
    info = rounds.get(current)
    unit = unit_named_in(found.rel, info) if info else None
    if unit:
        message = "；".join([f"佐证材料压缩包（无台账），按文件名归入{unit}：{len(read.attachments)} 个文件",
                             *read.notes])
        outcome = FileOutcome(found.shown, READ, message)
    else:
        outcome = FileOutcome(found.shown, ERROR_FILE, "；".join(["压缩包中没有台账工作簿，文件名中也看不出是哪个单位的"
                                                                 "佐证材料；请在文件名中写明单位名称，或与台账一起打包",
                                                                 *read.notes]), code="zip.no_workbook")
    with transaction(conn):
        _store_file(conn, found.rel, found.shown, read, found.stat, run_id, outcome, readers.FORMAT_ZIP)
        if unit:
            conn.executemany(
                "INSERT INTO loose_evidence (file_hash, round, unit, name, archive_path, size, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [(read.digest, current, unit, *a) for a in read.attachments])
            _refresh_claim_lines(conn, current, unit)
        _remember_path(conn, found.rel, found.stat, read.digest)
    result.files.append(outcome)


def _remember_path(conn: sqlite3.Connection, rel: str, stat, digest: str) -> None:
    with _maybe_transaction(conn):
        conn.execute("INSERT OR REPLACE INTO inbox_paths (path, size, mtime, hash) VALUES (?, ?, ?, ?)",
                     (rel, stat.st_size, stat.st_mtime, digest))


class _maybe_transaction:
    """A transaction unless one is already open."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.own = conn, not conn.in_transaction

    def __enter__(self) -> None:
        if self.own:
            self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb) -> None:
        if self.own:
            self.conn.execute("ROLLBACK" if kind else "COMMIT")


# ---------------------------------------------------------------- the store


def _store_file(conn: sqlite3.Connection, rel: str, shown: str, read: ReadFile, stat: os.stat_result, run_id: int,
                outcome: FileOutcome, fmt: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO files (hash, name, inbox_path, archive_path, size, mtime, seen_at, run_id, status, "
        "message, format, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (read.digest, rel, shown, read.archived, read.size, stat.st_mtime, _now(), run_id, outcome.status,
         outcome.message, fmt, outcome.code))


def _store_return(conn: sqlite3.Connection, piece: ReadPiece, file_hash: str, run_id: int, current: str,
                  attachments: list[tuple[str, str, int, str]]) -> ReturnOutcome:
    verdict = STATE_BLANK if piece.blank else verdict_of(piece.errors)
    submission_id = _new_id(conn.execute(
        "INSERT INTO submissions (file_hash, member, round, unit, recognized_by, read_at, run_id, mtime, verdict, "
        "errors, warnings, late, note, format, member_hash, columns, blank, saved_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (file_hash, piece.member, piece.round, piece.unit, piece.by, _now(), run_id, piece.mtime, verdict,
         piece.errors, piece.warnings, int(piece.late), piece.note, piece.fmt, piece.hash if piece.member else None,
         piece.columns, int(piece.blank), piece.saved_at)))
    mine = _store_checked(conn, submission_id, piece, attachments)
    outcome = ReturnOutcome(piece.member, piece.unit, piece.round, RECOGNIZED_BY[piece.by], piece.errors,
                            piece.warnings, submission_id, None, [a[0] for a in mine], piece.round == current,
                            blank=piece.blank)
    if piece.blank:
        _store_liaison(conn, submission_id, piece.unit, piece.liaison)
        return outcome
    outcome.held = _doubt(conn, piece, submission_id) or sender_doubt(conn, file_hash, piece.unit)
    if outcome.held:  # whose 联络员信息 it is waits for reporting confirm, as the return does
        hold_return(conn, submission_id, outcome.held)
        return outcome
    _store_liaison(conn, submission_id, piece.unit, piece.liaison)
    superseded = settle_latest(conn, piece.round, piece.unit)
    outcome.superseded = superseded[0] if superseded else None
    return outcome


def _store_checked(conn: sqlite3.Connection, submission_id: int, piece: ReadPiece,
                   attachments: list[tuple[str, str, int, str]]) -> list[tuple[str, str, int, str]]:
    """What checking the return against its unit's tasks gave (rows, cells, problems, evidence); the files
    beside the workbook that are its own (those in its folder of a zip, else all)."""
    _store_rows(conn, submission_id, piece)
    folder = PurePosixPath(piece.member).parent.as_posix()
    mine = [a for a in attachments if PurePosixPath(a[0]).parent.as_posix() == folder] or attachments
    _store_evidence(conn, submission_id, piece, mine)
    return mine


def _unchanged_from_prefill(conn: sqlite3.Connection, piece: ReadPiece, prefilled: dict[str, str | None],
                            ) -> None:
    """A return saying exactly what generate pre-filled from the last round: accepted, with a warning that
    nothing was updated."""
    if piece.round not in prefilled:
        prefilled[piece.round] = prefill_reference(conn, piece.round)
    before = accepted_answers(conn, piece.round, piece.unit, prefilled[piece.round])
    if not before:
        return
    now = {}
    for row in piece.answers:
        values = {column: plain_value(value) for column, value in zip(FILL_COLUMNS, row[2:], strict=False)}
        now[row[0]] = {k: v for k, v in values.items() if v not in (None, "")}
    if now != before:
        return
    problem = return_problem("return.unchanged", round=piece.round)
    piece.problems.append((problem.level, None, None, None, None, problem.message, problem.fix, None, problem.code))
    piece.warnings += 1
    piece.note = "；".join(filter(None, [piece.note, problem.message]))


def _doubt(conn: sqlite3.Connection, piece: ReadPiece, submission_id: int) -> str:
    """Why the return should wait for the coordinator (待确认), or ""."""
    if piece.named:
        return f"文件名写的是「{piece.named}」，工作簿内是「{piece.unit}」的台账"
    newer = newer_than(conn, piece.round, piece.unit, piece.saved_at, exclude=submission_id)
    if newer is not None:
        return (f"保存于 {saved_text(piece.saved_at)}，早于已收到的 inbox/{newer['file_name']}"
                f"（保存于 {saved_text(newer['saved_at'])}）")
    return ""


def _store_evidence(conn: sqlite3.Connection, submission_id: int, piece: ReadPiece,
                    attachments: list[tuple[str, str, int, str]]) -> None:
    """The files beside the workbook, each with the task it was matched to; for the receipt, a 佐证 line
    for each file that fits no task, and the 已完成 claims with no file (files sent earlier count: store_claims)."""
    evidence = 2 + FILL_COLUMNS.index(CLAIM_COLUMN)
    earlier = _evidence_names(conn, piece.round, piece.unit, submission_id)
    claims = piece.claims
    if attachments or earlier:
        cells = {row[0]: row[evidence] or "" for row in piece.answers}
        matches = [match_file(a[0], cells) for a in attachments]
        conn.executemany(
            "INSERT INTO attachments (submission_id, name, archive_path, size, hash, task_id, matched_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", [(submission_id, *a, m.task_id, m.by)
                                             for a, m in zip(attachments, matches, strict=True)])
        conn.executemany(_INSERT_PROBLEM, [
            (submission_id, LEVEL_EVIDENCE, None, None, None, a[0],
             *EVIDENCE_RULES[FILE_WITHOUT_TASK].text(name=a[0], reason=m.reason), None, FILE_WITHOUT_TASK)
            for a, m in zip(attachments, matches, strict=True) if m.task_id is None])
        served = {m.task_id for m in matches} | {match_file(name, cells).task_id for name in earlier}
        claims = [task_id for task_id in claims if task_id not in served]
    store_claims(conn, submission_id, claims)


def _evidence_names(conn: sqlite3.Connection, round_name: str, unit: str, exclude: int | None = None) -> list[str]:
    """The names of every file the unit sent as evidence in the round (beside any return of it but `exclude`,
    or on their own)."""
    return [row[0] for row in conn.execute(
        "SELECT a.name FROM attachments a JOIN submissions s ON s.id = a.submission_id "
        "WHERE s.round = ? AND s.unit = ? AND s.id IS NOT ? "
        "UNION ALL SELECT name FROM loose_evidence WHERE round = ? AND unit = ?",
        (round_name, unit, exclude, round_name, unit))]


def _claims(rows: list[tuple], served: set[str | None]) -> list[str]:
    """The task of each accepted 已完成 row (task, accepted, status, mode, in the return's order) that needs a
    file and has none among `served` (the tasks the unit's files were matched to)."""
    return [task_id for task_id, accepted, status, mode in rows
            if accepted and claim_needs_file(status, mode) and task_id not in served]


def _refresh_claim_lines(conn: sqlite3.Connection, round_name: str, unit: str) -> None:
    """Files that came after the unit's return: its receipt's claim lines are worked out again (the files
    may prove some) and the receipt is written anew at the end of the run."""
    for (submission_id,) in conn.execute(
            "SELECT id FROM submissions WHERE round = ? AND unit = ? AND superseded_by IS NULL",
            (round_name, unit)).fetchall():
        rows = conn.execute("SELECT task_id, accepted, status, evidence_mode, evidence FROM answers "
                            "WHERE submission_id = ? ORDER BY rowid", (submission_id,)).fetchall()
        cells = {row[0]: row[4] or "" for row in rows}
        served = {match_file(name, cells).task_id for name in _evidence_names(conn, round_name, unit)}
        store_claims(conn, submission_id, _claims([tuple(row)[:4] for row in rows], served))
        conn.execute("UPDATE submissions SET receipt = NULL WHERE id = ?", (submission_id,))


def _store_rows(conn: sqlite3.Connection, submission_id: int, piece: ReadPiece) -> None:
    _insert_answers(conn, submission_id, piece.answers)
    conn.executemany(
        "INSERT INTO other_cells (submission_id, task_id, column_name, sheet, cell, raw, raw_type, normalized, "
        "verdict, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _bound(submission_id, piece.other_cells))
    conn.executemany(_INSERT_PROBLEM, _bound(submission_id, piece.problems))


# What stands for NULL in the rows collect binds by the hundred: SQLite stores a NaN as NULL, and a float is bound
# as it is, where for None Python's sqlite3 first looks for an adapter (some 3,000 instructions a value; a return's
# answers hold several hundred NULLs: half the time of its executemany). No value of ours is NaN: a normalised
# progress is a number from 0 to 100, the other columns text, integers or NULL.
_NULL = float("nan")


def _bound(submission_id: int, rows: list[tuple]) -> list[tuple]:
    """The rows with their submission id first and each None as _NULL, for executemany."""
    null = _NULL
    return [(submission_id, *[null if value is None else value for value in row]) for row in rows]


def _insert_answers(conn: sqlite3.Connection, submission_id: int, rows: list[tuple]) -> None:
    """The answers rows after their submission id, each None as _NULL, _ROWS_PER_INSERT to a statement."""
    null, step = _NULL, _ROWS_PER_INSERT
    for at in range(0, len(rows), step):
        chunk = rows[at:at + step]
        conn.execute(_insert_answers_sql(len(chunk)),
                     [null if value is None else value for row in chunk for value in (submission_id, *row)])


@lru_cache(maxsize=ANSWERS_PER_INSERT)
def _insert_answers_sql(rows: int) -> str:
    return f"INSERT INTO answers ({', '.join(_ANSWER_COLUMNS)}) VALUES {', '.join([_ANSWER_ROW] * rows)}"


def _store_liaison(conn: sqlite3.Connection, submission_id: int, unit: str, liaison: dict[str, str]) -> None:
    values = {field_: liaison.get(column, "") for column, field_ in _LIAISON_FIELDS.items()}
    if not any(values.values()):
        return
    conn.execute(
        "INSERT OR REPLACE INTO liaisons (unit, leader, liaison, post, mobile, email, submission_id, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (unit, *values.values(), submission_id, _now()))


def _store_confirmed_liaison(conn: sqlite3.Connection, submission_id: int) -> None:
    """A held return's 联络员信息 (kept with its other cells), stored once confirmed: under the unit it was
    confirmed as."""
    unit = conn.execute("SELECT unit FROM submissions WHERE id = ?", (submission_id,)).fetchone()["unit"]
    liaison = {r["column_name"]: r["raw"] or "" for r in conn.execute(
        "SELECT column_name, raw FROM other_cells WHERE submission_id = ? AND task_id IS NULL AND sheet = ?",
        (submission_id, SHEET_LIAISON))}
    _store_liaison(conn, submission_id, unit, liaison)


# ---------------------------------------------------------------- reporting confirm


def confirm_file(ws: Workspace, file: Path, unit: str | None = None, *, receipts: bool = True) -> list[Confirmed]:
    """Settle the returns of a file held as 待确认: as the unit inside, or as `unit`; then write their receipts."""
    path = file if file.is_absolute() else (Path.cwd() / file)
    if not path.exists():
        path = ws.root / file
    shown = ws.show(path)
    if not path.is_file():
        raise ConfirmError("找不到该文件（请写 inbox/ 中的文件名，如 inbox/市财政局台账.xlsx）", file=shown)
    digest = file_digest(path)
    ws.require(ws.db_path, "请先运行 reporting collect")
    with workspace_lock(ws.root):
        conn = connect(ws.db_path)
        try:
            row = conn.execute("SELECT name FROM files WHERE hash = ?", (digest,)).fetchone()
            if row is None:
                raise ConfirmError("该文件尚未收集，请先放进 inbox/ 并运行 reporting collect", file=shown)
            held = conn.execute("SELECT DISTINCT round FROM submissions WHERE file_hash = ? AND hold <> ''",
                                (digest,)).fetchall()
            rounds = Rounds(conn)
            units = [u for r in held for info in [rounds.get(r["round"])] if info for u in info.units]
            rechecked, attachments = _recheck_as(ws, conn, digest, rounds, unit) if unit in units else ({}, [])
            ids = [r["id"] for r in conn.execute("SELECT id FROM submissions WHERE file_hash = ? AND hold <> ''",
                                                 (digest,))]
            with transaction(conn):
                for submission_id, piece in rechecked.items():
                    _replace_checked(conn, submission_id, piece, attachments)
                done = confirm_return(conn, digest, f"inbox/{row['name']}", unit, units)
                keep_all_counts(conn)
                for submission_id in ids:
                    _store_confirmed_liaison(conn, submission_id)
            if receipts:
                write_pending_receipts(ws, conn)
            return done
        finally:
            conn.close()


def _recheck_as(ws: Workspace, conn: sqlite3.Connection, digest: str, rounds: Rounds, unit: str,
                ) -> tuple[dict[int, ReadPiece], list[tuple[str, str, int, str]]]:
    """The file's held returns of units other than `unit`, checked again against `unit`'s tasks (submission
    id → workbook), and the files beside them: its copy in archive/ is read once more (in a worker, as
    collect reads), so every row the workbook holds is checked, not only those kept for the unit it named."""
    held = conn.execute("SELECT id, member FROM submissions WHERE file_hash = ? AND hold <> '' AND unit <> ?",
                        (digest, unit)).fetchall()
    if not held:
        return {}, []
    file = conn.execute("SELECT name, archive_path, mtime FROM files WHERE hash = ?", (digest,)).fetchone()
    shown = f"inbox/{file['name']}"
    copy = ws.root / file["archive_path"] if file["archive_path"] else None
    if copy is None or not copy.is_file():
        raise ConfirmError("archive/ 中找不到该文件的存档副本，无法按指定单位重新核对；请重新运行 reporting collect",
                           file=shown)
    job = FileJob(str(copy), shown, file["mtime"], str(ws.root), unit=unit)
    with closing(read_files([job], current_round(ws, rounds.names), ws.db_path, 1, ws.settings().words)) as reads:
        read = next(reads)
    pieces = {p.member: p for p in read.pieces if p.stored}
    for row in held:
        piece = pieces.get(row["member"])
        if piece is None:
            why = "；".join(read.notes) or "未找到该工作簿"
            raise ConfirmError(f"重新读取存档副本失败（{why}），未作确认", file=shown)
    return {row["id"]: pieces[row["member"]] for row in held}, read.attachments


def _replace_checked(conn: sqlite3.Connection, submission_id: int, piece: ReadPiece,
                     attachments: list[tuple[str, str, int, str]]) -> None:
    """Put the return's check against its new unit in place of the one against the unit it named."""
    for table in ("answers", "other_cells", "problems", "attachments", "evidence_claims"):
        conn.execute(f"DELETE FROM {table} WHERE submission_id = ?", (submission_id,))
    if not piece.blank:
        _unchanged_from_prefill(conn, piece, {})
    _store_checked(conn, submission_id, piece, attachments)
    conn.execute("UPDATE submissions SET unit = ?, verdict = ?, errors = ?, warnings = ?, note = ?, blank = ?, "
                 "columns = ? WHERE id = ?",
                 (piece.unit, STATE_BLANK if piece.blank else verdict_of(piece.errors), piece.errors,
                  piece.warnings, piece.note, int(piece.blank), piece.columns, submission_id))
