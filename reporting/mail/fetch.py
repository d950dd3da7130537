"""Fetching: every workbook or zip attached to a message in the mailbox becomes a new file in inbox/.

The mailbox is only read (EXAMINE and BODY.PEEK: nothing is deleted, moved or marked read). The first fetch
looks at messages since the round was generated, later ones at UIDs above the last one seen (and skip a
Message-ID already fetched). A file is named after the message's date, its sender and the attachment's
name, gets the message's Date as its time (collect judges lateness by it), and never replaces a file in
inbox/: a name taken by other content gets a number. Each message is recorded in one transaction after its
files are written; a file already there with the same content is taken as written, so a rerun after a
crash neither loses nor doubles a file, and fetching twice leaves the same inbox.
"""

from __future__ import annotations

import base64
import contextlib
import email
import hashlib
import imaplib
import os
import re
import shutil
import sqlite3
import ssl
from dataclasses import dataclass, field
from datetime import date, datetime
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path, PurePosixPath

from ..errors import WorkspaceError
from ..naming import file_stem
from ..progress import ProgressHook, no_progress
from ..rounds import store_round
from ..store import connect, transaction, workspace_lock
from ..workspace import Workspace
from .compose import addresses_of
from .settings import (
    SECURITY_SSL,
    SECURITY_STARTTLS,
    TIMEOUT,
    MailSettings,
    connect_error,
    connection_reason,
    mail_settings,
)

MAIL_INBOX = "邮件"  # inbox/邮件/: the files fetch adds
STAGING = ".mail-staging"  # attachments being written, outside inbox/; emptied by every fetch
RETURN_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".zip", ".et", ".ett"}
SAVED, NO_ATTACHMENT, TOO_BIG, OWN, DUPLICATE, UNREADABLE = (
    "saved", "no_attachment", "too_big", "own", "duplicate", "unreadable")
