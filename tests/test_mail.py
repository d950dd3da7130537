"""Mail against real servers started here: dovecot for IMAP, aiosmtpd delivering through dovecot-lda."""

from __future__ import annotations

import base64
import email
import email.policy
import errno
import itertools
import os
import random
import smtplib
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import date, datetime, timezone
from pathlib import Path

import mailserver
import openpyxl
import pytest
from mailserver import MailServers

from reporting.demo import COORDINATOR as DEMO_COORDINATOR
from reporting.demo import ROUND as ROUND_DEMO
from reporting.demo import DemoMail, run_demo
from reporting.generate import DISTRIBUTION_FILE, generate_round
from reporting.mail.compose import MAIL_DIR
from reporting.mail.send import (
    KIND_REMINDER,
    KIND_ROUND,
    MAYBE_SENT,
    NO_ADDRESS,
    SENDING,
    SENT,
    deliver,
    round_messages,
    sent_rows,
)
from reporting.mail.settings import PASSWORD_ENV
from reporting.models import Task, Unit
from reporting.roster import write_roster
from reporting.simulate import UnitBehaviour, fill_workbook, gbk_zip
from reporting.status import chase_reasons
from reporting.store import connect
from reporting.task_ledger import write_ledger
from reporting.workspace import Settings, Workspace

ROUND = "2026年第四季度"
DUE = date(2026, 12, 31)
CAMPAIGN = "某县法治政府建设示范创建"
COORDINATOR = "sfj@county.test"
UNITS = {  # unit → roster address
    "县财政局": "czj@county.test",
    "县教育局": "jyj@county.test",
    "甲镇人民政府": "jz@county.test；jz-backup@county.test",
    "乙镇人民政府": "yz@county.test",
    "县档案局": "",  # no address: listed, not skipped silently
}


def prepare(ws: Workspace, servers: MailServers, units: dict[str, str] = UNITS) -> Workspace:
    names = list(units)
    tasks = [Task(id=str(n), text=f"任务{n}：推进依法行政工作。", path=["(一)依法全面履行政府职能"],
                  lead=[names[n % len(names)]], responsible=[names[(n + 1) % len(names)]], deadline="2026-10-31")
             for n in range(1, 7)]
    write_ledger(tasks, ws.ledger_path, title="测试方案")
    write_roster([Unit(name=name, category="部门", liaison=f"联络员{i}", phone=f"1380000000{i}", email=address)
                  for i, (name, address) in enumerate(units.items())], ws.roster_path)
    ws.save_settings(Settings(campaign=CAMPAIGN, round_name=ROUND, round_due=DUE, contact="县司法局 张三 0731-1234567",
                              mail=mail_table(servers)))
    generate_round(ws, workers=1)
    return ws


def mail_table(servers: MailServers, **extra) -> dict:
    return {"发件服务器": "127.0.0.1", "发件端口": servers.smtp_port, "收件服务器": "127.0.0.1",
            "收件端口": servers.imap_port, "加密": "无", "账号": COORDINATOR, "发件人": "县司法局法治督察股", **extra}


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def cli(ws: Workspace, *args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reporting", *args, "-w", str(ws.root)], capture_output=True,
                          text=True, env={**os.environ, PASSWORD_ENV: "test-secret", **(env or {})}, timeout=300,
                          **kwargs)


# ---------------------------------------------------------------- send


