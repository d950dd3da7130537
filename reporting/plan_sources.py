"""Reading a plan into numbered lines: .txt in any Chinese encoding, .docx (paragraphs, tables), .xlsx.

Formats are recognised by content; the extension only decides what to expect and what to say.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .errors import PlanError
from .numerals import to_chinese

MAX_LINES = 50_000
MAX_BYTES = 20 * 1024 * 1024  # a text plan; .docx/.xlsx may carry pictures, so they get more room
MAX_PACKAGE_BYTES = 100 * 1024 * 1024
HEADER_SCAN_ROWS = 20
TEXT_SUFFIXES = (".txt", ".text")
DOCX_SUFFIXES = (".docx", ".docm")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_SAVE_AS = "请另存为 UTF-8 或 GBK 编码的 .txt 或 .docx 后再导入"


@dataclass(frozen=True)
class SourceLine:
    """One line of a plan: a text line, a .docx paragraph, or a table row (then `cells` holds its cells)."""

    line: int
    text: str
    cells: tuple[str, ...] | None = None
    table: int | None = None  # which table of the document the row belongs to


# Header synonyms of a breakdown table (任务分解表), in the order they are tried.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("序号", "任务编号", "编号"),
    "lead": ("牵头单位", "牵头部门", "牵头责任单位", "主办单位", "牵头"),
    "responsible": (
        "责任单位", "配合单位", "责任部门", "配合部门", "参与单位", "协办单位", "承办单位", "起草单位",
        "责任主体", "实施单位", "承办部门", "起草部门",
    ),
    "deadline": (
        "完成时限", "时间节点", "完成时间", "完成期限", "时限要求", "时间要求", "时限", "时间安排",
        "计划完成时间", "报送审议时间", "进度安排", "完成时间节点",
    ),
    "level1": ("一级指标", "一级", "类别", "工作领域", "领域"),
    "level2": ("二级指标", "二级"),
    "level3": ("三级指标", "三级"),
    "score": ("分值", "分数", "标准分"),
    "note": ("备注",),
    "text": (
        "工作任务", "任务内容", "具体任务", "工作内容", "主要任务", "重点任务", "任务名称", "具体措施",
        "工作措施", "主要措施", "目标任务", "任务", "事项名称", "决策事项", "项目名称", "规章名称", "法规名称",
        "工作事项", "重点工作",
    ),
}


def header_columns(cells: tuple[str, ...] | list[str]) -> dict[str, int] | None:
    """Column of each known field when `cells` is the header row of a breakdown table, else None.

    Exact names first ("工作任务"), then names that start with one ("工作任务及措施", "完成时限要求").
    """
    names = [re.sub(r"[(（][^)）]*[)）]", "", "".join(cell.split())) for cell in cells]
    columns: dict[str, int] = {}
    for exact in (True, False):
        for index, name in enumerate(names):
            field = _header_field(name, exact=exact) if 0 < len(name) <= 12 else None
            if field and field not in columns and index not in columns.values():
                columns[field] = index
    if "text" in columns and {"lead", "responsible", "deadline"} & columns.keys():
        return columns
    return None


def _header_field(name: str, *, exact: bool) -> str | None:
    for field, synonyms in HEADER_SYNONYMS.items():
        if exact and name in synonyms:
            return field
        if not exact and any(name.startswith(s) for s in synonyms if len(s) >= 3):
            return field
    return None


def read_plan_lines(path: Path) -> list[SourceLine]:
    """The plan as numbered lines; PlanError with a Chinese message for anything that is not a plan."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
        kind = _sniff(path, head)
        if size > (MAX_BYTES if kind == "txt" else MAX_PACKAGE_BYTES):
            megabytes = size // (1024 * 1024)
            raise PlanError(f"文件过大（{megabytes} MB），不像一份实施方案，请检查是否选错了文件", file=path)
        if kind == "docx":
            return _docx_lines(path)
        if kind == "xlsx":
            return _xlsx_lines(path)
        return _text_lines(path, path.read_bytes())
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


