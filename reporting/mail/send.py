"""Sending: one message per unit (the round's workbook, or a reminder), each recorded in the store.

A message is marked 发送中 (committed) before it goes and 已发送 after; a key already 已发送 is never sent
again unless the unit is named in `resend`; a row a crash left 发送中 is reported as 可能已发送 and goes again
only when named. Without `send` nothing is sent and nothing is recorded: the .eml files are written to look at.
"""

from __future__ import annotations

import smtplib
import sqlite3
import ssl
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl

from ..errors import ReportingError, WorkspaceError
from ..generate import DISTRIBUTION_COLUMNS, DISTRIBUTION_FILE, DISTRIBUTION_SHEETS, distribution_tables
from ..models import Unit
from ..naming import file_stem
from ..plain_xlsx import write_tables
from ..progress import ProgressHook, no_progress
from ..receipts import receipt_path
from ..roster import Roster, read_roster
from ..rounds import open_round
from ..status import chase_reasons, round_status
from ..store import connect, transaction, workspace_lock
from ..vocabulary import STATE_HELD, VERDICT_REJECTED
from ..workspace import Workspace
from .compose import (
    MAIL_DIR,
    REMINDER_TEMPLATE,
    ROUND_TEMPLATE,
    Outgoing,
    addresses_of,
    cn_date,
    render,
    today,
    write_eml,
)
from .settings import (
    SECURITY_SSL,
    SECURITY_STARTTLS,
    TIMEOUT,
    MailSettings,
    connect_error,
    connection_reason,
    mail_settings,
)

KIND_ROUND, KIND_REMINDER = "台账", "催报"
SENDING, SENT, FAILED = "发送中", "已发送", "发送失败"
MAYBE_SENT = "可能已发送"  # a row left 发送中 by an earlier run that did not finish


@dataclass
class SendResult:
    round: str
    kind: str
    sent: bool  # False: only the .eml files were written
    folder: Path
    written: list[Outgoing] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # sent before: not again
    maybe_sent: list[str] = field(default_factory=list)  # left 发送中 by a crash (or cut off now): not again
    failed: list[tuple[str, str]] = field(default_factory=list)  # unit, the server's answer
    no_address: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # unit, why (e.g. only 待确认)
    notes: list[str] = field(default_factory=list)  # for the coordinator (分发清单 not updated, say)


# ---------------------------------------------------------------- what to send


def round_messages(ws: Workspace, round_name: str | None = None) -> tuple[str, list[Outgoing], list[str]]:
    """The round's workbook for every unit that has one: (round, messages, units without an address)."""
    settings = mail_settings(ws)
    with open_round(ws, round_name) as (conn, name):
        due = _due(conn, name)
    folder = ws.round_dir(name)
    roster = _roster(ws)
    fields = _common_fields(ws, name, due)
    messages, no_address = [], []
    for unit, workbook in _workbooks(ws, folder):
        addresses = addresses_of(_unit(roster, unit).email)
        if not addresses:
            no_address.append(unit)
            continue
        shown = f"{file_stem(unit)}.xlsx"
        subject, body = render(ws, ROUND_TEMPLATE, {**fields, **_unit_fields(roster, unit), "附件": shown})
        messages.append(Outgoing(unit, KIND_ROUND, f"{KIND_ROUND}|{name}|{unit}", addresses, subject, body, settings,
                                 folder / MAIL_DIR / KIND_ROUND / f"{file_stem(unit)}.eml", [(workbook, shown)]))
    return name, messages, no_address


