"""Naming rules at one choke point: sheet names and Windows-safe file names."""

from __future__ import annotations

import re

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILE_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_FILE_STEM = 120


def sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, not blank, no leading/trailing apostrophe."""
    cleaned = _SHEET_FORBIDDEN.sub("_", name).strip().strip("'")
    return cleaned[:31] or "Sheet"


def file_stem(name: str) -> str:
    """A file name (without extension) that Windows accepts, from a unit or round name."""
    cleaned = _FILE_FORBIDDEN.sub("_", name).strip().rstrip(".")
    cleaned = re.sub(r"\s+", " ", cleaned)[:MAX_FILE_STEM].rstrip(". ")
    if not cleaned:
        return "未命名"
    if cleaned.upper() in _WINDOWS_RESERVED:
        return cleaned + "_"
    return cleaned