def _sniff(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if not head:
        raise PlanError("文件为空", file=path)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        message = "这是旧版 Word/Excel 文件（.doc/.xls），请在 Word/WPS 中另存为 .docx 或 .xlsx 后再导入"
        raise PlanError(message, file=path)
    if head.startswith(b"%PDF"):
        raise PlanError(f"这是 PDF 文件，无法直接读取；{_SAVE_AS}", file=path)
    if suffix in DOCX_SUFFIXES + XLSX_SUFFIXES:
        what = "Word" if suffix in DOCX_SUFFIXES else "Excel"
        raise PlanError(f"不是有效的 {suffix} 文件（不是 zip 格式，可能已损坏或只是改了扩展名）；"
                        f"请用 {what}/WPS 打开后重新保存", file=path)
    if suffix not in TEXT_SUFFIXES:
        kind = path.suffix or "无扩展名"
        raise PlanError(f"不支持的文件类型「{kind}」：请提供 .txt、.docx 或 .xlsx 文件", file=path)
    return "txt"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise PlanError("文件已损坏（zip 结构不完整），请用 Word/WPS 打开后重新保存", file=path) from exc
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise PlanError(f"这是一个 zip 压缩包，不是 .docx 或 .xlsx；请解压后导入其中的实施方案，或{_SAVE_AS}",
                    file=path)


# --- text -------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM, then GB18030 (which covers GBK); None when none fits."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
        # A few damaged bytes in an otherwise clean file; GBK read as UTF-8 fails on nearly every character.
        text = data.decode(encoding, errors="replace")
        if text.count("\ufffd") <= max(2, len(text) // 1000):
            return text
    return _guess(data)


def _guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None and best.encoding in ("big5", "cp950", "utf_16") else None


def _text_lines(path: Path, data: bytes) -> list[SourceLine]:
    count = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if count > MAX_LINES:
        raise _too_large(path, count)
    text = decode_text(data)
    if text is None or _mostly_control(text):
        raise PlanError(f"不是文本文件，或编码无法识别；{_SAVE_AS}", file=path)
    if not text.strip():
        raise PlanError("文件为空", file=path)
    return [SourceLine(number, line) for number, line in enumerate(text.splitlines(), start=1)]


def _mostly_control(text: str) -> bool:
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(3, len(sample) // 200)


def _too_large(path: Path, count: int) -> PlanError:
    message = f"文件过大（{count} 行），不像一份实施方案，请检查是否选错了文件（上限 {MAX_LINES} 行）"
    return PlanError(message, file=path)


# --- docx -------------------------------------------------------------------------------------------


def _docx_lines(path: Path) -> list[SourceLine]:
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        message = f"无法读取 .docx 文件（{type(exc).__name__}），请用 Word/WPS 打开后重新保存"
        raise PlanError(message, file=path) from exc
    numbering = _Numbering(document)
    lines: list[SourceLine] = []
    table_index = 0
    for child in _blocks(document.element.body):
        if child.tag == qn("w:p"):
            lines.append(SourceLine(len(lines) + 1, numbering.prefix(child) + _paragraph_text(child)))
        elif child.tag == qn("w:tbl"):
            for cells in _table_rows(child):
                lines.append(SourceLine(len(lines) + 1, " ".join(cells), cells, table_index))
            table_index += 1
        if len(lines) > MAX_LINES:
            raise _too_large(path, len(lines))
    if not any(line.text.strip() for line in lines):
        raise PlanError("文件为空（文档中没有文字）", file=path)
    return lines


def _blocks(parent) -> Iterator:
    """Paragraphs and tables in document order, also inside content controls (w:sdt) such as a cover page."""
    from docx.oxml.ns import qn

    for child in parent.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):
            yield from _blocks(child)


def _paragraph_text(paragraph) -> str:
    from docx.oxml.ns import qn

    pieces = {qn("w:t"): None, qn("w:tab"): " ", qn("w:br"): "\n"}
    return "".join(node.text or "" if pieces[node.tag] is None else pieces[node.tag]
                   for node in paragraph.iter(*pieces))


def _table_rows(table) -> Iterator[tuple[str, ...]]:
    """Rows of a Word table as cell texts, one per grid column (merged cells repeat their text)."""
    from docx.oxml.ns import qn

    above: list[str] = []
    for row in table.iterchildren(qn("w:tr")):
        cells: list[str] = []
        for cell in row.iterchildren(qn("w:tc")):
            text = "\n".join(_paragraph_text(p) for p in cell.iterchildren(qn("w:p"))).strip()
            properties = cell.find(qn("w:tcPr"))
            span = properties.find(qn("w:gridSpan")) if properties is not None else None
            merge = properties.find(qn("w:vMerge")) if properties is not None else None
            if merge is not None and merge.get(qn("w:val")) != "restart" and len(above) > len(cells):
                text = above[len(cells)]  # continues the merged cell above
            cells.extend([text] * (int(span.get(qn("w:val"), "1")) if span is not None else 1))
        above = cells
        yield tuple(cells)


class _Numbering:
    """Word's automatic list numbers, rendered as text ("1." "（一）"), which python-docx leaves out."""


    def __init__(self, document) -> None:
        from docx.oxml.ns import qn

        self.qn = qn
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.styles: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(qn("w:abstractNumId")): a for a in root.iterchildren(qn("w:abstractNum"))}
        for num in root.iterchildren(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            definition = abstract.get(ref.get(qn("w:val"))) if ref is not None else None
            if definition is not None:
                self.levels[num.get(qn("w:numId"))] = self._read_levels(definition)
        self._read_styles(document)

    def _read_levels(self, definition) -> dict[int, tuple[str, str, int]]:
        qn = self.qn
        levels = {}
        for lvl in definition.iterchildren(qn("w:lvl")):
            fmt = lvl.find(qn("w:numFmt"))
            text = lvl.find(qn("w:lvlText"))
            start = lvl.find(qn("w:start"))
            levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                text.get(qn("w:val"), "") if text is not None else "",
                int(start.get(qn("w:val"), "1")) if start is not None else 1,
            )
        return levels

    def _read_styles(self, document) -> None:
        qn = self.qn
        for style in document.styles.element.iterchildren(qn("w:style")):
            num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            if num_pr is not None:
                found = self._num_of(num_pr)
                if found:
                    self.styles[style.get(qn("w:styleId"))] = found

    def _num_of(self, num_pr) -> tuple[str, int] | None:
        qn = self.qn
        num_id = num_pr.find(qn("w:numId"))
        ilvl = num_pr.find(qn("w:ilvl"))
        if num_id is None:
            return None
        return num_id.get(qn("w:val")), int(ilvl.get(qn("w:val"), "0")) if ilvl is not None else 0

    def prefix(self, paragraph) -> str:
        qn = self.qn
        if not self.levels:
            return ""
        num_pr = paragraph.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        found = self._num_of(num_pr) if num_pr is not None else None
        if found is None:
            style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            found = self.styles.get(style.get(qn("w:val"))) if style is not None else None
        if found is None or found[0] not in self.levels:
            return ""
        return self._advance(*found)

    def _advance(self, num_id: str, level: int) -> str:
        levels = self.levels[num_id]
        counters = self.counters.setdefault(num_id, {})
        if level not in levels:
            return ""
        counters[level] = counters.get(level, levels[level][2] - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        fmt, pattern, _ = levels[level]
        if fmt in ("bullet", "none"):
            return ""

        def render(match: re.Match) -> str:
            index = int(match[1]) - 1
            value = counters.get(index, levels.get(index, ("decimal", "", 1))[2])
            return _format_number(value, levels.get(index, ("decimal",))[0])

        return re.sub(r"%(\d)", render, pattern)


_CHINESE_FORMATS = (
    "chineseCounting", "chineseCountingThousand", "ideographTraditional", "chineseLegalSimplified",
)


def _format_number(value: int, fmt: str) -> str:
    if fmt in _CHINESE_FORMATS:
        return to_chinese(value)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if fmt == "decimalFullWidth":
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return str(value)



# --- xlsx -------------------------------------------------------------------------------------------


def _xlsx_lines(path: Path) -> list[SourceLine]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        message = f"无法读取 .xlsx 文件（{type(exc).__name__}），请用 Excel/WPS 打开后重新保存"
        raise PlanError(message, file=path) from exc
    try:
        sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
        chosen = next((ws for ws in sheets if _has_header(ws)), None)
        if chosen is None:
            raise PlanError(_NO_HEADER, file=path)
        return _sheet_lines(path, workbook, chosen)
    finally:
        workbook.close()


_NO_HEADER = (
    f"未找到任何任务：各工作表前 {HEADER_SCAN_ROWS} 行中没有任务分解表的表头"
    "（需有“工作任务/任务内容”列，以及“牵头单位”“责任单位”或“完成时限”列）"
)


def _has_header(ws) -> bool:
    for row in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True):
        if header_columns([_cell_text(v) for v in row]):
            return True
    return False


def _sheet_lines(path: Path, workbook, ws) -> list[SourceLine]:
    merged = _merged_ranges(workbook, ws)
    rows: list[list[str]] = []
    filled = blank_run = 0
    for row in ws.iter_rows(values_only=True):
        cells = [_cell_text(v) for v in row]
        rows.append(cells)
        blank_run = 0 if any(cells) else blank_run + 1
        filled += blank_run == 0
        if blank_run > 1000:
            break  # formatting applied to whole columns: a million empty rows
        if filled > MAX_LINES:
            raise _too_large(path, filled)
    del rows[len(rows) - blank_run:]
    _fill_merged(rows, merged)
    lines = [
        SourceLine(number, " ".join(c for c in cells if c), tuple(cells), 0)
        for number, cells in enumerate(rows, 1)
    ]
    if not any(line.text.strip() for line in lines):
        raise PlanError("文件为空（工作表中没有内容）", file=path)
    return lines


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_MERGE_RE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_ranges(workbook, ws) -> list[tuple[int, int, int, int]]:
    """Merged ranges (row1, col1, row2, col2), 1-based; read-only sheets do not expose them."""
    from openpyxl.utils import column_index_from_string

    sheet_path = getattr(ws, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if not sheet_path or archive is None:
        return []
    data = archive.read(sheet_path)
    return [
        (int(r1), column_index_from_string(c1.decode()), int(r2), column_index_from_string(c2.decode()))
        for c1, r1, c2, r2 in _MERGE_RE.findall(data)
    ]


def _fill_merged(rows: list[list[str]], merged: list[tuple[int, int, int, int]]) -> None:
    """Every cell of a merged range gets the range's value, as a reader of the sheet sees it."""
    for row1, col1, row2, col2 in merged:
        if row1 > len(rows):
            continue
        top = rows[row1 - 1]
        value = top[col1 - 1] if col1 - 1 < len(top) else ""
        for r in range(row1, min(row2, len(rows)) + 1):
            cells = rows[r - 1]
            for c in range(col1, col2 + 1):
                while len(cells) < c:
                    cells.append("")
                cells[c - 1] = value
