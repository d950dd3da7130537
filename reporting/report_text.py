"""The words of the 自评报告: county figures as sentences, the strongest work of each area quoted, and
problems and next steps for the whole county drawn from the data.

Pure functions of a RoundSummary; report.py puts the result into the template. Every number written here
comes from the store through figures.py (never counted again here) and is formatted by summary.percent.

Length is by design, so a county round fits in ten pages of main text: per area one paragraph of totals
and at most `examples_per_area` pieces of work; 三 and 四 at most five points each; names listed up to
ten, then "等N个单位"; everything else is in the annexes and in 汇总台账.

Which work is quoted (二、主要工作及成效), the stated rule: among the answers 已完成 or 推进中 whose
工作举措及成效 says more than "已完成", the higher comes first by, in order,
  1. 已完成 before 推进中;
  2. a 量化指标完成值 given;
  3. more quantified results in 工作举措及成效 (numbers with a measure word: 12项, 85%, 3次; at most 3 count);
  4. the lead unit (牵头) of the task;
  5. the unit's completion rate over the round (the best units' work first);
  6. the progress reported;
then in plan order. An area quotes one piece per task and per unit; a unit is quoted at most twice in the
report; a clause already quoted word for word is not quoted again, and one the report has already said in
other words (numbers aside) comes after the others.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from .evidence import score_totals
from .figures import QUOTABLE_SQL, TEXT_KINDS, TIER_SQL, AreaFigures, Pair, Pairs, RoundFigures, TaskFigures
from .indicators import score_figure, score_text
from .models import LONG_TERM, ROLE_LEAD
from .numerals import to_chinese
from .quotes import (
    CLAUSE,
    PUNCTUATION,
    SELF_REFERENCE,
    clean,
    fullwidth,
    quantities,
    says_something,
    without_end,
)
from .summary import RoundSummary, percent, points
from .vocabulary import STATES, STATUS_DONE, STATUS_NOT_STARTED, STATUS_ONGOING

NAMES_IN_LIST = 10  # "县A、县B……等N个单位" after ten names
QUOTE_LIMIT = 36  # characters of one unit's work quoted
QUOTES_PER_UNIT = 2  # times one unit's work is quoted in the whole report
MAX_POINTS = 5  # points of 三 and of 四
PROBLEM_GROUPS = 3  # groups of the units' own problems named in 三
SIMILAR = 0.45  # share of common character pairs for two problems to count as one
CONCENTRATED = 0.2  # share of the returned units (and at least 3) saying one problem for 三 to call them 较为集中
QUOTED = (STATUS_DONE, STATUS_ONGOING)
REPORTED = (STATUS_DONE, STATUS_ONGOING, STATUS_NOT_STARTED)  # states of an accepted row

_CN = "一二三四五六七八九十百〇零"
_AREA_NUMBER = re.compile(
    rf"^\s*(?:[（(](?:[{_CN}]+|\d+)[)）]|[{_CN}]+[、.．]|\d+[、.．)）]|第[{_CN}]+(?:部分|章|节|条))\s*")
_OPEN, _CLOSE = "“‘《（([【「", "”’》）)]】」"
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def cn_date(day: date) -> str:
    """2026年6月9日: Arabic numerals, no leading zeros (GB/T 9704)."""
    return f"{day.year}年{day.month}月{day.day}日"


def area_name(area: str) -> str:
    """An area heading without its own numbering: （一）依法全面履行政府职能 → 依法全面履行政府职能."""
    return _AREA_NUMBER.sub("", area).strip() or area or "未分领域"


def names(units: list[str], limit: int = NAMES_IN_LIST) -> str:
    """县财政局、县公安局 … 等12个单位 (all names when there are at most `limit`)."""
    if len(units) <= limit:
        return "、".join(units)
    return "、".join(units[:limit]) + f"等{len(units)}个单位"


def counted(units: list[str], limit: int = NAMES_IN_LIST) -> str:
    """县财政局 / 县财政局、县公安局共2个单位 / 县A、县B……等12个单位."""
    if len(units) <= 1 or len(units) > limit:
        return names(units, limit)
    return f"{'、'.join(units)}共{len(units)}个单位"


def joined(parts: list[str]) -> str:
    """A、B和C."""
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


def numbered(items: list[str]) -> list[str]:
    """一是…。 二是…。; a single point as it is ("一是" wants a "二是")."""
    if len(items) == 1:
        return list(items)
    return [f"{to_chinese(index)}是{item}" for index, item in enumerate(items, start=1)]


def short_area(area: str, limit: int = 20) -> str:
    """An area as running text names it: a heading longer than `limit` characters by its first clause when that
    is short enough (深入推进依法行政，加快建设…的法治政府 → 深入推进依法行政); section headings keep the whole."""
    name = area_name(area)
    return name if len(name) <= limit else topic(name, limit) or name


def lead_in(count: int, shown: int, some: str) -> str:
    """How the first `shown` of `count` items are introduced: 即 the only one, 分别是 all of them, else `some`
    (逾期较多的是, 较低的是): "the most" only when there are others."""
    return "即" if count == 1 else "分别是" if count <= shown else some


def section(index: int, title: str, paragraphs: list[str]) -> dict:
    return {"标题": f"（{to_chinese(index)}）{fullwidth(title)}" if title else "",
            "段落": [fullwidth(p) for p in paragraphs]}


def task_label(task: TaskFigures) -> str:
    """第5项任务（县发改局牵头）: a task as the report names it; 任务1.2 for a numbered one (第1.2项 reads as
    an ordinal that is not one)."""
    number = f"第{task.task_id}项任务" if task.task_id.isdigit() else f"任务{task.task_id}"
    return f"{number}（{'、'.join(task.lead_units)}牵头）" if task.lead_units else number


def topic(task_text: str, limit: int = 24) -> str:
    """A task's first clause as its headline, never cut inside quotation marks or brackets, after the clauses that
    only say why or on what grounds (按照…要求，结合我县实际，); '' when that clause is longer than `limit` (the caller
    then names the task by number)."""
    clauses = _clauses(clean(task_text))
    while len(clauses) > 1 and _PREAMBLE.match(clauses[0]):
        clauses.pop(0)
    text = clauses[0].strip() if clauses else ""
    return text if 0 < len(text) <= limit else ""


_PREAMBLE = re.compile(r"^(?:按照|根据|依据|对照|结合|围绕)")  # a clause of grounds, not of work


def _clauses(text: str) -> list[str]:
    """The text's clauses at the top level (a comma inside quotation marks or brackets does not end one)."""
    clauses, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0 and char in "，,；;。：:！？":
            clauses.append(text[start:index])
            start = index + 1
    clauses.append(text[start:])
    return [c for c in clauses if c.strip()]


