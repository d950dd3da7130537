"""The fill-in columns' spec (workbook_spec.FILL_SPEC) and 责任人, the column added through it: from the unit
workbook to the store, the receipt and 汇总台账; an older template copy without it; a store of schema 2."""

from __future__ import annotations

import json
import random
import sqlite3

import openpyxl
from click.testing import CliRunner
from test_generate import ROUND, prepare, unit_file

from reporting.cells import decode_raw
from reporting.cli import main
from reporting.collect import collect_inbox
from reporting.figures import ANSWER_TEXTS, Pair
from reporting.generate import generate_round
from reporting.simulate import answers
from reporting.store import MIGRATIONS, SCHEMA_VERSION, cells_view, connect
from reporting.summary_xlsx import consolidate
from reporting.templates import builtin_template
from reporting.workbook_spec import (
    ANSWER_FIELDS,
    FILL_COLUMNS,
    FILL_SPEC,
    FIRST_DATA_ROW,
    HEADER_ROW,
    LEDGER_COLUMNS,
    SHEET_LEDGER,
)
from reporting.workspace import Workspace

OWNER = "责任人"


def _fill(path, answers_by_task: dict[str, dict[str, object]], target) -> dict[str, int]:
    """Type answers into a unit workbook as a liaison would (openpyxl), save it as `target`; task id → row."""
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET_LEDGER]
    header = {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}
    rows = {sheet.cell(r, header["任务编号"]).value: r for r in range(FIRST_DATA_ROW, sheet.max_row + 1)}
    for task_id, values in answers_by_task.items():
        for name, value in values.items():
            sheet.cell(rows[task_id], header[name]).value = value
    book.save(target)
    return rows


def _headers(path, sheet: str = SHEET_LEDGER, row: int = HEADER_ROW) -> list[str]:
    return [c.value for c in openpyxl.load_workbook(path)[sheet][row] if c.value]


def test_every_place_takes_the_fill_columns_from_the_spec(tmp_path):
    assert LEDGER_COLUMNS[-len(FILL_SPEC):] == FILL_COLUMNS == [c.header for c in FILL_SPEC]
    assert list(ANSWER_FIELDS.values()) == [c.field for c in FILL_SPEC]
    conn = connect(tmp_path / "r.db")
    stored = {row[1] for row in conn.execute("PRAGMA table_info(answers)")}
    assert set(ANSWER_FIELDS.values()) <= stored  # a store column per fill-in column
    view = cells_view()
    assert "ELSE a." not in view and all(f"WHEN '{c.field}' THEN" in view for c in FILL_SPEC)  # no catch-all
    assert all(hasattr(Pair("u", "1", "牵头", "", None), c.field) for c in ANSWER_TEXTS)
    assert set(answers(random.Random(1))) == set(FILL_COLUMNS)  # the simulator answers every column


def test_owner_goes_from_the_workbook_to_the_store_the_receipt_and_the_summary(ws):
    prepare(ws)
    generate_round(ws)
    ledger = unit_file(ws, "县财政局")
    assert _headers(ledger)[-1] == OWNER
    rows = _fill(ledger, {"1": {"完成状态": "推进中", "完成进度(%)": 60, "工作举措及成效": "已制定方案", OWNER: "张伟"},
                          "4": {"完成状态": "差不多吧", OWNER: "李娜、王五"}}, ws.inbox / "县财政局.xlsx")
    returned = collect_inbox(ws).returns
    assert [(r.unit, r.errors) for r in returned] == [("县财政局", 1)]
    conn = connect(ws.db_path)
    owners = dict(conn.execute("SELECT task_id, owner FROM answers"))
    assert owners == {"1": "张伟", "4": "李娜、王五"}
    letter = openpyxl.utils.get_column_letter(LEDGER_COLUMNS.index(OWNER) + 1)
    cell = conn.execute("SELECT cell, raw, raw_type, normalized FROM cells WHERE column_name = ? AND task_id = '1'",
                        (OWNER,)).fetchone()
    assert tuple(cell) == (f"{letter}{rows['1']}", "张伟", "text", "张伟")
    receipt = openpyxl.load_workbook(ws.round_dir(ROUND) / "回执" / "县财政局.xlsx")[SHEET_LEDGER]
    header = {c.value: c.column for c in receipt[HEADER_ROW] if c.value}
    shown = {receipt.cell(r, header["任务编号"]).value: receipt.cell(r, header[OWNER]).value
             for r in range(FIRST_DATA_ROW, receipt.max_row + 1)}
    assert shown["1"] == "张伟" and shown["4"] == "李娜、王五"
    summary = openpyxl.load_workbook(consolidate(ws))["任务明细"]
    table = list(summary.iter_rows(values_only=True))
    details = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    assert {(d["单位"], d["任务编号"]): d[OWNER] for d in details if d[OWNER]} == {
        ("县财政局", "1"): "张伟", ("县财政局", "4"): "李娜、王五"}  # as typed, like the other texts of a row sent back


