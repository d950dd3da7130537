"""Normalise what people write in a return, then check it: pure functions, no I/O.

An error rejects the row (待修改); a warning does not. Every cell keeps its raw value next to the
normalised one, its verdict and the message, so any figure traces back to what the unit typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from itertools import repeat
from operator import is_, itemgetter
from typing import cast

from .hanzi import to_simplified
from .numerals import parse_chinese as chinese_number
from .readers.base import NO_CACHE
from .readers.returned_workbook import LedgerRow, text_of
from .vocabulary import (
    ERROR,
    MATERIAL_ATTACHED,
    MATERIAL_CHOICES,
    MATERIAL_EXPLAINED,
    MATERIAL_ON_SITE,
    MODE_WORDS,
    NO_FIGURE_WORDS,
    NOT_APPLICABLE_MARKS,
    NOTE,
    OK,
    PROGRESS_WORDS,
    STATUS_CHOICES,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ONGOING,
    STATUS_WORDS,
    WARNING,
    Rule,
    rule_table,
)
from .workbook_spec import ANSWER_FIELDS, FIELD_INDEX, FILL_COLUMNS, FILL_SPEC, PERCENT, TEXT

_SPACE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u00ad]+")  # and the invisible ones pasted from the web or Word
_CACHED_KEY_LENGTH = 64
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRIM = "。.，,；;！!、 '‘’`“”\"「」『』"  # and quotes, and the apostrophe of a value pasted as text ('80)
_MARKS = "√✓✔☑✅■●◆★☆"  # a tick or bullet beside a word ("√已完成", "■推进中")
_PERCENT_WORDS = re.compile(r"^(?:约|大约)?(?:百分之)?(.+?)(?:%|左右|以上)*$")
_TENTHS = re.compile(r"^(?:约|大约)?(.+?)成(?:左右|以上)?$")  # "八成", "8成": tenths
# "近80%", "超过90%", "已完成85%": the words before the figure, read as a lower bound or near enough (noted); "不到50%"
# stays an error
_HEDGED = re.compile(r"^(?:近|接近|将近|超过|已超过|达到|已达到|已达|已完成|完成了?|约为|大约|约|大概)+")
_DONE_AFTER = re.compile(r"(?<=%)已?完成了?$")  # "100%完成": the figure, noted
# "80%-90%", "80~90", "八十至九十": its lower end (noted); a date (2026-09-30) is no span of two figures
_SPAN = re.compile(r"^(.+?)%?(?:-|—|–|~|至|到)(.+?)%?$")

STATUS_FIX = "请从下拉列表选择：未启动、推进中、已完成"
PROGRESS_FIX = "请填写0到100之间的数字，如 80"
FORMULA_FIX = "请在 Excel/WPS 中打开并保存后重新报送，或直接填写数值"

# Every problem a row can have. Fields: {value} (the cell as typed), {column}, {progress}.
ROW_RULES = rule_table(
    Rule("status.unknown", ERROR, "完成状态「{value}」无法识别", STATUS_FIX),
    Rule("status.not_applicable", ERROR, "完成状态「{value}」：没有“不适用”这一状态，此项任务按任务分解表由本单位承担",
         "如确不属于本单位职责，请与联系人联系调整分工；否则请从下拉列表选择：未启动、推进中、已完成"),
    Rule("status.missing", ERROR, "已填写其他内容，但完成状态为空", STATUS_FIX),
    Rule("progress.not_number", ERROR, "完成进度(%)「{value}」不是数字", PROGRESS_FIX),
    Rule("progress.range", ERROR, "完成进度(%)「{value}」超出0–100", PROGRESS_FIX),
    Rule("progress.read_as", NOTE, "完成进度(%)「{value}」按{progress}读取",
         "如不是这个意思，请填写一个0到100之间的数字"),
    Rule("progress.no_figure", NOTE, "完成进度(%)「{value}」不是数字，按未填写处理",
         "如有进度，请填写0到100之间的数字"),
    Rule("progress.done_below_100", WARNING, "完成状态为已完成，但完成进度为{progress}",
         "请核对：已完成的任务进度应为100"),
    Rule("progress.not_started_above_0", WARNING, "完成状态为未启动，但完成进度为{progress}",
         "请核对：未启动的任务进度应为0"),
    Rule("status.read_as", NOTE, "完成状态「{value}」按“{word}”读取",
         "如不是这个意思，请从下拉列表选择后重新报送"),
    Rule("mode.read_as", NOTE, "材料提供方式「{value}」按“{word}”读取", "如不是这个意思，请从下拉列表选择"),
    Rule("mode.unknown", WARNING, "材料提供方式「{value}」不在下拉选项中", "请选择：" + "、".join(MATERIAL_CHOICES)),
    Rule("text.control_chars", WARNING, "{column}含有不可见的控制字符，已删除", "请检查该单元格内容是否完整"),
    Rule("formula.error_value", ERROR, "{column}：公式结果为错误值 {value}", FORMULA_FIX),
    Rule("formula.no_cache", ERROR, "{column}：公式没有计算结果（文件由程序生成后未在 Excel/WPS 中保存）", FORMULA_FIX),
    Rule("done.no_measures", ERROR, "完成状态为已完成，但未填写工作举措及成效", "请填写采取的具体举措和取得的成效"),
    Rule("done.no_evidence", ERROR, "完成状态为已完成，但未填写佐证材料，{mode}",
         f"请列出佐证材料，或在材料提供方式中选择{MATERIAL_ON_SITE}或{MATERIAL_EXPLAINED}"),
)


@dataclass(slots=True)
class CellResult:
    """One cell read: raw as read, normalised, and its verdict."""

    column: str
    cell: str
    raw: object
    raw_type: str
    normalized: object = None
    level: str = OK
    message: str = ""
    fix: str = ""


@dataclass(slots=True)
class Problem:
    level: str  # error / warning / missing / overdue
    message: str
    fix: str = ""
    task_id: str | None = None
    column: str | None = None
    cell: str | None = None
    value: str | None = None
    sheet: str | None = None
    code: str = ""  # the rule's code (ROW_RULES, collect_match.RETURN_RULES, readers' STRUCTURE_NOTES)


@dataclass(slots=True)
class RowResult:
    """One answered row checked: raw and normalised values in FILL_COLUMNS order, the verdict of each
    flagged cell, and the row's problems. Cells with no problem get no object of their own (a province
    sends 300,000 rows); `cells` builds them when asked."""

    task_id: str
    raw: list[object]
    normalized: list[object]
    addresses: Mapping[str, str] | LedgerRow  # fill column → cell address ("J7")
    formula: frozenset[str] | set[str] = frozenset()  # columns whose value came from a formula
    problems: list[Problem] = field(default_factory=list)
    flags: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # column index → (level, message, fix)
    plain: bool = False  # known to hold every cell as its normalised value (as_typed): answers.raw is NULL

    @property
    def accepted(self) -> bool:
        return not self.problems or not any(p.level == ERROR for p in self.problems)

    @property
    def status(self) -> str | None:
        return self.normalized[_STATUS]  # type: ignore[return-value]

    @property
    def fields(self) -> dict[str, object]:
        """answers column → normalised value."""
        return dict(zip(ANSWER_FIELDS.values(), self.normalized, strict=True))

    def level(self, index: int) -> str:
        flag = self.flags.get(index)
        return flag[0] if flag else OK

    @property
    def cells(self) -> dict[str, CellResult]:
        found = {}
        for index, column in enumerate(FILL_COLUMNS):
            level, message, fix = self.flags.get(index, (OK, "", ""))
            found[column] = CellResult(column, self.addresses.get(column, ""), self.raw[index],
                                       raw_type(self.raw[index], column in self.formula), self.normalized[index],
                                       level, message, fix)
        return found


def raw_type(value: object, from_formula: bool = False) -> str:
    if type(value) is str:  # most cells
        kind = "text" if value else "empty"
        return f"formula:{kind}" if from_formula else kind
    kind = ("empty" if value is None or value == "" else "bool" if isinstance(value, bool)
            else "number" if isinstance(value, int | float) else "datetime" if isinstance(value, datetime)
            else "date" if isinstance(value, date) else "time" if isinstance(value, time) else "text")
    return f"formula:{kind}" if from_formula else kind


def clean_text(value: object) -> tuple[str, bool]:
    """Text of a cell without control characters; whether any were removed. Length is never cut."""
    text = text_of(value)
    cleaned = _CONTROL.sub("", text)
    return cleaned.strip(), cleaned != text


def _key(text: str) -> str:
    return _short_key(text) if len(text) <= _CACHED_KEY_LENGTH else _plain_key(text)


@lru_cache(maxsize=1024)
def _short_key(text: str) -> str:
    """_key of a short text: dropdown words and figures recur in every return."""
    return _plain_key(text)


def _plain_key(text: str) -> str:
    """A word as compared: NFKC, no spaces, no quotes or punctuation at its ends, simplified characters (a return
    typed in 繁體, 進行中 or 見附件, is read by the same words), lower case ("Done")."""
    return to_simplified(_SPACE.sub("", unicodedata.normalize("NFKC", text)).strip(_TRIM)).lower()


def _table(words: dict[str, list[str]]) -> dict[str, str]:
    return {_plain_key(word): choice for choice, listed in words.items() for word in listed}


STATUS_TABLE = _table(STATUS_WORDS)
MODE_TABLE = _table(MODE_WORDS)
_NO_FIGURE = frozenset(map(_plain_key, NO_FIGURE_WORDS))
_CHOICE_KEYS = frozenset(STATUS_CHOICES + MATERIAL_CHOICES)  # the dropdowns' own words
_NOT_APPLICABLE_LENGTH = 30  # a longer 完成状态 is a sentence about something else, not 不适用
_BRACKETED = re.compile(r"^(.+?)[（(【\[](.*)[）)】\]]$")
_REMARKED = re.compile(r"^(.+?)[，,；;：:。]")  # "已完成，长期坚持", "已完成。详见附件": a word, then a remark
_NUMBERED = re.compile(r"^(.+?)[\d\-~～、,和及至]+$")  # "见附件1", "详见附件2-3": a word, then numbers
# "完成90%", "100%", "100%完成", "完成（90%）" (after NFKC): the figure tells the state
_BARE_FIGURE = re.compile(r"^\d{1,3}(?:\.\d+)?$")
_PERCENT_DONE = re.compile(r"^(?:已?完成了?)?[(\[【]?约?(\d{1,3}(?:\.\d+)?)%[)\]】]?(?:已?完成)?$")


def use_words(extra: dict[str, list[str]] | None) -> None:
    """The built-in words plus the coordinator's (reporting.toml [词表]: choice → words); theirs win."""
    extra = extra or {}
    STATUS_TABLE.clear()
    STATUS_TABLE.update(_table(STATUS_WORDS))
    STATUS_TABLE.update(_table({k: v for k, v in extra.items() if k in STATUS_CHOICES}))
    MODE_TABLE.clear()
    MODE_TABLE.update(_table(MODE_WORDS))
    MODE_TABLE.update(_table({k: v for k, v in extra.items() if k in MATERIAL_CHOICES}))
    _short_status.cache_clear()
    _short_mode.cache_clear()
    _short_progress.cache_clear()  # a status word written as the progress is read by the same words
    _PLAIN_OUTCOMES.clear()


