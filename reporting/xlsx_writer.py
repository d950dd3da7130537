"""A small, fast xlsx writer for the unit workbook: the part of xlsxwriter's API that workbook.py uses.

A unit workbook is a fixed frame (styles, theme, sheet settings, validations) plus a few hundred cells, and
xlsxwriter's general machinery (per-cell checks, XML writer objects, a styles pass per file) costs more than
the cells. `Workbook` here takes the same calls as `xlsxwriter.Workbook` (add_worksheet, add_format,
set_properties, set_custom_property, close) and its sheets the same calls as `xlsxwriter.Worksheet` for what
workbook.py uses, and writes the same XML parts, byte for byte but for the creation time
(tests/test_xlsx_writer.py compares the two on receipts and ledgers). What varies rarely is still made by
xlsxwriter's own part writers and kept per process: styles.xml and the theme (keyed by the formats in their
order of first use); the comment parts of a receipt are xlsxwriter's VML and comments writers' on a bare
sheet with the same widths, heights and comments. What every book of a kind writes alike is made once per
process and what it depends on: a sheet's protection, validations and <cols>, workbook.xml and app.xml.
The zip is packed here (zip_bytes: zipfile's bytes, deflated by ISA-L), parts alike in many books deflated
once per process (a receipt's hidden 下拉选项 sheet too); in a receipt, a task's own cells are made once per process
(write_values' `fixed`), a 识别信息 row once per place and values as its whole <row> element (write_rows), and a row
written whole can be put whole in the same place of the next receipt (whole_row, put_row, put_rows for many in one
call: workbook keeps the task rows without marks and the 问题清单 rows alike in many receipts).

Receipts are written with {"strings": "inline"}: each string in its cell, as xlsxwriter's constant_memory mode
writes them, and no shared strings part; every other byte is the same (tests/test_xlsx_writer.py turns the
shared-strings book into the inline one and compares them, and sends a receipt through LibreOffice).
They are also written with {"styles": "fixed"} (Workbook.fix_styles): every format a receipt may use numbered in
one order for every receipt, so styles.xml is made once per process and a row's XML is made when it is written,
as UTF-8, from what is kept per column and text and, for a task's own cells, per row (_RowFrame); rows carry no
spans (an optional hint). Their bytes are then no longer xlsxwriter's, what they show is
(tests/test_receipt_content.py compares what openpyxl reads of both).

Every string is escaped as XML text or attribute; unlike xlsxwriter, a string that looks like rich text
(``<r>…</r>``) is written as the text it is, never as markup.
"""

from __future__ import annotations

import io
import math
import operator
import re
import struct
import zipfile
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, cast

import xlsxwriter
from isal import isal_zlib as deflater
from xlsxwriter.comments import Comments
from xlsxwriter.styles import Styles
from xlsxwriter.theme import Theme
from xlsxwriter.utility import quote_sheetname as _quote_sheetname
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.utility import xl_rowcol_to_cell as _xl_rowcol_to_cell
from xlsxwriter.vml import Vml

from .safe_xlsx import EXCEL_CELL_LIMIT, fit_text

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # as xlsxwriter: the same content gives the same bytes
# ISA-L's deflate (isal_zlib) at level 1: a receipt's 285 KB of XML in 0.16 ms against zlib's 1.0 ms at level 3,
# 9% larger (35 KB against 32 KB; xlsxwriter's zlib level 6: 29 KB in 2.4 ms). Still plain deflate: any unzip reads it.
COMPRESS_LEVEL = 1
STRING_MAX = EXCEL_CELL_LIMIT  # UTF-16 units in one cell: safe_xlsx's limit, not a second copy
_COLS = [xl_col_to_name(c) for c in range(64)]
# xlsxwriter's, kept per process for the few cells and sheets every book of a kind names alike (its dimension, filter,
# validations, print titles)
xl_rowcol_to_cell = lru_cache(maxsize=4096)(_xl_rowcol_to_cell)
quote_sheetname = lru_cache(maxsize=256)(_quote_sheetname)

_CONTROL_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_NEEDS_ESCAPE = re.compile('["&<>\n]')
_EDGE_SPACE = re.compile(r"^\s|\s$")
NOT_PLAIN = re.compile("[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x")  # what _si changes besides the edge spaces

PROTECT_DEFAULTS = {"format_cells": False, "format_columns": False, "format_rows": False, "autofilter": False}


def _text(data: str) -> str:
    """XML character data, as xlsxwriter escapes it (quotes stay)."""
    if not _NEEDS_ESCAPE.search(data):
        return data
    return data.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    if not _NEEDS_ESCAPE.search(value):
        return value
    return (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "&#xA;"))


@lru_cache(maxsize=65536)
def _si(string: str) -> str:
    """One shared string: control characters as _xHHHH_ (and a literal _xHHHH_ kept literal)."""
    if NOT_PLAIN.search(string) is None:  # most text: nothing to escape (str.isspace is the regex's \s)
        space = ' xml:space="preserve"' if string[:1].isspace() or string[-1:].isspace() else ""
        return f"<si><t{space}>{string}</t></si>"
    if "_x" in string:
        string = _CONTROL_ESCAPED.sub(r"_x005F\1", string)
    string = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", string)
    if "\ufffe" in string or "\uffff" in string:  # not XML characters
        string = string.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(string) else ""
    return f"<si><t{space}>{_text(string)}</t></si>"


def inline_text(string: str) -> str:
    """A cell's text as the <is> of an inline string, escaped as xlsxwriter escapes it (never read as markup)."""
    return f"<is>{_si(string)[4:-5]}</is>"


@lru_cache(maxsize=65536)
def _inline(string: str) -> str:
    """A cell's string written in the cell (as xlsxwriter's constant_memory mode writes it), after the style."""
    return f' t="inlineStr">{inline_text(string)}</c>'


def _password_hash(password: str) -> str:
    """ECMA-376-4 §18.2.29, as Excel (and xlsxwriter) hash a sheet's password."""
    digest = 0
    for char in password[::-1]:
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char)
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    digest ^= len(password)
    digest ^= 0xCE4B
    return f"{digest:X}"


def _row_pixels(points: float) -> int:
    return int(points * 4.0 / 3.0 + 0.5)


def _col_pixels(width: float) -> int:
    if width == 0:
        return 0
    if width < 1:
        return int(width * 12 + 0.5)
    return int(width * 7 + 0.5) + 5


DEFAULT_ROW_PIXELS = 20
# a row's pixels (None: none set) → its height attributes (at most Excel's 409 points' worth)
_HEIGHTS: dict[int | None, bytes] = {None: b"", DEFAULT_ROW_PIXELS: b""}


def _height_attributes(pixels: int | None) -> bytes:
    found = _HEIGHTS.get(pixels)
    if found is None:
        found = _HEIGHTS[pixels] = f' ht="{cast(int, pixels) * 0.75:.16g}" customHeight="1"'.encode()
    return found
DEFAULT_COL_PIXELS = 64
_FIRST, _SECOND, _THIRD, _FOURTH = (operator.itemgetter(index) for index in range(4))


class Format:
    """A cell format: xlsxwriter properties; its xf index is known when the book is written."""

    __slots__ = ("key", "props", "xf")

    def __init__(self, props: dict) -> None:
        self.props = dict(props)
        self.key = tuple(sorted(self.props.items()))
        self.xf = 0  # set when the book is written


