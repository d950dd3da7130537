"""Fixture builders for collect tests: a round recorded in the store the way generate records it, and
returns written the way units send them (xlsxwriter, following workbook_spec exactly, then spoiled at will).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from reporting.models import ROLE_LEAD, ROLE_RESPONSIBLE
from reporting.store import connect, dumps, transaction
from reporting.workbook_spec import (
    FILL_COLUMNS,
    GIVEN_COLUMNS,
    KIND_LEDGER,
    LIAISON_COLUMNS,
    META_KEYS,
    META_TASKS_HEADER,
    PROP_CAMPAIGN,
    PROP_KIND,
    PROP_ROUND,
    PROP_UNIT,
    PROP_VERSION,
    PROPERTY_LIMIT,
    SHEET_LEDGER,
    SHEET_LIAISON,
    SHEET_META,
    TEMPLATE_VERSION,
    fingerprint,
    workbook_title,
)
from reporting.workspace import Workspace

ROUND = "2026年第三季度"
OLD_ROUND = "2026年第二季度"
CAMPAIGN = "某县法治政府建设示范创建"
DUE = date(2026, 9, 30)
TASKS = {
    "1": ("全面清理行政审批事项，公布权责清单。", "2026-06-30"),
    "2": ("推行行政执法公示制度，执法结果按时公开。", "2026-12-31"),
    "3": ("落实重大行政决策合法性审查制度。", "长期"),
    "4": ("开展法治宣传教育，每年不少于40个学时。", "2026-08-31"),
    "5": ("健全矛盾纠纷多元化解机制。", None),
}
UNITS = {
    "县财政局": {"1": ROLE_LEAD, "2": ROLE_RESPONSIBLE, "3": ROLE_RESPONSIBLE},
    "县公安局": {"1": ROLE_RESPONSIBLE, "4": ROLE_LEAD, "5": ROLE_LEAD},
    "甲镇人民政府": {"2": ROLE_RESPONSIBLE, "3": ROLE_RESPONSIBLE, "4": ROLE_RESPONSIBLE},
    "乙镇人民政府": {"2": ROLE_RESPONSIBLE, "3": ROLE_RESPONSIBLE, "4": ROLE_RESPONSIBLE},
}
ALIASES = {"甲镇人民政府": ["甲镇"], "县公安局": ["公安局"]}


def record_round(ws: Workspace, name: str = ROUND, *, due: date | None = DUE, tasks: dict | None = None,
                 units: dict | None = None, generated_at: str = "2026-09-01T09:00:00") -> None:
    """What generate leaves in the store for a round: rounds, round_tasks, assignments, units."""
    tasks = tasks or TASKS
    units = units or UNITS
    conn = connect(ws.db_path)
    with transaction(conn):
        conn.execute("INSERT INTO rounds (name, due, campaign, generated_at) VALUES (?, ?, ?, ?)",
                     (name, due.isoformat() if due else None, CAMPAIGN, generated_at))
        for seq, (task_id, (text, deadline)) in enumerate(tasks.items(), start=1):
            lead = [u for u, t in units.items() if t.get(task_id) == ROLE_LEAD]
            responsible = [u for u, t in units.items() if t.get(task_id) == ROLE_RESPONSIBLE]
            conn.execute(
                "INSERT INTO round_tasks (round, task_id, seq, area, path, text, lead, responsible, deadline, "
                "targets, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, task_id, seq, "(一)依法全面履行政府职能", dumps(["(一)依法全面履行政府职能"]), text,
                 dumps(lead), dumps(responsible), deadline, "[]", fingerprint(text)))
        for unit, assigned in units.items():
            conn.execute("INSERT OR REPLACE INTO units (name, aliases, category, liaison, phone) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (unit, dumps(ALIASES.get(unit, [])), "部门", "名册联络员", "0731-0000000"))
            for task_id, role in assigned.items():
                conn.execute("INSERT INTO assignments (round, unit, task_id, role) VALUES (?, ?, ?, ?)",
                             (name, unit, task_id, role))
    conn.close()
    settings = ws.settings()
    settings.round_name, settings.round_due = ROUND, DUE
    ws.save_settings(settings)


def done(**extra) -> dict[str, object]:
    """A complete, correct 已完成 row."""
    values = {"完成状态": "已完成", "完成进度(%)": 100, "工作举措及成效": "制定方案并全面落实，完成清理120项。",
              "佐证材料": "方案文件、清单", "材料提供方式": "已附材料"}
    values.update(extra)
    return values


def ongoing(**extra) -> dict[str, object]:
    values = {"完成状态": "推进中", "完成进度(%)": 60, "工作举措及成效": "正在推进。", "下一步计划": "年底前完成"}
    values.update(extra)
    return values


@dataclass
class Spoil:
    """How the unit mangled the workbook."""

    meta: bool = True  # keep the 识别信息 sheet
    props: bool = True  # keep the custom properties
    title: bool = True
    sheet_name: str = SHEET_LEDGER
    rows_above: int = 0  # rows inserted above the title
    columns: list[str] | None = None  # column order (default: the template's)
    drop_headers: tuple[str, ...] = ()  # header cells blanked
    no_header: bool = False  # header row deleted
    extra_rows: dict[str, dict[str, object]] = field(default_factory=dict)  # rows for tasks not sent
    task_text: dict[str, str] = field(default_factory=dict)  # task text changed
    percent_cells: tuple[str, ...] = ()  # task ids whose progress cell (a number) is formatted as percent
    percent_status: tuple[str, ...] = ()  # task ids whose status cell (a number) is formatted as percent
    formulas: dict[str, tuple[str, object]] = field(default_factory=dict)  # task id → (formula, cached value)
    merged: tuple[str, str, str] | None = None  # (first task, last task, column) merged
    meta_unit: str | None = None  # what the recognition data claims (default: the unit)
    round_name: str | None = None


def write_return(path: Path, unit: str, values: dict[str, dict[str, object]], *, round_name: str = ROUND,
                 spoil: Spoil | None = None, liaison: dict[str, str] | None = None, mtime: float | None = None,
                 tasks: dict | None = None, units: dict | None = None, saved: datetime | None = None) -> Path:
    """A unit's return as an .xlsx: the tasks of `unit` with `values` ({task id: {column: value}})."""
    spoil = spoil or Spoil()
    tasks = tasks or TASKS
    assigned = (units or UNITS)[unit]
    claimed_round = spoil.round_name or round_name
    claimed_unit = spoil.meta_unit or unit
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    if saved is not None:  # the save time in the document properties (xlsxwriter writes it as modified too)
        book.set_properties({"created": saved})
    if spoil.props:
        for prop, value in ((PROP_KIND, KIND_LEDGER), (PROP_UNIT, claimed_unit), (PROP_ROUND, claimed_round),
                            (PROP_CAMPAIGN, CAMPAIGN), (PROP_VERSION, TEMPLATE_VERSION)):
            book.set_custom_property(prop, value[:PROPERTY_LIMIT])  # cut as reporting.workbook cuts it
    sheet = book.add_worksheet(spoil.sheet_name)
    percent = book.add_format({"num_format": "0%"})
    columns = spoil.columns or (GIVEN_COLUMNS + FILL_COLUMNS)
    r = spoil.rows_above
    if spoil.title:
        sheet.write_string(r, 0, workbook_title(claimed_unit, claimed_round))
    r += 1
    if not spoil.no_header:
        for c, name in enumerate(columns):
            if name not in spoil.drop_headers:
                sheet.write_string(r, c, name)
        r += 1
    rows = [(tid, assigned[tid]) for tid in tasks if tid in assigned]
    rows += [(tid, ROLE_RESPONSIBLE) for tid in spoil.extra_rows]
    first_row = {}
    for number, (task_id, role) in enumerate(rows, start=1):
        text, deadline = tasks.get(task_id, ("自行添加的任务", None))
        given = [str(number), task_id, "(一)依法全面履行政府职能", "1.深化行政审批制度改革",
                 spoil.task_text.get(task_id, text), role, deadline or "", ""]
        row_values = dict(zip(GIVEN_COLUMNS, given, strict=True))
        row_values.update(values.get(task_id, {}) if task_id in assigned else spoil.extra_rows[task_id])
        first_row[task_id] = r
        for c, name in enumerate(columns):
            value = row_values.get(name)
            if task_id in spoil.formulas and name == "完成进度(%)":
                formula, cached = spoil.formulas[task_id]
                sheet.write_formula(r, c, formula, None, cached)
            elif isinstance(value, int | float) and task_id in {"完成进度(%)": spoil.percent_cells,
                                                                "完成状态": spoil.percent_status}.get(name, ()):
                sheet.write_number(r, c, value, percent)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value))
        r += 1
    if spoil.merged:
        first, last, column = spoil.merged
        c = columns.index(column)
        value = values.get(first, {}).get(column, "")
        sheet.merge_range(first_row[first], c, first_row[last], c, value)
    _liaison_sheet(book, unit, liaison)
    if spoil.meta:
        _meta_sheet(book, claimed_unit, claimed_round, [(tid, tasks[tid][0], role) for tid, role in rows
                                                        if tid in tasks])
    book.close()
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _liaison_sheet(book: xlsxwriter.Workbook, unit: str, liaison: dict[str, str] | None) -> None:
    sheet = book.add_worksheet(SHEET_LIAISON)
    for c, name in enumerate(LIAISON_COLUMNS):
        sheet.write_string(0, c, name)
    values = {"单位名称": unit, **(liaison or {})}
    for c, name in enumerate(LIAISON_COLUMNS):
        if values.get(name):
            sheet.write_string(1, c, values[name])


