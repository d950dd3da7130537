"""The plain workbooks: 任务分解表, 单位名册, 分发清单, 未匹配单位, 催报名单, 指标体系, 佐证材料目录 and
缺证清单, each a table per sheet, by one writer.

Every cell goes through `write_cell`, the one place that decides how a value lands in a plain workbook:
numbers as numbers, a Link as a link to one of our own files (its display text written as text),
everything else as text (never a formula), nothing as an empty cell.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from .fileio import TEMP_PREFIX, atomic_path
from .safe_xlsx import EXCEL_CELL_LIMIT, fit_text, font_size, new_workbook, text_height
from .sheet_xml import Deflater, Spliced, write_package
from .xlsx_writer import inline_text

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
    """Write `tables` to `path` atomically; `properties` (title, comments…) and `custom` document properties.

    `constant_memory`, for tables of a province's size (佐证材料目录, 缺证清单): the rows are not given to
    xlsxwriter cell by cell but written as the sheet XML its constant_memory mode writes for them, into a file
    of their own as they come, and put into the package xlsxwriter wrote around them (sheet_xml.write_package).
    """
    with atomic_path(path, root) as tmp:
        if constant_memory:
            with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX, dir=tmp.parent) as folder:
                draft = Path(folder) / "draft.xlsx"
                write_package(draft, tmp, _write_book(draft, tables, properties, custom, Path(folder)))
        else:
            _write_book(tmp, tables, properties, custom, None)


def _write_book(path: Path, tables: Iterable[Table], properties: dict[str, str] | None,
                custom: dict[str, str] | None, rows_folder: Path | None) -> dict[str, Spliced]:
    """The workbook written to `path`; with a `rows_folder`, the tables' rows written there instead (each sheet's
    part → its rows, for write_package)."""
    book = new_workbook(path)
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

    spliced: dict[str, Spliced] = {}
    for number, table in enumerate(tables, start=1):
        sheet = book.add_worksheet(table.name)
        if rows_folder is None:
            _write_table(sheet, table, made, _cells)
        else:
            out = Deflater(rows_folder / f"sheet{number}.rows")
            rows = _LongRows(out)
            _write_table(sheet, table, made, rows.write)
            spliced[f"xl/worksheets/sheet{number}.xml"] = Spliced([out.close()], rows.last)
    book.close()
    return spliced


def _write_table(sheet: Worksheet, table: Table, made: Callable[[Format], object], write_rows: _RowWriter) -> None:
    header_row = 1 if table.title else 0
    last = len(table.columns) - 1
    if table.title:
        sheet.merge_range(0, 0, 0, last, table.title, made(TITLE))
    body = made(table.body)
    for col, (name, width) in enumerate(zip(table.columns, table.widths, strict=True)):
        sheet.set_column(col, col, width, body if table.column_format else None)
        sheet.write_string(header_row, col, name, made(table.header))
    height = _row_height(table.columns, table.widths, table.header)
    if height:
        sheet.set_row(header_row, height)
    r = write_rows(sheet, header_row + 1, table, made)
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


_RowWriter = Callable[[Worksheet, int, Table, Callable[[Format], object]], int]


def _cells(sheet: Worksheet, first: int, table: Table, made: Callable[[Format], object]) -> int:
    """The table's rows from row `first` on, cell by cell; the last row written (first - 1 for none)."""
    body, link = made(table.body), made(table.link)
    r = first - 1
    for r, row in enumerate(table.rows, start=first):
        own = table.row_format(row) if table.row_format else None
        fmt = made(own) if own is not None else body
        height = _row_height(row, table.widths, own or table.body)
        if height:
            sheet.set_row(r, height)
        for col, value in enumerate(row):
            write_cell(sheet, r, col, value, link if isinstance(value, Link) else fmt)
    return r


