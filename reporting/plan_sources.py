"""Reading a plan into numbered lines: the registry of plan formats, one (detect, read) entry each.

Formats are recognised by content; the extension only decides what to expect and what to say.
Each format lives in its own module under plan_formats/; adding one is a module and a line below.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from .errors import PlanError
from .plan_formats import excel, mhtml, office, text, word
from .plan_formats.base import (
    DOCX_SUFFIXES,
    HEADER_SCAN_ROWS,
    HEADER_SYNONYMS,
    MAX_BYTES,
    MAX_LINES,
    MAX_PACKAGE_BYTES,
    SAVE_AS,
    TEXT_SUFFIXES,
    XLSX_SUFFIXES,
    SourceLine,
    SourceLines,
    header_columns,
    header_word,
)
from .plan_formats.text import decode_text

__all__ = [
    "HEADER_SCAN_ROWS", "HEADER_SYNONYMS", "MAX_LINES", "PLAN_FORMATS", "SourceLine", "SourceLines", "decode_text",
    "header_columns", "header_word", "read_plan_lines",
]

Detect = Callable[[Path, bytes], bool]
Read = Callable[[Path], list[SourceLine]]

# Tried in order; the first whose detect() says yes reads the file.
PLAN_FORMATS: list[tuple[Detect, Read]] = [
    (word.detect, word.read),  # .docx: a zip holding word/document.xml
    (excel.detect, excel.read),  # .xlsx: a zip holding xl/workbook.xml
    (mhtml.detect, mhtml.read),  # a web archive (.mht, often renamed .doc): its page through LibreOffice
    (office.detect, office.read),  # .doc/.wps (or RTF/HTML named so): converted to .docx by LibreOffice
    (text.detect, text.read),  # .txt in UTF-8, GBK/GB18030, UTF-16, Big5
]


def read_plan_lines(path: Path) -> list[SourceLine]:
    """The plan as numbered lines; PlanError with a Chinese message for anything that is not a plan."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
        if not head:
            raise PlanError("文件为空", file=path)
        packaged = not (path.suffix.lower() in TEXT_SUFFIXES and not head.startswith((b"PK", office.OLE)))
        if size > (MAX_PACKAGE_BYTES if packaged else MAX_BYTES):
            megabytes = size // (1024 * 1024)
            raise PlanError(f"文件过大（{megabytes} MB），不像一份实施方案，请检查是否选错了文件", file=path)
        for detect, read in PLAN_FORMATS:
            if detect(path, head):
                return read(path)
        raise _refusal(path, head)
    except OSError as exc:
        raise PlanError(_os_message(exc), file=path) from exc


def _os_message(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    if isinstance(exc, PermissionError):
        return "没有读取权限（文件可能正在被其他程序占用）"
    return f"无法读取文件（{type(exc).__name__}）"


def _refusal(path: Path, head: bytes) -> PlanError:
    """Why no format reads the file, in words a coordinator can act on."""
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path):
                pass
        except zipfile.BadZipFile:
            return PlanError("文件已损坏（zip 结构不完整），请用 Word/WPS 打开后重新保存", file=path)
        message = f"这是一个 zip 压缩包，不是 .docx 或 .xlsx；请解压后导入其中的实施方案，或{SAVE_AS}"
        return PlanError(message, file=path)
    if head.startswith(office.OLE):
        return PlanError(office.EXCEL.format(suffix=path.suffix), file=path)
    if head.startswith(b"%PDF"):
        return PlanError(f"这是 PDF 文件，无法直接读取；{SAVE_AS}", file=path)
    if suffix in DOCX_SUFFIXES + XLSX_SUFFIXES:
        what = "Word" if suffix in DOCX_SUFFIXES else "Excel"
        return PlanError(f"不是有效的 {suffix} 文件（不是 zip 格式，可能已损坏或只是改了扩展名）；"
                         f"请用 {what}/WPS 打开后重新保存", file=path)
    if suffix in office.SUFFIXES:
        return PlanError(f"这个 {suffix} 文件不是 Word/WPS 文档（可能是网页存档等改了扩展名的文件）；"
                         "请用 Word/WPS 打开后另存为 .docx 再导入", file=path)
    kind = path.suffix or "无扩展名"
    return PlanError(f"不支持的文件类型「{kind}」：请提供 .txt、.docx、.xlsx、.doc/.wps 或 .mht 文件", file=path)
