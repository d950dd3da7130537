"""A return of the usual kind is read and checked column by column (returned_workbook._read_usual_rows,
collect_match._all_usual): the same rows and pieces as the row-by-row loops give, for returns of every kind."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from returns import ROUND, TASKS, Spoil, done, ongoing, record_round, write_return

from reporting import collect_match, readers
from reporting.collect import _ANSWER_COLUMNS
from reporting.collect_match import Rounds
from reporting.collect_read import FileJob, ReadPiece, read_file
from reporting.readers import returned_workbook
from reporting.readers.returned_workbook import read_return
from reporting.store import read_only
from reporting.workbook_spec import FILL_COLUMNS, GIVEN_COLUMNS
from reporting.workspace import Workspace

CASES = {  # name → (rows of 县财政局's tasks 1–3, how the workbook is spoilt, checked column by column)
    "usual": ({"1": done(), "2": ongoing(), "3": ongoing(存在问题="人手不足，进度偏慢。")}, Spoil(), True),
    "spaces kept in answers.raw": ({"1": done(工作举措及成效="  完成清理120项。 "), "2": ongoing(), "3": ongoing()},
                                   Spoil(), True),
    "a row left blank": ({"1": done(), "2": ongoing()}, Spoil(), False),
    "a row with a problem": ({"1": done(佐证材料="", 材料提供方式=""), "2": ongoing(), "3": ongoing()}, Spoil(), False),
    "a task text changed": ({"1": done(), "2": ongoing(), "3": ongoing()}, Spoil(task_text={"2": "改过的任务"}),
                            False),
    "a task not sent": ({"1": done(), "2": ongoing(), "3": ongoing()}, Spoil(extra_rows={"9": done()}), False),
    "a formula": ({"1": done(), "2": ongoing(), "3": ongoing()}, Spoil(formulas={"2": ("=50+10", 60)}), False),
    "words read as the list's": ({"1": done(完成状态="完成"), "2": ongoing(完成进度="80%"), "3": ongoing()},
                                 Spoil(), False),
}


def _read(ws: Workspace, path: Path, rounds: Rounds) -> ReadPiece:
    found = read_file(FileJob(str(path), path.name, path.stat().st_mtime, str(ws.root)), rounds, ROUND)
    (piece,) = found.pieces
    assert piece.stored, piece.error
    return piece


def _fields(piece: ReadPiece) -> dict:
    return {k: v for k, v in dataclasses.asdict(piece).items() if k != "saved_at"}


@pytest.mark.parametrize("case", list(CASES))
def test_columns_and_rows_give_the_same_piece(ws, monkeypatch, case):
    values, spoil, by_columns = CASES[case]
    record_round(ws)
    path = write_return(ws.inbox / "财政局.xlsx", "县财政局", values, spoil=spoil, mtime=1_789_000_000)
    rounds = Rounds(read_only(ws.db_path))
    _read(ws, path, rounds)  # the texts found as sent, and the usual rows' outcomes, learnt as by a worker

    told = []
    all_usual = collect_match._all_usual
    monkeypatch.setattr(collect_match, "_all_usual", lambda *args: told.append(all_usual(*args)) or told[-1])
    by_either = _read(ws, path, rounds)
    monkeypatch.setattr(collect_match, "_all_usual", lambda *args: False)
    by_rows = _read(ws, path, rounds)

    assert told == [by_columns]
    assert _fields(by_either) == _fields(by_rows)
    assert by_rows.answers and {len(row) for row in by_rows.answers} == {len(_ANSWER_COLUMNS) - 1}  # less its id


SHEETS = {  # name → (rows of 县财政局's tasks 1–3, how the workbook is spoilt, its rows read a column at a time)
    "usual, a row left blank": ({"1": done(), "2": ongoing()}, Spoil(), True),
    "rows above, columns moved": ({"1": done(), "3": ongoing()},
                                  Spoil(rows_above=2, columns=[*GIVEN_COLUMNS[::-1], *FILL_COLUMNS[::-1]]), True),
    "a formula": ({"1": done(), "2": ongoing(), "3": ongoing()}, Spoil(formulas={"2": ("=50+10", 60)}), True),
    "a task id with spaces": ({"1": done()}, Spoil(extra_rows={" 9 ": done()}), True),
    "merged cells": ({"1": done(), "2": done(), "3": ongoing()}, Spoil(merged=("1", "2", "完成状态")), False),
    "a row without a task id": ({"1": done()}, Spoil(extra_rows={"": done()}), False),
    "a full-width task id": ({"1": done()}, Spoil(extra_rows={"２": ongoing()}), False),
    "no header": ({"1": done(), "2": ongoing(责任人="张三")}, Spoil(no_header=True), True),
    "no header, rows short of 责任人": ({"1": done(), "2": ongoing()}, Spoil(no_header=True), False),
}


@pytest.mark.parametrize("case", list(SHEETS))
def test_rows_read_a_column_at_a_time_are_those_read_one_by_one(tmp_path, monkeypatch, case):
    values, spoil, by_columns = SHEETS[case]
    data = write_return(tmp_path / "x.xlsx", "县财政局", values, spoil=spoil).read_bytes()

    def read(**patch) -> tuple[list, list]:
        for name, value in patch.items():
            monkeypatch.setattr(returned_workbook, name, value)
        found = read_return(readers.open_workbook(data, "x.xlsx", "xlsx"), set(TASKS))
        return ([(r.row, r.task_id, r.task_text, r.raw, r.letters, r.formula, r.issues) for r in found.rows],
                [(n.code, n.cell) for n in found.notes])

    told = []
    usual_rows = returned_workbook._read_usual_rows
    by_either = read(_read_usual_rows=lambda *args: told.append(usual_rows(*args)) or told[-1])
    by_rows = read(_read_usual_rows=lambda *args: False)
    assert told == ([by_columns] if by_columns or not spoil.merged else [])  # merged cells: not even asked
    assert by_either == by_rows and by_rows[0]
