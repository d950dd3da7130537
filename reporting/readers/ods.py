""".ods (LibreOffice, WPS can save it too): values through python-calamine; properties and percent cells
from meta.xml and content.xml on demand.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree import ElementTree

from ..errors import ReturnError
from . import archive
from .base import MAX_CELLS, MAX_TEXT, SAVE_AS_XLSX, Book, Reader, parse_stamp, parse_xml, too_big, too_much_text

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def detect(head: bytes) -> bool:
    """An ODF package stores its mimetype first and uncompressed, so it shows in the first bytes."""
    return archive.detect(head) and head[30:38] == b"mimetype" and MIMETYPE.encode() in head[38:100]


def is_package(names: set[str]) -> bool:
    """An OpenDocument package (of any kind: its mimetype part tells which)."""
    return "mimetype" in names and "content.xml" in names


def package_mimetype(data: bytes, names: set[str], name: str) -> str | None:
    """The mimetype of an OpenDocument package; None for another zip. A mimetype part that cannot be read (a bad
    CRC, damaged data) makes the package a damaged workbook."""
    if not is_package(names):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zipped_mimetype(zf)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise ReturnError(archive.DAMAGED_BOOK, file=name, code="zip.damaged") from exc


def zipped_mimetype(zf: zipfile.ZipFile) -> str:
    """The mimetype part's text (its first 200 bytes: no more is read, whatever it declares)."""
    with zf.open("mimetype") as stream:
        return stream.read(200).decode("ascii", "replace").strip()


FORMAT = "ods"


def identify(data: bytes, name: str) -> str | None:
    """ods for an OpenDocument spreadsheet; another OpenDocument file (a text, a presentation) is refused."""
    if not archive.detect(data[:8]):
        return None
    return identify_mimetype(package_mimetype(data, archive.member_names(data, name), name), name)


def identify_mimetype(mimetype: str | None, name: str) -> str | None:
    """`identify` told from the package's mimetype part (None: not an OpenDocument package)."""
    if mimetype is None:
        return None
    if mimetype == MIMETYPE:
        return FORMAT
    raise ReturnError(f"这是 OpenDocument 文档而不是电子表格，{SAVE_AS_XLSX}", file=name, code="file.not_workbook")


def read(data: bytes, name: str) -> OdsBook:
    zf = archive.open_zip(data, name)
    archive.refuse_doctype(zf, name)
    extents = _extents(_content(zf, name), name)
    if sum(rows * cols for rows, cols in extents.values()) > MAX_CELLS:
        # calamine reads every sheet when it opens the file: the sheets' cells together are what it allocates
        sheet, (rows, cols) = max(extents.items(), key=lambda item: item[1][0] * item[1][1])
        raise too_big(name, sheet, rows, cols)
    book = OdsBook(data, name, zf)
    book._extents = extents
    return book


class OdsBook(Book):
    format = "ods"

    def __init__(self, data: bytes, name: str, zf: zipfile.ZipFile) -> None:
        super().__init__(data, name)
        self._zip = zf
        self._percent: dict[str, set[tuple[int, int]]] | None = None
        self._extents: dict[str, tuple[int, int]] | None = None

    def check_extent(self, sheet: str) -> None:
        if self._extents is None:
            self._extents = _extents(self._content(), self.name)
        rows, cols = self._extents.get(sheet, (1, 1))
        if rows * cols > MAX_CELLS:
            raise self.too_big(sheet, rows, cols)

    def _content(self) -> bytes:
        return _content(self._zip, self.name)

    def properties(self) -> dict[str, str]:
        try:
            xml = self._zip.read("meta.xml")
        except KeyError:
            return {}
        found = {}
        for element in parse_xml(xml, self.name).iter(f"{{{_META}}}user-defined"):
            found[element.get(f"{{{_META}}}name", "")] = "".join(element.itertext()).strip()
        return found

    def saved_at(self) -> float | None:
        try:
            xml = self._zip.read("meta.xml")
            root = parse_xml(xml, self.name)
        except (KeyError, ReturnError, zipfile.BadZipFile):
            return None
        found = root.find(f".//{{{_DC}}}date")
        return parse_stamp(found.text) if found is not None else None

    def is_percent(self, sheet: str, row: int, col: int) -> bool:
        if self._percent is None:
            self._percent = _percent_cells(self._content(), self.name)
        return (row, col) in self._percent.get(sheet, set())