class _Fixed:
    """Cells that many rows of many books hold alike (Worksheet.write_values' `fixed`), made once per process:
    each cell's tail, and per run of styles the row's XML of them in pieces to join with the row's number."""

    __slots__ = ("_encoded", "_pieces", "end", "first", "high", "low", "tails")

    def __init__(self, tails: list[str | None], first: int, low: int, high: int) -> None:
        self.first, self.end, self.tails, self.low, self.high = first, first + len(tails), tails, low, high
        self._pieces: dict[tuple[str, ...], list[str]] = {}
        self._encoded: dict[tuple[str, ...], list[bytes]] = {}

    def encoded(self, styles: tuple[str, ...]) -> list[bytes]:
        """pieces() as UTF-8, for a book whose rows are bytes (fixed styles)."""
        found = self._encoded.get(styles)
        if found is None:
            if len(self._encoded) > 16:
                self._encoded.clear()
            found = self._encoded[styles] = [piece.encode() for piece in self.pieces(styles)]
        return found

    def pieces(self, styles: tuple[str, ...]) -> list[str]:
        """'…'.join(pieces) with the row's number (from 1) is these cells' XML, given each one's ' s="…"'."""
        found = self._pieces.get(styles)
        if found is None:
            found = []
            for col, tail in enumerate(self.tails, start=self.first):
                if tail is None:
                    continue
                if found:
                    found[-1] += f'<c r="{_COLS[col]}'
                else:
                    found.append(f'<c r="{_COLS[col]}')
                found.append(f'"{styles[col - self.first]}{tail}')
            if len(self._pieces) > 16:
                self._pieces.clear()
            self._pieces[styles] = found
        return found


@lru_cache(maxsize=8192)
def _fixed_cells(values: tuple, first: int, formatted: bool) -> _Fixed | None:
    """The cells of `values` from column `first` in a book with each string in its cell (formatted: every one
    has a format, so an empty value is a blank cell); None when a text is long enough to be cut (the cut is told
    for each cell)."""
    tails: list[str | None] = []
    low = high = -1
    for col, value in enumerate(values, start=first):
        tail = _cell_tail(value)
        if tail is None:
            return None
        if tail == "/>" and not formatted:  # an empty cell without a format is no cell
            tails.append(None)
            continue
        tails.append(tail)
        low, high = (col if low < 0 else low), col
    return _Fixed(tails, first, low, high)


def _cell_tail(value: object) -> str | None:
    """A formatted cell's XML after its reference and style, as write_values writes `value` (None: a text long
    enough to be cut, which write_values cuts and tells)."""
    if value.__class__ is str:
        if not value:
            return "/>"
        if len(value) > STRING_MAX // 2:
            return None
        return _inline(value)
    if value is None:
        return "/>"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f"><v>{value:.16G}</v></c>"
    return _cell_tail(str(value))


class _RowFrame:
    """A row's cells from column A in a book with fixed style numbering, as UTF-8, made once per process and
    styles: the `fixed` columns' cells (_fixed_cells) with the row's number, kept per row and values (a task's own
    cells sit in the same row in many books); each cell outside them (each one formatted, so each value is a cell)
    as the row's number and the rest of it after its reference with the next cell's opening, kept per column and
    value (so those cells are the row's number joining what is kept for their values)."""

    __slots__ = ("after", "before", "count", "elements", "end", "first", "formatted", "high", "known", "low", "outside",
                 "placed", "shown", "styles")

    MAX = 4096  # texts kept per column, rows kept

    def __init__(self, styles: tuple[str, ...], first: int, end: int, formatted: bool) -> None:
        self.first, self.end, self.formatted, self.styles = first, end, formatted, styles
        self.shown = styles[first:end]
        self.count = count = len(styles)
        self.before = f'<c r="{_COLS[0]}'.encode() if first > 0 else b""  # the first cell's opening
        self.after = f'<c r="{_COLS[end]}'.encode() if first < end < count else b""  # the first after the fixed
        # per outside column: its style and the opening of the cell after it when it is the next outside one
        self.known: list[tuple[str, str, dict[object, bytes]]] = []
        for col in [*range(first), *range(end, count)]:
            follows = col + 1 < count and not (col + 1 == first and first < end)
            self.known.append((styles[col], f'<c r="{_COLS[col + 1]}' if follows else "", {}))
        # (each column's (style, opening, texts), their texts) before and after the fixed cells
        self.outside = ((self.known[:first], [k[2] for k in self.known[:first]]),
                        (self.known[first:], [k[2] for k in self.known[first:]]))
        self.low = 0 if first > 0 else -1
        self.high = count - 1 if end < count else -1
        # (row, the fixed columns' values) → their cells' XML and the opening of the next cell with the row's
        # number, the row's first and last column with a cell, its number (from 1, UTF-8)
        self.placed: dict[tuple, tuple[bytes, int, int, bytes]] = {}
        # (row, the values) → what `placed` keeps for them and the row's <row> element without a height (write_rows)
        self.elements: dict[tuple, tuple[tuple[bytes, int, int, bytes], bytes]] = {}

    @classmethod
    def of(cls, formats: list[Format | None], fixed: tuple[int, int] | None) -> _RowFrame | None:
        """The frame of rows in these formats; None when a cell outside `fixed` has no format (an empty value
        there is no cell), or the formats in `fixed` are partly set."""
        first, end = fixed if fixed is not None else (len(formats), len(formats))
        if any(formats[col] is None for col in (*range(first), *range(end, len(formats)))):
            return None
        nones = formats[first:end].count(None)
        if nones not in (0, end - first):
            return None
        styles = tuple(f' s="{f.xf}"' if f is not None else "" for f in formats)
        key = (styles, first, end)
        found = _FRAMES.get(key)
        if found is None:
            if len(_FRAMES) > 64:
                _FRAMES.clear()
            found = _FRAMES[key] = cls(styles, first, end, nones == 0)
        return found

    def _joined(self, r1: bytes, values: list, side: int) -> bytes | None:
        """The values' cells after the first one's reference, joined by the row's number: each one's rest with the
        next cell's opening; None for a text to be cut."""
        known, texts_of = self.outside[side]
        try:  # what is kept for each value (None where nothing is)
            rests: list[bytes | None] = list(map(dict.get, texts_of, values))
        except TypeError:  # a value that is no key: each one looked up alone
            rests = [None] * len(values)
        else:
            if None not in rests:
                return r1.join(rests)  # type: ignore[arg-type]  # (a list joins faster)
        for index, rest in enumerate(rests):
            if rest is not None:
                continue
            style, opening, texts = known[index]
            value = values[index]
            try:
                rest = texts.get(value)
            except TypeError:
                rest = None
            if rest is None:
                tail = _cell_tail(value)
                if tail is None:
                    return None
                rest = f'"{style}{tail}{opening}'.encode()
                if value is None or value.__class__ is str or _kept_number(value):
                    if len(texts) >= self.MAX:
                        texts.clear()
                    texts[value] = rest
            rests[index] = rest
        return r1.join(rests)  # type: ignore[arg-type]  # (none left None)

    def cells(self, row: int, values: list) -> tuple[bytes, int, int, bytes] | None:
        """The row's cells' XML, first and last column with a cell, and its number (from 1) as UTF-8; None when a
        text is long enough to be cut, or there is no cell."""
        first, end = self.first, self.end
        found = self.placed.get((row, *values[first:end]))
        if found is None:
            found = self._place(row, values[first:end])
            if found is None:
                return None
        xml, low, high, r1 = found
        if first:
            joined = self._joined(r1, values[:first], 0)
            if joined is None:
                return None
            xml = b"".join((self.before, r1, joined, xml))
        if end < self.count:
            joined = self._joined(r1, values[end:], 1)
            if joined is None:
                return None
            xml += joined
        return xml, low, high, r1

    def _place(self, row: int, fixed: list) -> tuple[bytes, int, int, bytes] | None:
        """What `placed` keeps for these values of the fixed columns in this row (None: a text to be cut, or no cell
        in the row, not kept)."""
        r1 = b"%d" % (row + 1)
        low, high = self.low, self.high
        xml = b""
        if fixed:
            same = _fixed_cells(tuple(fixed), self.first, self.formatted)
            if same is None:
                return None
            xml = r1.join(same.encoded(self.shown))
            if same.low >= 0:
                if low < 0:
                    low = same.low
                if self.high < 0:
                    high = same.high
        if low < 0:
            if self.high < 0:
                return None
            low = self.end
        if high < 0:
            high = self.first - 1
        if self.end < self.count:  # the cells after: their first one's opening, if not the row's first
            xml += self.after + r1
        if len(self.placed) >= self.MAX:
            self.placed.clear()
        key = (row, *fixed)
        found = self.placed[key] = (xml, low, high, r1)
        return found


