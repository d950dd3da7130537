"""指标体系: the indicator system a 示范创建 is judged against, as data.

Read from .xlsx, .docx (a table, or numbered paragraphs) or .txt; written to 指标体系.xlsx in the workspace
(the coordinator's to review and edit, like 任务分解表) and read back from there by every later step.

Numbers are kept as written. An indicator's id is its number (`一`, `（一）`, `1`, `1.2.3`); when a
level's numbers restart under each parent, the ids of that level carry the parent's id (`一.1`). Gaps,
repeated numbers and 分值 that do not add up are warned about, never refused.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from .errors import LedgerError, PlanError
from .numerals import to_chinese
from .plain_xlsx import BODY, Table, write_tables
from .plan_outline import clean_line, parse_numbering
from .plan_sources import SourceLine, read_plan_lines
from .plan_terms import ascii_digits
from .task_ledger import INDICATOR_COLUMN, SUGGESTED_COLUMN, fill_column, read_ledger
from .workspace import Workspace

SHEET = "指标体系"
COLUMNS = ["指标编号", "一级指标", "二级指标", "三级指标", "分值", "评测方式", "备注", "自评分(调整)", "调整理由"]
WIDTHS = [10, 24, 24, 48, 7, 40, 20, 10, 24]  # the last two: the coordinator's own 自评分 and why
LEVEL_NAMES = {1: "一级指标", 2: "二级指标", 3: "三级指标"}
FULL_SCORE = 100.0

# Rule codes of the warnings (tests and scripts rely on the codes, not on the wording).
GAP = "indicator.gap"
DUPLICATE = "indicator.duplicate"
SCORE_SUM = "indicator.score_sum"
SCORE_MISSING = "indicator.score_missing"
PARENT_SUM = "indicator.parent_sum"

_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("指标编号", "编号", "序号", "指标序号"),
    "level1": ("一级指标", "一级", "一级指标名称"),
    "level2": ("二级指标", "二级", "二级指标名称"),
    "level3": ("三级指标", "三级", "三级指标名称", "指标内容", "考核内容", "测评内容"),
    "score": ("分值", "分数", "标准分", "权重分"),
    "method": ("评测方式", "评分标准", "评分方法", "测评方式", "考核方式", "评价方式", "测评要点", "评分细则"),
    "note": ("备注", "说明"),
    "override": ("自评分",),  # 自评分(调整): brackets are dropped before comparing
    "reason": ("调整理由",),
}
_DECIMAL = re.compile(r"^(\d{1,3}(?:[.．]\d{1,3}){1,2})(?![.．]?\d)[\s、.．]*")
_SCORE_TAIL = re.compile(r"[（(]\s*(?:分值\s*[:：]?\s*)?(\d+(?:\.\d+)?)\s*分\s*[)）]\s*[。.；;]?\s*$")
_SCORE_LABEL = re.compile(r"^分值\s*[:：]\s*(\d+(?:\.\d+)?)\s*分?")
_METHOD_LABEL = re.compile(r"^(评测方式|评分标准|评分方法|测评方式|考核方式|评价方式|测评要点|评分细则)\s*[:：]\s*")
_NOTE_LABEL = re.compile(r"^备注\s*[:：]\s*")


@dataclass
class IndicatorWarning:
    code: str
    message: str
    line: int = 0  # line of the source (row of a sheet), 0 for the whole system

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}" if self.line else self.message


@dataclass
class Indicator:
    """One indicator of any level."""

    id: str
    level: int  # 1, 2 or 3
    heading: str  # as written, its number included: "一、依法全面履行政府职能"
    text: str  # without its number and 分值
    score: float | None = None
    method: str = ""  # 评测方式 / 评分标准
    note: str = ""
    parent: str | None = None
    path: list[str] = field(default_factory=list)  # headings of the levels above, as written
    line: int = 0
    override: float | None = None  # 自评分(调整): the coordinator's own score, used instead of the computed one
    override_reason: str = ""

    @property
    def short(self) -> str:
        """A short name for folder names and tables."""
        return self.text[:16]

    def to_json(self) -> dict:
        return {"id": self.id, "level": self.level, "path": list(self.path), "text": self.text, "score": self.score}


@dataclass
class IndicatorSystem:
    title: str
    indicators: list[Indicator]
    warnings: list[IndicatorWarning] = field(default_factory=list)

    def by_id(self) -> dict[str, Indicator]:
        return {ind.id: ind for ind in self.indicators}

    def leaves(self) -> list[Indicator]:
        """The indicators that are scored and that tasks serve: those of the deepest level present."""
        deepest = max((ind.level for ind in self.indicators), default=3)
        return [ind for ind in self.indicators if ind.level == deepest]

    def children(self, indicator_id: str) -> list[Indicator]:
        return [ind for ind in self.indicators if ind.parent == indicator_id]

    def top(self, indicator: Indicator) -> Indicator:
        """The 一级 indicator above (or the indicator itself)."""
        found = self.by_id()
        while indicator.parent is not None and indicator.parent in found:
            indicator = found[indicator.parent]
        return indicator

    def to_json(self) -> dict:
        return {"indicators": [ind.to_json() for ind in self.indicators]}


# ---------------------------------------------------------------- reading any source


@dataclass
class _Entry:
    level: int
    label: str  # the number as written, normalised ("一", "（一）", "1", "1.2"), or "" when none
    number: int | None  # for gap checks
    heading: str
    text: str
    score: float | None = None
    method: str = ""
    note: str = ""
    line: int = 0
    given_id: str = ""  # from a 指标编号 column
    override: float | None = None
    reason: str = ""


def read_indicator_source(path: Path) -> IndicatorSystem:
    """An indicator system from a .xlsx, .docx or .txt file; PlanError when there is none in it."""
    path = Path(path)
    lines = _xlsx_lines(path) if path.suffix.lower() in (".xlsx", ".xlsm") else read_plan_lines(path)
    title, entries = _entries_from_table(lines)
    if not entries:
        title, entries = _entries_from_text(lines)
    if not entries:
        raise PlanError("未找到任何指标：应为带“一级指标/二级指标/三级指标”表头的表格，"
                        "或以“一、”“（一）”“1.”编号的各级指标", file=path.name)
    return _build(title or path.stem, entries)


def _xlsx_lines(path: Path) -> list[SourceLine]:
    """Every row of the first sheet that has an indicator header (merged cells repeat their value)."""
    try:
        import openpyxl  # here, not at the top: collect and report never load it
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise PlanError(f"无法读取 .xlsx 文件（{type(exc).__name__}），请用 Excel/WPS 打开后重新保存",
                        file=path.name) from exc
    sheets = [book[SHEET]] if SHEET in book.sheetnames else []
    sheets += [ws for ws in book.worksheets if ws.title != SHEET]
    for ws in sheets:
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for merged in ws.merged_cells.ranges:
            value = rows[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(rows) else ""
            for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    if c - 1 < len(rows[r - 1]):
                        rows[r - 1][c - 1] = value
        lines = [SourceLine(n, " ".join(c for c in cells if c), tuple(cells), 0) for n, cells in enumerate(rows, 1)]
        if book.properties.title:  # 指标体系.xlsx keeps the system's title there
            lines.insert(0, SourceLine(0, book.properties.title))
        if any(_header(line.cells or ()) for line in lines[:20]):
            return lines
    raise PlanError("未找到指标表：各工作表前 20 行中没有“一级指标/二级指标/三级指标”表头", file=path.name)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(cells: tuple[str, ...] | list[str]) -> dict[str, int] | None:
    names = [re.sub(r"[(（][^)）]*[)）]", "", "".join(str(c).split())) for c in cells]
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        for key, synonyms in _HEADER_SYNONYMS.items():
            if name in synonyms and key not in columns:
                columns[key] = index
                break
    levels = {"level1", "level2", "level3"} & columns.keys()
    return columns if len(levels) >= 2 or "level3" in columns else None


def _entries_from_table(lines: list[SourceLine]) -> tuple[str, list[_Entry]]:
    title = ""
    entries: list[_Entry] = []
    columns: dict[str, int] | None = None
    last: dict[int, tuple[str, ...]] = {}
    for line in lines:
        if line.cells is None:
            if not title and not entries and line.text.strip():
                title = clean_line(line.text)
            continue
        cells = [clean_line(c.replace("\n", "")) for c in line.cells]
        found = _header(cells)
        if found:
            columns, last = found, {}
            continue
        if columns is None:
            title = title or line.text.strip()  # a title row above the table
            continue
        if not any(cells):
            continue

        def cell(key: str, cells: list[str] = cells, columns: dict[str, int] = columns) -> str:
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        levels = {level: cell(f"level{level}") for level in (1, 2, 3)}
        deepest = max((lv for lv, text in levels.items() if text), default=0)
        if not deepest:
            continue
        for level in range(1, deepest + 1):
            text = levels[level]
            if not text:
                continue
            key = tuple(levels[lv] for lv in range(1, level + 1))
            if level < deepest and last.get(level) == key:
                continue
            last[level] = key
            for lv in range(level + 1, 4):
                last.pop(lv, None)
            entry = _entry(level, text, line.line)
            if level == deepest:
                entry.given_id = _id_text(cell("id"))
                score = _number(cell("score"))
                entry.score = score if score is not None else entry.score
                entry.method, entry.note = cell("method"), cell("note")
                entry.override, entry.reason = _number(cell("override")), cell("reason")
            entries.append(entry)
    return title, entries


def _entries_from_text(lines: list[SourceLine]) -> tuple[str, list[_Entry]]:
    """Numbered lines: 一、 / （一） / 1. (or 1 / 1.1 / 1.1.1); unnumbered lines below one add to it."""
    numbered: list[tuple[SourceLine, str, int | None, str, int]] = []  # line, style, number, label, decimal depth
    for line in lines:
        text = clean_line(line.text)
        decimal = _DECIMAL.match(text)
        if decimal:
            label = ascii_digits(decimal[1]).replace("．", ".")
            numbered.append((line, "DEC", int(label.split(".")[-1]), label, label.count(".") + 1))
            continue
        numbering = parse_numbering(text)
        if numbering is not None:
            numbered.append((line, numbering.style, numbering.number, "", 0))
    styles = _style_levels([style for _, style, _, _, _ in numbered])
    title = ""
    entries: list[_Entry] = []
    current: _Entry | None = None
    for line in lines:
        text = clean_line(line.text)
        if not text:
            continue
        match = next((n for n in numbered if n[0] is line), None)
        if match is not None:
            _, style, _, label, depth = match
            level = depth if style == "DEC" else styles.get(style, 0)
            if level and (style != "DEC" or depth <= 3) and level <= 3:
                current = _entry(level, text, line.line)
                entries.append(current)
                continue
        if current is None:
            title = title or text
            continue
        _continue(current, text)
    if not any(e.level > 1 for e in entries) and len(entries) < 3:
        return title, []  # a plan's outline, not an indicator system
    return title, entries


def _style_levels(styles: list[str]) -> dict[str, int]:
    """Numbering styles present, shallowest first, mapped to levels: three → 1, 2, 3; two → 1, 3; one → 3."""
    rank = {"L1": 0, "PCN": 1, "DOT": 2, "PCLOSE": 3, "PNUM": 3, "CIRC": 5}
    present = sorted({s for s in styles if s in rank}, key=lambda s: (rank[s], styles.index(s)))[:3]
    levels = {1: [3], 2: [1, 3], 3: [1, 2, 3]}.get(len(present), [])
    return dict(zip(present, levels, strict=False))


def _continue(entry: _Entry, text: str) -> None:
    if (m := _METHOD_LABEL.match(text)) is not None:
        entry.method = "；".join(filter(None, [entry.method, text[m.end():]]))
    elif (m := _NOTE_LABEL.match(text)) is not None:
        entry.note = "；".join(filter(None, [entry.note, text[m.end():]]))
    elif (m := _SCORE_LABEL.match(text)) is not None:
        entry.score = float(m[1])
    elif entry.method:
        entry.method += text
    else:
        entry.text += text


def _entry(level: int, heading: str, line: int) -> _Entry:
    heading = clean_line(heading)
    text, label, number = heading, "", None
    decimal = _DECIMAL.match(heading)
    if decimal:
        label = ascii_digits(decimal[1]).replace("．", ".")
        number, text = int(label.split(".")[-1]), heading[decimal.end():]
    elif (numbering := parse_numbering(heading)) is not None:
        number, text = numbering.number, numbering.rest
        if numbering.style == "L1":
            label = heading[: len(heading) - len(numbering.rest)].strip().rstrip("、.．").strip()
        elif numbering.style == "PCN":
            label = f"（{to_chinese(number)}）"
        else:
            label = str(number)
    score = None
    tail = _SCORE_TAIL.search(text)
    if tail:
        score, text = float(tail[1]), text[: tail.start()]
    return _Entry(level, label, number, heading, text.strip().rstrip("。；;"), score, line=line)


def _number(text: str) -> float | None:
    text = text.strip().removesuffix("分")
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _id_text(text: str) -> str:
    return text.strip().rstrip("、.．").strip()


# ---------------------------------------------------------------- ids, tree and warnings


def _build(title: str, entries: list[_Entry]) -> IndicatorSystem:
    warnings: list[IndicatorWarning] = []
    parents: list[_Entry | None] = []
    stack: dict[int, _Entry] = {}
    for entry in entries:
        parent = next((stack[lv] for lv in range(entry.level - 1, 0, -1) if lv in stack), None)
        parents.append(parent)
        stack[entry.level] = entry
        for lv in range(entry.level + 1, 4):
            stack.pop(lv, None)
    ids = _assign_ids(entries, parents, warnings)
    indicators: list[Indicator] = []
    by_entry: dict[int, Indicator] = {}
    for entry, parent, ind_id in zip(entries, parents, ids, strict=True):
        above = by_entry.get(id(parent)) if parent is not None else None
        indicator = Indicator(
            id=ind_id, level=entry.level, heading=entry.heading, text=entry.text, score=entry.score,
            method=entry.method, note=entry.note, parent=above.id if above else None,
            path=[*above.path, above.heading] if above else [], line=entry.line, override=entry.override,
            override_reason=entry.reason)
        by_entry[id(entry)] = indicator
        indicators.append(indicator)
    system = IndicatorSystem(title, indicators, warnings)
    warnings += _gap_warnings(entries, parents) + _score_warnings(system)
    return system


def _assign_ids(entries: list[_Entry], parents: list[_Entry | None], warnings: list[IndicatorWarning]) -> list[str]:
    ids = [""] * len(entries)
    position: Counter[tuple[int, int]] = Counter()
    labels = []
    for entry, parent in zip(entries, parents, strict=True):
        position[(id(parent), entry.level)] += 1
        labels.append(entry.label or str(position[(id(parent), entry.level)]))
    for level in (1, 2, 3):
        index = [i for i, e in enumerate(entries) if e.level == level]
        parents_of: dict[str, set[int]] = {}
        for i in index:
            if not entries[i].given_id:
                parents_of.setdefault(labels[i], set()).add(id(parents[i]))
        qualify = any(len(found) > 1 for found in parents_of.values())  # numbers restart under each parent
        for i in index:
            if entries[i].given_id:
                ids[i] = entries[i].given_id
                continue
            parent = parents[i]
            parent_id = ids[entries.index(parent)] if qualify and parent is not None else ""
            ids[i] = f"{parent_id}.{labels[i]}" if parent_id else labels[i]
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if ids[i] in seen:
            first = seen[ids[i]]
            warnings.append(IndicatorWarning(DUPLICATE, f"指标编号 {ids[i]} 与第{first}行重复，已改记为 {ids[i]}-2",
                                             entry.line))
            n = 2
            while f"{ids[i]}-{n}" in seen:
                n += 1
            ids[i] = f"{ids[i]}-{n}"
        seen[ids[i]] = entry.line
    return ids


def _gap_warnings(entries: list[_Entry], parents: list[_Entry | None]) -> list[IndicatorWarning]:
    found = []
    for level in (1, 2, 3):
        previous: int | None = None
        previous_parent: object = None
        for entry, parent in zip(entries, parents, strict=True):
            if entry.level != level or entry.number is None:
                continue
            restart = parent is not previous_parent and entry.number == 1
            expected = 1 if previous is None or restart else previous + 1
            if entry.number > expected:
                missing = "、".join(str(n) for n in range(expected, entry.number))
                found.append(IndicatorWarning(GAP, f"{LEVEL_NAMES[level]}编号不连续：{entry.label or entry.number} "
                                                   f"之前缺 {missing}", entry.line))
            previous, previous_parent = entry.number, parent
    return found


def _score_warnings(system: IndicatorSystem) -> list[IndicatorWarning]:
    found = []
    leaves = system.leaves()
    scored = [ind for ind in leaves if ind.score is not None]
    if scored and len(scored) < len(leaves):
        missing = "、".join(ind.id for ind in leaves if ind.score is None)
        found.append(IndicatorWarning(SCORE_MISSING, f"{len(leaves) - len(scored)} 个末级指标没有分值：{missing}"))
    total = sum(ind.score or 0 for ind in scored)
    if scored and abs(total - FULL_SCORE) > 1e-6:
        found.append(IndicatorWarning(SCORE_SUM, f"末级指标分值合计 {_fmt(total)} 分，不是 {_fmt(FULL_SCORE)} 分"))
    for ind in system.indicators:
        children = system.children(ind.id)
        if ind.score is None or not children or any(c.score is None for c in children):
            continue
        below = sum(c.score or 0 for c in children)
        if abs(below - ind.score) > 1e-6:
            found.append(IndicatorWarning(PARENT_SUM, f"指标 {ind.id} 分值 {_fmt(ind.score)} 分，下级指标合计 "
                                                      f"{_fmt(below)} 分", ind.line))
    return found


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def score_text(value: float | None) -> str:
    return "" if value is None else _fmt(round(value, 2))


def score_figure(value: float) -> str:
    """A 自评分 as a score table prints it: two decimals (1.00, 1.60, 26.29)."""
    return f"{value:.2f}"


# ---------------------------------------------------------------- 指标体系.xlsx


def write_indicators(system: IndicatorSystem, path: Path) -> None:
    """指标体系.xlsx: one row per indicator of any level, the headings above it repeated; 一级/二级 rows bold."""
    found = system.by_id()
    rows = []
    for ind in system.indicators:
        levels = ["", "", ""]
        above: Indicator | None = ind
        while above is not None:
            levels[above.level - 1] = above.heading
            above = found.get(above.parent) if above.parent else None
        rows.append([ind.id, *levels, ind.score, ind.method, ind.note, ind.override, ind.override_reason])
    deepest = max((ind.level for ind in system.indicators), default=3)
    bold = {**BODY, "bold": True}
    levels_of = {id(row): ind.level for row, ind in zip(rows, system.indicators, strict=True)}
    write_tables(path, [Table(SHEET, COLUMNS, WIDTHS, rows, column_format=True,
                              row_format=lambda row: bold if levels_of.get(id(row), deepest) < deepest else None)],
                 properties={"title": system.title or "指标体系", "comments": "由 reporting indicators import 生成"})


def read_indicators(path: Path, shown: str | None = None) -> IndicatorSystem:
    """指标体系.xlsx as the coordinator left it; LedgerError naming the file when it holds none."""
    try:
        return read_indicator_source(path)
    except PlanError as exc:
        raise LedgerError(exc.message, file=shown or path.name, sheet=SHEET) from exc


@dataclass
class ImportResult:
    system: IndicatorSystem
    linked: int = 0  # tasks of 任务分解表 whose empty 指标编号 was filled from their headings


def import_indicators(ws: Workspace, source: Path) -> ImportResult:
    """Read `source` into 指标体系.xlsx; when 任务分解表 exists and its tasks stand under indicator headings
    (a plan organised by indicators), fill their empty 指标编号. Nothing is written when nothing is found."""
    system = read_indicator_source(source)
    write_indicators(system, ws.indicators_path)
    result = ImportResult(system)
    if ws.ledger_path.exists():
        tasks = read_ledger(ws.ledger_path, ws.show(ws.ledger_path))
        result.linked = fill_column(ws.ledger_path, INDICATOR_COLUMN, links_by_path(tasks, system), only_empty=True)
    return result


def load_indicators(ws: Workspace) -> IndicatorSystem:
    path = ws.require(ws.indicators_path, "请先运行 reporting indicators import 导入指标体系")
    return read_indicators(path, ws.show(path))


def match_indicators(ws: Workspace) -> dict[str, list[str]]:
    """Propose indicators for every task into 指标编号(建议) of 任务分解表 (指标编号 is left alone)."""
    system = load_indicators(ws)
    path = ws.require(ws.ledger_path, "请先运行 reporting plan import 导入实施方案")
    tasks = read_ledger(path, ws.show(path))
    links = suggest_links(tasks, system)
    fill_column(ws.ledger_path, SUGGESTED_COLUMN, links)
    return links


# ---------------------------------------------------------------- task ↔ indicator links

MATCH_THRESHOLD = 30.0  # below this similarity (0–100) nothing is proposed
MATCH_MARGIN = 8.0  # a second indicator is proposed too when it scores within this of the best
_NOT_WORD = re.compile(r"[^\w]|[\d_]", re.UNICODE)
_STOP = ("加强", "推进", "开展", "落实", "建立", "健全", "完善", "全面", "深入", "依法", "工作", "制度", "机制",
         "建设", "推行", "严格", "规范")


def _bigrams(text: str) -> str:
    """Chinese has no spaces: overlapping character pairs serve as the words rapidfuzz compares."""
    core = _NOT_WORD.sub("", text)
    for word in _STOP:
        core = core.replace(word, "")
    return " ".join(core[i:i + 2] for i in range(len(core) - 1))


def suggest_links(tasks: list, system: IndicatorSystem, *, limit: int = 2) -> dict[str, list[str]]:
    """For each task, the 末级 indicators its text is most like (best first), by rapidfuzz's token-set ratio
    over character pairs of the task (with its nearest heading) and of the indicator (with its parent's)."""
    leaves = system.leaves()
    if not leaves or not tasks:
        return {}
    found = system.by_id()
    choices = [_bigrams(ind.text + (found[ind.parent].text if ind.parent in found else "")) for ind in leaves]
    queries = [_bigrams(task.text + (task.path[-1] if task.path else "")) for task in tasks]
    scores = process.cdist(queries, choices, scorer=fuzz.token_set_ratio, workers=1)
    links: dict[str, list[str]] = {}
    for task, row in zip(tasks, scores, strict=True):
        ranked = sorted(range(len(leaves)), key=lambda j: -row[j])
        best = row[ranked[0]]
        if best < MATCH_THRESHOLD:
            links[task.id] = []
            continue
        links[task.id] = [leaves[j].id for j in ranked[:limit] if row[j] >= max(MATCH_THRESHOLD, best - MATCH_MARGIN)]
    return links


def links_by_path(tasks: list, system: IndicatorSystem) -> dict[str, list[str]]:
    """Tasks of a plan organised by indicators: the 末级 indicator whose heading the task stands under."""
    by_text: dict[str, str] = {}
    for ind in system.leaves():
        by_text.setdefault(_plain(ind.heading), ind.id)
        by_text.setdefault(_plain(ind.text), ind.id)
    links = {}
    for task in tasks:
        found = next((by_text[_plain(h)] for h in reversed(task.path) if _plain(h) in by_text), None)
        if found:
            links[task.id] = [found]
    return links


def _plain(heading: str) -> str:
    entry = _entry(3, heading, 0)
    return _NOT_WORD.sub("", entry.text)
