""".zip files: the archives units send, and the zip containers of .xlsx and .ods.

Safety first: every zip is checked before anything reads it (entry count and central directory size from
its end record, declared sizes, compression ratio, and — for entries that could expand past the budget —
the real size, by streaming them). Names written by Chinese Windows (GBK without the UTF-8 flag) are
decoded right; entries with `..`, absolute paths, drive letters or symbolic links are refused.

An archive a unit sends is opened from its copy in archive/ when it is large (`Opened`: zipfile on a file
object), and unpacked by streaming (`Spool`): entry after entry, in chunks, into one temporary file of the
workspace, every byte counted against one budget for the whole inbox file (`budget_for`: MAX_TOTAL_BYTES
on top of what the file itself weighs); a zip inside it is read in place from that file. Memory holds a
chunk, never the inbox file, an entry or an inner archive.
"""

from __future__ import annotations

import errno
import hashlib
import io
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, TypeVar

from isal import isal_zlib

from ..errors import ReturnError
from ..fileio import TEMP_PREFIX

MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
MAX_ENTRIES = 5000
MAX_DIRECTORY_BYTES = MAX_ENTRIES * 1024  # the central directory: what zipfile reads into memory first
MAX_ENTRY_BYTES = 200 * 1024 * 1024  # one entry of a zip read in memory (a workbook's package), uncompressed
MAX_TOTAL_BYTES = 500 * 1024 * 1024  # all entries, uncompressed, past what the inbox file weighs (budget_for)
MAX_RATIO = 200  # uncompressed / compressed, for entries past RATIO_FLOOR
RATIO_FLOOR = 10 * 1024 * 1024
DEFLATE_MAX_RATIO = 1032  # the most deflate can expand: past the budget only if compressed * this > budget
MAX_DEPTH = 1  # zips inside the inbox file's zip that are opened; one deeper is named and not read
_UTF8_FLAG = 0x800
_CHUNK = 1024 * 1024
_SPOOL_CHUNK = 64 * 1024  # unpacking and copying: below malloc's mmap threshold, so each chunk reuses memory
_HEAD = 65536  # the most of a part's prolog the DOCTYPE check reads
BOMB = "压缩包解压后过大（疑似压缩炸弹），已拒收；请直接发送工作簿或重新打包"
UNSAFE_XML = "文件含有不安全的 XML 内容（DOCTYPE/ENTITY 声明），已拒收；请在 Excel 中另存后重新报送"
DAMAGED = "压缩包已损坏或不完整（可能未下载完整），请重新打包发送"
# The same fault in a workbook (an .xlsx is a zip too; its sender never packed anything)
DAMAGED_BOOK = "工作簿文件已损坏或不完整（可能未下载或复制完整），请在 Excel/WPS 中打开、另存为 .xlsx 后重新报送"
BOMB_BOOK = "工作簿解压后过大（疑似压缩炸弹，或文件已损坏），已拒收；请在 Excel/WPS 中打开、另存为 .xlsx 后重新报送"
_AS_WORKBOOK = {"zip.damaged": DAMAGED_BOOK, "zip.bomb": BOMB_BOOK}  # as_workbook_fault's words, by rule code
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".ods", ".et")
JOINED = "压缩包前面还连着其他数据（可能是两个压缩包首尾相接），其中的文件无法可靠读取，请重新打包发送"
NO_SPACE = "解压该压缩包所需的磁盘空间不足（工作目录所在磁盘），本次未读取；请清理磁盘后重新运行 collect，将再次读取"
NO_SPACE_ERRORS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
STOPS = ("zip.bomb", "zip.no_space")  # codes after which nothing more of the file is unpacked


@dataclass
class Budget:
    """Bytes still allowed to be unpacked from one inbox file, zips inside it included (one budget for the
    whole file, not for each zip: twenty inner zips each within the limits must not add up to 8 GB)."""

    left: int = -1  # -1: MAX_TOTAL_BYTES, as it is when the budget is made

    def __post_init__(self) -> None:
        if self.left < 0:
            self.left = MAX_TOTAL_BYTES

    def take(self, size: int, name: str) -> None:
        if size > self.left:
            raise ReturnError(BOMB, file=name, code="zip.bomb")
        self.left -= size