def _shape(clause: str) -> str:
    """A clause with its numbers taken out: two units' "召开推进会3次" and "召开推进会5次" say the same."""
    return _DIGITS.sub("#", PUNCTUATION.sub("", clause))


# -- 一、总体情况 -----------------------------------------------------------------------------------------


def report_date(data: RoundSummary, today: date | None = None) -> date:
    """成文日期: as set in reporting.toml, else today, but never before the data's as-of date."""
    if data.settings.report_date:
        return data.settings.report_date
    return max(today or date.today(), data.figures.as_of)


def headline(data: RoundSummary) -> dict:
    """The scalar fields: counts, rates, dates, and the sentences about change, areas and units."""
    f, total = data.figures, data.figures.total
    done_tasks = sum(t.done for t in f.tasks)
    return {
        "活动名称": data.campaign, "轮次": data.round, "主送机关": data.settings.addressee,
        "截止日期": cn_date(f.due) if f.due else "未设定", "数据日期": cn_date(f.as_of),
        "成文日期": cn_date(report_date(data)),
        "落款单位": list(data.settings.signers),
        "任务数": len(f.tasks), "领域数": len(f.areas), "单位数": f.units_expected, "项次数": total.tasks,
        "已报送单位数": f.units_returned, "未报送单位数": f.units_expected - f.units_returned,
        "报送率": percent(f.return_rate),
        "已完成项次": total.completed, "推进中项次": total.ongoing, "未启动项次": total.not_started,
        "待修改项次": total.needs_fix, "未报送项次": total.not_reported,
        "完成率": percent(total.completion_rate), "平均进度": percent(total.average_progress / 100),
        "逾期项次": total.overdue, "逾期任务数": sum(t.overdue > 0 for t in f.tasks),
        "已完成任务数": done_tasks,
        "任务完成率": percent(done_tasks / len(f.tasks) if f.tasks else 0.0),
        "较上轮": since_previous(data), "领域概况": areas_sentence(data),
        "单位概况": fullwidth(units_sentence(data)), "督办事项": to_chase(data),
        "状态构成": state_rows(data),
    }


def since_previous(data: RoundSummary) -> str:
    if data.previous is None or data.total_change is None:
        return ""
    change, before = data.total_change, data.previous
    completed = (f"增加{change.completed}项次" if change.completed > 0 else
                 f"减少{-change.completed}项次" if change.completed < 0 else "持平")
    returned = (data.figures.return_rate - before.return_rate) * 100
    text = (f"与上一轮（{before.round}）相比，完成率{points(change.rate_points)}，已完成项次{completed}，"
            f"报送率{points(returned)}")
    if len(data.area_changes) > 1:
        area, best = max(data.area_changes.items(), key=lambda item: item[1].rate_points)
        if best.rate_points >= 0.05:  # not "分领域看": the next paragraph begins so
            text += f"；各领域中，{short_area(area)}完成率提高最多（{points(best.rate_points)}）"
    return text + "。"


def areas_sentence(data: RoundSummary) -> str:
    areas = data.figures.areas
    if len(areas) < 2 or not data.figures.total.completed:
        return ""  # nothing done anywhere: the sentence before says so
    rates = [a.completion_rate for a in areas]
    best, worst = max(rates), min(rates)
    if best == worst:
        return f"分领域看，各领域完成率均为{percent(best)}。"
    return f"分领域看，完成率最高的是{_tied(areas, best)}，最低的是{_tied(areas, worst)}。"


