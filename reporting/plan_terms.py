"""Deadlines (完成时限), numeric targets (量化指标), the plan-wide default deadline and the plan date."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from .models import LONG_TERM
from .numerals import DIGIT_VALUES, parse_chinese

# One character for one character, so positions found in the translated copy hold in the original.
_ASCII = str.maketrans("０１２３４５６７８９％．：", "0123456789%.:")
_EDGE = " \t。.;；,，、"


def ascii_digits(text: str) -> str:
    """Full-width digits, % and colon made half-width (same length as the input)."""
    return text.translate(_ASCII)


def cn_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 九十九 → 99; also plain digits; None when it is not a number."""
    text = ascii_digits(text)
    return int(text) if text.isdigit() else parse_chinese(text)


@dataclass(frozen=True)
class Deadline:
    """A deadline as found: value is an ISO date, LONG_TERM, or None (a recurring one with no plan date)."""

    value: str | None
    written: str
    recurring: bool = False
    relative: bool = False  # written without a year ("四月份", "二季度", "全年"): the plan's year is assumed
    span: bool = False  # a span of time ("2019年3月—6月"): its end is taken


_LONG_RE = re.compile(r"(?:长期|持续|常态化|常年)(?:坚持|推进|执行|开展|落实|实施){0,2}")
_THEN_LONG_RE = re.compile(rf"(?:并|后|，|,)\s*{_LONG_RE.pattern}$")
_PREFIX = (
    r"(?:完成时限|完成时间|时间节点|时间要求|完成期限|时限)?\s*[:：]?\s*"
    r"(?:力争|确保|争取|务必)?\s*(?:于|在|到|至)?\s*"
)
_SUFFIX = r"\s*(?:之前|以前|前)?\s*(?:(?:全面|基本|全部)?完成(?:任务)?|落实到位|到位)?"
_CLAUSE_RE = re.compile(rf"^{_PREFIX}(?P<core>.+?){_SUFFIX}$")
# Every deadline has one of these (a date separator: 2019-06-30, 2019.6.30); "满意度90%以上" has none.
_MAYBE_RE = re.compile(r"年|月|日|季度|长期|持续|常态|每|[0-9０-９]\s*[./\-—–~～至到]\s*[0-9０-９]")
_MARKER_RE = re.compile(r"底|末|前|完成|内|月|日|半年|季度|到位|年度|全年|\d[./\-]\d")

_YMD = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?(?:\s*[\d:]{4,8})?")
_YM = re.compile(r"(\d{4})\s*(?:年|[./\-])\s*(\d{1,2})\s*月?\s*份?\s*(?:底|末|内)?")
_YHALF = re.compile(r"(\d{4})\s*年\s*(?:的)?\s*(上|下)半年\s*(?:末|底)?")
_YQUARTER = re.compile(r"(\d{4})\s*年\s*(?:第)?\s*([一二三四1-4])\s*季度\s*(?:末|底)?")
_YEAR = re.compile(r"(\d{4})\s*年\s*(?:年\s*)?(?:底|末|内|度内?|全年)?")
_EVERY_YEAR = re.compile(r"每年\s*(?:的)?\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日|底|末|份)?")
_EVERY_QUARTER_OF_YEAR = re.compile(r"每年\s*(?:的)?\s*第?\s*([一二三四1-4])\s*季度\s*(?:末|底)?")
_EVERY_QUARTER = re.compile(r"每(?:个)?季度\s*(?:末|底)?")
_EVERY_MONTH = re.compile(r"每(?:个)?月\s*(?:(\d{1,2})\s*[日号]|底|末)?")
_EVERY_YEAR_END = re.compile(r"每年度?\s*(?:年底|年末|底|末)")
_EVERY_HALF_OF_YEAR = re.compile(r"每年\s*(上|下)半年\s*(?:末|底)?")
_EVERY_HALF = re.compile(r"每半年\s*(?:末|底)?")
# Deadlines without a year, read against the plan's own year.
_CN_MONTH = r"十[一二]?|[一二三四五六七八九]"
_R_MD = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_R_MONTH = re.compile(rf"(\d{{1,2}}|{_CN_MONTH})\s*月\s*份?\s*(?:底|末|内|中旬|下旬|上旬)?")
_R_QUARTER = re.compile(r"(?:第)?\s*([一二三四1-4])\s*季度\s*(?:末|底|内)?")
_R_HALF = re.compile(r"(上|下)半年\s*(?:末|底|内)?")
_R_YEAR = re.compile(r"全年|年内|年底|年末|本年度?内?|本年底|今年底?|今年内|年度内|当年|当年内")
_STATUS_RE = re.compile(r"^(?:已经?|正在|待|视|根据|适时)")

