"""The plan's 二级 heading in the unit workbook: a locked column after 一级; returns on the older template
(without it) still read, with or without their header row; an older workspace template copy still works."""

from __future__ import annotations

import openpyxl
from returns import ROUND, Spoil, done, ongoing, record_round, write_return
from test_generate import prepare, unit_file

from reporting.collect import collect_inbox
from reporting.generate import generate_round
from reporting.readers.returned_workbook import OLDER_LAYOUT
from reporting.store import connect
from reporting.templates import builtin_template
from reporting.workbook_spec import FIRST_DATA_ROW, GIVEN_COLUMNS, HEADER_ROW, LEDGER_COLUMNS, SHEET_LEDGER
from reporting.workbook_template import build_builtin_template


def test_the_unit_workbook_has_a_locked_level2_column_after_level1(ws):
    prepare(ws)
    generate_round(ws)
    sheet = openpyxl.load_workbook(unit_file(ws, "县财政局"))[SHEET_LEDGER]
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers.index("二级") == headers.index("一级") + 1 and "二级" in GIVEN_COLUMNS
    col = headers.index("二级") + 1
    assert sheet.cell(FIRST_DATA_ROW, col).value == "1.深化行政审批制度改革"  # task 1's second heading
    assert sheet.cell(FIRST_DATA_ROW, col).protection.locked


def test_an_older_workspace_template_without_level2_still_generates_it(ws):
    prepare(ws)
    copy = ws.templates / "xlsx" / builtin_template("xlsx").name
    build_builtin_template(copy)
    book = openpyxl.load_workbook(copy)
    book[SHEET_LEDGER].delete_cols(LEDGER_COLUMNS.index("二级") + 1)
    book.save(copy)
    generate_round(ws)
    sheet = openpyxl.load_workbook(unit_file(ws, "县财政局"))[SHEET_LEDGER]
    assert [c.value for c in sheet[HEADER_ROW]] == LEDGER_COLUMNS


def _stored(ws) -> dict[str, tuple]:
    conn = connect(ws.db_path)
    rows = conn.execute("SELECT a.task_id, a.status, a.progress FROM answers a JOIN submissions s "
                        "ON s.id = a.submission_id WHERE s.unit = '县财政局'").fetchall()
    conn.close()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_a_return_on_the_older_template_is_still_read(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": done()},
                 spoil=Spoil(columns=OLDER_LAYOUT))
    result = collect_inbox(ws, receipts=False)
    assert [(r.unit, r.errors) for r in result.returns] == [("县财政局", 0)]
    assert _stored(ws) == {"1": ("已完成", 100.0), "2": ("推进中", 60.0), "3": ("已完成", 100.0)}


def test_a_headerless_return_on_either_template_is_read_by_position(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": done()},
                 spoil=Spoil(columns=OLDER_LAYOUT, no_header=True, meta=False, props=False))
    collect_inbox(ws, receipts=False)
    assert _stored(ws) == {"1": ("已完成", 100.0), "2": ("推进中", 60.0), "3": ("已完成", 100.0)}
    write_return(ws.inbox / "财政局-新.xlsx", "县财政局", {"1": ongoing(), "2": ongoing(), "3": done()},
                 spoil=Spoil(no_header=True, meta=False, props=False))
    collect_inbox(ws, receipts=False)
    conn = connect(ws.db_path)
    latest = conn.execute("SELECT id FROM submissions WHERE superseded_by IS NULL AND round = ?", (ROUND,)).fetchone()
    rows = dict(conn.execute("SELECT task_id, status FROM answers WHERE submission_id = ?", (latest[0],)).fetchall())
    conn.close()
    assert rows == {"1": "推进中", "2": "推进中", "3": "已完成"}
