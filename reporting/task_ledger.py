"""任务分解表.xlsx: the coordinator's master ledger, written from a plan and read back after editing."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from .errors import LedgerError
from .fileio import atomic_path
from .models import LONG_TERM, Task
from .plain_xlsx import Table, write_tables

SHEET = "任务分解表"
COLUMNS = [
    "任务编号", "一级", "二级", "三级", "工作任务", "牵头单位", "责任单位", "完成时限", "量化指标", "分值", "备注",
    "指标编号", "指标编号(建议)",
]
WIDTHS = [9, 18, 18, 14, 60, 22, 28, 12, 22, 6, 28, 12, 14]
INDICATOR_COLUMN = "指标编号"  # only what the coordinator puts here counts
SUGGESTED_COLUMN = "指标编号(建议)"  # written by `reporting indicators match`
ID_SEPARATOR = "、"
_DIGEST_COLUMNS = 11  # the columns before 指标编号: ledgers written before it keep their digest
REQUIRED = ["任务编号", "工作任务"]
WARNING_PREFIX = "待核实："
DIGEST_PROPERTY = "reporting_ledger_digest"
NAME_SEPARATORS = re.compile(r"[、，,;；\n]+")


def write_ledger(tasks: list[Task], path: Path, *, title: str = "") -> None:
    """Write the ledger, readable at a glance: widths, wrapping, frozen header, filter, A4 landscape."""
    rows = [_task_row(task) for task in tasks]
    write_tables(path, [Table(SHEET, COLUMNS, WIDTHS, rows, column_format=True, footer="&C第 &P 页 共 &N 页",
                              margins={"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6})],
                 properties={"title": title or "任务分解表", "comments": "由 reporting plan import 生成"},
                 custom={DIGEST_PROPERTY: rows_digest(rows)})


def _task_row(task: Task) -> list:
    levels = [*task.path, "", "", ""][:3]
    if len(task.path) > 3:
        levels[2] = " / ".join(task.path[2:])
    remark = "；".join([*task.notes, *(WARNING_PREFIX + w for w in task.warnings)])
    return [
        task.id, *levels, task.text, "、".join(task.lead), "、".join(task.responsible),
        task.deadline or "", "；".join(task.targets),
        task.score if task.score is not None else "", remark,
        ID_SEPARATOR.join(task.indicators), ID_SEPARATOR.join(task.suggested),
    ]


def rows_digest(rows: list[list]) -> str:
    """A digest of the ledger's content; it tells whether the coordinator edited the file since we wrote it."""
    canonical = json.dumps([_digest_cells([_canonical(v) for v in row]) for row in rows], ensure_ascii=False)
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()


def _digest_cells(cells: list[str]) -> list[str]:
    """The cells a digest covers: the later columns only when filled, so older ledgers keep their digest."""
    return cells if any(cells[_DIGEST_COLUMNS:]) else cells[:_DIGEST_COLUMNS]


