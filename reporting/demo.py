"""`reporting demo`: the whole flow on the built-in sample plan and roster, with simulated units.

With a mail server (`DemoMail`), the round goes out by mail, the simulated units answer by mail from their
roster addresses, the returns are fetched from the mailbox into inbox/, and the reminders go out by mail.
"""

from __future__ import annotations

import random
import shutil
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import openpyxl

from .collect import CollectResult, collect_inbox
from .errors import WorkspaceError
from .evidence import score_totals, write_evidence
from .generate import generate_round
from .indicators import IndicatorSystem, import_indicators, match_indicators, score_text
from .mail.fetch import FetchResult, fetch_mail
from .mail.send import KIND_REMINDER, KIND_ROUND, SendResult, deliver, reminder_messages, round_messages
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
from .task_ledger import INDICATOR_COLUMN, fill_column
from .vocabulary import STATUS_DONE
from .workbook_spec import FIRST_DATA_ROW, HEADER_ROW, SHEET_LEDGER
from .workspace import Settings, Workspace
from .workspace_init import init_workspace

DATA = Path(__file__).parent / "data" / "demo"
PLAN_FILE = "云溪县法治政府建设示范创建实施方案.txt"
ROSTER_FILE = "云溪县单位名册.tsv"
INDICATORS_FILE = "云溪县法治政府建设示范创建指标体系.txt"
MARKER = ".reporting-demo"
ROUND = "2026年第四季度"
DUE = date(2026, 11, 30)
SEED = 2026
COORDINATOR = "fzb@yunxi.example.cn"  # the demo coordinator's mailbox


@dataclass
class DemoMail:
    """A mail server to run the demo against (a local one: the demo sends to the roster's addresses)."""

    host: str
    smtp_port: int
    imap_port: int
    password: str

    @classmethod
    def parse(cls, text: str, password: str) -> DemoMail:
        """`主机:发件端口:收件端口`, e.g. 127.0.0.1:2525:1143."""
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not all(p.strip().isdigit() for p in parts[1:]):
            raise WorkspaceError(f"邮件服务器「{text}」应写成 主机:发件端口:收件端口，如 127.0.0.1:2525:1143")
        return cls(parts[0].strip() or "127.0.0.1", int(parts[1]), int(parts[2]), password)

    def settings(self) -> dict:
        return {"发件服务器": self.host, "发件端口": self.smtp_port, "收件服务器": self.host,
                "收件端口": self.imap_port, "加密": "无", "账号": COORDINATOR, "发件人": "云溪县司法局法治督察股"}


@dataclass
class DemoResult:
    ws: Workspace
    outputs: dict[str, Path] = field(default_factory=dict)
    status: StatusReport | None = None
    report: ReportResult | None = None


def run_demo(target: Path, *, progress: ProgressHook = no_progress, say: Callable[[str], None] = print,
             mail: DemoMail | None = None) -> DemoResult:
    ws = _fresh_workspace(target, mail)
    result = DemoResult(ws=ws)
    courier = _Courier(ws, mail)
    imported = _import_plan(ws)
    say(f"1/7 导入示例方案：{len(imported.plan.tasks)} 项任务，{len(imported.unit_names())} 个单位名称 → "
        f"{ws.show(ws.ledger_path)}、{ws.show(ws.roster_path)}")
    system, linked = _import_indicators(ws)
    say(f"    导入示例指标体系：{len(system.leaves())} 项末级指标，{linked} 项任务按建议填写指标编号 → "
        f"{ws.show(ws.indicators_path)}")
    generated = generate_round(ws, round_name=ROUND, due=DUE, progress=progress)
    say(f"2/7 生成工作台账：{len(generated.files)} 份 → {ws.show(generated.round_dir / '台账')}")
    if mail:
        name, messages, _ = round_messages(ws, ROUND)
        sent = deliver(ws, name, KIND_ROUND, messages, send=True, password=mail.password)
        say(f"    邮件发送台账：{_sent_line(sent)}")
    behaviours = _behaviours([f.unit for f in generated.files])
    resent = _simulate_returns(ws, generated.round_dir / "台账", behaviours, courier)
    returning = sum(b.returns for b in behaviours)
    say(f"3/7 模拟各单位报回：{returning} 个单位报回（含迟报、出错、.xls、GBK 文件名的 .zip），"
        f"{len(behaviours) - returning} 个未报 → {'邮箱 ' + COORDINATOR if mail else ws.show(ws.inbox)}")
    courier.fetch(say)
    first = collect_inbox(ws, round_name=ROUND, progress=progress)
    _resend_fixed_receipt(ws, resent, courier)
    courier.fetch(say)
    second = collect_inbox(ws, round_name=ROUND, progress=progress)
    say(f"4/7 收集回报：{_collect_summary(first, second)} → {ws.show(ws.round_dir(ROUND) / '回执')}")
    status = round_status(ws, round_name=ROUND)
    result.status = status
    say(f"    报送率 {status.figures.return_rate:.1%}，完成率 {status.figures.completion_rate:.1%}；"
        f"催报名单 → {ws.show(status.chase_path)}" if status.chase_path else "")
    if mail:
        name, messages, _, _ = reminder_messages(ws, ROUND)
        sent = deliver(ws, name, KIND_REMINDER, messages, send=True, password=mail.password)
        say(f"    邮件催报：{_sent_line(sent)}")
    evidence = write_evidence(ws, round_name=ROUND, progress=progress)
    result.outputs["佐证材料目录"], result.outputs["缺证清单"] = evidence.catalogue, evidence.missing
    result.outputs["佐证材料"] = evidence.tree
    say(f"5/7 佐证材料：按指标导出 {evidence.planned} 个文件，缺证项次 {len(evidence.data.missing_claims())} 个 → "
        f"{ws.show(evidence.catalogue)}、{ws.show(evidence.missing)}、{ws.show(evidence.tree)}")
    result.outputs["汇总台账"] = consolidate(ws, round_name=ROUND)
    totals = score_totals(evidence.data, evidence.data.scores())
    say(f"6/7 汇总（含指标自评：{score_text(totals.got)} 分 / {score_text(totals.full)} 分）→ "
        f"{ws.show(result.outputs['汇总台账'])}")
    report = write_report(ws, round_name=ROUND)
    result.report = report
    result.outputs["自评报告"] = report.docx
    say(f"7/7 自评报告 → {ws.show(report.docx)}")
    for warning in report.warnings:
        say(f"    提醒：{warning}")
    return result


