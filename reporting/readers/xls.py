""".xls (BIFF, Excel 97–2003): values through python-calamine, number formats through xlrd on demand.

An OLE2 compound file is also what an encrypted .xlsx is (an EncryptedPackage stream), what Word .doc
and WPS .et files are: `classify_ole` tells them apart by their stream names.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..errors import ReturnError
from .base import SAVE_AS_XLSX, Book, Reader

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))


def detect(head: bytes) -> bool:
    return head.startswith(MAGIC)


def classify_ole(data: bytes) -> str:
    """"encrypted" (a password-protected OOXML file), "xls", or "other" (Word, PowerPoint …)."""
    if _ENCRYPTED in data:
        return "encrypted"
    if any(stream in data for stream in _WORKBOOK_STREAMS):
        return "xls"
    return "other"


FORMAT = "xls"
WPS_EXTENSIONS = {".et", ".ett", ".wps"}


def identify(data: bytes, name: str) -> str | None:
    """xls for a BIFF workbook in an OLE2 file; the other OLE2 files (encrypted OOXML, WPS, Word) are refused."""
    if not detect(data[:8]):
        return None
    kind = classify_ole(data)
    if kind == "encrypted":
        raise ReturnError("文件已加密，请取消密码后重新报送", file=name, code="file.encrypted")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in WPS_EXTENSIONS:
        raise ReturnError(f"这是 WPS 格式文件（{suffix}），{SAVE_AS_XLSX}", file=name, code="file.wps")
    if kind == "xls":
        return FORMAT
    raise ReturnError(f"不是 Excel 工作簿（可能是 Word 文档等），{SAVE_AS_XLSX}", file=name, code="file.not_excel")


def read(data: bytes, name: str) -> XlsBook:
    return XlsBook(data, name)


class XlsBook(Book):
    format = "xls"

    def __init__(self, data: bytes, name: str) -> None:
        self._data = data
        self._xlrd = None
        try:
            super().__init__(data, name)
        except ReturnError:
            self._raise_if_encrypted(name)
            raise

    def is_percent(self, sheet: str, row: int, col: int) -> bool:
        book = self._formats()
        if book is None:
            return False
        try:
            xf = book.xf_list[book.sheet_by_name(sheet).cell_xf_index(row, col)]
            return "%" in book.format_map[xf.format_key].format_str
        except Exception:  # format lookup is best effort: without it, 1 stays 1
            return False

    def _formats(self):
        if self._xlrd is None:
            import xlrd

            try:
                self._xlrd = xlrd.open_workbook(file_contents=self._data, formatting_info=True, on_demand=True)
            except Exception:
                self._xlrd = False
        return self._xlrd or None

    def _raise_if_encrypted(self, name: str) -> None:
        import xlrd

        try:
            xlrd.open_workbook(file_contents=self._data, on_demand=True)
        except xlrd.biffh.XLRDError as exc:
            if "encrypt" in str(exc).lower():
                raise ReturnError("文件已加密，请取消密码后重新报送", file=name, code="file.encrypted") from exc
        except Exception:  # the caller's message stands
            return


READER = Reader((FORMAT,), identify, lambda data, name, fmt: read(data, name))
