"""A plan (实施方案) → Plan: which sections hold tasks, each task's path, id, units, deadline and targets."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path

from .errors import PlanError
from .hanzi import looks_traditional, to_simplified
from .models import LONG_TERM, Plan, PlanWarning, Task
from .plan_lines import bare_number, prepare, split_run_on
from .plan_outline import Node, Para, build_outline, clean_line, parse_numbering, section_kind
from .plan_sources import SourceLine, read_plan_lines
from .plan_table import TableRow, split_tables
from .plan_terms import (
    Deadline,
    find_default_deadline,
    find_plan_date,
    find_plan_year,
    find_targets,
    is_status,
    normalise_deadline,
    parse_deadline,
    parse_frequency,
    take_text_deadline,
)
from .plan_units import (
    UnitClause,
    first_leads_hold,
    first_listed_leads,
    footnote_meanings,
    footnoted_roles,
    full_unit_name,
    leading_units,
    looks_like_unit,
    split_unit_clause,
    split_unit_names,
    subject_units,
    time_line,
    unit_line,
)

NO_UNITS = "未注明责任单位"
NO_TASKS = "未找到任何任务：没有识别出含任务的章节或带编号的任务条目；可用 --sections 指定含任务的章节"
A_REPORT = (
    "未找到任何任务：这份文件像是报告或总结（有“进展情况”“存在的问题”“对策建议”等章节），不是实施方案；"
    "如确含任务，可用 --sections 指定含任务的章节"
)
_META_RE = re.compile(
    r"^(?:具体措施|主要措施|工作措施|具体任务|责任分工|措施和分工|主要目标|工作目标|总体目标|任务目标|目标)"
    r"[^。:：]{0,10}[:：]"
)
_ASIDE_RE = re.compile(
    r"^(?:联系人|联系电话|办公室电话|电话|传真|邮箱|电子邮箱|地址)[:：]"
    r"|^[\u4e00-\u9fff]{0,4}(?:领导|负责人|责任人)(?:同志)?\s*[:：]"  # 牵头市领导：…, 责任领导：… (a person)
    r"|^\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}日?$"
)
_SIGNATURE_RE = re.compile(
    r"^(?:抄送|抄报|印发|（此件|\(此件)|印发$|^[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日$"
)
_TITLE_KEYS = ("方案", "规划", "要点", "意见", "计划", "分解表", "清单", "目录", "安排", "分工", "分解", "任务")
_MAX_GAP = 20
_BULLET_RE = re.compile(r"^(?:[—\-–－]{1,2}|[•·●▪■◆◇○□★☆])\s*")
_FIELD_LINE_RE = re.compile(r"^[\u4e00-\u9fff]{2,8}\s*[:：]")  # 牵头领导：王某某, 具体要求：…
_TABLE_KINDS = {
    "pipe": "以“|”分隔的表格", "layout": "以空格对齐各列的表格", "flat": "压成一行或数行的表格",
    "cells": "每格一行的表格",
}


@dataclass(frozen=True)
class _When:
    """What undated deadlines are read against: the plan's date and its year (and where the year was read);
    and what the plan's footnote marks on unit names mean ("*为牵头单位": {"*": "lead"})."""

    plan_date: date | None
    year: int | None = None
    year_from: str = ""
    marks: dict[str, str] = field(default_factory=dict)


def parse_plan(
    path: Path, *, sections: list[str] | None = None, default_deadline: str | None = None
) -> Plan:
    """Read and parse a plan file (.txt in UTF-8/GBK/GB18030, .docx, .xlsx)."""
    path = Path(path)
    lines = read_plan_lines(path)
    plan = parse_plan_lines(lines, source=str(path), sections=sections, default_deadline=default_deadline)
    plan.warnings[:0] = [PlanWarning(0, note) for note in getattr(lines, "notes", [])]
    return plan


def parse_plan_lines(
    lines: Iterable[str | SourceLine] | str,
    *,
    source: str = "",
    sections: list[str] | None = None,
    default_deadline: str | None = None,
) -> Plan:
    """Parse a plan given as lines (strings are numbered from 1); `source` names it in errors."""
    try:
        return _parse(_source_lines(lines), source, sections, default_deadline)
    except PlanError as exc:
        exc.file = exc.file or source or None
        raise