def _collect_summary(first: CollectResult, second: CollectResult) -> str:
    returns = first.returns + second.returns
    rejected = sum(not r.accepted for r in first.returns)
    return (f"读取 {len(first.files) + len(second.files)} 个文件、{len(returns)} 份台账，"
            f"首轮退回修改 {rejected} 份，其中 1 份按回执修改后重报")


def _sent_line(result: SendResult) -> str:
    failed = f"，失败 {len(result.failed)} 封" if result.failed else ""
    return f"已发送 {len(result.delivered)} 封{failed} → {result.folder.name} 邮件副本在 outbox/{ROUND}/邮件/"


class _Courier:
    """How a simulated unit's file reaches the coordinator: straight into inbox/, or by mail."""

    def __init__(self, ws: Workspace, mail: DemoMail | None) -> None:
        self.ws, self.mail = ws, mail
        self.addresses = {u.name: u.email for u in _demo_roster()}

    @property
    def folder(self) -> Path:
        """Where a unit puts the file it sends."""
        return self.ws.root / ".demo-outgoing" if self.mail else self.ws.inbox

    def send(self, path: Path, unit: str, when: datetime) -> None:
        set_sent_time(path, when)
        if not self.mail:
            return
        message = EmailMessage()
        message["From"], message["To"] = self.addresses[unit], COORDINATOR
        message["Subject"] = f"{unit}报送{ROUND}工作台账"
        message["Date"] = formatdate(when.timestamp(), localtime=True)
        message.set_content("台账已填好，请查收。")
        message.add_attachment(path.read_bytes(), maintype="application", subtype="octet-stream", filename=path.name)
        with smtplib.SMTP(self.mail.host, self.mail.smtp_port, timeout=60) as client:
            client.login(self.addresses[unit], self.mail.password)
            client.send_message(message)
        path.unlink()

    def fetch(self, say: Callable[[str], None]) -> FetchResult | None:
        if not self.mail:
            return None
        result = fetch_mail(self.ws, round_name=ROUND, password=self.mail.password)
        say(f"    从邮箱收取：{len(result.messages)} 封邮件，{len(result.files)} 个附件 → "
            f"{self.ws.show(self.ws.inbox)}/邮件/")
        return result


def _fresh_workspace(target: Path, mail: DemoMail | None = None) -> Workspace:
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
        mail=mail.settings() if mail else {},
    ))
    return ws


def _import_plan(ws: Workspace) -> ImportResult:
    plan_copy = ws.root / PLAN_FILE
    shutil.copy2(DATA / PLAN_FILE, plan_copy)
    imported = import_plan(ws, plan_copy)
    write_roster(_demo_roster(), ws.roster_path)  # the coordinator completes the drafted roster
    return imported


def _import_indicators(ws: Workspace) -> tuple[IndicatorSystem, int]:
    """The sample indicator system, and the coordinator taking the first suggestion of `indicators match`."""
    source = ws.root / INDICATORS_FILE
    shutil.copy2(DATA / INDICATORS_FILE, source)
    system = import_indicators(ws, source).system
    links = match_indicators(ws)
    accepted = {task_id: ids[:1] for task_id, ids in links.items() if ids}
    fill_column(ws.ledger_path, INDICATOR_COLUMN, accepted)
    return system, len(accepted)


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
    roles: list[dict[str, object]] = [
        {"returns": False}, {"returns": False},
        {"error": "bad_status"}, {"error": "done_without_evidence"},
        {"error": "progress_out_of_range", "renamed_to": "新建 Microsoft Excel 工作表.xlsx"},  # resent later
        {"fmt": "xls"}, {"fmt": "zip"},
        {"late": True}, {"late": True, "renamed_to": "副本-{unit}台账(1).xlsx"}, {"late": True},
        {"evidence_zip": True}, {"evidence_zip": True}, {"evidence_zip": True},
    ]
    for behaviour, role in zip(behaviours, roles, strict=False):
        for key, value in role.items():
            setattr(behaviour, key, value)
    return sorted(behaviours, key=lambda b: b.unit)