def _tied(areas: list[AreaFigures], rate: float) -> str:
    """The areas of one completion rate, in plan order: A（50.0%）, A和B（均为50.0%）, A、B等4个领域（均为50.0%）."""
    tied = [short_area(a.area) for a in areas if a.completion_rate == rate]
    if len(tied) == 1:
        return f"{tied[0]}（{percent(rate)}）"
    listed = joined(tied) if len(tied) <= 3 else f"{'、'.join(tied[:2])}等{len(tied)}个领域"
    return f"{listed}（均为{percent(rate)}）"


def units_sentence(data: RoundSummary, count: int = 3) -> str:
    """The best units by completion rate (as ranked in 附件2), when any unit has completed something."""
    ranked = [unit for _, unit in data.ranked_units() if unit.completed]
    if not ranked or data.figures.units_expected <= count:
        return ""  # "居前" among a few units would name them all
    full = [u for u in ranked if u.completion_rate >= 1]
    if len(full) == data.figures.units_expected:
        return f"分单位看，{len(full)}个单位本轮任务均已全部完成。"  # not three names "等" all of them
    if len(full) > count:
        return f"分单位看，{names([u.unit for u in full], count)}本轮任务全部完成。"
    listed = "、".join(f"{u.unit}（{percent(u.completion_rate)}）" for u in ranked[:count])
    return f"分单位看，完成率居前的有{listed}。"


def to_chase(data: RoundSummary) -> str:
    f = data.figures
    parts = []
    if f.total.overdue:
        parts.append(f"逾期未完成的{f.total.overdue}项次任务")
    if f.units_expected - f.units_returned:
        parts.append(f"未报送的{f.units_expected - f.units_returned}个单位")
    if f.total.needs_fix:
        parts.append(f"待修改的{f.total.needs_fix}项次填报")
    return joined(parts)


def state_rows(data: RoundSummary) -> list[dict]:
    total = data.figures.total
    counts = [total.completed, total.ongoing, total.not_started, total.needs_fix, total.not_reported]
    rows = [{"状态": state, "项次": count, "占比": percent(count / total.tasks if total.tasks else 0.0)}
            for state, count in zip(STATES, counts, strict=True)]
    rows.append({"状态": "合计", "项次": total.tasks, "占比": percent(1.0 if total.tasks else 0.0)})
    return rows


# -- 二、主要工作及成效 ------------------------------------------------------------------------------------


@dataclass
class Quotes:
    """What the report has quoted so far: units (with how often) and clauses (by shape)."""

    units: dict[str, int] = field(default_factory=dict)
    shapes: set[str] = field(default_factory=set)


