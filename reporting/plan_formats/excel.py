"""Plans as .xlsx: every sheet with a breakdown table's header (in order), merged cells filled in."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from ..errors import PlanError
from .base import HEADER_SCAN_ROWS, MAX_LINES, SourceLine, header_columns, too_large
from .word import zip_holds


def detect(path: Path, head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and zip_holds(path, "xl/workbook.xml")


def read(path: Path) -> list[SourceLine]:
    return _xlsx_lines(path)


def _xlsx_lines(path: Path) -> list[SourceLine]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        message = f"无法读取 .xlsx 文件（{type(exc).__name__}），请用 Excel/WPS 打开后重新保存"
        raise PlanError(message, file=path) from exc
    try:
        sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
        chosen = [ws for ws in sheets if _has_header(ws)]
        if not chosen:
            raise PlanError(_NO_HEADER, file=path)
        lines: list[SourceLine] = []
        for index, ws in enumerate(chosen):
            # several sheets of tasks (one per area): each its own table, under its sheet's name
            lines += _sheet_lines(path, workbook, ws, index, ws.title if len(chosen) > 1 else None)
        if not any(line.text.strip() for line in lines):
            raise PlanError("文件为空（工作表中没有内容）", file=path)
        return lines
    finally:
        workbook.close()


_NO_HEADER = (
    f"未找到任何任务：各工作表前 {HEADER_SCAN_ROWS} 行中没有任务分解表的表头"
    "（需有“工作任务/任务内容”列，以及“牵头单位”“责任单位”或“完成时限”列）"
)


def _has_header(ws) -> bool:
    for row in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True):
        if header_columns([_cell_text(v) for v in row]):
            return True
    return False


def _sheet_lines(path: Path, workbook, ws, table: int, name: str | None) -> list[SourceLine]:
    merged = _merged_ranges(workbook, ws)
    rows: list[list[str]] = []
    filled = blank_run = 0
    for row in ws.iter_rows(values_only=True):
        cells = [_cell_text(v) for v in row]
        rows.append(cells)
        blank_run = 0 if any(cells) else blank_run + 1
        filled += blank_run == 0
        if blank_run > 1000:
            break  # formatting applied to whole columns: a million empty rows
        if filled > MAX_LINES:
            raise too_large(path, filled)
    del rows[len(rows) - blank_run:]
    _fill_merged(rows, merged)
    lines = [
        SourceLine(number, " ".join(c for c in cells if c), tuple(cells), table)
        for number, cells in enumerate(rows, 1)
    ]
    header = next((i for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]) if header_columns(cells)), None)
    if name and header is not None:
        width = len(rows[header])
        lines.insert(header + 1, SourceLine(header + 1, name, (name,) * width, table))  # a row across: 一、…
    return lines


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_MERGE_RE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_ranges(workbook, ws) -> list[tuple[int, int, int, int]]:
    """Merged ranges (row1, col1, row2, col2), 1-based; read-only sheets do not expose them."""
    from openpyxl.utils import column_index_from_string

    sheet_path = getattr(ws, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if not sheet_path or archive is None:
        return []
    data = archive.read(sheet_path)
    return [
        (int(r1), column_index_from_string(c1.decode()), int(r2), column_index_from_string(c2.decode()))
        for c1, r1, c2, r2 in _MERGE_RE.findall(data)
    ]


def _fill_merged(rows: list[list[str]], merged: list[tuple[int, int, int, int]]) -> None:
    """Every cell of a merged range gets the range's value, as a reader of the sheet sees it."""
    for row1, col1, row2, col2 in merged:
        if row1 > len(rows):
            continue
        top = rows[row1 - 1]
        value = top[col1 - 1] if col1 - 1 < len(top) else ""
        for r in range(row1, min(row2, len(rows)) + 1):
            cells = rows[r - 1]
            for c in range(col1, col2 + 1):
                while len(cells) < c:
                    cells.append("")
                cells[c - 1] = value
