""".xls (BIFF, Excel 97–2003): values through python-calamine, number formats through xlrd on demand.

An OLE2 compound file is also what an encrypted .xlsx is (an EncryptedPackage stream), what Word .doc
and WPS .et files are: `classify_ole` tells them apart by their stream names.
"""

from __future__ import annotations

import io
import struct
from pathlib import PurePosixPath
from typing import BinaryIO

from ..errors import ReturnError
from .base import MAX_CELLS, SAVE_AS_XLSX, Book, Reader, too_big

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))


def detect(head: bytes) -> bool:
    return head.startswith(MAGIC)


def classify_ole(data: bytes) -> str:
    """"encrypted" (a password-protected OOXML file), "xls", or "other" (Word, PowerPoint …)."""
    if _ENCRYPTED in data:
        return "encrypted"
    if any(stream in data for stream in _WORKBOOK_STREAMS):
        return "xls"
    return "other"


FORMAT = "xls"
WPS_EXTENSIONS = {".et", ".ett", ".wps"}


def classify_ole_stream(stream: BinaryIO) -> str:
    """classify_ole of a file read chunk by chunk (a stream name across two chunks is found too): an Outlook
    .msg or a Word .doc of hundreds of MB in a zip is told without being held in memory."""
    keep = max(len(name) for name in (_ENCRYPTED, *_WORKBOOK_STREAMS)) - 1
    tail, workbook = b"", False
    while chunk := stream.read(_CHUNK):
        window = tail + chunk
        if _ENCRYPTED in window:
            return "encrypted"
        workbook = workbook or any(name in window for name in _WORKBOOK_STREAMS)
        tail = window[-keep:]
    return "xls" if workbook else "other"


_CHUNK = 1024 * 1024


def identify(data: bytes, name: str) -> str | None:
    """xls for a BIFF workbook in an OLE2 file; the other OLE2 files (encrypted OOXML, WPS, Word) are refused."""
    if not detect(data[:8]):
        return None
    return identified(classify_ole(data), name)


def identified(kind: str, name: str) -> str:
    """`identify` told from what classify_ole found."""
    if kind == "encrypted":
        raise ReturnError("文件已加密，请取消密码后重新报送", file=name, code="file.encrypted")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in WPS_EXTENSIONS:
        raise ReturnError(f"这是 WPS 格式文件（{suffix}），{SAVE_AS_XLSX}", file=name, code="file.wps")
    if kind == "xls":
        return FORMAT
    if suffix in (".xls", ".xlt"):  # named as a workbook: damaged as likely as a Word file renamed
        raise ReturnError("文件中没有 Excel 工作表数据（文件可能已损坏，或是改了扩展名的 Word 文档等），"
                          f"{SAVE_AS_XLSX}", file=name, code="file.not_excel")
    raise ReturnError(f"不是 Excel 工作簿（可能是 Word 文档等），{SAVE_AS_XLSX}", file=name, code="file.not_excel")


def read(data: bytes, name: str) -> XlsBook:
    _check_extents(data, name)
    return XlsBook(data, name)


def _check_extents(data: bytes, name: str) -> None:
    """calamine reads every sheet of an .xls when it opens it, each from A1 to its last cell (by the cells'
    positions and the DIMENSIONS record): one cell at row 65536, column 65536 takes 4 billion cells and aborts
    the reader. What the records declare is summed over the sheets and refused past MAX_CELLS, naming the
    largest sheet, before calamine sees the file."""
    extents = sheet_extents(data)
    if sum(rows * cols for rows, cols in extents.values()) > MAX_CELLS:
        sheet, (rows, cols) = max(extents.items(), key=lambda item: item[1][0] * item[1][1])
        raise too_big(name, sheet, rows, cols)


# BIFF5/8 records: cells (row, column first), rows of cells (row, first column … last column at the end)
_CELLS = frozenset({0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6})
_CELL_RUNS = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK
_BOF, _DIMENSIONS, _BOUNDSHEET, _FILEPASS = 0x0809, 0x0200, 0x0085, 0x002F
_HEADER = struct.Struct("<HH")


