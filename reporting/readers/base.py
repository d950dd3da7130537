"""What every reader returns: a Book of Sheets of plain Python values, read with python-calamine.

Values come as calamine gives them (str, int, float, bool, date, datetime, time; "" for an empty cell),
positions are 0-based from A1. What calamine does not tell (number formats, formulas without a cached
value, custom document properties) each format module adds on demand, only when it is asked for.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from xml.etree import ElementTree

import python_calamine as calamine

from ..errors import ReturnError

VISIBLE, HIDDEN, VERY_HIDDEN = "visible", "hidden", "veryhidden"
SAVE_AS_XLSX = "请另存为 .xlsx 后重新报送"
# Why a file of inbox/ was refused or skipped as a whole: stable codes (files.code, FileOutcome.code), each
# raised with its Chinese message where it is found (readers, collect_read, collect). Never reused.
FILE_RULES = {
    "file.empty": "文件为空（0 字节）",
    "file.encrypted": "文件已加密",
    "file.wps": "WPS 格式文件（.et/.wps）",
    "file.not_excel": "OLE 文件但不是 Excel 工作簿（Word 等）",
    "file.not_workbook": "PDF、图片、RAR/7z、RTF、Word/PowerPoint、OpenDocument 文档等，不是工作簿",
    "file.text": ".csv/.txt 文本文件，或改了扩展名的网页、Excel 2003 XML 表格、文本文件",
    "file.unknown": "无法识别的文件格式",
    "file.xlsb": "Excel 二进制工作簿（.xlsb）",
    "file.not_ledger": "工作簿不是台账（没有台账表头、识别信息）",
    "zip.damaged": "压缩包（或 .xlsx/.ods 的容器）损坏或不完整",
    "zip.too_many": "压缩包内文件过多",
    "zip.bomb": "解压后过大（压缩炸弹，或整个文件的解压总量超过上限）",
    "zip.encrypted": "压缩包已加密",
    "zip.unsupported": "压缩方式不受支持",
    "zip.no_space": "解压所需的磁盘空间不足（下次运行再读）",
    "zip.nested": "压缩包嵌套超过一层（内层压缩包中的压缩包未读取）",
    "zip.no_workbook": "压缩包中没有台账工作簿（佐证材料压缩包的文件名也看不出单位）",
    "xml.unsafe": "XML 含 DOCTYPE/ENTITY 声明",
    "xml.damaged": "XML 无法解析",
    "book.damaged": "工作簿无法打开",
    "book.strings": "共享字符串数量声明异常",
    "cell.string_index": "单元格标为共享字符串，但编号不是数字或超出共享字符串表",
    "cell.unreadable": "单元格的写法无效（位置不是单元格，或标为数字、逻辑值而内容不是）",
    "sheet.unreadable": "工作表无法读取",
    "sheet.too_far": "工作表的数据范围过大（单元格在很远的位置）",
    "read.crashed": "读取程序异常终止（信号），文件已拒收",
    "read.timeout": "读取超过时间上限",
    "read.memory": "读取所需内存超过上限",
    "read.failed": "读取程序出错（程序缺陷，已报告）",
    "inbox.link": "符号链接，不跟随读取",
    "inbox.special": "管道、设备等非普通文件",
    "inbox.folder": "名称像文件的文件夹",
    "inbox.too_deep": "文件夹层级过深，更深的文件夹未读取",
    "inbox.unreadable": "无法打开（没有权限、已被移走等）",
    "return.round_unknown": "台账所属轮次没有生成记录",
    "return.unit_not_in_round": "单位在该轮次中没有任务",
    "return.unrecognized": "无法确定报送单位",
}
MAX_CELLS = 2_000_000  # a sheet read from A1 to its last used cell; a return has a few thousand
_STATES = {"Visible": VISIBLE, "Hidden": HIDDEN, "VeryHidden": VERY_HIDDEN}
NO_CACHE = "nocache"  # a formula whose result was never computed (file written by a program, never opened)


@dataclass(frozen=True)
class Reader:
    """One format of returned workbooks, as the registry (readers.READERS) lists it.

    identify(data, name): which of `formats` the bytes are (by content, never by name alone), None when they
    are none of them, or a ReturnError for a variant of the format that is known and refused (an .xlsb, an
    encrypted file). read(data, name, fmt): the Book.
    """

    formats: tuple[str, ...]
    identify: Callable[[bytes, str], str | None]
    read: Callable[[bytes, str, str], Book]


@dataclass
class Sheet:
    name: str
    state: str
    rows: list[list[Any]]  # cell values as calamine gives them: str, float, int, bool, date, time…
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive

    def value(self, row: int, col: int) -> object:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return ""


def column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) → "J7"."""
    return f"{column_letter(col)}{row + 1}"