class Candidates:
    """The answers worth quoting (figures.QUOTABLE_SQL), area by area best first by the rule of the module docstring,
    read a few units at a time: a province has 300,000 answers, and an area needs a handful.

    The first three steps of the rule are the answer's merit tier (figures.TIER_SQL), kept per task and tier with
    the figures, so it is known how many answers each tier holds; within a tier, the lead units' answers (read at
    once: a task has one or two) come first, then the others' unit by unit in the order of their completion rate,
    the units of one rate read together and their answers ordered by progress, plan order and name."""

    BATCH = 16  # units whose answers are read at once

    def __init__(self, f: RoundFigures) -> None:
        assert isinstance(f.pairs, Pairs)
        self.pairs = f.pairs
        rates = sorted({u.completion_rate for u in f.units}, reverse=True)
        rank = {rate: index for index, rate in enumerate(rates)}
        self.rank = {u.unit: rank[u.completion_rate] for u in f.units}
        groups: dict[int, list[str]] = {}
        for unit in sorted(f.units, key=lambda u: (self.rank[u.unit], u.unit)):
            if unit.unit in f.pairs.latest:  # only a unit's latest return is quoted
                groups.setdefault(self.rank[unit.unit], []).append(unit.unit)
        self.groups = list(groups.values())
        self.read: list[list[tuple]] = []  # the others' answers of each group read so far
        self.tiers: dict[str, dict[int, int]] = {}
        for area, tier, count in self.pairs.fetch(
                "SELECT t.area, k.tier, SUM(k.n) FROM kept_task_tiers k JOIN round_tasks t ON t.round = k.round AND "
                "t.task_id = k.task_id WHERE k.round = :round GROUP BY t.area, k.tier"):
            self.tiers.setdefault(area, {})[tier] = count
        self.leads = self._answers(self.pairs.fetch(
            "SELECT task_id, unit FROM assignments WHERE round = :round AND role = :lead AND task_id IN "
            "(SELECT task_id FROM round_tasks WHERE round = :round)"))

    def area(self, area: str) -> Iterator[Pair]:
        """The area's answers worth quoting, best first."""
        for tier in sorted(self.tiers.get(area, {}), reverse=True):
            leads = sorted((c for c in self.leads if c[0] == area and c[1] == tier), key=self._order)
            yield from (self._pair(c) for c in leads)
            left = self.tiers[area][tier] - len(leads)
            index = 0
            while left > 0 and index < len(self.groups):
                found = sorted((c for c in self._group(index) if c[0] == area and c[1] == tier), key=self._order)
                yield from (self._pair(c) for c in found)
                left -= len(found)
                index += 1

    def _group(self, index: int) -> list[tuple]:
        while len(self.read) <= index:  # the next groups, BATCH units at least
            start, units = len(self.read), list[str]()
            end = start
            while end < len(self.groups) and len(units) < self.BATCH:
                units += self.groups[end]
                end += 1
            found = self._answers([(task_id, unit) for unit in units for task_id in self.pairs.tasks], lead=False)
            by_unit: dict[str, list[tuple]] = {}
            for candidate in found:
                by_unit.setdefault(candidate[3], []).append(candidate)
            self.read += [[c for unit in self.groups[g] for c in by_unit.get(unit, [])] for g in range(start, end)]
        return self.read[index]

    def _answers(self, wanted: list[tuple[str, str]], lead: bool = True) -> list[tuple]:
        """The answers worth quoting among the (task, unit) pairs wanted, from the units' latest returns (the lead
        units' or the others'): (area, tier, rank, unit, progress, seq, task, role, measures, target value)."""
        latest = self.pairs.latest
        rows = [(latest[unit], task_id) for task_id, unit in wanted if unit in latest]
        found = self.pairs.fetch(
            f"SELECT t.area, {TIER_SQL}, a.unit, COALESCE(n.progress, 0), t.seq, n.task_id, a.role, n.measures, "
            "n.target_value FROM json_each(:rows) w "
            "JOIN answers n ON n.submission_id = json_extract(w.value, '$[0]') "
            "AND n.task_id = json_extract(w.value, '$[1]') "
            "JOIN submissions s ON s.id = n.submission_id "
            "JOIN assignments a ON a.round = :round AND a.unit = s.unit AND a.task_id = n.task_id "
            "JOIN round_tasks t ON t.round = :round AND t.task_id = n.task_id "
            f"WHERE {QUOTABLE_SQL} AND (a.role = :lead) = :lead_wanted", rows=json.dumps(rows, ensure_ascii=False),
            lead_wanted=int(lead))
        return [(area, tier, self.rank[unit], unit, progress, *rest) for area, tier, unit, progress, *rest in found]

    @staticmethod
    def _order(candidate: tuple) -> tuple:
        _area, _tier, rank, unit, progress, seq = candidate[:6]
        return rank, -progress, seq, unit

    @staticmethod
    def _pair(candidate: tuple) -> Pair:
        area, _tier, _rank, unit, _progress, _seq, task_id, role, measures, target_value = candidate
        return Pair(unit, task_id, role, area, None, measures=measures or "", target_value=target_value or "")


def main_work(data: RoundSummary) -> list[dict]:
    """One section per area, one paragraph: its totals, then its strongest work ("一是…。二是…。").

    Areas without any answer worth quoting get their totals only.
    """
    f = data.figures
    tasks = data.tasks_by_id()
    grouped = data.area_tasks()
    quotes = Quotes()
    count = data.settings.examples_per_area
    best = Candidates(f)
    sections: list[dict] = []
    # a heading of several lines (a plan's long area, its notes in brackets) by its first clause, when that is unique
    short = [short_area(a.area) for a in f.areas]
    titles = [s if short.count(s) == 1 else area_name(a.area) for s, a in zip(short, f.areas, strict=True)]
    for area, title in zip(f.areas, titles, strict=True):
        picked = pick_examples(best.area(area.area), count, quotes)
        paragraph = _area_totals(area, grouped.get(area.area, []), f.total.completion_rate)
        alone = len(picked) == 1  # one piece of work: not "一是" without a "二是"
        paragraph += "".join(numbered([_quote(pair, body, tasks[pair.task_id], alone) for pair, body in picked]))
        sections.append(section(len(sections) + 1, title, [paragraph]))
    return sections


def pick_examples(ranked: Iterable[Pair], count: int, quotes: Quotes) -> list[tuple[Pair, str]]:
    """The first `count` of `ranked` that add something: one per task and per unit here, a unit at most
    QUOTES_PER_UNIT times in the report, no clause quoted twice."""
    picked: list[tuple[Pair, str]] = []
    tasks_here: set[str] = set()
    units_here: set[str] = set()
    for pair in ranked:
        if len(picked) >= count:
            break
        if pair.task_id in tasks_here or pair.unit in units_here or quotes.units.get(pair.unit, 0) >= QUOTES_PER_UNIT:
            continue
        body = quote_body(pair, quotes.shapes)
        if not body:
            continue
        picked.append((pair, body))
        tasks_here.add(pair.task_id)
        units_here.add(pair.unit)
        quotes.units[pair.unit] = quotes.units.get(pair.unit, 0) + 1
    return picked


