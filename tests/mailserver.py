"""Real mail servers for the tests, on 127.0.0.1 with throwaway configurations and free ports.

IMAP is Debian's dovecot (dovecot-imapd); SMTP is aiosmtpd, which hands every message it accepts to
dovecot's own delivery agent (dovecot-lda), so what the tool sends lands in the mailbox dovecot serves and
can be read back over IMAP. Any account logs in with PASSWORD. scripts/test.sh installs both.
"""

from __future__ import annotations

import grp
import imaplib
import logging
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "test-secret"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
LDA = "/usr/lib/dovecot/dovecot-lda"


def missing() -> str | None:
    """Why the servers cannot run here, or None."""
    if not Path(DOVECOT).exists() or not Path(LDA).exists():
        return "未安装 dovecot（dovecot-imapd）"
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        return "未安装 aiosmtpd"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class MailServers:
    root: Path
    imap_port: int
    smtp_port: int
    config: Path
    imaps_port: int = 0  # implicit TLS (SSL); the plain ports offer STARTTLS. 0: no openssl to make a certificate
    smtps_port: int = 0
    certificate: Path | None = None  # self-signed for 127.0.0.1: clients trust it through SSL_CERT_FILE
    received: list[tuple[str, list[str]]] = field(default_factory=list)  # (envelope sender, recipients)
    on_message: Callable[[int], None] | None = None  # called with the count after each message is delivered
    refuse: set[str] = field(default_factory=set)  # recipient addresses answered 550
    _controllers: list = field(default_factory=list)

    def imap(self, account: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=30)
        conn.login(account, PASSWORD)
        return conn

    def messages(self, account: str) -> list[bytes]:
        """Every message in the account's INBOX, as bytes, oldest first."""
        conn = self.imap(account)
        try:
            conn.select("INBOX", readonly=True)
            _, data = conn.uid("SEARCH", None, "ALL")
            found = []
            for uid in data[0].split():
                _, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                found.append(next(p[1] for p in parts if isinstance(p, tuple)))
            return found
        finally:
            conn.logout()

    def append(self, account: str, raw: bytes, when: float | None = None) -> None:
        """Put a message straight into the account's INBOX (exact bytes, malformed ones included)."""
        conn = self.imap(account)
        try:
            stamp = imaplib.Time2Internaldate(when or time.time())
            status, data = conn.append("INBOX", None, stamp, raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def deliver(self, recipient: str, raw: bytes, sender: str = "") -> None:
        result = subprocess.run([LDA, "-c", str(self.config), "-d", recipient, *(["-f", sender] if sender else [])],
                                input=raw, capture_output=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"dovecot-lda failed: {result.stderr.decode(errors='replace')}")

    def stop(self) -> None:
        for controller in self._controllers:
            controller.stop()
        subprocess.run([DOVECOT, "-c", str(self.config), "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> MailServers:
    root = Path(tempfile.mkdtemp(prefix="reporting-mail-"))  # under /tmp: the mail user must reach it
    os.chmod(root, 0o755)
    if os.geteuid() == 0:  # dovecot refuses uid 0 for mail and root for its login processes
        mail_user, internal = pwd.getpwnam("nobody"), {}
    else:
        me = pwd.getpwuid(os.getuid()).pw_name
        mail_user = pwd.getpwuid(os.getuid())
        internal = {"default_internal_user": me, "default_login_user": me,
                    "default_internal_group": grp.getgrgid(os.getgid()).gr_name}
    mail = root / "mail"
    mail.mkdir()
    os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
    imap_port = free_port()
    certificate = _certificate(root)
    imaps_port = free_port() if certificate else 0
    tls = (f"ssl = yes\nssl_cert = <{certificate}\nssl_key = <{root / 'key.pem'}\n" if certificate
           else "ssl = no\n")
    no_chroot = "" if os.geteuid() == 0 else "  chroot =\n"
    settings = "\n".join(f"{k} = {v}" for k, v in internal.items())
    config = root / "dovecot.conf"
    config.write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{tls}disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{mail}/%u/Maildir
{settings}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail}/%u
}}
service imap-login {{
{no_chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service anvil {{
{no_chroot}}}
service stats {{
{no_chroot}}}
""", encoding="utf-8")
    with open(root / "start.log", "wb") as log:  # the daemon keeps its output open: never a pipe
        subprocess.run([DOVECOT, "-c", str(config)], check=True, stdout=log, stderr=log, timeout=30)
    servers = MailServers(root, imap_port, free_port(), config, imaps_port, free_port() if certificate else 0,
                          certificate)
    _wait_for(imap_port)
    servers._controllers = _smtp(servers)
    return servers


def _certificate(root: Path) -> Path | None:
    """A self-signed certificate for 127.0.0.1 (openssl's command line), or None without openssl."""
    if not shutil.which("openssl"):
        return None
    cert = root / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(root / "key.pem"),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def _smtp(servers: MailServers):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's own deprecation notice on every login

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.lower() in servers.refuse:
                return "550 5.1.1 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            for recipient in envelope.rcpt_tos:
                servers.deliver(recipient, envelope.original_content or b"", envelope.mail_from)
            servers.received.append((envelope.mail_from, list(envelope.rcpt_tos)))
            if servers.on_message is not None:
                servers.on_message(len(servers.received))
            return "250 Message accepted"

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password.decode() == PASSWORD, handled=False)

    common = {"hostname": "127.0.0.1", "authenticator": authenticate, "auth_require_tls": False,
              "auth_exclude_mechanism": ["LOGIN"]}  # smtplib tries PLAIN first
    context = None
    if servers.certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(servers.certificate, servers.root / "key.pem")
    controllers = [Controller(Handler(), port=servers.smtp_port, tls_context=context, **common)]
    if context is not None:
        controllers.append(Controller(Handler(), port=servers.smtps_port, ssl_context=context, **common))
    for controller in controllers:
        controller.start()
    return controllers


if __name__ == "__main__":  # scripts/demo.sh --mail: servers until stopped, their address on the first line
    import signal
    import sys

    running = start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"127.0.0.1:{running.smtp_port}:{running.imap_port}", flush=True)
    try:
        while True:
            signal.pause()
    finally:
        running.stop()