class _LongRows:
    """A table's rows written as the sheet XML xlsxwriter's constant_memory mode writes for what `_cells` does,
    into `out` (a Deflater) as they come; xlsxwriter keeps only the links (to write them after the rows)."""

    def __init__(self, out: Deflater) -> None:
        self.out = out
        self.last = -1  # 0-based row of the last row written

    def write(self, sheet: Worksheet, first: int, table: Table, made: Callable[[Format], object]) -> int:
        body, link = made(table.body), made(table.link)
        texts: list[dict[tuple[str, int], bytes]] = [{} for _ in table.widths]
        columns = [xl_col_to_name(col).encode() for col in range(len(table.columns))]
        batch: list[bytes] = []
        r = first - 1
        for r, row in enumerate(table.rows, start=first):
            own = table.row_format(row) if table.row_format else None
            fmt = made(own) if own is not None else body
            style = fmt._get_xf_index()  # type: ignore[attr-defined]
            n = b"%d" % (r + 1)
            height = _row_height(row, table.widths, own or table.body)
            if height:
                batch += (b'<row r="', n, b'" ht="%s" customHeight="1">' % _points(height).encode())
            else:
                batch += (b'<row r="', n, b'">')
            for col, value in enumerate(row):
                batch += (b'<c r="', columns[col], n)
                if value is None or value == "":
                    batch.append(b'" s="%d"/>' % style)
                elif isinstance(value, Link):
                    text = value.text or value.target
                    linked = _link(sheet, r, col, value, link)
                    batch.append(self._text(texts[col], text, linked or style, sheet.name, r, col))
                elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                    batch.append(b'" s="%d"><v>%s</v></c>' % (style, f"{value:.16G}".encode()))
                else:
                    batch.append(self._text(texts[col], str(value), style, sheet.name, r, col))
            batch.append(b"</row>")
            if len(batch) > 20_000:
                self.out.write(b"".join(batch))
                batch.clear()
        self.out.write(b"".join(batch))
        self.last = r if r >= first else -1
        return r

    @staticmethod
    def _text(known: dict[tuple[str, int], bytes], text: str, style: int, sheet: str, r: int, col: int) -> bytes:
        """A text cell after its reference, as xlsxwriter writes it inline (cut, with a warning, past the limit)."""
        found = known.get((text, style))
        if found is None:
            found = f'" s="{style}" t="inlineStr">{inline_text(fit_text(text, sheet, r, col))}</c>'.encode()
            if len(text) <= EXCEL_CELL_LIMIT // 2:  # a text cut warns each time it is written
                if len(known) >= 8192:
                    known.clear()
                known[(text, style)] = found
        return found


def _points(height: float) -> str:
    """A row's height as xlsxwriter's set_row writes it (whole pixels, in points)."""
    return f"{int(height * 4.0 / 3.0 + 0.5) * 0.75:.16g}"


def _link(sheet: Worksheet, r: int, c: int, value: Link, fmt: object) -> int:
    """The link kept by xlsxwriter, which writes it after the rows; the link format's style, 0 when a link
    cannot be made (past Excel's 65,530 links in a sheet, or its longest address): the text is written anyway."""
    url = f"external:{value.target}"
    if not _link_fits(sheet, url):
        return 0
    sheet.ignore_write_string = True
    try:
        sheet.write_url(r, c, url, fmt, string=value.text or value.target)
    finally:
        sheet.ignore_write_string = False
    return fmt._get_xf_index()  # type: ignore[attr-defined]


def _row_height(row: Sequence[object], widths: Sequence[float], props: Format) -> float:
    """The height the row needs for its longest wrapped text, 0 for one line (Excel fits such a row when it
    opens the book, LibreOffice does not when it prints it: a 催报名单 printed one line a row, its texts cut
    off)."""
    if not props.get("text_wrap"):
        return 0.0
    size = font_size(props)
    height = max((text_height(value, width, size) for value, width in zip(row, widths, strict=False)
                  if value.__class__ is str and value), default=0.0)
    return height if height > text_height("", 1.0, size) else 0.0  # more than one line


def write_cell(sheet: Worksheet, r: int, c: int, value: object, fmt: object = None) -> None:
    """A value into a plain workbook's cell: a number stays a number, a Link a link to our own file with its
    text as text (SafeWorksheet writes it), anything else is written as text."""
    if value is None or value == "":
        sheet.write_blank(r, c, None, fmt)
    elif isinstance(value, Link) and _link_fits(sheet, f"external:{value.target}"):
        sheet.write_url(r, c, f"external:{value.target}", fmt, string=value.text or value.target)
    elif isinstance(value, Link):  # the link cannot be made: its text all the same
        sheet.write_string(r, c, value.text or value.target, fmt)
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        sheet.write_number(r, c, value, fmt)
    else:
        sheet.write_string(r, c, str(value), fmt)


LINK_LIMIT = 65530  # links in a worksheet (Excel's limit: xlsxwriter drops the cell, text and all, past it)
URL_LIMIT = 2079  # characters of a link's address (likewise)


def _link_fits(sheet: Worksheet, url: str) -> bool:
    return sheet.hlink_count < LINK_LIMIT and len(url) <= URL_LIMIT