def reminder_messages(ws: Workspace, round_name: str | None = None, as_of: date | None = None,
                      ) -> tuple[str, list[Outgoing], list[str], list[tuple[str, str]]]:
    """A reminder to every unit on 催报名单 with all its reasons; a 退回修改 one gets its receipt attached.

    Units whose only reason is a return held as 待确认 are left out (the coordinator settles those).
    Returns (round, messages, units without an address, units left out with why).
    """
    settings = mail_settings(ws)
    report = round_status(ws, round_name=round_name, as_of=as_of, write_chase=False)
    figures = report.figures
    roster = _roster(ws)
    fields = {**_common_fields(ws, figures.round, figures.due), "统计日期": cn_date(figures.as_of)}
    messages, no_address, skipped = [], [], []
    day = today().isoformat()
    for unit in report.units:
        reasons = chase_reasons(unit)
        if not reasons:
            continue
        reasons = [r for r in reasons if not r.startswith(STATE_HELD)]  # the coordinator's to settle
        if not reasons:
            skipped.append((unit.unit, "报送待确认，由您核实后处理"))
            continue
        addresses = addresses_of(_unit(roster, unit.unit).email)
        if not addresses:
            no_address.append(unit.unit)
            continue
        receipt = receipt_path(ws, figures.round, unit.unit)
        attach = [(receipt, f"{file_stem(unit.unit)}回执.xlsx")] if (
            any(r.startswith(VERDICT_REJECTED) for r in reasons) and receipt.exists()) else []
        note = ("回执已随本邮件附上，标红的单元格为需修改之处，可直接在回执上修改后发回。" if attach else "")
        text = "\n".join(f"　　{n}. {r}" for n, r in enumerate(reasons, start=1))
        subject, body = render(ws, REMINDER_TEMPLATE, {
            **fields, **_unit_fields(roster, unit.unit), "催报原因": text, "催报原因简述": "、".join(
                r.split("（")[0] for r in reasons), "回执说明": note})
        key = f"{KIND_REMINDER}|{figures.round}|{unit.unit}|{day}|{'；'.join(reasons)}"
        messages.append(Outgoing(unit.unit, KIND_REMINDER, key, addresses, subject, body, settings,
                                 ws.round_dir(figures.round) / MAIL_DIR / KIND_REMINDER / f"{file_stem(unit.unit)}.eml",
                                 attach))
    return figures.round, messages, no_address, skipped


def _common_fields(ws: Workspace, round_name: str, due: date | None) -> dict[str, str]:
    settings = ws.settings()
    return {"活动": settings.campaign, "轮次": round_name, "截止日期": cn_date(due),
            "联系人": settings.contact or "、".join(settings.signers), "落款": "\n".join(settings.signers),
            "日期": cn_date(today())}


def _unit_fields(roster: Roster, unit: str) -> dict[str, str]:
    liaison = _unit(roster, unit).liaison
    return {"单位": unit, "联络员": liaison, "称呼": f"{liaison}同志" if liaison else f"{unit}联络员"}


def _roster(ws: Workspace) -> Roster:
    path = ws.require(ws.roster_path, "请先运行 reporting plan import 生成单位名册")
    return Roster(read_roster(path, ws.show(path)))


def _unit(roster: Roster, name: str) -> Unit:
    return roster.unit(name) or Unit(name=name)


def _workbooks(ws: Workspace, folder: Path) -> list[tuple[str, Path]]:
    """(unit, workbook) as 分发清单.xlsx lists them (generate writes it with the workbooks)."""
    listing = ws.require(folder / DISTRIBUTION_FILE, "请先运行 reporting generate 生成本轮台账")
    rows: list[list] = next(iter(_sheet_rows(listing).values()), [[]])  # its first sheet, whatever its name now
    header = [str(v or "") for v in rows[0]]
    unit_col, file_col = header.index("单位名称"), header.index("台账文件")
    found = []
    for row in rows[1:]:
        if row[unit_col] and row[file_col]:
            path = folder / str(row[file_col])
            found.append((str(row[unit_col]), ws.require(path, "请重新运行 reporting generate")))
    return found


def _due(conn: sqlite3.Connection, round_name: str) -> date | None:
    row = conn.execute("SELECT due FROM rounds WHERE name = ?", (round_name,)).fetchone()
    return date.fromisoformat(row["due"]) if row and row["due"] else None


# ---------------------------------------------------------------- sending


