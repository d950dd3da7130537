"""A Book read as a unit's 工作台账: recognition data, header, rows by 任务编号, and 联络员信息.

Nothing here decides whether a value is right (that is validate.py); this module only finds things where
people may have moved them: rows inserted above the header, columns moved, the sheet renamed, the
识别信息 sheet gone, cells merged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from itertools import repeat
from operator import itemgetter

from ..errors import ReturnError
from ..hanzi import to_simplified
from ..models import ROLE_LEAD, ROLE_RESPONSIBLE
from ..vocabulary import ERROR, WARNING, Rule, rule_table
from ..workbook_spec import (
    FILL_COLUMNS,
    LEDGER_COLUMNS,
    LEVEL2_COLUMN,
    LIAISON_COLUMNS,
    META_KEYS,
    META_TASKS_HEADER,
    OPTIONAL_COLUMNS,
    SHEET_GUIDE,
    SHEET_LEDGER,
    SHEET_LIAISON,
    SHEET_LISTS,
    SHEET_META,
    SHEET_PROBLEMS,
)
from .base import Book, Sheet, cell_name, column_letter

ID_COLUMN, TEXT_COLUMN = "任务编号", "工作任务"
HEADER_SCAN_ROWS = 30
_NOT_LEDGER = {SHEET_GUIDE, SHEET_LIAISON, SHEET_LISTS, SHEET_META, SHEET_PROBLEMS}
_TEMPLATE_SHEETS = frozenset({*_NOT_LEDGER, SHEET_LEDGER})
_HEADER_ALIASES = {"编号": "任务编号", "完成情况": "工作举措及成效", "工作举措": "工作举措及成效", "进度": "完成进度",
                   "状态": "完成状态", "职责": "本单位职责", "佐证材料清单": "佐证材料", "提供方式": "材料提供方式",
                   "完成状况": "完成状态", "佐证材料名称": "佐证材料", "佐证材料目录": "佐证材料",
                   "存在的问题": "存在问题", "下一步工作计划": "下一步计划", "下步计划": "下一步计划",
                   "下一步打算": "下一步计划", "下一步工作打算": "下一步计划"}
_PARENTHESIS = re.compile(r"\(.*?\)")
_SPACE = re.compile(r"\s+")
_CACHED_KEY_LENGTH = 200
_ABSENT = 1 << 20  # the column of an optional fill-in column the workbook lacks: past every row's end, read as ""


# What can be wrong with a workbook's structure. Fields: {name} (a sheet's), {column}, {col} (1-based), {row}, {where}.
STRUCTURE_NOTES = rule_table(
    Rule("sheet.no_header", ERROR, "找不到台账表头（应有「任务编号」「完成状态」等列），请使用下发的台账填写"),
    Rule("sheet.renamed", WARNING, f"未找到工作表「{SHEET_LEDGER}」，已从「{{name}}」读取"),
    Rule("sheet.copy_filled", WARNING, f"工作表「{SHEET_LEDGER}」未填写，已从填写了的副本「{{name}}」读取",
         f"请在「{SHEET_LEDGER}」中填写，不要复制工作表"),
    Rule("sheet.copy_unread", WARNING, f"工作簿中另有填写了的台账副本「{{name}}」，未读取，只读取了「{SHEET_LEDGER}」",
         f"请把内容合并到「{SHEET_LEDGER}」中后重新报送，不要复制工作表"),
    Rule("header.by_position", WARNING, "表头「{column}」缺失，已按模板位置读取第{col}列"),
    Rule("header.missing", ERROR, "第{row}行找不到「{column}」列，请恢复下发台账的表头"),
    Rule("header.none", WARNING, "找不到表头行，已按下发台账的列顺序读取；请勿删除表头"),
    Rule("row.no_task_id", WARNING, "第{row}行没有任务编号，该行未读取"),
    Rule("cells.merged", WARNING, "{where} 为合并单元格，已将其内容用于所在的每一行；请尽量不要合并单元格"),
)


@dataclass
class Note:
    """Something about the file's structure, worth telling the unit (level: warning or error)."""

    level: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    code: str = ""  # STRUCTURE_NOTES
    fix: str = ""