def _parse(
    lines: list[SourceLine], source: str, sections: list[str] | None, default_deadline: str | None
) -> Plan:
    guesses: list[str] = []
    if looks_traditional("".join(line.text for line in lines[:3000])):
        lines = [_simplified(line) for line in lines]
        guesses.append("原文为繁体字，已按简体读取（任务内容已转为简体字）")
    if any(_PINYIN_RE.search(line.text) for line in lines):
        lines = [_without_pinyin(line) for line in lines]
        guesses.append("原文的字后注有拼音（从网页复制时带上的，如“行(xíng)”），已去掉")
    text_lines, tables, found_tables = split_tables(lines)
    for table in found_tables:
        guesses.append(f"第{table.line}行起的任务分解表是复制成文字的表格（{_TABLE_KINDS[table.kind]}），"
                       f"已按表格读取 {table.rows} 行")
    whole = split_run_on([(line.line, line.text) for line in text_lines])
    if len(whole) > len(text_lines):
        guesses.append(f"连在一行中的条目（从网页复制时丢了换行）已按编号分开，多出 {len(whole) - len(text_lines)} 行")
    prepared = prepare([(number, clean_line(bare_number(text))) for number, text in whole])
    cleaned = prepared.lines
    if prepared.joined:
        guesses.append(f"{prepared.joined} 处断行（从网页或 PDF 复制时断开的段落）已接回上一行")
    plan_date = find_plan_date(cleaned)
    root = build_outline(cleaned)
    title = _title(cleaned, root, source)
    year = find_plan_year(title, cleaned, plan_date)
    marks = footnote_meanings([line.text for line in lines], [line.line for line in lines])
    when = _When(plan_date, *year, marks=marks) if year else _When(plan_date, marks=marks)
    warnings: list[PlanWarning] = []
    rows = [row for table in tables for row in table]
    if rows and not sections:
        finished, gaps = _table_tasks(rows, when), []
        _note_text_items(root, len(rows), warnings)
    else:
        drafts = _split_bullets(_outline_drafts(root, sections, warnings))
        gaps = _assign_ids(drafts, warnings)
        finished = [_finish_draft(draft, when) for draft in drafts]
    if not finished:
        raise PlanError(NO_TASKS)
    _dedupe_ids([task for task, _ in finished], warnings)
    default, default_line = _apply_default(finished, cleaned, default_deadline, when.year)
    tasks = [task for task, _ in finished]
    guesses += _task_guesses(tasks, when)
    warnings += [PlanWarning(task.line, message, task.id) for task in tasks for message in task.warnings]
    warnings.sort(key=lambda w: w.line)
    plan = Plan(title, tasks, source, plan_date, default, default_line, gaps, warnings)
    plan.guesses = guesses
    return plan


