""".xlsx and .xlsm: values through python-calamine; properties, number formats and formulas from the XML.

Macros in an .xlsm are never run (nothing here can run them): the values saved in the file are read.
Files last saved by a program that does not compute formulas (openpyxl) carry formulas with no cached
value: those cells are reported, never guessed.
"""

from __future__ import annotations

import io
import itertools
import posixpath
import re
import zipfile
from array import array
from xml.etree import ElementTree

from ..errors import ReturnError
from . import archive
from .base import (
    MAX_CELLS,
    MAX_TEXT,
    NO_CACHE,
    SAVE_AS_XLSX,
    Book,
    Reader,
    cell_name,
    parse_stamp,
    parse_xml,
    too_big,
    too_much_text,
)

_PERCENT_BUILTIN = {9, 10}
_QUOTED = re.compile(r'"[^"]*"|\\.')
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_FOLDED_TAG_ENDS = frozenset(b"=\t\r\n>")  # what may follow a tag's name, folded by _FOLD (" " is =, / is >)
_REF = re.compile(r"([A-Z]+)(\d+)")
_CELL_TAG = re.compile(rb'<(?:\w+:)?c r="([^"]*)"([^>]*)>')
_STYLE_ATTR = re.compile(rb'\bs="(\d+)"')
_POSITION = re.compile(rb"\sr\s*=\s*[\"']\s*\$?([A-Za-z]{0,4})\$?(\d+)")  # a row's or a cell's r="…"
_COUNT = re.compile(rb"\buniqueCount\s*=\s*[\"']\s*(\d+)")
_FIRST_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
_STRING_CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*?\bt\s*=\s*[\"']s[\"'][^>]*)>\s*<(?:\w+:)?v>([^<]*)<")
_USUAL_STRING_START = b' t="s"><v>'  # a shared-string cell written the usual way, up to its index
_UNUSUAL_STRING_INDEX = re.compile(rb' t="s"><v>(?!\d{0,11}</v>)')  # not followed by an index calamine reads
_STRING_STARTS = tuple(b"<si" + bytes([end]) for end in b" \t\n\r\f\v>/")  # _FIRST_STRING without a prefix
_CELL_REF = re.compile(rb"\br\s*=\s*[\"']\s*\$?([A-Za-z]{1,4})\$?(\d+)")
_ANY_CELL = re.compile(rb"<(?:\w+:)?c(\s[^>]*?)?(?:/>|>(?:\s*<(?:\w+:)?v>([^<]*)<)?)")  # attributes, value
_REF_ATTR = re.compile(rb"\br\s*=\s*[\"']([^\"']*)[\"']")
_TYPE_ATTR = re.compile(rb"\bt\s*=\s*[\"']([^\"']*)[\"']")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_CELL_NAME = re.compile(rb"\$?([A-Za-z]{1,3})\$?([1-9]\d{0,6})")
MAX_STRINGS = 2_000_000  # shared strings a workbook may declare (a return has a few hundred)


def _cell_name(ref: bytes) -> str | None:
    """"J3" for r="J3" or "$J$3"; None when it is no cell from A1 to XFD1048576."""
    found = _CELL_NAME.fullmatch(ref.strip())
    if found is None:
        return None
    letters = found.group(1).upper().decode()
    col = 0
    for letter in letters:
        col = col * 26 + ord(letter) - 64
    return f"{letters}{found.group(2).decode()}" if col <= 16384 and int(found.group(2)) <= 1048576 else None


def detect(head: bytes) -> bool:
    """A zip whose first entry is an OOXML part ([Content_Types].xml or xl/…); `is_package` decides for sure."""
    return archive.detect(head) and (b"[Content_Types].xml" in head[:200] or b"xl/" in head[:200])


def is_package(names: set[str]) -> bool:
    return "[Content_Types].xml" in names and ("xl/workbook.xml" in names or "xl/workbook.bin" in names)


