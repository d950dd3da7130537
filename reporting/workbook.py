"""Write one unit workbook (创建工作台账) from a TemplateSpec: the ledger sent out, or a receipt sent back.

Shared by generate (one file per unit) and collect (receipts with problems marked). Layout, names and
recognition data follow workbook_spec; looks follow the template. Plain xlsxwriter, no openpyxl, so a
province's worth of files is written quickly in worker processes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from . import xlsx_writer
from .fileio import atomic_path
from .models import Task
from .safe_xlsx import font_size, text_height
from .workbook_spec import (
    CHOICE,
    FILL_BY_HEADER,
    FILL_SPEC,
    FIRST_DATA_ROW,
    GIVEN_COLUMNS,
    HEADER_ROW,
    KIND_LEDGER,
    KIND_RECEIPT,
    LIAISON_COLUMNS,
    META_KEYS,
    META_TASKS_HEADER,
    PERCENT,
    PROBLEMS_COLUMNS,
    PROP_CAMPAIGN,
    PROP_KIND,
    PROP_ROUND,
    PROP_UNIT,
    PROP_VERSION,
    PROPERTY_LIMIT,
    SHEET_GUIDE,
    SHEET_LEDGER,
    SHEET_LIAISON,
    SHEET_LISTS,
    SHEET_META,
    SHEET_PROBLEMS,
    TEMPLATE_VERSION,
    TITLE_ROW,
    fingerprint,
)
from .workbook_template import Format, FreeSheet, TemplateSpec, render
from .xlsx_writer import WholeRow

# The dropdowns' words, a column of SHEET_LISTS per choice column (so no 255-character limit applies).
CHOICE_COLUMNS = [column for column in FILL_SPEC if column.kind == CHOICE]
CHOICE_LISTS = {column.header: f"='{SHEET_LISTS}'!${xl_col_to_name(col)}$1:${xl_col_to_name(col)}${len(column.choices)}"
                for col, column in enumerate(CHOICE_COLUMNS)}
MARK_FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C"}
VERDICT_COLORS = {True: "#006100", False: "#9C0006"}
PROTECTION = {"format_cells": True, "format_rows": True, "format_columns": True, "autofilter": True}
Worksheet = Any  # a sheet of xlsx_writer (what writes the files) or of xlsxwriter (what it is checked against)
Writer = Callable[[str], Any]  # path → a book taking xlsxwriter.Workbook's calls
TEXT_LIAISON_COLUMNS = ("手机", "电子邮箱")  # Excel's limit, in points


@dataclass
class WorkbookRow:
    """One task row: the task, the unit's role in it, and fill-in values to start with."""

    task: Task
    role: str  # models.ROLE_LEAD | models.ROLE_RESPONSIBLE
    values: dict[str, object] = field(default_factory=dict)  # fill-in column header → value


@dataclass
class CellMark:
    """A problem to highlight on a receipt: a comment on the cell and a red (error) or yellow (warning) fill."""

    task_id: str
    column: str  # a FILL_COLUMNS header (any LEDGER_COLUMNS header works)
    message: str
    level: str = "error"  # "error" | "warning"


def placeholder_values(campaign: str, unit: str, round_name: str, due: date | None, contact: str) -> dict[str, str]:
    return {
        "活动": campaign,
        "单位": unit,
        "轮次": round_name,
        "截止日期": f"{due.year}年{due.month}月{due.day}日" if due else "另行通知",
        "联系人": contact or "牵头协调方",
    }


