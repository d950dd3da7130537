"""The data model every stage shares: plan, task, unit, roster, round."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

LONG_TERM = "长期"
ROLE_LEAD = "牵头"
ROLE_RESPONSIBLE = "责任"
GROUP_CATEGORY = "分组"


@dataclass
class PlanWarning:
    """Something the parser was unsure of, with the plan line it came from (1-based, 0 = whole plan)."""

    line: int
    message: str
    task_id: str | None = None

    def __str__(self) -> str:
        where = f"第{self.line}行" if self.line else "全文"
        who = f"（任务 {self.task_id}）" if self.task_id else ""
        return f"{where}{who}：{self.message}"


@dataclass
class Task:
    """One row of 任务分解表."""

    id: str
    text: str
    path: list[str] = field(default_factory=list)  # headings above the task, as written
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    deadline: str | None = None  # "YYYY-MM-DD", LONG_TERM or None
    targets: list[str] = field(default_factory=list)
    score: float | None = None  # 分值, for indicator-style plans
    notes: list[str] = field(default_factory=list)  # 备注: facts worth a look (recurring deadline, inherited units)
    warnings: list[str] = field(default_factory=list)  # what the parser was unsure of (also shown in 备注)
    line: int = 0  # line of the plan the task starts on (0 when not from a plan file)
    indicators: list[str] = field(default_factory=list)  # 指标编号: the indicators the task serves
    suggested: list[str] = field(default_factory=list)  # 指标编号(建议): proposed by `indicators match`

    @property
    def units(self) -> list[str]:
        """Lead units first, then responsible ones, without repeats."""
        return list(dict.fromkeys([*self.lead, *self.responsible]))

    @property
    def area(self) -> str:
        """The 一级 heading: where the task is counted in per-area figures."""
        return self.path[0] if self.path else ""

    def remark(self) -> str:
        return "；".join([*self.notes, *self.warnings])

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "path": list(self.path),
            "text": self.text,
            "lead": list(self.lead),
            "responsible": list(self.responsible),
            "deadline": self.deadline,
            "targets": list(self.targets),
            "warnings": list(self.warnings),
        }


@dataclass
class Plan:
    """A parsed 实施方案."""

    title: str
    tasks: list[Task]
    source: str = ""
    plan_date: date | None = None
    default_deadline: str | None = None  # as applied: ISO date, LONG_TERM or None
    default_deadline_line: int = 0  # where the plan states it (0: not stated or given by the user)
    gaps: list[str] = field(default_factory=list)  # numbers the plan skips ("86"), kept as gaps
    warnings: list[PlanWarning] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)  # where the parser inferred structure, for the summary


@dataclass
class Unit:
    """One row of 单位名册: a unit, or a group when category is 分组."""

    name: str
    aliases: list[str] = field(default_factory=list)
    category: str = ""
    groups: list[str] = field(default_factory=list)
    liaison: str = ""
    phone: str = ""
    email: str = ""

    @property
    def is_group(self) -> bool:
        return self.category == GROUP_CATEGORY


@dataclass
class Round:
    """A reporting round (填报轮次)."""

    name: str
    due: date | None = None


_DAY = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*")


def parse_day(text: str) -> date | None:
    """`2026-12-31`, `2026/12/31`, `2026.12.31` or `2026年12月31日` as a date; None when it is none of them."""
    match = _DAY.fullmatch(text)
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    return None
