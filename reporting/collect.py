"""Stage 3: read every new file in inbox/, store what it says, and answer each unit with a receipt.

Safe to run at any time, as often as wanted: a file already read (same content) is skipped; each file is
stored in one transaction, so a crash or Ctrl-C leaves the store as it was before that file and the next
run finishes the job; inbox/ is never changed. Every file read is copied byte for byte into archive/.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from . import readers
from .collect_match import RECOGNIZED_BY, CheckedReturn, Recognition, Rounds, check_return, recognize
from .errors import ReturnError, WorkspaceError
from .fileio import atomic_path
from .progress import ProgressHook, no_progress
from .readers.archive import Member
from .readers.ledger import ReturnData, read_return, text_of
from .store import connect, transaction, workspace_lock
from .validate import OK, WARNING, Problem
from .workbook_spec import LIAISON_COLUMNS
from .workspace import Workspace

READ, ERROR_FILE, DUPLICATE = "read", "error", "duplicate"
VERDICT_ACCEPTED, VERDICT_REJECTED = "已接收", "退回修改"
NOT_A_LEDGER = "不是台账工作簿"
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

    @property
    def accepted(self) -> bool:
        return self.errors == 0

    @property
    def verdict(self) -> str:
        return verdict_line(self.errors, self.warnings)


@dataclass
class FileOutcome:
    name: str  # as the coordinator knows it: inbox/…
    status: str  # READ / ERROR_FILE / DUPLICATE
    message: str = ""
    returns: list[ReturnOutcome] = field(default_factory=list)


@dataclass
class CollectResult:
    round: str
    files: list[FileOutcome] = field(default_factory=list)
    unchanged: int = 0  # files seen in an earlier run, skipped without reading
    receipts: list[Path] = field(default_factory=list)

    @property
    def returns(self) -> list[ReturnOutcome]:
        return [r for f in self.files for r in f.returns]

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == ERROR_FILE]


def verdict_line(errors: int, warnings: int) -> str:
    if errors:
        return f"{VERDICT_REJECTED}，{errors} 处错误"
    if warnings:
        return f"{VERDICT_ACCEPTED}，有 {warnings} 条提醒"
    return VERDICT_ACCEPTED


def collect_inbox(ws: Workspace, *, round_name: str | None = None, progress: ProgressHook | None = None,
                  receipts: bool = True) -> CollectResult:
    """Read every new file in inbox/ (see the module docstring); one FileOutcome per file looked at."""
    ws.require(ws.inbox, "请先运行 reporting init 创建工作目录")
    progress = progress or no_progress
    with workspace_lock(ws.root):
        conn = connect(ws.db_path)
        try:
            rounds = Rounds(conn)
            current = _current_round(ws, rounds, round_name)
            run_id = _start_run(conn)
            result = CollectResult(current)
            files = _inbox_files(ws)
            seen = {row["path"]: row for row in conn.execute(
                "SELECT p.*, f.status FROM inbox_paths p LEFT JOIN files f ON f.hash = p.hash")}
            for index, path in enumerate(files):
                progress(index, len(files), path.name)
                _collect_path(ws, conn, rounds, current, run_id, path, seen, result)
            progress(len(files), len(files), "")
            if receipts:
                from .receipts import write_pending_receipts

                result.receipts = write_pending_receipts(ws, conn)
            with transaction(conn):
                conn.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (_now(), run_id))
            return result
        finally:
            conn.close()


def _current_round(ws: Workspace, rounds: Rounds, given: str | None) -> str:
    if not rounds.names:
        raise WorkspaceError("尚未生成任何轮次的台账，请先运行 reporting generate")
    name = given or ws.settings().round_name or rounds.names[-1]
    if name not in rounds.names:
        raise WorkspaceError(f"轮次「{name}」尚未生成台账：请先运行 reporting generate --round {name}")
    return name


def _start_run(conn: sqlite3.Connection) -> int:
    with transaction(conn):
        return conn.execute("INSERT INTO runs (command, started_at) VALUES ('collect', ?)", (_now(),)).lastrowid


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _inbox_files(ws: Workspace) -> list[Path]:
    found = [p for p in ws.inbox.rglob("*")
             if p.is_file() and not readers.is_ignored(p.relative_to(ws.inbox).as_posix())]
    found = [p for p in found if p.name.lower() != "readme.md" or p.parent != ws.inbox]  # the workspace's own note
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.relative_to(ws.inbox).as_posix()))


# ---------------------------------------------------------------- one inbox file


@dataclass
class _Piece:
    """A workbook to store, from the file itself or from inside a zip."""

    member: str
    data: bytes
    fmt: str
    mtime: float
    hash: str
    book_data: ReturnData | None = None
    found: Recognition | None = None
    checked: CheckedReturn | None = None
    error: str = ""


def _collect_path(ws: Workspace, conn: sqlite3.Connection, rounds: Rounds, current: str, run_id: int, path: Path,
                  seen: dict, result: CollectResult) -> None:
    rel = path.relative_to(ws.inbox).as_posix()
    stat = path.stat()
    known = seen.get(rel)
    if known is not None and known["size"] == stat.st_size and known["mtime"] == stat.st_mtime and (
            known["status"] == READ):
        result.unchanged += 1
        return
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    shown = ws.show(path)
    previous = conn.execute("SELECT name, status, run_id FROM files WHERE hash = ?", (digest,)).fetchone()
    if previous is not None and previous["status"] == READ:
        _remember_path(conn, rel, stat, digest)
        if known is not None and known["hash"] == digest:
            result.unchanged += 1
            return
        when = "本次" if previous["run_id"] == run_id else "此前"
        result.files.append(FileOutcome(shown, DUPLICATE, f"内容与{when}读取的 inbox/{previous['name']} 相同，已跳过"))
        return
    archived = _archive(ws, data, digest, PurePosixPath(rel).suffix)
    outcome = FileOutcome(shown, READ)
    try:
        pieces, attachments, notes = _open(data, shown, stat.st_mtime, rounds, current, ws, digest)
    except ReturnError as exc:
        pieces, attachments, notes = [], [], [exc.message]
    except Exception as exc:  # a reader's bug must not stop the run: the file is reported and retried next time
        pieces, attachments, notes = [], [], [f"读取失败（{type(exc).__name__}: {exc}），请另存为 .xlsx 后重新报送"]
    stored = [p for p in pieces if p.checked is not None]
    notes += [f"{p.member or '文件'}：{p.error}" if p.member else p.error for p in pieces if p.checked is None]
    outcome.status = READ if stored else ERROR_FILE
    outcome.message = "；".join(notes)
    with transaction(conn):
        _store_file(conn, rel, shown, archived, data, stat, digest, run_id, outcome, pieces)
        for piece in stored:
            outcome.returns.append(_store_return(conn, ws, piece, digest, run_id, current, attachments))
        _remember_path(conn, rel, stat, digest)
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


def _archive(ws: Workspace, data: bytes, digest: str, suffix: str) -> str:
    """archive/ab/abcdef….xlsx, written atomically once; returns the path relative to the workspace."""
    suffix = suffix.lower() if 0 < len(suffix) <= 8 else ""
    target = ws.archive / digest[:2] / f"{digest}{suffix}"
    if not target.exists():
        with atomic_path(target, ws.root) as tmp:
            tmp.write_bytes(data)
    return ws.show(target)


def _open(data: bytes, shown: str, mtime: float, rounds: Rounds, current: str, ws: Workspace, digest: str,
          ) -> tuple[list[_Piece], list[tuple[str, str, int, str]], list[str]]:
    """The workbooks in the file, read and checked; the attachments beside them; notes on refused entries."""
    fmt = readers.sniff(data, shown)
    if fmt != readers.FORMAT_ZIP:
        piece = _Piece("", data, fmt, mtime, digest)
        _read_piece(piece, shown, rounds, current, False)
        if piece.error:
            raise ReturnError(piece.error, file=shown)
        return [piece], [], []
    members, notes = _unpack(data, shown)
    pieces, others = [], []
    for member in members:
        kind = _member_format(member, shown)
        if kind in readers.WORKBOOK_FORMATS:
            pieces.append(_Piece(member.name, member.data, kind, member.mtime,
                                 hashlib.sha256(member.data).hexdigest()))
        else:
            others.append(member)
    if not pieces:
        raise ReturnError("压缩包中没有台账工作簿（.xlsx/.xls/.ods）", file=shown)
    pieces.sort(key=lambda p: (p.mtime, p.member))
    for piece in pieces:
        _read_piece(piece, f"{shown}/{piece.member}", rounds, current, bool(others))
    if any(p.checked is not None for p in pieces):  # a workbook that is no ledger is evidence too
        others += [Member(p.member, p.data, p.mtime) for p in pieces if p.error == NOT_A_LEDGER]
        pieces = [p for p in pieces if p.error != NOT_A_LEDGER]
    attachments = [(m.name, _archive(ws, m.data, hashlib.sha256(m.data).hexdigest(), PurePosixPath(m.name).suffix),
                    len(m.data), hashlib.sha256(m.data).hexdigest()) for m in others]
    return pieces, attachments, notes


def _unpack(data: bytes, shown: str) -> tuple[list[Member], list[str]]:
    """The zip's files, with the zips inside it opened once more (not deeper)."""
    members, notes = readers.archive.read(data, shown)
    flat: list[Member] = []
    for member in members:
        if readers.is_ignored(member.name):
            continue
        if readers.archive.detect(member.data[:4]) and _member_format(member, shown) == readers.FORMAT_ZIP:
            try:
                inner, inner_notes = readers.archive.read(member.data, f"{shown}/{member.name}")
            except ReturnError as exc:
                notes.append(f"{member.name}：{exc.message}")
                continue
            notes += [f"{member.name}：{n}" for n in inner_notes]
            for item in inner:
                if readers.is_ignored(item.name):
                    continue
                if readers.archive.detect(item.data[:4]) and _member_format(item, shown) == readers.FORMAT_ZIP:
                    notes.append(f"{member.name}/{item.name}：压缩包嵌套超过一层，未读取；请解压后重新打包")
                    continue
                flat.append(Member(f"{member.name}/{item.name}", item.data, item.mtime))
        else:
            flat.append(member)
    return flat, notes