def sheet_extents(data: bytes) -> dict[str, tuple[int, int]]:
    """Rows and columns from A1 to the last cell each sheet's records place or declare, by sheet name, read
    from the records (no cell is made); {} when the workbook stream cannot be found (calamine then refuses the
    file) or is encrypted."""
    stream = _workbook_stream(data)
    names: dict[int, str] = {}  # offset of a sheet's BOF → its name (BOUNDSHEET)
    found: dict[str, tuple[int, int]] = {}
    sheet: str | None = None
    rows = cols = sheets = 0
    pos, end = 0, len(stream)
    while pos + 4 <= end:
        kind, length = _HEADER.unpack_from(stream, pos)
        body = pos + 4
        if body + length > end:  # a record running past the stream: cut short or damaged (calamine says which)
            break
        if kind == _BOF:
            if sheet is not None:
                found[sheet] = (max(rows, 1), max(cols, 1))
            sheet, rows, cols = (names.get(pos, f"第{sheets + 1}个工作表") if pos else None), 0, 0
            sheets += pos > 0
        elif kind == _FILEPASS:
            return {}
        elif kind == _BOUNDSHEET and length >= 8:
            names[struct.unpack_from("<I", stream, body)[0]] = _sheet_name(stream[body + 6:body + length])
        elif sheet is not None and kind in _CELLS and length >= 4:
            row, col = _HEADER.unpack_from(stream, body)
            rows, cols = max(rows, row + 1), max(cols, col + 1)
        elif sheet is not None and kind in _CELL_RUNS and length >= 6:
            row = struct.unpack_from("<H", stream, body)[0]
            last = struct.unpack_from("<H", stream, body + length - 2)[0]
            rows, cols = max(rows, row + 1), max(cols, last + 1)
        elif sheet is not None and kind == _DIMENSIONS and length >= 8:
            if length >= 14:
                _, last_row, _, last_col = struct.unpack_from("<IIHH", stream, body)
            else:
                _, last_row, _, last_col = struct.unpack_from("<HHHH", stream, body)
            rows, cols = max(rows, last_row), max(cols, last_col)
        pos = body + length
    if sheet is not None:
        found[sheet] = (max(rows, 1), max(cols, 1))
    return found


def _sheet_name(raw: bytes) -> str:
    """A BOUNDSHEET's name: BIFF8 (length, flags, Latin-1 or UTF-16) or BIFF5 (length, bytes); best effort."""
    if len(raw) >= 2 and raw[1] in (0, 1) and len(raw) >= 2 + raw[0] * (raw[1] + 1):
        text = raw[2:2 + raw[0] * (raw[1] + 1)]
        return text.decode("utf-16-le" if raw[1] else "latin-1", "replace")
    return raw[1:1 + raw[0]].decode("gbk", "replace") if raw else ""


def _workbook_stream(data: bytes) -> bytes:
    """The Workbook (BIFF8) or Book (BIFF5) stream of the OLE2 file, by xlrd's reader of compound files (which
    refuses cyclic or out-of-range sector chains); b"" when it cannot be had."""
    from xlrd import compdoc

    try:
        document = compdoc.CompDoc(data, logfile=io.StringIO())
        for stream_name in ("Workbook", "Book"):
            memory, base, size = document.locate_named_stream(stream_name)
            if memory is not None and size and size > 0:
                return bytes(memory[base:base + size])
    except Exception:  # a damaged container: calamine refuses it, saying so
        return b""
    return b""


class XlsBook(Book):
    format = "xls"

    def __init__(self, data: bytes, name: str) -> None:
        self._data = data
        self._xlrd = None
        try:
            super().__init__(data, name)
        except ReturnError:
            self._raise_if_encrypted(name)
            raise

    def is_percent(self, sheet: str, row: int, col: int) -> bool:
        book = self._formats()
        if book is None:
            return False
        try:
            xf = book.xf_list[book.sheet_by_name(sheet).cell_xf_index(row, col)]
            return "%" in book.format_map[xf.format_key].format_str
        except Exception:  # format lookup is best effort: without it, 1 stays 1
            return False

    def _formats(self):
        if self._xlrd is None:
            import xlrd

            try:
                self._xlrd = xlrd.open_workbook(file_contents=self._data, formatting_info=True, on_demand=True,
                                                logfile=io.StringIO())  # its warnings are in English, on stdout
            except Exception:
                self._xlrd = False
        return self._xlrd or None

    def _raise_if_encrypted(self, name: str) -> None:
        import xlrd

        try:
            xlrd.open_workbook(file_contents=self._data, on_demand=True, logfile=io.StringIO())
        except xlrd.biffh.XLRDError as exc:
            if "encrypt" in str(exc).lower():
                raise ReturnError("文件已加密，请取消密码后重新报送", file=name, code="file.encrypted") from exc
        except Exception:  # the caller's message stands
            return


READER = Reader((FORMAT,), identify, lambda data, name, fmt: read(data, name))