def _note(code: str, sheet: str | None = None, cell: str | None = None, **fields: object) -> Note:
    rule = STRUCTURE_NOTES[code]
    message, fix = rule.text(**fields)
    return Note(rule.level, message, sheet, cell, code, fix)


@dataclass(slots=True)
class LedgerRow:
    """A row of 工作台账 read by its 任务编号; also its fill columns' addresses (`get`), the way a
    Mapping of fill column → "J7" is asked, made only when asked (most rows never are)."""

    row: int  # 0-based row in the sheet
    task_id: str
    task_text: str
    raw: list[object]  # the fill columns' values as read, in FILL_COLUMNS order (a formula's cached value)
    letters: dict[str, str]  # fill column → its column letter in the sheet (one dict for every row)
    formula: frozenset[str] | set[str] = frozenset()  # columns whose value came from a formula
    issues: dict[str, str] | None = None  # column → NO_CACHE or the error value

    def get(self, column: str, default: str = "") -> str:
        """The address of the row's cell in the fill column ("J7"), `default` when the sheet lacks it."""
        letter = self.letters.get(column)
        return f"{letter}{self.row + 1}" if letter else default

    @property
    def values(self) -> dict[str, object]:
        """Fill column → value as read."""
        return dict(zip(FILL_COLUMNS, self.raw, strict=True))

    @property
    def empty(self) -> bool:
        if self.issues:
            return False
        for value in self.raw:  # not _blank(value), inline: asked of every row, most end at their first cell
            if value is not None and (not isinstance(value, str) or (value and not value.isspace())):
                return False
        return True


@dataclass
class ReturnData:
    """What a returned workbook says about itself, and its rows."""

    book: Book
    properties: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    columns: dict[str, int] = field(default_factory=dict)
    title: str = ""
    rows: list[LedgerRow] = field(default_factory=list)
    liaison: dict[str, str] = field(default_factory=dict)
    liaison_cells: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    _meta: tuple[dict[str, str], dict[str, tuple[str, str]]] | None = field(default=None, repr=False)

    @property
    def task_ids(self) -> list[str]:
        return [r.task_id for r in self.rows]

    @property
    def meta(self) -> dict[str, str]:
        """META_KEYS label → value, from the 识别信息 sheet."""
        return self._meta_sheet()[0]

    @property
    def meta_tasks(self) -> dict[str, tuple[str, str]]:
        """Task id → (fingerprint, role), from the 识别信息 sheet."""
        return self._meta_sheet()[1]

    def _meta_sheet(self) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
        # read when first asked: most returns say who and when in their document properties already
        if self._meta is None:
            self._meta = _read_meta(self.book)
        return self._meta


def read_return(book: Book, known_ids: set[str] | None = None) -> ReturnData:
    data = ReturnData(book=book, properties=book.properties())
    _find_ledger(book, data, known_ids or set())
    if data.sheet is not None:
        _read_rows(book, data)
        if data.sheet == SHEET_LEDGER and not book.states.keys() <= _TEMPLATE_SHEETS:  # another sheet: a copy?
            _filled_copies(book, data)
    _read_liaison(book, data)
    return data


def _filled_copies(book: Book, data: ReturnData) -> None:
    """Copies of 工作台账 ("工作台账 (2)") with answers: read instead when 工作台账 itself was left empty, else
    noted as not read."""
    empty = all(row.empty for row in data.rows)
    for name in book.sheet_names:
        if name in _NOT_LEDGER or name == SHEET_LEDGER or book.states[name] != "visible":
            continue
        try:
            sheet = book.sheet(name)
        except ReturnError:  # a sheet of something else, damaged or too large: 工作台账 is what was sent
            continue
        header = _header_row(sheet)
        if header is None:
            continue
        copy = ReturnData(book=book, properties=data.properties)
        _use_sheet(copy, sheet, header)
        _read_rows(book, copy)
        if not copy.rows or all(row.empty for row in copy.rows):
            continue
        if not empty:
            data.notes.append(_note("sheet.copy_unread", name, name=name))
            continue
        data.sheet, data.columns, data.title, data.rows = copy.sheet, copy.columns, copy.title, copy.rows
        data.notes = [note for note in copy.notes if note.code != "sheet.renamed"]  # the notes are the copy's
        data.notes.append(_note("sheet.copy_filled", name, name=name))
        empty = False  # a second filled copy is noted as not read