# A date that is said to be a time limit somewhere inside a sentence ("2017年底前完成", "2016年底前健全…").
_DATE_LOOSE = r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?(?:\s*年)?(?:上半年|下半年|底|末)?"
_MENTION_RE = re.compile(rf"{_DATE_LOOSE}\s*(?:(?:之|以)?前\s*(?:(?:全面|基本)?完成)?|(?:全面|基本)?完成)")
_RECURRING_MENTION_RE = re.compile(
    r"每年\s*(?:的)?\s*(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日|底|末)?|第?[一二三四1-4]\s*季度(?:末)?)\s*(?:之|以)?前?"
    r"|每(?:个)?(?:季度|月|半年)\s*(?:末|底)?\s*(?:(?:之|以)?前)?"
)


def _month_end(year: int, month: int) -> date | None:
    if not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter_end(year: int, quarter: str) -> date | None:
    number = cn_number(quarter)
    return _month_end(year, number * 3) if number and 1 <= number <= 4 else None


def _date_of(core: str) -> date | None:
    """The last day a written date stands for: 2017年底 → 2017-12-31, 2017年6月底 → 2017-06-30."""
    if m := _YMD.fullmatch(core):
        year, month, day = (int(g) for g in m.groups())
        end = _month_end(year, month)
        return date(year, month, day) if end and 1 <= day <= end.day else None
    if m := _YM.fullmatch(core):
        return _month_end(int(m[1]), int(m[2]))
    if m := _YHALF.fullmatch(core):
        return date(int(m[1]), 6 if m[2] == "上" else 12, 30 if m[2] == "上" else 31)
    if m := _YQUARTER.fullmatch(core):
        return _quarter_end(int(m[1]), m[2])
    if m := _YEAR.fullmatch(core):
        return date(int(m[1]), 12, 31)
    return None


def _recurring_days(core: str) -> list[tuple[int, int]] | None:
    """(month, day) a recurring deadline falls on each year, day 0 meaning the month's end; None if not."""
    if m := _EVERY_YEAR.fullmatch(core):
        return [(int(m[1]), int(m[2] or 0))]
    if m := _EVERY_QUARTER_OF_YEAR.fullmatch(core):
        return [((cn_number(m[1]) or 4) * 3, 0)]
    if _EVERY_QUARTER.fullmatch(core):
        return [(3, 0), (6, 0), (9, 0), (12, 0)]
    if _EVERY_HALF.fullmatch(core):
        return [(6, 0), (12, 0)]
    if m := _EVERY_MONTH.fullmatch(core):
        return [(month, int(m[1] or 0)) for month in range(1, 13)]
    if _EVERY_YEAR_END.fullmatch(core):
        return [(12, 0)]
    if m := _EVERY_HALF_OF_YEAR.fullmatch(core):
        return [(6 if m[1] == "上" else 12, 0)]
    return None


def _next_due(days: list[tuple[int, int]], plan_date: date | None, year: int | None = None) -> date | None:
    """The first time a recurring deadline falls due after the plan date; without one, the first in the plan's
    year (a 工作要点 titled with its year and no date under it)."""
    if plan_date is None:
        if year is None:
            return None
        plan_date = date(year - 1, 12, 31)
    for year in (plan_date.year, plan_date.year + 1):
        for month, day in days:
            end = _month_end(year, month)
            due = date(year, month, day) if end and 0 < day <= end.day else end
            if due and due > plan_date:
                return due
    return None