class Book:
    """A workbook read for values; subclasses answer the format-specific questions."""

    format = ""

    def __init__(self, data: bytes, name: str) -> None:
        self.name = name
        self.notes: list[str] = []
        self._sheets: dict[str, Sheet] = {}
        try:
            self._book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except calamine.PasswordError as exc:
            raise ReturnError("文件已加密，请取消密码后重新报送", file=name, code="file.encrypted") from exc
        except BaseException as exc:  # calamine raises several unrelated types for damaged files, or panics
            if not isinstance(exc, Exception) and not is_panic(exc):
                raise
            # calamine's words are English (“Cannot detect file format”): the unit is told in Chinese only
            raise ReturnError("工作簿已损坏，无法打开，请在 Excel 中重新保存后报送", file=name,
                              code="book.damaged") from exc
        self.states = {m.name: _STATES.get(str(m.visible).rsplit(".", 1)[-1], VISIBLE)
                       for m in self._book.sheets_metadata if str(m.typ).endswith("WorkSheet")}

    @property
    def sheet_names(self) -> list[str]:
        return list(self.states)

    def sheet(self, name: str) -> Sheet:
        if name not in self._sheets:
            self.check_extent(name)  # before calamine allocates a cell for every position up to the last one
            try:
                raw = self._book.get_sheet_by_name(name)
                rows = raw.to_python(skip_empty_area=False)
                merged = _clipped(raw.merged_cell_ranges or [], rows, self.name, name)
            except ReturnError:
                raise
            except BaseException as exc:  # a panic too: a date past what calamine converts (-1e308 in a date cell)
                if not isinstance(exc, Exception) and not is_panic(exc):
                    raise
                self.sheet_refused(name)  # what made it unreadable, when the format can tell
                raise ReturnError(f"工作表「{name}」已损坏，无法读取，请在 Excel 中重新保存后报送", file=self.name,
                                  sheet=name, code="sheet.unreadable") from exc
            self._sheets[name] = Sheet(name, self.states.get(name, VISIBLE), rows, merged)
        return self._sheets[name]

    def check_extent(self, sheet: str) -> None:
        """Raise a ReturnError when what the sheet declares (its last cell) would take more than MAX_CELLS."""

    def sheet_refused(self, sheet: str) -> None:
        """Calamine refused the sheet: raise a ReturnError saying why, when the format can tell."""

    def too_big(self, sheet: str, rows: int, cols: int | None = None) -> ReturnError:
        return too_big(self.name, sheet, rows, cols)

    def properties(self) -> dict[str, str]:
        """Custom document properties, as text."""
        return {}

    def saved_at(self) -> float | None:
        """When the workbook was last saved, by its own document properties (POSIX time); None when unsaid."""
        return None

    def is_percent(self, sheet: str, row: int, col: int) -> bool:
        """Whether the cell is formatted as a percentage (so 1 means 100%)."""
        return False

    def may_have_percent(self) -> bool:
        """False when no cell of the book can be formatted as a percentage (then is_percent need not be asked)."""
        return True

    def formula_issues(self, sheet: str) -> dict[tuple[int, int], str]:
        """Formula cells whose value cannot be trusted: NO_CACHE, or the error value they hold ("#DIV/0!")."""
        return {}

    def formula_cells(self, sheet: str) -> set[tuple[int, int]]:
        """Cells holding a formula (their cached value is what `sheet()` shows)."""
        return set()


def is_panic(exc: BaseException) -> bool:
    """A Rust panic in calamine: pyo3 raises it as PanicException, a BaseException (not an Exception) whose
    class is only made at the first panic, so it is told by name. It ends no process: the file is refused."""
    return type(exc).__name__ == "PanicException"


MAX_TEXT = 20_000_000  # characters of text in a workbook's cells, repeats expanded; a return has some 100,000


def too_much_text(name: str, sheet: str, how: str) -> ReturnError:
    """The refusal of a sheet whose cells would hold more than MAX_TEXT characters once `how` is done."""
    return ReturnError(f"工作表「{sheet}」的文字过多（{how}后超过 {MAX_TEXT:,} 个字），文件可能经过改动或损坏，已拒收；"
                       "请删除多余的内容后另存为 .xlsx 重新报送", file=name, sheet=sheet, code="sheet.too_far")


def too_big(name: str, sheet: str, rows: int, cols: int | None = None) -> ReturnError:
    """The refusal of a sheet reaching row `rows` (and column `cols`, when known)."""
    where = f"到第 {rows:,} 行"
    if cols:
        where = f"最后一个单元格在 {cell_name(rows - 1, cols - 1)}，约 {rows * cols:,} 个单元格"
    return ReturnError(f"工作表「{sheet}」数据范围过大（{where}），已拒收；请删除表格下方和右侧多余的行列后重新报送",
                       file=name, code="sheet.too_far")


def _clipped(ranges: list, rows: list[list[Any]], file: str, sheet: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges cut to the cells the sheet has (a range may claim the whole sheet: H3:XFD1048576), each
    once. Ranges that overlap (no program writes them; a few KB of one range repeated would spread a value
    over millions of cells) cover more cells than the sheet has: the sheet is refused, by name."""
    height, width = len(rows), max((len(row) for row in rows), default=0)
    clipped = list(dict.fromkeys((r0, c0, min(r1, height - 1), min(c1, width - 1)) for (r0, c0), (r1, c1) in ranges
                                 if r0 < height and c0 < width))
    if sum(max(r1 - r0 + 1, 0) * max(c1 - c0 + 1, 0) for r0, c0, r1, c1 in clipped) > height * width:
        raise ReturnError(f"工作表「{sheet}」的合并单元格相互重叠（文件内容被改动或损坏），已拒收；"
                          "请在 Excel 中重新保存后报送", file=file, sheet=sheet, code="sheet.unreadable")
    return clipped


def parse_xml(xml: bytes, name: str) -> ElementTree.Element:
    """An XML part of a return (already checked for DOCTYPE/ENTITY by archive), or a message naming the file."""
    try:
        return ElementTree.fromstring(xml)
    except (ElementTree.ParseError, LookupError) as exc:  # LookupError: an encoding no codec knows (UF-8)
        raise ReturnError("工作簿内容已损坏（XML 无法解析），请重新保存后报送", file=name, code="xml.damaged") from exc


def parse_stamp(text: str | None) -> float | None:
    """A document property's date-time (`2026-12-20T09:30:00Z`, offsets and fractions allowed) as POSIX time;
    without a zone it is taken as UTC, as Office writes it."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if found.tzinfo is None:
        found = found.replace(tzinfo=timezone.utc)
    return found.timestamp()