def _lookup(table: dict[str, str], text: str) -> str | None:
    key = _key(text)
    found = table.get(key)
    if found is None:  # "已完成（常态化）", "已完成，长期坚持", "见附件1": the word before the remark
        head = _BRACKETED.match(key) or _REMARKED.match(key) or _NUMBERED.match(key)
        found = table.get(head.group(1).strip(_TRIM)) if head else None
        if found is None and (bare := key.strip(_MARKS)) and bare != key:
            found = table.get(bare)
        if found is None and len(words := text.split()) > 1:  # "已完成 详见附件", "已完成\n情况见附件"
            keys = [_key(word) for word in words]  # not "未启动 推进中 已完成" (the list copied): one choice only
            found = table.get(keys[0]) if not any(k in _CHOICE_KEYS for k in keys[1:]) else None
    return found


def normalize_status(value: object) -> tuple[str | None, str | None]:
    """(status, None), (None, None) for empty, or (None, the code of the rule it breaks)."""
    status, error = _choice(value, STATUS_TABLE, "status.unknown", keep_unknown=False)
    if status == STATUS_DONE and (remark := _BRACKETED.match(_key(clean_text(value)[0]))):
        status = _percent_status(remark[0][len(remark[1]):]) or status  # "完成（90%）": 90% is not done
    if not error:
        return status, error
    key = _key(clean_text(value)[0])
    if found := _percent_status(key):
        return found, None
    if len(key) <= _NOT_APPLICABLE_LENGTH and any(mark in key.lower() for mark in NOT_APPLICABLE_MARKS):
        return None, "status.not_applicable"
    return status, error


