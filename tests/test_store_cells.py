"""Cells kept inside answers rows (reporting/cells.py), the `cells` view, and the move from schema 1."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from reporting.cells import decode_raw, encode_raw
from reporting.store import MIGRATIONS, connect, transaction
from reporting.workbook_spec import ANSWER_FIELDS, FILL_COLUMNS


def raw_row(**values: object) -> list[object]:
    """A row's cells as read, in FILL_COLUMNS order, by field name; "" for the others."""
    return [values.get(field, "") for field in ANSWER_FIELDS.values()]


def normalized_row(**values: object) -> list[object]:
    return [values.get(field) for field in ANSWER_FIELDS.values()]


def test_raw_cells_round_trip():
    raw = raw_row(status="进行中", progress=80, measures=" 做了 ", evidence=date(2026, 5, 1), next_steps="继续")
    normalized = normalized_row(status="推进中", progress=80.0, measures="做了", evidence="2026-05-01",
                                next_steps="继续")
    text = encode_raw(raw, normalized, {"下一步计划"}, FILL_COLUMNS)
    decoded = dict(zip(ANSWER_FIELDS.values(), decode_raw(text, normalized), strict=True))
    assert decoded == {"status": ("进行中", "text"), "progress": ("80", "number"), "measures": (" 做了 ", "text"),
                       "target_value": ("", "empty"), "evidence": ("2026-05-01", "date"),
                       "evidence_mode": ("", "empty"), "problems": ("", "empty"),
                       "next_steps": ("继续", "formula:text"), "owner": ("", "empty")}
    entries = json.loads(text)
    assert entries.count(None) == len(FILL_COLUMNS) - 4  # the unchanged number, the empty cells: nothing to keep
    assert entries[0] == "进行中" and entries[FILL_COLUMNS.index("佐证材料")] == ["2026-05-01", "date"]


def test_a_row_as_the_unit_typed_it_costs_nothing():
    normalized = normalized_row(status="推进中", progress=60.0, measures="做了", next_steps="继续")
    assert encode_raw(raw_row(status="推进中", progress=60.0, measures="做了", next_steps="继续"), normalized, set(),
                      FILL_COLUMNS) is None
    assert decode_raw(None, normalized)[:3] == [("推进中", "text"), ("60", "number"), ("做了", "text")]
    assert encode_raw(raw_row(status="推进中", progress=0.6, measures="做了", next_steps="继续"), normalized, set(),
                      FILL_COLUMNS) is not None


def test_an_empty_cell_that_got_a_value_is_kept_as_empty():
    normalized = normalized_row(status="已完成", progress=100.0, measures="做了", evidence="文件")
    text = encode_raw(raw_row(status="已完成", measures="做了", evidence="文件"), normalized, set(), FILL_COLUMNS)
    assert decode_raw(text, normalized)[1] == ("", "empty")


def test_fill_columns_table_matches_the_workbook_spec(tmp_path):
    conn = connect(tmp_path / "r.db")
    rows = conn.execute("SELECT idx, name, field FROM fill_columns ORDER BY idx").fetchall()
    assert [(r["name"], r["field"]) for r in rows] == list(ANSWER_FIELDS.items())
    assert [r["name"] for r in rows] == FILL_COLUMNS


def test_schema_1_store_moves_its_cells_into_answers(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            old.execute(statement)
    old.execute("PRAGMA user_version = 1")
    old.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) "
                "VALUES ('h', 'a.xlsx', 'inbox/a.xlsx', 'archive/h', 1, 'x', 'read')")
    old.execute("INSERT INTO submissions (id, file_hash, round, unit, recognized_by, read_at, verdict) "
                "VALUES (1, 'h', 'r', '县财政局', 'properties', 'x', '退回修改')")
    old.execute("INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures, sheet, row) "
                "VALUES (1, '1', 0, '推进中', 120, '做了', '工作台账', 3)")
    old.executemany("INSERT INTO cells (submission_id, task_id, column_name, sheet, cell, raw, raw_type, normalized, "
                    "verdict, message) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                        ("1", "完成状态", "工作台账", "H3", "进行中", "text", "推进中", "ok", ""),
                        ("1", "完成进度(%)", "工作台账", "I3", "120", "number", None, "error", "超出"),
                        ("1", "工作举措及成效", "工作台账", "J3", "做了", "text", "做了", "ok", ""),
                        (None, "联络员", "联络员信息", "C2", "张三", "text", "张三", "ok", "")])
    old.execute("INSERT INTO problems (submission_id, level, sheet, cell, task_id, message) "
                "VALUES (1, 'error', '工作台账', 'I3', '1', '超出')")
    old.close()
    conn = connect(path)
    cells = {r["column_name"]: tuple(r)[4:] for r in conn.execute("SELECT * FROM cells WHERE submission_id = 1")}
    assert cells["完成状态"] == ("H3", "进行中", "text", "推进中", "ok", "")
    assert cells["完成进度(%)"] == ("I3", "120", "number", "120", "error", "超出")
    assert cells["工作举措及成效"] == ("J3", "做了", "text", "做了", "ok", "")
    assert cells["联络员"] == ("C2", "张三", "text", "张三", "ok", "")
    assert cells["下一步计划"][1:3] == ("", "empty")
    assert conn.execute("SELECT COUNT(*) FROM other_cells").fetchone()[0] == 1


