"""Readers of returned files: one module per format, each with a READER (identify by content, read), listed
in READERS below.

`sniff` tells what a file is from its bytes (never from its name alone); `open_workbook` reads a workbook
of any supported format into a `Book`. Every refusal is a ReturnError with a message a coordinator can
forward to the unit as it is.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

from ..errors import ReturnError
from . import archive, ods, xls, xlsx
from .base import SAVE_AS_XLSX, Book, Reader, Sheet

__all__ = ["READERS", "Book", "Reader", "Sheet", "is_ignored", "open_workbook", "sniff"]

# The registry: one entry per format of returned workbooks, tried in this order (a new format is a module
# with a READER, and one line here). Each tells its files by content; what none of them takes is a zip
# (an archive of returns and evidence) or is refused with a message saying what to do.
READERS: tuple[Reader, ...] = (
    xlsx.READER,
    ods.READER,
    xls.READER,
)
FORMAT_XLSX, FORMAT_XLSM, FORMAT_XLS, FORMAT_ODS = xlsx.FORMAT, xlsx.FORMAT_MACROS, xls.FORMAT, ods.FORMAT
FORMAT_ZIP = "zip"
WORKBOOK_FORMATS = tuple(fmt for reader in READERS for fmt in reader.formats)
_IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "图片"),
    (b"\xff\xd8\xff", "图片"),
    (b"GIF8", "图片"),
    (b"BM", "图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"{\\rtf", "RTF 文档"),
]
_EVIDENCE = "如为佐证材料，请与台账工作簿一并打包为 .zip 报送"


def is_ignored(name: str) -> bool:
    """Office lock files, Finder and Explorer litter: never a return, never reported."""
    base = PurePosixPath(name.replace("\\", "/")).name
    lowered = base.lower()
    return (lowered in _IGNORED_NAMES or base.startswith(("~$", ".~lock.", "._"))
            or "__macosx/" in name.replace("\\", "/").lower() + "/")


def sniff(data: bytes, name: str) -> str:
    """A workbook format of READERS, or zip, told by content; anything else is a ReturnError saying what to do."""
    if not data:
        raise ReturnError("文件为空（0 字节），可能未下载完整，请重新发送", file=name, code="file.empty")
    for reader in READERS:
        found = reader.identify(data, name)
        if found:
            return found
    if archive.detect(data[:8]):
        return _zip_format(archive.member_names(data, name), name)
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            hint = _EVIDENCE if what in ("PDF 文件", "图片") else SAVE_AS_XLSX
            if "压缩包" in what:
                hint = "请改用 .zip 打包"
            raise ReturnError(f"{what}不是台账工作簿；{hint}", file=name, code="file.not_workbook")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in xls.WPS_EXTENSIONS:
        raise ReturnError(f"这是 WPS 格式文件（{suffix}），{SAVE_AS_XLSX}", file=name, code="file.wps")
    if suffix in (".csv", ".txt"):
        raise ReturnError(f"{suffix} 文本文件不是台账工作簿，{SAVE_AS_XLSX}", file=name, code="file.text")
    kind = _text_kind(data[:_HEAD])
    if kind:
        raise ReturnError(f"这是{kind}，只是扩展名为 {suffix or '（无）'}，不是台账工作簿"
                          "（网上系统导出的“Excel”常是这样）。请在下发的台账工作簿中填写；"
                          f"如是在 Excel 中另存的，{SAVE_AS_XLSX}",
                          file=name, code="file.text")
    raise ReturnError(f"无法识别的文件格式，{SAVE_AS_XLSX}", file=name, code="file.unknown")


_MARKUP = [(b"<html", "网页（HTML）文件"), (b"<!doctype html", "网页（HTML）文件"), (b"<table", "网页（HTML）文件"),
           (b"urn:schemas-microsoft-com:office:spreadsheet", "Excel 2003 XML 表格文件")]


def _text_kind(head: bytes) -> str:
    """What a file that is text is ("" when it is not): a web page or an Excel 2003 XML table saved with a
    workbook's extension, or plain text (a CSV or a tab-separated export)."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[len(bom):].decode(encoding, errors="ignore").encode("utf-8")
            break
    lowered = head.lower()
    for mark, kind in _MARKUP:
        if mark in lowered:
            return kind
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                continue
            text = head[:exc.start].decode(encoding)  # a character cut where the head ends
        if text and not any(ch < " " and ch not in "\t\r\n" for ch in text):
            return "文本文件（如 CSV 或制表符分隔的导出）"
    return ""


def _zip_format(names: set[str], name: str) -> str:
    """What a zip that no workbook reader took is: an archive, or a Word/PowerPoint document refused."""
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        raise ReturnError(f"这是 Word/PowerPoint 文档，不是台账工作簿；{_EVIDENCE}", file=name,
                          code="file.not_workbook")
    return FORMAT_ZIP


def sniff_member(member: archive.Member, name: str) -> str:
    """`sniff` for a file unpacked from a zip, reading into memory only what may be a workbook: an archive
    inside the archive is told from its entry names, and any other file from its first bytes."""
    head = member.head(_HEAD)
    if archive.detect(head[:8]):
        try:
            zf = archive.member_zip(member, name)
        except ReturnError as exc:
            raise archive.as_workbook_fault(exc, name) from exc
        names = set(zf.namelist())
        found = xlsx.identify_names(names, name)
        if found is None and ods.is_package(names):
            try:
                found = ods.identify_mimetype(ods.zipped_mimetype(zf), name)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
                found = ods.FORMAT  # its mimetype part cannot be read: the reader refuses it, saying why
        return found or _zip_format(names, name)
    if xls.detect(head[:8]):
        if member.size > _WHOLE_OLE:  # a Word .doc or Outlook .msg of scans: its stream names searched in chunks
            with member.open() as stream:
                return xls.identified(xls.classify_ole_stream(stream), name)
        return sniff(member.read(), name)
    return sniff(head, name)


_HEAD = 4096  # what sniff needs of a file that is neither a zip nor an OLE2 file: its signature
_WHOLE_OLE = 16 * 1024 * 1024  # an OLE2 file up to this size is read whole to be told (an .xls return is far smaller)


def open_workbook(data: bytes, name: str, fmt: str) -> Book:
    """Read a workbook of a format `sniff` returned, by the reader registered for it."""
    for reader in READERS:
        if fmt in reader.formats:
            return reader.read(data, name, fmt)
    raise ValueError(f"not a workbook format: {fmt}")
