"""A plan saved from a web page as a web archive (.mht/.mhtml: MIME HTML, "单个文件网页"), often renamed .doc by
whoever saved it: the page's HTML part is taken out (quoted-printable or base64, in the charset its header
names), then read as the .doc-as-HTML plans are, through LibreOffice."""

from __future__ import annotations

import codecs
import email
import email.policy
import re
import tempfile
from email.message import Message
from pathlib import Path

from ..errors import PlanError
from . import office, word
from .text import decode

SUFFIXES = (".mht", ".mhtml")
_HEAD = 8192
_MIME_RE = re.compile(rb"^MIME-Version\s*:", re.IGNORECASE | re.MULTILINE)
_TYPE_RE = re.compile(rb"^Content-Type\s*:\s*(?:multipart/related|text/html)", re.IGNORECASE | re.MULTILINE)
# Declared charsets read with their supersets: a page labelled gb2312 often holds GBK characters.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "big5": "cp950"}
# What LibreOffice must not go looking for while converting: pictures, scripts, styles, frames.
_DROP_RE = re.compile(
    r"<(script|style|noscript|iframe|object)\b.*?</\1\s*>|<(?:img|link|embed|base|source)\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_META_CHARSET_RE = re.compile(r"<meta\b[^>]*charset[^>]*>|<\?xml\b[^>]*\?>", re.IGNORECASE)  # and encoding="…"
_HTML_CHARSET_RE = re.compile(rb"<meta\b[^>]*charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
NO_OFFICE = (
    "这是网页存档（{suffix}，“单个文件网页”），需要 LibreOffice 才能读取，但本机未安装；"
    "请安装 LibreOffice，或用 Word/WPS 打开后另存为 .docx 再导入"
)
NO_PAGE = "这个网页存档（{suffix}）中没有网页正文（text/html 部分），请用 Word/WPS 打开后另存为 .docx 再导入"


def detect(path: Path, head: bytes) -> bool:
    """MIME headers at the top (MIME-Version and a multipart/related or text/html type), whatever the name."""
    if head.startswith((b"PK", office.OLE)):
        return False
    with path.open("rb") as handle:
        start = handle.read(_HEAD).lstrip(b"\xef\xbb\xbf \t\r\n")
    top = start.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]  # the header block
    return bool(_MIME_RE.search(top) and _TYPE_RE.search(top))


def read(path: Path) -> list[word.SourceLine]:
    html = page_html(path)
    binary = office.soffice()
    if binary is None:
        raise PlanError(NO_OFFICE.format(suffix=path.suffix or "无扩展名"), file=path)
    with tempfile.TemporaryDirectory(prefix="reporting-plan-") as folder:
        page = Path(folder) / "page.htm"
        page.write_text(html, encoding="utf-8")
        return word.read(office.convert(binary, page, Path(folder)))


def page_html(path: Path) -> str:
    """The archive's page as HTML text, declared UTF-8, without what would make LibreOffice fetch anything."""
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.compat32)
    part = _page_part(message)
    if part is None:
        raise PlanError(NO_PAGE.format(suffix=path.suffix or "无扩展名"), file=path)
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes) or not data.strip():
        raise PlanError(NO_PAGE.format(suffix=path.suffix or "无扩展名"), file=path)
    html = _decoded(data, part.get_content_charset())
    if html is None:
        raise PlanError("网页存档中的网页正文编码无法识别，请用 Word/WPS 打开后另存为 .docx 再导入", file=path)
    html = _META_CHARSET_RE.sub("", _DROP_RE.sub("", html))
    declared = '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    head = re.search(r"<head\b[^>]*>", html, re.IGNORECASE)
    return html[:head.end()] + declared + html[head.end():] if head else declared + html


def _page_part(message: Message) -> Message | None:
    """The part holding the page: the one `start` names, else the first text/html part."""
    parts = [p for p in message.walk() if not p.is_multipart()]
    start = message.get_param("start") if message.is_multipart() else None
    if isinstance(start, str):
        wanted = start.strip("<>")
        for part in parts:
            if (part.get("Content-ID") or "").strip().strip("<>") == wanted:
                return part
    return next((p for p in parts if p.get_content_type() == "text/html"), None)


def _decoded(data: bytes, charset: str | None) -> str | None:
    """The page in the charset its part header names (else its <meta>), else the encoding that reads best."""
    if charset is None and (m := _HTML_CHARSET_RE.search(data[:4096])):
        charset = m[1].decode("ascii")
    if charset:
        name = _SUPERSETS.get(charset.lower(), charset.lower())
        try:
            codecs.lookup(name)
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    found = decode(data)
    return found[0] if found else None