def budget_for(size: int) -> Budget:
    """The budget of an inbox file of `size` bytes: MAX_TOTAL_BYTES of growth on top of twice what it weighs
    (its entries, and the entries of the zips among them). A bomb is small and unpacks to far more than it
    weighs; a large zip of scanned evidence unpacks to about what it weighs, and is not one."""
    return Budget(MAX_TOTAL_BYTES + 2 * max(size, 0))


class SpoolError(OSError):
    """The workspace could not hold what is unpacked (disk full, archive/ not writable): an environment
    fault, not a fault of the file."""


_O = TypeVar("_O", bound="Opened")


class Opened:
    """A file open for reading, whose bytes Members are slices of: a Spool, or the copy in archive/ of a large
    inbox file (see `whole`), with the budget of the inbox file they come from."""

    def __init__(self, file: io.BufferedIOBase | io.RawIOBase, budget: Budget | None = None) -> None:
        self.file = file
        self.budget = budget or Budget()

    def __enter__(self: _O) -> _O:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.file.close()

    def read(self, offset: int, size: int) -> bytes:
        self.file.seek(offset)
        return self.file.read(size) or b""

    def whole(self, name: str, mtime: float, size: int, digest: str) -> Member:
        """The whole file as a Member (sniff_member, unpack and Member.read take it like an unpacked file)."""
        return Member(name, mtime, size, digest, self, 0)


class Spool(Opened):
    """The one temporary file the zips of one inbox file are unpacked into, entry after entry, in chunks,
    every byte counted against one Budget the moment it is written; an entry is then a slice of it.

    It is made in the workspace (`folder`, archive/: the disk the copies go to) and unlinked at once where
    the system allows (tempfile.TemporaryFile: O_TMPFILE on Linux, delete-on-close on Windows), so it is gone
    when closed and when the process is killed; where a name shows for a moment it starts with TEMP_PREFIX,
    which the next run removes.
    """

    def __init__(self, folder: Path | None, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()
        try:
            try:
                self.file = _temporary_file(folder)
            except FileNotFoundError:
                if folder is None:
                    raise
                folder.mkdir(parents=True, exist_ok=True)
                self.file = _temporary_file(folder)
        except OSError as exc:
            raise SpoolError(exc.errno, exc.strerror, str(folder or tempfile.gettempdir())) from exc
        self.end = 0
        self.folder = folder

    def add(self, stream: IO[bytes], name: str) -> tuple[int, int, str]:
        """Copy `stream` to the end, counting each chunk against the budget before it is written: (offset,
        size, sha256). A ReturnError (zip.bomb, zip.damaged …) the moment it goes wrong."""
        start = self.end
        digest = hashlib.sha256()
        while True:
            try:
                chunk = stream.read(_SPOOL_CHUNK)
            except Exception as exc:
                raise _unreadable_entry(exc, name) from exc
            if not chunk:
                return start, self.end - start, digest.hexdigest()
            self.budget.take(len(chunk), name)
            digest.update(chunk)
            try:
                self.file.seek(self.end)  # reads of an inner zip from this file move the position
                self.file.write(chunk)
            except OSError as exc:
                if exc.errno in NO_SPACE_ERRORS:  # what this file unpacks to does not fit: it waits for the next run
                    raise ReturnError(NO_SPACE, file=name, code="zip.no_space") from exc
                raise SpoolError(exc.errno, exc.strerror, str(self.folder or tempfile.gettempdir())) from exc
            self.end += len(chunk)


def _temporary_file(folder: Path | None) -> io.BufferedRandom:
    return tempfile.TemporaryFile(prefix=TEMP_PREFIX, dir=folder)


class _Window(io.RawIOBase):
    """A read-only, seekable view of `size` bytes of a Spool (or Opened file) from `offset`: what zipfile opens
    an inner zip through (it seeks before every read, so the spool's shared position does no harm)."""

    def __init__(self, spool: Opened, offset: int, size: int) -> None:
        super().__init__()
        self.spool, self.offset, self.size, self.pos = spool, offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise OSError("negative seek position")
        self.pos = base + offset
        return self.pos

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.pos))
        if not count:
            return 0
        self.spool.file.seek(self.offset + self.pos)
        got = self.spool.file.readinto(memoryview(buffer)[:count]) or 0
        self.pos += got
        return got


