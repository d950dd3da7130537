"""Worksheet rows written as sheet XML and deflated as they are made, and an xlsx package put together from a
draft (what xlsxwriter wrote) with such rows put into its sheets: 汇总台账's long lists (summary_long.py).

The rows are the XML xlsxwriter's constant_memory mode writes for them (inline strings, each cell in its
column's format, blank cells left out), text escaped exactly as xlsxwriter escapes it. They are deflated
(raw deflate, flushed to a byte boundary) into a file of their own, possibly in another process: the package
is then written here member by member, a long list's part being the draft's part up to </sheetData>, the rows'
deflated bytes copied as they are, and the rest of the part (a deflate stream may be so joined; its CRC-32 is
combined from the pieces'), so the bulk is deflated once, where it was made.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from xlsxwriter.utility import xl_col_to_name

from .errors import ReportingError
from .safe_xlsx import fit_text
from .xlsx_writer import NOT_PLAIN, inline_text

LEVEL = 6  # zlib's default, as xlsxwriter (zipfile) deflates
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PLAIN_LIMIT = 16383  # longer text may be past a cell's limit: fit_text looks at it
_BATCH = 2000  # rows deflated at a time
_CACHED = 8192  # texts remembered per column (a list repeats its tasks', units' and areas' texts)


def clean_text(value: object) -> str:
    """Unit text as a cell can hold it: no control characters."""
    return _CONTROL.sub("", str(value))  # past Excel's limit, cut where it is written (safe_xlsx)


@dataclass
class Segment:
    """Deflated bytes in a file of their own (raw deflate, not final: one piece of a member's data)."""

    path: str
    crc: int = 0
    size: int = 0  # before deflating
    packed: int = 0


class Deflater:
    """Bytes deflated into a Segment's file as they come, with their CRC-32 and sizes counted."""

    def __init__(self, path: str | Path, level: int = LEVEL) -> None:
        self.segment = Segment(str(path))
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed by close())
        self._deflate = zlib.compressobj(level, zlib.DEFLATED, -15)

    def write(self, data: bytes) -> None:
        segment = self.segment
        segment.crc = zlib.crc32(data, segment.crc)
        segment.size += len(data)
        packed = self._deflate.compress(data)
        segment.packed += len(packed)
        self._file.write(packed)

    def close(self) -> Segment:
        packed = self._deflate.flush(zlib.Z_SYNC_FLUSH)  # to a byte boundary, without ending the stream
        self.segment.packed += len(packed)
        self._file.write(packed)
        self._file.close()
        return self.segment


@dataclass
class SheetRows:
    """How one sheet's rows are written: each column's format (xf index) and whether it holds numbers."""

    name: str  # the sheet's name, for the message when a text is cut
    styles: Sequence[int]
    numeric: Sequence[bool]
    count: int = 0  # rows written
    last_row: int = -1  # 0-based row of the last row written with a cell in it, -1 for none

    def write(self, out: Deflater, first: int, rows: Iterable[Sequence]) -> int:
        """Rows from row `first` (0-based) on into `out`; returns how many. Blank cells are not written (the
        column's format shows), numbers in numeric columns are numbers, anything else is text."""
        opening = [f'<c r="{xl_col_to_name(col)}'.encode() for col in range(len(self.styles))]
        numbers = [f'" s="{style}"><v>'.encode() for style in self.styles]
        cached: list[dict[str, bytes]] = [{} for _ in self.styles]
        numeric = self.numeric
        batch: list[bytes] = []
        count, last = 0, -1
        for count, values in enumerate(rows, start=1):
            number = first + count  # 1-based
            n = b"%d" % number
            batch += (b'<row r="', n, b'">')
            cells = len(batch)
            for col, value in enumerate(values):
                if value is None or value == "":
                    continue
                if numeric[col] and isinstance(value, int | float):
                    batch += (opening[col], n, numbers[col], b"%s</v></c>" % f"{value:.16G}".encode())
                    continue
                if type(value) is str:
                    known = cached[col].get(value)
                    if known is None:
                        known = self._text(value, number - 1, col)
                        if len(value) <= _PLAIN_LIMIT:  # a text cut warns each time it is written
                            if len(cached[col]) >= _CACHED:
                                cached[col].clear()
                            cached[col][value] = known
                else:
                    known = self._text(str(value), number - 1, col)
                batch += (opening[col], n, known)
            if len(batch) > cells:
                batch.append(b"</row>")
                last = number - 1
            else:
                del batch[-3:]  # no cell: no row
            if count % _BATCH == 0:
                out.write(b"".join(batch))
                batch.clear()
        out.write(b"".join(batch))
        self.count, self.last_row = count, last
        return count

    def _text(self, text: str, row: int, col: int) -> bytes:
        """The rest of a text cell after its reference: format, type and the escaped text."""
        if not text or len(text) > _PLAIN_LIMIT or NOT_PLAIN.search(text) or text[0].isspace() \
                or text[-1].isspace():
            body = inline_text(fit_text(clean_text(text), self.name, row, col))
        else:  # what the line above makes of it, the short way
            body = f"<is><t>{text}</t></is>"
        return f'" s="{self.styles[col]}" t="inlineStr">{body}</c>'.encode()


