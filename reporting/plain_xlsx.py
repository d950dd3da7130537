"""The plain workbooks: 任务分解表, 单位名册, 分发清单, 未匹配单位, 催报名单, 指标体系, 佐证材料目录 and
缺证清单, each a table per sheet, by one writer.

Every cell goes through `write_cell`, the one place that decides how a value lands in a plain workbook:
numbers as numbers, a Link as a link to one of our own files (its display text written as text),
everything else as text (never a formula), nothing as an empty cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xlsxwriter.worksheet import Worksheet

from .fileio import atomic_path
from .safe_xlsx import font_size, new_workbook, text_height

Format = dict[str, object]  # xlsxwriter format properties

HEADER: Format = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "valign": "vcenter",
                  "text_wrap": True}
BODY: Format = {"border": 1, "valign": "top", "text_wrap": True}
TITLE: Format = {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
LINK: Format = {"border": 1, "valign": "top", "font_color": "blue", "underline": 1}


@dataclass(frozen=True)
class Link:
    """A cell linking to a file of ours: `target` a path relative to the workbook (never text from a unit),
    `text` what the cell shows (written as text like any other, whatever it holds)."""

    target: str
    text: str


@dataclass
class Table:
    """One sheet: a header row (below an optional title row) and the rows under it."""

    name: str
    columns: Sequence[str]
    widths: Sequence[float]
    rows: Iterable[Sequence[object]]
    title: str = ""  # a merged title row above the header
    empty: str = ""  # written under the header when there are no rows
    header: Format = field(default_factory=lambda: dict(HEADER))
    body: Format = field(default_factory=lambda: dict(BODY))
    link: Format = field(default_factory=lambda: dict(LINK))  # cells holding a Link
    column_format: bool = False  # the body format on the whole columns too (rows the user adds get it)
    row_format: Callable[[Sequence[object]], Format | None] | None = None  # a row's own format, if any
    autofilter: bool = True
    footer: str = ""
    margins: dict[str, float] | None = None
    validations: list[tuple[int, dict]] = field(default_factory=list)  # (column, data_validation) below the header
    notes: list[tuple[int, str]] = field(default_factory=list)  # (column, comment on its header cell)


def write_tables(path: Path, tables: Iterable[Table], *, root: Path | None = None,
                 properties: dict[str, str] | None = None, custom: dict[str, str] | None = None,
                 constant_memory: bool = False) -> None:
    """Write `tables` to `path` atomically; `properties` (title, comments…) and `custom` document properties;
    `constant_memory` flushes each row once written (large tables, written top to bottom)."""
    with atomic_path(path, root) as tmp:
        book = new_workbook(tmp, {"constant_memory": True} if constant_memory else None)
        if properties:
            book.set_properties(properties)
        for name, value in (custom or {}).items():
            book.set_custom_property(name, value)
        formats: dict[tuple, object] = {}

        def made(props: Format):
            key = tuple(sorted(props.items()))
            if key not in formats:
                formats[key] = book.add_format(props)
            return formats[key]

        for table in tables:
            _write_table(book.add_worksheet(table.name), table, made)
        book.close()


def _write_table(sheet: Worksheet, table: Table, made: Callable[[Format], object]) -> None:
    header_row = 1 if table.title else 0
    last = len(table.columns) - 1
    if table.title:
        sheet.merge_range(0, 0, 0, last, table.title, made(TITLE))
    body = made(table.body)
    link = made(table.link)
    for col, (name, width) in enumerate(zip(table.columns, table.widths, strict=True)):
        sheet.set_column(col, col, width, body if table.column_format else None)
        sheet.write_string(header_row, col, name, made(table.header))
    _fit_row(sheet, header_row, table.columns, table.widths, table.header)
    r = header_row
    for r, row in enumerate(table.rows, start=header_row + 1):
        own = table.row_format(row) if table.row_format else None
        fmt = made(own) if own is not None else body
        _fit_row(sheet, r, row, table.widths, own or table.body)
        for col, value in enumerate(row):
            write_cell(sheet, r, col, value, link if isinstance(value, Link) else fmt)
    if r == header_row and table.empty:
        sheet.write_string(header_row + 1, 0, table.empty)
    for col, validation in table.validations:
        sheet.data_validation(header_row + 1, col, header_row + 5000, col, validation)
    for col, note in table.notes:
        sheet.write_comment(header_row, col, note, {"x_scale": 2, "y_scale": 1.5})
    sheet.freeze_panes(header_row + 1, 0)
    if table.autofilter:
        sheet.autofilter(header_row, 0, max(r, header_row + 1), last)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.repeat_rows(header_row)
    sheet.fit_to_pages(1, 0)
    if table.margins:
        sheet.set_margins(**table.margins)
    if table.footer:
        sheet.set_footer(table.footer)


def _fit_row(sheet: Worksheet, r: int, row: Sequence[object], widths: Sequence[float], props: Format) -> None:
    """The row as high as its longest wrapped text needs (Excel fits such a row when it opens the book,
    LibreOffice does not when it prints it: a 催报名单 printed one line a row, its texts cut off)."""
    if not props.get("text_wrap"):
        return
    size = font_size(props)
    height = max((text_height(value, width, size) for value, width in zip(row, widths, strict=False)
                  if value.__class__ is str and value), default=0.0)
    if height > text_height("", 1.0, size):  # more than one line
        sheet.set_row(r, height)


def write_cell(sheet: Worksheet, r: int, c: int, value: object, fmt: object = None) -> None:
    """A value into a plain workbook's cell: a number stays a number, a Link a link to our own file with its
    text as text (SafeWorksheet writes it), anything else is written as text."""
    if value is None or value == "":
        sheet.write_blank(r, c, None, fmt)
    elif isinstance(value, Link):
        sheet.write_url(r, c, f"external:{value.target}", fmt, string=value.text or value.target)
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        sheet.write_number(r, c, value, fmt)
    else:
        sheet.write_string(r, c, str(value), fmt)