def status_figure(value: object) -> float | None:
    """The figure a status written as one gives ("80%", "完成90%", "完成（90%）"), else None."""
    key = _key(clean_text(value)[0])
    found = _figure(key)
    if found is None and (remark := _BRACKETED.match(key)):
        found = _figure(remark[0][len(remark[1]):])
    return found


def _figure(key: str) -> float | None:
    """The figure of a status written as one ("完成90%", "100%", "（0%）", or a bare 80 or 0.8: the progress put in
    the status column), up to 100; else None. A bare 1 is none: 1%, 100% or a tick."""
    if figure := _PERCENT_DONE.match(key):
        return float(figure[1]) if float(figure[1]) <= 100 else None
    if (bare := _BARE_FIGURE.match(key)) is None or (number := float(bare[0])) == 1:
        return None
    return _as_percent(number, explicit=False) if number <= 100 else None


def _percent_status(key: str) -> str | None:
    """The state a figure written as the status tells ("完成90%", "100%", "（0%）"): 100 done, 0 not started."""
    number = _figure(key)
    if number is None:
        return None
    return STATUS_DONE if number == 100 else STATUS_NOT_STARTED if number == 0 else STATUS_ONGOING


@lru_cache(maxsize=256)
def _short_status(text: str) -> tuple[str | None, str | None]:
    """normalize_status of a short text: the dropdown's words, mostly."""
    return normalize_status(text)


