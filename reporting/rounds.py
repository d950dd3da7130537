"""Which round a command works on: one answer for every command (PRODUCT.md, "The current round").

`generate --round R` makes R current in reporting.toml; every other command takes the round given with
--round, else the one reporting.toml names, else the latest generated.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import WorkspaceError
from .store import connect
from .workspace import SETTINGS_FILE, Workspace

NONE_GENERATED = "尚未生成任何轮次的台账，请先运行 reporting generate"


def generated_rounds(conn: sqlite3.Connection) -> list[str]:
    """The rounds generate recorded, oldest first."""
    return [row[0] for row in conn.execute("SELECT name FROM rounds ORDER BY generated_at, name")]


def current_round(ws: Workspace, generated: list[str], given: str | None = None) -> str:
    """The round given, else the current one of reporting.toml, else the latest generated."""
    if not generated:
        raise WorkspaceError(NONE_GENERATED)
    if given:
        if given not in generated:
            raise WorkspaceError(f"轮次「{given}」尚未生成台账：请先运行 reporting generate --round {given}"
                                 f"（已生成的轮次：{'、'.join(generated)}）")
        return given
    configured = ws.settings().round_name
    if not configured:
        return generated[-1]
    if configured not in generated:
        raise WorkspaceError(f"{SETTINGS_FILE} 中的当前轮次「{configured}」尚未生成台账：请先运行 reporting generate，"
                             f"或用 --round 指定已生成的轮次（{'、'.join(generated)}）")
    return configured


def store_round(ws: Workspace, conn: sqlite3.Connection, given: str | None = None) -> str:
    """current_round over the rounds recorded in the store."""
    return current_round(ws, generated_rounds(conn), given)


@contextmanager
def open_round(ws: Workspace, given: str | None = None) -> Iterator[tuple[sqlite3.Connection, str]]:
    """The store and the round a command reads; no empty store is made where there is none."""
    if not ws.db_path.exists():
        raise WorkspaceError(NONE_GENERATED)
    conn = connect(ws.db_path)
    try:
        yield conn, store_round(ws, conn, given)
    finally:
        conn.close()


def round_to_generate(ws: Workspace, given: str | None) -> str:
    """The round generate writes: the one given, else the current one of reporting.toml."""
    name = (given or "").strip() or ws.settings().round_name
    if not name:
        raise WorkspaceError(f"未指定填报轮次：请用 --round 指定，如 --round 2026年第四季度"
                             f"（生成后即成为 {SETTINGS_FILE} 中的当前轮次）")
    return name
