"""Breakdown tables that are no longer tables: a 任务分解表 copied out of a web page or a PDF as text.

Four forms are turned back into rows of cells, so that plan_table reads them like a .docx table:
- pipe tables (`| 1 | 编制… | 县司法局 | 2022年6月 |`);
- laid out with spaces (pdftotext -layout): cells apart by runs of spaces, wrapped onto lines below;
- flattened: the header words on a line (`序号 工作内容 责任部门 完成时限`), then rows started by serial
  numbers, on the same line or on the lines below, hard-wrapped or not, with section headings mixed in;
- one cell per line (or cells between blank lines): the header words one to a line, then `1` / `…` / …;
- one cell per line with `|` between the cells (a web table copied by a tool that writes `序号 |` / `1 |`,
  or `|` on a line of its own between cells): a cell may run over several lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from .plan_formats.base import HEADER_SYNONYMS
from .plan_outline import clean_line, parse_numbering
from .plan_sources import SourceLine, header_columns, header_word
from .plan_terms import is_status, parse_deadline
from .plan_units import blank_mark, looks_like_unit, split_unit_names

_UNIT_FIELDS = ("lead", "responsible", "cooperating")
_HEADER_HINT_RE = re.compile("序号|编号|任务|内容|事项|措施|单位|部门|时限|时间")
_SERIAL_RE = re.compile(r"^([0-9０-９]{1,3})[.．、]?$")
_PIPE_RULE_RE = re.compile(r"^[\s|:：\-—=+]+$")
_SKIP_ROW_RE = re.compile(r"^(?:抄送|抄报|印发|联系人|联系电话)")
_CJK_EDGE_RE = re.compile(r"[\u3400-\u9fff，。、；：（）“”《》]")
TEXT_TABLE_IDS = 10_000  # SourceLine.table of a table found in text starts here (docx tables count from 0)
_PIPE_TABLE = 2 * TEXT_TABLE_IDS
_SYNONYMS = frozenset(name for names in HEADER_SYNONYMS.values() for name in names)
_TEXT_TABLE = TEXT_TABLE_IDS


@dataclass
class TextTable:
    """Which kind of text table was found and where: for the summary of guesses."""

    kind: str  # "pipe", "layout", "flat" or "cells"
    line: int
    rows: int


def text_tables(lines: list[SourceLine]) -> tuple[list[SourceLine], list[TextTable]]:
    """The lines with every text table replaced by rows of cells (SourceLine.cells), and what was found."""
    out: list[SourceLine] = []
    found: list[TextTable] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.cells is None:
            for reader in (_pipe_table, _pipe_cell_table, _layout_table, _flat_table, _cell_table):
                result = reader(lines, index, len(found))
                if result is not None:
                    rows, end, kind = result
                    out.extend(rows)
                    found.append(TextTable(kind, line.line, sum(1 for r in rows if _is_task_row(r)) - 1))
                    index = end
                    break
            else:
                out.append(line)
                index += 1
        else:
            out.append(line)
            index += 1
    return out, found


def _is_task_row(row: SourceLine) -> bool:
    return row.cells is not None and len(set(row.cells)) > 1


def _word(token: str) -> str:
    return re.sub(r"[(（][^)）]*[)）]", "", token).strip(" :：")


# --- pipe tables ------------------------------------------------------------------------------------------


def _pipe_cells(text: str) -> list[str] | None:
    text = text.strip()
    if not text.startswith("|") or text.count("|") < 3:
        return None
    return [cell.strip() for cell in text.strip("|").split("|")]


def _pipe_table(lines: list[SourceLine], start: int, number: int) -> tuple[list[SourceLine], int, str] | None:
    first = _pipe_cells(lines[start].text)
    if first is None or not header_columns(first):
        return None
    rows: list[SourceLine] = []
    index = start
    while index < len(lines):
        cells = _pipe_cells(lines[index].text)
        if cells is None:
            if lines[index].text.strip():
                break
            index += 1
            continue
        joined = "".join(cells)
        if joined and not _PIPE_RULE_RE.match("|".join(cells)) and not _SKIP_ROW_RE.match(joined):
            rows.append(SourceLine(lines[index].line, " ".join(c for c in cells if c), tuple(cells),
                                   _PIPE_TABLE + number))
        index += 1
    return rows, index, "pipe"


def _pipe_cell_line(text: str) -> bool:
    """`|`, `序号 |` or `| 1`: one cell of a table written one cell to a line, with `|` between cells."""
    text = text.strip()
    return 0 < text.count("|") < 3 and (text.startswith("|") or text.endswith("|"))


def _pipe_cell_table(lines: list[SourceLine], start: int, number: int) -> tuple[list[SourceLine], int, str] | None:
    """Cells one to a line with `|` between them: the header cells up to the first `1`, then rows of cells."""
    if not _pipe_cell_line(lines[start].text):
        return None
    block: list[SourceLine] = []
    index = start
    while index < len(lines) and lines[index].cells is None and lines[index].text.count("|") < 3:
        text = lines[index].text.strip()
        if "|" not in text and text and not _pipe_ahead(lines, index + 1):
            break
        block.append(lines[index])
        index += 1
    while block and "|" not in block[-1].text:
        block.pop()
        index -= 1
    cells: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    for line in block:
        pieces = line.text.split("|")
        for position, piece in enumerate(pieces):
            if piece.strip():
                pending.append((line.line, piece.strip()))
            if position < len(pieces) - 1 and pending:  # a `|` closes the cell
                cells.append((pending[0][0], _joined([p for _, p in pending])))
                pending = []
    if pending:
        cells.append((pending[0][0], _joined([p for _, p in pending])))
    texts = [text for _, text in cells]
    first = next((i for i, text in enumerate(texts) if _SERIAL_RE.match(text) and _digits(text) == "1"), None)
    if first is None or first < 3 or not header_columns(texts[:first]):
        return None
    header = [_word(text) for text in texts[:first]]
    rows = _split_rows(texts[first:], header, serial=lambda t: bool(_SERIAL_RE.match(t)), cells_given=True)
    if not any(len(set(row)) > 1 for row in rows):
        return None
    table = _TEXT_TABLE + number
    out = [SourceLine(cells[0][0], " ".join(header), tuple(header), table)]
    out += [SourceLine(lines[start].line, " ".join(row), tuple(row), table) for row in rows]
    return out, index, "cells"


def _pipe_ahead(lines: list[SourceLine], index: int) -> bool:
    """A cell that runs over lines: a line with a `|` comes within the next three lines."""
    return any(_pipe_cell_line(line.text) for line in lines[index:index + 3])


def _joined(parts: list[str]) -> str:
    """The lines of one cell as one text: no space between Chinese characters, one between other words."""
    text = parts[0]
    for part in parts[1:]:
        gap = "" if _CJK_EDGE_RE.match(text[-1]) or _CJK_EDGE_RE.match(part[0]) else " "
        text += gap + part
    return text


# --- tables laid out with spaces (pdftotext -layout): columns where the cells start ---------------------------

_SEGMENT_RE = re.compile(r"\S+(?: \S+)*")  # a cell's text: single spaces inside, two or more between cells


def _segments(text: str) -> list[tuple[int, str]]:
    """The cells of a laid-out line, each with the screen column it starts at (a Chinese character is two)."""
    found = []
    width = 0
    last = 0
    for m in _SEGMENT_RE.finditer(text):
        width += _screen_width(text[last:m.start()])
        found.append((width, m.group()))
        width += _screen_width(m.group())
        last = m.end()
    return found


def _screen_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _layout_table(lines: list[SourceLine], start: int, number: int) -> tuple[list[SourceLine], int, str] | None:
    """Header cells apart by runs of spaces, then rows whose cells start under the columns; a line without a
    serial number goes on the row above, each piece in the column it stands under."""
    header = [cell for _, cell in _segments(lines[start].text)]
    if len(header) < 3 or " " in "".join(header) or not header_columns(header):
        return None
    body: list[tuple[int, list[tuple[int, str]]]] = []
    index = start + 1
    while index < len(lines) and lines[index].cells is None and _laid_out(lines, index):
        if lines[index].text.strip():
            body.append((lines[index].line, _segments(lines[index].text)))
        index += 1
    rows = [parts for _, parts in body if _SERIAL_RE.match(parts[0][1])]
    full = [parts for parts in rows if len(parts) == len(header)]
    if not full:
        return None
    starts = [sorted(parts[i][0] for parts in full)[len(full) // 2] for i in range(len(header))]
    fields = _fields(header)
    table = _TEXT_TABLE + number
    out = [SourceLine(lines[start].line, " ".join(header), tuple(header), table)]
    for line, parts in body:
        if len(parts) == 1 and _section_token(parts[0][1]):
            out.append(SourceLine(line, parts[0][1], (clean_line(parts[0][1]),) * len(header), table))
            continue
        if _SERIAL_RE.match(parts[0][1]) or len(set(out[-1].cells or ())) == 1:
            out.append(SourceLine(line, "", ("",) * len(header), table))
        cells = list(out[-1].cells or ())
        for at, text in parts:
            column = min(range(len(starts)), key=lambda i: abs(starts[i] - at))
            cells[column] = _go_on(cells[column], text, fields[column] in _UNIT_FIELDS)
        out[-1] = SourceLine(out[-1].line, " ".join(c for c in cells if c), tuple(cells), table)
    return out, index, "layout"


def _go_on(cell: str, text: str, units: bool) -> str:
    """A cell's text wrapped onto the next line; a unit cell's next name on a line of its own gets a 、."""
    if units and cell and looks_like_unit(cell.split("、")[-1]) and looks_like_unit(text):
        return f"{cell}、{text}"
    return cell + text


def _laid_out(lines: list[SourceLine], index: int) -> bool:
    """Still the laid-out table: a line with a gap of spaces or an indented one; blank lines before more."""
    while index < len(lines) and not lines[index].text.strip():
        index += 1
    if index == len(lines):
        return False
    text = lines[index].text
    return "  " in text.strip() or text.startswith("    ") or _section_token(text.strip())


# --- flattened and one-cell-per-line tables ----------------------------------------------------------------


def _spaced_words(tokens: list[str]) -> list[str]:
    """`工 作 内 容` (a header word spread out with spaces, as in PDFs and web pages) as one token `工作内容`."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        end = index
        while end < len(tokens) and len(tokens[end]) == 1 and _CJK_EDGE_RE.match(tokens[end]):
            end += 1
        stops = range(min(end, index + 6), index + 1, -1)  # a header word of two to six characters
        word = next((stop for stop in stops if "".join(tokens[index:stop]) in _SYNONYMS), None)
        word = word or next((stop for stop in stops if header_word("".join(tokens[index:stop]))), None)
        if word is not None:
            out.append("".join(tokens[index:word]))
            index = word
        else:
            out.append(tokens[index])
            index += 1
    return out