@dataclass
class Member:
    """A file unpacked from a zip: its decoded name, time, size and digest, its bytes in the Spool (read
    into memory only when asked); or a large inbox file, its bytes in its copy in archive/ (Opened.whole)."""

    name: str
    mtime: float
    size: int
    digest: str
    spool: Opened = field(repr=False)
    offset: int = field(repr=False)

    def read(self) -> bytes:
        return self.spool.read(self.offset, self.size)

    def head(self, size: int = 4096) -> bytes:
        return self.spool.read(self.offset, min(size, self.size))

    def open(self) -> BinaryIO:
        return io.BufferedReader(_Window(self.spool, self.offset, self.size), _SPOOL_CHUNK)


def detect(head: bytes) -> bool:
    return head.startswith(MAGICS)


def open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """A checked ZipFile: readable, within the size budget, nothing hidden behind a lying header.

    Telling a file's format and then reading it open the same bytes twice: the last ZipFile is kept for
    the same bytes object, so the checks are made once.
    """
    if _last_opened and _last_opened[0] is data:
        return _last_opened[1]
    zf = _checked_zip(data, name)
    _last_opened[:] = [data, zf]
    return zf


_last_opened: list = []  # [bytes, ZipFile] of the last call


def _checked_zip(data: bytes | IO[bytes], name: str, real_sizes: bool = True, total: int | None = None,
                 ) -> zipfile.ZipFile:
    """A ZipFile over the bytes (or a seekable file), checked; its central directory is sized up from the
    end record first, so a zip declaring millions of entries is refused before zipfile reads them all.
    `real_sizes=False` for a zip whose entries will only be unpacked into a Spool, which counts them: their
    declared sizes are held to `total` (the budget left) and the ratio rule, not to MAX_ENTRY_BYTES, which
    keeps what is read into memory small (an entry of a workbook's package; a workbook unpacked to the spool
    is held to its own limit when it is read)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        end = zipfile._EndRecData(source)  # type: ignore[attr-defined]  # the end record, as ZipFile reads it
        entries, directory = (end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]) if end else (0, 0)  # type: ignore[attr-defined]
        if directory > source.seek(0, io.SEEK_END):  # a directory larger than the whole file: a damaged end record
            raise ReturnError(DAMAGED, file=name, code="zip.damaged")
        if entries > MAX_ENTRIES or directory > MAX_DIRECTORY_BYTES:
            raise ReturnError(f"压缩包内文件过多（{entries} 个，目录 {directory // 1024} KB），已拒收",
                              file=name, code="zip.too_many")
        if end is not None and _bytes_before(end):
            raise ReturnError(JOINED, file=name, code="zip.damaged")
        source.seek(0)
        zf = zipfile.ZipFile(source)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ReturnError(DAMAGED, file=name, code="zip.damaged") from exc
    if len(infos) > MAX_ENTRIES:
        raise ReturnError(f"压缩包内文件过多（{len(infos)} 个），已拒收", file=name, code="zip.too_many")
    if any(info.compress_type not in READABLE_METHODS for info in infos):  # zipfile would raise on opening it
        raise ReturnError(UNSUPPORTED_METHOD, file=name, code="zip.unsupported")
    if _overlapping(infos):
        raise ReturnError(BOMB, file=name, code="zip.bomb")
    limit = MAX_TOTAL_BYTES if total is None else total
    entry_limit = MAX_ENTRY_BYTES if real_sizes else limit
    declared = 0
    for info in infos:
        declared += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > entry_limit or declared > limit or (
                info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise ReturnError(BOMB, file=name, code="zip.bomb")
        if real_sizes and info.compress_size * DEFLATE_MAX_RATIO > MAX_ENTRY_BYTES and not info.is_dir():
            _check_real_size(zf, info, name)
    return zf


def _bytes_before(end: list) -> int:
    """How many bytes stand before the zip the end record describes (zipfile's "concat"): none in a zip as
    archivers write it; in two zips joined end to end, the whole first one, which zipfile would silently skip."""
    concat = end[zipfile._ECD_LOCATION] - end[zipfile._ECD_SIZE] - end[zipfile._ECD_OFFSET]  # type: ignore[attr-defined]
    if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:  # type: ignore[attr-defined]
        concat -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator  # type: ignore[attr-defined]
    return concat


def _overlapping(infos: list[zipfile.ZipInfo]) -> bool:
    """Entries whose data overlap (several names for the same compressed bytes: how a zip bomb without
    nesting, or a zip that contains itself, is built); no archiver writes one. An entry takes at least its
    local header (30 bytes and the name) and its compressed data."""
    end = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < end:
            return True
        # a name not flagged UTF-8 was decoded from cp437, a character a byte: its length is its stored length
        size = len(info.filename.encode("utf-8", "replace")) if info.flag_bits & _UTF8_FLAG else len(info.filename)
        end = info.header_offset + 30 + size + info.compress_size
    return False


def _check_real_size(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Stream the entry: Python stops at the declared size and checks the CRC, so a lying header fails here."""
    try:
        with zf.open(info) as stream:
            while stream.read(_CHUNK):
                pass
    except Exception as exc:
        raise _unreadable_entry(exc, name) from exc


# What zipfile inflates; Deflate64 (7-Zip, Windows for large files) and the like it does not, in an inbox zip or in
# a workbook's package (where a flipped byte in a header says the same).
READABLE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
UNSUPPORTED_METHOD = ("文件使用了不支持的压缩方式（如 Deflate64）或已损坏：压缩包请用系统自带的“压缩”功能重新打包，"
                      "工作簿请在 Excel/WPS 中另存为 .xlsx 后重新报送")


def _unreadable_entry(exc: Exception, name: str) -> Exception:
    """What an exception reading a zip entry means for the coordinator (other exceptions pass unchanged)."""
    if isinstance(exc, ReturnError):
        return exc
    if isinstance(exc, RuntimeError) and not isinstance(exc, NotImplementedError):  # an encrypted entry
        return ReturnError("压缩包已加密，请取消密码后重新报送", file=name, code="zip.encrypted")
    if isinstance(exc, NotImplementedError):
        return ReturnError(UNSUPPORTED_METHOD, file=name, code="zip.unsupported")
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError)):
        return ReturnError(DAMAGED, file=name, code="zip.damaged")
    return exc