# A pinyin gloss some web pages put after a character (`行(xíng)政`, `重(zhòng)点`): a tone mark is the sign.
_PINYIN_RE = re.compile(r"(?<=[\u3400-\u9fff])[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


def _without_pinyin(line: SourceLine) -> SourceLine:
    cells = tuple(_PINYIN_RE.sub("", cell) for cell in line.cells) if line.cells is not None else None
    return SourceLine(line.line, _PINYIN_RE.sub("", line.text), cells, line.table)


def _simplified(line: SourceLine) -> SourceLine:
    cells = tuple(to_simplified(cell) for cell in line.cells) if line.cells is not None else None
    return SourceLine(line.line, to_simplified(line.text), cells, line.table)


_GUESS_NOTES = (
    ("责任单位取自句末", "项任务的责任单位取自句末的“由…牵头/…负责”"),
    ("按方案年份", "项任务的完成时限未写年份，按方案年份推断"),
    ("取自正文", "项任务的完成时限取自正文中的时限"),
    ("进度安排", "项任务写有多个时间节点，完成时限取最后一个，其余写入备注"),
    ("同一条目中", "项任务由同一条目中各自带有责任单位的句子拆分而来"),
    ("是一段时间", "项任务的完成时限写的是一段时间，取其结束"),
    ("只写了年份", "项任务的完成时限只写了年份，取该年年底"),
    ("责任单位继承自上级", "项任务的责任单位取自上级标题"),
    ("按方案中的说明记为", "项任务的单位名称带注释符号（如“县司法局*”），已去掉，按方案中的说明定为牵头或责任单位"),
    ("按方案中的说明（排在第一位的为牵头单位）",
     "项任务按方案中的说明（排在第一位的为牵头单位）把第一个单位记为牵头单位"),
    ("按任务中的说明（", "项任务写明排在第一位的为牵头单位，已把第一个单位记为牵头单位"),
    ("周期性时限：", "项任务的完成时限是周期性的（如“每季度”“每年至少1次”），取方案日期后的第一个到期日，原文写入备注"),
)


def _task_guesses(tasks: list[Task], when: _When) -> list[str]:
    guesses = []
    for key, message in _GUESS_NOTES:
        count = sum(1 for task in tasks if any(key in note for note in task.notes))
        if count:
            guesses.append(f"{count} {message}")
    if any("按方案年份" in note for task in tasks for note in task.notes) and when.year:
        guesses.append(f"方案年份 {when.year} 年取自{when.year_from}")
    return guesses


def _source_lines(lines: Iterable[str | SourceLine] | str) -> list[SourceLine]:
    if isinstance(lines, str):
        lines = lines.splitlines()
    return [
        item if isinstance(item, SourceLine) else SourceLine(number, str(item))
        for number, item in enumerate(lines, 1)
    ]


# --- which parts of the outline are tasks --------------------------------------------------------------


@dataclass(eq=False)
class _Draft:
    """A task found in the outline, before its text is taken apart."""

    raw: str
    line: int
    path: list[str]
    area: Node
    node: Node | None = None  # the numbered item the task is
    anchor: Node | None = None  # or, for an unnumbered paragraph, the item or heading its id hangs on…
    index: int = 0  # …as the index-th such paragraph
    units: list[UnitClause] = field(default_factory=list)  # unit lines written below the task
    inherited: tuple[str, UnitClause] | None = None
    id: str = ""
    piece: int = 0  # the n-th sentence of a bullet split at its unit brackets


def heading_text(node: Node) -> str:
    """A heading as written, without its unit clause; a long one cut to its first sentence."""
    text = split_unit_clause(node.title)[0].strip()
    if len(text) > 40 and "。" in text:
        text = text[: text.index("。")]
    return text


def _heading_like(node: Node) -> bool:
    rest = split_unit_clause(node.rest)[0].strip()
    return len(rest) <= 40 and not re.search(r"[。；;！？!?]", rest)


def _aside(text: str) -> bool:
    return bool(_META_RE.match(text) or _ASIDE_RE.match(text) or _SIGNATURE_RE.match(text)
                or (len(text) <= 20 and looks_like_unit(text)))  # a signature: the unit's name alone


def _own_units(text: str) -> bool:
    rest, clause = split_unit_clause(text)
    return bool(clause and clause.has_units and rest.strip())


def _unit_heading(text: str) -> list[str]:
    """`（一）市司法局：` / `2.市财政局、市审计局` over their duties: the heading is the units' names."""
    names = split_unit_names(text.strip().rstrip("：:"))
    if names and len(text) <= 40 and all(full_unit_name(name) and looks_like_unit(name) for name in names):
        return names
    return []


def _task_like(text: str) -> bool:
    """A numbered line that is a task in itself: it names its units, or reads as a sentence."""
    rest, clause = split_unit_clause(text)
    return bool(clause and clause.has_units) or not _heading_like_text(rest)


def _heading_like_text(text: str) -> bool:
    return len(text) <= 40 and not re.search(r"[。；;！？!?]", text)


def _label_line(text: str) -> UnitClause | None:
    """A line of units (`责任单位：…`) or of a deadline only (`完成时限：…`, `报送审议时间：…`) under a task."""
    return unit_line(text) or time_line(text)


def _content(paras: list[Para]) -> list[Para]:
    return [p for p in paras if not _aside(p.text) and _label_line(p.text) is None]


def _is_heading(node: Node) -> bool:
    return bool(node.children) or (bool(_content(node.paras)) and _heading_like(node))


class _Collector:
    """Walks the chosen sections and collects the tasks, by the rules of the issue."""

    def __init__(self) -> None:
        self.drafts: list[_Draft] = []
        self.heading_units: dict[Node, tuple[str, UnitClause]] = {}
        self.counts: dict[Node, int] = {}

    def section(self, section: Node) -> None:
        if not section.children and not _content(section.paras) and _task_like(section.rest):
            self.leaf(section, section, [])  # 工作要点 of numbered items without section headings
            return
        areas = [c for c in section.children if c.rank == section.rank + 1 and _is_heading(c)]
        if not areas:
            self.area(section)
            return
        self._note_heading_units(section)
        for item in section.body:
            if isinstance(item, Para):
                self.loose(item, section, section, [heading_text(section)])
            elif item in areas:
                self.area(item)
            else:
                self.item(item, section, [heading_text(section)])

    def area(self, area: Node) -> None:
        path = [heading_text(area)]
        self._note_heading_units(area)
        if area.children:
            self.container(area, area, path)
        else:
            self.paragraphs(area.paras, area, area, path, all_tasks=True)

    def container(self, node: Node, area: Node, path: list[str]) -> None:
        for item in node.body:
            if isinstance(item, Para):
                self.loose(item, node, area, path)  # before the first item: an intro, unless it has units
            else:
                self.item(item, area, path)

    def item(self, node: Node, area: Node, path: list[str]) -> None:
        if node.children:
            self._note_heading_units(node)
            self.container(node, area, [*path, heading_text(node)])
        elif _content(node.paras) and _heading_like(node):
            self._note_heading_units(node)
            self.heading_with_paragraphs(node, area, path)
        else:
            self.leaf(node, area, path)

    def leaf(self, node: Node, area: Node, path: list[str]) -> None:
        inherited = self.inherit(node.parent)
        own = target = self.add(_Draft(node.rest, node.line, path, area, node=node, inherited=inherited))
        labelled = [index for index, para in enumerate(node.paras) if _label_line(para.text)]
        for index, para in enumerate(node.paras):
            if clause := _label_line(para.text):
                target.units.append(clause)
            elif not _aside(para.text) and _own_units(para.text):
                target = self.add_para(para, node, area, path, scope=node.parent)
            elif target is own and labelled and index < labelled[-1] and not _aside(para.text) \
                    and not _FIELD_LINE_RE.match(para.text):
                own.raw += para.text  # the item's text goes on above its unit line
            # other paragraphs after an item close the area ("各牵头单位要…"): not tasks

    def heading_with_paragraphs(self, node: Node, area: Node, path: list[str]) -> None:
        """`1.深化…` with its text in the paragraphs below: one task, or one per paragraph."""
        sub_path = [*path, heading_text(node)]
        content = _content(node.paras)
        if len(content) > 1:
            self.paragraphs(node.paras, node, area, sub_path, all_tasks=True)
            return
        draft = self.add(_Draft(content[0].text, content[0].line, sub_path, area, node=node,
                                inherited=self.inherit(node)))
        draft.units.extend(c for p in node.paras if (c := _label_line(p.text)))

    def paragraphs(
        self, paras: list[Para], anchor: Node, area: Node, path: list[str], *, all_tasks: bool
    ) -> None:
        """An area without numbered items: its paragraphs are its tasks."""
        target: _Draft | None = None
        for para in paras:
            if clause := _label_line(para.text):
                if target is not None:
                    target.units.append(clause)
                else:
                    self._add_heading_units(anchor, clause)
            elif not _aside(para.text) and (all_tasks or _own_units(para.text)):
                target = self.add_para(para, anchor, area, path, scope=anchor)

    def loose(self, para: Para, anchor: Node, area: Node, path: list[str]) -> None:
        if clause := _label_line(para.text):
            self._add_heading_units(anchor, clause)
        elif not _aside(para.text) and _own_units(para.text):
            self.add_para(para, anchor, area, path, scope=anchor)

    def add(self, draft: _Draft) -> _Draft:
        self.drafts.append(draft)
        return draft

    def add_para(
        self, para: Para, anchor: Node, area: Node, path: list[str], *, scope: Node | None
    ) -> _Draft:
        self.counts[anchor] = self.counts.get(anchor, 0) + 1
        return self.add(_Draft(para.text, para.line, path, area, anchor=anchor, index=self.counts[anchor],
                               inherited=self.inherit(scope)))

    def inherit(self, node: Node | None) -> tuple[str, UnitClause] | None:
        while node is not None and node.numbering is not None:
            if node in self.heading_units:
                return self.heading_units[node]
            node = node.parent
        return None

    def _note_heading_units(self, node: Node) -> None:
        clause = split_unit_clause(node.rest)[1]
        if clause and clause.has_units:
            self._add_heading_units(node, clause)
        elif names := _unit_heading(node.rest):
            self._add_heading_units(node, UnitClause(lead=names, labelled=True))

    def _add_heading_units(self, node: Node, clause: UnitClause) -> None:
        if node.numbering is None:
            return
        title, known = self.heading_units.get(node, (heading_text(node), UnitClause()))
        merged = UnitClause(
            lead=list(dict.fromkeys([*known.lead, *clause.lead])),
            responsible=list(dict.fromkeys([*known.responsible, *clause.responsible])),
            deadline=known.deadline or clause.deadline,
            labelled=True,
        )
        self.heading_units[node] = (title, merged)


def _outline_drafts(root: Node, sections: list[str] | None, warnings: list[PlanWarning]) -> list[_Draft]:
    collector = _Collector()
    top = _top_sections(root)
    if sections:
        chosen = _matching(root, sections)
        if not chosen:
            wanted = "」「".join(sections)
            raise PlanError(f"未找到任何任务：没有标题包含「{wanted}」的章节；请核对 --sections 的写法")
    elif not top:
        # No numbered headings at all: only paragraphs that name their units are tasks.
        collector.paragraphs(root.paras, root, root, [], all_tasks=False)
        return collector.drafts
    else:
        chosen = _choose(top, warnings)
    for section in chosen:
        found = len(collector.drafts)
        collector.section(section)
        if not sections and section_kind(section.rest) == "support":
            _keep_assigned(collector.drafts, found, section, warnings)
    if not collector.drafts and not sections and any(section_kind(node.rest) == "report" for node in top):
        raise PlanError(A_REPORT)
    return collector.drafts


def _keep_assigned(drafts: list[_Draft], start: int, section: Node, warnings: list[PlanWarning]) -> None:
    """组织保障 is taken for its items that assign units; its exhortations without units are not tasks."""
    kept = [d for d in drafts[start:] if d.units or _names_units(d.raw)]
    left = len(drafts) - start - len(kept)
    drafts[start:] = kept
    if left:
        message = (f"章节「{section.title}」中 {left} 项没有写明单位的条目未作为任务导入；"
                   "如需导入，请用 --sections 指定该章节")
        warnings.append(PlanWarning(section.line, message))


def _note_text_items(root: Node, imported: int, warnings: list[PlanWarning]) -> None:
    """A plan with a breakdown table is imported from the table; say so when its text has items too."""
    try:
        found = len(_outline_drafts(root, None, []))
    except PlanError:
        found = 0
    if found:
        message = (f"已按文中的任务分解表导入 {imported} 项任务，正文中的 {found} 项条目未重复导入；"
                   "如要按正文导入，请用 --sections 指定章节")
        warnings.append(PlanWarning(0, message))


def _top_sections(root: Node) -> list[Node]:
    nodes = [node for node in root.children if not node.appendix]
    if not nodes:
        return []
    top_rank = min(node.rank for node in nodes)
    return [node for node in nodes if node.rank == top_rank]


def _matching(root: Node, sections: list[str]) -> list[Node]:
    found: list[Node] = []
    pending = list(root.children)
    while pending:
        node = pending.pop(0)
        if any(key and key in node.title for key in sections):
            found.append(node)
        else:
            pending.extend(node.children)
    return sorted(found, key=lambda node: node.line)


def _choose(top: list[Node], warnings: list[PlanWarning]) -> list[Node]:
    """Task sections by their headings; 组织保障 and the like only when their items name units."""
    kinds = [(node, section_kind(node.rest)) for node in top]
    any_task = any(kind == "task" for _, kind in kinds)
    chosen = []
    for node, kind in kinds:
        if kind == "task" or (kind == "unknown" and not any_task) or _carries_units(node):
            chosen.append(node)
        elif kind == "unknown":
            warnings.append(PlanWarning(
                node.line, f"章节「{node.title}」未识别为任务章节，未导入；如含任务请用 --sections 指定"))
    return chosen


def _carries_units(node: Node) -> bool:
    for item in node.body:
        if _names_units(item.rest if isinstance(item, Node) else item.text):
            return True
        if isinstance(item, Node) and _carries_units(item):
            return True
    return False


def _names_units(text: str) -> bool:
    """Text ending in units by label or role, or in a list of names with their place."""
    clause = split_unit_clause(text)[1]
    return bool(clause and clause.has_units and (clause.labelled or all(map(full_unit_name, clause.units()))))


# --- ids and gaps ----------------------------------------------------------------------------------


class _Ids:
    """Ids from the plan's own numbers: alone when unique across the plan, else under the parent's id."""

    def __init__(self, drafts: list[_Draft]) -> None:
        self.parent: dict[Node, Node | None] = {}
        for draft in drafts:
            chain = _chain(draft.node or draft.anchor, draft.area)
            for index, node in enumerate(chain):
                self.parent[node] = chain[index - 1] if index else None
        self.by_rank: dict[int, list[Node]] = {}
        for node in sorted(self.parent, key=lambda n: n.line):
            self.by_rank.setdefault(node.rank, []).append(node)
        self.scoped = {rank: self._restarts(nodes) for rank, nodes in self.by_rank.items()}
        self.memo: dict[Node, str] = {}

    def _restarts(self, nodes: list[Node]) -> bool:
        """Numbering starts again under each parent (001: (一)1. 2. (二)1. …) rather than running on."""
        changes = restarts = 0
        for a, b in pairwise(nodes):
            if self.parent[a] is not self.parent[b]:
                changes += 1
                restarts += _number(b) <= _number(a)
        return changes > 0 and restarts * 2 >= changes

    def of(self, node: Node) -> str:
        if node not in self.memo:
            parent = self.parent.get(node)
            own = str(_number(node))
            self.memo[node] = f"{self.of(parent)}.{own}" if parent and self.scoped[node.rank] else own
        return self.memo[node]

    def scope(self, node: Node) -> str:
        parent = self.parent.get(node)
        return self.of(parent) if parent and self.scoped[node.rank] else ""


def _number(node: Node) -> int:
    return node.numbering.number if node.numbering else 0


def _chain(node: Node | None, area: Node) -> list[Node]:
    """The numbered nodes from the area (and the section above it) down to `node`."""
    chain: list[Node] = []
    while node is not None and node.numbering is not None:
        chain.append(node)
        if node is area:
            if node.parent is not None and node.parent.numbering is not None:
                chain.append(node.parent)
            break
        node = node.parent
    return chain[::-1]


def _assign_ids(drafts: list[_Draft], warnings: list[PlanWarning]) -> list[str]:
    ids = _Ids(drafts)
    for draft in drafts:
        if draft.node is not None:
            draft.id = ids.of(draft.node)
        elif draft.anchor is not None and draft.anchor.numbering is not None:
            draft.id = f"{ids.of(draft.anchor)}-{draft.index}"
        else:
            draft.id = str(draft.index)
        if draft.piece:
            draft.id += f"({draft.piece})"  # the n-th sentence of one item, each with its own units
    _scope_repeats(drafts, ids)
    task_ranks = {draft.node.rank for draft in drafts if draft.node is not None}
    gaps: list[str] = []
    for rank in sorted(task_ranks):
        gaps += _gaps(ids, ids.by_rank[rank], warnings)
    return gaps


def _scope_repeats(drafts: list[_Draft], ids: _Ids) -> None:
    """`(1)(2)` under 一、 and `①②` under 二、: numbers that repeat across sections take the section's."""
    counts = Counter(draft.id for draft in drafts)
    scoped = {}
    for draft in drafts:
        parent = ids.parent.get(draft.node) if draft.node is not None else None
        if counts[draft.id] > 1 and parent is not None and not draft.id.startswith(f"{ids.of(parent)}."):
            scoped[draft] = f"{ids.of(parent)}.{draft.id}"
    # Only when that tells them apart; a number written twice under one heading is left to _dedupe_ids.
    if scoped and len(set(scoped.values())) == len(scoped):
        for draft, scoped_id in scoped.items():
            draft.id = scoped_id


def _gaps(ids: _Ids, nodes: list[Node], warnings: list[PlanWarning]) -> list[str]:
    """Numbers the plan skips (000 has no item 86): kept as gaps, never renumbered."""
    expected: dict[str, int] = {}
    gaps: list[str] = []
    for node in nodes:
        scope, number = ids.scope(node), _number(node)
        want = expected.get(scope, 1)
        prefix = f"{scope}." if scope else ""
        if want < number <= want + _MAX_GAP:
            missing = [f"{prefix}{k}" for k in range(want, number)]
            gaps += missing
            message = f"编号不连续：缺少第 {'、'.join(missing)} 项（保留原编号，未重新编号）"
        elif number > want:
            message = f"编号跳跃：第 {prefix}{want - 1} 项之后是第 {prefix}{number} 项"
        elif number < want - 1:
            message = f"编号顺序异常：第 {prefix}{want - 1} 项之后是第 {prefix}{number} 项"
        else:
            message = ""
        if message:
            warnings.append(PlanWarning(node.line, message))
        expected[scope] = max(want, number + 1)
    return gaps


def _dedupe_ids(tasks: list[Task], warnings: list[PlanWarning]) -> None:
    """A number written twice keeps the first id; the next one becomes "12-dup2" and is reported."""
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            original, copy = task.id, 2
            while f"{original}-dup{copy}" in seen:
                copy += 1
            task.id = f"{original}-dup{copy}"
            message = f"编号「{original}」重复，本项编为「{task.id}」，请核对原文"
            warnings.append(PlanWarning(task.line, message, task.id))
        seen.add(task.id)


# --- one task ---------------------------------------------------------------------------------------


def _finish_draft(draft: _Draft, when: _When) -> tuple[Task, bool]:
    task, recurring = _make_task(draft.raw, draft.line, draft.path, when, units=draft.units,
                                 inherited=draft.inherited)
    task.id = draft.id
    if draft.piece:
        task.notes.append(f"由同一条目中各自带有责任单位的第 {draft.piece} 句拆出")
    return task, recurring


def _split_bullets(drafts: list[_Draft]) -> list[_Draft]:
    """A bullet holding several sentences, each with its own unit bracket: one task per sentence."""
    out: list[_Draft] = []
    for draft in drafts:
        pieces = _unit_pieces(draft.raw)
        if len(pieces) < 2:
            out.append(draft)
            continue
        for number, piece in enumerate(pieces, 1):
            copy = _Draft(piece, draft.line, draft.path, draft.area, draft.node, draft.anchor, draft.index,
                          list(draft.units) if number == len(pieces) else [], draft.inherited, draft.id)
            copy.piece = number
            out.append(copy)
    return out


_PIECE_END_RE = re.compile(r"[)）](?=\s*[。；;，,]|\s*$)")


def _unit_pieces(text: str) -> list[str]:
    """`A(甲负责);B(乙负责)。C。D(丙、丁)。` → ["A(甲负责)", "B(乙负责)", "C。D(丙、丁)"]: cut after each
    unit bracket that closes a sentence; a sentence without one goes with the next."""
    text = _BULLET_RE.sub("", text.strip())
    if len(_PIECE_END_RE.findall(text)) < 2:
        return [text]
    pieces: list[str] = []
    start = 0
    for m in _PIECE_END_RE.finditer(text):
        head = text[start:m.end()]
        rest, clause = split_unit_clause(head)
        if clause and clause.has_units and rest.strip(" 。；;，,"):
            pieces.append(head.strip(" 。；;，,"))
            start = m.end()
            while start < len(text) and text[start] in " 。；;，,":
                start += 1
    if len(pieces) < 2:
        return [text]
    if text[start:].strip():
        pieces[-1] += "。" + text[start:]  # a sentence after the last bracket stays with it
    return pieces


def _make_task(
    raw: str,
    line: int,
    path: list[str],
    when: _When,
    *,
    units: list[UnitClause] | None = None,
    inherited: tuple[str, UnitClause] | None = None,
    given: TableRow | None = None,
) -> tuple[Task, bool]:
    """Take a task text apart: units, deadline, targets; returns the task and whether its deadline recurs."""
    text, clause = split_unit_clause(_BULLET_RE.sub("", clean_line(raw)))
    if clause is None or not clause.has_units:
        text, inner = _inner_unit_sentence(text)
        clause = clause if inner is None else _merge(clause, inner)
    clauses = [c for c in [clause, *(units or [])] if c]
    if given and (given.lead or given.responsible):
        lead, responsible = list(given.lead), list(given.responsible)
    else:
        lead, responsible = _names(clauses, "lead"), _names(clauses, "resp")
    lead, responsible, marked = footnoted_roles(lead, responsible, when.marks)
    task = Task(id="", text=text, path=list(path), lead=lead, responsible=responsible, line=line)
    task.notes += [f"责任单位取自句末「{c.sentence}」" for c in clauses if c.sentence and c.has_units][:1]
    task.notes += [c.first_leads for c in clauses if c.first_leads and c.lead and c.lead[0] in task.lead][:1]
    if marked:
        _note_marks(task, marked, when.marks)
    if first_leads_hold(when.marks, line):
        task.lead, task.responsible, note = first_listed_leads(task.lead, task.responsible, "排在第一位的为牵头单位",
                                                               "方案")
        task.notes += [note] if note else []
    if not task.units and (subject := subject_units(text)):
        task.lead = subject[0]
        task.notes.append(f"责任单位取自句末「{subject[1].rstrip('。；;！!')}」")
    elif not task.units and (leading := leading_units(text)):
        task.lead, task.text = leading[0], leading[1]
        text = leading[1]
        task.notes.append(f"责任单位取自句首「{'、'.join(leading[0])}：」")
    phrase = given.deadline if given and given.deadline else None
    phrase = phrase or next((c.deadline for c in clauses if c.deadline), None)
    deadline = _read_phrase(task, phrase, when) if phrase else None
    found = take_text_deadline(text, when.plan_date, when.year, inside=deadline is None and not phrase)
    if deadline is None and not phrase:
        deadline, task.text = found.deadline, found.text
        task.notes += found.notes
        task.warnings += found.warnings
    else:
        task.notes += [note for note in found.notes if "周期性" in note]
        if deadline is not None and deadline.recurring:
            task.notes.insert(0, f"周期性时限：{deadline.written}")
    if deadline is not None and deadline.recurring and deadline.value and when.plan_date is None:
        task.notes.append(f"方案没有成文日期，周期性时限从{when.year}年起算"
                          + (f"（方案年份取自{when.year_from}）" if when.year_from else ""))
    if not task.units and inherited:
        deadline = _inherit(task, inherited, deadline, when)
    if not task.units:
        task.warnings.append(NO_UNITS)
    _check_deadline(task, deadline, when)
    task.deadline = deadline.value if deadline else None
    task.targets = find_targets(task.text)
    task.score = given.score if given else None
    return task, bool(deadline and deadline.recurring)


_ROLE_WORDS = {"lead": "牵头单位", "resp": "责任（配合）单位"}


def _note_marks(task: Task, marked: list[tuple[str, str]], meanings: dict[str, str]) -> None:
    """Footnote marks taken off unit names: placed as the plan's note on them says, else a warning."""
    explained = [(name, mark) for name, mark in marked if mark in meanings]
    for mark in dict.fromkeys(mark for _, mark in explained):
        names = "、".join(name for name, m in explained if m == mark)
        task.notes.append(f"单位名称「{names}」中的注释符号「{mark}」已去掉，按方案中的说明记为{_ROLE_WORDS[meanings[mark]]}")
    unexplained = [(name, mark) for name, mark in marked if mark not in meanings]
    if unexplained:
        names = "、".join(name for name, _ in unexplained)
        marks = "".join(dict.fromkeys(mark for _, mark in unexplained))
        task.warnings.append(f"单位名称「{names}」带注释符号「{marks}」，已去掉，方案中未找到这个符号的说明，请核对牵头或责任单位")


def _read_phrase(task: Task, phrase: str, when: _When) -> Deadline | None:
    """A deadline written in a column or a clause; a status or milestones where a deadline belongs."""
    deadline = parse_deadline(phrase, when.plan_date, when.year) or parse_frequency(phrase, when.plan_date, when.year)
    if deadline is not None:
        return deadline
    steps = take_text_deadline(phrase, when.plan_date, when.year)
    if steps.deadline is not None and steps.notes:
        task.notes += steps.notes
        return steps.deadline
    if m := re.fullmatch(r"\s*((?:19|20)\d{2})\s*(?:年度?)?\s*", phrase):
        task.notes.append(f"完成时限「{phrase}」只写了年份，取该年年底")
        return Deadline(f"{m[1]}-12-31", phrase)
    if is_status(phrase):
        task.notes.append(f"完成时限一栏写的是进展「{phrase}」，未作为完成时限")
    else:
        task.warnings.append(f"完成时限「{phrase}」无法识别，请核对")
    return None


def _check_deadline(task: Task, deadline: Deadline | None, when: _When) -> None:
    if deadline is None or deadline.recurring:
        return
    if deadline.span:
        task.notes.append(f"完成时限「{deadline.written}」是一段时间，取其结束")
    if deadline.relative:
        if deadline.value:
            task.notes.append(f"完成时限「{deadline.written}」未写年份，按方案年份{when.year}年（取自{when.year_from}）推断")
        else:
            task.warnings.append(f"完成时限「{deadline.written}」未写年份，方案中也找不到年份，请补填")
    value = deadline.value
    start = when.plan_date or (date(when.year, 1, 1) if when.year else None)
    if value and value != LONG_TERM and start and date.fromisoformat(value) < start:
        what = f"方案日期 {start.isoformat()}" if when.plan_date else f"方案年份 {when.year} 年"
        task.warnings.append(f"完成时限 {value} 早于{what}，请核对（未作改动）")


def _inner_unit_sentence(text: str) -> tuple[str, UnitClause | None]:
    """`《…条例》。起草单位:市园林局。6月底前…`: a sentence inside the text that is only a unit label."""
    sentences = re.split(r"(?<=[。；;])", text)
    for index, sentence in enumerate(sentences):
        clause = unit_line(sentence.strip())
        if clause is not None and clause.labelled:
            rest = "".join(sentences[:index] + sentences[index + 1:]).strip()
            return rest, clause
    return text, None


def _merge(first: UnitClause | None, second: UnitClause) -> UnitClause:
    if first is None:
        return second
    return UnitClause(first.lead + second.lead, first.responsible + second.responsible,
                      first.deadline or second.deadline, True, first.sentence or second.sentence)


def _names(clauses: list[UnitClause], role: str) -> list[str]:
    names = [name for c in clauses for name in (c.lead if role == "lead" else c.responsible)]
    return list(dict.fromkeys(names))


def _inherit(
    task: Task, inherited: tuple[str, UnitClause], deadline: Deadline | None, when: _When
) -> Deadline | None:
    """Units (and, when the task has none, the deadline) written on a heading above the task."""
    title, clause = inherited
    task.lead, task.responsible = list(clause.lead), list(clause.responsible)
    task.notes.append(f"责任单位继承自上级措施「{title}」")
    if deadline is None and clause.deadline:
        deadline = parse_deadline(clause.deadline, when.plan_date, when.year)
        task.notes.append(f"完成时限继承自上级措施「{title}」")
    return deadline


def _table_tasks(rows: list[TableRow], when: _When) -> list[tuple[Task, bool]]:
    """Rows of a breakdown table; their 序号 are the ids, under the heading row's number when they repeat."""
    numbers = [row.number for row in rows if row.number]
    repeated = len(numbers) != len(set(numbers)) and any(row.group for row in rows)
    finished = []
    for index, row in enumerate(rows, start=1):
        task, recurring = _make_task(row.text, row.line, row.path, when, given=row)
        task.notes[:0] = row.notes
        number = row.number or str(index)
        task.id = f"{row.group}.{number}" if repeated and row.group else number
        finished.append((task, recurring))
    return finished


# --- plan-wide facts ---------------------------------------------------------------------------------


def _apply_default(
    finished: list[tuple[Task, bool]], lines: list[tuple[int, str]], given: str | None, year: int | None = None
) -> tuple[str | None, int]:
    """Fill empty deadlines from the user's default, else from the plan's "原则上…前完成" sentence."""
    if given:
        value = normalise_deadline(given)
        if value is None:
            raise PlanError(f"无法识别默认完成时限「{given}」：请写成 2019-12-31、2019年底 或 长期")
        line, note = 0, f"完成时限按指定的默认时限（{given}）"
    else:
        found = find_default_deadline(lines, year)
        if found is None:
            return None, 0
        value, line = found[0].value, found[1]
        note = f"完成时限按全文默认（第{line}行：{found[0].written}）"
    for task, recurring in finished:
        if task.deadline is None and not recurring:
            task.deadline = value
            task.notes.append(note)
    return value, line


# `附件：1.某某责任分解` (the notice's list of attachments): the title after it is the plan's.
_ATTACHMENT_RE = re.compile(r"^附件\s*[0-9０-９]*\s*[:：]?\s*(?:[0-9０-９]+\s*[.．、]\s*)?(?=\S)")


def _title_head(lines: list[tuple[int, str]], index: int) -> str:
    """The lines a web page broke a title's start onto (`政府工作报告“十四五”时期` / `重点工作责任分解`)."""
    head = ""
    while index > 0 and len(head) < 30:
        text = lines[index - 1][1]
        if not (4 <= len(text) <= 30) or re.search(r"[。，,:：；;！!？?|>()（）]", text) or "通知" in text \
                or text.startswith("附件") or text.endswith(_TITLE_KEYS) or parse_numbering(text) is not None \
                or _aside(text) or find_plan_date([lines[index - 1]]):
            break
        head = text + head
        index -= 1
    return head


def _title(lines: list[tuple[int, str]], root: Node, source: str) -> str:
    """The first line that reads like a plan title; a 通知 cover line only when nothing better is found."""
    top = _top_sections(root)
    stop = top[0].line if top else 80
    found = [
        (index, text) for index, (number, text) in enumerate((n, _ATTACHMENT_RE.sub("", t)) for n, t in lines)
        if number <= stop and 4 <= len(text) <= 60 and any(key in text for key in _TITLE_KEYS)
        and not text.endswith(("。", "，", ",", ":", "：", "；")) and parse_numbering(text) is None
        and ">" not in text and not text.startswith("当前")  # a web page's breadcrumb
    ]
    candidates = [text for _, text in found]
    for index, text in found:
        if "通知" not in text and not text.startswith("关于印发"):
            return _title_head(lines, index) + text
    for text in candidates:
        if m := re.search(r"《([^》]+)》", text):
            return m[1]
    if candidates:
        return candidates[0]
    for number, text in lines:  # a page run together onto one long line: `…关于印发《…》的通知 …`
        if number <= stop and (m := re.search(r"印发\s*《([^《》]{4,60})》", text)):
            return m[1]
    plain = [
        text for number, text in lines
        if number <= stop and 6 <= len(text) <= 40 and not re.search(r"[。，,:：；;>|]", text)
        and parse_numbering(text) is None and not _aside(text) and not find_plan_date([(number, text)])
    ]
    return plain[0] if plain else (Path(source).stem if source else "实施方案")