def deliver(ws: Workspace, round_name: str, kind: str, messages: list[Outgoing], *, send: bool,
            password: str | None = None, resend: tuple[str, ...] = (), progress: ProgressHook | None = None,
            ) -> SendResult:
    """Write every message's .eml; with `send`, send those not sent before (see the module docstring)."""
    progress = progress or no_progress
    result = SendResult(round_name, kind, send, ws.round_dir(round_name) / MAIL_DIR / kind)
    unknown = [u for u in resend if u not in {m.unit for m in messages}]
    if unknown:
        raise WorkspaceError(f"--resend 指定的单位「{'、'.join(unknown)}」不在本次要发送的名单中（或名册中没有邮箱）")
    if not send:
        for done, item in enumerate(messages, start=1):
            write_eml(ws, item)
            result.written.append(item)
            progress(done, len(messages), item.unit)
        return result
    settings = mail_settings(ws)
    with workspace_lock(ws.root):
        conn = connect(ws.db_path)
        try:
            todo = _to_send(conn, messages, resend, result)
            if todo:
                _send_all(ws, conn, settings, password, todo, result, progress)
            if kind == KIND_ROUND:
                result.notes += note_sending(ws, conn, round_name)
        finally:
            conn.close()
    return result


def note_sending(ws: Workspace, conn: sqlite3.Connection, round_name: str) -> list[str]:
    """分发清单's 发送情况 filled in from the latest mail of each unit's workbook; a unit with no mail keeps
    what the coordinator wrote there (sent another way), or, when nothing is written, is told to have no
    address. The file is replaced whole; open in Excel (Windows will not let it be replaced) it is left as it
    is, with a note."""
    path = ws.round_dir(round_name) / DISTRIBUTION_FILE
    try:
        sheets = _sheet_rows(path)
    except (OSError, ValueError, KeyError) as exc:
        return [f"分发清单未更新（无法读取 {ws.show(path)}：{exc}）"]
    listing, idle = (sheets.get(name) or [[]] for name in DISTRIBUTION_SHEETS)
    width = len(DISTRIBUTION_COLUMNS)  # past it, empty cells Excel or WPS may have counted as used (a format)
    header = [str(value or "") for value in listing[0]]
    if header[:width] != DISTRIBUTION_COLUMNS or any(header[width:]):
        return [f"分发清单的表头已改动，未填写“发送情况”（{ws.show(path)}；重新运行 reporting generate 可恢复）"]
    listing, idle = [row[:width] for row in listing[1:]], idle[1:]
    sent = {row["unit"]: _sending_text(row) for row in sent_rows(conn, round_name, KIND_ROUND)}
    unit, email, state = (DISTRIBUTION_COLUMNS.index(c) for c in ("单位名称", "电子邮箱", "发送情况"))
    for row in listing:
        name = str(row[unit] or "")
        if name in sent:
            row[state] = sent[name]
        elif not row[state] and not addresses_of(str(row[email] or "")):
            row[state] = NO_ADDRESS
    try:
        write_tables(path, distribution_tables(listing, idle), root=ws.root)
    except OSError as exc:
        shown = ws.show(path)
        return [f"分发清单未更新（{shown} 可能正在 Excel 中打开：{exc.strerror}），关闭后重新运行本命令即可"]
    return []


NO_ADDRESS = "名册中没有邮箱，请另行送达"


def _sending_text(row: sqlite3.Row) -> str:
    when = (row["sent_at"] or row["created_at"] or "").replace("T", " ")[:16]
    if row["shown"] == SENT:
        return f"{SENT} {when}"
    if row["shown"] == FAILED:
        return f"{FAILED}：{row['error']}"
    return f"{row['shown']}（{when} 发送时中断）"