def _member_format(member: Member, shown: str) -> str:
    """A workbook format, "zip", or "" for anything else (kept as an attachment)."""
    try:
        return readers.sniff(member.data, f"{shown}/{member.name}")
    except ReturnError:
        return ""


def _read_piece(piece: _Piece, shown: str, rounds: Rounds, current: str, has_attachments: bool) -> None:
    try:
        book = readers.open_workbook(piece.data, shown, piece.fmt)
        known = set(rounds.get(current).tasks) if rounds.get(current) else set()
        data = read_return(book, known)
        if not data.meta and not data.properties.get("reporting_unit") and data.sheet is None:
            piece.error = NOT_A_LEDGER
            return
        piece.book_data = data
        piece.found = recognize(data, shown, rounds, current)
        piece.checked = check_return(data, piece.found, has_attachments=has_attachments)
        piece.checked.problems += [Problem(WARNING, note) for note in book.notes]
    except ReturnError as exc:
        piece.error = exc.message


# ---------------------------------------------------------------- the store


def _store_file(conn: sqlite3.Connection, rel: str, shown: str, archived: str, data: bytes, stat, digest: str,
                run_id: int, outcome: FileOutcome, pieces: list[_Piece]) -> None:
    fmt = pieces[0].fmt if len(pieces) == 1 and not pieces[0].member else readers.FORMAT_ZIP if pieces else ""
    conn.execute(
        "INSERT OR REPLACE INTO files (hash, name, inbox_path, archive_path, size, mtime, seen_at, run_id, status, "
        "message, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (digest, rel, shown, archived, len(data), stat.st_mtime, _now(), run_id, outcome.status, outcome.message,
         fmt))


