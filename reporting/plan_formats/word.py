"""Plans as .docx: paragraphs (with Word's automatic numbers) and tables, in document order."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import PlanError
from ..numerals import to_chinese
from .base import MAX_LINES, SourceLine, too_large


def detect(path: Path, head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and zip_holds(path, "word/document.xml")


def zip_holds(path: Path, member: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return member in archive.namelist()
    except zipfile.BadZipFile:
        return False


def read(path: Path) -> list[SourceLine]:
    return _docx_lines(path)


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
            raise too_large(path, len(lines))
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

    pieces: dict[str, str] = {qn("w:t"): "", qn("w:tab"): " ", qn("w:br"): "\n"}
    return "".join(pieces[node.tag] or node.text or "" for node in paragraph.iter(*pieces))


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