def _header_start(tokens: list[str]) -> int:
    """Where a run of at least three header words starts among `tokens` (len(tokens) when none does)."""
    for index in range(len(tokens)):
        run = _header_run(tokens[index:])
        if run >= 3 and header_columns([_word(t) for t in tokens[index:index + run]]):
            return index
    return len(tokens)


def _header_run(tokens: list[str]) -> int:
    run = 0
    while run < len(tokens) and len(_word(tokens[run])) <= 8 and header_word(tokens[run]) is not None:
        run += 1
    return run


def _flat_table(lines: list[SourceLine], start: int, number: int) -> tuple[list[SourceLine], int, str] | None:
    if not _HEADER_HINT_RE.search(lines[start].text):
        return None
    tokens = _spaced_words(lines[start].text.split())
    at = _header_start(tokens)
    if at == len(tokens):
        return None
    run = _header_run(tokens[at:])
    header = [_word(t) for t in tokens[at:at + run]]
    body = " ".join(tokens[at + run:])
    index = start + 1
    while index < len(lines) and lines[index].cells is None:
        text = lines[index].text.strip()
        if not text:
            ahead = next((i for i in range(index, len(lines)) if lines[i].text.strip()), len(lines))
            if ahead < len(lines) and _goes_on(lines[ahead].text):
                index = ahead
                continue
            break
        if len(body.split()) == 0 or _starts_row(text) or not (_CJK_EDGE_RE.match(text[:1]) and body[-1:].strip()):
            body += " " + text
        else:
            body += text  # a hard-wrapped row goes on
        index += 1
    cells = _split_rows(body.split(), header, serial=lambda t: bool(_SERIAL_RE.match(t)))
    if not any(len(set(row)) > 1 for row in cells):
        return None  # header words and no row: prose that names the columns
    table = _TEXT_TABLE + number
    before = [SourceLine(lines[start].line, " ".join(tokens[:at]))] if at else []
    rows = [*before, SourceLine(lines[start].line, " ".join(header), tuple(header), table)]
    rows += [SourceLine(lines[start].line, " ".join(row), tuple(row), table) for row in cells]
    return rows, index, "flat"