def _relative(core: str, year: int | None) -> tuple[date | None] | None:
    """A deadline written without its year: (its date in `year`, or None when the year is unknown)."""
    found: date | None = None
    if m := _R_MD.fullmatch(core):
        month, day = int(m[1]), int(m[2])
        end = _month_end(year or 2000, month)
        if end is None or not 1 <= day <= end.day:
            return None
        found = date(year, month, day) if year else None
    elif m := _R_MONTH.fullmatch(core):
        month = cn_number(m[1]) or 0
        if not 1 <= month <= 12:
            return None
        found = _month_end(year, month) if year else None
    elif m := _R_QUARTER.fullmatch(core):
        found = _quarter_end(year, m[1]) if year else None
    elif m := _R_HALF.fullmatch(core):
        found = (date(year, 6, 30) if m[1] == "上" else date(year, 12, 31)) if year else None
    elif _R_YEAR.fullmatch(core):
        found = date(year, 12, 31) if year else None
    else:
        return None
    return (found,)


_CN_COUNT = r"(?:\d+|[一二两三四五六七八九十]{1,3})(?:\s*[-—~～至到]\s*(?:\d+|[一二两三四五六七八九十]{1,3}))?"
_FREQUENCY_RE = re.compile(
    rf"^(?:原则上|至少|应当?|须)?(?:(?P<every>每个?|按)|一|1)?(?P<period>年度?|半年|季度?|个?月|周|旬|[两二三]年)(?:内)?"
    rf"(?P<count>(?(every)[\u4e00-\u9fff]{{0,6}}?|)(?:至少|不少于|不低于)?{_CN_COUNT}(?:次|轮|期|场|批)(?:以上)?)?"
    r"(?:(?:开展|组织|报送|召开|调度|更新|通报|公布)(?:一次)?)?$"
)
_REGULARLY_RE = re.compile(r"^(?:定期|不定期)(?:开展|组织|报送|召开|调度|更新|通报|公布|进行)?$")
_PERIOD_DAYS: dict[str, list[tuple[int, int]]] = {
    "年": [(12, 0)], "年度": [(12, 0)], "半年": [(6, 0), (12, 0)], "季度": [(3, 0), (6, 0), (9, 0), (12, 0)],
    "季": [(3, 0), (6, 0), (9, 0), (12, 0)],
    "月": [(month, 0) for month in range(1, 13)], "个月": [(month, 0) for month in range(1, 13)],
}


def parse_frequency(text: str, plan_date: date | None = None, year: int | None = None) -> Deadline | None:
    """A deadline written as how often (每年至少1次, 每半年报送一次, 每季度开展一次, 一年一次): recurring, due
    at the end of the first period after the plan date, else the first in the plan's year (None when neither
    is known).

    Only where a deadline is written (a 完成时限 label or column): inside a task's text "每年不少于2次" is a target.
    """
    plain = ascii_digits("".join(text.split())).strip(_EDGE)
    if _REGULARLY_RE.match(plain):
        return Deadline(None, " ".join(text.split()).strip(_EDGE), recurring=True)
    m = _FREQUENCY_RE.match(plain)
    if m is None or not (m["every"] or m["count"]):
        return None  # "一季度", "半年": a time, not how often
    due = _next_due(_PERIOD_DAYS.get(m["period"], []), plan_date, year)
    return Deadline(due.isoformat() if due else None, " ".join(text.split()).strip(_EDGE), recurring=True)


def is_status(text: str) -> bool:
    """A progress note written where a deadline belongs ("已通过常务会议审议", "视条件成熟情况")."""
    return bool(_STATUS_RE.match(text.strip()))


