"""How a return's cells are kept: each answered row's raw values in one JSON column beside its normalised ones.

A province sends 300,000 rows of 8 fill-in cells; one store row per cell made storing the slowest part of
collect. So `answers.raw` holds the row's cells as read, a JSON array in FILL_COLUMNS order, each entry
  null            text equal to the normalised value (or an empty cell with no normalised value),
  "text"          text that normalising changed ("进行中", "80%"), or an empty cell that got a value,
  [text, type]    anything else, as text_of shows it, with its raw_type ("number", "date", "formula:text"…);
and `submissions.columns` the column letter of each fill column, so a cell's address is letter + answers.row.
Verdicts are the problems at that address. The view `cells` (store.py) lays it all out one row per cell.
"""

from __future__ import annotations

import json

from .readers.ledger import text_of
from .validate import raw_type

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_raw(raw: list[object], normalized: list[object], formula: frozenset[str] | set[str],
               columns: list[str]) -> str:
    """answers.raw for a row: `raw` and `normalized` in FILL_COLUMNS order (`columns`)."""
    entries: list[object] = []
    for index, value in enumerate(raw):
        if type(value) is str and not (formula and columns[index] in formula):
            same = value == normalized[index] or (not value and normalized[index] is None)
            entries.append(None if same else value)
        else:
            entries.append([text_of(value), raw_type(value, columns[index] in formula)])
    return _dumps(entries)


def decode_raw(text: str | None, normalized: list[object]) -> list[tuple[str, str]]:
    """(raw text, raw_type) per fill column, from answers.raw and the row's normalised values."""
    entries = json.loads(text) if text else [["", "empty"]] * len(normalized)
    found = []
    for entry, value in zip(entries, normalized, strict=True):
        if entry is None:
            shown = text_of(value)
            found.append((shown, "text" if shown else "empty"))
        elif isinstance(entry, str):
            found.append((entry, "text" if entry else "empty"))
        else:
            found.append((entry[0], entry[1]))
    return found