def text_of(value: object) -> str:
    """A cell value as text: 80.0 → "80", dates as ISO, "" for empty."""
    if type(value) is str:  # most cells: no conversion to make
        return value
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def task_id_of(value: object) -> str:
    if type(value) is str and value.isascii():  # most ids: NFKC leaves ASCII as it is
        return value.strip()
    return unicodedata.normalize("NFKC", text_of(value)).strip()


def header_key(value: object) -> str:
    if type(value) is str and len(value) <= _CACHED_KEY_LENGTH:
        return _cached_key(value)
    return _header_key(text_of(value))


@lru_cache(maxsize=4096)
def _cached_key(text: str) -> str:
    """header_key of a short text: the same labels and task texts recur in every return."""
    return _header_key(text)


def _header_key(text: str) -> str:
    text = to_simplified(_SPACE.sub("", unicodedata.normalize("NFKC", text)).strip("*＊:：%"))  # "完成进度%" too
    text = _PARENTHESIS.sub("", text)
    return _HEADER_ALIASES.get(text, text)


_KEYS = {header_key(name): name for name in LEDGER_COLUMNS}
OLDER_LAYOUT = [name for name in LEDGER_COLUMNS if name != LEVEL2_COLUMN]  # the template before 二级 was added
ROLE_COLUMN = "本单位职责"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


def _read_meta(book: Book) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    meta: dict[str, str] = {}
    tasks: dict[str, tuple[str, str]] = {}
    if SHEET_META not in book.states:
        return meta, tasks
    in_tasks = False
    for row in book.sheet(SHEET_META).rows:
        cells = [v.strip() if type(v) is str else text_of(v).strip() for v in row[:3]]
        cells += [""] * (3 - len(cells))
        if in_tasks:
            if cells[0]:
                tasks[task_id_of(cells[0])] = (cells[1], cells[2])
        elif cells == META_TASKS_HEADER:
            in_tasks = True
        elif cells[0] in META_KEYS:
            meta[cells[0]] = cells[1]
    return meta, tasks


def _find_ledger(book: Book, data: ReturnData, known_ids: set[str]) -> None:
    names = [SHEET_LEDGER] if SHEET_LEDGER in book.states else []
    others = [n for n in book.sheet_names if n not in _NOT_LEDGER and n != SHEET_LEDGER]
    names += sorted(others, key=lambda n: book.states[n] != "visible")
    for name in names:
        sheet = book.sheet(name)
        header = _header_row(sheet)
        if header is not None:
            _use_sheet(data, sheet, header)
            return
    for name in names:
        if _template_layout(book.sheet(name), data, known_ids):
            return
    data.notes.append(_note("sheet.no_header", SHEET_LEDGER if SHEET_LEDGER in book.states else None))