def parse_deadline(text: str, plan_date: date | None = None, year: int | None = None) -> Deadline | None:
    """A phrase that is a deadline and nothing else: 2017年底前完成, 2018年6月底完成, 长期坚持, 每年1月底前.

    None when the phrase says more than a deadline ("2016年底前健全落实…").
    """
    if not _MAYBE_RE.search(text):
        return None
    written = " ".join(text.split()).strip(_EDGE)
    plain = ascii_digits(written).replace(" ", "")
    if _LONG_RE.fullmatch(plain) or _LONG_RE.fullmatch(_strip_label(plain)):
        return Deadline(LONG_TERM, written)
    then_long = _THEN_LONG_RE.search(plain)
    if then_long and then_long.start():  # "2024年底前完成并长期坚持": done by the date, kept up after
        first = parse_deadline(plain[:then_long.start()], plan_date, year)
        return replace(first, written=written) if first and first.value != LONG_TERM else None
    m = _CLAUSE_RE.match(plain)
    if not m:
        return None
    core = m["core"]
    if relative := _relative(core, year or (plan_date.year if plan_date else None)):
        value = relative[0]
        return Deadline(value.isoformat() if value else None, written, relative=True)
    days = _recurring_days(core)
    if days is not None:
        due = _next_due(days, plan_date, year)
        return Deadline(due.isoformat() if due else None, written, recurring=True)
    if not _MARKER_RE.search(plain):
        return _span_end(plain, written, plan_date, year)
    found = _date_of(core)
    return Deadline(found.isoformat(), written) if found else _span_end(plain, written, plan_date, year)


_SPAN_RE = re.compile(r"^(?P<start>[^-—–~～至到]+?)(?:[-—–~～]+|至|到)(?P<end>[^-—–~～至到]+)$")


def _span_end(plain: str, written: str, plan_date: date | None, year: int | None) -> Deadline | None:
    """`2019年3月—6月`, `3-6月`, `2019年至2020年`: a span of time ends when its last part ends."""
    m = _SPAN_RE.match(plain)
    if not m or not re.search(r"\d|[一二三四]季度|半年", m["start"]):
        return None
    start, end = m["start"], m["end"]
    start_year = re.match(r"((?:19|20)\d{2})年", start)
    if start_year and not re.match(r"(?:19|20)\d{2}", end):
        end = f"{start_year[1]}年{end}"  # the year written once, at the start
    if re.fullmatch(r"(?:19|20)\d{2}年?", end):
        end = end.rstrip("年") + "年底"
    found = parse_deadline(end, plan_date, year)
    if found is None or found.recurring or found.value == LONG_TERM:
        return None
    return replace(found, written=written, span=True)


def _strip_label(text: str) -> str:
    return re.sub(r"^(?:完成时限|完成时间|时间节点|时间要求|完成期限|时限)[:：]?", "", text)


def normalise_deadline(text: str) -> str | None:
    """A user-given default deadline ("2019-12-31", "2019年底", "长期") as stored; None when unreadable."""
    found = parse_deadline(text)
    return found.value if found and not found.recurring else None


@dataclass
class TextDeadline:
    """What the last sentence of a task text says about its deadline."""

    text: str
    deadline: Deadline | None
    notes: list[str]
    warnings: list[str]


def split_sentences(text: str) -> list[str]:
    """Sentences with their closing mark kept; empty pieces dropped."""
    return [piece for piece in re.split(r"(?<=[。！？!?；;])", text) if piece.strip()]


def take_text_deadline(
    text: str, plan_date: date | None = None, year: int | None = None, *, inside: bool = True
) -> TextDeadline:
    """Remove a deadline clause from the last sentence ("…范围,2017年底前完成。"); note the rest.

    Else a clause that is nothing but a deadline inside the text ("…试点范围,2017年年底前完成。建立…"), or
    a sentence of milestones ("6月底前完成起草,8月底前提请审议。", the last one counts), is the deadline and
    the text stays as written. Other dates are reported as warnings (when the task would otherwise have no
    deadline) or, when recurring, as notes.
    """
    sentences = split_sentences(text)
    deadline = None
    notes: list[str] = []
    if sentences:
        last, found = _clause_of_sentence(sentences[-1], plan_date, year)
        if found and not (found.relative and _MILESTONE_RE.match(sentences[-1]) and _milestones(sentences[-1])):
            deadline = found
            sentences[-1] = last
        elif not _milestones(sentences[-1]) and (step := _last_step(sentences[-1], plan_date, year)):
            deadline = step
            notes.append(f"完成时限取自句末「{step.written}」")
    rest = "".join(sentences)
    if deadline is None and inside and (inner := _inner_deadline(sentences, plan_date, year)):
        deadline, note = inner
        notes.append(note)
    more_notes, warnings = _mentions(rest, with_warnings=deadline is None)
    notes += more_notes
    if deadline and deadline.recurring:
        notes.insert(0, f"周期性时限：{deadline.written}")
    return TextDeadline(_tidy_end(rest), deadline, notes, warnings)


