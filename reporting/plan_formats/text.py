"""Plans as text: UTF-8 (with or without BOM), UTF-16 with BOM, GBK/GB18030, Big5."""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import PlanError
from .base import MAX_LINES, SAVE_AS, TEXT_SUFFIXES, SourceLine, too_large


def detect(path: Path, head: bytes) -> bool:
    """Any file named .txt that is not a known binary format (those are told apart before)."""
    return path.suffix.lower() in TEXT_SUFFIXES


def read(path: Path) -> list[SourceLine]:
    return _text_lines(path, path.read_bytes())


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM, then GB18030 (which covers GBK); None when none fits."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
        # A few damaged bytes in an otherwise clean file; GBK read as UTF-8 fails on nearly every character.
        text = data.decode(encoding, errors="replace")
        if text.count("\ufffd") <= max(2, len(text) // 1000):
            return text
    return _guess(data)


def _guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None and best.encoding in ("big5", "cp950", "utf_16") else None


def _text_lines(path: Path, data: bytes) -> list[SourceLine]:
    count = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if count > MAX_LINES:
        raise too_large(path, count)
    text = decode_text(data)
    if text is None or _mostly_control(text):
        raise PlanError(f"不是文本文件，或编码无法识别；{SAVE_AS}", file=path)
    if not text.strip():
        raise PlanError("文件为空", file=path)
    return [SourceLine(number, line) for number, line in enumerate(text.splitlines(), start=1)]


def _mostly_control(text: str) -> bool:
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(3, len(sample) // 200)




