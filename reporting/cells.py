"""How a return's cells are kept: each answered row's raw values in one JSON column beside its normalised ones.

A province sends 300,000 rows of 8 fill-in cells; one store row per cell made storing the slowest part of
collect. So `answers.raw` holds the row's cells as read, a JSON array in FILL_COLUMNS order, each entry
  null            the normalised value itself: text or a number typed as such (or an empty cell with none),
  "text"          text that normalising changed ("进行中", "80%"), or an empty cell that got a value,
  [text, type]    anything else, as text_of shows it, with its raw_type ("number", "date", "formula:text"…);
  [text, type, "nul"]  text holding a NUL character, escaped (nul_escape): SQLite's JSON functions stop at a NUL,
                  so the view unescapes it with replace() (NUL_UNESCAPE_SQL);
or NULL when every entry is null (most rows); `submissions.columns` has the column letter of each fill
column, so a cell's address is letter + answers.row.
Verdicts are the problems at that address. The view `cells` (store.py) lays it all out one row per cell.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .readers.returned_workbook import text_of
from .validate import as_typed, raw_type

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_ESC = "\ue000"  # a private-use character: itself escaped as ESC+"\ue001", a NUL as ESC+"\ue002"


def nul_escape(text: str) -> str:
    return text.replace(_ESC, _ESC + "\ue001").replace("\x00", _ESC + "\ue002")


def nul_unescape(text: str) -> str:
    return text.replace(_ESC + "\ue002", "\x00").replace(_ESC + "\ue001", _ESC)


def nul_unescape_sql(expression: str) -> str:
    """nul_unescape in SQL, for the view `cells`."""
    return f"replace(replace({expression}, char(57344, 57346), char(0)), char(57344, 57345), char(57344))"


def encode_raw(raw: list[object], normalized: Sequence[object], formula: frozenset[str] | set[str],
               columns: list[str]) -> str | None:
    """answers.raw for a row: `raw` and `normalized` in FILL_COLUMNS order (`columns`)."""
    if not formula and all(map(as_typed, raw, normalized)):
        return None  # the usual row
    entries: list[object] = []
    for value, norm, column in zip(raw, normalized, columns, strict=True):
        if formula and column in formula:
            entries.append(_entry(text_of(value), raw_type(value, True)))
        elif as_typed(value, norm):
            entries.append(None)
        elif type(value) is str:
            entries.append(_entry(value, "text") if "\x00" in value else value)
        else:
            entries.append(_entry(text_of(value), raw_type(value)))
    return _dumps(entries)


def _entry(text: str, kind: str) -> list[str]:
    return [nul_escape(text), kind, "nul"] if "\x00" in text else [text, kind]


def decode_raw(text: str | None, normalized: list[object]) -> list[tuple[str, str]]:
    """(raw text, raw_type) per fill column, from answers.raw and the row's normalised values."""
    entries = json.loads(text) if text else [None] * len(normalized)
    found = []
    for entry, value in zip(entries, normalized, strict=True):
        if entry is None:
            shown = text_of(value)
            found.append((shown, "empty" if not shown else "text" if isinstance(value, str) else "number"))
        elif isinstance(entry, str):
            found.append((entry, "text" if entry else "empty"))
        else:
            found.append((nul_unescape(entry[0]) if len(entry) > 2 else entry[0], entry[1]))
    return found
