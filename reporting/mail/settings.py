"""[邮件] in reporting.toml: servers, ports, security, account, sender name. The password is never stored."""

from __future__ import annotations

import errno
import imaplib
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass

from ..errors import WorkspaceError
from ..workspace import MAIL_MAX_MB as DEFAULT_MAX_MB
from ..workspace import MAIL_PASSWORD_ENV as PASSWORD_ENV
from ..workspace import SETTINGS_FILE, Workspace

SECURITY_SSL, SECURITY_STARTTLS, SECURITY_NONE = "SSL", "STARTTLS", "无"
SECURITIES = (SECURITY_SSL, SECURITY_STARTTLS, SECURITY_NONE)
DEFAULT_PORTS = {  # (SMTP, IMAP) by security
    SECURITY_SSL: (465, 993), SECURITY_STARTTLS: (587, 143), SECURITY_NONE: (25, 143),
}

@dataclass(frozen=True)
class MailSettings:
    smtp_host: str
    smtp_port: int
    imap_host: str
    imap_port: int
    security: str
    account: str
    sender_name: str
    folder: str = "INBOX"
    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024

    @property
    def from_address(self) -> str:
        return self.account


def mail_settings(ws: Workspace, *, need: str = "smtp") -> MailSettings:
    """The [邮件] settings, checked for what `need` ("smtp" or "imap") uses; a clear message names the key."""
    table = ws.settings().mail
    shown = f"{SETTINGS_FILE} 的 [邮件]"
    security = str(table.get("加密", SECURITY_SSL)).strip() or SECURITY_SSL
    if security.upper() in ("SSL", "STARTTLS"):
        security = security.upper()
    if security not in SECURITIES:
        raise WorkspaceError(f"{shown}中“加密”应为 SSL、STARTTLS 或 无，现为「{security}」")
    smtp_default, imap_default = DEFAULT_PORTS[security]
    settings = MailSettings(
        smtp_host=str(table.get("发件服务器", "")).strip(),
        smtp_port=_port(table, "发件端口", smtp_default, shown),
        imap_host=str(table.get("收件服务器", "")).strip(),
        imap_port=_port(table, "收件端口", imap_default, shown),
        security=security,
        account=str(table.get("账号", "")).strip(),
        sender_name=str(table.get("发件人", "")).strip(),
        folder=str(table.get("收件文件夹", "INBOX")).strip() or "INBOX",
        max_bytes=int(_number(table, "邮件大小上限", DEFAULT_MAX_MB, shown) * 1024 * 1024),
    )
    host_key, host = ("发件服务器", settings.smtp_host) if need == "smtp" else ("收件服务器", settings.imap_host)
    if not host:
        raise WorkspaceError(f"尚未设置邮件服务器：请在 {shown}中填写“{host_key}”")
    if not settings.account:
        raise WorkspaceError(f"尚未设置邮箱账号：请在 {shown}中填写“账号”")
    return settings


def password_from_env() -> str | None:
    """The password from REPORTING_MAIL_PASSWORD, or None (the command line then asks for it)."""
    return os.environ.get(PASSWORD_ENV) or None


def _port(table: dict, key: str, default: int, shown: str) -> int:
    value = table.get(key)
    if value in (None, ""):
        return default
    number = _number(table, key, default, shown)
    if not (0 < number < 65536) or int(number) != number:
        raise WorkspaceError(f"{shown}中“{key}”应为 1–65535 的整数，现为「{value}」")
    return int(number)


def _number(table: dict, key: str, default: float, shown: str) -> float:
    value = table.get(key)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise WorkspaceError(f"{shown}中“{key}”应为数字，现为「{value}」") from None


TIMEOUT = 60  # seconds a mail server may take to answer


def connection_reason(exc: BaseException) -> str:
    """Why a connection to a mail server failed or broke, in words a coordinator (or the unit's IT staff) can act
    on; a reply of the server itself is quoted as it is."""
    if isinstance(exc, socket.gaierror):
        return "找不到该服务器地址，请检查服务器名称和网络"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝，请检查端口，或该服务器是否开通了这项服务"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"超过 {TIMEOUT} 秒没有响应，请检查网络或稍后再试"
    if isinstance(exc, ConnectionResetError | smtplib.SMTPServerDisconnected | imaplib.IMAP4.abort | EOFError):
        return "连接被服务器断开，请稍后再试"
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
        return "网络不通，请检查网络连接"
    return str(exc)


def connect_error(where: str, exc: Exception) -> WorkspaceError:
    """The one line for a mail server (`where`) that could not be reached, or not spoken to securely."""
    if isinstance(exc, ssl.SSLError):
        return WorkspaceError(f"无法与{where}建立加密连接（{exc.reason}）：请检查“加密”和端口")
    return WorkspaceError(f"无法连接{where}：{connection_reason(exc)}")