def quote_body(pair: Pair, used: set[str]) -> str:
    """The clauses of a unit's 工作举措及成效 worth quoting: quantified ones first, none already quoted,
    within QUOTE_LIMIT characters; then its 量化指标完成值 when it adds something. Marks `used`."""
    clauses = [SELF_REFERENCE.sub("", c.strip(" ，,、")) for c in CLAUSE.findall(clean(pair.measures))]
    # a clause too long to quote whole is quoted by its parts between commas
    clauses = [part.strip() for c in clauses for part in (re.split(r"[，,]", c) if len(c) > QUOTE_LIMIT else [c])]
    clauses = [c for c in clauses if says_something(c)]
    # quantified first, then what the report has not said yet in other words; stable otherwise
    ranked = sorted(clauses, key=lambda c: (-min(quantities(c), 1), _shape(c) in used))
    kept: list[str] = []
    for clause in ranked:
        if clause in used or _shape(clause) in {_shape(k) for k in kept}:
            continue
        if len("，".join([*kept, clause])) > QUOTE_LIMIT:
            continue
        kept.append(clause)
        if len(kept) == 2:
            break
    if not kept:
        return ""
    used.update(kept)
    used.update(_shape(c) for c in kept)
    body = "，".join(kept)
    value = without_end(clean(pair.target_value))
    if value and re.search(r"\d", value) and value not in body and len(value) <= 40:
        body += f"，{value}"
    return body


def _quote(pair: Pair, body: str, task: TaskFigures, alone: bool = False) -> str:
    """一是<the task's headline>。<unit>（牵头）<work>。; alone (the area's only piece): 在<headline>方面，<unit>…。"""
    head = without_end(topic(task.text))
    role = "（牵头）" if pair.role == ROLE_LEAD else ""
    if body.startswith(pair.unit):
        body = body[len(pair.unit):]
    if alone:
        head = f"在{head}方面" if head else task_label(task)
        return f"{head}，{pair.unit}{role}{without_end(body)}。"
    return f"{head or task_label(task)}。{pair.unit}{role}{without_end(body)}。"


def _area_totals(area: AreaFigures, tasks: list[TaskFigures], county_rate: float) -> str:
    done = sum(t.done for t in tasks)
    text = f"本领域{len(tasks)}项任务、{area.tasks}项次，"
    if area.tasks and area.completed == area.tasks:  # not "完成率100.0%；4项任务已全部完成"
        text = text[:-1] + "已全部完成"
        done = 0
    elif area.completed:
        text += f"已完成{area.completed}项次，完成率{percent(area.completion_rate)}"
    elif area.not_reported == area.tasks:
        text += "相关单位均未报送"
    else:
        text += "尚无已完成的项次"
    if area.completion_rate != county_rate:
        text += "，高于总体水平" if area.completion_rate > county_rate else "，低于总体水平"
    if done:
        text += f"；{done}项任务已全部完成"
    if area.overdue:
        text += f"；逾期未完成{area.overdue}项次"
    return text + "。"


# -- 三、存在的问题 / 四、下一步工作打算 ----------------------------------------------------------------------


@dataclass
class Group:
    """Texts of the units that say the same thing: the most common wording, the units, the answers."""

    text: str
    units: set[str] = field(default_factory=set)
    answers: int = 0

    def add(self, units: list[str], answers: int) -> None:
        self.answers += answers
        self.units.update(units)


def _bigrams(text: str) -> set[str]:
    text = PUNCTUATION.sub("", text)
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def _similar(a: set[str], b: set[str]) -> bool:
    return len(a & b) / len(a | b) >= SIMILAR if a and b else False




def group_texts(f: RoundFigures) -> tuple[list[Group], list[Group]]:
    """The units' 存在问题 and their 下一步计划, each grouped by similarity (common character pairs), largest group
    first.

    Each text is first cut to its first sentence (counted clause by clause and unit by unit with the figures,
    figures.TEXT_KINDS); a text joins the first group whose wording it is like.
    """
    assert isinstance(f.pairs, Pairs)
    found: list[list[Group]] = []
    for kind in TEXT_KINDS:
        counts = {text: (answers, units.split(_UNIT_SEPARATOR)) for text, answers, units in f.pairs.fetch(
            "SELECT key, SUM(n), group_concat(unit, :separator) FROM kept_texts WHERE round = :round AND kind = :kind "
            "GROUP BY key", kind=kind, separator=_UNIT_SEPARATOR)}
        found.append(_grouped(counts))
    return found[0], found[1]


_UNIT_SEPARATOR = "\x1f"  # between the names of the units that gave a text (no unit's name holds it)


