"""Chinese numerals as plans, returns and reports write them: 一 … 九十九, 一百零五, 两."""

from __future__ import annotations

DIGIT_VALUES = dict(zip("〇零一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_DIGITS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九; 0 → 零; 100 and up as Arabic digits."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def parse_chinese(text: str) -> int | None:
    """八十 → 80, 十五 → 15, 一百零五 → 105, 两 → 2, 零 → 0; None when it is not one (八五, 十十, abc)."""
    if not text or any(ch not in DIGIT_VALUES and ch not in "十百" for ch in text):
        return None
    if "百" in text:
        hundreds, _, rest = text.partition("百")
        rest = rest.lstrip("零〇")
        rest_value = parse_chinese(rest) if rest else 0
        if len(hundreds) > 1 or rest_value is None or rest_value >= 100:
            return None
        return (DIGIT_VALUES[hundreds] if hundreds else 1) * 100 + rest_value
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1 or "十" in ones:
            return None
        return (DIGIT_VALUES[tens] if tens else 1) * 10 + (DIGIT_VALUES[ones] if ones else 0)
    return DIGIT_VALUES[text] if len(text) == 1 else None