def _header_row(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    best: tuple[int, dict[str, int]] | None = None
    for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for c, value in enumerate(row):
            name = _KEYS.get(header_key(value)) if isinstance(value, str) else None
            if name and name not in found:
                found[name] = c
        if len(found) >= 3 and (ID_COLUMN in found or len(found) >= 5) and (
                best is None or len(found) > len(best[1])):
            best = (r, found)
            if len(found) == len(LEDGER_COLUMNS):  # every column: no row below can be a better header
                break
    return best


def _use_sheet(data: ReturnData, sheet: Sheet, header: tuple[int, dict[str, int]]) -> None:
    row, found = header
    data.sheet = sheet.name
    data.columns = dict(found)
    data.title = " ".join(text_of(v) for r in sheet.rows[:row] for v in r if not _blank(v))
    header_row = row
    if sheet.name != SHEET_LEDGER:
        data.notes.append(_note("sheet.renamed", sheet.name, name=sheet.name))
    layout = LEDGER_COLUMNS if LEVEL2_COLUMN in found else OLDER_LAYOUT
    offsets = {c - layout.index(n) for n, c in found.items()}
    for name in [ID_COLUMN, *FILL_COLUMNS]:
        if name in found or name in OPTIONAL_COLUMNS:  # an optional column is absent from older templates
            continue
        if len(offsets) == 1:
            col = layout.index(name) + offsets.pop()
            offsets.add(col - layout.index(name))
            data.columns[name] = col
            data.notes.append(_note("header.by_position", sheet.name, cell_name(header_row, col), column=name,
                                    col=col + 1))
        else:
            data.notes.append(_note("header.missing", sheet.name, row=header_row + 1, column=name))
    data.columns["_header"] = header_row


def _template_layout(sheet: Sheet, data: ReturnData, known_ids: set[str]) -> bool:
    """No header anywhere: if column B holds known task ids, read the columns in the template's order."""
    id_col = LEDGER_COLUMNS.index(ID_COLUMN)
    hits = [r for r, row in enumerate(sheet.rows) if len(row) > id_col and task_id_of(row[id_col]) in known_ids]
    if not known_ids or not hits:
        return False
    data.sheet = sheet.name
    role_col = OLDER_LAYOUT.index(ROLE_COLUMN)  # on the older template (no 二级) the role comes a column earlier
    older = all(len(sheet.rows[r]) > role_col and text_of(sheet.rows[r][role_col]) in (ROLE_LEAD, ROLE_RESPONSIBLE)
                for r in hits)
    data.columns = {name: i for i, name in enumerate(OLDER_LAYOUT if older else LEDGER_COLUMNS)}
    data.columns["_header"] = hits[0] - 1
    data.title = " ".join(text_of(v) for r in sheet.rows[:hits[0]] for v in r if not _blank(v))
    data.notes.append(_note("header.none", sheet.name))
    return True


def _read_rows(book: Book, data: ReturnData) -> None:
    assert data.sheet is not None  # called once a ledger sheet was found
    sheet = book.sheet(data.sheet)
    header = data.columns.pop("_header")
    if any(n.level == ERROR for n in data.notes):
        return
    id_col, text_col = data.columns[ID_COLUMN], data.columns.get(TEXT_COLUMN)
    fill = {name: data.columns[name] for name in FILL_COLUMNS if name in data.columns}
    columns = [data.columns.get(name, _ABSENT) for name in FILL_COLUMNS]
    letters = {name: column_letter(c) for name, c in fill.items()}
    issues = book.formula_issues(sheet.name)
    formulas = book.formula_cells(sheet.name)
    merged = _merged_sources(sheet, set(fill.values()), header)
    rows = sheet.rows
    pick, reach = itemgetter(*columns), max(columns) + 1  # a row reaching every fill column: its values at once
    first = len(data.rows)
    if merged or text_col is None or not _read_usual_rows(data, rows, header + 1, id_col, text_col, pick, reach,
                                                          letters):  # else told a column at a time
        _read_each_row(data, sheet, rows, header, id_col, text_col, pick, reach, columns, merged, letters)
    if formulas or issues:  # of each row read
        for row in data.rows[first:]:
            r = row.row
            if formulas:
                row.formula = {name for name, c in fill.items() if (r, c) in formulas}
            if issues:
                row.issues = {name: issues[(r, c)] for name, c in fill.items() if (r, c) in issues}
    for r0, c0, r1, c1 in sheet.merged:
        if r1 > r0 and r1 > header and any(c0 <= c <= c1 for c in fill.values()):
            data.notes.append(_note("cells.merged", sheet.name, where=f"{cell_name(r0, c0)}:{cell_name(r1, c1)}"))


def _read_usual_rows(data: ReturnData, rows: list[list[object]], start: int, id_col: int, text_col: int,
                     pick: itemgetter, reach: int, letters: dict[str, str]) -> bool:
    """_read_each_row of a sheet whose rows below the header all reach every column read, each with a task id
    of plain ASCII (NFKC leaves it as it is) and a task text that is text, without merged cells: the same
    LedgerRows, made a column at a time; False (nothing read) for any other sheet."""
    body = rows[start:]
    if not body or min(map(len, body)) < max(reach, id_col + 1, text_col + 1):
        return False
    ids, texts = list(map(itemgetter(id_col), body)), list(map(itemgetter(text_col), body))
    try:
        if not "".join(ids).isascii():
            return False
        "".join(texts)  # each a str
    except TypeError:  # a cell that is not text
        return False
    ids = list(map(str.strip, ids))
    if not all(ids):  # a row without a task id: told row by row (row.no_task_id)
        return False
    data.rows += map(LedgerRow, range(start, len(rows)), ids, texts, map(list, map(pick, body)), repeat(letters))
    return True


def _read_each_row(data: ReturnData, sheet: Sheet, rows: list[list[object]], header: int, id_col: int,
                   text_col: int | None, pick: itemgetter, reach: int, columns: list[int],
                   merged: dict[tuple[int, int], object], letters: dict[str, str]) -> None:
    """The rows below the header as LedgerRows, one at a time; a row without a task id is skipped (and noted
    when it holds anything)."""
    width = id_col + 1
    for r in range(header + 1, len(rows)):
        cells = rows[r]
        values = list(pick(cells)) if not merged and len(cells) >= reach else _row_values(cells, columns, merged, r)
        raw_id = cells[id_col] if len(cells) >= width else ""
        task_id = raw_id.strip() if type(raw_id) is str and raw_id.isascii() else task_id_of(raw_id)
        if not task_id:
            if not all(_blank(v) for v in values):
                data.notes.append(_note("row.no_task_id", sheet.name, cell_name(r, id_col), row=r + 1))
            continue
        text = "" if text_col is None else cells[text_col] if text_col < len(cells) else ""
        data.rows.append(LedgerRow(r, task_id, text if type(text) is str else text_of(text), values, letters))


def _row_values(cells: list[object], columns: list[int], merged: dict[tuple[int, int], object],
                r: int) -> list[object]:
    """The fill columns' values of one row ("" past its end), merged ranges spread."""
    width = len(cells)
    values = [cells[c] if c < width else "" for c in columns]
    if merged:
        for index, c in enumerate(columns):
            if (r, c) in merged:
                values[index] = merged[(r, c)]
    return values


def _merged_sources(sheet: Sheet, columns: set[int], header: int) -> dict[tuple[int, int], object]:
    """A merged range's value for every cell it covers (calamine gives it only to the top-left one)."""
    spread: dict[tuple[int, int], object] = {}
    for r0, c0, r1, c1 in sheet.merged:
        if r1 <= header:
            continue
        value = sheet.value(r0, c0)
        for r in range(max(r0, header + 1), r1 + 1):
            for c in range(c0, c1 + 1):
                if c in columns:
                    spread[(r, c)] = value
    return spread


def _read_liaison(book: Book, data: ReturnData) -> None:
    if SHEET_LIAISON not in book.states:
        return
    sheet = book.sheet(SHEET_LIAISON)
    wanted = {header_key(n): n for n in LIAISON_COLUMNS}
    for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        found = {wanted[header_key(v)]: c for c, v in enumerate(row) if isinstance(v, str) and header_key(v) in wanted}
        if len(found) >= 3:  # a header row: the values are in the next row
            for name, c in found.items():
                _liaison_value(data, sheet, name, r + 1, c)
            return
    for r, row in enumerate(sheet.rows):  # key/value rows: the value is right of its label
        for c, value in enumerate(row[:4]):
            if isinstance(value, str) and header_key(value) in wanted:
                _liaison_value(data, sheet, wanted[header_key(value)], r, c + 1)
                break


def _liaison_value(data: ReturnData, sheet: Sheet, name: str, r: int, c: int) -> None:
    value = text_of(sheet.value(r, c)).strip()
    if value:
        data.liaison[name] = value
        data.liaison_cells[name] = cell_name(r, c)