# -- the package ---------------------------------------------------------------------------------------------

_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')
_ZIP_LIMIT = 0xFFFFFFFF


@dataclass
class Spliced:
    """A sheet part's rows made elsewhere: its deflated segments, in order, and its last row (0-based)."""

    segments: list[Segment]
    last_row: int


def write_package(draft: Path, path: Path, spliced: dict[str, Spliced]) -> None:
    """The package `draft` (as xlsxwriter wrote it) written to `path`, member by member in the same order, the
    rows of each part named in `spliced` put in after the rows the draft has there (intro and header), and the
    sheet's dimension widened to them."""
    entries: list[tuple[zipfile.ZipInfo, int, int, int, int]] = []  # info, offset, crc, size, packed
    with zipfile.ZipFile(draft) as source, open(path, "wb") as out:
        for info in source.infolist():
            data = source.read(info.filename)
            rows = spliced.get(info.filename)
            head, tail, segments = data, b"", []
            if rows is not None:
                head, tail = data.split(b"</sheetData>", 1)
                tail, segments = b"</sheetData>" + tail, rows.segments
                if rows.last_row >= 0:
                    head = _DIMENSION.sub(partial(_widened, last_row=rows.last_row), head, count=1)
            crc, size = zlib.crc32(head), len(head)
            for segment in segments:
                crc, size = crc32_combine(crc, segment.crc, segment.size), size + segment.size
            if tail:
                crc, size = crc32_combine(crc, zlib.crc32(tail), len(tail)), size + len(tail)
            head_packed = _deflated(head, final=not tail)
            tail_packed = _deflated(tail, final=True) if tail else b""
            packed = len(head_packed) + sum(segment.packed for segment in segments) + len(tail_packed)
            entries.append((info, out.tell(), crc, size, packed))
            out.write(_local_header(info, crc, size, packed))
            out.write(head_packed)
            for segment in segments:
                with open(segment.path, "rb") as piece:
                    while chunk := piece.read(1 << 20):
                        out.write(chunk)
            out.write(tail_packed)
        directory = out.tell()
        for info, offset, crc, size, packed in entries:
            out.write(_central_header(info, offset, crc, size, packed))
        end = out.tell()
        if end >= _ZIP_LIMIT or any(entry[3] >= _ZIP_LIMIT for entry in entries):
            raise ReportingError(f"{path.name} 超过 4 GB，无法写成 xlsx 文件")
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - directory,
                              directory, 0))


def _deflated(data: bytes, *, final: bool) -> bytes:
    deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def _widened(match: re.Match[bytes], last_row: int) -> bytes:
    first_col, first_row, last_col, end_row = match.groups()
    end = max(int(end_row or first_row), last_row + 1)
    return b'<dimension ref="%s%s:%s%d"/>' % (first_col, first_row, last_col or first_col, end)


def _dos_time(info: zipfile.ZipInfo) -> tuple[int, int]:
    year, month, day, hour, minute, second = info.date_time
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def _name(info: zipfile.ZipInfo) -> tuple[bytes, int]:
    try:
        return info.filename.encode("ascii"), 0
    except UnicodeEncodeError:
        return info.filename.encode("utf-8"), 0x800  # the name is UTF-8


def _local_header(info: zipfile.ZipInfo, crc: int, size: int, packed: int) -> bytes:
    name, flags = _name(info)
    time, day = _dos_time(info)
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, zipfile.ZIP_DEFLATED, time, day, crc,
                       min(packed, _ZIP_LIMIT), min(size, _ZIP_LIMIT), len(name), 0) + name


def _central_header(info: zipfile.ZipInfo, offset: int, crc: int, size: int, packed: int) -> bytes:
    name, flags = _name(info)
    time, day = _dos_time(info)
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, flags, zipfile.ZIP_DEFLATED, time,
                       day, crc, min(packed, _ZIP_LIMIT), min(size, _ZIP_LIMIT), len(name), 0, 0, 0, 0,
                       info.external_attr, min(offset, _ZIP_LIMIT)) + name


# -- CRC-32 of joined pieces (zlib's crc32_combine, which Python's zlib does not offer) -------------------------

_POLY = 0xEDB88320  # CRC-32, reflected


def _multiply(a: int, b: int) -> int:
    """a × b modulo the CRC polynomial (bit-reflected: bit 31 is x^0); `a` is never 0 here."""
    m, product = 1 << 31, 0
    while True:
        if a & m:
            product ^= b
            if not a & (m - 1):
                return product
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


_POWERS = [1 << 30]  # x^(2^k) modulo the polynomial, k = 0…31 (x^1 first)
for _ in range(31):
    _POWERS.append(_multiply(_POWERS[-1], _POWERS[-1]))


def _x_power(n: int, k: int) -> int:
    """x^(n·2^k) modulo the polynomial."""
    product = 1 << 31  # x^0
    while n:
        if n & 1:
            product = _multiply(_POWERS[k & 31], product)
        n >>= 1
        k += 1
    return product


def crc32_combine(crc1: int, crc2: int, size2: int) -> int:
    """The CRC-32 of A + B from A's CRC, B's CRC and B's length."""
    return _multiply(_x_power(size2, 3), crc1) ^ crc2
