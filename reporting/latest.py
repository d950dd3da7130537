"""Which return of a unit counts: the newest by its own save time among those neither blank nor held.

A return is held as 待确认 (submissions.hold says why) when its file name names another unit, when it is
older than the return already accepted, or when anything else (the mail sender, say) casts doubt on it; it
replaces nothing until the coordinator confirms it (`reporting confirm`). A blank return (空表) is answered
and never counts. submissions.superseded_by is kept in step, so every reader of "the latest return" (figures,
receipts, the summary, generate's pre-fill) asks only `COUNTS`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from .errors import ReportingError


def counts(alias: str = "") -> str:
    """SQL: the return that counts for its unit; `alias` names the submissions table in the query."""
    column = f"{alias}." if alias else ""
    return f"{column}superseded_by IS NULL AND {column}blank = 0 AND {column}hold = ''"


COUNTS = counts()


def newer_than(conn: sqlite3.Connection, round_name: str, unit: str, saved_at: float | None,
               exclude: int | None = None) -> sqlite3.Row | None:
    """The counting return of the unit saved after `saved_at`, if there is one."""
    if saved_at is None:
        return None
    return conn.execute(
        f"SELECT s.*, f.name AS file_name FROM submissions s JOIN files f ON f.hash = s.file_hash "
        f"WHERE s.round = ? AND s.unit = ? AND {counts('s')} AND s.saved_at > ? "
        f"AND s.id IS NOT ? ORDER BY s.saved_at DESC LIMIT 1", (round_name, unit, saved_at, exclude)).fetchone()


def settle_latest(conn: sqlite3.Connection, round_name: str, unit: str) -> list[int]:
    """Mark the unit's newest counting return latest and the others superseded by it; the ids it newly
    supersedes. Blank and held returns are left out (and supersede nothing)."""
    rows = conn.execute(
        "SELECT id, superseded_by FROM submissions WHERE round = ? AND unit = ? AND blank = 0 AND hold = '' "
        "ORDER BY COALESCE(saved_at, mtime, 0), id", (round_name, unit)).fetchall()
    if not rows:
        return []
    latest = rows[-1]["id"]
    changed = [row["id"] for row in rows[:-1] if row["superseded_by"] != latest]
    conn.execute("UPDATE submissions SET superseded_by = NULL WHERE id = ?", (latest,))
    conn.executemany("UPDATE submissions SET superseded_by = ? WHERE id = ?", [(latest, i) for i in changed])
    return changed


def hold_return(conn: sqlite3.Connection, submission_id: int, reason: str) -> None:
    """Hold a stored return as 待确认 with a reason (in Chinese, shown to the coordinator): it stops counting,
    and whatever it had replaced counts again. Call inside the transaction that stored it."""
    row = conn.execute("SELECT round, unit FROM submissions WHERE id = ?", (submission_id,)).fetchone()
    conn.execute("UPDATE submissions SET hold = ?, superseded_by = NULL WHERE id = ?", (reason, submission_id))
    conn.execute("UPDATE submissions SET superseded_by = NULL WHERE superseded_by = ?", (submission_id,))
    settle_latest(conn, row["round"], row["unit"])


def saved_text(saved_at: float | None) -> str:
    return datetime.fromtimestamp(saved_at).strftime("%Y-%m-%d %H:%M") if saved_at else "时间不详"


@dataclass
class Confirmed:
    file: str
    unit: str
    round: str
    superseded: list[int]


class ConfirmError(ReportingError):
    """Nothing to confirm, or a unit that cannot take the return."""


def confirm_return(conn: sqlite3.Connection, file_hash: str, shown: str, unit: str | None,
                   units: list[str]) -> list[Confirmed]:
    """Settle the held returns of one file: take each as the unit inside, or as `unit` (one of `units`)."""
    held = conn.execute("SELECT * FROM submissions WHERE file_hash = ? AND hold <> '' ORDER BY id",
                        (file_hash,)).fetchall()
    if not held:
        raise ConfirmError("没有待确认的报送，无需确认", file=shown)
    if unit and unit not in units:
        raise ConfirmError(f"单位「{unit}」在轮次「{held[0]['round']}」中没有任务，请核对单位名称", file=shown)
    done = []
    for row in held:
        target = unit or row["unit"]
        # the coordinator's word makes it the unit's latest return, even when an accepted one was saved later
        newest = conn.execute(f"SELECT MAX(saved_at) FROM submissions WHERE round = ? AND unit = ? AND {COUNTS}",
                              (row["round"], target)).fetchone()[0]
        saved_at = max(row["saved_at"] or 0.0, (newest or 0.0) + 0.001)
        conn.execute("UPDATE submissions SET hold = '', unit = ?, receipt = NULL, saved_at = ? WHERE id = ?",
                     (target, saved_at, row["id"]))
        superseded = settle_latest(conn, row["round"], target)
        if row["unit"] != target:
            settle_latest(conn, row["round"], row["unit"])
        done.append(Confirmed(shown, target, row["round"], superseded))
    return done