def _content(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read("content.xml")
    except KeyError:
        return b""
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReturnError(archive.DAMAGED_BOOK, file=name, code="zip.damaged") from exc


def _extents(xml: bytes, name: str) -> dict[str, tuple[int, int]]:
    """Rows and columns from A1 to the last cell holding something, by sheet, repeats counted: calamine
    repeats a row or cell as often as it says (LibreOffice writes the empty rest of a sheet as one row
    repeated a million times, which calamine leaves out, so empty cells do not count). The text calamine
    would make, repeats and <text:s text:c="…"/> spaces expanded, is held to MAX_TEXT: a cell declaring
    a hundred million spaces, or a long text repeated over a row, took it past its memory (read.crashed)."""
    found: dict[str, tuple[int, int]] = {}
    table, row, col, rows, cols, filled = "", 0, 0, 0, 0, False
    text = row_text = cell_spaces = 0
    row_repeat, col_repeat = f"{{{_TABLE}}}number-rows-repeated", f"{{{_TABLE}}}number-columns-repeated"
    cells = (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell")
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
            tag = element.tag
            if event == "start" and tag == f"{{{_TABLE}}}table":
                table, row, rows, cols = element.get(f"{{{_TABLE}}}name", ""), 0, 0, 0
            elif event == "end" and tag == f"{{{_TABLE}}}table":
                found[table] = (max(rows, 1), max(cols, 1))
                element.clear()
            elif event == "start" and tag == f"{{{_TABLE}}}table-row":
                col, filled, row_text = 0, False, 0
            elif event == "end" and tag == _SPACES:
                cell_spaces += _count(element.get(f"{{{_TEXT}}}c"))
            elif event == "end" and tag in cells:
                span = _count(element.get(col_repeat))
                col += span
                if element.get(f"{{{_OFFICE}}}value-type") or len(element):
                    filled, cols = True, max(cols, col)
                    row_text += (sum(map(len, element.itertext())) + cell_spaces) * span
                cell_spaces = 0
                element.clear()
            elif event == "end" and tag == f"{{{_TABLE}}}table-row":
                repeat = _count(element.get(row_repeat))
                row += repeat
                text += row_text * repeat
                if filled:
                    rows = row
                if text > MAX_TEXT:
                    raise too_much_text(name, table, "展开重复的行、列和空格")
                element.clear()
    except ElementTree.ParseError as exc:
        raise ReturnError("工作簿内容已损坏（XML 无法解析），请重新保存后报送", file=name, code="xml.damaged") from exc
    return found


_SPACES = f"{{{_TEXT}}}s"


def _count(text: str | None) -> int:
    try:
        return max(int(text or 1), 1)
    except ValueError:
        return 1


def _percent_cells(xml: bytes, name: str) -> dict[str, set[tuple[int, int]]]:
    """Cells whose value type is percentage, by sheet, positions expanded over repeated rows and columns."""
    found: dict[str, set[tuple[int, int]]] = {}
    table, row, col = "", -1, 0
    repeat = f"{{{_TABLE}}}number-columns-repeated"
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
            tag = element.tag
            if event == "start" and tag == f"{{{_TABLE}}}table":
                table, row = element.get(f"{{{_TABLE}}}name", ""), -1
            elif event == "start" and tag == f"{{{_TABLE}}}table-row":
                row, col = row + 1, 0
            elif event == "end" and tag == f"{{{_TABLE}}}table-row":
                row += _count(element.get(f"{{{_TABLE}}}number-rows-repeated")) - 1
                element.clear()
            elif event == "end" and tag in (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"):
                span = _count(element.get(repeat))
                if element.get(f"{{{_OFFICE}}}value-type") == "percentage" and span < 1024:
                    found.setdefault(table, set()).update((row, c) for c in range(col, col + span))
                col += span
    except ElementTree.ParseError as exc:
        raise ReturnError("工作簿内容已损坏（XML 无法解析），请重新保存后报送", file=name, code="xml.damaged") from exc
    return found



READER = Reader((FORMAT,), identify, lambda data, name, fmt: read(data, name))
