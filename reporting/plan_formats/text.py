"""Plans as text: UTF-8 (with or without BOM), UTF-16 with BOM, GBK/GB18030, Big5.

GBK and Big5 share their byte ranges, so a Big5 file nearly always decodes as GB18030 without an error (into
nonsense). When both decode, the one whose characters are the common ones of Chinese writing wins.
"""

from __future__ import annotations

import codecs
import contextlib
from functools import lru_cache
from pathlib import Path

from ..errors import PlanError
from .base import MAX_LINES, SAVE_AS, TEXT_SUFFIXES, SourceLine, SourceLines, too_large

UTF8 = "UTF-8"
# Tried in this order; a later one is taken only when it reads clearly better (see _plausible).
_LEGACY = (("gb18030", "GBK/GB18030"), ("cp950", "Big5"), ("big5hkscs", "Big5-HKSCS"))
_SAMPLE = 20_000
_MARGIN = 0.1
ENCODING_NOTE = "文件编码为 {encoding}（不是 UTF-8），已按 {encoding} 读取；如有乱码，请另存为 UTF-8 后重新导入"


def detect(path: Path, head: bytes) -> bool:
    """Any file named .txt that is not a known binary format (those are told apart before)."""
    return path.suffix.lower() in TEXT_SUFFIXES


def read(path: Path) -> list[SourceLine]:
    return _text_lines(path, path.read_bytes())


def decode_text(data: bytes) -> str | None:
    """The text of `data` in the encoding that reads it best; None when none fits."""
    found = decode(data)
    return found[0] if found else None


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, the encoding's name as users know it): UTF-8 (with or without BOM), UTF-16 with BOM, then
    GB18030 (which covers GBK) or Big5, whichever reads as Chinese; None when none fits."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    text = _decode(data, "utf-8-sig")
    if text is not None:
        return text, UTF8
    best: tuple[float, str, str] | None = None
    for encoding, name in _LEGACY:
        text = _decode(data, encoding)
        if text is None:
            continue
        score = _plausible(text)
        if best is None or score > best[0] + _MARGIN:
            best = (score, text, name)
    if best is not None:
        return best[1], best[2]
    guessed = _guess(data)
    return (guessed, "Big5") if guessed is not None else None


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        pass
    # A few damaged bytes in an otherwise clean file; GBK read as UTF-8 fails on nearly every character.
    text = data.decode(encoding, errors="replace")
    damaged = text.count("\ufffd")
    return text if damaged <= max(2, len(text) // 1000) and damaged * 100 <= len(text) else None


@lru_cache(maxsize=1)
def _common_characters() -> frozenset[str]:
    """The characters most Chinese text is made of: GB2312's first level (3,755 simplified) and Big5's
    常用字 (5,401 traditional)."""
    found: set[str] = set()
    for first, seconds, encoding in (
        (range(0xB0, 0xD8), range(0xA1, 0xFF), "gb2312"),
        (range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)], "big5"),
    ):
        for hi in first:
            for lo in seconds:
                with contextlib.suppress(UnicodeDecodeError):
                    found.add(bytes((hi, lo)).decode(encoding))
    return frozenset(found)


def _usual(ch: str) -> bool:
    return ch in _common_characters() or "\u3000" <= ch <= "\u303f" or "\uff01" <= ch <= "\uff5e" or ch in "“”‘’—…·"


def _plausible(text: str) -> float:
    """The share of the non-ASCII characters that are common ones; Big5 read as GBK scores about a quarter."""
    wide = [ch for ch in text[:_SAMPLE] if ord(ch) > 127]
    return sum(map(_usual, wide)) / len(wide) if wide else 1.0


def _guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None and best.encoding in ("big5", "cp950") else None


def _text_lines(path: Path, data: bytes) -> SourceLines:
    count = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if count > MAX_LINES:
        raise too_large(path, count)
    found = decode(data)
    if found is None or _mostly_control(found[0]):
        raise PlanError(f"不是文本文件，或编码无法识别；{SAVE_AS}", file=path)
    text, encoding = found
    if not text.strip():
        raise PlanError("文件为空", file=path)
    lines = [SourceLine(number, line) for number, line in enumerate(text.splitlines(), start=1)]
    return SourceLines(lines, [] if encoding == UTF8 else [ENCODING_NOTE.format(encoding=encoding)])


def _mostly_control(text: str) -> bool:
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(3, len(sample) // 200)