def normalize_mode(value: object) -> tuple[str | None, str | None]:
    """(mode, None), (None, None) for empty, or (the text as written, the code of the rule it breaks)."""
    return _choice(value, MODE_TABLE, "mode.unknown", keep_unknown=True)


def _choice(value: object, table: dict[str, str], code: str, *, keep_unknown: bool,
            ) -> tuple[str | None, str | None]:
    """A dropdown column's word for what was written, by its table of the ways people write each."""
    text, _ = clean_text(value)
    if not text:
        return None, None
    found = _lookup(table, text)
    if found is None:
        return (text if keep_unknown else None), code
    return found, None


@lru_cache(maxsize=256)
def _short_mode(text: str) -> tuple[str | None, str | None]:
    """normalize_mode of a short text: the dropdown's words, mostly."""
    return normalize_mode(text)


def normalize_progress(value: object, percent_format: Callable[[], bool] | bool = False,
                       ) -> tuple[float | None, str | None]:
    """A percentage 0–100 from 80, "80%", "８０％", 0.8, "八十"; (None, rule code) when it cannot be one; (the
    figure, "progress.read_as") for "近80%" or "80%-90%" (see _read_as)."""
    if isinstance(value, bool):
        return None, "progress.not_number"
    if isinstance(value, int | float):
        number = float(value)
        is_percent = percent_format() if callable(percent_format) else percent_format
        if is_percent or (not number.is_integer() and 0 < number <= 1):
            number *= 100
        return _in_range(round(number, 2))
    text, _ = clean_text(value)
    if not text:
        return None, None
    plain = _key(text).replace("％", "%")
    if remark := _BRACKETED.match(plain):  # "100%（已完成）": the figure before the remark
        plain = remark[1]
    explicit = "%" in plain or "百分之" in plain
    found = _figure_of(plain, explicit)
    if found is not None:
        return _in_range(found)
    read, error = _read_as(plain, explicit)
    if read is not None or error != "progress.not_number":
        return read, error
    words = _plain_key(text)
    if (figure := PROGRESS_WORDS.get(_HEDGED.sub("", words))) is not None:
        return figure, "progress.read_as"  # "已完成一半": 50, noted
    if state := _lookup(STATUS_TABLE, text):  # the status written as the progress: "已完成" is 100, "推进中" none
        figure = STATE_FIGURES.get(state)
        return figure, "progress.read_as" if figure is not None else "progress.no_figure"
    return None, "progress.no_figure" if words in _NO_FIGURE else error


# The progress a state stands for, where it has one (推进中 does not): an empty 完成进度 of a row that is 已完成, or
# "已完成" written in 完成进度 itself.
STATE_FIGURES = {STATUS_DONE: 100.0, STATUS_NOT_STARTED: 0.0}


def _figure_of(plain: str, explicit: bool) -> float | None:
    """One figure as a percentage, before its range is checked: 80, "80%", "八十", "八成", "约80", "90%以上"; None
    when `plain` is not one. `explicit`: written with % (0.8% is not 80)."""
    if tenths := _TENTHS.match(plain):  # "八成": 80
        found = _number(tenths[1])
        return None if found is None else round(found * 10, 2)
    match = _PERCENT_WORDS.match(plain)
    found = _number(match.group(1) if match else plain)
    return None if found is None else _as_percent(found, explicit)