def _old_template(ws: Workspace) -> None:
    """The workspace's template copy as an earlier version installed it: no 责任人 column."""
    path = ws.templates / "xlsx" / builtin_template("xlsx").name
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET_LEDGER]
    for merged in list(sheet.merged_cells.ranges):
        sheet.unmerge_cells(str(merged))
    sheet.delete_cols(LEDGER_COLUMNS.index(OWNER) + 1)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LEDGER_COLUMNS) - 1)
    book.save(path)


def test_an_older_template_copy_without_the_owner_column_keeps_working(ws):
    prepare(ws)
    _old_template(ws)
    result = CliRunner().invoke(main, ["generate", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "templates/xlsx/工作台账模板.xlsx 是旧版，没有填报列“责任人”" in result.output
    assert "改名备份" in result.output
    ledger = unit_file(ws, "县财政局")
    assert _headers(ledger) == LEDGER_COLUMNS[:-1]
    _fill(ledger, {"1": {"完成状态": "推进中", "完成进度(%)": 60, "工作举措及成效": "已制定方案"}},
          ws.inbox / "县财政局.xlsx")
    returned = collect_inbox(ws).returns
    assert [(r.unit, r.errors) for r in returned] == [("县财政局", 0)]
    conn = connect(ws.db_path)
    assert conn.execute("SELECT note FROM submissions").fetchone()[0] == ""  # nothing said about the column
    assert [r[0] for r in conn.execute("SELECT level FROM problems WHERE task_id IS NULL OR column_name = ?",
                                       (OWNER,))] == []
    assert tuple(conn.execute("SELECT owner, progress FROM answers WHERE task_id = '1'").fetchone()) == (None, 60.0)
    receipt = ws.round_dir(ROUND) / "回执" / "县财政局.xlsx"
    assert OWNER not in _headers(receipt)  # the receipt follows the template the unit has
    plain = CliRunner().invoke(main, ["generate", "-w", str(ws.root)])
    assert plain.exit_code == 0
    (ws.templates / "xlsx" / builtin_template("xlsx").name).rename(ws.templates / "xlsx" / "旧模板.xlsx")
    fresh = CliRunner().invoke(main, ["generate", "-w", str(ws.root)])
    assert fresh.exit_code == 0 and "旧版" not in fresh.output
    assert _headers(unit_file(ws, "县财政局"))[-1] == OWNER


def test_a_store_of_schema_2_holding_returns_moves_to_the_owner_column(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:2]:
        for statement in migration.split(";"):
            if statement.strip():
                old.execute(statement)
    old.execute("PRAGMA user_version = 2")
    old.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) "
                "VALUES ('h', 'a.xlsx', 'inbox/a.xlsx', 'archive/h', 1, 'x', 'read')")
    old.execute("INSERT INTO submissions (id, file_hash, round, unit, recognized_by, read_at, verdict, columns) "
                "VALUES (1, 'h', 'r', '县财政局', 'properties', 'x', '退回修改', ?)", (json.dumps(list("HIJKLMNO")),))
    old_raw = json.dumps(["进行中", None, None, None, None, None, None, None], ensure_ascii=False)
    old.execute("INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures, sheet, row, raw) "
                "VALUES (1, '1', 0, '推进中', 60, '做了', '工作台账', 3, ?), "
                "(1, '2', 1, '已完成', 100, '完成', '工作台账', 4, NULL)", (old_raw,))
    old.execute("INSERT INTO problems (submission_id, level, sheet, cell, task_id, message) "
                "VALUES (1, 'error', '工作台账', 'J3', '1', '未填写')")
    old.close()
    conn = connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [r[0] for r in conn.execute("SELECT name FROM fill_columns ORDER BY idx")] == FILL_COLUMNS
    rows = {r["task_id"]: r for r in conn.execute("SELECT * FROM answers ORDER BY task_id")}
    assert rows["1"]["owner"] is None and rows["1"]["measures"] == "做了"
    normalized = [rows["1"][field] for field in ANSWER_FIELDS.values()]
    assert decode_raw(rows["1"]["raw"], normalized)[0] == ("进行中", "text")
    assert decode_raw(rows["1"]["raw"], normalized)[-1] == ("", "empty")
    assert rows["2"]["raw"] is None
    cells = {(r["task_id"], r["column_name"]): (r["cell"], r["raw"], r["verdict"])
             for r in conn.execute("SELECT * FROM cells")}
    assert cells[("1", "完成状态")] == ("H3", "进行中", "ok")
    assert cells[("1", "工作举措及成效")] == ("J3", "做了", "error")
    assert cells[("1", OWNER)] == (None, "", "ok")  # no column in that return
    assert cells[("2", "完成进度(%)")] == ("I4", "100", "ok")
    assert len(cells) == 2 * len(FILL_COLUMNS)
