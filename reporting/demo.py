"""`reporting demo`: the whole flow on the built-in sample plan and roster, with simulated units."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl

from .collect import CollectResult, collect_inbox
from .errors import WorkspaceError
from .generate import generate_round
from .models import Unit
from .naming import file_stem
from .plan import ImportResult, import_plan
from .progress import ProgressHook, no_progress
from .report import ReportResult, write_report
from .roster import COLUMNS as ROSTER_COLUMNS
from .roster import write_roster
from .simulate import UnitBehaviour, fill_workbook, save_as_xls, set_sent_time, zip_with_gbk_names
from .status import StatusReport, round_status
from .summary_xlsx import consolidate
from .workbook_spec import FIRST_DATA_ROW, HEADER_ROW, SHEET_LEDGER
from .workspace import Settings, Workspace
from .workspace_init import init_workspace

DATA = Path(__file__).parent / "data" / "demo"
PLAN_FILE = "云溪县法治政府建设示范创建实施方案.txt"
ROSTER_FILE = "云溪县单位名册.tsv"
MARKER = ".reporting-demo"
ROUND = "2026年第四季度"
DUE = date(2026, 11, 30)
SEED = 2026


@dataclass
class DemoResult:
    ws: Workspace
    outputs: dict[str, Path] = field(default_factory=dict)
    status: StatusReport | None = None
    report: ReportResult | None = None


def run_demo(target: Path, *, progress: ProgressHook = no_progress, say: Callable[[str], None] = print) -> DemoResult:
    ws = _fresh_workspace(target)
    result = DemoResult(ws=ws)
    imported = _import_plan(ws)
    say(f"1/6 导入示例方案：{len(imported.plan.tasks)} 项任务，{len(imported.unit_names())} 个单位名称 → "
        f"{ws.show(ws.ledger_path)}、{ws.show(ws.roster_path)}")
    generated = generate_round(ws, round_name=ROUND, due=DUE, progress=progress)
    say(f"2/6 生成工作台账：{len(generated.files)} 份 → {ws.show(generated.round_dir / '台账')}")
    behaviours = _behaviours([f.unit for f in generated.files])
    resent = _simulate_returns(ws, generated.round_dir / "台账", behaviours)
    returning = sum(b.returns for b in behaviours)
    say(f"3/6 模拟各单位报回：{returning} 个单位报回（含迟报、出错、.xls、GBK 文件名的 .zip），"
        f"{len(behaviours) - returning} 个未报 → {ws.show(ws.inbox)}")
    first = collect_inbox(ws, round_name=ROUND, progress=progress)
    _resend_fixed_receipt(ws, resent)
    second = collect_inbox(ws, round_name=ROUND, progress=progress)
    say(f"4/6 收集回报：{_collect_summary(first, second)} → {ws.show(ws.round_dir(ROUND) / '回执')}")
    status = round_status(ws, round_name=ROUND)
    result.status = status
    say(f"    报送率 {status.figures.return_rate:.1%}，完成率 {status.figures.completion_rate:.1%}；"
        f"催报名单 → {ws.show(status.chase_path)}" if status.chase_path else "")
    result.outputs["汇总台账"] = consolidate(ws, round_name=ROUND)
    say(f"5/6 汇总 → {ws.show(result.outputs['汇总台账'])}")
    report = write_report(ws, round_name=ROUND)
    result.report = report
    result.outputs["自评报告"] = report.docx
    say(f"6/6 自评报告 → {ws.show(report.docx)}")
    for warning in report.warnings:
        say(f"    提醒：{warning}")
    return result


def _collect_summary(first: CollectResult, second: CollectResult) -> str:
    returns = first.returns + second.returns
    rejected = sum(not r.accepted for r in first.returns)
    return (f"读取 {len(first.files) + len(second.files)} 个文件、{len(returns)} 份台账，"
            f"首轮退回修改 {rejected} 份，其中 1 份按回执修改后重报")


def _fresh_workspace(target: Path) -> Workspace:
    """A new demo folder; an earlier demo in the same place is replaced, anything else is left alone."""
    if target.exists() and any(target.iterdir()):
        if not (target / MARKER).exists():
            raise WorkspaceError(f"{target} 已存在且不是演示目录，为免覆盖，请换一个目录")
        shutil.rmtree(target)
    ws = init_workspace(target, campaign="云溪县法治政府建设示范创建")
    (ws.root / MARKER).write_text("reporting demo\n", encoding="utf-8")
    ws.save_settings(Settings(
        campaign="云溪县法治政府建设示范创建",
        signers=["云溪县法治政府建设领导小组办公室", "云溪县司法局"],
        round_name=ROUND, round_due=DUE, contact="县司法局法治督察股 陈晓 0000-1234567",
    ))
    return ws


def _import_plan(ws: Workspace) -> ImportResult:
    plan_copy = ws.root / PLAN_FILE
    shutil.copy2(DATA / PLAN_FILE, plan_copy)
    imported = import_plan(ws, plan_copy)
    write_roster(_demo_roster(), ws.roster_path)  # the coordinator completes the drafted roster
    return imported


def _demo_roster() -> list[Unit]:
    lines = (DATA / ROSTER_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ROSTER_COLUMNS
    units = []
    for line in lines[1:]:
        name, aliases, category, groups, liaison, phone, email = (line.split("\t") + [""] * 7)[:7]
        units.append(Unit(name=name, aliases=[a for a in aliases.split("、") if a], category=category,
                          groups=[g for g in groups.split("、") if g], liaison=liaison, phone=phone, email=email))
    return units


def _behaviours(units: list[str]) -> list[UnitBehaviour]:
    """Most units return on time; a few are late, faulty, in other formats, or never return."""
    rng = random.Random(SEED)
    order = list(units)
    rng.shuffle(order)
    behaviours = [UnitBehaviour(unit=name) for name in order]
    roles = [
        {"returns": False}, {"returns": False},
        {"error": "bad_status"}, {"error": "done_without_evidence"},
        {"error": "progress_out_of_range", "renamed_to": "新建 Microsoft Excel 工作表.xlsx"},  # resent later
        {"fmt": "xls"}, {"fmt": "zip"},
        {"late": True}, {"late": True, "renamed_to": "副本-{unit}台账(1).xlsx"}, {"late": True},
    ]
    for behaviour, role in zip(behaviours, roles, strict=False):
        for key, value in role.items():
            setattr(behaviour, key, value)
    return sorted(behaviours, key=lambda b: b.unit)


def _simulate_returns(ws: Workspace, folder: Path, behaviours: list[UnitBehaviour]) -> UnitBehaviour:
    rng = random.Random(SEED + 1)
    staging = ws.root / ".demo-staging"
    resent = next(b for b in behaviours if b.error == "progress_out_of_range")
    for behaviour in behaviours:
        if not behaviour.returns:
            continue
        filled = staging / f"{file_stem(behaviour.unit)}.xlsx"
        fill_workbook(folder / f"{file_stem(behaviour.unit)}.xlsx", filled, behaviour, rng)
        sent = _send(ws, filled, behaviour)
        when = datetime(2026, 12, 3, 10, 0) if behaviour.late else datetime(2026, 11, 27, 9, 0)
        set_sent_time(sent, when)
    shutil.rmtree(staging)
    return resent


def _send(ws: Workspace, filled: Path, behaviour: UnitBehaviour) -> Path:
    name = (behaviour.renamed_to or f"{behaviour.unit}.xlsx").format(unit=behaviour.unit)
    if behaviour.fmt == "xls":
        target = ws.inbox / f"{behaviour.unit}台账.xls"
        save_as_xls(filled, target)
        return target
    if behaviour.fmt == "zip":
        target = ws.inbox / f"{behaviour.unit}报送材料.zip"
        evidence = {"佐证材料/工作方案.pdf": b"%PDF-1.4\n% demo evidence\n",
                    "佐证材料/会议照片.jpg": b"\xff\xd8\xff\xe0demo"}
        zip_with_gbk_names({f"{behaviour.unit}工作台账.xlsx": filled.read_bytes(), **evidence}, target)
        return target
    target = ws.inbox / name
    shutil.copy2(filled, target)
    return target


def _resend_fixed_receipt(ws: Workspace, behaviour: UnitBehaviour) -> None:
    """The unit opens its receipt, corrects the marked cell and sends the receipt back."""
    receipt = ws.round_dir(ROUND) / "回执" / f"{file_stem(behaviour.unit)}.xlsx"
    book = openpyxl.load_workbook(receipt)
    sheet = book[SHEET_LEDGER]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        cell = sheet.cell(row, columns["完成进度(%)"])
        if _number(cell.value) > 100:
            cell.value = 100
    target = ws.inbox / f"{behaviour.unit}（已按回执修改）.xlsx"
    book.save(target)
    set_sent_time(target, datetime(2026, 11, 29, 16, 0))


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