def _goes_on(text: str) -> bool:
    """After a blank line the table goes on only with a row (`3 …`) or a heading with rows (`二、… 4 …`)."""
    tokens = text.split()
    if not tokens:
        return False
    if _SERIAL_RE.match(tokens[0]):
        return True
    return _section_token(tokens[0]) and any(_SERIAL_RE.match(t) for t in tokens[1:4])


def _starts_row(text: str) -> bool:
    first = text.split()[0] if text.split() else ""
    return bool(_SERIAL_RE.match(first)) or _section_token(first)


def _section_token(token: str) -> bool:
    numbering = parse_numbering(token)
    return numbering is not None and numbering.style in ("L1", "PCN") and bool(numbering.rest)


def _cell_table(lines: list[SourceLine], start: int, number: int) -> tuple[list[SourceLine], int, str] | None:
    """Header words one to a line (blank lines between allowed), then the cells one to a line."""
    first = lines[start].text.strip()
    if len(_word(first)) > 8 or header_word(first) is None:
        return None
    header: list[str] = []
    index = start
    while index < len(lines) and lines[index].cells is None:
        text = lines[index].text.strip()
        if text:
            if header_word(text) is None or " " in text or len(_word(text)) > 8:
                break
            header.append(_word(text))
        index += 1
    if len(header) < 3 or not header_columns(header):
        return None
    cells: list[str] = []
    lines_of: list[int] = []
    while index < len(lines) and lines[index].cells is None:
        text = lines[index].text.strip()
        if text:
            cells.append(text)
            lines_of.append(lines[index].line)
        index += 1
    rows = _split_rows(cells, header, serial=lambda t: bool(_SERIAL_RE.match(t)), cells_given=True)
    if not any(len(set(row)) > 1 for row in rows):
        return None
    table = _TEXT_TABLE + number
    out = [SourceLine(lines[start].line, " ".join(header), tuple(header), table)]
    out += [SourceLine(lines[start].line, " ".join(row), tuple(row), table) for row in rows]
    return out, index, "cells"