def member_names(data: bytes, name: str) -> set[str]:
    """Entry names as stored (for telling an .xlsx or .ods container from an archive)."""
    return set(open_zip(data, name).namelist())


def member_zip(member: Member, name: str) -> zipfile.ZipFile:
    """A zip unpacked into a spool (or a large inbox file), opened in place and checked (its real sizes are
    counted when it is unpacked; a workbook package is checked whole when it is read)."""
    return _checked_zip(member.open(), name, real_sizes=False, total=member.spool.budget.left)


def decode_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as the sender saw it: UTF-8 when flagged, else UTF-8 or GBK tried before cp437."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe(info: zipfile.ZipInfo, decoded: str) -> bool:
    path = decoded.replace("\\", "/")
    mode = info.external_attr >> 16
    return (path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in PurePosixPath(path).parts
            or stat.S_ISLNK(mode))


def unpack(source: bytes | Member, name: str, spool: Spool) -> tuple[list[Member], list[str]]:
    """The files in the archive (the inbox file's bytes or its copy in archive/, or a zip unpacked before into
    the same spool), streamed into `spool`, and a message for each entry refused (unsafe path, encrypted,
    link). What the entries declare must fit in what is left of the budget before any is read; each chunk
    is counted as it is written, so the unpacking stops the moment the whole file's budget is passed."""
    if isinstance(source, bytes):
        zf = open_zip(source, name)
    else:
        zf = _checked_zip(source.open(), name, False, spool.budget.left)
    infos = [info for info in zf.infolist() if not info.is_dir()]
    if sum(info.file_size for info in infos) > spool.budget.left:
        raise ReturnError(BOMB, file=name, code="zip.bomb")
    members: list[Member] = []
    refused: list[str] = []
    for info in infos:
        decoded = decode_name(info)
        if _unsafe(info, decoded):
            refused.append(f"「{decoded}」路径不安全（含 .. 、绝对路径或链接），未读取")
            continue
        if info.flag_bits & 0x1:
            refused.append(f"「{decoded}」已加密，未读取；请取消压缩密码后重新报送")
            continue
        try:
            stream = zf.open(info)
        except Exception as exc:
            raise _unreadable_entry(exc, name) from exc
        with stream:
            offset, size, digest = spool.add(stream, name)
        members.append(Member(decoded.replace("\\", "/"), _timestamp(info), size, digest, spool, offset))
    return members, refused


