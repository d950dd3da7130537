"""Naming rules at one choke point: sheet names and Windows-safe file names."""

from __future__ import annotations

import hashlib
import re

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Windows' forbidden characters, control characters, and bidirectional controls (a file named
# 照片\u202egpj.exe shows in Explorer as 照片exe.jpg: it would be opened as a photo and run)
_FILE_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_FILE_STEM = 120
MAX_STEM_BYTES = 150  # a file name is at most 255 bytes on Linux/macOS (a Chinese character takes 3 in UTF-8)


def sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, not blank, no leading/trailing apostrophe."""
    cleaned = _SHEET_FORBIDDEN.sub("_", name).strip().strip("'")
    return cleaned[:31] or "Sheet"


def file_stem(name: str) -> str:
    """A file name (without extension) that Windows accepts, from a unit or round name.

    A name too long for a file name (120 characters, or 150 bytes in UTF-8, leaving room for a suffix and
    an extension) is cut and given a short digest of the whole name, so two long names that differ only
    past the cut still give two files."""
    cleaned = _FILE_FORBIDDEN.sub("_", name).strip().rstrip(".")
    cleaned = re.sub(r"\s+", " ", cleaned)
    if len(cleaned) > MAX_FILE_STEM or len(cleaned.encode("utf-8")) > MAX_STEM_BYTES:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        cut = cleaned[:MAX_FILE_STEM]
        while len(cut.encode("utf-8")) > MAX_STEM_BYTES - len(digest) - 1:
            cut = cut[:-1]
        cleaned = f"{cut.rstrip('. ')}~{digest}"
    cleaned = cleaned.rstrip(". ")
    if not cleaned:
        return "未命名"
    if cleaned.upper() in _WINDOWS_RESERVED:
        return cleaned + "_"
    return cleaned