OUTCOME_WORDS = {SAVED: "已存入 inbox/", NO_ATTACHMENT: "没有台账或压缩包附件", TOO_BIG: "超过邮件大小上限，未下载",
                 OWN: "本工具发出的邮件", DUPLICATE: "与已收取的邮件相同", UNREADABLE: "无法解析"}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_GB = {"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "x-euc-cn", "csgb2312", "chinese", "ms936"}


@dataclass
class Fetched:
    """One message looked at."""

    uid: int
    sender: str
    subject: str
    outcome: str
    files: list[str] = field(default_factory=list)  # as the coordinator knows them: inbox/邮件/…
    note: str = ""
    size: int = 0


@dataclass
class FetchResult:
    messages: list[Fetched] = field(default_factory=list)
    since: date | None = None  # the first fetch: messages since this day

    @property
    def files(self) -> list[str]:
        return [f for m in self.messages for f in m.files]


def fetch_mail(ws: Workspace, *, round_name: str | None = None, password: str | None = None,
               progress: ProgressHook | None = None) -> FetchResult:
    """Add the attachments of new messages to inbox/ (see the module docstring)."""
    settings = mail_settings(ws, need="imap")
    progress = progress or no_progress
    ws.require(ws.inbox, "请先运行 reporting init 创建工作目录")
    with workspace_lock(ws.root):
        conn = connect(ws.db_path)
        try:
            since = _since(ws, conn, round_name)
            shutil.rmtree(ws.root / STAGING, ignore_errors=True)  # left by a fetch that was killed
            server = imap_connect(settings, password)
            try:
                return _fetch(ws, conn, server, settings, since, progress)
            except (imaplib.IMAP4.error, OSError) as exc:  # cut off mid-way: what was fetched is recorded
                raise WorkspaceError(f"与收件服务器的连接中断（{connection_reason(exc)}）："
                                     "已收取的均已记录，再次运行即可继续") from exc
            finally:
                with contextlib.suppress(imaplib.IMAP4.error, OSError):
                    server.logout()
        finally:
            conn.close()


def _since(ws: Workspace, conn: sqlite3.Connection, given: str | None) -> date | None:
    """The day the round was generated (the first fetch starts there)."""
    name = store_round(ws, conn, given)
    stamp = conn.execute("SELECT generated_at FROM rounds WHERE name = ?", (name,)).fetchone()[0]
    return date.fromisoformat(stamp[:10]) if stamp else None


def _fetch(ws: Workspace, conn: sqlite3.Connection, server: imaplib.IMAP4, settings: MailSettings,
           since: date | None, progress: ProgressHook) -> FetchResult:
    status, _ = server.select(_quote(settings.folder), readonly=True)
    if status != "OK":
        raise WorkspaceError(f"邮箱中没有文件夹「{settings.folder}」：请检查 [邮件] 的“收件文件夹”")
    validity = int(server.response("UIDVALIDITY")[1][0] or 0)
    key = (settings.account, settings.folder, validity)
    known = {row[0] for row in conn.execute(
        "SELECT uid FROM mail_fetched WHERE account = ? AND folder = ? AND uidvalidity = ?", key)}
    result = FetchResult()
    if known:
        uids = _search(server, f"UID {max(known) + 1}:*")
    else:
        result.since = since
        uids = _search(server, f"SINCE {_imap_date(since)}" if since else "ALL")
    uids = [u for u in uids if u not in known]
    own = {row[0] for row in conn.execute("SELECT message_id FROM mail_sent")}
    for done, uid in enumerate(uids, start=1):
        fetched = _one(ws, conn, server, settings, key, uid, own)
        result.messages.append(fetched)
        progress(done, len(uids), fetched.sender)
    return result


def _search(server: imaplib.IMAP4, criteria: str) -> list[int]:
    status, data = server.uid("SEARCH", criteria)
    if status != "OK":
        raise WorkspaceError(f"收件服务器拒绝查询邮件：{_text(data)}")
    return sorted(int(u) for u in (data[0] or b"").split())


def _one(ws: Workspace, conn: sqlite3.Connection, server: imaplib.IMAP4, settings: MailSettings,
         key: tuple[str, str, int], uid: int, own: set[str]) -> Fetched:
    header, size, internal = _head(server, uid)
    sender = parseaddr(_decoded(header.get("From", "")))[1].lower()
    subject = _decoded(header.get("Subject", ""))
    message_id = str(header.get("Message-ID", "")).strip()
    when = _when(header, internal)
    fetched = Fetched(uid, sender, subject, SAVED, size=size)
    files: list[tuple[str, str, int, str]] = []  # inbox path, attachment name, size, hash
    if message_id and message_id in own:  # a message this tool sent (a server may copy it to the sender)
        fetched.outcome = OWN
    elif message_id and conn.execute("SELECT 1 FROM mail_fetched WHERE message_id = ? AND outcome = ?",
                                     (message_id, SAVED)).fetchone():
        fetched.outcome = DUPLICATE
    elif size > settings.max_bytes:
        fetched.outcome = TOO_BIG
        fetched.note = f"邮件 {size / 1048576:.1f} MB，超过上限 {settings.max_bytes / 1048576:.0f} MB"
    else:
        try:
            message = email.message_from_bytes(_body(server, uid), policy=compat32)
            found, skipped = attachments(message)
        except (ValueError, LookupError, TypeError, AttributeError, IndexError):  # the parser's own faults
            found, skipped = [], []
            fetched.outcome, fetched.note = UNREADABLE, FAULTY_MESSAGE
        except RecursionError:  # parts nested thousands deep: the email package recurses per level
            found, skipped = [], []
            fetched.outcome, fetched.note = UNREADABLE, "邮件的各部分嵌套层数过多，无法解析"
        for name, data in found:
            path = _save(ws, name, data, when, sender)
            files.append((path.relative_to(ws.inbox).as_posix(), name, len(data), hashlib.sha256(data).hexdigest()))
        fetched.files = [f"inbox/{f[0]}" for f in files]
        if skipped:
            fetched.note = "；".join([fetched.note, f"未存入的附件：{'、'.join(skipped)}"]).strip("；")
        if not found and fetched.outcome == SAVED:
            fetched.outcome = NO_ATTACHMENT
    with transaction(conn):
        conn.execute(
            "INSERT INTO mail_fetched (account, folder, uidvalidity, uid, message_id, sender, sent_at, subject, size, "
            "fetched_at, outcome, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*key, uid, message_id, sender, when.isoformat(timespec="seconds"), subject, size, _now(),
             fetched.outcome, fetched.note))
        conn.executemany(
            "INSERT OR REPLACE INTO mail_files (inbox_path, account, folder, uidvalidity, uid, message_id, sender, "
            "attachment, size, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(path, *key, uid, message_id, sender, name, length, digest) for path, name, length, digest in files])
    return fetched


# The parser's own words (Python's, in English) say nothing a coordinator can act on.
FAULTY_MESSAGE = "邮件格式不合规范，无法取出附件：请让发件单位重新发送，或在邮箱网页上下载附件后放入 inbox/"


def _head(server: imaplib.IMAP4, uid: int) -> tuple[Message, int, datetime | None]:
    """The message's header, size and INTERNALDATE, without its body."""
    status, data = server.uid("FETCH", str(uid), "(RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])")
    if status != "OK":
        raise WorkspaceError(f"收件服务器拒绝读取邮件（UID {uid}）：{_text(data)}")
    meta, raw = b"", b""
    for part in data:
        if isinstance(part, tuple):
            meta, raw = part[0], part[1]
    size = re.search(rb"RFC822\.SIZE (\d+)", meta)
    internal = imaplib.Internaldate2tuple(meta)
    stamp = datetime(*internal[:6]) if internal else None
    return email.message_from_bytes(raw, policy=compat32), int(size.group(1)) if size else 0, stamp


def _body(server: imaplib.IMAP4, uid: int) -> bytes:
    status, data = server.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        raise WorkspaceError(f"收件服务器拒绝读取邮件（UID {uid}）：{_text(data)}")
    return next((part[1] for part in data if isinstance(part, tuple)), b"")


def _when(header: Message, internal: datetime | None) -> datetime:
    """The message's Date in local time; its arrival time when Date is missing or unreadable."""
    try:
        stamp = parsedate_to_datetime(str(header.get("Date", "")))
        return stamp.astimezone().replace(tzinfo=None) if stamp.tzinfo else stamp
    except (TypeError, ValueError, IndexError):
        return internal or datetime.now()


# ---------------------------------------------------------------- attachments


def attachments(message: Message) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(workbooks and zips as (name, bytes), names of other attachments left out), forwarded messages included."""
    found, skipped = [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = attachment_name(part)
        if not name:
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        suffix = PurePosixPath(name).suffix.lower()
        unnamed_workbook = suffix in ("", ".bin", ".dat") and data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
        if suffix in RETURN_SUFFIXES or unnamed_workbook:
            found.append((name, data))
        else:
            skipped.append(name)
    return found, skipped


def attachment_name(part: Message) -> str:
    """The attachment's file name, in any encoding mail clients use: RFC 2231 (filename*=GBK''…), RFC 2047
    (=?GB2312?B?…?=), or raw GBK / UTF-8 bytes in the header; from Content-Disposition, else Content-Type."""
    raw = {name.lower(): value for name, value in part.raw_items()}
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        value = raw.get(header)
        if value is None:
            continue
        probe = Message()
        probe[header] = _eight_bit(str(value)).replace("\r", "").replace("\n", "")
        found = probe.get_param(param, header=header)
        if isinstance(found, tuple):  # RFC 2231: (charset, language, text as latin-1 bytes)
            charset, _, text = found
            name = _decode_bytes(text.encode("latin-1", "replace"), charset)
        elif found:
            name = _decoded(email.utils.unquote(str(found)))
        else:
            continue
        name = PurePosixPath(name.replace("\\", "/")).name.strip()
        if name:
            return name
    return ""


def _eight_bit(value: str) -> str:
    """A header read from bytes keeps non-ASCII bytes as surrogates: decode them as UTF-8, else GB18030."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return _decode_bytes(value.encode("ascii", "surrogateescape"), None)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    charset = (charset or "").strip().lower()
    if charset in _GB:
        charset = "gb18030"  # the superset: names with characters outside GB2312 written as gb2312 are common
    for candidate in ([charset] if charset else []) + ["utf-8", "gb18030"]:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", "replace")


def _decoded(value: str) -> str:
    """A header value with RFC 2047 encoded words (and raw 8-bit bytes) decoded."""
    value = _eight_bit(str(value))
    if "=?" not in value:
        return value
    try:
        return "".join(_decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
                       for chunk, charset in decode_header(value))
    except (ValueError, LookupError):
        return value


# ---------------------------------------------------------------- inbox/


def _save(ws: Workspace, name: str, data: bytes, when: datetime, sender: str) -> Path:
    """inbox/邮件/<日期时间>_<发件人>_<附件名>: a new file, or the one already there with the same content.

    The bytes are written in a staging folder outside inbox/ and linked in whole, so collect never sees a
    half-written file and no file in inbox/ is ever replaced.
    """
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    base = file_stem(f"{when:%Y%m%d-%H%M%S}_{sender or '未知发件人'}_{stem}")
    folder = ws.inbox / MAIL_INBOX
    folder.mkdir(parents=True, exist_ok=True)
    number = 1
    while True:
        path = folder / f"{base}{'' if number == 1 else f'_{number}'}{suffix}"
        if path.exists():
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return path  # written by an earlier run that stopped before recording it
            number += 1
            continue
        staged = _staging(ws) / f"{hashlib.sha256(data).hexdigest()}{suffix}"
        staged.write_bytes(data)
        _touch(staged, when)
        try:
            os.link(staged, path)  # fails if the name was taken meanwhile: never replaces a file
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links
            os.replace(staged, path)
        staged.unlink(missing_ok=True)
        return path


def _staging(ws: Workspace) -> Path:
    folder = ws.root / STAGING
    folder.mkdir(exist_ok=True)
    return folder


def _touch(path: Path, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


# ---------------------------------------------------------------- the server


def imap_connect(settings: MailSettings, password: str | None) -> imaplib.IMAP4:
    """A logged-in IMAP connection, or a one-line message saying what went wrong."""
    where = f"收件服务器 {settings.imap_host}:{settings.imap_port}"
    try:
        server: imaplib.IMAP4
        if settings.security == SECURITY_SSL:
            server = imaplib.IMAP4_SSL(settings.imap_host, settings.imap_port, ssl_context=ssl.create_default_context(),
                                       timeout=TIMEOUT)
        else:
            server = imaplib.IMAP4(settings.imap_host, settings.imap_port, timeout=TIMEOUT)
            if settings.security == SECURITY_STARTTLS:
                server.starttls(ssl.create_default_context())
    except (imaplib.IMAP4.error, OSError) as exc:  # ssl.SSLError is an OSError
        raise connect_error(where, exc) from exc
    try:
        server.login(settings.account, password or "")
    except imaplib.IMAP4.error as exc:
        raise WorkspaceError(f"{where}拒绝登录（{_text(exc.args)}）：请检查“账号”和密码") from exc
    return server


def fetched_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(conn.execute("SELECT * FROM mail_fetched ORDER BY fetched_at, uid"))


def _quote(folder: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 5.1.3) for Chinese names, quoted when needed."""
    encoded = imap_utf7(folder)
    return encoded if re.fullmatch(r"[A-Za-z0-9_.&,+\-/]+", encoded) else '"' + encoded.replace('"', '\\"') + '"'


def imap_utf7(name: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = base64.b64encode("".join(pending).encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
            out.append(f"&{data}-")
            pending.clear()

    for ch in name:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _imap_date(day: date) -> str:
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")



# ---------------------------------------------------------------- the sender as a hint for collect


def sender_doubt(conn: sqlite3.Connection, file_hash: str, unit: str) -> str:
    """Why a fetched file's return should wait for the coordinator (待确认), or "".

    Only a sender whose address is another unit's roster address (and not this unit's) raises a doubt: an
    unknown address (a liaison's own mailbox, a forward) says nothing.
    """
    senders = {row[0] for row in conn.execute("SELECT sender FROM mail_files WHERE hash = ?", (file_hash,))}
    if not senders:
        return ""
    for sender in sorted(senders):
        # only the roster rows whose 电子邮箱 holds the sender's text are parsed (not every unit's, every file)
        others = {name for name, text in conn.execute(
            "SELECT name, email FROM units WHERE instr(lower(email), ?) > 0", (sender.lower(),))
            if sender.lower() in (address.lower() for address in addresses_of(text))}
        if others and unit not in others:
            return f"由「{'、'.join(sorted(others))}」的邮箱 {sender} 发来，工作簿内是「{unit}」的台账"
    return ""
