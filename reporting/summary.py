"""The summary of a round that 汇总台账.xlsx (summary_xlsx.py) and the 自评报告 (report.py) are made from:
the figures of the round, the change since the previous round, and the definitions text.

Everything here reads the store through figures.compute_figures, so a number means the same in the
terminal, the workbook and the report. What this module adds: the previous round and the change since it,
where each answer sits in its source file, the liaisons' e-mail addresses, and the definitions text.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import WorkspaceError
from .evidence import EvidenceTally, tally_evidence
from .figures import AreaFigures, RoundFigures, Tally, TaskFigures, UnitFigures, compute_figures
from .latest import COUNTS
from .quotes import is_trivial  # noqa: F401 - where 汇总台账 and the report have it from
from .rounds import open_round
from .store import loads
from .workbook_spec import FILL_COLUMNS
from .workspace import Settings, Workspace

SOURCE_COLUMNS = ("完成状态", "完成进度(%)")  # the cells behind a pair's state and progress

# The meaning of every figure, shown in 说明 and the README; keep in step with figures.py.
DEFINITIONS = [
    ("项次", "一项任务的一个责任单位（含牵头单位）为一个项次。单位、任务、领域和全局的数字都按项次统计。"),
    ("状态", "以单位本轮最新一次报送为准（按文件自身的保存时间：工作簿文档属性中的修改时间，没有时为文件时间；"
             "晚到的更早版本列为待确认，不替代）。"
             "该任务所在行无错误时取所填完成状态（已完成/推进中/未启动）；该行有错误为“待修改”；"
             "单位未报送或报送中缺少该行为“未报送”（不计为未启动）。"),
    ("完成进度", "该行所填完成进度(%)；待修改、未报送的项次按 0 计。"),
    ("逾期", "完成时限早于统计截至日期（--as-of 指定，否则为本轮截止日期，再否则为当天）"
             "且状态为推进中、未启动或待修改；未报送的项次（单位未报送或报送中缺少该行）只计为未报送，不计逾期；完成时限为“长期”或空白的不计逾期。"),
    ("已报送", "单位本轮有任何一份报送被读到即为已报送，不论被接收还是退回修改；但空表（什么都没填）不算，"
               "待确认的报送（文件名写的是别的单位，或比已接收的更早保存）在 reporting confirm 确认前也不算。"),
    ("报送率", "已报送单位数 ÷ 应报送单位数（本轮有任务的单位）。领域的报送率按在该领域有任务的单位计。"),
    ("完成率", "已完成项次 ÷ 全部项次，未报送单位的项次计入分母。单位、任务、领域的完成率各按其项次计算。"),
    ("平均进度", "全部项次完成进度之和 ÷ 项次数（待修改、未报送按 0 计）。"),
    ("任务已完成", "该任务全部责任单位（含牵头单位）均为已完成；牵头单位的状态单独列出。"),
    ("领域", "任务分解表中的“一级”标题。"),
    ("当前轮次", "reporting.toml 中写明的轮次（生成台账时自动写入），没写时为最近生成的一轮；各命令一致。"),
    ("较上轮", "与上一轮（按生成台账的先后排序的前一轮）相比：单位、领域按名称对应，"
               "完成率变化以百分点计，已完成项次变化以项次计；上一轮没有的单位或领域不比较。"),
]


@dataclass
class Change:
    """One unit's, area's or the round's figures against the previous round."""

    previous_rate: float
    rate_points: float  # completion rate now minus then, in percentage points
    completed: int  # 已完成 pairs now minus then
    progress_points: float


@dataclass
class RoundSummary:
    """What consolidate and report need: this round's figures, the previous round's, and context."""

    settings: Settings
    figures: RoundFigures
    previous: RoundFigures | None = None
    total_change: Change | None = None
    unit_changes: dict[str, Change] = field(default_factory=dict)
    area_changes: dict[str, Change] = field(default_factory=dict)
    source_columns: dict[str, dict[str, str]] = field(default_factory=dict)  # unit → column name → letter
    emails: dict[str, str] = field(default_factory=dict)
    last_read: str = ""  # when the latest return of the round was read ('' when none was)
    evidence: EvidenceTally | None = None  # 佐证材料 and 指标自评, when an indicator system is imported
    made_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    @property
    def round(self) -> str:
        return self.figures.round

    @property
    def campaign(self) -> str:
        return self.settings.campaign or self.figures.campaign

    def tasks_by_id(self) -> dict[str, TaskFigures]:
        return {task.task_id: task for task in self.figures.tasks}

    def area_tasks(self) -> dict[str, list[TaskFigures]]:
        """The tasks of each area, in plan order."""
        grouped: dict[str, list[TaskFigures]] = {area.area: [] for area in self.figures.areas}
        for task in self.figures.tasks:
            grouped.setdefault(task.area, []).append(task)
        return grouped

    def ranked_units(self) -> list[tuple[int, UnitFigures]]:
        """Units by completion rate, then average progress (ties share a rank: 1, 2, 2, 4)."""
        ordered = sorted(self.figures.units, key=lambda u: (-u.completion_rate, -u.average_progress, u.unit))
        ranked, previous_key, rank = [], None, 0
        for position, unit in enumerate(ordered, start=1):
            key = (round(unit.completion_rate, 12), round(unit.average_progress, 12))
            if key != previous_key:
                rank, previous_key = position, key
            ranked.append((rank, unit))
        return ranked