def _grouped(counts: dict[str, tuple[int, list[str]]]) -> list[Group]:
    """Texts (each with its answers and units) grouped by similarity, the most common first: each text joins the
    first group made whose first text it is like.

    Only groups sharing a pair with the text among the rarest pairs of each are compared (prefix filtering): two
    sets alike by SIMILAR always do, so the groups are those of comparing with every group, without its cost (a
    province's units write tens of thousands of different problems: comparing each with every group took
    minutes).
    """
    ordered = sorted(counts.items(), key=lambda item: (-item[1][0], item[0]))
    shapes = [_bigrams(text) for text, _ in ordered]
    rarity = Counter(pair for shape in shapes for pair in shape)
    groups: list[tuple[set[str], Group]] = []
    made_with: dict[str, list[int]] = defaultdict(list)  # a pair among a group's rarest → the groups, in order
    for (text, (answers, units)), shape in zip(ordered, shapes, strict=True):
        prefix = _rarest(shape, rarity)
        near = sorted({index for pair in prefix for index in made_with.get(pair, ())})
        home = next((groups[index][1] for index in near if _similar(groups[index][0], shape)), None)
        if home is None:
            home = Group(text)
            for pair in prefix:
                made_with[pair].append(len(groups))
            groups.append((shape, home))
        home.add(units, answers)
    return sorted((group for _, group in groups), key=lambda g: (-len(g.units), -g.answers, g.text))


def _rarest(shape: set[str], rarity: Counter[str]) -> list[str]:
    """The pairs of `shape` two sets alike by SIMILAR must share one of (rarest first): all but the share of them
    that makes SIMILAR, and one more (the share rounded down, on the safe side of the float)."""
    keep = len(shape) - math.ceil(SIMILAR * len(shape) - 1e-9) + 1
    return sorted(shape, key=lambda pair: (rarity[pair], pair))[:keep]


@dataclass
class Finding:
    """One point of 三 and the point of 四 that answers it."""

    problem: str
    step: str


def findings(data: RoundSummary) -> list[Finding]:
    """Up to MAX_POINTS points for the whole round, each said once: returns, overdue tasks, weak areas and
    units, the units' own problems; with the next step that answers each."""
    found = [item for item in (_returns(data), _overdue(data), _behind(data)) if item]
    found += _own_problems(data, MAX_POINTS - len(found))
    return found[:MAX_POINTS]


def problems(data: RoundSummary, found: list[Finding] | None = None) -> list[dict]:
    """三, from `findings` (worked out here unless given)."""
    points_ = [item.problem for item in (findings(data) if found is None else found)]
    return [section(0, "", numbered(points_))] if points_ else []


def next_steps(data: RoundSummary, found: list[Finding] | None = None) -> list[dict]:
    """四, from `findings` (worked out here unless given)."""
    points_ = [item.step for item in (findings(data) if found is None else found)]
    return [section(0, "", numbered(points_))] if points_ else []


def _returns(data: RoundSummary) -> Finding | None:
    f = data.figures
    missing = [u for u in f.units if not u.returned]
    rejected = [u for u in f.units if u.returned and not u.accepted]
    if not missing and not rejected:
        return None
    parts, steps = [], []
    if missing:  # their own pairs: a row missing from another unit's return is 未报送 too, but not theirs
        who = "均" if len(missing) == f.units_expected else f"中，{counted([u.unit for u in missing])}"
        parts.append(f"应报送的{f.units_expected}个单位{who}未报送，"
                     f"其{sum(u.not_reported for u in missing)}项次按未报送计入完成率")
        steps.append(f"对未报送的{len(missing)}个单位逐一督促补报")
    if rejected:
        parts.append(f"{counted([u.unit for u in rejected])}的报送因填报错误被退回修改，"
                     f"涉及{sum(u.needs_fix for u in rejected)}项次")
        steps.append(f"督促退回修改的{len(rejected)}个单位按回执修改后重报")
    return Finding(f"报送不够及时完整。{'；'.join(parts)}。",
                   f"压实报送责任。{'，'.join(steps)}，确保下一轮各单位按时、准确报送。")


def _overdue(data: RoundSummary) -> Finding | None:
    f = data.figures
    if not f.total.overdue:
        return None
    late = sorted((t for t in f.tasks if t.overdue), key=lambda t: (-t.overdue, t.seq))
    listed = "；".join(f"{task_label(t)}，{_late_units(f, t)}未完成" for t in late[:3])
    rest = f"；其余{len(late) - 3}项见附件3" if len(late) > 3 else ""
    unit_count = sum(u.overdue > 0 for u in f.units)
    problem = (f"部分任务逾期未完成。截至{cn_date(f.as_of)}，已过完成时限仍未完成的有{f.total.overdue}项次，"
               f"涉及{len(late)}项任务、{unit_count}个单位，{lead_in(len(late), 3, '逾期较多的是')}{listed}{rest}。")
    step = (f"紧盯逾期任务。对逾期未完成的{f.total.overdue}项次逐项督办，由牵头单位会同责任单位明确整改时限，"
            f"{task_label(late[0]) if len(late) == 1 else task_label(late[0]) + '等任务'}限期完成并报送佐证材料。")
    return Finding(problem, step)


