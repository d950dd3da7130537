"""Messages built from the editable templates (templates/mail/*.txt in the workspace, else the built-in ones).

A template's first line is `主题：…`, the rest is the body; `{单位}`, `{截止日期}` and the like are filled in.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from ..errors import TemplateError
from ..fileio import atomic_path
from ..templates import BUILTIN_DIR, MAIL_TEMPLATES
from ..workspace import Workspace
from .settings import MailSettings

MAIL_DIR = "邮件"
ROUND_TEMPLATE, REMINDER_TEMPLATE = MAIL_TEMPLATES
SUBJECT_PREFIX = "主题："
_ADDRESS_SPLIT = re.compile(r"[;；,，、\s]+")
_ADDRESS = re.compile(r"^[^@\s<>()]+@[^@\s<>()]+\.[^@\s<>()]+$")
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Outgoing:
    """One message to one unit: what it is (kind, key: the same key is never sent twice unless asked) and what
    it is made of. The message itself is made when it is written or sent (`message()`), one at a time: a
    province's round is 2,000 workbooks."""

    unit: str
    kind: str
    key: str
    addresses: list[str]
    subject: str
    body: str
    settings: MailSettings
    eml: Path
    attachments: list[tuple[Path, str]] = field(default_factory=list)  # (file, name shown to the unit)

    def message(self) -> EmailMessage:
        """The message, with a fresh Message-ID each time it is made."""
        return build_message(self.settings, unit=self.unit, addresses=self.addresses, subject=self.subject,
                             body=self.body, attachments=self.attachments)


def mail_template(ws: Workspace, name: str) -> Path:
    own = ws.templates / "mail" / name
    return own if own.exists() else BUILTIN_DIR / "mail" / name


def addresses_of(text: str) -> list[str]:
    """The addresses in a roster's 电子邮箱 cell (several may be written, separated by ；，、 or spaces)."""
    return [a for a in _ADDRESS_SPLIT.split(text.strip()) if _ADDRESS.match(a)]


def cn_date(day: date | None, missing: str = "规定时间") -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else missing


def render(ws: Workspace, name: str, fields: dict[str, str]) -> tuple[str, str]:
    """(subject, body) from the template, every `{字段}` filled in; a missing field names the template."""
    path = mail_template(ws, name)
    shown = ws.show(path) if path.is_relative_to(ws.root) else f"内置模板 {name}"
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"无法读取邮件模板：{exc}", file=shown) from exc
    first, _, body = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise TemplateError(f"邮件模板第一行应为“{SUBJECT_PREFIX}……”", file=shown)
    try:
        return (first[len(SUBJECT_PREFIX):].strip().format_map(fields),
                body.lstrip("\n").format_map(fields))
    except KeyError as exc:
        known = "、".join(f"{{{k}}}" for k in fields)
        raise TemplateError(f"邮件模板中的字段 {{{exc.args[0]}}} 不存在；可用的字段：{known}", file=shown) from exc
    except (ValueError, IndexError) as exc:
        raise TemplateError(f"邮件模板中的花括号有误（{exc}）；字面的花括号请写成 {{{{ 或 }}}}", file=shown) from exc


def build_message(settings: MailSettings, *, unit: str, addresses: list[str], subject: str, body: str,
                  attachments: list[tuple[Path, str]]) -> EmailMessage:
    """A message with a fresh Message-ID; attachments as (file, name shown to the unit)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr((settings.sender_name, settings.account)) if settings.sender_name else settings.account
    message["To"] = ", ".join(formataddr((unit, a)) for a in addresses)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = settings.account.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("reporting", domain=domain)
    message.set_content(body)
    for path, shown in attachments:
        kind = _XLSX_TYPE if path.suffix.lower() == ".xlsx" else mimetypes.guess_type(path.name)[0]
        maintype, _, subtype = (kind or "application/octet-stream").partition("/")
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=shown)
    return message


def write_eml(ws: Workspace, item: Outgoing, message: EmailMessage | None = None) -> EmailMessage:
    """The message written to its .eml (made now unless given); returned, to be sent as written."""
    message = message or item.message()
    with atomic_path(item.eml, ws.root) as tmp:
        tmp.write_bytes(message.as_bytes())
    return message


def today() -> date:
    return datetime.now().date()