def _store_return(conn: sqlite3.Connection, ws: Workspace, piece: _Piece, file_hash: str, run_id: int,
                  current: str, attachments: list[tuple[str, str, int, str]]) -> ReturnOutcome:
    found, checked, data = piece.found, piece.checked, piece.book_data
    assert found is not None and checked is not None and data is not None
    due = found.round.due
    late = bool(due and date.fromtimestamp(piece.mtime) > due)
    note = "；".join(p.message for p in checked.problems if p.task_id is None and p.level != OK)[:2000]
    submission_id = conn.execute(
        "INSERT INTO submissions (file_hash, member, round, unit, recognized_by, read_at, run_id, mtime, verdict, "
        "errors, warnings, late, note, format, member_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (file_hash, piece.member, found.round.name, found.unit, found.by, _now(), run_id, piece.mtime,
         VERDICT_REJECTED if checked.errors else VERDICT_ACCEPTED, checked.errors, checked.warnings, int(late), note,
         piece.fmt, piece.hash if piece.member else None)).lastrowid
    previous = conn.execute(
        "SELECT id FROM submissions WHERE round = ? AND unit = ? AND superseded_by IS NULL AND id != ?",
        (found.round.name, found.unit, submission_id)).fetchall()
    conn.executemany("UPDATE submissions SET superseded_by = ? WHERE id = ?",
                     [(submission_id, row["id"]) for row in previous])
    _store_rows(conn, submission_id, data, checked)
    _store_liaison(conn, submission_id, found.unit, data)
    folder = PurePosixPath(piece.member).parent.as_posix()
    mine = [a for a in attachments if PurePosixPath(a[0]).parent.as_posix() == folder] or attachments
    conn.executemany("INSERT INTO attachments (submission_id, name, archive_path, size, hash) VALUES (?, ?, ?, ?, ?)",
                     [(submission_id, *a) for a in mine])
    return ReturnOutcome(piece.member, found.unit, found.round.name, RECOGNIZED_BY[found.by], checked.errors,
                         checked.warnings, submission_id, previous[0]["id"] if previous else None,
                         [a[0] for a in mine], found.round.name == current)