_MILESTONE_DATE = (
    r"(?:\d{4}\s*年\s*)?(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日|份|底|末|中旬|上旬|下旬)?|年底|年末|年内|上半年|下半年"
    r"|第?[一二三四1-4]\s*季度(?:末|底)?)"
)
_MILESTONE_RE = re.compile(
    rf"^\s*(?:力争|确保|争取)?\s*(?:于|在|到)?\s*(?P<date>{_MILESTONE_DATE})\s*(?:(?:之|以)?前|(?<=内)|(?=提请|完成|出台|印发|报送|提交|审议|组织|开展|启动|召开|举办))"
)
# A step with its date first: "10月提请审议", "6月底前完成起草".
STEP_RE = _MILESTONE_RE


def _milestones(sentence: str, plan_date: date | None = None, year: int | None = None) -> list[Deadline]:
    """Each comma piece of a sentence starting with its own date: "6月底前完成起草,8月底前提请审议"."""
    if not _MILESTONE_RE.match(ascii_digits(sentence)):
        return []
    found = []
    for segment in re.split(r"[，,；;]", sentence.rstrip("。！？!?；;")):
        m = _MILESTONE_RE.match(ascii_digits(segment))
        if not m:
            return []
        deadline = parse_deadline(m["date"] + "前", plan_date, year)
        if deadline is None or deadline.recurring:
            return []
        found.append(replace(deadline, written=m[0].strip()))
    return found


def _last_step(sentence: str, plan_date: date | None, year: int | None) -> Deadline | None:
    """"…改革,10月底前完成执法事项赋权评估。": the last comma piece starts with its deadline."""
    pieces = re.split(r"[，,]", sentence.rstrip("。！？!?；;"))
    if len(pieces) < 2:
        return None
    subject = _SUBJECT_RE.match(pieces[-1])  # "…清理,清理结果于9月底前向社会公布。"
    steps = _milestones(pieces[-1][subject.end():] if subject else pieces[-1], plan_date, year)
    return replace(steps[0], written=pieces[-1].strip()) if steps else None


_SUBJECT_RE = re.compile(r"^[^\d年月]{1,12}?(?=[于在]\s*[\d一二三四上下年第])")


_LIMIT_WORD_RE = re.compile(r"前|底|末|完成|年内|到位")


def _inner_deadline(
    sentences: list[str], plan_date: date | None, year: int | None
) -> tuple[Deadline, str] | None:
    """A deadline written inside the text: a sentence of milestones, else a clause that is only a deadline."""
    for sentence in reversed(sentences):
        if (steps := _milestones(sentence, plan_date, year)) and len(steps) == 1:
            return steps[0], f"完成时限取自正文「{steps[0].written}」"
        if steps:
            return steps[-1], f"进度安排：{sentence.rstrip('。；;')}（完成时限取最后一个节点）"
    for sentence in reversed(sentences):
        for segment in reversed(re.split(r"(?<=[，,])", sentence)):
            found = parse_deadline(segment, plan_date, year)
            # said to be a time limit ("2017年年底前完成"), not a date something happened ("2018年6月，…")
            if found and not found.recurring and found.value != LONG_TERM and _LIMIT_WORD_RE.search(found.written):
                return found, f"完成时限取自正文「{found.written}」"
    return None


def _clause_of_sentence(sentence: str, plan_date: date | None, year: int | None = None) -> tuple[str, Deadline | None]:
    """The sentence without its deadline segment, and that deadline."""
    segments = re.split(r"(?<=[，,])", sentence)
    for index in range(len(segments) - 1, -1, -1):
        found = parse_deadline(segments[index], plan_date, year)
        if found:
            kept = segments[:index] + segments[index + 1:]
            tail = sentence[len(sentence.rstrip("。！？!?；;")):]
            joined = "".join(kept).rstrip(_EDGE)
            return (joined + tail if joined else ""), found
    return sentence, None