def write_unit_workbook(
    path: Path,
    template: TemplateSpec,
    *,
    campaign: str,
    unit: str,
    round_name: str,
    due: date | None,
    contact: str,
    rows: list[WorkbookRow],
    liaison: dict[str, str] | None = None,
    kind: str = KIND_LEDGER,
    marks: Sequence[CellMark] = (),
    verdict: str | None = None,
    problems: list[list[str]] | None = None,
    password: str | None = None,
    writer: Writer = xlsx_writer.Workbook,
) -> None:
    """Write the workbook for `unit` to `path` (atomically).

    kind=KIND_RECEIPT turns it into a receipt: `verdict` heads 填报说明, `marks` colour and comment the
    cells at fault, `problems` ([单元格, 填报内容, 问题, 修改方法]) fill the 问题清单 sheet.
    """
    values = placeholder_values(campaign, unit, round_name, due, contact)
    with atomic_path(path) as tmp:
        book = writer(str(tmp))
        if kind == KIND_RECEIPT and hasattr(book, "fix_styles"):
            book.fix_styles(_receipt_formats(template))
        formats = _Formats(book)
        _set_properties(book, kind=kind, unit=unit, round_name=round_name, campaign=campaign)
        guide = book.add_worksheet(SHEET_GUIDE)
        ledger = book.add_worksheet(SHEET_LEDGER)
        liaison_sheet = book.add_worksheet(SHEET_LIAISON)
        problem_sheet = book.add_worksheet(SHEET_PROBLEMS) if kind == KIND_RECEIPT else None
        lists = book.add_worksheet(SHEET_LISTS)
        meta = book.add_worksheet(SHEET_META)
        _write_guide(guide, formats, template.guide, values, verdict if kind == KIND_RECEIPT else None, password)
        _write_ledger(ledger, formats, template, values, rows, marks, password)
        _write_liaison(liaison_sheet, formats, template, unit, liaison or {}, password)
        if problem_sheet is not None:
            _write_problems(problem_sheet, formats, template, unit, problems or [], verdict)
        _write_lists(lists, password)
        _write_meta(meta, kind=kind, unit=unit, round_name=round_name, campaign=campaign, rows=rows,
                    password=password)
        (problem_sheet if problem_sheet is not None and problems else ledger).activate()
        book.close()