def _simulate_returns(ws: Workspace, folder: Path, behaviours: list[UnitBehaviour], courier: _Courier,
                      ) -> UnitBehaviour:
    rng = random.Random(SEED + 1)
    staging = ws.root / ".demo-staging"
    resent = next(b for b in behaviours if b.error == "progress_out_of_range")
    for behaviour in behaviours:
        if not behaviour.returns:
            continue
        filled = staging / f"{file_stem(behaviour.unit)}.xlsx"
        fill_workbook(folder / f"{file_stem(behaviour.unit)}.xlsx", filled, behaviour, rng)
        sent = _send(courier.folder, filled, behaviour)
        when = datetime(2026, 12, 3, 10, 0) if behaviour.late else datetime(2026, 11, 27, 9, 0)
        loose = courier.folder / f"{behaviour.unit}佐证材料.zip"
        if loose.exists():  # the zip of evidence only goes first, as its own file (or mail)
            courier.send(loose, behaviour.unit, when.replace(hour=when.hour - 1))
        courier.send(sent, behaviour.unit, when)
    shutil.rmtree(staging)
    return resent


def _send(folder: Path, filled: Path, behaviour: UnitBehaviour) -> Path:
    name = (behaviour.renamed_to or f"{behaviour.unit}.xlsx").format(unit=behaviour.unit)
    if behaviour.fmt == "xls":
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{behaviour.unit}台账.xls"
        save_as_xls(filled, target)
        return target
    if behaviour.fmt == "zip":
        target = folder / f"{behaviour.unit}报送材料.zip"
        done = _done_tasks(filled)
        evidence = {f"佐证材料/{task_id}-工作方案.pdf": _pdf(f"{behaviour.unit} {task_id}") for task_id in done[:3]}
        evidence["佐证材料/会议照片.jpg"] = b"\xff\xd8\xff\xe0demo"  # no task number: the receipt says so
        zip_with_gbk_names({f"{behaviour.unit}工作台账.xlsx": filled.read_bytes(), **evidence}, target)
        return target
    folder.mkdir(parents=True, exist_ok=True)
    if behaviour.evidence_zip:  # the workbook as it is, and the files in a zip of their own
        done = _done_tasks(filled)
        evidence = {f"任务{task_id}/会议纪要.pdf": _pdf(f"{behaviour.unit} {task_id} 纪要") for task_id in done}
        evidence.update({f"{task_id}号任务-现场照片.jpg": b"\xff\xd8\xff\xe0" + task_id.encode()
                         for task_id in done[:2]})
        evidence[f"{done[0] if done else '1'}-情况说明（" + "很长的文件名" * 30 + "）.txt"] = "说明".encode("gbk")
        evidence["../../越界的文件.txt"] = b"refused"  # collect refuses a path leaving the zip
        zip_with_gbk_names(evidence, folder / f"{behaviour.unit}佐证材料.zip")
    target = folder / name
    shutil.copy2(filled, target)
    return target


def _done_tasks(filled: Path) -> list[str]:
    """The task ids the simulated unit reported 已完成, in sheet order."""
    book = openpyxl.load_workbook(filled, read_only=True)
    rows = list(book[SHEET_LEDGER].iter_rows(min_row=HEADER_ROW, values_only=True))
    book.close()
    columns = {name: i for i, name in enumerate(rows[0]) if name}
    return [str(row[columns["任务编号"]]) for row in rows[1:]
            if row[columns["任务编号"]] not in (None, "") and row[columns["完成状态"]] == STATUS_DONE]


def _pdf(text: str) -> bytes:
    return b"%PDF-1.4\n% demo evidence: " + text.encode("utf-8") + b"\n%%EOF\n"


def _resend_fixed_receipt(ws: Workspace, behaviour: UnitBehaviour, courier: _Courier) -> None:
    """The unit opens its receipt, corrects the marked cell and sends the receipt back."""
    receipt = ws.round_dir(ROUND) / "回执" / f"{file_stem(behaviour.unit)}.xlsx"
    book = openpyxl.load_workbook(receipt)
    sheet = book[SHEET_LEDGER]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        cell = sheet.cell(row, columns["完成进度(%)"])
        if _number(cell.value) > 100:
            cell.value = 100
    target = courier.folder / f"{behaviour.unit}（已按回执修改）.xlsx"
    book.save(target)
    courier.send(target, behaviour.unit, datetime(2026, 11, 29, 16, 0))


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