_FRAMES: dict[tuple, _RowFrame] = {}
# A row written whole in a book with fixed styles, to put in another: (its XML, first and last column, its number
# (UTF-8)), its height in pixels, its <row> element.
WholeRow = tuple[tuple[bytes, int, int, bytes], "int | None", bytes]


def _kept_number(value: object) -> bool:
    """A number kept by its value: equal numbers are written alike, and none equal to True or False is kept
    (True == 1 == 1.0, and a bool is written as text)."""
    return isinstance(value, (int, float)) and value.__class__ is not bool and value != 0 and value != 1 \
        and math.isfinite(value)



class FixedStyles:
    """Style numbering fixed for many books (a receipt's every format, marked and coloured ones too, in one order):
    styles.xml and the theme made once, each format's xf index known when it is made."""

    def __init__(self, props: tuple[tuple[tuple[str, object], ...], ...]) -> None:
        keys = tuple(dict.fromkeys(tuple(sorted(p)) for p in props))
        self.styles, self.theme, self.xf = _styles(keys, keys, True)
        self.formats: dict[tuple, Format] = {}

    def format(self, props: dict) -> Format:
        fmt = Format(props)
        found = self.formats.get(fmt.key)
        if found is None:
            if fmt.key not in self.xf:
                raise ValueError(f"a format not among the fixed styles: {fmt.key}")
            fmt.xf = self.xf[fmt.key]
            found = self.formats[fmt.key] = fmt
        return found


_FIXED_BY_LIST: dict[int, tuple[list[dict], FixedStyles]] = {}  # id of a list given to fix_styles → its styles


@lru_cache(maxsize=16)
def fixed_styles(props: tuple[tuple[tuple[str, object], ...], ...]) -> FixedStyles:
    """The FixedStyles of these formats' properties (each as a tuple of items), once per process."""
    return FixedStyles(props)