def has_macros(names: set[str]) -> bool:
    return "xl/vbaProject.bin" in names


FORMAT, FORMAT_MACROS = "xlsx", "xlsm"


def identify(data: bytes, name: str) -> str | None:
    """xlsx or xlsm for an OOXML workbook package; an .xlsb is refused."""
    if not archive.detect(data[:8]):
        return None
    return identify_names(archive.member_names(data, name), name)


def identify_names(names: set[str], name: str) -> str | None:
    """`identify` told from the zip's entry names."""
    if not is_package(names):
        return None
    if "xl/workbook.bin" in names:
        raise ReturnError(f"这是 Excel 二进制工作簿（.xlsb），{SAVE_AS_XLSX}", file=name, code="file.xlsb")
    return FORMAT_MACROS if has_macros(names) else FORMAT


def read(data: bytes, name: str, *, macros: bool = False) -> XlsxBook:
    zf = archive.open_zip(data, name)
    parts = archive.refuse_doctype(zf, name, data)
    _check_shared_strings(zf, name, data)
    book = XlsxBook(data, name, zf, parts)
    if macros:
        book.notes.append("文件含宏（.xlsm），宏未运行，只读取保存的数值")
    return book


class XlsxBook(Book):
    format = "xlsx"

    def __init__(self, data: bytes, name: str, zf: zipfile.ZipFile, parts: dict[str, bytes] | None = None) -> None:
        super().__init__(data, name)
        self._data: bytes | None = data  # what the ZipFile reads: parts are inflated straight from it (quick_read)
        self._zip = zf
        self._read = parts or {}  # parts already read whole by the safety check
        self._paths: dict[str, str] | None = None
        self._percent_styles: frozenset[str] | None = None
        self._facts: dict[str, _SheetFacts] = {}
        self._xml: dict[str, bytes] = {}
        self._tags: dict[str, dict[bytes, bytes]] = {}
        self._formulas: dict[str, bool] = {}
        self._strings: int | None = None  # _string_count, once counted
        self._folds: dict[str, bytes] = {}

    def properties(self) -> dict[str, str]:
        xml = self._part("docProps/custom.xml")
        if xml is None:
            return {}
        found: dict[str, str] = {}
        for prop in parse_xml(xml, self.name).iter():
            name = prop.get("name")
            if _local(prop.tag) == "property" and name:
                found[name] = "".join(prop.itertext()).strip()
        return found

    def saved_at(self) -> float | None:
        xml = self._part("docProps/core.xml")
        if xml is None:
            return None
        try:
            root = parse_xml(xml, self.name)
        except ReturnError:
            return None
        for element in root.iter():
            if _local(element.tag) == "modified":
                return parse_stamp(element.text)
        return None

    def is_percent(self, sheet: str, row: int, col: int) -> bool:
        if self._no_percent_style():
            return False
        tags = self._cell_tags(sheet)
        attributes = tags.get(cell_name(row, col).encode())
        if attributes is not None:  # the usual case: the cell's tag, found by one regex pass over the sheet
            found = _STYLE_ATTR.search(attributes)
            style = found.group(1).decode() if found else None
        else:
            style = self._sheet_facts(sheet).styles.get((row, col))
        return style is not None and style in self._percent()

    def may_have_percent(self) -> bool:
        return not self._no_percent_style()

    def _no_percent_style(self) -> bool:
        """True when styles.xml reads fine and holds no percent format (so no cell can be one)."""
        try:
            return not self._percent()
        except ReturnError:  # a damaged styles.xml is reported only where a styled cell needs it, as before
            return False

    def _cell_tags(self, sheet: str) -> dict[bytes, bytes]:
        """Cell reference → the attributes of its tag (the first one, should a reference repeat)."""
        if sheet not in self._tags:
            self._tags[sheet] = dict(reversed(_CELL_TAG.findall(self._sheet_xml(sheet))))
        return self._tags[sheet]

    def check_extent(self, sheet: str) -> None:
        xml, folded = self._sheet_xml(sheet), self._folded(sheet)
        self._check_string_cells(sheet, xml, folded)
        if not _reaches_far(folded):
            return
        rows, cols = sheet_extent(xml)
        if rows * cols > MAX_CELLS:
            raise self.too_big(sheet, rows, cols)

    def _check_string_cells(self, sheet: str, xml: bytes, folded: bytes) -> None:
        """A cell typed as a shared string (t="s") holds its index into the table: calamine reads a value that
        is not a number (or a number past 2**64) as string 0, and refuses the whole sheet for one past the table.
        Refused here instead, naming the cell, before a wrong string can be read; an index past the table in a
        sheet written the usual way is looked for only once calamine has refused it (sheet_refused)."""
        if not self._string_cells_fine(xml, folded):
            self._bad_string_cell(sheet, xml)

    def sheet_refused(self, sheet: str) -> None:
        xml = self._sheet_xml(sheet)
        self._bad_string_cell(sheet, xml)
        self._bad_cell(sheet, xml)

    def _bad_cell(self, sheet: str, xml: bytes) -> None:
        """Raise the refusal naming the first cell written in a way no spreadsheet writes (a reference that is no
        cell's, a number or a boolean that is not one), when calamine has refused the sheet."""
        for attributes, value in _ANY_CELL.findall(xml):
            ref = _REF_ATTR.search(attributes)
            kind = _TYPE_ATTR.search(attributes)
            cell = _cell_name(ref.group(1)) if ref else None
            value = value.strip()
            if ref and cell is None:
                why = f"位置“{ref.group(1)[:20].decode(errors='replace')}”不是有效的单元格"
            elif (kind is None or kind.group(1) == b"n") and value and not _NUMBER.fullmatch(value):
                why = f"标为数字，但内容“{value[:20].decode(errors='replace')}”不是数字"
            elif kind is not None and kind.group(1) == b"b" and value not in (b"0", b"1"):
                why = f"标为逻辑值，但内容“{value[:20].decode(errors='replace')}”不是 0 或 1"
            else:
                continue
            raise ReturnError(f"工作表「{sheet}」{cell or ''} 单元格{why}（文件内容被改动或损坏），已拒收；"
                              "请在 Excel 中重新保存后报送", file=self.name, sheet=sheet, cell=cell,
                              code="cell.unreadable")

    def _bad_string_cell(self, sheet: str, xml: bytes) -> None:
        """Raise the refusal naming the first shared-string cell whose index is not one of the table's."""
        count: int | None = None
        for attributes, value in _STRING_CELL.findall(xml):
            if not value:  # <v></v>: an empty cell, read as one
                continue
            if value.isdigit() and len(value) < 12:
                if count is None:
                    count = self._string_count()
                if int(value) < count:
                    continue
            ref = _CELL_REF.search(attributes)
            cell = (ref.group(1).decode().upper() + ref.group(2).decode()) if ref else None
            shown = value[:20].decode(errors="replace")
            raise ReturnError(f"工作表「{sheet}」{cell or ''} 单元格标为共享字符串，但编号“{shown}”无效"
                              "（文件内容被改动或损坏），已拒收；请在 Excel 中重新保存后报送",
                              file=self.name, sheet=sheet, cell=cell, code="cell.string_index")

    def _string_cells_fine(self, xml: bytes, folded: bytes) -> bool:
        """True when every shared-string cell is written the usual way (` t="s"><v>12</v>`), each index a
        number calamine reads as such (fewer than 12 digits): then the full scan would find nothing but an
        index past the table, for which calamine refuses the sheet (and sheet_refused names the cell). Plain
        counts (of the folded sheet, where both quotes are " and a space is =) and one search for a literal,
        where the full scan tries a pattern at every tag; anything unusual (another way of writing the
        attribute, a quote in the text, an index that is not a number) goes to the full scan, which names the
        cell."""
        # Each usual cell is one `=t="s"` of the folded sheet and each of those one `"s"`: when there are as many
        # cells starting the usual way as `"s"`, there is no other way of writing the attribute (nor anything else
        # quoting s); then one search for such a start not followed by an index of up to 11 digits and `</v>`
        # (no match made per cell, where a findall makes one for each).
        return xml.count(_USUAL_STRING_START) == folded.count(b'"s"') and _UNUSUAL_STRING_INDEX.search(xml) is None

    def _string_count(self) -> int:
        """How many strings the shared-string table holds (0 without one)."""
        if self._strings is None:
            path = next((n for n in self._zip.namelist() if n.lower().endswith("sharedstrings.xml")), None)
            xml = self._part(path) if path else None
            self._strings = _count_strings(xml) if xml else 0
        return self._strings

    def formula_issues(self, sheet: str) -> dict[tuple[int, int], str]:
        return self._sheet_facts(sheet).issues if self._has_formulas(sheet) else {}

    def formula_cells(self, sheet: str) -> set[tuple[int, int]]:
        return self._sheet_facts(sheet).formulas if self._has_formulas(sheet) else set()

    def _has_formulas(self, sheet: str) -> bool:
        """A cheap look at the raw XML: most returns have no formula, and then no cell-by-cell scan is needed."""
        if sheet not in self._formulas:
            self._formulas[sheet] = _has_formula_tag(self._folded(sheet))
        return self._formulas[sheet]

    def _folded(self, sheet: str) -> bytes:
        """The sheet's XML folded for the quick looks (see _FOLD), kept for sheets of the usual size."""
        folded = self._folds.get(sheet)
        if folded is None:
            folded = self._sheet_xml(sheet).translate(_FOLD)
            if len(folded) <= _KEEP_FOLDED:
                self._folds[sheet] = folded
        return folded

    def _sheet_xml(self, sheet: str) -> bytes:
        if sheet not in self._xml:
            path = self._sheet_paths().get(sheet)
            self._xml[sheet] = (self._part(path) if path else None) or b""
        return self._xml[sheet]

    def _part(self, path: str) -> bytes | None:
        if path in self._read:
            return self._read[path]
        try:
            info = self._zip.getinfo(path)
            return (self._data is not None and archive.quick_read(self._data, info)) or self._zip.read(info)
        except KeyError:
            return None
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ReturnError(archive.DAMAGED_BOOK, file=self.name, code="zip.damaged") from exc

    def _sheet_paths(self) -> dict[str, str]:
        if self._paths is None:
            self._paths = {}
            workbook, rels = self._part("xl/workbook.xml"), self._part("xl/_rels/workbook.xml.rels")
            if workbook is None or rels is None:
                return self._paths
            known = _SAME_PARTS.get((workbook, rels))
            if known is not None:  # the same parts as a book read before (returns of one campaign share them)
                self._paths = dict(known)
                return self._paths
            targets = {rel.get("Id"): rel.get("Target", "") for rel in parse_xml(rels, self.name).iter()}
            for element in parse_xml(workbook, self.name).iter():
                if _local(element.tag) != "sheet":
                    continue
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
                target = targets.get(rid, "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                self._paths[element.get("name", "")] = path
            _remember(_SAME_PARTS, (workbook, rels), dict(self._paths))
        return self._paths

    def _sheet_facts(self, sheet: str) -> _SheetFacts:
        if sheet not in self._facts:
            self._facts[sheet] = _SheetFacts.scan(self._sheet_xml(sheet), self.name)
        return self._facts[sheet]

    def _percent(self) -> frozenset[str]:
        if self._percent_styles is None:
            xml = self._part("xl/styles.xml")
            known = _SAME_PARTS.get(xml) if xml is not None else None
            if known is None:
                known = _percent_styles(xml, self.name)
                if xml is not None:
                    _remember(_SAME_PARTS, xml, known)
            self._percent_styles = known
        return self._percent_styles


class _SheetFacts:
    """Per cell: its style index, whether it holds a formula, and whether that formula's value is usable."""

    def __init__(self) -> None:
        self.styles: dict[tuple[int, int], str] = {}
        self.formulas: set[tuple[int, int]] = set()
        self.issues: dict[tuple[int, int], str] = {}

    @classmethod
    def scan(cls, xml: bytes, name: str) -> _SheetFacts:
        facts = cls()
        if not xml:
            return facts
        with_formulas = bool(_FORMULA_TAG.search(xml))
        row, col = -1, -1
        try:
            for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
                tag = _local(element.tag)
                if event == "start" and tag == "row":
                    row = int(element.get("r", row + 2)) - 1
                    col = -1
                elif event == "end" and tag == "c":
                    row, col = _position(element.get("r"), row, col + 1)
                    if element.get("s"):
                        facts.styles[(row, col)] = element.get("s")
                    if with_formulas:
                        facts._formula(element, (row, col))
                    element.clear()
                elif event == "end" and tag == "row":
                    element.clear()
        except ElementTree.ParseError as exc:
            raise ReturnError("工作簿内容已损坏（XML 无法解析），请重新保存后报送", file=name,
                              code="xml.damaged") from exc
        return facts

    def _formula(self, cell: ElementTree.Element, where: tuple[int, int]) -> None:
        children = {_local(child.tag): child for child in cell}
        if "f" not in children:
            return
        self.formulas.add(where)
        value = children.get("v")
        if value is None or value.text is None:
            if cell.get("t") != "str" or value is None:
                self.issues[where] = NO_CACHE
        elif cell.get("t") == "e":
            self.issues[where] = value.text


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """Rows and columns from A1 to the last row and column any row or cell of the sheet names (its
    <dimension> is only a claim; calamine sizes a sheet by the positions of its cells). Cells without a
    position follow the one before: their count bounds what they can add. A scan of every cell, one match
    at a time (a list of them took 250 MB for a sheet of 900,000 rows: read.memory, and in the main process,
    where explain() runs, no limit at all)."""
    letters: set[bytes] = set()
    rows = positions = placed_cells = 0
    for found in _POSITION.finditer(xml):
        column, row = found.groups()
        positions += 1
        if column:
            placed_cells += 1
            letters.add(column)
        rows = max(rows, int(row))
    cols = max((_column_number(c.upper()) for c in letters if c), default=0)
    rows += max(0, xml.count(b"<row") - (positions - placed_cells))  # rows without r="…"
    cols += max(0, xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/>") - placed_cells)
    return max(rows, 1), max(cols, 1)


def explain(data: bytes, name: str) -> ReturnError | None:
    """Why reading the workbook may have ended its worker: a sheet reaching too far, a shared-string count
    out of bounds, or cells pointing at more shared text than a reader can hold; None when nothing of the kind
    is found. Safe in the main process: XML scans only,
    within the zip's checked budget."""
    try:
        zf = archive.open_zip(data, name)
        _check_shared_strings(zf, name)
        book = XlsxBook.__new__(XlsxBook)
        book.name, book._zip, book._read, book._paths, book._xml, book._data = name, zf, {}, None, {}, data
        for sheet in book._sheet_paths():
            rows, cols = sheet_extent(book._sheet_xml(sheet))
            if rows * cols > MAX_CELLS:
                return too_big(name, sheet, rows, cols)
        lengths = _string_lengths(zf, name)
        for sheet in book._sheet_paths():
            if _shared_text(book._sheet_xml(sheet), lengths) > MAX_TEXT:
                return too_much_text(name, sheet, "展开各单元格引用的共享字符串")
    except ReturnError as exc:
        return exc
    return None


def _string_lengths(zf: zipfile.ZipFile, name: str) -> array:
    """The length of each shared string in characters (its text runs' together), the first MAX_STRINGS."""
    lengths = array("I")
    for info in zf.infolist():
        if info.filename.lower().endswith("sharedstrings.xml"):
            try:
                xml = zf.read(info)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise ReturnError(archive.DAMAGED_BOOK, file=name, code="zip.damaged") from exc
            for item in itertools.islice(_STRING_ITEM.finditer(xml), MAX_STRINGS):
                lengths.append(sum(len(run.decode("utf-8", "replace")) for run in _TEXT_RUN.findall(item[0])))
            break
    return lengths


def _shared_text(xml: bytes, lengths: array) -> int:
    """Characters the sheet's cells make of the shared strings they point to (a string many cells point to
    counts for each: 100,000 cells of one 30,000-character string are three billion characters to a reader).
    Nothing is kept per cell: a sheet here holds at most MAX_CELLS."""
    total, count = 0, len(lengths)
    for cell in _SHARED_CELL.finditer(xml):
        index = int(cell[1])
        if index < count:
            total += lengths[index]
    return total


_STRING_ITEM = re.compile(rb"<(?:\w+:)?si\b.*?</(?:\w+:)?si>", re.S)
_TEXT_RUN = re.compile(rb"<(?:\w+:)?t\b[^>]*>([^<]*)<")
_SHARED_CELL = re.compile(rb"""<(?:\w+:)?c\b[^>]*\bt\s*=\s*["']s["'][^>]*>\s*<(?:\w+:)?v>\s*(\d{1,10})\s*<""")


def may_reach_far(xml: bytes) -> bool:
    """False when every position is written the usual way (r="…" on each cell) and none is past column Z
    or row 9999: then the sheet is at most 9999 × 26 cells, told in a fraction of a millisecond (letters and
    digits folded to one of each, then a few plain searches). True sends the sheet to a full scan."""
    return _reaches_far(xml.translate(_FOLD))


def _reaches_far(folded: bytes) -> bool:
    """may_reach_far of the sheet folded by _FOLD. rfind, not `in`: the search from the end compares a
    pattern's first byte ("r", "<"), rare in a folded sheet, where `in` compares its last ("A", "0", ">"),
    found at almost every byte (three times fewer instructions on a return's sheet; the same answer)."""
    return any(folded.rfind(pattern) != -1 for pattern in _FAR)


# A sheet's XML folded for quick looks that may only err on the side of a closer one: capital letters to A,
# digits to 0, quotes to ", "/" to ">" (so "<c>" finds "<c/>" too), a space to "=" (so 'r=="' finds 'r ="' and
# 'r= "'), ":" to "<" (so "<f" finds a prefixed "x:f" too).
_FOLD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'/ :", b"A" * 26 + b"0" * 10 + b'">=<')
_KEEP_FOLDED = 4 * 1024 * 1024  # a sheet's folded XML is kept (for the formula look) up to this size
_FAR = (b'r="AA', b'r="A00000', b'r="00000', b"<c>", b'r=="')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_shared_strings(zf: zipfile.ZipFile, name: str, data: bytes | None = None) -> None:
    """calamine reserves room for as many shared strings as the part declares: a declared count past what
    the part could hold (each string takes at least a few bytes) is refused before it is believed. `data`:
    the zip's bytes, when `zf` reads them from memory (the part's first 4 KB are then inflated from them)."""
    for info in zf.infolist():
        if not info.filename.lower().endswith("sharedstrings.xml"):
            continue
        head = archive.quick_head(data, info) if data is not None else None
        if head is None:
            try:
                with zf.open(info) as stream:
                    head = stream.read(4096)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise ReturnError(archive.DAMAGED_BOOK, file=name, code="zip.damaged") from exc
        declared = [int(n) for n in _COUNT.findall(_FIRST_STRING.split(head, 1)[0])]
        if any(n > MAX_STRINGS or n > info.file_size for n in declared):
            raise ReturnError("工作簿内容已损坏（共享字符串数量声明异常），已拒收；"
                              "请在 Excel 中另存为 .xlsx 后重新报送", file=name, code="book.strings")


def _count_strings(xml: bytes) -> int:
    """How many times _FIRST_STRING occurs: plain counts when no element has a namespace prefix (one when
    every "<si" is "<si>")."""
    if b":si" in xml:
        return len(_FIRST_STRING.findall(xml))
    plain = xml.count(b"<si>")
    if plain == xml.count(b"<si"):
        return plain
    return sum(xml.count(start) for start in _STRING_STARTS)


def _has_formula_tag(folded: bytes) -> bool:
    """Whether the sheet (folded by _FOLD) may hold an <f> (or <x:f>) element. Looked for from its "f", found by
    memrchr, a letter no cell of the usual sheet holds (a sheet's few come from its namespaces and validations'
    "<formula1>", at its ends); a sheet with more than _FORMULA_LOOKS of them, by the searches for "<f" (not a
    regex trying every "<"): the same answer."""
    size, at = len(folded), len(folded)
    for _ in range(_FORMULA_LOOKS):
        at = folded.rfind(b"f", 0, at)
        if at == -1:
            return False
        if at and folded[at - 1] == _TAG_START and at + 1 < size and folded[at + 1] in _FOLDED_TAG_ENDS:
            return True
    return _formula_tag_after(folded, at)


def _formula_tag_after(folded: bytes, end: int) -> bool:
    """_has_formula_tag of the sheet up to `end`, by the searches for "<f" (from the end, as in _reaches_far:
    validations' "<formula1>" are found at once)."""
    size = len(folded)
    at = folded.rfind(b"<f", 0, end + 1)
    while at != -1:
        if at + 2 < size and folded[at + 2] in _FOLDED_TAG_ENDS:
            return True
        at = folded.rfind(b"<f", 0, at)
    return False


_FORMULA_LOOKS = 256  # "f"s looked at one by one before the rest of the sheet is searched for "<f"
_TAG_START = ord("<")


def _position(ref: str | None, row: int, col: int) -> tuple[int, int]:
    if not ref:
        return row, col
    match = _REF.fullmatch(ref)
    if not match:
        return row, col
    letters, digits = match.groups()
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return int(digits) - 1, number - 1


# What parts that are the same in many returns told (styles.xml → its percent styles, workbook.xml and its
# relationships → sheet paths), by their bytes: the workbooks generate wrote share them, read once per worker.
_SAME_PARTS: dict = {}
_SAME_PARTS_SIZE = 64


def _remember(cache: dict, key: object, value: object) -> None:
    if len(cache) >= _SAME_PARTS_SIZE:
        cache.clear()
    cache[key] = value


def _percent_styles(xml: bytes | None, name: str) -> frozenset[str]:
    if xml is None:
        return frozenset()
    root = parse_xml(xml, name)
    percent_ids: set[int | None] = set(_PERCENT_BUILTIN)
    styles: set[str] = set()
    for element in root.iter():
        if _local(element.tag) == "numFmt" and "%" in _QUOTED.sub("", element.get("formatCode", "")):
            percent_ids.add(_format_id(element.get("numFmtId", "-1")))
    xfs = next((e for e in root if _local(e.tag) == "cellXfs"), None)
    percent_ids.discard(None)
    for index, xf in enumerate(xfs if xfs is not None else []):
        if _format_id(xf.get("numFmtId", "0")) in percent_ids:
            styles.add(str(index))
    return frozenset(styles)


def _format_id(text: str) -> int | None:
    """A numFmtId as a number; None for one that is not (calamine reads such a file: so do we, without percent)."""
    try:
        return int(text)
    except ValueError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


READER = Reader((FORMAT, FORMAT_MACROS), identify,
                lambda data, name, fmt: read(data, name, macros=fmt == FORMAT_MACROS))