def _canonical(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def ledger_was_edited(path: Path) -> bool:
    """True when the ledger's content no longer matches what `write_ledger` wrote (or it carries no digest)."""
    import openpyxl  # here, not at the top: collect and report never load it
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        stored = {p.name: p.value for p in book.custom_doc_props.props}.get(DIGEST_PROPERTY)
        if SHEET not in book.sheetnames:
            return True
        rows = [list(r) for r in book[SHEET].iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()
    rows = [(row + [None] * len(COLUMNS))[: len(COLUMNS)] for row in rows if any(v not in (None, "") for v in row)]
    return stored != rows_digest(rows)


def rename_units(path: Path, names: list[str], into: str, shown: str, key: Callable[[str], str]) -> int:
    """Write `into` for each of `names` (compared by `key`) in 牵头单位 and 责任单位, in place (the coordinator's
    formatting kept, a name named twice in one cell once); the number of cells changed."""
    canonical = key
    wanted = {canonical(n) for n in names}
    try:
        import openpyxl  # here, not at the top: collect and report never load it
        book = openpyxl.load_workbook(path)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise LedgerError(f"无法打开（{exc}）", file=shown) from exc
    if SHEET not in book.sheetnames:
        raise LedgerError("找不到工作表", file=shown, sheet=SHEET)
    sheet = book[SHEET]
    header = [str(c.value or "").strip() for c in sheet[1]]
    changed = 0
    columns = [header.index(c) + 1 if c in header else None for c in ("牵头单位", "责任单位")]
    for row in range(2, sheet.max_row + 1):
        lead: list[str] = []
        for col in columns:
            if col is None:
                continue
            cell = sheet.cell(row, col)
            listed = split_names(cell.value)
            renamed = list(dict.fromkeys(into if canonical(n) in wanted else n for n in listed))
            renamed = [n for n in renamed if n not in lead]  # named as lead already: not responsible too
            if renamed != listed:
                cell.value = "、".join(renamed) or None
                changed += 1
            lead = renamed
    if changed:
        with atomic_path(path, path.parent) as tmp:
            book.save(tmp)
    return changed


def read_ledger(path: Path, display: str | None = None, *, allow_duplicates: bool = False) -> list[Task]:
    """Read the ledger back into tasks; bad rows stop with a message naming the sheet and row.

    `allow_duplicates` keeps rows whose id repeats (for `plan check`, which lists them all).
    """
    shown = display or path.name
    rows = sheet_rows(path, SHEET, shown)
    columns = _header_columns(rows[0], shown)
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(v not in (None, "") for v in row):
            continue
        task = _row_task(row, columns, number, shown)
        if task.id in seen and not allow_duplicates:
            raise LedgerError(f"第{number}行：任务编号 {task.id} 与第{seen[task.id]}行重复", file=shown, sheet=SHEET)
        seen[task.id] = number
        tasks.append(task)
    if not tasks:
        raise LedgerError("没有任何任务行", file=shown, sheet=SHEET)
    return tasks


def sheet_rows(path: Path, sheet: str, shown: str) -> list[tuple]:
    """Every row of one sheet of a coordinator's workbook (values), or a message naming the file and sheet."""
    try:
        import openpyxl  # here, not at the top: collect and report never load it
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise LedgerError(f"无法打开：{exc}", file=shown) from exc
    try:
        if sheet not in book.sheetnames:
            raise LedgerError(f"找不到工作表「{sheet}」", file=shown)
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise LedgerError("工作表为空", file=shown, sheet=sheet)
    return rows


def _header_columns(header: tuple, shown: str) -> dict[str, int]:
    names = [str(v).strip() if v is not None else "" for v in header]
    columns = {name: i for i, name in enumerate(names) if name}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise LedgerError(f"第1行缺少表头：{'、'.join(missing)}", file=shown, sheet=SHEET)
    return columns


def _row_task(row: tuple, columns: dict[str, int], number: int, shown: str) -> Task:
    def cell(name: str):
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    task_id = _canonical(cell("任务编号"))
    text = _canonical(cell("工作任务"))
    if not task_id:
        raise LedgerError(f"第{number}行：任务编号为空", file=shown, sheet=SHEET)
    if not text:
        raise LedgerError(f"第{number}行：工作任务为空（任务编号 {task_id}）", file=shown, sheet=SHEET)
    remark = [part for part in _canonical(cell("备注")).split("；") if part]
    score = cell("分值")
    return Task(
        id=task_id,
        text=text,
        path=[p for p in (_canonical(cell(n)) for n in ("一级", "二级", "三级")) if p],
        lead=split_names(cell("牵头单位")),
        responsible=split_names(cell("责任单位")),
        deadline=_deadline(cell("完成时限"), number, shown),
        targets=[t for t in _canonical(cell("量化指标")).split("；") if t],
        score=float(score) if isinstance(score, (int, float)) else None,
        notes=[p for p in remark if not p.startswith(WARNING_PREFIX)],
        warnings=[p.removeprefix(WARNING_PREFIX) for p in remark if p.startswith(WARNING_PREFIX)],
        line=number,
        indicators=split_names(cell(INDICATOR_COLUMN)),
        suggested=split_names(cell(SUGGESTED_COLUMN)),
    )


def fill_column(path: Path, column: str, values: dict[str, list[str]], *, only_empty: bool = False) -> int:
    """Write `values` (task id → ids) into one column of the ledger, adding the column when missing; the
    coordinator's other edits, widths and formats stay. Returns how many rows changed."""
    try:
        import openpyxl  # here, not at the top: collect and report never load it
        book = openpyxl.load_workbook(path)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise LedgerError(f"无法打开：{exc}", file=path.name) from exc
    if SHEET not in book.sheetnames:
        raise LedgerError(f"找不到工作表「{SHEET}」", file=path.name)
    sheet = book[SHEET]
    names = {str(c.value).strip(): c.column for c in sheet[1] if c.value not in (None, "")}
    if "任务编号" not in names:
        raise LedgerError("第1行缺少表头：任务编号", file=path.name, sheet=SHEET)
    if column not in names:
        names[column] = sheet.max_column + 1
        sheet.cell(1, names[column]).value = column
    changed = 0
    for row in range(2, sheet.max_row + 1):
        task_id = _canonical(sheet.cell(row, names["任务编号"]).value)
        cell = sheet.cell(row, names[column])
        if task_id not in values or (only_empty and _canonical(cell.value)):
            continue
        text = ID_SEPARATOR.join(values[task_id])
        if _canonical(cell.value) != text:
            cell.value, changed = text or None, changed + 1
    with atomic_path(path) as tmp:
        book.save(tmp)
    return changed


def split_names(value) -> list[str]:
    return [name.strip() for name in NAME_SEPARATORS.split(_canonical(value)) if name.strip()]


_DATE_FORMS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
]


def _deadline(value, number: int, shown: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if text == LONG_TERM or text in ("长期坚持", "持续推进"):
        return LONG_TERM
    for form in _DATE_FORMS:
        match = form.match(text)
        if match:
            try:
                return date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                break
    raise LedgerError(
        f"第{number}行：完成时限「{text}」无法识别，请填写日期（如 2019-12-31）或“长期”", file=shown, sheet=SHEET
    )