def _sheet_rows(path: Path) -> dict[str, list[list]]:
    """Each sheet's rows, its header first (rows as wide as the header, blank rows left out)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        found = {}
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            width = len(rows[0]) if rows else 0
            found[sheet.title] = [[*row, *[None] * (width - len(row))][:width] for row in rows if any(row)]
        return found
    finally:
        book.close()


def _to_send(conn: sqlite3.Connection, messages: list[Outgoing], resend: tuple[str, ...],
             result: SendResult) -> list[Outgoing]:
    todo = []
    for item in messages:
        last = conn.execute("SELECT state FROM mail_sent WHERE key = ? ORDER BY id DESC LIMIT 1",
                            (item.key,)).fetchone()
        state = last["state"] if last else None
        if item.unit in resend or state in (None, FAILED):
            todo.append(item)
        elif state == SENT:
            result.already.append(item.unit)
        else:
            result.maybe_sent.append(item.unit)
    return todo


def _send_all(ws: Workspace, conn: sqlite3.Connection, settings: MailSettings, password: str | None,
              todo: list[Outgoing], result: SendResult, progress: ProgressHook) -> None:
    server = smtp_connect(settings, password)
    try:
        for done, item in enumerate(todo, start=1):
            message = write_eml(ws, item)
            result.written.append(item)
            row_id = _record(conn, result.round, item, str(message["Message-ID"]), ws)
            try:
                server.send_message(message, settings.account, item.addresses)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                _mark(conn, row_id, FAILED, _smtp_error(exc))
                result.failed.append((item.unit, _smtp_error(exc)))
            except (smtplib.SMTPException, OSError) as exc:
                # Cut off mid-message: the server may or may not have taken it. Left 发送中, reported as such.
                result.maybe_sent.append(item.unit)
                server = _reconnect(server, settings, password, exc)
            else:
                _mark(conn, row_id, SENT)
                result.delivered.append(item.unit)
            progress(done, len(todo), item.unit)
    finally:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()


def _record(conn: sqlite3.Connection, round_name: str, item: Outgoing, message_id: str, ws: Workspace) -> int:
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO mail_sent (round, kind, unit, key, address, message_id, subject, eml, state, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (round_name, item.kind, item.unit, item.key, ", ".join(item.addresses), message_id,
             item.subject, ws.show(item.eml), SENDING, _now()))
    return int(cursor.lastrowid or 0)


def _mark(conn: sqlite3.Connection, row_id: int, state: str, error: str = "") -> None:
    with transaction(conn):
        conn.execute("UPDATE mail_sent SET state = ?, sent_at = ?, error = ? WHERE id = ?",
                     (state, _now() if state == SENT else None, error, row_id))


def _reconnect(server: smtplib.SMTP, settings: MailSettings, password: str | None, cause: Exception,
               ) -> smtplib.SMTP:
    server.close()
    try:
        return smtp_connect(settings, password)
    except ReportingError as exc:
        raise WorkspaceError(f"发送中断（{connection_reason(cause)}），重新连接也失败：{exc}。"
                             "已发出的均已记录，稍后再次运行即可续发") from exc


def _smtp_error(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "；".join(f"{addr}：{code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def smtp_connect(settings: MailSettings, password: str | None) -> smtplib.SMTP:
    """A logged-in SMTP connection, or a one-line message saying what went wrong."""
    where = f"发件服务器 {settings.smtp_host}:{settings.smtp_port}"
    try:
        server: smtplib.SMTP
        if settings.security == SECURITY_SSL:
            server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
            if settings.security == SECURITY_STARTTLS:
                server.starttls(context=ssl.create_default_context())
        if password is not None:
            server.login(settings.account, password)
        return server
    except smtplib.SMTPAuthenticationError as exc:
        raise WorkspaceError(f"{where}拒绝登录（{_smtp_error(exc)}）：请检查“账号”和密码") from exc
    except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
        raise connect_error(where, exc) from exc


def sent_rows(conn: sqlite3.Connection, round_name: str, kind: str | None = None) -> list[sqlite3.Row]:
    """The latest record of each key, with 发送中 rows shown as 可能已发送 (the run that wrote them is over)."""
    rows = conn.execute(
        "SELECT m.*, iif(m.state = ?, ?, m.state) AS shown FROM mail_sent m WHERE m.round = ? AND (? IS NULL OR "
        "m.kind = ?) AND m.id = (SELECT MAX(id) FROM mail_sent WHERE key = m.key) ORDER BY m.id",
        (SENDING, MAYBE_SENT, round_name, kind, kind))
    return list(rows)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
