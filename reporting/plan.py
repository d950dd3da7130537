"""Stage 1: import a plan into 任务分解表.xlsx and 单位名册.xlsx; show and check the ledger."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .errors import LedgerError, WorkspaceError
from .indicators import links_by_path, load_indicators
from .models import LONG_TERM, Plan, Task, Unit
from .plan_parse import parse_plan
from .roster import (
    Resolution,
    Roster,
    canonical,
    draft_units,
    is_collective,
    merge_units,
    near_duplicates,
    read_roster,
    write_roster,
)
from .task_ledger import ledger_was_edited, read_ledger, rename_units, write_ledger
from .workspace import Workspace


@dataclass
class ImportResult:
    plan: Plan
    new_units: list[Unit]
    backup: Path | None = None

    def tasks_per_area(self) -> dict[str, int]:
        return dict(Counter(task.area or "（无标题）" for task in self.plan.tasks))

    def tasks_without_units(self) -> list[Task]:
        return [task for task in self.plan.tasks if not task.units]

    def defaulted(self) -> list[Task]:
        return [task for task in self.plan.tasks if any("默认" in note for note in task.notes)]

    def unit_names(self) -> list[str]:
        return list(dict.fromkeys(name for task in self.plan.tasks for name in task.units))


def import_plan(
    ws: Workspace,
    source: Path,
    *,
    default_deadline: str | None = None,
    sections: list[str] | None = None,
    force: bool = False,
) -> ImportResult:
    """Parse `source` and write the ledger and roster; nothing is written when the plan cannot be read."""
    default_deadline = default_deadline or ws.settings().default_deadline or None
    plan = parse_plan(source, sections=sections, default_deadline=default_deadline)
    if ws.indicators_path.exists():  # a plan organised by indicators: its headings name them
        links = links_by_path(plan.tasks, load_indicators(ws))
        for task in plan.tasks:
            task.indicators = links.get(task.id, [])
    backup = _make_room_for_ledger(ws, force)
    write_ledger(plan.tasks, ws.ledger_path, title=plan.title)
    existing = read_roster(ws.roster_path, ws.show(ws.roster_path)) if ws.roster_path.exists() else []
    units = draft_units(plan.tasks, existing)
    known = {u.name for u in existing}
    new_units = [u for u in units if u.name not in known]
    if new_units or not ws.roster_path.exists():
        write_roster(units, ws.roster_path)
    return ImportResult(plan=plan, new_units=new_units, backup=backup)


def _make_room_for_ledger(ws: Workspace, force: bool) -> Path | None:
    """Refuse to overwrite a ledger the coordinator edited, unless forced; then keep a dated backup."""
    path = ws.ledger_path
    if not path.exists() or not ledger_was_edited(path):
        return None
    if not force:
        raise WorkspaceError(
            f"{ws.show(path)} 已被手工修改，重新导入会覆盖这些修改；如确需覆盖，请加 --force（将先备份原文件）"
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.备份-{stamp}{path.suffix}")
    shutil.copy2(path, backup)
    return backup


def load_tasks(ws: Workspace, *, allow_duplicates: bool = False) -> list[Task]:
    path = ws.require(ws.ledger_path, "请先运行 reporting plan import 导入实施方案")
    return read_ledger(path, ws.show(path), allow_duplicates=allow_duplicates)


def load_roster(ws: Workspace) -> Roster:
    path = ws.require(ws.roster_path, "请先运行 reporting plan import 生成单位名册初稿")
    return Roster(read_roster(path, ws.show(path)))


@dataclass
class CheckReport:
    unresolved: list[tuple[Task, Resolution]] = field(default_factory=list)
    without_units: list[Task] = field(default_factory=list)
    empty_groups: list[str] = field(default_factory=list)
    duplicate_ids: dict[str, int] = field(default_factory=dict)
    past_deadline: list[Task] = field(default_factory=list)
    orphan_units: list[str] = field(default_factory=list)  # roster units no task names, directly or by group
    near_duplicates: list[list[str]] = field(default_factory=list)  # roster rows that may be one unit
    indicators_without_tasks: list[str] = field(default_factory=list)  # 末级 indicators no task serves
    tasks_without_indicators: list[Task] = field(default_factory=list)  # when an indicator system is imported
    unknown_indicators: list[tuple[Task, str]] = field(default_factory=list)  # 指标编号 not in 指标体系.xlsx

    @property
    def problems(self) -> int:
        """Problems that make `generate` go wrong: names it cannot resolve, groups without members, tasks with
        no unit, ids it cannot tell apart. Past deadlines and near-duplicates are warnings."""
        return len(self.unresolved) + len(self.duplicate_ids) + len(self.empty_groups) + len(self.without_units)

    @property
    def blocking(self) -> bool:
        return self.problems > 0

    @property
    def warnings(self) -> int:
        return (len(self.past_deadline) + len(self.near_duplicates) + bool(self.orphan_units)
                + len(self.unknown_indicators) + bool(self.indicators_without_tasks)
                + bool(self.tasks_without_indicators))


def check_plan(ws: Workspace, today: date | None = None) -> CheckReport:
    tasks = load_tasks(ws, allow_duplicates=True)
    roster = load_roster(ws)
    today = today or date.today()
    report = CheckReport()
    counts = Counter(task.id for task in tasks)
    report.duplicate_ids = {task_id: n for task_id, n in counts.items() if n > 1}
    reached: set[str] = set()
    for task in tasks:
        if not task.units:
            report.without_units.append(task)
        for name in task.units:
            resolution = roster.resolve(name)
            reached.update(resolution.units)
            if resolution.units:
                continue
            row = roster.unit(name)
            if (row is not None and row.is_group) or is_collective(name):
                if name not in report.empty_groups:
                    report.empty_groups.append(name)
            else:
                report.unresolved.append((task, resolution))
        if task.deadline and task.deadline != LONG_TERM and date.fromisoformat(task.deadline) < today:
            report.past_deadline.append(task)
    report.orphan_units = [u.name for u in roster.members if u.name not in reached]
    report.near_duplicates = near_duplicates(roster)
    if ws.indicators_path.exists():
        _check_indicators(ws, tasks, report)
    return report


@dataclass
class MergeResult:
    into: str
    merged: list[str]
    ledger_cells: int


def merge_roster(ws: Workspace, names: list[str], into: str) -> MergeResult:
    """`reporting roster merge`: the names become aliases of `into` in 单位名册.xlsx, and 任务分解表.xlsx names
    `into` wherever it named one of them."""
    path = ws.require(ws.roster_path, "请先运行 reporting plan import 生成单位名册初稿")
    shown = ws.show(path)
    try:
        units, merged = merge_units(read_roster(path, shown), names, into)
    except LedgerError as exc:
        raise LedgerError(exc.message, file=shown, sheet=exc.sheet) from exc
    target = Roster(units).unit(into)
    name = target.name if target is not None else into
    cells = 0
    if ws.ledger_path.exists():
        cells = rename_units(ws.ledger_path, [*merged, *names], name, ws.show(ws.ledger_path), canonical)
    write_roster(units, path)
    return MergeResult(name, merged, cells)


def _check_indicators(ws: Workspace, tasks: list[Task], report: CheckReport) -> None:
    system = load_indicators(ws)
    known = system.by_id()
    served = {ind_id for task in tasks for ind_id in task.indicators}
    report.indicators_without_tasks = [ind.id for ind in system.leaves() if ind.id not in served]
    report.tasks_without_indicators = [task for task in tasks if not task.indicators]
    report.unknown_indicators = [(task, ind_id) for task in tasks for ind_id in task.indicators if ind_id not in known]
