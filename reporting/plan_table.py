"""Breakdown tables (任务分解表) in a .docx or .xlsx plan: a task per row, units and deadline in columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .plan_outline import clean_line, parse_numbering
from .plan_sources import HEADER_SCAN_ROWS, SourceLine, header_columns
from .plan_text_table import TEXT_TABLE_IDS, TextTable, text_tables
from .plan_units import (
    LABEL_RE,
    blank_mark,
    first_listed_leads,
    looks_like_unit,
    marked_roles,
    parse_clause_body,
    split_unit_names,
    unit_line,
    without_first_leads,
)

_SKIP_ROW_RE = re.compile(r"^(?:抄送|抄报|印发|联系人|联系电话|附件)")


@dataclass
class TableRow:
    """One task row, its cells already picked by column."""

    line: int
    number: str
    text: str
    lead: list[str]
    responsible: list[str]
    deadline: str
    score: float | None
    path: list[str] = field(default_factory=list)
    group: int = 0  # which heading row (一、… spanning the table) it stands under, 0 before any
    notes: list[str] = field(default_factory=list)  # how the row was read, where that was a guess
    continues: bool = False  # the rest of the row above, cut by a page break (no number, units, deadline)


def split_tables(lines: list[SourceLine]) -> tuple[list[SourceLine], list[list[TableRow]], list[TextTable]]:
    """Text lines for the outline, the task rows of every breakdown table, and the tables found in text."""
    lines, found = text_tables(lines)
    text: list[SourceLine] = []
    tables: list[list[TableRow]] = []
    last: tuple[dict[str, int], int] | None = None  # the columns and width of the last table with a header
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.cells is None:
            text.append(line)
            index += 1
            continue
        end = index
        while end < len(lines) and lines[end].cells is not None and lines[end].table == line.table:
            end += 1
        block = lines[index:end]
        index = end
        scanned = enumerate(block[:HEADER_SCAN_ROWS])
        header = next((i for i, row in scanned if header_columns(row.cells or ())), None)
        if header is None and last is not None and tables and _goes_on_table(block, tables[-1], *last):
            _add_rows(tables, _rows(block, last[0]), line)  # the next page's part of a table, no header
            continue
        before = block if header is None else block[:header]
        text.extend(SourceLine(row.line, _row_text(row.cells or ())) for row in before)
        if header is not None:
            columns = header_columns(block[header].cells or ()) or {}
            if header + 1 < len(block) and (merged := _two_row_header(block[header].cells, block[header + 1].cells)):
                columns, header = merged, header + 1
            last = columns, len(block[header].cells or ())
            _add_rows(tables, _rows(block[header + 1:], columns), line)
    return text, tables, found


def _goes_on_table(block: list[SourceLine], above: list[TableRow], columns: dict[str, int], width: int) -> bool:
    """A table without a header, as wide as the last one, whose numbers go on from its last row's."""
    if not above or not above[-1].number.isdigit() or "id" not in columns:
        return False
    if any(len(row.cells or ()) != width for row in block):
        return False
    numbers = [_number((row.cells or ())[columns["id"]]) for row in block]
    first = next((number for number in numbers if number), "")
    return first.isdigit() and int(first) == int(above[-1].number) + 1


def _add_rows(tables: list[list[TableRow]], rows: list[TableRow], first: SourceLine) -> None:
    earlier = max((row.group for table in tables for row in table), default=0)
    for row in rows:
        row.group += earlier if row.group else 0  # heading rows count on across tables
    if rows and rows[0].continues and tables and tables[-1]:
        _join(tables[-1][-1], rows.pop(0))  # a table cut at a page: the rest of the row above
    if first.table is not None and first.table >= TEXT_TABLE_IDS:
        for row in rows:
            row.notes.insert(0, f"取自第{first.line}行起复制成文字的任务分解表，请核对各列是否对齐")
    tables.append(rows)


def _two_row_header(top: tuple[str, ...] | None, sub: tuple[str, ...] | None) -> dict[str, int] | None:
    """`责任单位` spanning `牵头单位 | 配合单位` in the row below: the header is both rows together."""
    if not top or not sub or len(sub) != len(top):
        return None
    names = [below if below.strip() and below != above else above for above, below in zip(top, sub, strict=True)]
    merged, single = header_columns(names), header_columns(top) or {}
    if merged and len(merged) > len(single) and not header_columns(sub):
        return merged
    return None


def _row_text(cells: tuple[str, ...]) -> str:
    """A row that is not part of a breakdown table, as one line (merged cells once)."""
    kept = [cell for index, cell in enumerate(cells) if cell and (index == 0 or cell != cells[index - 1])]
    return "　".join(kept)