def _mentions(text: str, *, with_warnings: bool) -> tuple[list[str], list[str]]:
    plain = ascii_digits(text)
    notes = [f"正文含周期性时限「{text[m.start():m.end()]}」" for m in _RECURRING_MENTION_RE.finditer(plain)]
    warnings = []
    if with_warnings:
        warnings = [
            f"正文提到时限「{text[m.start():m.end()]}」，未作为完成时限，请核对"
            for m in _MENTION_RE.finditer(plain)
        ]
    return list(dict.fromkeys(notes)), list(dict.fromkeys(warnings))


def _tidy_end(text: str) -> str:
    text = re.sub(r"[，,、]+(?=[。！？!?；;]|$)", "", text)
    return re.sub(r"([。；;])[。；;]+", r"\1", text).strip()


# --- targets (量化指标) -------------------------------------------------------------------------------

_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3})"
_PCT = r"\d+(?:\.\d+)?\s*%"
_COUNT = rf"{_NUM}\s*(?:个工作日|个学时|工作日|学时|小时|次|期|名|人|个|家|项|件|日|天|分|场|批|篇|户|倍)"
_BEFORE = (
    r"(?:不低于|不少于|不超过|不高于|不大于|不小于|最长不超过|至少|达到|达|超过|大于|高于|低于|小于"
    r"|控制在|≥|≤|>|<|＞|＜)"
)
_AFTER = r"(?:及以上|以上|以内|以下|之内)"
_TARGET_RE = re.compile(
    rf"{_BEFORE}[^，。；;,、：:！？\d%]{{0,12}}?(?:{_PCT}|{_COUNT}){_AFTER}?"
    rf"|(?:{_PCT}|{_COUNT}){_AFTER}"
    rf"|{_PCT}"
)
_CUT = "，。；;,：:！？!?、（）()《》“”\"\n"
_SUBJECT_MAX = 16


def find_targets(text: str) -> list[str]:
    """Numeric targets with a few characters of their subject: 网上可办率不低于80%, 每年不少于4次."""
    plain = ascii_digits(text)
    found = []
    for m in _TARGET_RE.finditer(plain):
        start = _subject_start(text, m.start())
        phrase = text[start:m.end()]
        if m.start() - start < 2:
            phrase += _following(text, m.end())
        found.append(phrase.strip().lstrip("且并及和与"))
    return list(dict.fromkeys(p for p in found if p))


def _subject_start(text: str, end: int) -> int:
    start = end
    while start > 0 and text[start - 1] not in _CUT:
        start -= 1
    if end - start > _SUBJECT_MAX:
        cut = text.rfind("的", start, end)
        start = cut + 1 if cut != -1 and end - cut - 1 >= 2 else end - _SUBJECT_MAX
    return start


def _following(text: str, start: int) -> str:
    end = start
    while end < len(text) and text[end] not in _CUT and end - start < _SUBJECT_MAX:
        end += 1
    return text[start:end]


# --- plan-wide facts ---------------------------------------------------------------------------------

_DEFAULT_HINT = re.compile(
    r"原则上|除[^。]{0,40}外|各项(?:工作)?任务|所有任务|未明确|请[^。]{0,30}(?:于|在)|上述工作"
    r"|列入[^。]{0,10}(?:清单|目录)|(?:清单|目录)(?:中|内|所列)的|所列(?:各项)?(?:事项|任务)|各(?:项)?决策事项"
)


_RELATIVE_MENTION_RE = re.compile(
    r"(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日|底|末)?|年底|年末)\s*(?:之|以)?前\s*(?:(?:全面|基本)?完成)"
)