def test_view_tells_the_worst_verdict_of_a_cell(tmp_path):
    conn = connect(tmp_path / "r.db")
    with transaction(conn):
        conn.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) "
                     "VALUES ('h', 'a.xlsx', 'inbox/a.xlsx', 'archive/h', 1, 'x', 'read')")
        conn.execute("INSERT INTO submissions (id, file_hash, round, unit, recognized_by, read_at, verdict, columns) "
                     "VALUES (1, 'h', 'r', 'u', 'properties', 'x', '退回修改', ?)",
                     (json.dumps(list("HIJKLMNOP")[:len(FILL_COLUMNS)]),))
        normalized = normalized_row(status="已完成", progress=80.0)
        conn.execute("INSERT INTO answers (submission_id, task_id, accepted, status, progress, sheet, row, raw) "
                     "VALUES (1, '7', 0, '已完成', 80, '工作台账', 9, ?)",
                     (encode_raw(raw_row(status="已完成", progress=80), normalized, set(), FILL_COLUMNS),))
        conn.executemany("INSERT INTO problems (submission_id, level, sheet, cell, task_id, message) "
                         "VALUES (1, ?, '工作台账', ?, '7', ?)",
                         [("warning", "I9", "进度不足"), ("error", "J9", "未填写"), ("error", "I9", "另一个")])
    rows = {r["cell"]: (r["raw"], r["normalized"], r["verdict"], r["message"])
            for r in conn.execute("SELECT * FROM cells")}
    assert rows["H9"] == ("已完成", "已完成", "ok", "")
    assert rows["I9"] == ("80", "80", "error", "另一个")
    assert rows["J9"] == ("", None, "error", "未填写")


def test_view_returns_raw_text_holding_a_nul_whole(tmp_path):
    conn = connect(tmp_path / "r.db")
    held = "前\x00后"
    raw = raw_row(status="已完成", measures=held, problems="\ue000\x00\ue001", next_steps=held)
    normalized = normalized_row(status="已完成", measures="前后", problems="x", next_steps="继续")
    text = encode_raw(raw, normalized, {"下一步计划"}, FILL_COLUMNS)
    assert text is not None and "\\u0000" not in text  # nothing for SQLite's JSON functions to stop at
    decoded = decode_raw(text, normalized)
    assert decoded[FILL_COLUMNS.index("工作举措及成效")] == (held, "text")
    assert decoded[FILL_COLUMNS.index("存在问题")] == ("\ue000\x00\ue001", "text")
    assert decoded[FILL_COLUMNS.index("下一步计划")] == (held, "formula:text")
    with transaction(conn):
        conn.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) "
                     "VALUES ('h', 'a.xlsx', 'inbox/a.xlsx', 'archive/h', 1, 'x', 'read')")
        conn.execute("INSERT INTO submissions (id, file_hash, round, unit, recognized_by, read_at, verdict, columns) "
                     "VALUES (1, 'h', 'r', 'u', 'properties', 'x', '合格', ?)",
                     (json.dumps(list("HIJKLMNOP")[:len(FILL_COLUMNS)]),))
        conn.execute("INSERT INTO answers (submission_id, task_id, accepted, status, measures, problems, next_steps, "
                     "sheet, row, raw) VALUES (1, '7', 1, '已完成', '前后', 'x', '继续', '工作台账', 3, ?)", (text,))
    rows = {r["column_name"]: (r["raw"], r["raw_type"]) for r in conn.execute("SELECT * FROM cells")}
    assert rows["工作举措及成效"] == (held, "text")
    assert rows["存在问题"] == ("\ue000\x00\ue001", "text")
    assert rows["下一步计划"] == (held, "formula:text")
    assert rows["完成状态"] == ("已完成", "text")


def test_the_files_beside_a_return_are_found_by_its_submission_without_a_scan(tmp_path):
    """collect asks for a unit's evidence names with every return it stores: through an index, not by reading
    every attachment of the round (at province scale that was most of storing a return)."""
    conn = connect(tmp_path / "reporting.db")
    plan = " ".join(str(row[3]) for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT a.name FROM attachments a JOIN submissions s ON s.id = a.submission_id "
        "WHERE s.round = ? AND s.unit = ?", ("r", "u")))
    assert "attachments_submission" in plan and "SCAN a" not in plan


def test_rows_bound_with_nan_for_null_are_stored_as_by_none(tmp_path):
    """collect binds None as NaN in its executemany (collect._bound: a float takes no adapter lookup): SQLite stores
    a NaN as NULL, of every column type, and every other value exactly as it was."""
    from reporting.collect import _bound

    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (id INTEGER, a TEXT, b REAL, c INTEGER, d)")
    rows = [("文本", 1.5, 3, None), (None, None, None, "x"), ("", 0.0, 0, -0.0), (None, 100.0, None, None)]
    bound = _bound(7, rows)
    assert not any(value is None for row in bound for value in row)
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", bound)
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [(8, *row) for row in rows])
    stored = conn.execute("SELECT a, b, c, d, typeof(a), typeof(b), typeof(c), typeof(d) FROM t WHERE id = 7 "
                          "ORDER BY rowid").fetchall()
    assert stored == conn.execute("SELECT a, b, c, d, typeof(a), typeof(b), typeof(c), typeof(d) FROM t WHERE id = 8 "
                                  "ORDER BY rowid").fetchall()
    assert stored[1][:4] == (None, None, None, "x") and stored[1][4:7] == ("null", "null", "null")