def _meta_sheet(book: xlsxwriter.Workbook, unit: str, round_name: str, rows: list[tuple[str, str, str]]) -> None:
    sheet = book.add_worksheet(SHEET_META)
    by_prop = {PROP_UNIT: unit, PROP_ROUND: round_name, PROP_CAMPAIGN: CAMPAIGN, PROP_VERSION: TEMPLATE_VERSION,
               PROP_KIND: KIND_LEDGER}
    r = 0
    for key, prop in META_KEYS.items():
        sheet.write_string(r, 0, key)
        sheet.write_string(r, 1, by_prop[prop])
        r += 1
    for c, name in enumerate(META_TASKS_HEADER):
        sheet.write_string(r, c, name)
    for task_id, text, role in rows:
        r += 1
        sheet.write_string(r, 0, task_id)
        sheet.write_string(r, 1, fingerprint(text))
        sheet.write_string(r, 2, role)
    sheet.very_hidden()


def dump_store(ws: Workspace) -> dict[str, list[tuple]]:
    """Every table of the store, without what differs between runs (times, run ids)."""
    volatile = {"seen_at", "read_at", "run_id", "updated_at", "started_at", "finished_at"}
    conn = connect(ws.db_path)
    tables = [r["name"] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    dump = {}
    for table in tables:
        if table == "runs":
            continue
        columns = [r["name"] for r in conn.execute(f"PRAGMA table_info({table})") if r["name"] not in volatile]
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
        dump[table] = sorted((tuple(row) for row in rows), key=repr)
    conn.close()
    return dump