def find_default_deadline(lines: Iterable[tuple[int, str]], year: int | None = None) -> tuple[Deadline, int] | None:
    """The plan-wide default ("各项工作任务除…外，原则上应当在2019年底前完成", "上述工作请于11月30日前完成")
    and its line; a date without its year is read in `year`."""
    for number, text in lines:
        for sentence in split_sentences(text):
            if not _DEFAULT_HINT.search(sentence):
                continue
            plain = ascii_digits(sentence)
            for m in _MENTION_RE.finditer(plain):
                if "完成" not in m[0]:
                    continue
                found = parse_deadline(sentence[m.start():m.end()])
                if found and not found.recurring:
                    return found, number
            if year is not None:
                for m in _RELATIVE_MENTION_RE.finditer(plain):
                    found = parse_deadline(sentence[m.start():m.end()], year=year)
                    if found and found.value and not found.recurring:
                        return found, number
    return None


_DATE_LINE = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?")
_CN_DAY = r"[一二三]?十?[一二三四五六七八九]?"
_CN_DATE_LINE = re.compile(rf"([〇零一二三四五六七八九]{{4}})年({_CN_DAY})月({_CN_DAY})日")
_SIGNED_DATE = re.compile(
    r"[\u4e00-\u9fff（）()]{4,30}?(?:办公室|政府|委员会|局|委|办|院|厅)(?P<date>\d{4}年\d{1,2}月\d{1,2}日)"
)
_LABELLED_DATE = re.compile(r"^(?:发布时间|发布日期|成文日期|印发日期|印发时间|时间|日期)\s*[:：]\s*")


def _date_from(text: str) -> date | None:
    if m := _DATE_LINE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _CN_DATE_LINE.fullmatch(text):
        year = int("".join(str(DIGIT_VALUES[ch]) for ch in m[1]))
        month, day = cn_number(m[2]) or 0, cn_number(m[3]) or 0
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_plan_date(lines: Iterable[tuple[int, str]]) -> date | None:
    """A line that is only a date (the signing date, or "（2023年3月1日）" under a title); else a labelled one
    ("发布时间:2017-03-22")."""
    labelled = None
    for _, text in lines:
        plain = ascii_digits("".join(text.split()))
        found = _date_from(plain.removeprefix("（").removesuffix("）").removeprefix("(").removesuffix(")"))
        if found is None and plain.endswith("日") and (m := _SIGNED_DATE.fullmatch(plain)):
            found = _date_from(m["date"])  # "某县人民政府办公室 2020年2月28日" on one line
        if found:
            return found
        if labelled is None and (m := _LABELLED_DATE.match(plain)):
            head = _DATE_LINE.match(plain, m.end())
            labelled = _date_from(head[0]) if head else None
    return labelled


# --- the plan's own year ----------------------------------------------------------------------------------

_DOC_NUMBER_RE = re.compile(r"[〔\[【(（]\s*((?:19|20)\d{2})\s*[〕\]】)）]\s*[0-9０-９]{1,4}\s*号")
_TITLE_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|年度)?")
_RANGE_RE = re.compile(r"(?:19|20)\d{2}\s*年?\s*[-—–－~～至到]+\s*(?:19|20)\d{2}")


def find_plan_year(title: str, lines: Iterable[tuple[int, str]], plan_date: date | None) -> tuple[int, str] | None:
    """The year a plan's undated deadlines ("四月份", "全年") fall in, and where it was read.

    A title naming one year ("2019年工作要点") decides; else the 文号 (〔2019〕15号); else the plan's date.
    """
    years = set(_TITLE_YEAR_RE.findall(ascii_digits(title)))
    if len(years) == 1 and not _RANGE_RE.search(ascii_digits(title)):
        return int(years.pop()), "标题"
    for _, text in lines:
        if m := _DOC_NUMBER_RE.search(ascii_digits(text)):
            return int(m[1]), "文号"
    if plan_date is not None:
        return plan_date.year, "成文日期"
    for _, text in [(n, t) for n, t in lines if t][:5]:
        years = set(_TITLE_YEAR_RE.findall(ascii_digits(text)))
        if len(years) == 1 and not _RANGE_RE.search(ascii_digits(text)) and "年" in text:
            return int(years.pop()), "标题"
    return None