def _late_units(f: RoundFigures, task: TaskFigures) -> str:
    """The units overdue on a task: 县A、县B共2个单位 (three or fewer named), else 12个单位."""
    if task.overdue > 3 or not isinstance(f.pairs, Pairs):
        return f"{task.overdue}个单位"
    return counted(f.pairs.overdue_units(task.task_id))


def _behind(data: RoundSummary) -> Finding | None:
    """The weakest areas and returned units, below the round's completion rate."""
    f = data.figures
    overall = f.total.completion_rate
    areas = sorted((a for a in f.areas if a.completion_rate < overall), key=lambda a: a.completion_rate)[:2]
    units = sorted((u for u in f.units if u.returned and u.completion_rate < overall),
                   key=lambda u: (u.completion_rate, u.unit))
    if not areas and not units:
        return None
    parts = []
    if areas:
        parts.append("分领域看，" + "、".join(f"{short_area(a.area)}（{percent(a.completion_rate)}）" for a in areas)
                     + f"完成率低于总体水平（{percent(overall)}）")
    if units:
        lowest = [u.unit for u in units if u.completion_rate == units[0].completion_rate]
        rate = percent(units[0].completion_rate)
        if len(lowest) > 3 and len(lowest) == len(units):  # three "较低" of many equal would be three picked by name
            parts.append(f"已报送的单位中{names(lowest, 3)}完成率均为{rate}，低于总体水平")
        elif len(lowest) > 3:
            parts.append(f"已报送的单位中完成率低于总体水平的有{len(units)}个，其中{names(lowest, 3)}完成率均为{rate}")
        else:
            listed = lead_in(len(units), 3, "较低的是") + "、".join(
                f"{u.unit}（{percent(u.completion_rate)}）" for u in units[:3])
            parts.append(f"已报送的单位中完成率低于总体水平的有{len(units)}个，{listed}")
    # the areas and the units named as what they are: 对A领域和B、C等单位
    targets = [f"{short_area(areas[0].area)}领域"] if areas else []
    if units:
        targets.append("、".join(u.unit for u in units[:2]) + ("等单位" if len(units) > 2 else ""))
    return Finding(f"推进不够平衡。{'；'.join(parts)}。",
                   f"补齐薄弱环节。对{'和'.join(targets)}加强调度指导，逐项分析滞后原因，"
                   "帮助解决推进中的具体困难。")


def _own_problems(data: RoundSummary, room: int) -> list[Finding]:
    """The units' own 存在问题, grouped by similarity across areas; their 下一步计划 likewise."""
    if room <= 0:
        return []
    groups, plans = group_texts(data.figures)
    if not groups and not plans:
        return []
    problem = step = ""
    if groups:
        shown = groups[:PROBLEM_GROUPS + 1] if len(groups) == PROBLEM_GROUPS + 1 else groups[:PROBLEM_GROUPS]
        listed = "；".join(f"“{g.text}”（{len(g.units)}个单位、{g.answers}项次）" for g in shown)
        rest = len(groups) - len(shown)
        returned = data.figures.units_returned
        lead = ("各单位反映的困难较为集中" if len(groups[0].units) >= max(3, CONCENTRATED * returned) else
                "部分单位反映了一些具体困难")
        problem = (f"{lead}。归并相近的表述后，主要有" + listed
                   + (f"；另有{rest}类问题，已在汇总台账中逐一登记" if rest > 0 else "") + "。")
    if plans:
        shown_plans = plans[:PROBLEM_GROUPS]
        measures = "；".join(f"“{g.text}”（{len(g.units)}个单位）" for g in shown_plans)
        # the units' 下一步计划 as they wrote them: not answers to the problems above, so not said to be
        step = f"落实各单位提出的改进措施。各单位在台账中提出的下一步计划主要有{measures}，将纳入下一轮台账跟踪落实。"
    elif groups:
        step = ("研究解决各单位反映的困难。针对" + "、".join(f"“{g.text}”" for g in groups[:2])
                + "等问题，会同有关部门研究解决办法，并在下一轮台账中跟踪。")
    if not problem:
        return []  # plans without problems: nothing in 三 to tie a point of 四 to
    return [Finding(problem, step)]


# -- 附件 ---------------------------------------------------------------------------------------------


def annexes(data: RoundSummary) -> dict:
    return {"附件1": annex_areas(data), "附件1合计": _area_total(data),
            "附件2": annex_units(data), "附件2合计": _unit_row("合计", "全部单位", data.figures.total),
            "附件3": annex_open_tasks(data)}


def annex_areas(data: RoundSummary) -> list[dict]:
    grouped = data.area_tasks()
    return [{"序号": index, "领域": area_name(a.area), "任务数": len(grouped.get(a.area, [])), "项次": a.tasks,
             "已完成": a.completed, "逾期": a.overdue, "完成率": percent(a.completion_rate),
             "平均进度": percent(a.average_progress / 100), "报送率": percent(a.return_rate)}
            for index, a in enumerate(data.figures.areas, start=1)]