class _Formats:
    """xlsxwriter formats made once per workbook, keyed by their properties; in books with xlsx_writer's fixed
    styles (receipts), once per process: each such book makes the same format of the same properties."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._made: dict[tuple, object] = {}
        # id of a format's properties asked for without extras → them and their format: the template's are asked
        # for again and again (it holds each one it has met, so their ids are not taken by another's meanwhile)
        self._by_id: dict[int, tuple[Format, object, Format]] = {}
        # id of a template → it and its task rows' formats (_RowLayout.body), as long as these formats are kept
        self.bodies: dict[int, tuple[TemplateSpec, list]] = {}
        fixed = getattr(book, "fixed", None)
        if fixed is not None:
            shared = _SHARED_FORMATS.get(id(fixed))
            if shared is None or shared[0] is not fixed:
                if len(_SHARED_FORMATS) >= 16:  # (one per template in practice)
                    _SHARED_FORMATS.clear()
                shared = _SHARED_FORMATS[id(fixed)] = (fixed, self._made, self._by_id, self.bodies)
            self._made, self._by_id, self.bodies = shared[1], shared[2], shared[3]

    def get(self, props: Format, **extra: object):
        if not extra:
            found = self._by_id.get(id(props))
            if found is not None and found[0] is props and found[0] == found[2]:
                return found[1]
        merged = {**props, **extra}
        key = tuple(sorted(merged.items()))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self.book.add_format(merged)
        if not extra:
            if len(self._by_id) >= 1024:  # (a few dozen in practice)
                self._by_id.clear()
            self._by_id[id(props)] = (props, made, dict(props))
        return made


# id of fixed styles → them, their formats, theirs by id of properties, task rows' formats by template
_SHARED_FORMATS: dict[int, tuple[object, dict[tuple, object], dict[int, tuple[Format, object, Format]],
                                 dict[int, tuple[TemplateSpec, list]]]] = {}


def receipt_formats(template: TemplateSpec) -> list[Format]:
    """Every format a receipt from this template may use, in one order (xlsx_writer's fixed style numbering):
    what _write_guide, _write_ledger (marked cells too), _write_liaison and _write_problems ask _Formats for."""
    found: list[Format] = [_verdict_format(color) for color in VERDICT_COLORS.values()]
    found += [cell.format for cell in template.guide.cells]
    found.append(template.title_format)
    for column in template.columns:
        found.append(column.header_format)
        body = _body_format(column.body_format, column.header)
        found += [body, *({**body, "bg_color": color} for color in MARK_FILLS.values())]
    for column in template.liaison:
        found += [column.header_format, {**column.body_format, **_liaison_extra(column.header)}]
    found += [template.columns[-1].header_format, _problem_body(template)]
    return found


_RECEIPT_FORMATS: dict[int, tuple[TemplateSpec, list[Format]]] = {}


def _receipt_formats(template: TemplateSpec) -> list[Format]:
    """receipt_formats, one list per template and process (a book with fixed styles keeps it by its identity)."""
    found = _RECEIPT_FORMATS.get(id(template))
    if found is None or found[0] is not template:
        found = _RECEIPT_FORMATS[id(template)] = (template, receipt_formats(template))
    return found[1]


def _verdict_format(color: str) -> Format:
    return {"bold": True, "font_size": 14, "font_color": color, "text_wrap": True, "valign": "top"}


def _body_format(props: Format, header: str) -> Format:
    """A task row's cell format in a ledger column."""
    return {**props, "locked": header in GIVEN_COLUMNS, "text_wrap": True}


def _liaison_extra(header: str) -> dict[str, object]:
    locked = header == LIAISON_COLUMNS[0]
    extra: dict[str, object] = {"locked": locked}
    if locked:
        extra["bg_color"] = "#F2F2F2"
    if header in TEXT_LIAISON_COLUMNS:
        extra["num_format"] = "@"  # typed digits stay text: 13900000000, not 1.39E+10
    return extra


def _problem_body(template: TemplateSpec) -> Format:
    return {**template.columns[-1].body_format, "text_wrap": True, "valign": "top"}


def _set_properties(book: Any, *, kind: str, unit: str, round_name: str, campaign: str) -> None:
    book.set_properties({"title": f"{unit} {round_name} {kind}", "subject": campaign, "author": "reporting",
                         "comments": "请勿删除隐藏的工作表，工具据此识别本文件。"})
    for name, value in ((PROP_KIND, kind), (PROP_UNIT, unit), (PROP_ROUND, round_name),
                        (PROP_CAMPAIGN, campaign), (PROP_VERSION, TEMPLATE_VERSION)):
        book.set_custom_property(name, str(value)[:PROPERTY_LIMIT], "text")


# ---------------------------------------------------------------- 填报说明


def _write_guide(sheet: Worksheet, formats: _Formats, guide: FreeSheet, values: dict[str, str],
                 verdict: str | None, password: str | None) -> None:
    offset = 0
    for col, width in guide.widths.items():
        sheet.set_column(col, col, width)
    if verdict:
        accepted = verdict.startswith("已接收")
        color = VERDICT_COLORS[accepted]
        sheet.write_string(0, 0, verdict, formats.get(_verdict_format(color)))
        sheet.set_row(0, text_height(verdict, guide.widths.get(0, 100), 14))
        offset = 2
    merged_first, merged_rest = _guide_merges(guide)
    heights: dict[int, float] = {}
    for cell in guide.cells:
        text = render(cell.text, values) if "{" in cell.text else cell.text
        fmt = formats.get(cell.format)
        span = merged_first.get((cell.row, cell.col))
        if span is not None and span != (cell.row, cell.col):
            sheet.merge_range(cell.row + offset, cell.col, span[0] + offset, span[1], text, fmt)
        elif (cell.row, cell.col) in merged_rest:
            continue
        elif text:
            sheet.write_string(cell.row + offset, cell.col, text, fmt)
        else:
            sheet.write_blank(cell.row + offset, cell.col, None, fmt)
        if text and cell.format.get("text_wrap"):
            width = guide.widths.get(cell.col, 8.43)
            height = text_height(text, width, font_size(cell.format))
            heights[cell.row] = max(heights.get(cell.row, 0), height)
    for row in {*heights, *guide.heights}:
        # A template's height may make a row taller, never too short for its text (LibreOffice stores every
        # row's height, custom or not).
        sheet.set_row(row + offset, max(guide.heights.get(row, 0), heights.get(row, 0)))
    _print_setup(sheet, values["单位"], pages_tall=1 if verdict else 0)  # a receipt's verdict line: still one page
    sheet.protect(password or "", PROTECTION)


_MERGES: dict[int, tuple[FreeSheet, list, dict, set]] = {}  # id of a guide → it, its merges, _guide_merges'


def _guide_merges(guide: FreeSheet) -> tuple[dict[tuple[int, int], tuple[int, int]], set[tuple[int, int]]]:
    """The guide's merged ranges by their first cell, and every cell in one; once per process and guide (while its
    merges stay the same)."""
    found = _MERGES.get(id(guide))
    if found is None or found[0] is not guide or found[1] != guide.merges:
        if len(_MERGES) >= 16:  # (one per template in practice)
            _MERGES.clear()
        first = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in guide.merges}
        rest = {(r, c) for r0, c0, r1, c1 in guide.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        found = _MERGES[id(guide)] = (guide, list(guide.merges), first, rest)
    return found[2], found[3]


# ---------------------------------------------------------------- 工作台账


def _write_ledger(sheet: Worksheet, formats: _Formats, template: TemplateSpec, values: dict[str, str],
                  rows: list[WorkbookRow], marks: Sequence[CellMark], password: str | None) -> None:
    last_col = len(template.columns) - 1
    title_row, header_row, first = TITLE_ROW - 1, HEADER_ROW - 1, FIRST_DATA_ROW - 1
    sheet.merge_range(title_row, 0, title_row, last_col, render(template.title, values),
                      formats.get(template.title_format))
    sheet.set_row(title_row, template.title_height or 32)
    sheet.set_row(header_row, template.header_height or 30)
    for col, column in enumerate(template.columns):
        sheet.set_column(col, col, column.width)
        sheet.write_string(header_row, col, column.header, formats.get(column.header_format))
        fill = FILL_BY_HEADER.get(column.header)
        if fill is not None:
            sheet.data_validation(header_row, col, header_row, col, {
                "validate": "any", "input_title": f"填写“{column.header}”"[:32], "input_message": fill.hint})
    layout = _RowLayout(sheet, formats, template, _marks_by_cell(marks))
    if getattr(sheet, "put_row", None) is None:
        for index, row in enumerate(rows):
            _write_task_row(sheet, layout, first + index, index + 1, row)
    else:  # xlsx_writer's: a row without marks as a process wrote it before in the same place, when it did
        _write_kept_rows(sheet, layout, first, rows)
    if rows:
        _add_validations(sheet, first, first + len(rows) - 1, template.fill_columns)
    sheet.freeze_panes(first, 0)
    sheet.autofilter(header_row, 0, header_row + max(len(rows), 1), last_col)
    sheet.set_selection(first, len(GIVEN_COLUMNS), first, len(GIVEN_COLUMNS))
    _print_setup(sheet, values["单位"], header_row)
    sheet.protect(password or "", PROTECTION)


def given_values(number: int, row: WorkbookRow) -> list[object]:
    task = row.task
    level2 = task.path[1] if len(task.path) > 1 else ""
    return [number, task.id, task.area, level2, task.text, row.role, task.deadline or "", "；".join(task.targets)]


class _RowLayout:
    """Per-column formats, widths and font sizes of task rows, worked out once per workbook."""

    def __init__(self, sheet: Worksheet, formats: _Formats, template: TemplateSpec,
                 cell_marks: dict[tuple[str, str], tuple[str, str]]) -> None:
        self.formats = formats
        self.columns = template.columns
        self.headers = [c.header for c in template.columns]
        self.fill = template.fill_columns
        self.given = len(GIVEN_COLUMNS)
        bodies = formats.bodies.get(id(template))  # the same formats for every book sharing them (fixed styles)
        if bodies is None or bodies[0] is not template:
            if len(formats.bodies) >= 16:  # (one per template in practice)
                formats.bodies.clear()
            bodies = formats.bodies[id(template)] = (template, [self._format(c.body_format, c.header)
                                                                for c in template.columns])
        self.body = bodies[1]
        self.fit = _fit(template)
        # per fill column, the height each text needs (as text_height), kept per process for what is alike
        fill_fits = self.fit[len(self.columns) - len(self.fill):]
        self.fill_heights = [_HEIGHTS.setdefault(fit, {}) for fit in fill_fits]
        self.fill_fits = fill_fits
        self.cell_marks = cell_marks
        self.marked_tasks = {task_id for task_id, _column in cell_marks}
        self.write_values = getattr(sheet, "write_values", None)  # xlsx_writer's: the whole row in one call

    def _format(self, props: Format, header: str, **extra: object):
        return self.formats.get(_body_format(props, header), **extra)

    def marked(self, col: int, level: str):
        column = self.columns[col]
        return self._format(column.body_format, column.header, bg_color=MARK_FILLS.get(level, MARK_FILLS["error"]))


_FITS: dict[int, tuple[TemplateSpec, tuple[tuple[float, float], ...]]] = {}
_HEIGHTS: dict[tuple[float, float], dict[object, float]] = {}  # (width, font size) → value → its height
_HEIGHTS_MAX = 4096
# id(task), role → (task, fit, the given values but the number, the height they need): a task's own columns
# are the same in every unit's workbook of a round, so a process writing many works them out once.
_GIVEN: dict[tuple[int, str], tuple[Task, tuple, list[object], float]] = {}
_GIVEN_MAX = 20000


def _fit(template: TemplateSpec) -> tuple[tuple[float, float], ...]:
    """(width, font size) of each ledger column of the template, one tuple per template and process."""
    found = _FITS.get(id(template))
    if found is None or found[0] is not template:
        found = _FITS[id(template)] = (template, tuple((c.width, font_size(c.body_format)) for c in template.columns))
    return found[1]


def _given(row: WorkbookRow, fit: tuple[tuple[float, float], ...]) -> tuple[list[object], float]:
    found = _GIVEN.get((id(row.task), row.role))
    if found is None or found[0] is not row.task or found[1] is not fit:
        values = given_values(0, row)[1:]
        height = max((text_height(value, *fit[col]) for col, value in enumerate(values, start=1)
                      if value and isinstance(value, str)), default=0.0)
        if len(_GIVEN) >= _GIVEN_MAX:
            _GIVEN.clear()
        found = _GIVEN[(id(row.task), row.role)] = (row.task, fit, values, height)
    return found[2], found[3]


# a task row's cells that are alike in every unit's book where the task has the same place: its number, its own
_TASK_CELLS = (0, len(GIVEN_COLUMNS))


def _write_task_row(sheet: Worksheet, layout: _RowLayout, r: int, number: int, row: WorkbookRow) -> None:
    given, height = _given(row, layout.fit)
    fill = list(map(row.values.get, layout.fill))
    cells = [number, *given, *fill]
    comments: Sequence[tuple[int, str]]
    if row.task.id in layout.marked_tasks:
        formats, comments = _marked(layout, row.task.id)
    else:
        formats, comments = layout.body, ()
    if layout.write_values is not None:  # xlsx_writer's: the whole row in one call
        layout.write_values(r, cells, formats, _TASK_CELLS)
    else:
        for col, value in enumerate(cells):
            _write_value(sheet, r, col, value, formats[col])
    for col, message in comments:
        sheet.write_comment(r, col, message, {"x_scale": 2, "y_scale": 1.5, "author": "reporting"})
    try:
        needed = max(map(dict.__getitem__, layout.fill_heights, fill))
    except (KeyError, TypeError):  # a value not known yet, or no key: those worked out
        needed = _fill_heights(layout, fill)
    height = max(height, needed)
    if height:
        sheet.set_row(r, height)


# (row, id(task), role, id of the row's first format, id(fit), fill values, their types) → (task, that format, fit,
# the row as xlsx_writer's whole_row gives it): a task row without marks in a book with fixed styles, kept per
# process; a row holds the same bytes wherever its task, role, number and values are the same (its number is its
# place: FIRST_DATA_ROW + number - 1).
_ROWS: dict[tuple, tuple] = {}
# Rows kept per process and kind: once full, no more are kept (nor is it emptied). Rows alike in many receipts
# show up in the first ones a worker writes; where each unit words its answers its own way hardly a row repeats,
# and keeping rows only to drop them again cost more than writing them (a receipt of 150 such rows: 7% more).
_ROWS_MAX = 4096
_PLAIN = frozenset({str, int, float, type(None)})  # of one type, values equal only when written alike (but ±0.0)
_PLAIN_TYPES: dict[tuple[type, ...], bool] = {}  # the fill values' types → all plain


def _write_kept_rows(sheet: Worksheet, layout: _RowLayout, first: int, rows: list[WorkbookRow]) -> None:
    """Every task row from row `first`, in a book of xlsx_writer's with fixed styles: a row without marks kept from
    an earlier book of the process where it was the same (_ROWS) is put with the others in one call (put_rows),
    the lookups made here, not a call per row; any other row written (_write_task_row), and kept when it has no
    marks (_keep_row)."""
    marked, fill_headers, kept = layout.marked_tasks, layout.fill, _ROWS
    body, fit = layout.body[0], layout.fit
    body_id, fit_id = id(body), id(fit)
    found: dict[int, WholeRow] = {}
    for index, row in enumerate(rows):
        task, r = row.task, first + index
        if task.id in marked:
            _write_task_row(sheet, layout, r, index + 1, row)
            continue
        fill = tuple(map(row.values.get, fill_headers))
        types = tuple(map(type, fill))
        key = (r, id(task), row.role, body_id, fit_id, fill, types)
        try:
            whole = kept.get(key)
        except TypeError:  # a value that is no key: written, not kept
            _write_task_row(sheet, layout, r, index + 1, row)
            continue
        if whole is not None and whole[0] is task and whole[1] is body and whole[2] is fit:
            found[r] = whole[3]
            continue
        _write_task_row(sheet, layout, r, index + 1, row)
        _keep_row(sheet, r, key, (task, body, fit), fill, types)
    if found:
        sheet.put_rows(found)


def _keep_row(sheet: Worksheet, r: int, key: tuple, kept_with: tuple, fill: tuple, types: tuple[type, ...]) -> None:
    """A task row without marks just written, kept under `key` with (task, its first format, fit) (_ROWS) when its
    values are written alike wherever they are equal, while there is room."""
    plain = _PLAIN_TYPES.get(types)
    if plain is None:
        plain = _PLAIN_TYPES[types] = _PLAIN.issuperset(types)
    if not plain or (float in types and 0.0 in fill):  # -0.0 == 0.0, written apart
        return
    if len(_ROWS) < _ROWS_MAX:  # (full, none more: see _ROWS_MAX)
        whole = sheet.whole_row(r)
        if whole is not None:  # (None: a text cut to fit, told each time)
            _ROWS[key] = (*kept_with, whole)


def _marked(layout: _RowLayout, task_id: str) -> tuple[list, list[tuple[int, str]]]:
    """A marked task row's formats (its marked cells coloured) and its cells' comments."""
    formats = list(layout.body)
    comments = []
    for col, header in enumerate(layout.headers):
        mark = layout.cell_marks.get((task_id, header))
        if mark is not None:
            formats[col] = layout.marked(col, mark[0])
            comments.append((col, mark[1]))
    return formats, comments


def _fill_heights(layout: _RowLayout, fill: list) -> float:
    """The height the fill values of a row need: each one's as kept per process, or worked out (_fill_height)."""
    needed = 0.0
    for index, (known, value) in enumerate(zip(layout.fill_heights, fill, strict=True)):
        try:
            found = known[value]
        except (KeyError, TypeError):  # not known yet, or no key
            found = _fill_height(layout, index, value)
        if found > needed:
            needed = found
    return needed


def _fill_height(layout: _RowLayout, index: int, value: object) -> float:
    """The height the value of the index-th fill column needs (kept per process): 0 for anything but text."""
    found = text_height(value, *layout.fill_fits[index]) if value and isinstance(value, str) else 0.0
    known = layout.fill_heights[index]
    if len(known) >= _HEIGHTS_MAX:
        known.clear()
    try:  # (not contextlib.suppress: a context manager costs more than the rest of this for each new text)
        known[value] = found
    except TypeError:  # a value that is no key is not kept
        return found
    return found


def _write_value(sheet: Worksheet, r: int, c: int, value: object, fmt) -> None:
    """Text stays text (a value starting with '=' is never a formula); numbers stay numbers."""
    if value is None or value == "":
        sheet.write_blank(r, c, None, fmt)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            sheet.write_string(r, c, str(value), fmt)
        else:
            sheet.write_number(r, c, value, fmt)
    else:
        sheet.write_string(r, c, str(value), fmt)


def _marks_by_cell(marks: Iterable[CellMark]) -> dict[tuple[str, str], tuple[str, str]]:
    """(task id, column) → (level, message); several marks on one cell are joined, the worst level wins."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for mark in marks:
        key = (mark.task_id, mark.column)
        if key in found:
            level, message = found[key]
            level = "error" if "error" in (level, mark.level) else level
            found[key] = (level, f"{message}\n{mark.message}")
        else:
            found[key] = (mark.level, mark.message)
    return found


def _add_validations(sheet: Worksheet, first: int, last: int, fill_columns: list[str]) -> None:
    """Dropdowns on the choice columns, a 0–100 check on the percent ones (by the column's kind)."""
    for index, header in enumerate(fill_columns, start=len(GIVEN_COLUMNS)):
        column = FILL_BY_HEADER[header]
        if column.kind == CHOICE:
            sheet.data_validation(first, index, last, index, {
                "validate": "list", "source": CHOICE_LISTS[header],
                "input_title": header, "input_message": column.hint,
                "error_title": header, "error_message": f"请从下拉列表选择：{'、'.join(column.choices)}。"})
        elif column.kind == PERCENT:
            sheet.data_validation(first, index, last, index, {
                "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "input_title": header, "input_message": "填写0到100之间的数字，如 80。",
                "error_title": header, "error_message": f"{header}应为0到100之间的数字，不要写“%”。"})


def _print_setup(sheet: Worksheet, unit: str, header_row: int | None = None, pages_tall: int = 0) -> None:
    """A4 landscape, one page wide (and `pages_tall` pages tall, 0 for as many as it takes), header rows on
    every page, unit and page number in the footer."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    if header_row is not None:
        sheet.repeat_rows(0, header_row)
    sheet.fit_to_pages(1, pages_tall)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
    sheet.set_footer(f"&L{unit.replace('&', '&&')[:100]}&R第 &P 页 共 &N 页")


@lru_cache(maxsize=65536)
def _fingerprint(text: str) -> str:
    return fingerprint(text)


# ---------------------------------------------------------------- 联络员信息, 问题清单, lists, 识别信息


def _write_liaison(sheet: Worksheet, formats: _Formats, template: TemplateSpec, unit: str,
                   liaison: dict[str, str], password: str | None) -> None:
    sheet.set_row(0, template.header_height or 30)
    for col, column in enumerate(template.liaison):
        sheet.set_column(col, col, column.width)
        sheet.write_string(0, col, column.header, formats.get(column.header_format))
        value = unit if column.header == LIAISON_COLUMNS[0] else liaison.get(column.header, "")
        _write_value(sheet, 1, col, value or None, formats.get(column.body_format, **_liaison_extra(column.header)))
    sheet.set_row(1, 24)
    sheet.set_selection(1, 1, 1, 1)
    _print_setup(sheet, unit, 0)
    sheet.protect(password or "", PROTECTION)


def _write_problems(sheet: Worksheet, formats: _Formats, template: TemplateSpec, unit: str,
                    problems: list[list[str]], verdict: str | None) -> None:
    header = formats.get(template.columns[-1].header_format)
    body = formats.get(_problem_body(template))
    widths = _PROBLEM_WIDTHS
    for col, (name, width) in enumerate(zip(PROBLEMS_COLUMNS, widths, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, name, header)
    write_values = getattr(sheet, "write_values", None)  # xlsx_writer's: the whole row in one call
    put = getattr(sheet, "put_row", None)  # xlsx_writer's: a row as a process wrote it before (_PROBLEM_ROWS)
    bodies = [body] * len(PROBLEMS_COLUMNS)
    kept = _PROBLEM_ROWS
    found_rows: dict[int, WholeRow] = {}  # rows kept from an earlier book, put in one call (put_rows)
    for r, problem in enumerate(problems, start=1):
        texts = problem
        if len(problem) != len(PROBLEMS_COLUMNS) or not _STR.issuperset(map(type, problem)):
            texts = ["" if value is None else str(value)
                     for value in (list(problem) + [""] * len(PROBLEMS_COLUMNS))[: len(PROBLEMS_COLUMNS)]]
        if put is not None:
            key = (r, id(body), *texts)
            found = kept.get(key)
            if found is not None and found[0] is body:
                found_rows[r] = found[1]
                continue
        if write_values is not None:  # all but the cell: what many receipts say alike
            write_values(r, texts, bodies, _PROBLEM_SAME)
        else:
            for col, text in enumerate(texts):
                _write_value(sheet, r, col, text, body)
        height = _problem_height(*texts)
        if height:
            sheet.set_row(r, height)
        if put is not None and len(kept) < _ROWS_MAX:  # (full, none more: see _ROWS_MAX)
            whole = sheet.whole_row(r)
            if whole is not None:  # (None: a text cut to fit, told each time)
                kept[key] = (body, whole)
    if found_rows:
        sheet.put_rows(found_rows)
    if not problems:
        sheet.write_string(1, 0, verdict or "没有发现问题。", body)
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, unit, 0)


_FIRST, _THIRD = operator.itemgetter(0), operator.itemgetter(2)
_PROBLEM_WIDTHS = (10, 30, 40, 40)
_STR = frozenset({str})  # a 问题清单 row of texts only (not of a subclass of str) is written as it is
# (row, id of its format, its texts) → (that format, the row as xlsx_writer's whole_row gives it): a 问题清单 row in a
# book with fixed styles, kept per process (many receipts list the same problem in the same place)
_PROBLEM_ROWS: dict[tuple, tuple] = {}
_PROBLEM_SAME = (1, len(PROBLEMS_COLUMNS))  # 填报内容, 问题, 修改方法: alike in many receipts; 单元格 is this receipt's


@lru_cache(maxsize=4096)
def _problem_height(cell: str, *texts: str) -> float:
    """The height a 问题清单 row needs (0 for none): its cell's, or 填报内容, 问题 and 修改方法's."""
    return max(_problem_texts_height(texts), text_height(cell, _PROBLEM_WIDTHS[0], 10) if cell else 0.0)


@lru_cache(maxsize=4096)
def _problem_texts_height(texts: tuple[str, ...]) -> float:
    """The height 填报内容, 问题 and 修改方法 of a 问题清单 row need (0 for none)."""
    return max((text_height(text, _PROBLEM_WIDTHS[col], 10) for col, text in enumerate(texts, start=1) if text),
               default=0.0)


def _write_lists(sheet: Worksheet, password: str | None) -> None:
    for col, column in enumerate(CHOICE_COLUMNS):
        for row, choice in enumerate(column.choices):
            sheet.write_string(row, col, choice)
    sheet.hide()
    sheet.protect(password or "")


def _write_meta(sheet: Worksheet, *, kind: str, unit: str, round_name: str, campaign: str,
                rows: list[WorkbookRow], password: str | None) -> None:
    """Key/value rows for META_KEYS, then META_TASKS_HEADER and one row per task; all text."""
    by_property = {PROP_UNIT: unit, PROP_ROUND: round_name, PROP_CAMPAIGN: campaign,
                   PROP_VERSION: TEMPLATE_VERSION, PROP_KIND: kind}
    r = 0
    for key, prop in META_KEYS.items():
        sheet.write_string(r, 0, key)
        sheet.write_string(r, 1, by_property[prop])
        r += 1
    for col, name in enumerate(META_TASKS_HEADER):
        sheet.write_string(r, col, name)
    tasks = [(row.task.id, _fingerprint(row.task.text), row.role) for row in rows]
    write_rows = getattr(sheet, "write_rows", None)  # xlsx_writer's: the rows in one call (no empty text in them)
    if write_rows is not None and all(map(_FIRST, tasks)) and all(map(_THIRD, tasks)):
        write_rows(r + 1, tasks, [None] * len(META_TASKS_HEADER))
    else:
        for number, task in enumerate(tasks, start=r + 1):
            for col, text in enumerate(task):
                sheet.write_string(number, col, text)
    sheet.set_column(0, 2, 14)
    sheet.very_hidden()
    sheet.protect(password or "")