def _read_as(plain: str, explicit: bool) -> tuple[float | None, str | None]:
    """A hedged figure ("近80%", "超过八成") or a span of two ("80%-90%", "约50%至60%左右"), read as the figure or the
    span's lower end: progress.read_as (noted, so that the unit sees what was taken), or progress.range; else
    progress.not_number."""
    bare = _DONE_AFTER.sub("", _HEDGED.sub("", plain))  # "已完成85%", "100%完成"
    found = _figure_of(bare, explicit) if bare != plain else None
    if found is None and (span := _SPAN.match(bare)):
        low, high = _figure_of(_HEDGED.sub("", span[1]), explicit), _figure_of(span[2], explicit)
        found = low if low is not None and high is not None and low < high <= 100 else None
    if found is None:
        return None, "progress.not_number"
    number, error = _in_range(found)
    return number, error or "progress.read_as"


def _as_percent(number: float, explicit: bool) -> float:
    """A figure as a percentage: 0.8 is 80 unless written with % (0.8%)."""
    if not explicit and not number.is_integer() and 0 < number <= 1:
        number *= 100
    return round(number, 2)


def _number(text: str) -> float | None:
    """A figure in digits or Chinese numerals."""
    try:
        return float(text)
    except ValueError:
        parsed = chinese_number(text)
        return None if parsed is None else float(parsed)


def _in_range(number: float) -> tuple[float | None, str | None]:
    if not 0 <= number <= 100:
        return None, "progress.range"
    return number, None


def check_row(
    task_id: str,
    values: dict[str, object] | list[object],
    cells: Mapping[str, str] | LedgerRow,
    *,
    percent: Callable[[str], bool] = lambda column: False,
    formula: set[str] | frozenset[str] = frozenset(),
    issues: dict[str, str] | None = None,
    has_attachments: bool = False,
) -> RowResult:
    """Normalise and check one answered row of 工作台账 (an entirely empty row is never passed here).

    `values`: fill column → value, or the values in FILL_COLUMNS order (a list, then kept as the row's raw).
    """
    raw = values if isinstance(values, list) else [values.get(column, "") for column in FILL_COLUMNS]
    normalized: list[object] = [None] * len(FILL_COLUMNS)
    result = RowResult(task_id, raw, normalized, cells, formula)
    for index, column, free_text in _COLUMNS:
        value = raw[index]
        if issues and column in issues:
            _formula_problem(result, index, issues[column])
        elif type(value) is str and (not value or (free_text and (value.isprintable() or not _CONTROL.search(value)))):
            if value:  # the usual cell, plain text (isprintable: a quick "no control characters" for one line)
                normalized[index] = value.strip() or None
        elif index in _PERCENT:
            _progress(result, index, value, percent)
        elif index == _STATUS and type(value) in (int, float) and percent(column):
            _status(result, index, f"{cast(float, value) * 100:g}%")  # 0.8 shown as 80%: read, quoted as seen
        else:
            _CHECKS.get(index, _text)(result, index, value)
    _row_rules(result, has_attachments)
    return result


def check_plain_row(task_id: str, raw: list[object], cells: Mapping[str, str] | LedgerRow,
                    formula: set[str] | frozenset[str] = frozenset(), has_attachments: bool = False) -> RowResult:
    """check_row of a row with no formula problem, in a workbook where no cell can be a percentage: the same
    result, told without the cell-by-cell checks when the row is the usual kind (plain_values)."""
    found = plain_values(raw, has_attachments)
    if found is not None:
        return RowResult(task_id, raw, list(found[0]), cells, formula, plain=found[1])
    return check_and_learn(task_id, raw, cells, formula, has_attachments)


def check_and_learn(task_id: str, raw: list[object], cells: Mapping[str, str] | LedgerRow,
                    formula: set[str] | frozenset[str] = frozenset(), has_attachments: bool = False) -> RowResult:
    """check_row of a row plain_values did not tell (as check_plain_row), its combination of status, progress
    and mode remembered for plain_values when the row is of the usual kind."""
    result = check_row(task_id, raw, cells, formula=formula, has_attachments=has_attachments)
    parts = _plain_parts(raw, has_attachments)
    if parts is not None and parts[0] not in _PLAIN_OUTCOMES:  # learnt: the next rows of the kind are plain_values'
        if len(_PLAIN_OUTCOMES) >= _PLAIN_OUTCOMES_SIZE:
            _PLAIN_OUTCOMES.clear()
        normalized = result.normalized
        _PLAIN_OUTCOMES[parts[0]] = () if result.problems else (
            tuple(normalized[i] for i in _CHOICE_ORDER), all(as_typed(raw[i], normalized[i]) for i in _CHOICE_ORDER))
    return result


