"""collect's reading half: one inbox file in, plain rows ready for the store out; no writes anywhere.

Reading and checking a file needs only its bytes and the rounds, so it can run in worker processes while
the main process stores, in inbox order, what they report (collect.py): the store ends up the same
whichever process read which file. Results are plain data (bytes, strings, tuples), so they cross process
boundaries cheaply, with the spawn start method too.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import signal
import stat
import tempfile
import time
import zipfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

from . import readers
from .cells import encode_raw
from .collect_match import CheckedReturn, Recognition, Rounds, check_return, named_elsewhere, recognize, return_problem
from .errors import ReturnError
from .evidence import claim_needs_file
from .fileio import TEMP_PREFIX, atomic_path, write_bytes_atomic
from .isolation import TIMED_OUT, Crash, Limits, isolated_map
from .pool import worker_count
from .quotes import answer_notes_columns
from .readers.archive import Member
from .readers.base import column_letter
from .readers.returned_workbook import ReturnData, read_return
from .store import dumps, read_only
from .validate import use_words
from .vocabulary import OK
from .workbook_spec import FIELD_INDEX, FILL_COLUMNS, PROP_UNIT, SHEET_LIAISON

NOT_A_LEDGER = "不是台账工作簿"
ARCHIVE = "archive"  # the workspace's folder of what was read, one copy per content
POOL_THRESHOLD = 16  # below this many files to read, starting worker processes costs more than it saves
CHUNK = 4  # files handed to a worker at a time
START_METHOD: str | None = None  # multiprocessing start method; None = the platform's default
READ_MEMORY = 512 * 1024 * 1024  # address space a worker may take on top of what it holds once started
READ_SECONDS = 120.0  # one file's reading time, past which its worker is ended and the file refused
READ_BYTES_PER_SECOND = 8 * 1024 * 1024  # and one second more per this many bytes of the file: a large zip of
# evidence is copied four times (into archive/, the spool, each file's copy; hashed on the way), 32 s for 1 GB
# on a loaded test machine, so 1 GB gets 128 s more, for a slow disk


@dataclass(frozen=True)
class FileJob:
    """An inbox file to read: where it is, how the coordinator knows it, its modification time."""

    path: str
    shown: str
    mtime: float
    root: str  # the workspace: its archive/ gets a copy of the file
    unit: str = ""  # read as this unit's return whatever the workbook says (reporting confirm --unit)


@dataclass
class ReadPiece:
    """A workbook of the file (the file itself, or a zip member), read and checked, as rows for the store."""

    member: str
    fmt: str
    mtime: float
    hash: str
    error: str = ""
    code: str = ""  # the error's rule code (readers.base.FILE_RULES)
    stored: bool = False  # read and checked: a submission to store
    round: str = ""
    unit: str = ""
    by: str = ""
    errors: int = 0
    warnings: int = 0
    late: bool = False
    note: str = ""
    columns: str = ""  # submissions.columns
    answers: list[tuple] = field(default_factory=list)  # answers rows without their submission id
    other_cells: list[tuple] = field(default_factory=list)  # other_cells rows without their submission id
    problems: list[tuple] = field(default_factory=list)  # problems rows without their submission id
    claims: list[str] = field(default_factory=list)  # accepted 已完成 rows that need a file (evidence.claim_needs_file)
    liaison: dict[str, str] = field(default_factory=dict)
    saved_at: float | None = None  # the workbook's own save time (document properties), else its file time
    blank: bool = False  # nothing filled in (空表)
    named: str = ""  # the other unit its file name (or zip entry name) names: held as 待确认


@dataclass
class ReadFile:
    """What reading one inbox file gave: its size, digest and copy in archive/, its workbooks, the files
    beside them (attachments rows less their submission id: name, archive path, size, hash)."""

    size: int
    digest: str
    archived: str = ""
    pieces: list[ReadPiece] = field(default_factory=list)
    attachments: list[tuple[str, str, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # refused entries, or why nothing could be read
    evidence_only: bool = False  # a zip of files without any workbook (佐证材料 sent on their own)
    code: str = ""  # why nothing could be read, as a rule code (readers.base.FILE_RULES); "" when read


def read_file(job: FileJob, rounds: Rounds, current: str) -> ReadFile:
    """Read, check and prepare one inbox file, and copy it into archive/; never raises for what is in it.

    The copy is made here, by whichever process reads the file, so the bytes never travel between
    processes; a copy is named by its content and written once, atomically, so two runs or a crash between
    the copy and the store are harmless.
    """
    with _taken(job) as (found, source):
        if source is None:
            return found
        try:
            found.pieces, found.attachments, found.notes = _open(source, job, found.digest, rounds, current)
            found.evidence_only = not found.pieces and bool(found.attachments)
        except readers.archive.SpoolError:
            raise  # the workspace's disk, not the file: the run stops with one line (errors.environment_message)
        except ReturnError as exc:
            exc = readers.archive.as_workbook_fault(exc, job.shown)  # a damaged zip named 财政局.xlsx: a workbook
            found.notes, found.code = [exc.message], exc.code or READ_FAILED
        except MemoryError:
            found.pieces, found.attachments, found.notes, found.code = [], [], [TOO_BIG], READ_MEMORY_CODE
        except Exception as exc:  # a reader's bug must not stop the run: the file is reported and retried next time
            found.pieces, found.attachments, found.notes, found.code = [], [], [reading_failed(exc)], READ_FAILED
        return found


# An inbox file up to this size (every ordinary return) is read into memory in one read, hashed and written
# to archive/ from there; a larger one (a zip of scanned evidence) is streamed into archive/, hashed on the
# way, and read from that copy: memory holds a chunk of it, whatever its size.
WHOLE_BYTES = 16 * 1024 * 1024
_COPY_CHUNK = 1024 * 1024


@contextmanager
def _taken(job: FileJob) -> Iterator[tuple[ReadFile, bytes | Member | None]]:
    """The inbox file, read once: its ReadFile (size, digest, copy in archive/) and its contents, as bytes
    when small, else as its copy in archive/ opened for reading (a Member over the whole file, closed on
    leaving); no contents (and the ReadFile saying why) when it cannot be read. Either way the digest, the
    archived bytes and what is read are the same bytes, whatever happens to the inbox file meanwhile."""
    root, suffix = Path(job.root), PurePosixPath(job.shown).suffix
    data, copy, failed = b"", None, None
    try:
        with open_inbox_file(job.path) as stream:
            whole = min(os.fstat(stream.fileno()).st_size, WHOLE_BYTES)
            data = stream.read(whole + 1)  # one byte more than expected: the end was reached
            if len(data) > whole:  # large, or grown since: streamed
                copy, data = archive_stream(root, stream, data, suffix), b""
    except OSError as exc:  # the inbox file's only: archive_stream raises what writing did as _Unwritable
        failed = exc
    except _Unwritable as exc:
        raise exc.error from exc
    if failed is not None:
        yield ReadFile(0, "", notes=[unreadable(failed)], code=UNREADABLE), None
    elif copy is None:
        found = ReadFile(len(data), hashlib.sha256(data).hexdigest())
        found.archived = archive_copy(root, data, found.digest, suffix)
        yield found, data
    else:
        size, digest, archived, opened = copy
        with opened:
            yield ReadFile(size, digest, archived), opened.whole("", job.mtime, size, digest)


# Rule codes of files that could not be read at all (the readers' own are in readers.base.FILE_RULES).
UNREADABLE, READ_FAILED = "inbox.unreadable", "read.failed"
READ_CRASHED, READ_TIMEOUT, READ_MEMORY_CODE = "read.crashed", "read.timeout", "read.memory"
TOO_BIG = "读取该文件所需内存超过上限，已拒收；请删除多余的行列和图片，另存为 .xlsx 后重新报送"


def file_digest(path: Path) -> str:
    """The sha256 of a file, read in chunks (the digest a file is known by in the store, whatever its size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def open_inbox_file(path: str) -> BinaryIO:
    """A regular file of inbox/, opened for reading without following a link and without waiting on a
    pipe (the scan skips both; this holds should one appear between the scan and the read)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    stream = os.fdopen(fd, "rb")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(f"not a regular file: {path}")
    except BaseException:
        stream.close()
        raise
    return stream


def unreadable(exc: OSError) -> str:
    """Why an inbox file could not be opened, in words a coordinator can act on."""
    if isinstance(exc, PermissionError):
        return "没有读取该文件的权限，请检查文件权限（如 chmod a+r）后重新运行 collect"
    if isinstance(exc, IsADirectoryError):
        return "不是普通文件（文件夹、链接或设备），已跳过"
    if isinstance(exc, FileNotFoundError):
        return "文件在读取前已被移走或删除，已跳过"
    return f"无法读取该文件（{exc.strerror or type(exc).__name__}），请检查后重新运行 collect"


def crashed(job: FileJob, crash: Crash) -> ReadFile:
    """The answer for a file whose reading ended its worker: recorded as unreadable, with its digest and copy."""
    with _taken(job) as (found, source):
        if source is None:
            return found
        if crash.reason == TIMED_OUT:
            found.code = READ_TIMEOUT
            found.notes = [f"读取超过 {crash.seconds:g} 秒仍未完成，已停止并拒收；"
                           "请删除多余的行列后另存为 .xlsx 重新报送"]
        else:
            name = signal.Signals(crash.signal).name if crash.signal else "未知原因"
            reason = explain(source, job.shown)
            found.code = reason.code if reason else READ_CRASHED
            found.notes = [reason.message if reason else f"读取时读取程序异常终止（{name}），文件可能已损坏、过大"
                           "或经过特殊构造，已拒收；请在 Excel 中另存为 .xlsx 后重新报送"]
        return found


def explain(source: bytes | Member, shown: str) -> ReturnError | None:
    """Why a workbook ended its worker, when its XML tells (a cell placed far away …), found here in the main
    process by scans that allocate nothing in proportion to what the file claims."""
    try:
        if not isinstance(source, bytes):  # a large file: a workbook only if within what a worker may read
            fmt = _sniff_large(source, shown)
            if fmt not in (readers.FORMAT_XLSX, readers.FORMAT_XLSM):
                return None
            source = _workbook_bytes(source, shown)
        data = source
        fmt = readers.sniff(data, shown)
    except ReturnError:
        return None
    if fmt in (readers.FORMAT_XLSX, readers.FORMAT_XLSM):
        return readers.xlsx.explain(data, shown)
    return None


def archive_copy(root: Path, data: bytes, digest: str, suffix: str) -> str:
    """archive/ab/abcdef….xlsx, written atomically once; returns the path relative to the workspace."""
    shown = archive_name(digest, suffix)
    target = root / shown
    if not target.exists():
        write_bytes_atomic(target, data, root)
    return shown


class _Unwritable(Exception):
    """Writing the copy into archive/ failed (an environment fault, raised as the OSError it carries), as
    told apart from reading the inbox file failing (the file is reported as unreadable)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def archive_stream(root: Path, stream: BinaryIO, head: bytes, suffix: str,
                   ) -> tuple[int, str, str, readers.archive.Opened]:
    """archive_copy for a large inbox file: `head` and the rest of `stream` copied into archive/ chunk by
    chunk, hashed on the way; returns (size, digest, path relative to the workspace, the copy opened for
    reading, with the file's unpacking budget). The copy is what is read from then on.

    The copy has no name until it is whole (O_TMPFILE, linked into place), so a killed run leaves nothing;
    where the system cannot make one, it is written under a TEMP_PREFIX name and renamed, as atomic_path
    does (and a killed run's is removed by the next). Copied before, the same contents are not linked again.
    """
    folder = root / ARCHIVE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        copy, named = _new_copy(folder)
    except OSError as exc:
        raise _Unwritable(exc) from exc
    try:
        digest, size, chunk = hashlib.sha256(), 0, head
        while chunk:
            digest.update(chunk)
            _write_all(copy, chunk, folder)
            size += len(chunk)
            chunk = stream.read(_COPY_CHUNK)  # an OSError here is the inbox file's
        shown = archive_name(digest.hexdigest(), suffix)
        try:
            copy = _place(copy, named, root / shown, root)
        except OSError as exc:
            raise _Unwritable(exc) from exc
    except BaseException:
        copy.close()
        if named:
            Path(named).unlink(missing_ok=True)
        raise
    return size, digest.hexdigest(), shown, readers.archive.Opened(io.BufferedReader(copy, _COPY_CHUNK),
                                                                 readers.archive.budget_for(size))


def _new_copy(folder: Path) -> tuple[io.FileIO, str]:
    """A file to copy into, in `folder`: nameless where the system allows (and linkable: no O_EXCL), else a
    TEMP_PREFIX file; with its name, or "" when it has none."""
    nameless = getattr(os, "O_TMPFILE", 0)
    if nameless:
        try:
            return io.FileIO(os.open(folder, nameless | os.O_RDWR, 0o600), "r+"), ""
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
                raise
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    return io.FileIO(fd, "r+"), name


def _write_all(copy: io.FileIO, chunk: bytes, folder: Path) -> None:
    view = memoryview(chunk)
    try:
        while view:
            view = view[copy.write(view) or 0:]
    except OSError as exc:  # named by the folder: the copy may have no name of its own
        raise _Unwritable(OSError(exc.errno, exc.strerror, str(folder))) from exc


def _place(copy: io.FileIO, named: str, target: Path, root: Path) -> io.FileIO:
    """The whole copy given its archive/ name (left nameless, or its temporary name removed, when that name is
    taken already: a copy of the same contents, by its name); returns it open for reading: `copy` itself,
    or, for a named one (closed first: Windows renames no open file), its archive/ copy opened again."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if named:
        copy.close()
        if target.exists():
            os.unlink(named)
        else:
            os.replace(named, target)
        return io.FileIO(target, "r")
    try:
        _link_nameless(copy.fileno(), target)
    except FileExistsError:
        pass
    except OSError:  # no /proc: written out again from the copy, atomically
        if not target.exists():
            with atomic_path(target, root) as tmp, open(tmp, "wb") as out:
                copy.seek(0)
                while chunk := copy.read(_COPY_CHUNK):
                    out.write(chunk)
    return copy


def _link_nameless(fd: int, target: Path) -> None:
    """The nameless file `fd` given the name `target`: linkat(2) of /proc/self/fd/N with AT_SYMLINK_FOLLOW. os.link
    makes that call only when given a directory descriptor (without one it calls link(2), which does not follow the
    magic link and fails with EXDEV, and the copy was written out a second time); the path is absolute, so which
    directory does not matter."""
    directory = os.open("/", os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", target, src_dir_fd=directory, follow_symlinks=True)
    finally:
        os.close(directory)


def _attachments(root: Path, members: list[Member]) -> list[tuple[str, str, int, str]]:
    return [_archive_attachment(root, member) for member in members]


def archive_name(digest: str, suffix: str) -> str:
    """Where a copy of these contents goes: archive/ab/abcdef….xlsx, relative to the workspace."""
    suffix = suffix.lower() if 0 < len(suffix) <= 8 and suffix[1:].isascii() and suffix[1:].isalnum() else ""
    return f"{ARCHIVE}/{digest[:2]}/{digest}{suffix}"


def _archive_attachment(root: Path, member: Member) -> tuple[str, str, int, str]:
    """A file beside the workbooks, copied from the spool into archive/ (by content, once, atomically; nameless
    until whole, as archive_stream does, so a worker ended mid-copy leaves nothing). A disk too full for it
    refuses the file for now (zip.no_space: read again next run); any other fault of the disk stops the run."""
    suffix = PurePosixPath(member.name).suffix
    archived = archive_name(member.digest, suffix)
    target = root / archived
    if not target.exists():
        try:
            _copy_into_archive(root, target, member)
        except _Unwritable as exc:
            if exc.error.errno in readers.archive.NO_SPACE_ERRORS:
                raise ReturnError(readers.archive.NO_SPACE, file=member.name, code="zip.no_space") from exc
            raise readers.archive.SpoolError(exc.error.errno, exc.error.strerror, exc.error.filename) from exc
    return member.name, archived, member.size, member.digest


def _copy_into_archive(root: Path, target: Path, member: Member) -> None:
    folder = root / ARCHIVE
    try:
        copy, named = _new_copy(folder)
    except OSError as exc:
        raise _Unwritable(exc) from exc
    try:
        with member.open() as source:
            while chunk := source.read(_COPY_CHUNK):
                _write_all(copy, chunk, folder)
        try:
            copy = _place(copy, named, target, root)
        except OSError as exc:
            raise _Unwritable(exc) from exc
    finally:
        copy.close()
        if named:
            Path(named).unlink(missing_ok=True)


def file_format(pieces: list[ReadPiece]) -> str:
    """The files.format column: the workbook's own format, "zip" for an archive, "" when none was read."""
    if len(pieces) == 1 and not pieces[0].member:
        return pieces[0].fmt
    return readers.FORMAT_ZIP if pieces else ""


def reading_failed(exc: BaseException) -> str:
    return f"读取失败（{type(exc).__name__}: {exc}），请另存为 .xlsx 后重新报送"


# ---------------------------------------------------------------- one file's workbooks


def _open(source: bytes | Member, job: FileJob, digest: str, rounds: Rounds, current: str,
          ) -> tuple[list[ReadPiece], list[tuple[str, str, int, str]], list[str]]:
    """The workbooks in the file, read and checked; the other files beside them; notes on refused entries.

    A zip (in memory, or a large one in its copy in archive/) is unpacked by streaming into a temporary file
    of the workspace (readers.archive.Spool), against the budget of the whole file; its workbooks are read
    into memory one at a time; the other files are copied into archive/ from there."""
    shown = job.shown
    if isinstance(source, bytes):
        fmt, budget = readers.sniff(source, shown), readers.archive.budget_for(len(source))
    else:
        fmt, budget = _sniff_large(source, shown), source.spool.budget
    if fmt != readers.FORMAT_ZIP:
        data = source if isinstance(source, bytes) else _workbook_bytes(source, shown)
        piece = _read_piece(data, ReadPiece("", fmt, job.mtime, digest), shown, rounds, current, False, job.unit)
        if piece.error:
            raise ReturnError(piece.error, file=shown, code=piece.code)
        return [piece], [], []
    with readers.archive.Spool(Path(job.root) / ARCHIVE, budget) as spool:
        members, notes, why = _unpack(source, shown, spool)
        found, others = [], []
        for member, kind in members:
            if kind in readers.WORKBOOK_FORMATS:
                found.append((member, ReadPiece(member.name, kind, member.mtime, member.digest)))
            else:
                others.append(member)
        if why is not None and why.code == "zip.no_space":
            raise why  # refused for now, read again next run once there is room
        if not found:
            if why is not None and (why.code == "zip.bomb" or not others):
                raise why  # nothing read because the file is a bomb, or nests its workbooks too deep
            if others:  # a zip of evidence only: collect tells whose it is by its name
                return [], _attachments(Path(job.root), others), notes
            raise ReturnError("压缩包中没有台账工作簿（.xlsx/.xls/.ods）", file=shown, code="zip.no_workbook")
        found.sort(key=lambda pair: (pair[1].mtime, pair[1].member))
        pieces = [_read_member(member, piece, f"{shown}/{piece.member}", rounds, current, bool(others), job.unit)
                  for member, piece in found]
        if any(p.stored for p in pieces):  # a workbook that is no ledger is evidence too
            others += [member for member, piece in found if piece.error == NOT_A_LEDGER]
            pieces = [p for p in pieces if p.error != NOT_A_LEDGER]
        return pieces, _attachments(Path(job.root), others), notes


def _workbook_limit() -> int:
    """The largest workbook read (into memory: the readers take bytes): reading one takes about four times
    its size at its peak (its bytes, the reader's copy of them, the parts it unpacks; measured: 208 MB for
    a 60 MB .xlsx of photos, 580 MB for a 150 MB one), so past a quarter of READ_MEMORY it could only end
    its worker; it is refused at once instead, without being read."""
    return READ_MEMORY // 4


def _workbook_bytes(member: Member, shown: str) -> bytes:
    """A workbook's bytes, read into memory, when within _workbook_limit (else refused as read.memory)."""
    if member.size > _workbook_limit():
        raise ReturnError(TOO_BIG, file=shown, code=READ_MEMORY_CODE)
    return member.read()


def _sniff_large(member: Member, shown: str) -> str:
    """readers.sniff_member for a large inbox file in archive/: a zip is told from its entry names, an OLE2 file
    from its stream names searched in chunks (a large Word .doc is told as one; an .xls past _workbook_limit
    is refused by _workbook_bytes, unread)."""
    return readers.sniff_member(member, shown)


def _read_member(member: Member, piece: ReadPiece, shown: str, rounds: Rounds, current: str,
                 has_attachments: bool, unit: str = "") -> ReadPiece:
    """_read_piece for a workbook unpacked from the zip, refused as read.memory when past _workbook_limit."""
    try:
        data = _workbook_bytes(member, shown)
    except ReturnError as exc:
        piece.error, piece.code = exc.message, exc.code
        return piece
    return _read_piece(data, piece, shown, rounds, current, has_attachments, unit)


def _unpack(source: bytes | Member, shown: str, spool: readers.archive.Spool,
            ) -> tuple[list[tuple[Member, str]], list[str], ReturnError | None]:
    """The zip's files, with the zips inside it opened once more (not deeper), all against one budget, each
    with its format (a workbook format, or "" for anything else: an attachment); notes on what was not
    read, and the first reason a zip inside was not (a bomb, nesting too deep)."""
    members, notes = readers.archive.unpack(source, shown, spool)
    kinds: dict[int, str] = {}  # id(member) → its format, told once, as walk asks whether it is a zip

    def is_zip(member: Member) -> bool:
        if readers.is_ignored(member.name):
            return False
        kinds[id(member)] = kind = _member_format(member, shown, notes)
        return kind == readers.FORMAT_ZIP

    flat: list[tuple[Member, str]] = []
    why = None
    for item in readers.archive.walk(members, shown, spool, is_zip):
        if isinstance(item, readers.archive.Skipped):
            notes.append(f"{item.name}：{item.message}")
            if item.code and why is None:
                why = ReturnError(item.message, file=shown, code=item.code)
        elif not readers.is_ignored(item.name):
            kind = kinds.get(id(item))
            flat.append((item, _member_format(item, shown, notes) if kind is None else kind))
    return flat, notes, why


def _member_format(member: Member, shown: str, notes: list[str]) -> str:
    """A workbook format, "zip", or "" for anything else (kept as an attachment). A zip refused for what it
    declares (a bomb, too many entries) is "zip" too, so that opening it tells why and stops the unpacking
    rather than it being kept as an attachment (a file that only looks like a zip, a damaged .docx, is "").
    A workbook refused for what it is (encrypted, WPS, .xlsb, a damaged .xlsx) is kept too, and `notes` says
    why it was not read: else a zip of one encrypted ledger passed for a zip of evidence, the unit never told."""
    try:
        return readers.sniff_member(member, f"{shown}/{member.name}")
    except ReturnError as exc:
        if exc.code in ("zip.bomb", "zip.too_many"):
            return readers.FORMAT_ZIP
        if exc.code in _WORKBOOK_REFUSALS or (exc.code.startswith("zip.") and PurePosixPath(
                member.name).suffix.lower() in (".xlsx", ".xlsm", ".ods")):
            notes.append(f"{member.name}：{exc.message}")
        return ""


_WORKBOOK_REFUSALS = ("file.encrypted", "file.wps", "file.xlsb")  # a workbook, in a form that is not read


def _believable(saved_at: float | None, generated: float | None) -> float | None:
    """A save time (document properties, or a file's or zip entry's time) that is neither in the future nor before
    the round's workbooks were generated. One in the future (a unit's computer with its clock years ahead) would
    rank the return above every later resend, each held as 待确认; one from before the workbook existed (a clock
    years behind: a dead CMOS battery) would rank a correction below the return it corrects. Such a time is left
    out, and the time of reading stands in when no other is believable."""
    if not saved_at or saved_at > time.time() + CLOCK_SLACK:
        return None
    return saved_at if generated is None or saved_at >= generated - CLOCK_BEHIND else None


CLOCK_SLACK = 30 * 24 * 3600  # a clock this far ahead (time zones, a clock here that is behind) is still believed
CLOCK_BEHIND = 2 * 24 * 3600  # a unit's clock this far behind the coordinator's (a wrong time zone) is believed




def _read_piece(data: bytes, piece: ReadPiece, shown: str, rounds: Rounds, current: str,
                has_attachments: bool, unit: str = "") -> ReadPiece:
    try:
        book = readers.open_workbook(data, shown, piece.fmt)
        info = rounds.get(current)
        known = set(info.tasks) if info else set()
        book_data = read_return(book, known)
        if book_data.sheet is None and not book_data.properties.get(PROP_UNIT) and not book_data.meta:
            piece.error, piece.code = NOT_A_LEDGER, "file.not_ledger"
            return piece
        found = recognize(book_data, shown, rounds, current)
        if unit:  # the coordinator's word: checked against that unit's tasks
            found.unit = unit
        checked = check_return(book_data, found, has_attachments=has_attachments)
        checked.problems += [return_problem("file.note", note=note) for note in book.notes]
        saved_at = book.saved_at()
    except ReturnError as exc:
        exc = readers.archive.as_workbook_fault(exc, shown, workbook=True)
        piece.error, piece.code = exc.message, exc.code
        return piece
    except (zipfile.BadZipFile, zlib.error, EOFError):  # a part that does not inflate, a bad CRC (zipfile's)
        damaged = ReturnError(readers.archive.DAMAGED_BOOK, file=shown, code="zip.damaged")
        piece.error, piece.code = damaged.message, damaged.code
        return piece
    _prepare(piece, book_data, found, checked)
    generated = found.round.generated
    piece.saved_at = _believable(saved_at, generated) or _believable(piece.mtime, generated) or time.time()
    names = [PurePosixPath(piece.member).name] if piece.member else []
    piece.named = named_elsewhere([*names, PurePosixPath(shown.removesuffix("/" + piece.member)).name], found)
    return piece


# ---------------------------------------------------------------- rows for the store


def _prepare(piece: ReadPiece, data: ReturnData, found: Recognition, checked: CheckedReturn) -> None:
    due = found.round.due
    piece.stored = True
    piece.round, piece.unit, piece.by = found.round.name, found.unit, found.by
    piece.errors, piece.warnings = checked.errors, checked.warnings
    piece.blank = not checked.rows and not checked.errors
    piece.late = bool(due and date.fromtimestamp(piece.mtime) > due)
    piece.note = "；".join(p.message for p in checked.problems if p.task_id is None and p.level != OK)[:2000]
    piece.answers, piece.other_cells, piece.claims = _rows(data, checked)
    piece.columns = _letters(data)
    piece.problems = [(p.level, p.sheet, p.cell, p.task_id, p.value, p.message, p.fix, p.column, p.code)
                      for p in checked.problems]
    piece.liaison = dict(data.liaison)


def _rows(data: ReturnData, checked: CheckedReturn) -> tuple[list[tuple], list[tuple], list[str]]:
    """answers rows (the raw cells inside, see cells.py) and the other cells read (联络员信息), each without
    the submission id that leads it in the table; the accepted rows' tasks whose claim needs a file
    (evidence.claim_needs_file). Made a column at a time: the rows' normalised values as columns, their notes
    (quotes.answer_notes_columns) too, then zipped into rows."""
    others = [(None, name, SHEET_LIAISON, data.liaison_cells[name], value, "text", value, OK, "")
              for name, value in data.liaison.items()]
    if not checked.rows:
        return [], others, []
    ledger, normalized, accepted, plain = zip(*checked.rows, strict=True)
    columns = tuple(zip(*normalized, strict=True))  # FILL_COLUMNS order
    task_ids = [row.task_id for row in ledger]
    raws = repeat(None) if all(plain) else [
        None if as_typed else encode_raw(row.raw, values, row.formula, FILL_COLUMNS)
        for row, values, as_typed in zip(ledger, normalized, plain, strict=True)]
    notes = answer_notes_columns(columns[_MEASURES], columns[_TARGET], columns[_PROBLEMS], columns[_PLANS])
    answers = list(zip(task_ids, map(int, accepted), *columns, repeat(data.sheet), [row.row + 1 for row in ledger],
                       raws, *notes))
    claims = [task_id for task_id, ok, status, mode in zip(task_ids, accepted, columns[_STATUS], columns[_MODE],
                                                           strict=True) if ok and claim_needs_file(status, mode)]
    return answers, others, claims


# answer_notes' columns, and those of evidence.claim_needs_file
_MEASURES, _TARGET, _PROBLEMS, _PLANS, _STATUS, _MODE = (
    FIELD_INDEX[name] for name in ("measures", "target_value", "problems", "next_steps", "status", "evidence_mode"))


def _letters(data: ReturnData) -> str:
    """submissions.columns: the letter of each fill column in the sheet the rows came from."""
    return dumps([column_letter(data.columns[name]) if name in data.columns else None for name in FILL_COLUMNS])


# ---------------------------------------------------------------- in order, in worker processes or here


def read_files(jobs: list[FileJob], current: str, db_path: Path, workers: int | None = None,
               words: dict[str, list[str]] | None = None) -> Generator[ReadFile, None, None]:
    """read_file for each job, yielded in job order, always in worker processes (several when there are
    enough jobs): a file that crashes its reader, overruns READ_SECONDS or READ_MEMORY ends only its worker,
    and is answered by `crashed`. `words`: the coordinator's [词表], read by every process alike."""
    use_words(words)
    if not jobs:
        return (read for read in cast(list[ReadFile], []))
    count = worker_count(len(jobs), workers, POOL_THRESHOLD) or 1
    return isolated_map(_worker_read, jobs, count, initializer=_init_worker,
                        initargs=(str(db_path), current, words or {}), start_method=START_METHOD, chunk=CHUNK,
                        limits=Limits(READ_MEMORY, READ_SECONDS, _more_seconds), on_crash=crashed)


def _more_seconds(job: FileJob) -> float:
    """The time a file's size alone takes (copying it), on top of READ_SECONDS."""
    try:
        return float(os.lstat(job.path).st_size // READ_BYTES_PER_SECOND)
    except OSError:
        return 0.0


_worker: dict = {}


def _init_worker(db_path: str, current: str, words: dict[str, list[str]] | None = None) -> None:
    """A worker reads the rounds through its own read-only connection (the main process only adds returns)."""
    use_words(words)
    _worker.update(rounds=Rounds(read_only(Path(db_path))), current=current)


def _worker_read(job: FileJob) -> ReadFile:
    return read_file(job, _worker["rounds"], _worker["current"])