def _area_total(data: RoundSummary) -> dict:
    f = data.figures
    return {"序号": "合计", "领域": "", "任务数": len(f.tasks), "项次": f.total.tasks, "已完成": f.total.completed,
            "逾期": f.total.overdue, "完成率": percent(f.total.completion_rate),
            "平均进度": percent(f.total.average_progress / 100), "报送率": percent(f.return_rate)}


def annex_units(data: RoundSummary) -> list[dict]:
    return [_unit_row(rank, unit.unit, unit) for rank, unit in data.ranked_units()]


def _unit_row(rank, name: str, tally) -> dict:
    return {"序号": rank, "单位": name, "任务数": tally.tasks, "已完成": tally.completed, "推进中": tally.ongoing,
            "未启动": tally.not_started, "未报送": tally.not_reported, "待修改": tally.needs_fix,
            "逾期": tally.overdue, "完成率": percent(tally.completion_rate),
            "平均进度": percent(tally.average_progress / 100)}


def annex_open_tasks(data: RoundSummary) -> list[dict]:
    """Tasks not yet done by every unit: deadline, the lead units' state, and counts of the others' states."""
    rows: list[dict] = []
    for task in data.figures.tasks:
        if task.done:
            continue
        leads = "、".join(f"{unit}（{state}）" for unit, state in task.leads) or "—"
        rows.append({"序号": len(rows) + 1, "任务编号": task.task_id, "任务": topic(task.text, 60) or clean(task.text),
                     "时限": _deadline(task), "牵头": leads,
                     "项次": task.tasks, "已完成": task.completed, "推进中": task.ongoing,
                     "未启动": task.not_started, "待修改": task.needs_fix, "未报送": task.not_reported,
                     "逾期": task.overdue})
    return rows


def _deadline(task: TaskFigures) -> str:
    """A task's 完成时限 as an official document writes a date (2026年3月31日), 长期 or 未定."""
    if not task.deadline:
        return "未定"
    if task.deadline == LONG_TERM:
        return LONG_TERM
    try:
        written = cn_date(date.fromisoformat(task.deadline))
    except ValueError:  # a 任务分解表 edited by hand may hold anything: shown as it is
        written = task.deadline
    return written + ("（已逾期）" if task.overdue else "")


# -- 指标自评 ------------------------------------------------------------------------------------------


def indicator_scores(data: RoundSummary) -> dict:
    """附件4, the 指标自评 table (a row per 末级 indicator), and its paragraph; empty when no indicator system is
    imported. The scores are evidence.py's, the same as 汇总台账's 指标自评 sheet. No 小计 row per 一级指标 (汇总台账
    has them): the published indicator systems (市县法治政府建设示范指标体系 2021, the provinces' own) show a
    一级指标 as one merged cell over its indicators, its weight, when given, in its heading, and no 小计 row."""
    evidence = data.evidence
    if evidence is None or evidence.system is None:
        return {"附件4": [], "附件4合计": {}, "指标自评概述": ""}
    scores = evidence.scores()
    totals = score_totals(evidence, scores)
    rows = [{"一级": clean(evidence.system.top(item.indicator).text), "编号": item.indicator.id,
             "指标": clean(item.indicator.text), "分值": score_text(item.indicator.score), "项次": item.pairs,
             "有佐证": item.proved, "自评分": score_figure(item.final), "调整": _score_note(item)} for item in scores]
    total = {"一级": "合计", "编号": "", "指标": "", "分值": score_text(totals.full),
             "项次": sum(i.pairs for i in scores), "有佐证": sum(i.proved for i in scores),
             "自评分": score_figure(totals.got), "调整": ""}
    return {"附件4": rows, "附件4合计": total, "指标自评概述": _scores_paragraph(evidence, scores, totals)}


# 附件4's 说明 where the coordinator gave no 调整理由 and a reader would ask why the score is what it is.
NOTE_ADJUSTED = "已调整"  # a 自评分(调整) without a reason
NOTE_NO_TASK = "无对应任务，记0分"
NOTE_NO_SCORE = "未设分值，记0分"


def _score_note(item) -> str:
    """The coordinator's 调整理由; else why a score is not the computed one, or is 0 with nothing to compute."""
    if item.override is not None:
        return clean(item.reason) or NOTE_ADJUSTED
    if not item.pairs:
        return NOTE_NO_TASK
    return NOTE_NO_SCORE if item.indicator.score is None else ""


def _scores_paragraph(evidence, scores: list, totals) -> str:
    """Two lines at most (the main text has no room to spare): the total, what lacks proof, where the rest is."""
    text = f"对照指标体系自评{score_text(totals.got)}分（满分{score_text(totals.full)}分）"
    bare = len(evidence.indicators_without_evidence())
    missing = evidence.missing
    if bare:
        text += f"，{bare}项指标尚无佐证材料"
    if missing:
        text += f"，已完成的{missing}项次缺少佐证材料"
    adjusted = sum(item.override is not None for item in scores)
    if adjusted:
        text += f"，{adjusted}项得分经核定调整"
    return text + "，详见附件4。"