def walk(members: list[Member], name: str, spool: Spool, is_zip: Callable[[Member], bool],
         depth: int = MAX_DEPTH) -> Iterator[Member | Skipped]:
    """The members, each zip among them (`is_zip`) replaced by its own files, opened down to `depth` levels
    of nesting below the inbox file, in the spool; a zip deeper than that, or one that cannot be unpacked,
    comes out as Skipped. Zips are opened after the files beside them, so what stands at a level is
    unpacked before anything deeper takes from the budget; once the budget is passed, nothing more is."""
    later: list[Member] = []
    for member in members:
        if is_zip(member):
            later.append(member)
        else:
            yield member
    for index, inner in enumerate(later):
        if depth <= 0:
            yield Skipped(inner.name, "压缩包嵌套超过一层，未读取；请解压后重新打包", "zip.nested")
            continue
        try:
            found, refused = unpack(inner, f"{name}/{inner.name}", spool)
        except ReturnError as exc:
            yield Skipped(inner.name, exc.message, exc.code)
            if exc.code in STOPS:  # the whole file's budget (or the disk) is gone: the zips after it are not opened
                for rest in later[index + 1:]:
                    yield Skipped(rest.name, exc.message, exc.code)
                return
            continue
        for note in refused:
            yield Skipped(inner.name, note, "")
        for item in walk(found, name, spool, is_zip, depth - 1):
            if isinstance(item, Skipped):
                yield Skipped(f"{inner.name}/{item.name}", item.message, item.code)
            else:
                item.name = f"{inner.name}/{item.name}"
                yield item


@dataclass(frozen=True)
class Skipped:
    """A zip inside the archive that was not read, and why (a FILE_RULES code, or "" for an entry refused)."""

    name: str
    message: str
    code: str


def _timestamp(info: zipfile.ZipInfo) -> float:
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0


def refuse_doctype(zf: zipfile.ZipFile, name: str, data: bytes | None = None) -> dict[str, bytes]:
    """XML with a DOCTYPE can declare entities (billion laughs): no workbook needs one, so none is read.

    A DOCTYPE can only stand in a part's prolog, before its first element, so only the prolog is read
    (a few hundred bytes, unless a long comment or instruction comes first). Returns the parts that were
    small enough to be read whole on the way (CRC checked), so they need not be read again.
    `data`: the zip's bytes, when `zf` reads them from memory: the usual part is then inflated straight from
    them (_quick_prolog), without opening it through zipfile.
    """
    whole: dict[str, bytes] = {}
    view = memoryview(data) if data is not None else None
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels")) and info.file_size:
            head = (view is not None and _quick_prolog(view, info)) or _prolog(zf, info)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head or (len(head) >= _HEAD and not _prolog_ends(head)):
                # a prolog longer than _HEAD (a comment of 70 KB) could hide a DOCTYPE past what was read
                raise ReturnError(UNSAFE_XML, file=name, code="xml.unsafe")
            if len(head) == info.file_size and info.file_size <= _SMALL_PART:
                whole[info.filename] = head
            else:  # a repeated name: reading it gives the last entry, not this one kept from before
                whole.pop(info.filename, None)
    return whole