def test_without_send_only_eml_files_are_written(ws: Workspace, mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    done = cli(ws, "mail", "send")
    assert done.returncode == 0, done.stderr
    folder = ws.round_dir(ROUND) / MAIL_DIR / KIND_ROUND
    assert sorted(p.name for p in folder.glob("*.eml")) == sorted(f"{u}.eml" for u in UNITS if UNITS[u])
    assert mail_servers.received == []  # nothing went out
    assert "县档案局" in done.stdout  # the unit without an address is named
    with connect(ws.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM mail_sent").fetchone()[0] == 0
    message = parse((folder / "县财政局.eml").read_bytes())
    assert CAMPAIGN in message["Subject"] and ROUND in message["Subject"] and "2026年12月31日" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "联络员0同志" in body and "县司法局 张三 0731-1234567" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "县财政局.xlsx"
    assert attachment.get_content() == (ws.round_dir(ROUND) / "台账" / "县财政局.xlsx").read_bytes()
    assert "test-secret" not in ws.settings_path.read_text(encoding="utf-8")


def test_send_a_round_and_read_it_back(ws: Workspace, mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    done = cli(ws, "mail", "send", "--send")
    assert done.returncode == 0, done.stderr
    for unit, addresses in UNITS.items():
        for address in filter(None, addresses.split("；")):
            [raw] = mail_servers.messages(address)
            message = parse(raw)
            assert unit in message["To"] and COORDINATOR in message["From"]
            [attachment] = list(message.iter_attachments())
            assert attachment.get_content() == (ws.round_dir(ROUND) / "台账" / f"{unit}.xlsx").read_bytes()
    with connect(ws.db_path) as conn:
        rows = sent_rows(conn, ROUND, KIND_ROUND)
    assert sorted(r["unit"] for r in rows) == sorted(u for u in UNITS if UNITS[u])
    assert {r["state"] for r in rows} == {SENT}
    assert all(r["message_id"].startswith("<") for r in rows)
    received = {parse(raw)["Message-ID"] for unit in UNITS if UNITS[unit]
                for raw in mail_servers.messages(UNITS[unit].split("；")[0])}
    written = {parse(Path(ws.root / r["eml"]).read_bytes())["Message-ID"] for r in rows}
    assert {r["message_id"] for r in rows} == received == written  # fetch knows its own copies by these
    # a second run sends nothing again; --resend sends that one unit once more
    again = cli(ws, "mail", "send", "--send")
    assert again.returncode == 0, again.stderr
    assert len(mail_servers.received) == 4
    once_more = cli(ws, "mail", "send", "--send", "--resend", "县教育局")
    assert once_more.returncode == 0, once_more.stderr
    assert len(mail_servers.received) == 5 and mail_servers.received[-1][1] == ["jyj@county.test"]
    assert len(mail_servers.messages("jyj@county.test")) == 2


def test_a_refused_address_is_reported_and_the_rest_go(ws: Workspace, mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    mail_servers.refuse.add("jyj@county.test")
    name, messages, no_address = round_messages(ws)
    result = deliver(ws, name, KIND_ROUND, messages, send=True, password="test-secret")
    assert [u for u, _ in result.failed] == ["县教育局"] and "550" in result.failed[0][1]
    assert sorted(result.delivered) == ["乙镇人民政府", "县财政局", "甲镇人民政府"]
    assert no_address == ["县档案局"]
    listing = _distribution(ws)
    assert listing["县教育局"].startswith("发送失败：") and "550" in listing["县教育局"]
    assert listing["县财政局"].startswith(f"已发送 {date.today().isoformat()} ")
    assert listing["县档案局"] == NO_ADDRESS
    _set_distribution(ws, "县档案局", "已线下送达")  # the coordinator's own word stays
    _widen_distribution(ws)  # saved again by Excel or WPS, empty formatted cells to the right
    mail_servers.refuse.clear()  # a failed message was not sent: the next run sends it without being asked
    name, messages, _ = round_messages(ws)
    again = deliver(ws, name, KIND_ROUND, messages, send=True, password="test-secret")
    assert again.delivered == ["县教育局"] and sorted(again.already) == ["乙镇人民政府", "县财政局", "甲镇人民政府"]
    listing = _distribution(ws)
    assert listing["县教育局"].startswith("已发送 ") and listing["县档案局"] == "已线下送达"
    assert set(listing) == set(UNITS) and again.notes == []


def test_a_distribution_list_whose_columns_were_changed_is_left_as_it_is(ws: Workspace,
                                                                         mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    path = ws.round_dir(ROUND) / DISTRIBUTION_FILE
    book = openpyxl.load_workbook(path)
    book["分发清单"].insert_cols(3)  # the coordinator added a column of their own
    book.save(path)
    before = path.read_bytes()
    name, messages, _ = round_messages(ws)
    result = deliver(ws, name, KIND_ROUND, messages, send=True, password="test-secret")
    assert len(result.delivered) == 4 and path.read_bytes() == before
    assert len(result.notes) == 1 and "表头已改动" in result.notes[0]


def _distribution(ws: Workspace) -> dict[str, str]:
    """分发清单's 发送情况 by unit, as openpyxl reads it."""
    sheet = openpyxl.load_workbook(ws.round_dir(ROUND) / DISTRIBUTION_FILE)["分发清单"]
    header = [cell.value for cell in sheet[1]]
    unit, state = header.index("单位名称"), header.index("发送情况")
    return {row[unit]: row[state] or "" for row in sheet.iter_rows(min_row=2, values_only=True)}


def _widen_distribution(ws: Workspace) -> None:
    path = ws.round_dir(ROUND) / DISTRIBUTION_FILE
    book = openpyxl.load_workbook(path)
    book["分发清单"]["M1"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    book.save(path)


def _set_distribution(ws: Workspace, unit: str, text: str) -> None:
    path = ws.round_dir(ROUND) / DISTRIBUTION_FILE
    book = openpyxl.load_workbook(path)
    sheet = book["分发清单"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, header.index("单位名称") + 1).value == unit)
    sheet.cell(row, header.index("发送情况") + 1).value = text
    book.save(path)


def test_messages_are_made_one_at_a_time(ws: Workspace, mail_servers: MailServers) -> None:
    """A province's round is 2,000 workbooks: the messages, attachments inside, are made one by one as they are
    written or sent, never all held at once (7 units × 4 MB here: held at once, about 100 MB)."""
    import tracemalloc

    prepare(ws, mail_servers, {f"测试{n}局": f"u{n}@county.test" for n in range(8)})
    units = [path.stem for path in (ws.round_dir(ROUND) / "台账").glob("*.xlsx")]
    assert len(units) == 7  # the first unit has no task
    for unit in units:
        (ws.round_dir(ROUND) / "台账" / f"{unit}.xlsx").write_bytes(os.urandom(4 << 20))
    tracemalloc.start()
    try:
        name, messages, _ = round_messages(ws)
        held = tracemalloc.get_traced_memory()[0]  # all seven made at once: about 38 MB
        tracemalloc.reset_peak()
        result = deliver(ws, name, KIND_ROUND, messages, send=True, password="test-secret")
        peak = tracemalloc.get_traced_memory()[1]  # one message written and sent: about 38 MB; else 71 MB
    finally:
        tracemalloc.stop()
    assert sorted(result.delivered) == sorted(units) and len(mail_servers.received) == 7
    assert held < 4 << 20 and peak < 52 << 20, (held, peak)


def test_wrong_password_is_one_line(ws: Workspace, mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    done = cli(ws, "mail", "send", "--send", env={PASSWORD_ENV: "wrong"})
    assert done.returncode == 1
    assert done.stderr.startswith("错误：") and "拒绝登录" in done.stderr and "Traceback" not in done.stderr
    assert mail_servers.received == []


def test_killed_mid_send_then_rerun(ws: Workspace, mail_servers: MailServers) -> None:
    """Killed right after the server took the second message: that one is 可能已发送, none is lost or doubled."""
    prepare(ws, mail_servers)
    env = {**os.environ, PASSWORD_ENV: "test-secret"}
    process = subprocess.Popen([sys.executable, "-m", "reporting", "mail", "send", "--send", "-w", str(ws.root)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def kill_at_second(count: int) -> None:
        if count == 2:
            process.kill()  # before the client hears 250: it cannot know the message went

    mail_servers.on_message = kill_at_second
    process.wait(timeout=300)
    assert process.returncode != 0
    mail_servers.on_message = None
    with connect(ws.db_path) as conn:
        states = {r["unit"]: r["shown"] for r in sent_rows(conn, ROUND, KIND_ROUND)}
    assert list(states.values()).count(SENT) == 1 and list(states.values()).count(MAYBE_SENT) == 1
    [maybe] = [u for u, s in states.items() if s == MAYBE_SENT]
    done = cli(ws, "mail", "send", "--send")
    assert done.returncode == 0, done.stderr
    assert f"可能已发送：{maybe}" in done.stdout
    counts = {u: len(mail_servers.messages(a.split("；")[0])) for u, a in UNITS.items() if a}
    assert counts == dict.fromkeys(counts, 1)  # the maybe-sent one did arrive once; nobody got two
    with connect(ws.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM mail_sent WHERE state = ?", (SENDING,)).fetchone()[0] == 1
    resent = cli(ws, "mail", "send", "--send", "--resend", maybe)
    assert resent.returncode == 0, resent.stderr
    with connect(ws.db_path) as conn:
        states = {r["unit"]: r["shown"] for r in sent_rows(conn, ROUND, KIND_ROUND)}
    assert set(states.values()) == {SENT}


# ---------------------------------------------------------------- fetch

DATE = "Fri, 27 Nov 2026 09:30:00 +0800"
_IDS = itertools.count(1)


def raw_message(sender: str, subject: str, parts: list[bytes], date_header: str = DATE) -> bytes:
    """A multipart/mixed message from parts written by hand (so every header encoding can be tried)."""
    head = (f"From: {sender}\r\nTo: {COORDINATOR}\r\nSubject: {subject}\r\nDate: {date_header}\r\n"
            f"Message-ID: <{next(_IDS)}@units.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n").encode()
    body = b"".join(b"--BOUNDARY\r\n" + part + b"\r\n" for part in
                    [b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "请查收。".encode(), *parts])
    return head + body + b"--BOUNDARY--\r\n"


def attachment(disposition: bytes, data: bytes, kind: bytes = b"application/octet-stream") -> bytes:
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (b"Content-Type: " + kind + b"\r\nContent-Disposition: " + disposition +
            b"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded)


def rfc2047(name: str, charset: str = "GBK") -> bytes:
    return f'attachment; filename="=?{charset}?B?{base64.b64encode(name.encode(charset)).decode()}?="'.encode()


def rfc2231(name: str, charset: str = "GBK") -> bytes:
    return f"attachment; filename*={charset}''{urllib.parse.quote(name.encode(charset))}".encode()


def raw_name(name: str, charset: str) -> bytes:
    return b'attachment; filename="' + name.encode(charset) + b'"'


def book(tag: str) -> bytes:
    """Distinct bytes that look like a workbook (fetch does not read them; collect is not run here)."""
    return b"PK\x03\x04" + tag.encode() * 200


def forwarded(inner: bytes) -> bytes:
    return b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + inner


def inbox_files(ws: Workspace) -> dict[str, bytes]:
    folder = ws.inbox / "邮件"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_fetch_decodes_every_encoding_and_keeps_the_mailbox(ws: Workspace, mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    ws.save_settings(Settings(campaign=CAMPAIGN, round_name=ROUND, round_due=DUE,
                              mail=mail_table(mail_servers, 邮件大小上限=1)))
    zip_bytes = gbk_zip({"县财政局工作台账.xlsx": book("zipped"), "佐证/照片.jpg": b"\xff\xd8\xff"})
    inner = raw_message("jz@county.test", "台账", [attachment(rfc2047("甲镇台账（修改）.xlsx", "UTF-8"), book("fwd"))])
    messages = [
        ("czj@county.test", [attachment(rfc2047("财政局台账.xlsx"), book("2047"))]),
        ("jyj@county.test", [attachment(rfc2231("教育局台账.xlsx"), book("2231"))]),
        ("yz@county.test", [attachment(raw_name("乙镇台账.xls", "gbk"), book("rawgbk"))]),
        ("jz@county.test", [attachment(raw_name("甲镇人民政府.xlsx", "utf-8"), book("rawutf8"))]),
        ("czj@county.test", [attachment(rfc2231("第一份.xlsx", "UTF-8"), book("two-1")),
                             attachment(rfc2047("第二份.xlsx", "GB2312"), book("two-2")),
                             attachment(rfc2047("说明.pdf"), b"%PDF-1.4 evidence")]),
        ("yz@county.test", [attachment(rfc2047("报送材料.zip"), zip_bytes, b"application/zip")]),
        ("jyj@county.test", []),
        ("boss@county.test", [forwarded(inner)]),
        ("jz@county.test", [attachment(rfc2047("巨大.xlsx"), book("big") * 2000)]),
    ]
    for sender, parts in messages:
        mail_servers.append(COORDINATOR, raw_message(sender, "报送台账", parts))
    mail_servers.append(COORDINATOR, (  # malformed: no closing boundary, broken base64, a header without a colon
        b"From: yz@county.test\r\nSubject: =?GBK?B?broken\r\nDate: not a date\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nbroken header line\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''%E6%8D%9F%E5%9D%8F.xlsx\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBA@@@not base64==\r\n--B\r\nContent-Type: text/plain\r\n\r\nx"))
    mail_servers.append(COORDINATOR, (  # malformed: no closing boundary, base64 cut short, an undeclared charset
        b"From: =?x-unknown?Q?=E4=B9=99?= <yz@county.test>\r\nSubject: \xd2\xd2\xd5\xf2\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''%E6%8D%9F%E5%9D%8F.xlsx\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAAAIAAAA\r\nUEsD"))

    done = cli(ws, "mail", "fetch")
    assert done.returncode == 0, done.stderr
    files = inbox_files(ws)
    local = datetime(2026, 11, 27, 1, 30, tzinfo=timezone.utc).astimezone().strftime("%Y%m%d-%H%M%S")  # Date, here
    expected = {
        f"{local}_czj@county.test_财政局台账.xlsx": book("2047"),
        f"{local}_jyj@county.test_教育局台账.xlsx": book("2231"),
        f"{local}_yz@county.test_乙镇台账.xls": book("rawgbk"),
        f"{local}_jz@county.test_甲镇人民政府.xlsx": book("rawutf8"),
        f"{local}_czj@county.test_第一份.xlsx": book("two-1"),
        f"{local}_czj@county.test_第二份.xlsx": book("two-2"),
        f"{local}_yz@county.test_报送材料.zip": zip_bytes,
        f"{local}_boss@county.test_甲镇台账（修改）.xlsx": book("fwd"),
    }
    malformed = {name: data for name, data in files.items() if name not in expected}
    assert {n: files.get(n) for n in expected} == expected, (sorted(files), done.stdout)
    assert [n.endswith("_yz@county.test_损坏.xlsx") for n in malformed] == [True]  # what could be decoded
    when = datetime(2026, 11, 27, 1, 30, tzinfo=timezone.utc).timestamp()
    assert all((ws.inbox / "邮件" / name).stat().st_mtime == when for name in expected)
    assert "超过邮件大小上限" in done.stdout and "说明.pdf" in done.stdout and "没有台账或压缩包附件" in done.stdout
    with connect(ws.db_path) as conn:
        senders = dict(conn.execute("SELECT inbox_path, sender FROM mail_files").fetchall())
        outcomes = sorted(r[0] for r in conn.execute("SELECT outcome FROM mail_fetched"))
    assert senders[f"邮件/{local}_boss@county.test_甲镇台账（修改）.xlsx"] == "boss@county.test"
    assert outcomes.count("too_big") == 1 and outcomes.count("no_attachment") == 2 and len(outcomes) == 11
    # fetching again changes nothing; the mailbox was only read (nothing deleted, nothing marked as read)
    again = cli(ws, "mail", "fetch")
    assert again.returncode == 0, again.stderr
    assert inbox_files(ws) == files and "新邮件 0 封" in again.stdout
    conn_imap = mail_servers.imap(COORDINATOR)
    conn_imap.select("INBOX", readonly=True)
    _, flags = conn_imap.uid("FETCH", "1:*", "(FLAGS)")
    conn_imap.logout()
    assert len(flags) == 11 and not any(b"\\Seen" in f for f in flags)


def test_a_message_nested_thousands_deep_is_unreadable_and_the_rest_are_fetched(ws: Workspace,
                                                                                mail_servers: MailServers) -> None:
    """Parts inside parts 3,000 deep: the email package recursed past Python's limit and the RecursionError ended
    the whole fetch (no later message was fetched, each run stopped at the same message)."""
    prepare(ws, mail_servers)
    nested = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(3000))
    nested += attachment(rfc2047("深.xlsx"), book("deep")) + b"\r\n"
    nested += b"".join(b"--b%d--\r\n" % i for i in reversed(range(3000)))
    mail_servers.append(COORDINATOR, b"From: yz@county.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + nested)
    mail_servers.append(COORDINATOR, raw_message("czj@county.test", "报送台账",
                                                 [attachment(rfc2047("财政局台账.xlsx"), book("after"))]))
    done = cli(ws, "mail", "fetch")
    assert done.returncode == 0, done.stderr
    assert [data for data in inbox_files(ws).values()] == [book("after")]
    assert "嵌套层数过多" in done.stdout and "Traceback" not in done.stderr


def test_a_message_the_parser_faults_on_is_told_in_chinese_and_the_rest_are_fetched(
        ws: Workspace, mail_servers: MailServers, monkeypatch: pytest.MonkeyPatch) -> None:
    """The email package's own fault (its English text) was quoted inside the Chinese note."""
    import reporting.mail.fetch as fetch

    prepare(ws, mail_servers)
    for subject in ("faulty", "fine"):
        mail_servers.append(COORDINATOR, raw_message("czj@county.test", subject, [
            attachment(rfc2047(f"{subject}.xlsx"), book(subject))]))
    original = fetch.attachments

    def faulting(message):
        if message.get("Subject") == "faulty":
            raise ValueError("Invalid header value '=?x-unknown?q?a?='")
        return original(message)

    monkeypatch.setattr(fetch, "attachments", faulting)
    result = fetch.fetch_mail(ws, password="test-secret")
    notes = {m.subject: (m.outcome, m.note) for m in result.messages}
    assert notes["faulty"] == (fetch.UNREADABLE, fetch.FAULTY_MESSAGE)
    assert notes["fine"][0] == fetch.SAVED and list(inbox_files(ws).values()) == [book("fine")]


def test_fetch_never_replaces_a_file_in_inbox(ws: Workspace, mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    mail_servers.append(COORDINATOR, raw_message("czj@county.test", "台账", [attachment(rfc2047("台账.xlsx"),
                                                                                         book("new"))]))
    local = datetime(2026, 11, 27, 1, 30, tzinfo=timezone.utc).astimezone().strftime("%Y%m%d-%H%M%S")
    taken = ws.inbox / "邮件" / f"{local}_czj@county.test_台账.xlsx"
    taken.parent.mkdir(parents=True)
    taken.write_bytes(b"the coordinator's own file")
    assert cli(ws, "mail", "fetch").returncode == 0
    assert taken.read_bytes() == b"the coordinator's own file"
    assert (taken.parent / f"{local}_czj@county.test_台账_2.xlsx").read_bytes() == book("new")


def test_killed_mid_fetch_then_rerun(ws: Workspace, mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    for n in range(40):
        mail_servers.append(COORDINATOR, raw_message(f"unit{n}@county.test", f"台账{n}", [
            attachment(rfc2047(f"台账{n}.xlsx"), book(f"unit{n}") * 300)]))
    env = {**os.environ, PASSWORD_ENV: "test-secret"}
    process = subprocess.Popen([sys.executable, "-m", "reporting", "mail", "fetch", "-w", str(ws.root)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(inbox_files(ws)) < 5 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    process.kill()
    process.wait()
    killed_with = len(inbox_files(ws))
    done = cli(ws, "mail", "fetch")
    assert done.returncode == 0, done.stderr
    files = inbox_files(ws)
    assert sorted(files.values()) == sorted(book(f"unit{n}") * 300 for n in range(40))  # each once, none lost
    assert 5 <= killed_with < 40 and process.returncode == -9, killed_with
    with connect(ws.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM mail_fetched").fetchone()[0] == 40
        assert conn.execute("SELECT COUNT(*) FROM mail_files").fetchone()[0] == 40
    assert not (ws.root / ".mail-staging").exists() or not any((ws.root / ".mail-staging").iterdir())


# ---------------------------------------------------------------- the whole flow


def reply_with(servers: MailServers, unit_address: str, original: bytes, attachment_path: Path) -> None:
    """The unit answers the round's message with its filled workbook, through the SMTP server."""
    asked = parse(original)
    answer = email.message.EmailMessage()
    answer["From"], answer["To"] = unit_address, COORDINATOR
    answer["Subject"], answer["In-Reply-To"] = "回复：" + str(asked["Subject"]), str(asked["Message-ID"])
    answer.set_content("台账已填好，请查收。")
    answer.add_attachment(attachment_path.read_bytes(), maintype="application", subtype="octet-stream",
                          filename=attachment_path.name)
    with smtplib.SMTP("127.0.0.1", servers.smtp_port, timeout=30) as client:
        client.login(unit_address, "test-secret")
        client.send_message(answer)


def test_send_reply_fetch_collect_remind(ws: Workspace, mail_servers: MailServers, tmp_path: Path) -> None:
    prepare(ws, mail_servers)
    assert cli(ws, "mail", "send", "--send").returncode == 0
    rng = random.Random(16)
    # 乙镇's workbook comes from 县财政局's address: the sender is another unit's, so it waits as 待确认
    for unit, error, sender in (("县财政局", "bad_status", "czj@county.test"), ("县教育局", "", "jyj@county.test"),
                                ("乙镇人民政府", "", "czj@county.test")):
        [original] = mail_servers.messages(UNITS[unit])
        received = next(parse(original).iter_attachments()).get_content()
        blank = tmp_path / f"收到的{unit}.xlsx"
        blank.write_bytes(received)
        filled = tmp_path / "填好" / f"{unit}工作台账（已填）.xlsx"
        fill_workbook(blank, filled, UnitBehaviour(unit=unit, error=error), rng)
        reply_with(mail_servers, sender, original, filled)
    done = cli(ws, "mail", "fetch", "--collect")
    assert done.returncode == 0, done.stderr
    with connect(ws.db_path) as conn:
        units = {row[0]: row[1:] for row in conn.execute(
            "SELECT s.unit, m.sender, s.hold FROM submissions s JOIN mail_files m ON m.hash = s.file_hash")}
    assert units["县财政局"] == ("czj@county.test", "") and units["县教育局"] == ("jyj@county.test", "")
    assert units["乙镇人民政府"][0] == "czj@county.test" and "县财政局" in units["乙镇人民政府"][1]
    # reminders: all reasons in the text; the sent-back unit gets its receipt; the same day, not twice
    remind = cli(ws, "mail", "remind", "--send")
    assert remind.returncode == 0, remind.stderr
    reminders = {unit: parse(mail_servers.messages(UNITS[unit].split("；")[0])[-1])
                 for unit in ("县财政局", "甲镇人民政府")}
    for unit, message in reminders.items():
        assert "催报" in message["Subject"], unit
    fiscal = reminders["县财政局"]
    assert "退回修改" in fiscal.get_body(("plain",)).get_content()
    [receipt] = list(fiscal.iter_attachments())
    assert receipt.get_filename() == "县财政局回执.xlsx"
    assert receipt.get_content() == (ws.round_dir(ROUND) / "回执" / "县财政局.xlsx").read_bytes()
    assert "未报送" in reminders["甲镇人民政府"].get_body(("plain",)).get_content()
    education = mail_servers.messages("jyj@county.test")  # accepted; reminded only if tasks are overdue
    text = parse(education[-1]).get_body(("plain",)).get_content() if len(education) == 2 else ""
    assert ("逾期" in text and "未报送" not in text and "退回修改" not in text) or len(education) == 1
    assert "县档案局" in remind.stdout  # no address: named
    assert "未催报：乙镇人民政府" in remind.stdout and len(mail_servers.messages("yz@county.test")) == 1
    sent = len(mail_servers.received)
    again = cli(ws, "mail", "remind", "--send")
    assert again.returncode == 0 and len(mail_servers.received) == sent
    with connect(ws.db_path) as conn:
        reminded = {r["unit"] for r in sent_rows(conn, ROUND, KIND_REMINDER)}
    assert reminded - {"县教育局"} == {"县财政局", "甲镇人民政府"}
    # as of a day before any deadline nothing is overdue: the accepted unit has no reason left
    early = cli(ws, "mail", "remind", "--as-of", "2026-01-01")
    assert early.returncode == 0, early.stderr
    written = {p.stem for p in (ws.round_dir(ROUND) / MAIL_DIR / KIND_REMINDER).glob("*.eml")}
    assert "县教育局" not in written or len(education) == 2
    text = parse((ws.round_dir(ROUND) / MAIL_DIR / KIND_REMINDER / "县财政局.eml").read_bytes())
    assert "逾期" not in text.get_body(("plain",)).get_content() and "待确认" not in str(text["Subject"])


def test_the_demo_runs_by_mail(tmp_path: Path, mail_servers: MailServers) -> None:
    """`reporting demo --mail`: the round out by mail, the units' answers fetched from the mailbox, reminders."""
    mail = DemoMail("127.0.0.1", mail_servers.smtp_port, mail_servers.imap_port, mailserver.PASSWORD)
    result = run_demo(tmp_path / "demo", say=lambda _: None, mail=mail)
    ws = result.ws
    fetched = sorted((ws.inbox / "邮件").iterdir())
    from_units = [sender for sender, _ in mail_servers.received if sender != DEMO_COORDINATOR]
    assert len(fetched) == len(from_units) >= 24  # one attachment each
    assert not [p for p in ws.inbox.iterdir() if p.is_file()]  # all came by mail
    with connect(ws.db_path) as conn:
        by_mail = conn.execute("SELECT COUNT(*) FROM submissions s JOIN mail_files m ON m.hash = s.file_hash"
                               ).fetchone()[0]
        submissions = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        reminded = {r["unit"] for r in sent_rows(conn, ROUND_DEMO, KIND_REMINDER)}
    assert by_mail == submissions >= 24
    assert reminded == {u.unit for u in result.status.units if chase_reasons(u)}
    assert result.status.figures.units_returned == 23


@pytest.mark.parametrize("security", ["SSL", "STARTTLS"])
def test_encrypted_connections(ws: Workspace, mail_servers: MailServers, security: str) -> None:
    """Both servers with a self-signed certificate: refused with one line until trusted (SSL_CERT_FILE), then used."""
    if mail_servers.certificate is None:
        if os.environ.get("CI"):
            pytest.fail("CI 上需要 openssl 生成测试证书")
        pytest.skip("没有 openssl，无法生成测试证书")
    prepare(ws, mail_servers)
    ssl_ports = {"发件端口": mail_servers.smtps_port, "收件端口": mail_servers.imaps_port}
    ws.save_settings(Settings(campaign=CAMPAIGN, round_name=ROUND, round_due=DUE, mail=mail_table(
        mail_servers, 加密=security, **(ssl_ports if security == "SSL" else {}))))
    untrusted = cli(ws, "mail", "send", "--send", env={"SSL_CERT_FILE": os.devnull})
    assert untrusted.returncode == 1 and "建立加密连接" in untrusted.stderr and "Traceback" not in untrusted.stderr
    assert mail_servers.received == []
    trusted = {"SSL_CERT_FILE": str(mail_servers.certificate)}
    done = cli(ws, "mail", "send", "--send", env=trusted)
    assert done.returncode == 0, done.stderr
    assert len(mail_servers.received) == 4
    mail_servers.append(COORDINATOR, raw_message("czj@county.test", "台账", [attachment(rfc2231("回报.xlsx"),
                                                                                         book(security))]))
    fetched = cli(ws, "mail", "fetch", env=trusted)
    assert fetched.returncode == 0, fetched.stderr
    assert [p.read_bytes() for p in (ws.inbox / "邮件").iterdir()] == [book(security)]


def test_fetch_from_a_chinese_folder(ws: Workspace, mail_servers: MailServers) -> None:
    prepare(ws, mail_servers)
    ws.save_settings(Settings(campaign=CAMPAIGN, round_name=ROUND, round_due=DUE,
                              mail=mail_table(mail_servers, 收件文件夹="台账回报")))
    missing = cli(ws, "mail", "fetch")
    assert missing.returncode == 1 and "台账回报" in missing.stderr and "Traceback" not in missing.stderr
    conn = mail_servers.imap(COORDINATOR)
    assert conn.create("&U,CNJlbeYqU-")[0] == "OK"  # 台账回报 in IMAP's modified UTF-7, as mail clients write it
    raw = raw_message("jz@county.test", "台账", [attachment(rfc2047("甲镇.xlsx"), book("folder"))])
    assert conn.append("&U,CNJlbeYqU-", None, None, raw)[0] == "OK"
    conn.logout()
    done = cli(ws, "mail", "fetch")
    assert done.returncode == 0, done.stderr
    assert [p.read_bytes() for p in (ws.inbox / "邮件").iterdir()] == [book("folder")]


def test_a_sender_is_another_units_only_by_a_whole_address_in_its_roster_cell(tmp_path: Path) -> None:
    from reporting.mail.fetch import sender_doubt

    with connect(tmp_path / "reporting.db") as conn:
        conn.executemany("INSERT INTO units (name, email) VALUES (?, ?)", [
            ("甲局", "ba@county.test；jia@county.test"), ("乙局", "B@County.test、yi2@county.test"), ("丙局", "")])
        conn.executemany(
            "INSERT INTO mail_files (inbox_path, account, folder, uidvalidity, uid, sender, attachment, size, hash) "
            "VALUES (?, 'a', 'INBOX', 1, ?, ?, 'x.xlsx', 1, ?)",
            [("p1", 1, "a@county.test", "h1"), ("p2", 2, "b@county.test", "h2"), ("p3", 3, "jia@county.test", "h3")])
        assert sender_doubt(conn, "h1", "丙局") == ""  # inside ba@county.test, but not a roster address itself
        assert "乙局" in sender_doubt(conn, "h2", "丙局")  # the roster writes it in capitals
        assert sender_doubt(conn, "h2", "乙局") == "" and sender_doubt(conn, "h3", "甲局") == ""
        assert "甲局" in sender_doubt(conn, "h3", "丙局") and sender_doubt(conn, "none", "丙局") == ""


# ---------------------------------------------------------------- connection faults, in words one can act on


@pytest.mark.parametrize(("fault", "said"), [
    (socket.gaierror(-2, "Name or service not known"), "找不到该服务器地址"),
    (ConnectionRefusedError(111, "Connection refused"), "连接被拒绝"),
    (TimeoutError("timed out"), "没有响应"),
    (ConnectionResetError(104, "Connection reset by peer"), "连接被服务器断开"),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "连接被服务器断开"),
    (OSError(errno.ENETUNREACH, "Network is unreachable"), "网络不通"),
])
def test_a_connection_fault_is_told_in_chinese(fault: Exception, said: str) -> None:
    from reporting.mail.settings import connection_reason

    reason = connection_reason(fault)
    assert said in reason and "Errno" not in reason and not any(word in reason for word in str(fault).split())


def test_a_server_reply_is_quoted_as_it_is() -> None:
    from reporting.mail.settings import connection_reason

    assert connection_reason(smtplib.SMTPException("421 服务暂不可用")) == "421 服务暂不可用"


@pytest.mark.parametrize("side", ["smtp", "imap"])
def test_a_closed_port_says_the_connection_was_refused(side: str) -> None:
    """Before: "无法连接发件服务器 127.0.0.1:N：[Errno 111] Connection refused"."""
    from reporting.errors import WorkspaceError
    from reporting.mail.fetch import imap_connect
    from reporting.mail.send import smtp_connect
    from reporting.mail.settings import SECURITY_STARTTLS, MailSettings

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = MailSettings("127.0.0.1", port, "127.0.0.1", port, SECURITY_STARTTLS, "a@county.test", "县司法局")
    connect = smtp_connect if side == "smtp" else imap_connect
    with pytest.raises(WorkspaceError) as caught:
        connect(settings, None)
    assert f"127.0.0.1:{port}：连接被拒绝" in str(caught.value) and "Errno" not in str(caught.value)