def load_summary(ws: Workspace, *, round_name: str | None = None, as_of: date | None = None,
                       with_sources: bool = True) -> RoundSummary:
    """Read the round (and the one before it) from reporting.db."""
    with open_round(ws, round_name) as (conn, name):
        earlier = previous_round(conn, name)
        previous = compute_figures(conn, earlier) if earlier else None
        if previous is not None:
            previous.pairs = []  # only its tallies are compared: free them before this round is read
        figures = compute_figures(conn, name, as_of)
        if not figures.pairs:
            raise WorkspaceError(f"轮次「{name}」没有分配给任何单位的任务：请检查任务分解表和单位名册，"
                                 f"再运行 reporting generate --round {name}")
        result = RoundSummary(settings=ws.settings(), figures=figures, previous=previous, emails=_emails(conn),
                               last_read=_last_read(conn, name))
        if with_sources:
            result.source_columns = source_columns(conn, name)
        if ws.indicators_path.exists():
            result.evidence = tally_evidence(ws, conn, figures)
        if previous is not None:
            _compare(result)
        return result


def previous_round(conn: sqlite3.Connection, round_name: str) -> str | None:
    """The round generated last before this one, or None."""
    row = conn.execute(
        "SELECT name FROM rounds WHERE generated_at IS NOT NULL AND generated_at < "
        "(SELECT generated_at FROM rounds WHERE name = ?) ORDER BY generated_at DESC, name DESC LIMIT 1",
        (round_name,)).fetchone()
    return row["name"] if row else None


def change(now: Tally, then: Tally) -> Change:
    return Change(previous_rate=then.completion_rate,
                  rate_points=(now.completion_rate - then.completion_rate) * 100,
                  completed=now.completed - then.completed,
                  progress_points=now.average_progress - then.average_progress)


def _compare(result: RoundSummary) -> None:
    previous = result.previous
    assert previous is not None
    result.total_change = change(result.figures.total, previous.total)
    then_units = {unit.unit: unit for unit in previous.units}
    result.unit_changes = {u.unit: change(u, then_units[u.unit]) for u in result.figures.units
                           if u.unit in then_units}
    then_areas: dict[str, AreaFigures] = {area.area: area for area in previous.areas}
    result.area_changes = {a.area: change(a, then_areas[a.area]) for a in result.figures.areas
                           if a.area in then_areas}


def source_columns(conn: sqlite3.Connection, round_name: str) -> dict[str, dict[str, str]]:
    """The sheet columns each unit's state and progress were read from, in its latest return.

    A pair's cell is then its column and its row ("H" and 12: H12). "Latest" as figures.py has it: not
    superseded, the highest id when several are not.
    """
    rows = conn.execute(
        "SELECT unit, columns FROM submissions WHERE id IN "
        f"(SELECT MAX(id) FROM submissions WHERE round = ? AND {COUNTS} GROUP BY unit)", (round_name,))
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        letters = dict(zip(FILL_COLUMNS, loads(row["columns"]), strict=False))  # none kept: {}
        found[row["unit"]] = {name: letters[name] for name in SOURCE_COLUMNS if letters.get(name)}
    return found


def _emails(conn: sqlite3.Connection) -> dict[str, str]:
    emails = {row["name"]: row["email"] or "" for row in conn.execute("SELECT name, email FROM units")}
    for row in conn.execute("SELECT unit, email FROM liaisons"):
        if row["email"]:
            emails[row["unit"]] = row["email"]
    return emails


def _last_read(conn: sqlite3.Connection, round_name: str) -> str:
    row = conn.execute("SELECT MAX(read_at) AS last FROM submissions WHERE round = ?", (round_name,)).fetchone()
    return row["last"] or ""


def percent(rate: float) -> str:
    """0.6667 → '66.7%' (the one way a rate is written in text)."""
    return f"{rate * 100:.1f}%"


def points(delta: float) -> str:
    """A change in percentage points as text: '提高5.0个百分点', '下降1.2个百分点', '持平'."""
    if abs(delta) < 0.05:
        return "持平"
    return f"{'提高' if delta > 0 else '下降'}{abs(delta):.1f}个百分点"