def _prolog_ends(head: bytes) -> bool:
    """Whether the first element starts within `head` (so the whole prolog is in it)."""
    rest = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    skipped = _PROLOG_MISC.match(rest)
    return bool(skipped and _ELEMENT_START.match(rest, skipped.end()))


def _prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The part from its start up to its first element (or all of it, or the first _HEAD bytes when the
    prolog is that long: refused then, since a DOCTYPE could follow)."""
    with zf.open(info) as stream:
        head = stream.read(_SMALL_PART)
        while len(head) < _HEAD:
            rest = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
            skipped = _PROLOG_MISC.match(rest)
            if skipped and _ELEMENT_START.match(rest, skipped.end()):
                return head  # the first element starts within what was read
            more = stream.read(_SMALL_PART)
            if not more:
                return head
            head += more
        return head


def _quick_prolog(data: memoryview, info: zipfile.ZipInfo) -> bytes | None:
    """_prolog of a part of a zip held in memory, by quick_head: None unless the part's prolog ends within
    what quick_head gives (then _prolog reads it through zipfile as before, and refuses as before). A small
    part is told once per process for the same stored bytes: the returns of a campaign share most parts
    (styles, theme, relationships) byte for byte."""
    compressed = _local_data(data, info, min(info.compress_size, _QUICK_INPUT))
    if compressed is None:
        return None
    if info.compress_size > _SAME_PART_BYTES:
        return _prolog_in(compressed, info)
    # everything the answer depends on: the stored bytes (all of them), how they are stored, size and CRC
    key = (bytes(compressed), info.compress_type, info.file_size, info.CRC)
    if key in _SEEN_PROLOGS:
        return _SEEN_PROLOGS[key]
    if len(_SEEN_PROLOGS) >= _SEEN_PROLOGS_SIZE:
        _SEEN_PROLOGS.clear()
    found = _SEEN_PROLOGS[key] = _prolog_in(compressed, info)
    return found


def _prolog_in(compressed: memoryview, info: zipfile.ZipInfo) -> bytes | None:
    """_quick_prolog of the part's stored bytes (_local_data's)."""
    head = _head_of(compressed, info)
    if head is None or info.file_size <= _SMALL_PART:
        return head
    rest = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    skipped = _PROLOG_MISC.match(rest)
    if skipped and _ELEMENT_START.match(rest, skipped.end()):
        return head  # what _prolog returns: the first element starts within the first read
    return None


_SAME_PART_BYTES = 4096  # parts stored in at most this many bytes are told once per process (_quick_prolog)
_SEEN_PROLOGS: dict[tuple[bytes, int, int, int], bytes | None] = {}
_SEEN_PROLOGS_SIZE = 256


def quick_head(data: bytes | memoryview, info: zipfile.ZipInfo) -> bytes | None:
    """The first _SMALL_PART bytes of a part of a zip held in memory (`data`, what the ZipFile reads), inflated
    straight from them: the same bytes zipfile's first read(_SMALL_PART) gives (a part no longer than that
    only when complete and its CRC matches), for a part written the usual way (local header as the directory
    says, not encrypted, stored or deflated); None for anything else, to be read through zipfile."""
    compressed = _local_data(data, info, min(info.compress_size, _QUICK_INPUT))
    return None if compressed is None else _head_of(compressed, info)


def _head_of(compressed: memoryview, info: zipfile.ZipInfo) -> bytes | None:
    """quick_head of the part's stored bytes (_local_data's)."""
    if info.compress_type == zipfile.ZIP_STORED:
        head = bytes(compressed[:_SMALL_PART])
        complete = info.compress_size == info.file_size
    else:
        inflate = zlib.decompressobj(-15)
        head = inflate.decompress(compressed, _SMALL_PART)
        complete = inflate.eof
    if info.file_size <= _SMALL_PART:  # the whole part: only exactly as zipfile would give it
        if not complete or len(head) != info.file_size or zlib.crc32(head) != info.CRC:
            return None
        return head
    return head if len(head) == _SMALL_PART else None


def quick_read(data: bytes | memoryview, info: zipfile.ZipInfo) -> bytes | None:
    """A whole part of a zip held in memory, inflated straight from `data`: what zipfile's read gives, for a part
    written the usual way (as quick_head) whose inflated size and CRC are the declared ones, without zipfile's
    reading in chunks, its CRC and inflate in zlib (a return's 90 KB sheet: half the time); None for anything else
    (inflated no further than the declared size), to be read through zipfile, which says what is wrong."""
    compressed = _local_data(data, info, info.compress_size)
    if compressed is None:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        whole = bytes(compressed)
    else:
        inflate = isal_zlib.decompressobj(-15)  # ISA-L's inflate: about two thirds of zlib's instructions
        try:
            whole = inflate.decompress(compressed, info.file_size + 1)
        except Exception:  # isal_zlib.error, damaged data: zipfile reads it, and fails as it does
            return None
        if not inflate.eof:
            return None
    if len(whole) != info.file_size or _crc32(whole) != info.CRC:
        return None
    return whole


def _local_data(data: bytes | memoryview, info: zipfile.ZipInfo, size: int) -> memoryview | None:
    """The first `size` bytes of the part's compressed data in `data`, when its local header is as the central
    directory says (the same name, flags and method; not encrypted; stored or deflated); else None."""
    data = data if isinstance(data, memoryview) else memoryview(data)
    offset = info.header_offset
    local = data[offset:offset + 30]
    if (len(local) < 30 or local[:4] != b"PK\x03\x04" or info.flag_bits & 0x61
            or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)):
        return None
    flags, method, name_size, extra_size = _LOCAL_FIELDS.unpack_from(local, 6)
    name = info.orig_filename  # ASCII (every part of a workbook) is the same bytes in UTF-8 and cp437, whose encoder
    # is Python code (some 2 µs a name, a dozen names a return)
    raw_name = name.encode("ascii") if name.isascii() else name.encode(
        "utf-8" if info.flag_bits & _UTF8_FLAG else "cp437", "replace")
    if ((flags ^ info.flag_bits) & _UTF8_FLAG or method != info.compress_type
            or data[offset + 30:offset + 30 + name_size] != raw_name):
        return None
    start = offset + 30 + name_size + extra_size
    compressed = data[start:start + size]
    return compressed if len(compressed) == size else None


_crc32 = isal_zlib.crc32  # zlib's CRC-32, some twenty times faster than zlib's own on a sheet's 90 KB
_LOCAL_FIELDS = struct.Struct("<HH16xHH")  # a local header from byte 6: flags, method, …, name and extra lengths
_QUICK_INPUT = 64 * 1024  # compressed bytes _quick_prolog inflates from at most (a part's first 4 KB take far fewer)
_SMALL_PART = 4096  # parts up to this size are read whole; longer ones only as far as their prolog
_PROLOG_MISC = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)  # declaration, instructions, comments
_ELEMENT_START = re.compile(rb"<[^!?]")


def as_workbook_fault(error: ReturnError, name: str, *, workbook: bool = False) -> ReturnError:
    """A damaged zip, or one too large unpacked, that is a workbook (`workbook`: its content said so) or is named as
    one (人事局.xlsx), told as the workbook it was meant to be: its sender packed nothing."""
    told = _AS_WORKBOOK.get(error.code)
    if told is None or error.message == told or not (workbook or name.lower().endswith(WORKBOOK_SUFFIXES)):
        return error
    return ReturnError(told, file=error.file or name, sheet=error.sheet, cell=error.cell, code=error.code)

