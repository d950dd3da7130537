"""The words of the 自评报告: figures as sentences, and the units' own texts built into "一是…二是…".

Pure functions of a RoundSummary; report.py puts the result into the template. Every number written
here comes from the store through figures.py, formatted by consolidate.percent.
"""

from __future__ import annotations

import re
from datetime import date

from .figures import Pair, TaskFigures
from .models import LONG_TERM
from .numerals import to_chinese
from .summary import RoundSummary, is_trivial, percent, points
from .vocabulary import STATE_NOT_REPORTED, STATES, STATUS_DONE, STATUS_NOT_STARTED, STATUS_ONGOING

ITEMS_PER_SECTION = 10  # "一是…十是", then a pointer to the workbook
UNITS_PER_ITEM = 3
NAMES_IN_LIST = 8
SENTENCE_LIMIT = 60  # characters of one unit's text kept in the report
REPORTED = (STATUS_DONE, STATUS_ONGOING, STATUS_NOT_STARTED)  # states of an accepted row

_CN = "一二三四五六七八九十百〇零"
_AREA_NUMBER = re.compile(
    rf"^\s*(?:[（(](?:[{_CN}]+|\d+)[)）]|[{_CN}]+[、.．]|\d+[、.．)）]|第[{_CN}]+(?:部分|章|节|条))\s*")
_SELF_REFERENCE = re.compile(r"^(?:我|本)(?:局|镇|乡|委|办|院|所|队|中心|单位|街道|部门|区|县|市)[，,、]?")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cn_date(day: date) -> str:
    """2026年6月9日: Arabic numerals, no leading zeros (GB/T 9704)."""
    return f"{day.year}年{day.month}月{day.day}日"


def area_name(area: str) -> str:
    """An area heading without its own numbering: （一）依法全面履行政府职能 → 依法全面履行政府职能."""
    return _AREA_NUMBER.sub("", area).strip() or area or "未分领域"


def clean(text: str) -> str:
    """One line of a unit's text, fit for a paragraph: no line breaks or control characters."""
    return re.sub(r"\s+", " ", _CONTROL.sub("", text or "")).strip()


def shorten(text: str, limit: int = SENTENCE_LIMIT) -> str:
    """The first sentence; when it holds no figure, also the first sentence that does; within `limit`.

    Figures are what the leadership reads first, so "清理12件" survives when the wording around it goes.
    """
    sentences = [s.strip() for s in _SENTENCE.findall(clean(text)) if s.strip()]
    if not sentences:
        return ""
    kept = sentences[0]
    if not re.search(r"\d", kept):
        kept += next((s for s in sentences[1:] if re.search(r"\d", s)), "")
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def sentence_body(text: str) -> str:
    """A shortened text without its final punctuation, to be joined with "；"."""
    return shorten(text).rstrip("。！？；!?;，,、 ")


def names(units: list[str], limit: int = NAMES_IN_LIST) -> str:
    """县财政局、县公安局 … 等12个单位."""
    if len(units) <= limit:
        return "、".join(units)
    return "、".join(units[:limit]) + f"等{len(units)}个单位"


def joined(parts: list[str]) -> str:
    """A、B和C."""
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


def numbered(items: list[str]) -> list[str]:
    """一是…。 二是…。"""
    return [f"{to_chinese(index)}是{item}" for index, item in enumerate(items, start=1)]


def section(index: int, title: str, paragraphs: list[str]) -> dict:
    return {"标题": f"（{to_chinese(index)}）{title}" if title else "", "段落": paragraphs}


# -- 一、总体推进情况 ------------------------------------------------------------------------------------


