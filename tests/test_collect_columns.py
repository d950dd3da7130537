"""A return of the usual kind is checked column by column (collect_match._all_usual): the same pieces as the
row-by-row loop gives, for returns of every kind, whichever way each is checked."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from returns import ROUND, Spoil, done, ongoing, record_round, write_return

from reporting import collect_match
from reporting.collect import _ANSWER_COLUMNS
from reporting.collect_match import Rounds
from reporting.collect_read import FileJob, ReadPiece, read_file
from reporting.store import read_only
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