def plain_values(raw: list[object], has_attachments: bool = False) -> tuple[tuple[object, ...], bool] | None:
    """check_plain_row's result for a row of the usual kind, without making a RowResult: its normalised values
    (FILL_COLUMNS order) and whether every cell holds its normalised value as typed (as_typed: answers.raw is
    NULL), for a row with no problem at all (plain text, and a status, progress and mode already seen without
    a problem in the same combination, which most rows repeat); None when the row is to be checked in full
    (check_plain_row, which learns the combination)."""
    parts = _plain_parts(raw, has_attachments)
    if parts is None:
        return None
    key, free, stripped, texts = parts
    known = _PLAIN_OUTCOMES.get(key)
    if not known:  # not seen yet, or seen with a problem (checked in full, for its messages)
        return None
    choices, choices_as_typed = known
    # str.strip gives the text itself back when there is nothing to strip, and a shorter one when there is: the
    # texts compare equal (the same objects, at once) only when every text is as typed
    return _IN_COLUMN_ORDER(choices + texts), choices_as_typed is True and stripped == free


def plain_rows(raws: Sequence[list[object]], has_attachments: bool = False,
               ) -> list[tuple[tuple[object, ...], bool] | None]:
    """[plain_values(raw, has_attachments) for raw in raws], told a column at a time: maps over a return's
    columns, where plain_values makes a dozen calls for each row."""
    if not raws:
        return []
    columns = list(zip(*map(_FREE_TEXT_PICK, raws), strict=True))  # free-text cells, column by column
    odd = _odd_rows(columns)
    if odd:  # told one by one (None): the other rows, together
        keep = [index for index in range(len(raws)) if index not in odd]
        found: list[tuple[tuple[object, ...], bool] | None] = [None] * len(raws)
        for index, told in zip(keep, plain_rows([raws[index] for index in keep], has_attachments), strict=True):
            found[index] = told
        return found
    stripped = [tuple(map(str.strip, column)) for column in columns]
    texts = [tuple(map(_EMPTY_AS_NONE.get, column, column)) for column in stripped]
    retyped = {index for column, before in zip(stripped, columns, strict=True) if column != before
               for index, (after, typed) in enumerate(zip(column, before, strict=True)) if after != typed}
    statuses, progresses, modes = zip(*map(_CHOICE_PICK, raws), strict=True)
    progress_keys = map(_progress_key, progresses) if 0.0 in progresses else progresses  # no zero: each its own key
    keys = zip(map(type, statuses), statuses, map(type, progresses), progress_keys, map(type, modes),
               modes, map(is_, texts[_FREE_MEASURES], repeat(None)), map(is_, texts[_FREE_EVIDENCE], repeat(None)),
               repeat(has_attachments))
    outcomes = list(map(_PLAIN_OUTCOMES.get, keys))
    if all(outcomes):  # every row told (the usual return): its values put in rows by zip, without a step per row
        every = cast("list[tuple]", outcomes)
        normalized = zip(*_IN_COLUMN_ORDER((*zip(*map(_FIRST, every), strict=True), *texts)), strict=True)
        typed = list(map(_SECOND, every))
        for index in retyped:
            typed[index] = False
        return list(zip(normalized, map(is_, typed, repeat(True)), strict=True))
    return [(_IN_COLUMN_ORDER(known[0] + text), known[1] is True and index not in retyped) if known else None
            for index, (known, text) in enumerate(zip(outcomes, zip(*texts, strict=True), strict=True))]


def _odd_rows(columns: list[tuple]) -> set[int]:
    """The rows (indices) with a free-text cell that is not text or holds a control character: plain_values
    tells them nothing."""
    odd: set[int] = set()
    for column in columns:
        try:
            joined = "".join(column)
        except TypeError:  # a cell that is not text
            odd.update(index for index, value in enumerate(column) if not isinstance(value, str))
            joined = "".join(value for value in column if isinstance(value, str))
        if not joined.isprintable() and _CONTROL.search(joined):  # isprintable: a quick "no control characters"
            odd.update(index for index, value in enumerate(column)
                       if isinstance(value, str) and _CONTROL.search(value))
    return odd


def _progress_key(progress: object) -> object:
    """A progress as _PLAIN_OUTCOMES' keys hold it: 0.0 and -0.0 are equal keys, but are kept as typed."""
    return repr(progress) if type(progress) is float and not progress else progress