def headline(data: RoundSummary) -> dict:
    """The scalar fields: counts, rates, dates, and the sentences about change and areas."""
    f, total = data.figures, data.figures.total
    return {
        "活动名称": data.campaign, "轮次": data.round,
        "截止日期": cn_date(f.due) if f.due else "未设定", "数据日期": cn_date(f.as_of),
        "成文日期": cn_date(data.settings.report_date or date.today()),
        "落款单位": list(data.settings.signers),
        "任务数": len(f.tasks), "领域数": len(f.areas), "单位数": f.units_expected, "项次数": total.tasks,
        "已报送单位数": f.units_returned, "未报送单位数": f.units_expected - f.units_returned,
        "报送率": percent(f.return_rate),
        "已完成项次": total.completed, "推进中项次": total.ongoing, "未启动项次": total.not_started,
        "待修改项次": total.needs_fix, "未报送项次": total.not_reported,
        "完成率": percent(total.completion_rate), "平均进度": percent(total.average_progress / 100),
        "逾期项次": total.overdue, "逾期任务数": sum(t.overdue > 0 for t in f.tasks),
        "已完成任务数": sum(t.done for t in f.tasks),
        "任务完成率": percent(sum(t.done for t in f.tasks) / len(f.tasks) if f.tasks else 0.0),
        "较上轮": since_previous(data), "领域概况": areas_sentence(data), "督办事项": to_chase(data),
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
        if best.rate_points >= 0.05:
            text += f"；分领域看，{area_name(area)}完成率提高最多（{points(best.rate_points)}）"
    return text + "。"


def areas_sentence(data: RoundSummary) -> str:
    areas = data.figures.areas
    if len(areas) < 2:
        return ""
    ranked = sorted(areas, key=lambda a: -a.completion_rate)
    best, worst = ranked[0], ranked[-1]
    if best.completion_rate == worst.completion_rate:
        return f"分领域看，各领域完成率均为{percent(best.completion_rate)}。"
    return (f"分领域看，完成率最高的是{area_name(best.area)}（{percent(best.completion_rate)}），"
            f"最低的是{area_name(worst.area)}（{percent(worst.completion_rate)}）。")


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


def main_work(data: RoundSummary) -> list[dict]:
    """One section per area that has reported measures: a figures sentence, then "一是…" per task."""
    sections = []
    by_task = _pairs_by_task(data)
    areas = {a.area: a for a in data.figures.areas}
    for area, tasks in data.area_tasks().items():
        items = [item for task in tasks if (item := _task_item(task, by_task.get(task.task_id, [])))]
        if not items:
            continue
        paragraphs = [_area_figures(areas[area], tasks), *numbered(items[:ITEMS_PER_SECTION])]
        if len(items) > ITEMS_PER_SECTION:
            paragraphs.append(f"此外，本领域另有{len(items) - ITEMS_PER_SECTION}项任务报送了工作举措，"
                              "详见汇总台账「任务明细」。")
        sections.append(section(len(sections) + 1, area_name(area), paragraphs))
    return sections


def _pairs_by_task(data: RoundSummary) -> dict[str, list[Pair]]:
    grouped: dict[str, list[Pair]] = {}
    for pair in data.figures.pairs:  # figures.py orders them by task, lead units first
        grouped.setdefault(pair.task_id, []).append(pair)
    return grouped


def _area_figures(area, tasks: list[TaskFigures]) -> str:
    units = area.units_expected
    text = (f"本领域共{len(tasks)}项任务，涉及{units}个单位、{area.tasks}项次；已完成{area.completed}项次，"
            f"完成率{percent(area.completion_rate)}，平均进度{percent(area.average_progress / 100)}")
    if area.overdue:
        text += f"，逾期未完成{area.overdue}项次"
    return text + "。"


def _task_item(task: TaskFigures, pairs: list[Pair]) -> str:
    """"深化行政审批制度改革。县司法局（牵头）全面清理…；县财政局…。目前3个单位中2个已完成。" or ''."""
    reported = [p for p in pairs if p.state in REPORTED and not is_trivial(p.measures)]
    if not reported:
        return ""
    quoted = [_unit_measure(p) for p in reported[:UNITS_PER_ITEM]]
    text = f"{topic(task.text)}。{'；'.join(quoted)}。"
    if len(reported) > UNITS_PER_ITEM:
        text += f"另有{len(reported) - UNITS_PER_ITEM}个单位报送了相关举措。"
    return text + _task_progress(task)


def _task_progress(task: TaskFigures) -> str:
    if task.done:
        return f"该项任务{task.tasks}个责任单位均已完成。"
    if task.completed == 0:
        return f"该项任务{task.tasks}个责任单位均未完成。"
    return f"该项任务{task.tasks}个责任单位中{task.completed}个已完成。"


def _unit_measure(pair: Pair) -> str:
    body = _SELF_REFERENCE.sub("", sentence_body(pair.measures))
    role = "（牵头）" if pair.role == "牵头" else ""
    if body.startswith(pair.unit):
        return body.replace(pair.unit, pair.unit + role, 1)
    return f"{pair.unit}{role}{body}"


def topic(task_text: str) -> str:
    """A task's first clause, as the topic of its item: "深化行政审批制度改革，全面清理…" → "深化行政审批制度改革"."""
    first = re.split(r"[，,；;。：:]", clean(task_text), maxsplit=1)[0]
    return first[:40].rstrip() or clean(task_text)[:40]


# -- 三、存在的问题 / 四、下一步工作打算 ----------------------------------------------------------------------


def problems(data: RoundSummary) -> list[dict]:
    """What the data shows first, then the units' own 存在问题 by area."""
    sections = []
    found = data_problems(data)
    if found:
        sections.append(section(1, "从报送数据看", numbered(found)))
    for title, items in _texts_by_area(data, "problems"):
        sections.append(section(len(sections) + 1, f"{title}方面", items))
    return sections


def next_steps(data: RoundSummary) -> list[dict]:
    return [section(index, title, items)
            for index, (title, items) in enumerate(_texts_by_area(data, "next_steps"), start=1)]


def data_problems(data: RoundSummary) -> list[str]:
    """Units not reported, returns sent back, overdue tasks, areas and units behind: each when present."""
    f = data.figures
    found = []
    missing = [u.unit for u in f.units if not u.returned]
    if missing:
        found.append(f"部分单位未按时报送。应报送的{f.units_expected}个单位中，{len(missing)}个单位尚未报送"
                     f"（{names(missing)}），其任务均按未报送计入完成率。")
    rejected = [u.unit for u in f.units if u.returned and not u.accepted]
    if rejected:
        found.append(f"部分报送存在填报错误。{len(rejected)}个单位的报送被退回修改（{names(rejected)}），"
                     f"涉及待修改{f.total.needs_fix}项次。")
    if f.total.overdue:
        found.append(_overdue_sentence(data))
    behind = _behind_sentence(data)
    if behind:
        found.append(behind)
    return found


def _overdue_sentence(data: RoundSummary) -> str:
    f = data.figures
    late_tasks = sorted((t for t in f.tasks if t.overdue), key=lambda t: (-t.overdue, t.seq))
    units = {p.unit for p in f.pairs if p.overdue}
    listed = "；".join(f"{t.task_id}“{topic(t.text)}”{t.overdue}项次" for t in late_tasks[:3])
    more = f"等{len(late_tasks)}项任务" if len(late_tasks) > 3 else ""
    return (f"部分任务逾期未完成。截至{cn_date(f.as_of)}，已过完成时限仍未完成的有{f.total.overdue}项次，"
            f"涉及{len(late_tasks)}项任务、{len(units)}个单位，主要是：{listed}{more}。")


def _behind_sentence(data: RoundSummary) -> str:
    """Returned units below the round's completion rate, lowest first."""
    f = data.figures
    overall = f.total.completion_rate
    behind = sorted((u for u in f.units if u.returned and u.completion_rate < overall),
                    key=lambda u: (u.completion_rate, u.unit))
    if not behind:
        return ""
    listed = "、".join(f"{u.unit}（{percent(u.completion_rate)}）" for u in behind[:5])
    more = f"等{len(behind)}个单位" if len(behind) > 5 else ""
    return (f"部分单位推进较慢。已报送的单位中，完成率低于全部平均水平（{percent(overall)}）的有{len(behind)}个，"
            f"包括{listed}{more}。")


def _texts_by_area(data: RoundSummary, attr: str) -> list[tuple[str, list[str]]]:
    """Per area: the distinct non-trivial texts of `attr`, each with the units that wrote it, as "一是…"."""
    by_area: dict[str, dict[str, list[str]]] = {area.area: {} for area in data.figures.areas}
    for pair in data.figures.pairs:
        text = getattr(pair, attr)
        if pair.state == STATE_NOT_REPORTED or is_trivial(text):
            continue
        body = sentence_body(text)
        units = by_area.setdefault(pair.area, {}).setdefault(body, [])
        if pair.unit not in units:
            units.append(pair.unit)
    result = []
    for area, texts in by_area.items():
        if not texts:
            continue
        items = [f"{body}（{names(units, 3)}）。" for body, units in texts.items()]
        paragraphs = numbered(items[:ITEMS_PER_SECTION])
        if len(items) > ITEMS_PER_SECTION:
            paragraphs.append(f"此外还有{len(items) - ITEMS_PER_SECTION}条，详见汇总台账「问题与计划」。")
        result.append((area_name(area), paragraphs))
    return result


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
    """Tasks not yet done by every unit: deadline, the lead units' state, and the units not done."""
    by_task = _pairs_by_task(data)
    rows = []
    for task in data.figures.tasks:
        if task.done:
            continue
        pairs = by_task.get(task.task_id, [])
        open_units = [f"{p.unit}（{p.state}）" for p in pairs if p.state != STATUS_DONE]
        leads = [f"{p.unit}（{p.state}）" for p in pairs if p.role == "牵头"]
        rows.append({"序号": len(rows) + 1, "任务编号": task.task_id, "任务": _clip(clean(task.text), 40),
                     "时限": _deadline(task), "牵头": "、".join(leads) or "—",
                     "未完成单位": names(open_units, 6)})
    return rows


def _deadline(task: TaskFigures) -> str:
    if not task.deadline:
        return "未定"
    if task.deadline == LONG_TERM:
        return LONG_TERM
    return task.deadline + ("（已逾期）" if task.overdue else "")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
