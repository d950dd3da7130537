"""Our workbooks never carry a formula made from text, wherever the text came from (roster, plan, returns),
and text too long for a cell is cut with a visible marker and a warning while the store keeps it whole."""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import pytest
import python_calamine
from click.testing import CliRunner
from returns import done, ongoing, record_round, write_return
from test_generate import prepare, sample_tasks, sample_units

from reporting.cli import main
from reporting.generate import generate_round
from reporting.models import Unit
from reporting.safe_xlsx import CUT_MARKER, EXCEL_CELL_LIMIT, TextCutWarning, cut_text, new_workbook
from reporting.store import connect

HOSTILE = ['=HYPERLINK("http://evil.example")', "=1+1", "+1+1", "-1+1", "@SUM(1,1)",
           "=cmd|' /C calc'!A0", "{=1+1}", "http://evil.example/长链接"]


def _formulas(path: Path) -> list[str]:
    """Every <f> element of every sheet, and every hyperlink part: what a formula or link made from text leaves."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(name).decode()
                found += re.findall(r"<f[ >].*?</f>", xml)
                found += re.findall(r"<hyperlink ", xml)
    return found


def _texts(path: Path) -> set[str]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {str(v) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for v in row}


@pytest.mark.parametrize("text", HOSTILE)
def test_every_write_of_text_is_text(tmp_path, text):
    path = tmp_path / "x.xlsx"
    book = new_workbook(path)
    sheet = book.add_worksheet()
    sheet.write(0, 0, text)
    sheet.merge_range(1, 0, 1, 3, text)
    sheet.write_string(2, 0, text)
    sheet.write_formula(3, 0, "=1+2", None, 3)  # a formula we mean stays one
    book.close()
    assert _formulas(path) == ["<f>1+2</f>"] or _formulas(path) == ['<f>1+2</f>']
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet1").to_python()
    assert [rows[0][0], rows[1][0], rows[2][0]] == [text] * 3


def test_text_past_the_cell_limit_is_cut_with_a_marker_and_a_warning(tmp_path):
    path = tmp_path / "x.xlsx"
    book = new_workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("说明")
    with pytest.warns(TextCutWarning, match="「说明」A1"):
        sheet.write(0, 0, "举" * 40000)
    with pytest.warns(TextCutWarning, match="B2"):
        sheet.write_string(1, 1, "😀" * 20000)  # outside the BMP: two UTF-16 units each
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sheet.write_string(2, 0, "举" * EXCEL_CELL_LIMIT)  # exactly the limit: whole, no warning
    book.close()
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("说明").to_python()
    assert rows[0][0].endswith(CUT_MARKER) and rows[0][0].startswith("举" * 1000)
    assert rows[1][1].endswith(CUT_MARKER) and "\ufffd" not in rows[1][1]
    assert rows[2][0] == "举" * EXCEL_CELL_LIMIT
    assert len(cut_text("举" * 40000)) <= EXCEL_CELL_LIMIT


def test_hostile_roster_names_and_plan_text_stay_text_in_generated_workbooks(ws):
    units = [*sample_units(), Unit(name=HOSTILE[0], category="部门"), Unit(name="=1+1", category="部门")]
    tasks = sample_tasks()
    tasks[4].lead = [HOSTILE[0], "=1+1"]
    tasks[4].text = "=SUM(A1:A9)推进工作"
    prepare(ws, tasks, units)
    generate_round(ws, workers=1)
    books = list(ws.outbox.rglob("*.xlsx"))
    assert len(books) >= 5
    for book in books:
        assert _formulas(book) == [], book
    hostile = next(p for p in books if "HYPERLINK" in p.name)
    texts = _texts(hostile)
    assert any(HOSTILE[0] in t for t in texts) and "=SUM(A1:A9)推进工作" in texts


def test_hostile_return_text_stays_text_in_receipts_and_summary(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(工作举措及成效=HOSTILE[5]),
                                                      "2": ongoing(存在问题=HOSTILE[0]), "3": ongoing()})
    result = CliRunner().invoke(main, ["collect", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    receipt = next(ws.outbox.rglob("回执/*.xlsx"))
    assert _formulas(receipt) == [] and HOSTILE[5] in _texts(receipt)
    summary = CliRunner().invoke(main, ["consolidate", "-w", str(ws.root)])
    assert summary.exit_code == 0, summary.output
    for book in ws.outbox.rglob("*.xlsx"):
        assert _formulas(book) == [], book


def test_long_text_is_cut_in_the_summary_with_a_line_and_kept_in_the_store(ws):
    """A cell read holds at most 32,767 characters, but the store may hold more (a text joined from several,
    a value set by hand): 汇总台账 cuts it with the marker, the command says so, the store keeps it whole."""
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 mtime=1_789_000_000)
    assert CliRunner().invoke(main, ["collect", "-w", str(ws.root)]).exit_code == 0
    conn = connect(ws.db_path)
    with conn:
        conn.execute("UPDATE answers SET problems = ? WHERE task_id = '2'", ("问" * 40000,))
    result = CliRunner().invoke(main, ["consolidate", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "提示：" in result.output and "32,767" in result.output
    assert conn.execute("SELECT problems FROM answers WHERE task_id = '2'").fetchone()["problems"] == "问" * 40000
    summary = next(ws.outbox.rglob("汇总台账.xlsx"))
    assert any(t.endswith(CUT_MARKER) for t in _texts(summary))


def test_the_fast_workbook_writer_cuts_the_same_way(tmp_path):
    from reporting import xlsx_writer

    path = tmp_path / "回执.xlsx"
    book = xlsx_writer.Workbook(str(path))
    sheet = book.add_worksheet("工作台账")
    with pytest.warns(TextCutWarning, match="「工作台账」B3"):
        sheet.write_string(2, 1, "举" * 40000)
    with pytest.warns(TextCutWarning, match="C4"):
        sheet.write_values(3, ["", "", "问" * 33000], [None, None, None])
    sheet.write_string(4, 0, "=1+1")
    book.close()
    texts = _texts(path)
    assert sum(t.endswith(CUT_MARKER) for t in texts) == 2 and "=1+1" in texts
    assert _formulas(path) == []


def test_texts_cut_in_receipts_written_by_workers_are_told_as_in_one_process(tmp_path, monkeypatch):
    """9 receipts are written by worker processes; the one whose cell holds 40,000 characters is cut and the
    command is told so (its warning would die with the worker), the same line as when written here."""
    from returns import UNITS

    from reporting import receipts
    from reporting.collect import collect_inbox
    from reporting.workspace_init import init_workspace

    monkeypatch.setattr(receipts, "START_METHOD", "spawn")  # workers get plain data only
    told = []
    for workers in (1, 2):
        ws = init_workspace(tmp_path / f"w{workers}")
        units = {f"第{i}单位": {"1": UNITS["县财政局"]["1"]} for i in range(9)}
        record_round(ws, units=units)
        for i, unit in enumerate(units):
            write_return(ws.inbox / f"{i}.xlsx", unit, {"1": done()}, mtime=1_789_000_000 + i, units=units)
        assert len(collect_inbox(ws, receipts=False).returns) == 9
        conn = connect(ws.db_path)
        with conn:
            conn.execute("UPDATE answers SET problems = ? WHERE submission_id = "
                         "(SELECT id FROM submissions WHERE unit = '第4单位')", ("问" * 40000,))
        assert receipts.worker_count(9, workers, receipts.POOL_THRESHOLD) == (workers if workers > 1 else 0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TextCutWarning)
            assert len(receipts.write_pending_receipts(ws, conn, workers=workers)) == 9
        told.append([str(w.message) for w in caught if issubclass(w.category, TextCutWarning)])
    assert told[0] == told[1] and len(told[1]) == 1
    assert "第4单位.xlsx「工作台账」" in told[1][0] and "32,767" in told[1][0]


def test_texts_cut_in_workbooks_written_by_workers_are_told_as_in_one_process(tmp_path, monkeypatch):
    """generate's workers write the units' workbooks; a task text of 40,000 characters is cut in each workbook
    that has the task, and the command is told so naming each workbook, the same lines as in one process."""
    from reporting import generate
    from reporting.workspace_init import init_workspace

    real = generate._load_inputs

    def long_text(ws):
        tasks, roster = real(ws)
        tasks[0].text = "举" * 40000  # past what a cell holds (a ledger cell could not carry it: set here)
        return tasks, roster

    monkeypatch.setattr(generate, "_load_inputs", long_text)
    monkeypatch.setattr(generate, "START_METHOD", "spawn")  # workers get plain data only
    monkeypatch.setattr(generate, "POOL_THRESHOLD", 2)
    told = []
    for workers in (1, 2):
        ws = prepare(init_workspace(tmp_path / f"w{workers}"))
        assert generate.worker_count(5, workers, generate.POOL_THRESHOLD) == (workers if workers > 1 else 0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TextCutWarning)
            generate_round(ws, workers=workers)
        told.append(sorted(str(w.message).replace(f"w{workers}", "w") for w in caught
                           if issubclass(w.category, TextCutWarning)))
    assert told[0] == told[1] and len(told[1]) == 3  # task 1: 县财政局 leads, the two towns are responsible
    assert all(line.startswith("台账 outbox/") and "「工作台账」" in line and "32,767" in line for line in told[1])
    assert any("县财政局.xlsx" in line for line in told[1])