def _plain_parts(raw: list[object], has_attachments: bool) -> tuple[tuple, tuple, tuple[str, ...], tuple] | None:
    """For a row whose free-text cells are all text without control characters: its key in _PLAIN_OUTCOMES, the
    free-text cells, the same stripped, and their normalised values; None for any other row. The free-text
    cells are looked at together: joined, for control characters; stripped, in one map."""
    free = _FREE_TEXT_PICK(raw)
    try:
        joined = "".join(free)
    except TypeError:  # a cell that is not text
        return None
    if not joined.isprintable() and _CONTROL.search(joined):  # isprintable: a quick "no control characters"
        return None
    stripped = tuple(map(str.strip, free))
    texts = tuple(map(_EMPTY_AS_NONE.get, stripped, stripped))  # text or None, without a Python loop
    status, progress, mode = raw[_STATUS], raw[_PROGRESS], raw[_MODE]
    key = (type(status), status, type(progress), _progress_key(progress), type(mode), mode,
           texts[_FREE_MEASURES] is None, texts[_FREE_EVIDENCE] is None, has_attachments)
    return key, free, stripped, texts


def as_typed(value: object, norm: object) -> bool:
    """The cell holds its normalised value as typed (or is empty and has none): answers.raw keeps nothing."""
    return value is norm or (value == norm and type(value) in (str, float, int)) or (value == "" and norm is None)


def _flag(result: RowResult, index: int, code: str, **fields: object) -> None:
    """The row breaks ROW_RULES[code] at the column `index`; `fields` fill in its message."""
    rule = ROW_RULES[code]
    column = FILL_COLUMNS[index]
    message, fix = rule.text(column=column, **fields)
    if rule.level != NOTE and (rule.level == ERROR or index not in result.flags):
        result.flags[index] = (rule.level, message, fix)
    result.problems.append(Problem(rule.level, message, fix, result.task_id, column,
                                   result.addresses.get(column, ""), text_of(result.raw[index])[:200] or None,
                                   code=code))


def _shown(raw: object) -> str:
    """A cell as a message quotes it."""
    return clean_text(raw)[0]


def _formula_problem(result: RowResult, index: int, issue: str) -> None:
    if issue == NO_CACHE:
        _flag(result, index, "formula.no_cache")
    else:
        _flag(result, index, "formula.error_value", value=issue)


def _status(result: RowResult, index: int, raw: object) -> None:
    short = type(raw) is str and len(raw) <= _CACHED_KEY_LENGTH
    status, error = _short_status(raw) if short else normalize_status(raw)
    result.normalized[index] = status
    if error:
        _flag(result, index, error, value=_shown(raw))
    elif status is not None and raw != status and _shown(raw) != status:
        _flag(result, index, "status.read_as", value=_shown(raw), word=status)
        if (figure := status_figure(raw)) is not None:  # "80%" as the status: the progress too, unless given
            result.normalized[_PROGRESS] = figure


def _progress(result: RowResult, index: int, raw: object, percent: Callable[[str], bool]) -> None:
    kind = type(raw)
    if kind is str and len(cast(str, raw)) <= _CACHED_KEY_LENGTH:
        number, error = _short_progress(cast(str, raw))
    elif (kind is int or kind is float) and 0 <= (typed := cast(float, raw)) <= 100 and typed == int(typed) and (
            not percent(FILL_COLUMNS[index])):
        number, error = float(typed), None  # the usual figure, typed as a whole number: nothing to convert
    else:
        number, error = normalize_progress(raw, lambda: percent(FILL_COLUMNS[index]))
    result.normalized[index] = number
    if error:
        _flag(result, index, error, value=_shown(raw), progress="" if number is None else _pct(number))


@lru_cache(maxsize=1024)
def _short_progress(text: str) -> tuple[float | None, str | None]:
    """normalize_progress of a short text ("80", "80%"): the same few figures recur in every return."""
    return normalize_progress(text)


def _mode(result: RowResult, index: int, raw: object) -> None:
    short = type(raw) is str and len(raw) <= _CACHED_KEY_LENGTH
    mode, warning = _short_mode(raw) if short else normalize_mode(raw)
    result.normalized[index] = mode
    _control_chars(result, index, raw)
    if warning:
        _flag(result, index, warning, value=_shown(raw))
    elif mode is not None and raw != mode and _shown(raw) != mode:
        _flag(result, index, "mode.read_as", value=_shown(raw), word=mode)