class Worksheet:
    def __init__(self, book: Workbook, name: str, index: int) -> None:
        self.book = book
        self.name = name
        self.index = index
        self.rows: dict[int, dict[int, tuple[Format | None, str]]] = {}
        # Rows written whole by write_values, kept as they came: (formats, each cell's tail or None for no cell,
        # first and last column with a cell, the _Fixed cells in it or None). A row is in `rows` or in `lines`,
        # never in both.
        self.lines: dict[int, tuple[list[Format | None], list[str | None], int, int, _Fixed | None]] = {}
        # Rows written whole in a book with fixed style numbering: their cells' XML (UTF-8), first and last column,
        # the row's number (from 1, UTF-8).
        self.raw: dict[int, tuple[bytes, int, int, bytes]] = {}
        # Rows put whole (put_row), in `raw` too: each one's <row> element as <sheetData> holds it, while its height
        # stays as put.
        self.whole: dict[int, bytes] = {}
        self._frames: dict[int, tuple[list[Format | None], _RowFrame | None]] = {}  # id(formats) → the row frame
        self.heights: dict[int, int] = {}  # row → pixels
        self.widths: dict[int, int] = {}  # col → pixels
        self.merges: list[tuple[int, int, int, int]] = []
        self.validations: list[str] = []
        self.comments: list[tuple[int, int, str, dict]] = []
        self.others: list[tuple[int, int]] = []  # (row, col) of what counts towards the dimension besides cells
        self.state = ""  # "", "hidden", "veryHidden"
        self.protection: str | None = None
        self.pane = 0  # rows frozen at the top
        self.selection: tuple[int, int] | None = None
        self.filter: tuple[int, int, int, int] | None = None
        self.landscape = False
        self.paper = 0
        self.fit: tuple[int, int] | None = None
        self.margins: tuple[float, float, float, float] | None = None
        self.footer = ""
        self.repeat: tuple[int, int] | None = None

    # ------------------------------------------------------------ cells

    def _cell(self, row: int, col: int, fmt: Format | None, tail: str) -> None:
        cells = self.rows.get(row)
        if cells is None:
            cells = self.rows[row] = self._unline(row)
        cells[col] = (fmt, tail)

    def _unline(self, row: int) -> dict[int, tuple[Format | None, str]]:
        """A row written whole by write_values as cells one by one, for a write into it afterwards (rare)."""
        if row in self.raw:
            raise NotImplementedError("a write into a row written whole in a book with fixed styles")
        line = self.lines.pop(row, None)
        if line is None:
            return {}
        formats, tails = line[0], line[1]
        return {col: (formats[col], tail) for col, tail in enumerate(tails) if tail is not None}

    def write_string(self, row: int, col: int, string: str, cell_format: Format | None = None) -> int:
        if len(string) > STRING_MAX // 2:
            string = fit_text(string, self.name, row, col)
        book = self.book
        if book.inline:
            tail = _inline(string)
        else:
            book._string_count += 1
            index = book._strings.get(string)
            if index is None:
                index = book._strings[string] = len(book._strings)
            tail = f' t="s"><v>{index}</v></c>'
        cells = self.rows.get(row)
        if cells is None:
            cells = self.rows[row] = self._unline(row)
        cells[col] = (cell_format, tail)
        return 0

    def write_values(self, row: int, values: list, formats: list[Format | None],
                     fixed: tuple[int, int] | None = None) -> None:
        """A row of cells from column A, as workbook._write_value writes each: nothing or a blank for None and
        "", numbers as numbers (but NaN and infinities, as text), anything else as text. `formats` is kept,
        not copied: the same list for many rows costs nothing more.

        `fixed` (first, end): columns first to end - 1 hold what many rows of many books hold alike (a task's own
        columns, the same in every unit's workbook of a round). In a book with each string in its cell their
        cells are made once per process (when the formats there are all set or all None) and written as one
        piece; the bytes are the same as without."""
        if row in self.rows or row in self.lines or row in self.raw:  # written before: cell by cell
            for col, value in enumerate(values):
                self._write_one(row, col, value, formats[col])
            return
        if self.book.fixed is not None:  # the row's XML made now, from its frame (_frame)
            found = self._frames.get(id(formats))
            frame = found[1] if found is not None and found[0] is formats else self._frame(formats, fixed)
            made = frame.cells(row, values) if frame is not None else None
            if made is not None:
                self.raw[row] = made
                return
        same = None
        if fixed is not None and self.book.inline:
            first, end = fixed
            nones = formats[first:end].count(None)
            if nones in (0, end - first):
                same = _fixed_cells(tuple(values[first:end]), first, nones == 0)
        if same is None:
            tails, low, high = self._tails(row, values, formats, 0)
        else:
            tails, low, high = self._tails(row, values[:same.first], formats, 0)
            tails += same.tails
            rest, rest_low, high_rest = self._tails(row, values[same.end:], formats, same.end)
            tails += rest
            if same.low >= 0:
                if low < 0:
                    low = same.low
                high = same.high
            if rest_low >= 0:
                if low < 0:
                    low = rest_low
                high = high_rest
        if low >= 0:
            self.lines[row] = (formats, tails, low, high, same)

    def write_rows(self, first_row: int, rows: list[tuple], formats: list[Format | None]) -> None:
        """write_values(row, list(values), formats, fixed) for each of `rows` from first_row, with every column
        `fixed`: rows that many books hold alike in the same place (a 识别信息 sheet's tasks). In a book with fixed
        styles each row is what its frame keeps for it (_RowFrame.placed), looked up here without a call per row."""
        fixed = (0, len(formats))
        frame = self._frame(formats, fixed) if self.book.fixed is not None else None
        end = first_row + len(rows)
        if frame is None or any(first_row <= r < end for r in (*self.rows, *self.lines, *self.raw)):  # written before
            for row, values in enumerate(rows, start=first_row):
                self.write_values(row, list(values), formats, fixed)
            return
        placed, raw, whole, heights, elements = frame.placed, self.raw, self.whole, self.heights, frame.elements
        for row, values in enumerate(rows, start=first_row):
            key = (row, *values)
            found = elements.get(key)
            if found is None:
                made = placed.get(key)
                if made is None:
                    made = frame.cells(row, list(values))
                    if made is None:  # a text to be cut (write_values cuts and tells it)
                        self.write_values(row, list(values), formats, fixed)
                        continue
                found = (made, b"".join((b'<row r="', made[3], b'">', made[0], b"</row>")))
                if len(elements) >= frame.MAX:
                    elements.clear()
                elements[key] = found
            raw[row] = found[0]
            if row not in heights:  # (else <sheetData> gives it its height)
                whole[row] = found[1]

    def whole_row(self, row: int) -> WholeRow | None:
        """A row written whole in a book with fixed styles, as put_row puts it in the same place of another such
        book: its XML (which names its styles by their fixed numbers), its height and its <row> element; None for
        any other row."""
        made = self.raw.get(row)
        if made is None:
            return None
        pixels = self.heights.get(row)
        return made, pixels, b"".join((b'<row r="', made[3], b'"', _height_attributes(pixels), b">", made[0],
                                       b"</row>"))

    def put_row(self, row: int, whole: WholeRow) -> None:
        """A row as whole_row gave it, in the same place of a book with the same fixed styles, not written yet:
        the same bytes as writing its cells and setting its height again."""
        if row in self.rows or row in self.lines or row in self.raw:
            raise NotImplementedError("a row put into a row written before")
        self.raw[row], pixels, self.whole[row] = whole
        if pixels is not None:
            self.heights[row] = pixels

    def put_rows(self, rows: dict[int, WholeRow]) -> None:
        """put_row for each of `rows` (row → what whole_row gave), in one call."""
        if not rows.keys().isdisjoint(self.rows) or not rows.keys().isdisjoint(self.lines) \
                or not rows.keys().isdisjoint(self.raw):
            raise NotImplementedError("a row put into a row written before")
        self.raw.update(zip(rows, map(_FIRST, rows.values()), strict=True))
        self.whole.update(zip(rows, map(_THIRD, rows.values()), strict=True))
        self.heights.update({row: whole[1] for row, whole in rows.items() if whole[1] is not None})

    def _frame(self, formats: list[Format | None], fixed: tuple[int, int] | None) -> _RowFrame | None:
        """The row frame of these formats (made once per sheet and list of formats), in a book with fixed style
        numbering: a row written whole is its XML made at once, but for a row the frame does not take (None): an
        unformatted cell outside `fixed`; nor does its cells() take a text long enough to be cut (write_values cuts
        and tells it)."""
        found = self._frames.get(id(formats))
        if found is None or found[0] is not formats:
            found = self._frames[id(formats)] = (formats, _RowFrame.of(formats, fixed))
        return found[1]

    def _tails(self, row: int, values: list, formats: list[Format | None], offset: int,
               ) -> tuple[list[str | None], int, int]:
        """Each cell's XML after its reference and style (None: no cell), and the first and last column with a
        cell (-1 for none), of `values` from column `offset`."""
        book = self.book
        strings = book._strings
        inline = book.inline
        tails: list[str | None] = []
        add = tails.append
        count = 0
        low = high = -1
        for col, value in enumerate(values, start=offset):
            if value.__class__ is not str:
                if value is None:
                    value = ""
                elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                    add(f"><v>{value:.16G}</v></c>")
                    high = col
                    if low < 0:
                        low = col
                    continue
                else:
                    value = str(value)
            if not value:
                if formats[col] is None:
                    add(None)
                    continue
                add("/>")
            else:
                if len(value) > STRING_MAX // 2:
                    value = fit_text(value, self.name, row, col)
                if inline:
                    add(_inline(value))
                else:
                    count += 1
                    index = strings.get(value)
                    if index is None:
                        index = strings[value] = len(strings)
                    add(f' t="s"><v>{index}</v></c>')
            high = col
            if low < 0:
                low = col
        book._string_count += count
        return tails, low, high

    def _write_one(self, row: int, col: int, value: object, fmt: Format | None) -> None:
        if value is None or value == "":
            self.write_blank(row, col, None, fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            self.write_number(row, col, value, fmt)
        else:
            self.write_string(row, col, str(value), fmt)

    def write_number(self, row: int, col: int, number: float, cell_format: Format | None = None) -> int:
        self._cell(row, col, cell_format, f"><v>{number:.16G}</v></c>")
        return 0

    def write_blank(self, row: int, col: int, blank: object, cell_format: Format | None = None) -> int:
        if cell_format is not None:  # xlsxwriter writes no blank cell without a format
            self._cell(row, col, cell_format, "/>")
        return 0

    def merge_range(self, first_row: int, first_col: int, last_row: int, last_col: int, data: str,
                    cell_format: Format | None = None) -> int:
        self.merges.append((first_row, first_col, last_row, last_col))
        if data == "":
            self.write_blank(first_row, first_col, None, cell_format)
        else:
            self.write_string(first_row, first_col, data, cell_format)
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                if (row, col) != (first_row, first_col):
                    self.write_blank(row, col, None, cell_format)
        return 0

    def write_comment(self, row: int, col: int, comment: str, options: dict | None = None) -> int:
        self.others.append((row, col))
        self.comments.append((row, col, comment, dict(options or {})))
        return 0

    # ------------------------------------------------------------ rows, columns, views

    def set_row(self, row: int, height: float | None = None, *args: object) -> int:
        if height is not None:
            self.heights[row] = _row_pixels(height)
            self.whole.pop(row, None)  # (its <row> element as put: another height now)
            # xlsxwriter counts the first column written so far, else 0
            if not self.rows and not self.lines and not self.raw and not self.others:
                self.others.append((row, 0))
            elif row not in self.raw and row not in self.lines and row not in self.rows:  # (else counted already)
                self.others.append((row, -1))
        return 0

    def _dimension(self) -> tuple[int, int, int, int] | None:
        """(first row, first column, last row, last column) of what was written, as xlsxwriter counts it."""
        rows = [*self.rows, *self.lines, *self.raw, *map(_FIRST, self.others)]
        if not rows:
            return None
        cols = [c for cells in self.rows.values() for c in (min(cells), max(cells)) if cells]
        if self.lines:
            cols += (min(map(_THIRD, self.lines.values())), max(map(_FOURTH, self.lines.values())))
        if self.raw:
            cols += (min(map(_SECOND, self.raw.values())), max(map(_THIRD, self.raw.values())))
        cols += [c for _, c in self.others if c >= 0]
        return min(rows), min(cols), max(rows), max(cols)

    def set_column(self, first_col: int, last_col: int, width: float | None = None, *args: object) -> int:
        for col in range(first_col, last_col + 1):
            self.widths[col] = _col_pixels(width if width is not None else 8.43)
        return 0

    def freeze_panes(self, row: int, col: int = 0) -> None:
        if col:
            raise NotImplementedError("only rows are frozen in unit workbooks")
        self.pane = row

    def set_selection(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if (first_row, first_col) != (last_row, last_col):
            raise NotImplementedError("only one cell is selected in unit workbooks")
        self.selection = (first_row, first_col)

    def autofilter(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.filter = (first_row, first_col, last_row, last_col)

    def protect(self, password: str = "", options: dict | None = None) -> None:
        self.protection = _protection(password, tuple((options or {}).items()))

    def hide(self) -> None:
        self.state = "hidden"

    def very_hidden(self) -> None:
        self.state = "veryHidden"

    def activate(self) -> None:
        self.book.active = self.index

    # ------------------------------------------------------------ printing

    def set_landscape(self) -> None:
        self.landscape = True

    def set_paper(self, paper: int) -> None:
        self.paper = paper

    def repeat_rows(self, first_row: int, last_row: int | None = None) -> None:
        self.repeat = (first_row, first_row if last_row is None else last_row)

    def fit_to_pages(self, width: int, height: int) -> None:
        self.fit = (width, height)

    def set_margins(self, left: float = 0.7, right: float = 0.7, top: float = 0.75, bottom: float = 0.75) -> None:
        self.margins = (left, right, top, bottom)

    def set_footer(self, footer: str = "") -> None:
        if len(footer) > 255:
            raise ValueError("a footer has at most 255 characters")
        self.footer = footer

    # ------------------------------------------------------------ validations

    def data_validation(self, first_row: int, first_col: int, last_row: int, last_col: int, options: dict) -> int:
        self.validations.append(_validation(first_row, first_col, last_row, last_col, tuple(options.items())))
        return 0

    # ------------------------------------------------------------ the XML

    def _formats_in_order(self, seen: dict[Format, None]) -> None:
        """Every format used, in the order xlsxwriter numbers them: first use, row by row."""
        rows, lines = self.rows, self.lines
        done: set[int] = set()  # the format lists of whole rows looked at (every format in one has a cell)
        for row in sorted([*rows, *lines]):
            cells = rows.get(row)
            if cells is None:
                formats = lines[row][0]
                if id(formats) not in done:
                    done.add(id(formats))
                    for fmt in formats:
                        if fmt is not None and fmt not in seen:
                            seen[fmt] = None
                continue
            for col in sorted(cells):
                fmt = cells[col][0]
                if fmt is not None and fmt not in seen:
                    seen[fmt] = None

    def _xml(self, selected: bool, comments: bool) -> str | bytes:
        out = [_XML_HEAD, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
        if self.fit is not None:
            out.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        dims = self._dimension()
        if dims is None:
            out.append('<dimension ref="A1"/>')
        elif dims[:2] == dims[2:]:
            out.append(f'<dimension ref="{xl_rowcol_to_cell(dims[0], dims[1])}"/>')
        else:
            out.append(f'<dimension ref="{xl_rowcol_to_cell(dims[0], dims[1])}:'
                       f'{xl_rowcol_to_cell(dims[2], dims[3])}"/>')
        out.append(self._views(selected))
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        out.append(self._cols())
        data = self._data(dims)
        if isinstance(data, bytes):  # the rest as UTF-8 too
            return b"".join(("".join(out).encode(), data, self._after_data(comments).encode()))
        out.append(data)
        out.append(self._after_data(comments))
        return "".join(out)

    def _after_data(self, comments: bool) -> str:
        """The sheet's XML after <sheetData>."""
        out: list[str] = []
        if self.protection:
            out.append(self.protection)
        if self.filter is not None:
            r0, c0, r1, c1 = self.filter
            out.append(f'<autoFilter ref="{xl_rowcol_to_cell(r0, c0)}:{xl_rowcol_to_cell(r1, c1)}"/>')
        if self.merges:
            out.append(f'<mergeCells count="{len(self.merges)}">')
            out.extend(f'<mergeCell ref="{xl_rowcol_to_cell(r0, c0)}:{xl_rowcol_to_cell(r1, c1)}"/>'
                       for r0, c0, r1, c1 in self.merges)
            out.append("</mergeCells>")
        if self.validations:
            out.append(f'<dataValidations count="{len(self.validations)}">')
            out.extend(self.validations)
            out.append("</dataValidations>")
        left, right, top, bottom = self.margins or (0.7, 0.7, 0.75, 0.75)
        out.append(f'<pageMargins left="{left:.16g}" right="{right:.16g}" top="{top:.16g}" bottom="{bottom:.16g}" '
                   'header="0.3" footer="0.3"/>')
        setup = ""
        if self.paper:
            setup += f' paperSize="{self.paper}"'
        if self.fit is not None:
            if self.fit[0] != 1:
                setup += f' fitToWidth="{self.fit[0]}"'
            if self.fit[1] != 1:
                setup += f' fitToHeight="{self.fit[1]}"'
        if self.landscape:
            setup += ' orientation="landscape"'
        if setup:
            out.append(f"<pageSetup{setup}/>")
        if self.footer:
            out.append(f"<headerFooter><oddFooter>{_text(self.footer)}</oddFooter></headerFooter>")
        if comments:
            out.append('<legacyDrawing r:id="rId1"/>')
        out.append("</worksheet>")
        return "".join(out)

    def _views(self, selected: bool) -> str:
        tab = ' tabSelected="1"' if selected else ""
        inner = ""
        if self.pane:
            top_left = f"A{self.pane + 1}"
            inner = f'<pane ySplit="{self.pane}" topLeftCell="{top_left}" activePane="bottomLeft" state="frozen"/>'
            if self.selection is not None:
                cell = xl_rowcol_to_cell(*self.selection)
                inner += f'<selection pane="bottomLeft" activeCell="{cell}" sqref="{cell}"/>'
            else:
                inner += '<selection pane="bottomLeft"/>'
        elif self.selection is not None and self.selection != (0, 0):
            cell = xl_rowcol_to_cell(*self.selection)
            inner = f'<selection activeCell="{cell}" sqref="{cell}"/>'
        if not inner:
            return f'<sheetViews><sheetView{tab} workbookViewId="0"/></sheetViews>'
        return f'<sheetViews><sheetView{tab} workbookViewId="0">{inner}</sheetView></sheetViews>'

    def _cols(self) -> str:
        return _cols(tuple(self.widths.items())) if self.widths else ""

    def _data(self, dims: tuple[int, int, int, int] | None) -> str | bytes:
        """<sheetData>: UTF-8 when rows were written whole as UTF-8 (fixed styles), else text."""
        if dims is None:
            return "<sheetData/>"
        rows, lines, raws, heights, names = self.rows, self.lines, self.raw, self.heights, _COLS
        # A row's spans are only a hint for readers ("optimization only, and not required", ECMA-376 CT_Row);
        # a book with fixed styles leaves them out, so its rows do not depend on the rows around them.
        spans = self._spans() if self.book.fixed is None else {}
        encoded: list[bytes] = []  # with rows written whole as UTF-8: what comes before the text in `out`
        styles: dict[int, list[str]] = {}  # id of a whole row's formats → each cell's ' s="…"'
        fixed_styles: dict[tuple[int, int], tuple[str, ...]] = {}  # (id of such a list, first fixed column) → theirs
        out = ["<sheetData>"]
        append = out.append
        whole = self.whole
        for row in range(dims[0], dims[2] + 1):
            done = whole.get(row)
            if done is not None:  # a row put whole: its element as it was
                if out:
                    encoded.append("".join(out).encode())
                    out.clear()
                encoded.append(done)
                continue
            raw = raws.get(row)
            if raw is not None:  # (only in a book with fixed styles: no spans)
                if out:
                    encoded.append("".join(out).encode())
                    out.clear()
                encoded += (b'<row r="', raw[3], b'"', _height_attributes(heights.get(row)), b">", raw[0], b"</row>")
                continue
            line = lines.get(row)
            cells = rows.get(row) if line is None else None
            pixels = heights.get(row)
            if line is None and not cells and pixels is None:
                continue
            r1 = row + 1
            head = f'<row r="{r1}"'
            span = spans.get(row >> 4)
            if span:
                head += f' spans="{span}"'
            if pixels is not None and pixels != DEFAULT_ROW_PIXELS:
                head += _height_attributes(pixels).decode()
            if line is not None:
                formats, tails, same = line[0], line[1], line[4]
                style = styles.get(id(formats))
                if style is None:
                    style = styles[id(formats)] = [f' s="{f.xf}"' if f is not None else "" for f in formats]
                append(head + ">")
                if same is None:
                    for col, tail in enumerate(tails):
                        if tail is not None:
                            append(f'<c r="{names[col]}{r1}"{style[col]}{tail}')
                else:
                    first, end = same.first, same.end
                    for col in range(first):
                        tail = tails[col]
                        if tail is not None:
                            append(f'<c r="{names[col]}{r1}"{style[col]}{tail}')
                    key = (id(style), first)
                    shown = fixed_styles.get(key)
                    if shown is None:
                        shown = fixed_styles[key] = tuple(style[first:end])
                    append(str(r1).join(same.pieces(shown)))
                    for col in range(end, len(tails)):
                        tail = tails[col]
                        if tail is not None:
                            append(f'<c r="{names[col]}{r1}"{style[col]}{tail}')
                append("</row>")
                continue
            if not cells:
                append(head + "/>")
                continue
            append(head + ">")
            for col in sorted(cells):
                fmt, tail = cells[col]
                if fmt is None:
                    append(f'<c r="{_COLS[col]}{r1}"{tail}')
                else:
                    append(f'<c r="{_COLS[col]}{r1}" s="{fmt.xf}"{tail}')
            append("</row>")
        append("</sheetData>")
        if encoded:
            encoded.append("".join(out).encode())
            return b"".join(encoded)
        return "".join(out)

    def _spans(self) -> dict[int, str]:
        spans: dict[int, list[int]] = {}
        for row, cells in self.rows.items():
            if not cells:
                continue
            low, high = min(cells), max(cells)
            found = spans.get(row >> 4)
            if found is None:
                spans[row >> 4] = [low, high]
            else:
                found[0], found[1] = min(found[0], low), max(found[1], high)
        for row, (_formats, _tails, low, high, _same) in self.lines.items():
            found = spans.get(row >> 4)
            if found is None:
                spans[row >> 4] = [low, high]
            else:
                found[0], found[1] = min(found[0], low), max(found[1], high)
        for row, (_xml, low, high, _r1) in self.raw.items():
            found = spans.get(row >> 4)
            if found is None:
                spans[row >> 4] = [low, high]
            else:
                found[0], found[1] = min(found[0], low), max(found[1], high)
        for row, col, *_ in self.comments:
            found = spans.get(row >> 4)
            if found is None:
                spans[row >> 4] = [col, col]
            else:
                found[0], found[1] = min(found[0], col), max(found[1], col)
        return {block: f"{low + 1}:{high + 1}" for block, (low, high) in spans.items()}


@lru_cache(maxsize=256)
def _protection(password: str, items: tuple[tuple[str, object], ...]) -> str:
    """<sheetProtection> for Worksheet.protect's password and options, made once per process and options."""
    opts = {**PROTECT_DEFAULTS, **dict(items)}
    if set(opts) - set(PROTECT_DEFAULTS):
        raise NotImplementedError(f"protection options {sorted(set(opts) - set(PROTECT_DEFAULTS))}")
    attrs = f' password="{_password_hash(password)}"' if password else ""
    attrs += ' sheet="1" objects="1" scenarios="1"'
    for option, name in (("format_cells", "formatCells"), ("format_columns", "formatColumns"),
                         ("format_rows", "formatRows"), ("autofilter", "autoFilter")):
        if opts[option]:
            attrs += f' {name}="0"'
    return f"<sheetProtection{attrs}/>"


@lru_cache(maxsize=1024)
def _validation(first_row: int, first_col: int, last_row: int, last_col: int,
                items: tuple[tuple[str, Any], ...]) -> str:
    """A <dataValidation> for Worksheet.data_validation's range and options, made once per process and both."""
    options = dict(items)
    kind = options["validate"]
    attrs = ""
    if kind == "list":
        attrs += ' type="list"'
    elif kind == "decimal":
        attrs += ' type="decimal"'
    elif kind != "any":
        raise NotImplementedError(f"validation {kind}")
    if options.get("criteria", "between") != "between":
        raise NotImplementedError("validations other than between")
    attrs += ' allowBlank="1" showInputMessage="1" showErrorMessage="1"'
    for key, name in (("error_title", "errorTitle"), ("error_message", "error"),
                      ("input_title", "promptTitle"), ("input_message", "prompt")):
        if options.get(key):
            attrs += f' {name}="{_attr(options[key])}"'
    ref = xl_rowcol_to_cell(first_row, first_col)
    if (first_row, first_col) != (last_row, last_col):
        ref += ":" + xl_rowcol_to_cell(last_row, last_col)
    body = ""
    if kind == "list":
        source = options["source"]
        body = f"<formula1>{_text(source[1:] if source.startswith('=') else source)}</formula1>"
    elif kind == "decimal":
        body = f"<formula1>{options['minimum']:.16g}</formula1><formula2>{options['maximum']:.16g}</formula2>"
    if body:
        return f'<dataValidation{attrs} sqref="{ref}">{body}</dataValidation>'
    return f'<dataValidation{attrs} sqref="{ref}"/>'


class Workbook:
    """`xlsxwriter.Workbook(path)` for the calls workbook.py makes; the file is written by close()."""

    def __init__(self, filename: str, options: dict | None = None) -> None:
        """options: {"strings": "inline"} writes each string in its cell, as xlsxwriter's constant_memory mode
        does (no shared strings part): a sheet's cells then depend on nothing else in the book."""
        self.filename = filename
        self.inline = (options or {}).get("strings") == "inline"
        self.fixing = (options or {}).get("styles") == "fixed"
        self.fixed: FixedStyles | None = None
        self.sheets: list[Worksheet] = []
        self.active = 0
        self.properties: dict[str, str] = {}
        self.custom: list[tuple[str, str]] = []
        self._strings: dict[str, int] = {}
        self._string_count = 0

    def add_worksheet(self, name: str) -> Worksheet:
        sheet = Worksheet(self, name, len(self.sheets))
        self.sheets.append(sheet)
        return sheet

    def fix_styles(self, formats: list[dict]) -> None:
        """With options {"styles": "fixed"}: number the styles as these formats (every one the book's cells may
        use, in this order) for every book given the same, each format's index known when it is made, so rows are
        written as XML at once (else nothing: styles are numbered by first use, as xlsxwriter numbers them).
        Before any add_format."""
        if self.fixing:
            found = _FIXED_BY_LIST.get(id(formats))
            if found is None or found[0] is not formats:  # a list given again costs nothing more
                if len(_FIXED_BY_LIST) > 16:
                    _FIXED_BY_LIST.clear()
                found = _FIXED_BY_LIST[id(formats)] = (formats, fixed_styles(tuple(tuple(f.items()) for f in formats)))
            self.fixed = found[1]

    def add_format(self, properties: dict | None = None) -> Format:
        if self.fixed is not None:
            return self.fixed.format(properties or {})
        return Format(properties or {})

    def set_properties(self, properties: dict) -> None:
        self.properties = dict(properties)

    def set_custom_property(self, name: str, value: str, kind: str = "text") -> None:
        if kind != "text":
            raise NotImplementedError("only text properties")
        self.custom.append((name, value))

    def close(self) -> None:
        commented = [s for s in self.sheets if s.comments]
        if self.fixed is not None:
            styles, theme = self.fixed.styles, self.fixed.theme
        else:
            seen: dict[Format, None] = {}
            for sheet in self.sheets:
                sheet._formats_in_order(seen)
            first: dict[tuple, Format] = {}  # formats of the same properties are one format
            for fmt in seen:
                first.setdefault(fmt.key, fmt)
            styles, theme, xf = _styles(tuple(first), tuple(tuple(f.props.items()) for f in first.values()),
                                        bool(commented))
            for fmt in seen:
                fmt.xf = xf[fmt.key]
        if len(commented) > 1:
            raise NotImplementedError("comments on more than one sheet")
        parts: list[tuple[str, str | bytes]] = [
            ("[Content_Types].xml", _content_types(len(self.sheets), bool(commented), bool(self._strings),
                                                   bool(self.custom))),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/_rels/workbook.xml.rels", _workbook_rels(len(self.sheets), bool(self._strings))),
        ]
        for sheet in self.sheets:
            parts.append((f"xl/worksheets/sheet{sheet.index + 1}.xml",
                          sheet._xml(sheet.index == self.active, bool(sheet.comments))))
        names = self._defined_names()
        parts.append(("xl/workbook.xml", self._workbook_xml(names)))
        if commented:
            vml, comments = _comment_parts(commented[0])
            parts += [("xl/drawings/vmlDrawing1.vml", vml), ("xl/comments1.xml", comments)]
        if self._strings:
            parts.append(("xl/sharedStrings.xml", self._shared_strings()))
        parts.append(("xl/styles.xml", styles))
        if self.custom:
            parts.append(("docProps/custom.xml", self._custom_xml()))
        parts.append(("xl/theme/theme1.xml", theme))
        if commented:
            parts.append((f"xl/worksheets/_rels/sheet{commented[0].index + 1}.xml.rels", _COMMENT_RELS))
        parts.append(("docProps/core.xml", self._core_xml()))
        parts.append(("docProps/app.xml", self._app_xml(names)))
        with open(self.filename, "wb") as out:
            out.write(zip_bytes(parts))

    # ------------------------------------------------------------ the book's parts

    def _defined_names(self) -> list[tuple[str, int, str, bool]]:
        names = []
        for sheet in self.sheets:
            quoted = quote_sheetname(sheet.name)
            if sheet.filter is not None:
                r0, c0, r1, c1 = sheet.filter
                ref = f"{quoted}!{xl_rowcol_to_cell(r0, c0, True, True)}:{xl_rowcol_to_cell(r1, c1, True, True)}"
                names.append(("_xlnm._FilterDatabase", sheet.index, ref, True))
            if sheet.repeat is not None:
                names.append(("_xlnm.Print_Titles", sheet.index,
                              f"{quoted}!${sheet.repeat[0] + 1}:${sheet.repeat[1] + 1}", False))
        return sorted(names, key=lambda n: n[0].replace("_xlnm.", "").lower() + "::"
                      + n[2].split("!")[0].lstrip("'").lower())

    def _workbook_xml(self, names: list[tuple[str, int, str, bool]]) -> str:
        return _workbook_xml(tuple((sheet.name, sheet.state) for sheet in self.sheets), self.active, tuple(names))

    def _shared_strings(self) -> str:
        head = f'{_XML_HEAD}<sst xmlns="{_MAIN}" count="{self._string_count}" uniqueCount="{len(self._strings)}">'
        return head + "".join(map(_si, self._strings)) + "</sst>"

    def _custom_xml(self) -> str:
        out = [_XML_HEAD, '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
               'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">']
        for pid, (name, value) in enumerate(self.custom, start=2):
            out.append(f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" '
                       f'name="{_attr(name)}"><vt:lpwstr>{_text(value)}</vt:lpwstr></property>')
        out.append("</Properties>")
        return "".join(out)

    def _core_xml(self) -> str:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        props = self.properties
        out = [_XML_HEAD, '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
               'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
               'terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
        for key, tag in (("title", "dc:title"), ("subject", "dc:subject"), ("author", "dc:creator")):
            if props.get(key):
                out.append(f"<{tag}>{_text(props[key])}</{tag}>")
        if props.get("comments"):
            out.append(f"<dc:description>{_text(props['comments'])}</dc:description>")
        out.append(f"<cp:lastModifiedBy>{_text(props.get('author', ''))}</cp:lastModifiedBy>")
        out.append(f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
                   f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')
        return "".join(out)

    def _app_xml(self, names: list[tuple[str, int, str, bool]]) -> str:
        shown = tuple(s.name for s in self.sheets if s.state != "veryHidden")
        ranges = tuple(f"{quote_sheetname(self.sheets[index].name)}!{name.replace('_xlnm.', '')}"
                       for name, index, _ref, hidden in names if not hidden)
        return _app_xml(shown, ranges)


@lru_cache(maxsize=64)
def _app_xml(shown: tuple[str, ...], ranges: tuple[str, ...]) -> str:
    """docProps/app.xml of a book showing these sheets and named ranges, once per process."""
    vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    pairs = f"<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{len(shown)}</vt:i4>" \
            "</vt:variant>"
    size = 2
    if ranges:
        pairs += f"<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant><vt:i4>{len(ranges)}" \
                 "</vt:i4></vt:variant>"
        size = 4
    titles = "".join(f"<vt:lpstr>{_text(t)}</vt:lpstr>" for t in (*shown, *ranges))
    return (f'{_XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'extended-properties" xmlns:vt="{vt}"><Application>Microsoft Excel</Application>'
            "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
            f'<HeadingPairs><vt:vector size="{size}" baseType="variant">{pairs}</vt:vector></HeadingPairs>'
            f'<TitlesOfParts><vt:vector size="{len(shown) + len(ranges)}" baseType="lpstr">{titles}'
            "</vt:vector></TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate>"
            "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
            "<AppVersion>12.0000</AppVersion></Properties>")


@lru_cache(maxsize=256)
def _workbook_xml(sheets: tuple[tuple[str, str], ...], active: int, names: tuple[tuple[str, int, str, bool], ...],
                  ) -> str:
    """xl/workbook.xml of a book with these sheets (name, state), active sheet and defined names, once per process."""
    active_tab = f' activeTab="{active}"' if active else ""
    out = [_XML_HEAD, f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">',
           '<fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>',
           '<workbookPr defaultThemeVersion="124226"/>',
           f'<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"'
           f"{active_tab}/></bookViews>", "<sheets>"]
    for index, (name, state) in enumerate(sheets):
        shown = f' state="{state}"' if state else ""
        out.append(f'<sheet name="{_attr(name)}" sheetId="{index + 1}"{shown} r:id="rId{index + 1}"/>')
    out.append("</sheets>")
    if names:
        out.append("<definedNames>")
        for defined, index, ref, hidden in names:
            flag = ' hidden="1"' if hidden else ""
            out.append(f'<definedName name="{defined}" localSheetId="{index}"{flag}>{_text(ref)}</definedName>')
        out.append("</definedNames>")
    out.append('<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
    return "".join(out)


@lru_cache(maxsize=256)
def _cols(items: tuple[tuple[int, int], ...]) -> str:
    """<cols> of a sheet with these column widths (column → pixels), made once per process and widths."""
    widths = dict(items)
    out = ["<cols>"]
    cols = sorted(widths)
    start = prev = cols[0]
    for col in [*cols[1:], None]:
        if col is not None and col == prev + 1 and widths[col] == widths[start]:
            prev = col
            continue
        pixels = widths[start]
        width = (pixels * 256 // 7) / 256.0
        custom = ' customWidth="1"' if pixels != DEFAULT_COL_PIXELS else ""
        out.append(f'<col min="{start + 1}" max="{prev + 1}" width="{width:.16g}"{custom}/>')
        if col is not None:
            start = prev = col
    out.append("</cols>")
    return "".join(out)

@lru_cache(maxsize=64)
def _content_types(sheets: int, comments: bool, strings: bool, custom: bool) -> str:
    """[Content_Types].xml of a book of this shape (made once per process and shape)."""
    out = [_XML_HEAD, '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
           '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
           '<Default Extension="xml" ContentType="application/xml"/>']
    if comments:
        out.append('<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'vmlDrawing"/>')
    app = "application/vnd.openxmlformats-officedocument"
    out.append(f'<Override PartName="/docProps/app.xml" ContentType="{app}.extended-properties+xml"/>'
               '<Override PartName="/docProps/core.xml" '
               'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
               f'<Override PartName="/xl/styles.xml" ContentType="{app}.spreadsheetml.styles+xml"/>'
               f'<Override PartName="/xl/theme/theme1.xml" ContentType="{app}.theme+xml"/>'
               f'<Override PartName="/xl/workbook.xml" ContentType="{app}.spreadsheetml.sheet.main+xml"/>')
    for index in range(sheets):
        out.append(f'<Override PartName="/xl/worksheets/sheet{index + 1}.xml" '
                   f'ContentType="{app}.spreadsheetml.worksheet+xml"/>')
    if comments:
        out.append(f'<Override PartName="/xl/comments1.xml" ContentType="{app}.spreadsheetml.comments+xml"/>')
    if strings:
        out.append(f'<Override PartName="/xl/sharedStrings.xml" '
                   f'ContentType="{app}.spreadsheetml.sharedStrings+xml"/>')
    if custom:
        out.append(f'<Override PartName="/docProps/custom.xml" ContentType="{app}.custom-properties+xml"/>')
    out.append("</Types>")
    return "".join(out)


@lru_cache(maxsize=64)
def _workbook_rels(sheets: int, strings: bool) -> str:
    """xl/_rels/workbook.xml.rels of a book of this shape (made once per process and shape)."""
    out = [_XML_HEAD, f'<Relationships xmlns="{_PKG_REL}">']
    kinds = [("worksheet", f"worksheets/sheet{index + 1}.xml") for index in range(sheets)]
    kinds += [("theme", "theme/theme1.xml"), ("styles", "styles.xml")]
    if strings:
        kinds.append(("sharedStrings", "sharedStrings.xml"))
    for number, (kind, target) in enumerate(kinds, start=1):
        out.append(f'<Relationship Id="rId{number}" Type="{_REL}/{kind}" Target="{target}"/>')
    out.append("</Relationships>")
    return "".join(out)


_DOS_DATE = (_ZIP_DATE[0] - 1980) << 9 | _ZIP_DATE[1] << 5 | _ZIP_DATE[2]
_DOS_TIME = _ZIP_DATE[3] << 11 | _ZIP_DATE[4] << 5 | _ZIP_DATE[5] // 2
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # the zip format's headers, as zipfile packs them
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_FILE_MODE = 0o600 << 16  # what zipfile gives a part it is handed as a ZipInfo
# Parts that are the same in many books (styles, theme, relationships, …), deflated once per process: part
# name and content → (CRC-32, deflated bytes).
_DEFLATED: dict[tuple[str, str | bytes], tuple[int, bytes]] = {}
_DEFLATED_MAX = 256
_SAME_IN_MANY = frozenset({"[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                           "xl/theme/theme1.xml", "docProps/app.xml", "xl/workbook.xml"})
# A sheet this small is one alike in many books (a receipt's hidden 下拉选项): deflated once per process too
_SMALL_SHEET = 1024


def _deflate(data: bytes) -> tuple[int, bytes]:
    packer = deflater.compressobj(COMPRESS_LEVEL, deflater.DEFLATED, -15)
    return deflater.crc32(data), packer.compress(data) + packer.flush()


def zip_bytes(parts: list[tuple[str, str | bytes]]) -> bytes:
    """The zip file of these parts (ASCII names), byte for byte what zipfile.ZipFile writes for them as
    ZipInfo(name, _ZIP_DATE) with create_system 0, deflated by `deflater` (ISA-L's) at COMPRESS_LEVEL
    (tests/test_xlsx_writer.py checks), without its per-part machinery; parts alike in many books are deflated once
    per process."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in parts:
        key = (name, data)
        cached = name in _SAME_IN_MANY or name.endswith(".rels") or (
            len(data) <= _SMALL_SHEET and name.startswith("xl/worksheets/sheet"))
        found = _DEFLATED.get(key) if cached else None
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if found is None:
            found = _deflate(raw)
            if cached:
                if len(_DEFLATED) >= _DEFLATED_MAX:
                    _DEFLATED.clear()
                _DEFLATED[key] = found
        crc, packed = found
        encoded = name.encode("ascii")
        out.append(_LOCAL.pack(b"PK\x03\x04", 20, 0, 0, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, crc,
                               len(packed), len(raw), len(encoded), 0))
        out.append(encoded)
        out.append(packed)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 0, 20, 0, 0, zipfile.ZIP_DEFLATED, _DOS_TIME,
                                     _DOS_DATE, crc, len(packed), len(raw), len(encoded), 0, 0, 0, 0, _FILE_MODE,
                                     offset))
        central.append(encoded)
        offset += _LOCAL.size + len(encoded) + len(packed)
    size = sum(map(len, central))
    return b"".join([*out, *central, _END.pack(b"PK\x05\x06", 0, 0, len(parts), len(parts), size, offset,
                                                0)])


_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    f'<Relationship Id="rId4" Type="{_REL}/custom-properties" Target="docProps/custom.xml"/>'
    "</Relationships>"
)
_COMMENT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/vmlDrawing" Target="../drawings/vmlDrawing1.vml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/comments" Target="../comments1.xml"/>'
    "</Relationships>"
)


@lru_cache(maxsize=64)
def _styles(keys: tuple[tuple, ...], props: tuple[tuple, ...], comments: bool,
            ) -> tuple[bytes, bytes, dict[tuple, int]]:
    """styles.xml, the theme, and each format's xf index, by xlsxwriter's own writers for a book that uses each
    format once in this order (the order xlsxwriter itself numbers them in: first use, sheet by sheet, row by row,
    as its worksheet writer does when it writes each cell); a book with comments has one more font, theirs. As its
    packager writes these two parts, without writing and zipping the rest of such a book."""
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    made = [book.add_format(dict(p)) for p in props]
    for fmt in made:
        fmt._get_xf_index()  # what writing a cell with it does
    book.has_comments = comments  # what _prepare_vml sets for a sheet with comments
    book._prepare_format_properties()
    styles, theme = io.StringIO(), io.StringIO()
    writer = Styles()
    writer._set_style_properties([book.xf_formats, book.palette, book.font_count, book.num_formats,
                                  book.border_count, book.fill_count, book.custom_colors, book.dxf_formats,
                                  book.has_comments])
    writer._set_xml_writer(styles)
    writer._assemble_xml_file()
    painter = Theme()
    painter._set_xml_writer(theme)
    painter._assemble_xml_file(book.theme_xml)
    return (styles.getvalue().encode("utf-8"), theme.getvalue().encode("utf-8"),
            {key: fmt.xf_index for key, fmt in zip(keys, made, strict=True)})


def _comment_parts(sheet: Worksheet) -> tuple[bytes, bytes]:
    """The VML and comments parts of a sheet's comments, by xlsxwriter, on a bare sheet of the same geometry
    (where a comment's box sits depends on the widths and heights around it, nothing else): its own VML and
    comments writers, as its packager calls them for the only sheet with comments in a book, without writing
    and zipping the rest of that book."""
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    bare = book.add_worksheet()
    for col, pixels in sheet.widths.items():
        bare.set_column_pixels(col, col, pixels)
    for row, pixels in sheet.heights.items():
        bare.set_row_pixels(row, pixels)
    for row, col, text, options in sheet.comments:
        bare.write_comment(row, col, text, options)
    book._prepare_vml()  # what close() does for comments: vml_data_id 1, shape ids from 1024, comments_list
    vml, comments = io.StringIO(), io.StringIO()
    drawing = Vml()
    drawing._set_xml_writer(vml)
    drawing._assemble_xml_file(bare.vml_data_id, bare.vml_shape_id, bare.comments_list, bare.buttons_list)
    listing = Comments()
    listing._set_xml_writer(comments)
    listing._assemble_xml_file(bare.comments_list)
    return vml.getvalue().encode("utf-8"), comments.getvalue().encode("utf-8")
