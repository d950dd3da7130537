""".zip files: the archives units send, and the zip containers of .xlsx and .ods.

Safety first: every zip is checked before anything reads it (entry count, declared sizes, compression
ratio, and — for entries that could expand past the budget — the real size, by streaming them). Names
written by Chinese Windows (GBK without the UTF-8 flag) are decoded right; entries with `..`, absolute
paths, drive letters or symbolic links are refused.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from ..errors import ReturnError

MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
MAX_ENTRIES = 5000
MAX_ENTRY_BYTES = 200 * 1024 * 1024  # one entry, uncompressed
MAX_TOTAL_BYTES = 500 * 1024 * 1024  # all entries, uncompressed
MAX_RATIO = 200  # uncompressed / compressed, for entries past RATIO_FLOOR
RATIO_FLOOR = 10 * 1024 * 1024
DEFLATE_MAX_RATIO = 1032  # the most deflate can expand: past the budget only if compressed * this > budget
_UTF8_FLAG = 0x800
_CHUNK = 1024 * 1024
_HEAD = 65536  # the most of a part's prolog the DOCTYPE check reads
BOMB = "压缩包解压后过大（疑似压缩炸弹），已拒收；请直接发送工作簿或重新打包"
UNSAFE_XML = "文件含有不安全的 XML 内容（DOCTYPE/ENTITY 声明），已拒收；请在 Excel 中另存后重新报送"
DAMAGED = "压缩包已损坏或不完整（可能未下载完整），请重新打包发送"


@dataclass
class Budget:
    """Bytes still allowed to be unpacked from one inbox file, zips inside it included (MAX_TOTAL_BYTES for
    the whole file, not for each zip: twenty inner zips each within the limits must not add up to 8 GB)."""

    left: int = MAX_TOTAL_BYTES

    def take(self, size: int, name: str) -> None:
        if size > self.left:
            raise ReturnError(BOMB, file=name, code="zip.bomb")
        self.left -= size


@dataclass
class Member:
    """A file inside a zip, decoded name and bytes."""

    name: str
    data: bytes
    mtime: float


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


def _checked_zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ReturnError(DAMAGED, file=name, code="zip.damaged") from exc
    if len(infos) > MAX_ENTRIES:
        raise ReturnError(f"压缩包内文件过多（{len(infos)} 个），已拒收", file=name, code="zip.too_many")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES or (
                info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise ReturnError(BOMB, file=name, code="zip.bomb")
        if info.compress_size * DEFLATE_MAX_RATIO > MAX_ENTRY_BYTES and not info.is_dir():
            _check_real_size(zf, info, name)
    return zf


def _check_real_size(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Stream the entry: Python stops at the declared size and checks the CRC, so a lying header fails here."""
    try:
        with zf.open(info) as stream:
            while stream.read(_CHUNK):
                pass
    except RuntimeError as exc:  # encrypted entry
        raise ReturnError("压缩包已加密，请取消密码后重新报送", file=name, code="zip.encrypted") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ReturnError(DAMAGED, file=name, code="zip.damaged") from exc
    except NotImplementedError as exc:
        raise ReturnError("压缩包使用了不支持的压缩方式，请用系统自带的“压缩”功能重新打包", file=name,
                          code="zip.unsupported") from exc


def member_names(data: bytes, name: str) -> set[str]:
    """Entry names as stored (for telling an .xlsx or .ods container from an archive)."""
    return set(open_zip(data, name).namelist())


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


def read(data: bytes, name: str, budget: Budget | None = None) -> tuple[list[Member], list[str]]:
    """The files in the archive, and a message for each entry refused (unsafe path, encrypted, link); what
    they unpack to is taken from `budget` (shared by the zips of one file) before any is read."""
    zf = open_zip(data, name)
    if budget is not None:
        budget.take(sum(info.file_size for info in zf.infolist()), name)
    members: list[Member] = []
    refused: list[str] = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        decoded = decode_name(info)
        if _unsafe(info, decoded):
            refused.append(f"「{decoded}」路径不安全（含 .. 、绝对路径或链接），未读取")
            continue
        if info.flag_bits & 0x1:
            refused.append(f"「{decoded}」已加密，未读取；请取消压缩密码后重新报送")
            continue
        try:
            content = zf.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ReturnError(DAMAGED, file=name, code="zip.damaged") from exc
        members.append(Member(decoded.replace("\\", "/"), content, _timestamp(info)))
    return members, refused


def _timestamp(info: zipfile.ZipInfo) -> float:
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0


def refuse_doctype(zf: zipfile.ZipFile, name: str) -> dict[str, bytes]:
    """XML with a DOCTYPE can declare entities (billion laughs): no workbook needs one, so none is read.

    A DOCTYPE can only stand in a part's prolog, before its first element, so only the prolog is read
    (a few hundred bytes, unless a long comment or instruction comes first). Returns the parts that were
    small enough to be read whole on the way (CRC checked), so they need not be read again.
    """
    whole: dict[str, bytes] = {}
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels")) and info.file_size:
            head = _prolog(zf, info)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ReturnError(UNSAFE_XML, file=name, code="xml.unsafe")
            if len(head) == info.file_size and info.file_size <= _SMALL_PART:
                whole[info.filename] = head
            else:  # a repeated name: reading it gives the last entry, not this one kept from before
                whole.pop(info.filename, None)
    return whole


def _prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The part from its start up to its first element (or all of it, or the first _HEAD bytes when the
    prolog is that long: a DOCTYPE is looked for there; whatever follows cannot declare anything)."""
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


_SMALL_PART = 4096  # parts up to this size are read whole; longer ones only as far as their prolog
_PROLOG_MISC = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)  # declaration, instructions, comments
_ELEMENT_START = re.compile(rb"<[^!?]")
