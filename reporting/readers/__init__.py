"""Readers of returned files: one module per format, each with `detect(head)` by content and `read(...)`.

`sniff` tells what a file is from its bytes (never from its name alone); `open_workbook` reads a workbook
of any supported format into a `Book`. Every refusal is a ReturnError with a message a coordinator can
forward to the unit as it is.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..errors import ReturnError
from . import archive, ods, xls, xlsx
from .base import Book, Sheet

__all__ = ["Book", "Sheet", "is_ignored", "open_workbook", "sniff"]

FORMAT_XLSX, FORMAT_XLSM, FORMAT_XLS, FORMAT_ODS, FORMAT_ZIP = "xlsx", "xlsm", "xls", "ods", "zip"
WORKBOOK_FORMATS = (FORMAT_XLSX, FORMAT_XLSM, FORMAT_XLS, FORMAT_ODS)

SAVE_AS_XLSX = "请另存为 .xlsx 后重新报送"
_IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_WPS_EXTENSIONS = {".et", ".ett", ".wps"}
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
    """One of xlsx/xlsm/xls/ods/zip, told by content; anything else is a ReturnError saying what to do."""
    suffix = PurePosixPath(name).suffix.lower()
    if not data:
        raise ReturnError("文件为空（0 字节），可能未下载完整，请重新发送", file=name, code="file.empty")
    if archive.detect(data[:8]):
        return _sniff_zip(data, name)
    if xls.detect(data[:8]):
        kind = xls.classify_ole(data)
        if kind == "encrypted":
            raise ReturnError("文件已加密，请取消密码后重新报送", file=name, code="file.encrypted")
        if suffix in _WPS_EXTENSIONS:
            raise ReturnError(f"这是 WPS 格式文件（{suffix}），{SAVE_AS_XLSX}", file=name, code="file.wps")
        if kind == "xls":
            return FORMAT_XLS
        raise ReturnError(f"不是 Excel 工作簿（可能是 Word 文档等），{SAVE_AS_XLSX}", file=name, code="file.not_excel")
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            hint = _EVIDENCE if what in ("PDF 文件", "图片") else SAVE_AS_XLSX
            if "压缩包" in what:
                hint = "请改用 .zip 打包"
            raise ReturnError(f"{what}不是台账工作簿；{hint}", file=name, code="file.not_workbook")
    if suffix in _WPS_EXTENSIONS:
        raise ReturnError(f"这是 WPS 格式文件（{suffix}），{SAVE_AS_XLSX}", file=name, code="file.wps")
    if suffix in (".csv", ".txt"):
        raise ReturnError(f"{suffix} 文本文件不是台账工作簿，{SAVE_AS_XLSX}", file=name, code="file.text")
    raise ReturnError(f"无法识别的文件格式，{SAVE_AS_XLSX}", file=name, code="file.unknown")


def _sniff_zip(data: bytes, name: str) -> str:
    names = archive.member_names(data, name)
    if xlsx.is_package(names):
        if "xl/workbook.bin" in names:
            raise ReturnError(f"这是 Excel 二进制工作簿（.xlsb），{SAVE_AS_XLSX}", file=name, code="file.xlsb")
        return FORMAT_XLSM if xlsx.has_macros(names) else FORMAT_XLSX
    mimetype = ods.package_mimetype(data, names)
    if mimetype is not None:
        if mimetype == ods.MIMETYPE:
            return FORMAT_ODS
        raise ReturnError(f"这是 OpenDocument 文档而不是电子表格，{SAVE_AS_XLSX}", file=name, code="file.not_workbook")
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        raise ReturnError(f"这是 Word/PowerPoint 文档，不是台账工作簿；{_EVIDENCE}", file=name,
                          code="file.not_workbook")
    return FORMAT_ZIP


def open_workbook(data: bytes, name: str, fmt: str) -> Book:
    """Read a workbook of a format `sniff` returned."""
    if fmt in (FORMAT_XLSX, FORMAT_XLSM):
        return xlsx.read(data, name, macros=fmt == FORMAT_XLSM)
    if fmt == FORMAT_XLS:
        return xls.read(data, name)
    if fmt == FORMAT_ODS:
        return ods.read(data, name)
    raise ValueError(f"not a workbook format: {fmt}")