def _text(result: RowResult, index: int, raw: object) -> None:
    if type(raw) is str and _CONTROL.search(raw) is None:  # nothing to clean, nothing to flag
        result.normalized[index] = raw.strip() or None
        return
    text, _ = clean_text(raw)
    result.normalized[index] = text or None
    _control_chars(result, index, raw)


def _control_chars(result: RowResult, index: int, raw: object) -> None:
    if isinstance(raw, str) and _CONTROL.search(raw):
        _flag(result, index, "text.control_chars")


# The columns the rules below are about, by their store field; the others are checked by their kind.
_STATUS, _PROGRESS, _MEASURES, _EVIDENCE, _MODE = (
    FIELD_INDEX[name] for name in ("status", "progress", "measures", "evidence", "evidence_mode"))
COL_PROGRESS = FILL_COLUMNS[_PROGRESS]
_CHECKS: dict[int, Callable[[RowResult, int, object], None]] = {_STATUS: _status, _MODE: _mode}
_PERCENT = frozenset(index for index, column in enumerate(FILL_SPEC) if column.kind == PERCENT)
_FREE_TEXT = frozenset(index for index, column in enumerate(FILL_SPEC) if column.kind == TEXT)  # checked by _text
_COLUMNS = tuple((index, column, index in _FREE_TEXT) for index, column in enumerate(FILL_COLUMNS))
_FREE_TEXT_ORDER = tuple(sorted(_FREE_TEXT))
_CHOICE_ORDER = tuple(index for index in range(len(FILL_COLUMNS)) if index not in _FREE_TEXT)
_FREE_TEXT_PICK = itemgetter(*_FREE_TEXT_ORDER)  # a row's free-text cells, as a tuple
_CHOICE_PICK = itemgetter(_STATUS, _PROGRESS, _MODE)  # a row's status, progress and mode
_FREE_MEASURES, _FREE_EVIDENCE = _FREE_TEXT_ORDER.index(_MEASURES), _FREE_TEXT_ORDER.index(_EVIDENCE)
# (choices in _CHOICE_ORDER, then texts in _FREE_TEXT_ORDER) → the values in FILL_COLUMNS order
_IN_COLUMN_ORDER = itemgetter(*((_CHOICE_ORDER + _FREE_TEXT_ORDER).index(i) for i in range(len(FILL_COLUMNS))))
# check_plain_row: (status, progress and mode as typed, measures empty, evidence empty, files attached) → the
# normalised status, progress and mode of a row without any problem and whether they all are as typed (as_typed),
# or () when that combination has a problem.
_PLAIN_OUTCOMES: dict[tuple, tuple] = {}
_EMPTY_AS_NONE: dict[str, None] = {"": None}
_PLAIN_OUTCOMES_SIZE = 4096
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


def _row_rules(result: RowResult, has_attachments: bool) -> None:
    normalized = result.normalized
    status, progress = normalized[_STATUS], cast("float | None", normalized[_PROGRESS])
    if status is None and result.level(_STATUS) == OK:
        _flag(result, _STATUS, "status.missing")
        return
    if status == STATUS_DONE and progress is not None and progress < 100:
        _flag(result, _PROGRESS, "progress.done_below_100", progress=_pct(progress))
    if status == STATUS_NOT_STARTED and progress is not None and progress > 0:
        _flag(result, _PROGRESS, "progress.not_started_above_0", progress=_pct(progress))
    if progress is None and result.level(_PROGRESS) in (OK, NOTE):  # empty, or a word for no figure ("/")
        normalized[_PROGRESS] = STATE_FIGURES.get(cast(str, status))
    if status == STATUS_DONE:
        _done_rules(result, has_attachments)


def _done_rules(result: RowResult, has_attachments: bool) -> None:
    normalized = result.normalized
    if not normalized[_MEASURES] and result.level(_MEASURES) != ERROR:
        _flag(result, _MEASURES, "done.no_measures")
    mode = normalized[_MODE]
    evidence_given = bool(normalized[_EVIDENCE]) or mode in (MATERIAL_ON_SITE, MATERIAL_EXPLAINED) or (
        mode == MATERIAL_ATTACHED and has_attachments)
    if not evidence_given and result.level(_EVIDENCE) != ERROR:
        _flag(result, _EVIDENCE, "done.no_evidence", mode=_NO_FILES if mode == MATERIAL_ATTACHED else _NO_MODE)


_NO_MODE = "也未说明材料提供方式"
_NO_FILES = f"材料提供方式为{MATERIAL_ATTACHED}，但未随报送文件收到材料"  # an .xlsx alone, or a zip without them


def _pct(progress: float) -> str:
    return f"{progress:g}%"