def _split_rows(
    tokens: list[str], header: list[str], *, serial: Callable[[str], bool], cells_given: bool = False
) -> list[list[str]]:
    """Rows of cells, in header order: a row starts at the next serial number; 一、… rows span the table."""
    groups: list[list[str]] = []
    expected = 1
    last_heading = False
    for token in tokens:
        if serial(token) and int(_digits(token)) in (expected, 1 if last_heading else expected):
            groups.append([_digits(token)])
            expected = int(_digits(token)) + 1
            last_heading = False
        elif _section_token(token) and (not groups or len(groups[-1]) > 1):
            groups.append(["§" + token])
            last_heading = True
        elif groups and not groups[-1][0].startswith("§"):
            groups[-1].append(token)
        elif groups:
            groups[-1][0] += token  # a heading written with spaces in it
    fields = _fields(header)
    rows: list[list[str]] = []
    for group in groups:
        if group[0].startswith("§"):
            rows.append([clean_line(group[0][1:])] * len(header))
        elif len(group) > 1:
            rows.append(_row_cells(group, fields, cells_given))
    return rows


def _digits(token: str) -> str:
    m = _SERIAL_RE.match(token)
    return str(int(m[1].translate(str.maketrans("０１２３４５６７８９", "0123456789")))) if m else token


def _fields(header: list[str]) -> list[str]:
    columns = header_columns(header) or {}
    by_index = {index: field for field, index in columns.items()}
    return [by_index.get(index, "") for index in range(len(header))]


def _is_units(token: str) -> bool:
    names = split_unit_names(token.replace(" ", "、"))
    return bool(names) and all(looks_like_unit(name) for name in names)


def _is_deadline(token: str) -> bool:
    return bool(parse_deadline(token, year=2000)) or is_status(token) or _milestones(token)


def _milestones(token: str) -> bool:
    return bool(re.match(r"^\d{1,2}月", token)) and bool(re.search(r"[,，;；]\s*\d{1,2}月", token))


def _row_cells(group: list[str], fields: list[str], cells_given: bool) -> list[str]:
    """The tokens of one row (its serial number first) put into the header's columns, from the right."""
    number, rest = group[0], group[1:]
    cells = [""] * len(fields)
    if "id" in fields:
        cells[fields.index("id")] = number
    text_at = fields.index("text")
    if cells_given and len(rest) == len(fields) - 1:
        for field_index, token in zip([i for i, f in enumerate(fields) if f != "id"], rest, strict=True):
            cells[field_index] = token
        return cells
    after = [i for i in range(text_at + 1, len(fields))]
    unit_columns = [i for i in after if fields[i] in _UNIT_FIELDS]
    for column in reversed(after):
        if len(rest) <= 1:
            break
        field = fields[column]
        if (field == "deadline" or field in _UNIT_FIELDS) and blank_mark(rest[-1]):
            rest.pop()  # an empty cell written `/` or `—`
        elif field == "deadline" and _is_deadline(rest[-1]):
            cells[column] = rest.pop()
        elif field in _UNIT_FIELDS:
            taken: list[str] = []
            greedy = column == unit_columns[0] or len(unit_columns) == 1
            while len(rest) > 1 and _is_units(rest[-1]) and (greedy or not taken):
                taken.insert(0, rest.pop())
            cells[column] = "、".join(taken)
        elif field in ("note", "score", "level1", "level2", "level3", ""):
            continue
    cells[text_at] = clean_line(" ".join(rest))
    return cells
