"""The one way our workbooks are made: text is always written as text, and text too long for a cell is cut
where everyone can see it.

Whatever the text comes from (a roster name, the plan, a unit's return), a leading "=" must never turn it
into a formula, and "http://…" never into a link: xlsxwriter's write() and merge_range() would do both.
`new_workbook` gives a Workbook whose worksheets write every str through `_write_string`, which also cuts
text past Excel's limit of 32,767 characters (UTF-16 units) with a visible marker, and raises a
TextCutWarning naming the cell (the full text stays in the store; the CLI shows the warning as a line).
Formulas we mean are written with write_formula, as before.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

EXCEL_CELL_LIMIT = 32767  # UTF-16 code units
CUT_MARKER = "……【以下超出 Excel 单元格 32,767 字的上限，已截断；完整内容保存在 reporting.db 中】"
_SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
MAX_ROW_HEIGHT = 409  # points: Excel's highest row


class TextCutWarning(UserWarning):
    """A text was cut to fit a cell: the message says which workbook, sheet and cell."""


@contextmanager
def cuts_recorded() -> Iterator[list[str]]:
    """The TextCutWarning messages of what runs inside, as a list filled at the end, to be told by the main
    process (a worker's warnings die with it); other warnings are passed on as they came."""
    told: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TextCutWarning)
        yield told
    told += [str(w.message) for w in caught if issubclass(w.category, TextCutWarning)]
    for other in caught:
        if not issubclass(other.category, TextCutWarning):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)


def new_workbook(path: str | Path, options: dict | None = None) -> xlsxwriter.Workbook:
    """An xlsxwriter Workbook whose text is never a formula nor a link, and cut visibly past the limit."""
    book = xlsxwriter.Workbook(str(path), {**(options or {}), **_SAFE_OPTIONS})
    book.worksheet_class = SafeWorksheet
    return book


class SafeWorksheet(Worksheet):
    """write(), merge_range() and write_string() of a str all end in `_write_string`: text, cut if need be."""

    def _write_token_as_string(self, token, row: int, col: int, *args):
        if token == "":
            return self._write_blank(row, col, *args)
        return self._write_string(row, col, *args)

    def _write_string(self, row: int, col: int, string: str, cell_format=None):
        string = fit_text(string, self.name, row, col)
        if string.startswith("<r>") and string.endswith("</r>"):  # xlsxwriter would copy it in as raw XML
            fragments = [string[:1], string[1:2], string[2:]]
            return self.write_rich_string(row, col, *fragments, *([cell_format] if cell_format else []))
        return super()._write_string(row, col, string, cell_format)


def fit_text(text: str, sheet: str, row: int, col: int) -> str:
    """The text as a cell can hold it: whole, or cut with CUT_MARKER and a TextCutWarning naming the cell."""
    if len(text) <= EXCEL_CELL_LIMIT // 2 or _utf16_len(text) <= EXCEL_CELL_LIMIT:
        return text
    warnings.warn(TextCutWarning(
        f"「{sheet}」{xl_rowcol_to_cell(row, col)} 的文字超过 Excel 单元格 32,767 字的上限，已截断并注明"
        "（完整内容保存在 reporting.db 中）"), stacklevel=3)
    return cut_text(text)


def cut_text(text: str) -> str:
    """`text` cut so that it and CUT_MARKER fit a cell together (never inside a surrogate pair)."""
    room = EXCEL_CELL_LIMIT - _utf16_len(CUT_MARKER)
    kept: list[str] = []
    used = 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > room:
            break
        kept.append(char)
        used += size
    return "".join(kept) + CUT_MARKER


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def font_size(props: Mapping[str, object]) -> float:
    """The font size a format's properties set (11 when none)."""
    size = props.get("font_size", 11)
    return float(size) if isinstance(size, int | float) else 11.0


@lru_cache(maxsize=65536)
def text_height(text: str, width: float, font_size: float) -> float:
    """Points a wrapped cell needs: lines (a CJK character takes two widths of a Latin one) × line height.
    Written as the row's height: LibreOffice does not fit rows to wrapped text when it prints or converts."""
    per_line = max(width - 1.0, 1.0)
    unit = font_size / 10.5  # column widths are counted in digits of an 11-point font
    lines = 0
    for paragraph in text.split("\n"):
        units = len(paragraph.encode("gbk", "replace")) * unit
        lines += max(1, math.ceil(units / per_line))
    return min(MAX_ROW_HEIGHT, round(lines * font_size * 1.4 + 4, 1))
