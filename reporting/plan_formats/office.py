"""Old Word and WPS documents (.doc, .wps, .wpt, .dot), and a .doc that is really RTF or a web page (as
government sites often publish them; also saved .rtf/.htm pages): converted to .docx by LibreOffice
when it is installed, then read as a .docx; without LibreOffice a clear message says what to do."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import PlanError
from . import word

OLE = b"\xd0\xcf\x11\xe0"
SUFFIXES = (".doc", ".dot", ".wps", ".wpt")
MARKUP_SUFFIXES = (*SUFFIXES, ".rtf", ".htm", ".html")
_MARKUP = (b"{\\rtf", b"<")  # RTF, HTML (LibreOffice reads both; a .mht web archive it reads as text)
TIMEOUT = 120
NO_OFFICE = (
    "这是旧版 Word/WPS 文档（{suffix}），需要 LibreOffice 才能读取，但本机未安装；"
    "请安装 LibreOffice，或在 Word/WPS 中另存为 .docx 后再导入"
)
NO_OFFICE_MARKUP = (
    "这是网页或 RTF 格式的文档（{suffix}），需要 LibreOffice 才能读取，但本机未安装；"
    "请安装 LibreOffice，或在 Word/WPS 中打开后另存为 .docx 再导入"
)
EXCEL = "这是旧版 Excel 文件（{suffix}），请在 Excel/WPS 中另存为 .xlsx 后再导入"


def detect(path: Path, head: bytes) -> bool:
    """An OLE compound file (old Office, WPS) whose name says a document, or that names none; or RTF or a
    web page named as a document."""
    if head.startswith(OLE):
        return path.suffix.lower() not in (".xls", ".xlt", ".et", ".ett")
    return path.suffix.lower() in MARKUP_SUFFIXES and _markup(head)


def _markup(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_MARKUP)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read(path: Path) -> list[word.SourceLine]:
    binary = soffice()
    if binary is None:
        with path.open("rb") as handle:
            kind = NO_OFFICE_MARKUP if _markup(handle.read(64)) else NO_OFFICE
        raise PlanError(kind.format(suffix=path.suffix or "无扩展名"), file=path)
    with tempfile.TemporaryDirectory(prefix="reporting-plan-") as folder:
        converted = convert(binary, path, Path(folder))
        lines = word.read(converted)
    return lines


def convert(binary: str, path: Path, folder: Path) -> Path:
    """`soffice --headless --convert-to docx` with a throw-away profile, bounded by a timeout."""
    source = folder / f"plan{path.suffix.lower() or '.doc'}"  # an ASCII name: soffice and odd paths
    shutil.copyfile(path, source)
    profile = folder / "profile"
    command = [
        binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
        "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder), str(source),
    ]
    try:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
    except OSError as exc:
        raise PlanError(f"无法启动 LibreOffice（{type(exc).__name__}）；请在 Word/WPS 中另存为 .docx 后再导入",
                        file=path) from exc
    try:
        process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise PlanError(f"LibreOffice 转换超时（{TIMEOUT} 秒）；请在 Word/WPS 中另存为 .docx 后再导入",
                        file=path) from exc
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    converted = folder / "plan.docx"
    if not converted.exists():
        raise PlanError("LibreOffice 未能转换这个文件（可能已损坏或加密）；请在 Word/WPS 中另存为 .docx 后再导入",
                        file=path)
    return converted
