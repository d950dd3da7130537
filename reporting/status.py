"""Status of a round: who returned, whose return was sent back, what is overdue; and the 催报 list.

The figures come from figures.compute_figures (one meaning everywhere); this module only orders and
presents them, and writes outbox/<轮次>/催报名单.xlsx.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import ReportingError
from .evidence import missing_by_unit
from .figures import RoundFigures, UnitFigures, compute_figures
from .models import parse_day
from .plain_xlsx import Table, write_tables
from .rounds import open_round
from .vocabulary import STATE_BLANK, STATE_HELD, STATE_NOT_REPORTED, VERDICT_REJECTED
from .workspace import Workspace

CHASE_FILE = "催报名单.xlsx"
CHASE_COLUMNS = ["序号", "单位", "催报原因", "联络员", "联系电话", "报送时间", "错误", "逾期任务"]
CHASE_WIDTHS = [6, 28, 36, 10, 16, 20, 8, 10]


@dataclass
class StatusReport:
    figures: RoundFigures
    chase_path: Path | None = None
    missing_evidence: dict[str, int] = field(default_factory=dict)  # unit → 已完成 claims without proof

    @property
    def units(self) -> list[UnitFigures]:
        return sorted(self.figures.units, key=_problems_first)

    def to_json(self) -> dict:
        figures = self.figures
        return {
            "round": figures.round,
            "due": figures.due.isoformat() if figures.due else None,
            "as_of": figures.as_of.isoformat(),
            "return_rate": round(figures.return_rate, 4),
            "completion_rate": round(figures.completion_rate, 4),
            "units": [_unit_json(u) for u in self.units],
        }


def parse_as_of(text: str) -> date:
    found = parse_day(text)
    if found is None:
        raise ReportingError(f"日期「{text}」格式不对，应为 YYYY-MM-DD，如 2026-09-30")
    return found


def round_status(ws: Workspace, *, round_name: str | None = None, as_of: date | None = None,
                 write_chase: bool = True) -> StatusReport:
    """The figures of the round (the current one unless named) and, unless told not to, the 催报 list."""
    with open_round(ws, round_name) as (conn, name):
        report = StatusReport(compute_figures(conn, name, as_of))
        report.missing_evidence = missing_by_unit(conn, report.figures)
    if write_chase:
        report.chase_path = write_chase_list(ws, report)
    return report


def chase_reasons(unit: UnitFigures, missing_evidence: int = 0) -> list[str]:
    reasons = []
    if unit.held:
        reasons.append(f"{STATE_HELD}（{unit.held} 份，核实后用 reporting confirm 确认）")
    if not unit.returned and not unit.held:
        reasons.append(f"{STATE_BLANK}（未填写任何内容）" if unit.blank else STATE_NOT_REPORTED)
    elif unit.returned and not unit.accepted:
        reasons.append(f"{VERDICT_REJECTED}（{unit.errors} 处错误）")
    if unit.returned and unit.not_reported:
        reasons.append(f"有任务未报送（{unit.not_reported} 项）")
    if unit.overdue:
        reasons.append(f"有逾期任务（{unit.overdue} 项）")
    if missing_evidence:
        reasons.append(f"缺佐证材料（{missing_evidence} 项已完成任务未收到文件，见缺证清单）")
    return reasons


def _problems_first(unit: UnitFigures) -> tuple:
    rank = 0 if unit.returned and not unit.accepted else 1 if not unit.returned else 2 if unit.overdue else 3
    return rank, -unit.errors, -unit.overdue, unit.unit


def _unit_json(unit: UnitFigures) -> dict:
    return {
        "unit": unit.unit, "returned": unit.returned, "accepted": unit.accepted, "errors": unit.errors,
        "tasks": unit.tasks, "completed": unit.completed, "overdue": unit.overdue,
        "not_reported": unit.not_reported, "file": unit.file or None,
        "state": unit.state, "verdict": unit.state, "held": unit.held,
        "warnings": unit.warnings, "returned_at": unit.returned_at or None,
        "late": unit.late, "liaison": unit.liaison, "phone": unit.phone,
    }


# ---------------------------------------------------------------- terminal table

TABLE_COLUMNS = ["单位", "报送时间", "结论", "错误", "完成/任务", "逾期"]


def status_table(report: StatusReport) -> list[str]:
    """The table as lines, columns aligned for Chinese characters (two cells wide each)."""
    rows = [TABLE_COLUMNS] + [[u.unit, _when(u.returned_at), u.state, str(u.errors) if u.returned else "-",
                               f"{u.completed}/{u.tasks}", str(u.overdue) if u.overdue else "-"]
                              for u in report.units]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
    return ["  ".join(_pad(cell, widths[i], right=i >= 3) for i, cell in enumerate(row)).rstrip() for row in rows]


def _when(stamp: str) -> str:
    return stamp.replace("T", " ")[:16] if stamp else "-"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


# ---------------------------------------------------------------- 催报名单.xlsx


def write_chase_list(ws: Workspace, report: StatusReport) -> Path:
    """outbox/<轮次>/催报名单.xlsx: units not returned, sent back, or with overdue tasks; liaison and phone."""
    path = ws.round_dir(report.figures.round) / CHASE_FILE
    missing = report.missing_evidence
    units = [u for u in report.units if chase_reasons(u, missing.get(u.unit, 0))]
    as_of = report.figures.as_of
    rows = [[number, unit.unit, "；".join(chase_reasons(unit, missing.get(unit.unit, 0))), unit.liaison, unit.phone,
             _when(unit.returned_at), unit.errors if unit.returned else "", unit.overdue or ""]
            for number, unit in enumerate(units, start=1)]
    write_tables(path, [Table(
        "催报名单", CHASE_COLUMNS, CHASE_WIDTHS, rows,
        title=f"{report.figures.round}催报名单（截至{as_of.year}年{as_of.month}月{as_of.day}日）",
        empty="所有单位均已报送并通过审核，没有逾期任务。",
        header={"bold": True, "bg_color": "#E2EFDA", "border": 1, "align": "center"}, autofilter=False)],
        root=ws.root)
    return path