def _rows(block: list[SourceLine], columns: dict[str, int]) -> list[TableRow]:
    rows: list[TableRow] = []
    heading: list[str] = []
    group = 0
    levels = [columns[key] for key in ("level1", "level2", "level3") if key in columns]
    above = [""] * len(levels)
    for source in block:
        cells = list(source.cells or ())
        filled = [c for c in cells if c.strip()]
        if not filled or header_columns(cells) or (len(set(filled)) == 1 and _SKIP_ROW_RE.match(filled[0])):
            continue
        text = _cell(cells, columns.get("text"))
        spanning = len(cells) > 1 and len(filled) == len(cells) and len(set(filled)) == 1
        if spanning or (len(filled) == 1 and not text):
            heading, group = [clean_line(filled[0])], group + 1  # a row across the table: 一、…
            continue
        if not text:
            continue
        above = [_cell(cells, c) or above[i] for i, c in enumerate(levels)]
        units = "\n".join(c for c in (_cell(cells, columns.get(f)) for f in ("responsible", "cooperating")) if c)
        lead, responsible, note = _unit_columns(_cell(cells, columns.get("lead")), units)
        row = TableRow(
            line=source.line,
            number=_number(_cell(cells, columns.get("id"))),
            text=clean_line(text.replace("\n", "")),
            lead=lead,
            responsible=responsible,
            deadline=_deadline_cell(_cell(cells, columns.get("deadline"))),
            score=_score(_cell(cells, columns.get("score"))),
            path=[clean_line(v) for v in above if v] or list(heading),
            group=group,
            notes=[note] if note else [],
        )
        row.continues = "id" in columns and _goes_on(row)
        if row.continues and rows:
            _join(rows[-1], row)
        else:
            rows.append(row)
    return rows


def _goes_on(row: TableRow) -> bool:
    """A row with text only (no number, unit, deadline) in a numbered table: the rest of the row above."""
    empty = not (row.number or row.lead or row.responsible or row.deadline)
    return empty and parse_numbering(row.text) is None


def _join(row: TableRow, rest: TableRow) -> None:
    row.text += rest.text


_ROLE_WORDS_RE = re.compile(r"牵头|负责|配合|协助|参与")


def _unit_columns(lead_cell: str, resp_cell: str) -> tuple[list[str], list[str], str]:
    """Units of a row; a cell may say itself who leads (`牵头：市委依法治市办` / `配合：市司法局`, or
    `A、B（排名第一的为牵头单位）`: then the note of first_listed_leads)."""
    lead: list[str] = []
    responsible: list[str] = []
    said = ""
    for cell, role in ((lead_cell, "lead"), (resp_cell, "resp")):
        text, said_here = without_first_leads(cell)
        said = said or said_here
        labelled = LABEL_RE.search(text) or re.search(r"(?:牵头|配合|协助)\s*[:：]", text)
        clause = parse_clause_body(re.sub(r"(牵头|配合|协助)\s*[:：]", r"\1单位：", text).replace("\n", "；")) \
            if labelled else None
        if clause is None and _ROLE_WORDS_RE.search(text):
            clause = unit_line(text.replace("\n", "、"))  # "县司法局牵头，各乡镇配合", "A、B按职责分工负责"
            if clause is not None and role == "resp" and not clause.responsible:
                clause.lead, clause.responsible = [], clause.lead  # "A负责" in a 责任单位 column: the column decides
        if clause is not None and clause.has_units:
            lead += clause.lead
            responsible += clause.responsible
        else:
            (lead if role == "lead" else responsible).extend(_unit_cell(text))
    return first_listed_leads(*marked_roles(lead, responsible), said)


def _unit_cell(text: str) -> list[str]:
    """Unit names in a cell, separated by 、 , line breaks, or spaces (`各乡镇人民政府 县直各部门`)."""
    pieces = [split_unit_names(piece) for piece in text.split()]
    spaced = [name for names in pieces for name in names]
    if len(pieces) > 1 and spaced and all(looks_like_unit(name) for name in spaced):
        return list(dict.fromkeys(spaced))
    return split_unit_names(text)


def _deadline_cell(text: str) -> str:
    return "" if blank_mark(text) else clean_line(text)


def _cell(cells: list[str], column: int | None) -> str:
    if column is None or column >= len(cells):
        return ""
    return cells[column].strip()


def _number(text: str) -> str:
    """`1` `1.` `1、` `（1）` `一、` → "1"; other numbers as written."""
    text = clean_line(text).rstrip(".、．")
    numbering = parse_numbering(text + ("." if text.isdigit() else ""))
    if numbering is not None and not numbering.rest:
        return str(numbering.number)
    return text


def _score(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