def _store_rows(conn: sqlite3.Connection, submission_id: int, data: ReturnData, checked: CheckedReturn) -> None:
    answers, cells = [], []
    for row, result in checked.rows:
        f = result.fields
        answers.append((submission_id, result.task_id, int(result.accepted), f["status"], f["progress"],
                        f["measures"], f["target_value"], f["evidence"], f["evidence_mode"], f["problems"],
                        f["next_steps"], data.sheet, row.row + 1))
        for cell in result.cells.values():
            if cell.raw_type.endswith("empty") and cell.level == OK:
                continue
            cells.append((submission_id, result.task_id, cell.column, data.sheet, cell.cell, _raw(cell.raw),
                          cell.raw_type, _raw(cell.normalized), cell.level, cell.message))
    for name, value in data.liaison.items():
        cells.append((submission_id, None, name, "联络员信息", data.liaison_cells[name], value, "text", value, OK, ""))
    conn.executemany(
        "INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures, target_value, evidence, "
        "evidence_mode, problems, next_steps, sheet, row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", answers)
    conn.executemany(
        "INSERT INTO cells (submission_id, task_id, column_name, sheet, cell, raw, raw_type, normalized, verdict, "
        "message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cells)
    conn.executemany(
        "INSERT INTO problems (submission_id, level, sheet, cell, task_id, value, message, fix, column_name) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(submission_id, p.level, p.sheet, p.cell, p.task_id, p.value, p.message, p.fix, p.column)
         for p in checked.problems])


def _raw(value: object) -> str | None:
    text = text_of(value)
    return text if text != "" else None


def _store_liaison(conn: sqlite3.Connection, submission_id: int, unit: str, data: ReturnData) -> None:
    values = {field_: data.liaison.get(column, "") for column, field_ in _LIAISON_FIELDS.items()}
    if not any(values.values()):
        return
    conn.execute(
        "INSERT OR REPLACE INTO liaisons (unit, leader, liaison, post, mobile, email, submission_id, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (unit, *values.values(), submission_id, _now()))

