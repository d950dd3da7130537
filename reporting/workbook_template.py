"""The unit-workbook template: build the built-in one, and read any copy into a TemplateSpec.

The coordinator edits `templates/xlsx/工作台账模板.xlsx` in Excel: title wording, fonts, fills, widths,
the 填报说明 text and the contact line. `load_template` reads it once with openpyxl into plain data
(xlsxwriter format dicts, widths, texts with placeholders), so every unit's file can then be written
quickly with xlsxwriter, in any process. Run `python -m reporting.workbook_template` to rebuild the
built-in template (and the TemplateSpec kept beside it, kept_spec_path) after changing the defaults below or how a
template is read.
"""

from __future__ import annotations

import colorsys
import dataclasses
import hashlib
import pickle
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from .errors import TemplateError
from .fileio import atomic_path
from .safe_xlsx import new_workbook
from .templates import builtin_template
from .workbook_spec import (
    CHOICE,
    FILL_SPEC,
    GIVEN_COLUMNS,
    HEADER_ROW,
    LEDGER_COLUMNS,
    LIAISON_COLUMNS,
    PERCENT,
    SHEET_GUIDE,
    SHEET_LEDGER,
    SHEET_LIAISON,
    TITLE_ROW,
)

Format = dict[str, object]  # xlsxwriter format properties

PLACEHOLDERS = ("活动", "单位", "轮次", "截止日期", "联系人")
DEFAULT_TITLE = "{单位}法治政府建设创建工作台账（{轮次}）"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

FONT = "宋体"
DEFAULT_WIDTHS = {
    "序号": 5, "任务编号": 8, "一级": 12, "二级": 12, "工作任务": 32, "本单位职责": 7, "完成时限": 11, "量化指标": 14,
    **{column.header: column.width for column in FILL_SPEC},
}
LIAISON_WIDTHS = {"单位名称": 30, "分管领导": 12, "联络员": 12, "职务": 16, "手机": 16, "电子邮箱": 26}
TITLE_FORMAT: Format = {"font_name": FONT, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}
_BORDERED: Format = {"font_name": FONT, "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
GIVEN_HEADER: Format = {**_BORDERED, "bold": True, "align": "center", "bg_color": "#D9D9D9"}
FILL_HEADER: Format = {**_BORDERED, "bold": True, "align": "center", "bg_color": "#FCE4D6"}
GIVEN_BODY: Format = {**_BORDERED, "valign": "top", "bg_color": "#F2F2F2"}
FILL_BODY: Format = {**_BORDERED, "valign": "top"}
NARROW_COLUMNS = ("序号", "任务编号", "本单位职责", "完成时限",
                  *(column.header for column in FILL_SPEC if column.kind in (CHOICE, PERCENT)))
GUIDE_TITLE: Format = {"font_name": FONT, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}
GUIDE_HEADING: Format = {"font_name": FONT, "font_size": 11, "bold": True, "text_wrap": True, "valign": "top"}
GUIDE_BODY: Format = {"font_name": FONT, "font_size": 11, "text_wrap": True, "valign": "top"}
GUIDE_WIDTH = 110
TITLE_HEIGHT = 32
HEADER_HEIGHT = 30

# (text, kind): kind picks the format; texts may use the placeholders above.
GUIDE_LINES: list[tuple[str, str]] = [
    ("填报说明", "title"),
    ("活动：{活动}", "heading"),
    ("填报单位：{单位}", "heading"),
    ("填报轮次：{轮次}", "heading"),
    ("截止日期：{截止日期}（请在此日期前将本文件报回）", "heading"),
    ("", "body"),
    ("一、“工作台账”表列出本单位承担的全部任务。灰色列（序号至量化指标）由牵头协调方填写，已锁定，请勿修改；"
     "白色列为填报列，请逐行填写。", "body"),
    ("二、各填报列的要求：", "heading"),
    *((f"{number}. {column.header}：{column.guide}", "body") for number, column in enumerate(FILL_SPEC, start=1)),
    ("三、完成状态选“已完成”的，必须填写“工作举措及成效”，并填写“佐证材料”，"
     "或将“材料提供方式”选为“实地核查时提供”或“情况说明”。", "body"),
    ("四、请同时填写“联络员信息”表。请勿增删行列、修改工作表名称或表头；"
     "可以调整行高、筛选和设置填报列的格式。", "body"),
    ("五、填好后保存为 Excel 文件（.xlsx），通过电子邮件报回；文件名可以修改。", "body"),
    ("", "body"),
    ("联系人：{联系人}", "heading"),
]
_GUIDE_FORMATS = {"title": GUIDE_TITLE, "heading": GUIDE_HEADING, "body": GUIDE_BODY}
TEMPLATE_NOTE = (
    "这是工作台账模板：可以修改标题文字、字体、颜色、列宽和“填报说明”的文字；第3行的格式用于每一行任务。"
    "填报列的表头文字不能修改。可用的占位符：{活动} {单位} {轮次} {截止日期} {联系人}。"
)


@dataclass
class Column:
    header: str
    width: float
    header_format: Format
    body_format: Format


@dataclass
class TextCell:
    row: int  # 0-based
    col: int
    text: str
    format: Format


@dataclass
class FreeSheet:
    """A free-form sheet (填报说明): its texts, with placeholders, and its geometry."""

    cells: list[TextCell]
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class TemplateSpec:
    """Everything a unit workbook takes from the template, as plain (picklable) data."""

    title: str
    title_format: Format
    title_height: float | None
    header_height: float | None
    columns: list[Column]  # in LEDGER_COLUMNS order, without the optional fill columns the template lacks
    guide: FreeSheet
    liaison: list[Column]  # in LIAISON_COLUMNS order
    source: str = field(default="", compare=False)

    def column(self, header: str) -> Column:
        return next(c for c in self.columns if c.header == header)

    @property
    def fill_columns(self) -> list[str]:
        """The fill-in columns of workbooks made from this template, in FILL_COLUMNS order."""
        return [c.header for c in self.columns[len(GIVEN_COLUMNS):]]

    @property
    def lacking(self) -> list[str]:
        """Optional fill-in columns this template (an older copy) does not have."""
        present = set(self.fill_columns)
        return [column.header for column in FILL_SPEC if column.header not in present]


def render(text: str, values: dict[str, str]) -> str:
    """Replace the known placeholders; anything else in braces stays as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# ---------------------------------------------------------------- building the built-in template


def build_builtin_template(path: Path) -> None:
    """Write the built-in template (the defaults above) to `path`."""
    with atomic_path(path) as tmp:
        book = new_workbook(tmp)
        book.set_properties({"title": "工作台账模板", "comments": TEMPLATE_NOTE})
        _build_guide(book)
        _build_ledger(book)
        _build_liaison(book)
        book.close()


def _build_guide(book: xlsxwriter.Workbook) -> None:
    sheet = book.add_worksheet(SHEET_GUIDE)
    sheet.set_column(0, 0, GUIDE_WIDTH)
    formats = {kind: book.add_format(props) for kind, props in _GUIDE_FORMATS.items()}
    for row, (text, kind) in enumerate(GUIDE_LINES):
        if kind == "title":
            sheet.set_row(row, TITLE_HEIGHT)
        if text:
            sheet.write_string(row, 0, text, formats[kind])
        else:
            sheet.write_blank(row, 0, None, formats[kind])


def _build_ledger(book: xlsxwriter.Workbook) -> None:
    sheet = book.add_worksheet(SHEET_LEDGER)
    last = len(LEDGER_COLUMNS) - 1
    sheet.set_row(TITLE_ROW - 1, TITLE_HEIGHT)
    sheet.set_row(HEADER_ROW - 1, HEADER_HEIGHT)
    sheet.merge_range(TITLE_ROW - 1, 0, TITLE_ROW - 1, last, DEFAULT_TITLE, book.add_format(TITLE_FORMAT))
    sheet.write_comment(TITLE_ROW - 1, 0, TEMPLATE_NOTE, {"x_scale": 3, "y_scale": 2})
    for col, header in enumerate(LEDGER_COLUMNS):
        header_format, body_format = _default_formats(header)
        sheet.set_column(col, col, DEFAULT_WIDTHS[header])
        sheet.write_string(HEADER_ROW - 1, col, header, book.add_format(header_format))
        sheet.write_blank(HEADER_ROW, col, None, book.add_format(body_format))


def _build_liaison(book: xlsxwriter.Workbook) -> None:
    sheet = book.add_worksheet(SHEET_LIAISON)
    header, body = book.add_format(FILL_HEADER), book.add_format(FILL_BODY)
    for col, name in enumerate(LIAISON_COLUMNS):
        sheet.set_column(col, col, LIAISON_WIDTHS[name])
        sheet.write_string(0, col, name, header)
        sheet.write_blank(1, col, None, body)


def _default_formats(header: str) -> tuple[Format, Format]:
    given = header in GIVEN_COLUMNS
    body = dict(GIVEN_BODY if given else FILL_BODY)
    if header in NARROW_COLUMNS:
        body["align"] = "center"
    return dict(GIVEN_HEADER if given else FILL_HEADER), body


# ---------------------------------------------------------------- reading a template


def load_template(path: Path, display: str | None = None) -> TemplateSpec:
    """Read a template into a TemplateSpec; a template that cannot serve stops with a TemplateError.

    A copy of the built-in template as it is (a workspace's, unless the coordinator changed it) is the spec kept
    beside the built-in one (kept_spec), without importing openpyxl: collect, before writing its receipts, saves
    the quarter of a second that import takes."""
    shown = display or path.name
    kept = _kept_spec(path)
    if kept is not None:
        return dataclasses.replace(kept, source=shown)
    return read_template(path, shown)


def read_template(path: Path, shown: str) -> TemplateSpec:
    """load_template's reading of the file itself, with openpyxl (`shown`: the name its messages give)."""
    try:
        import openpyxl  # here, not at the top: collect and report never load it
        book = openpyxl.load_workbook(path)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TemplateError(f"无法打开模板：{exc}", file=shown) from exc
    if SHEET_LEDGER not in book.sheetnames:
        raise TemplateError(f"模板缺少工作表「{SHEET_LEDGER}」", file=shown)
    theme = _theme_colors(book.loaded_theme)
    ledger = book[SHEET_LEDGER]
    title_cell = ledger.cell(TITLE_ROW, 1)
    title = str(title_cell.value).strip() if title_cell.value not in (None, "") else DEFAULT_TITLE
    _check_placeholders(title, shown, SHEET_LEDGER)
    spec = TemplateSpec(
        title=title,
        title_format=_format_of(title_cell, theme),
        title_height=ledger.row_dimensions[TITLE_ROW].height,
        header_height=ledger.row_dimensions[HEADER_ROW].height,
        columns=_ledger_columns(ledger, theme, shown),
        guide=_guide(book, theme, shown),
        liaison=_liaison_columns(book, theme),
        source=shown,
    )
    return spec


def _ledger_columns(sheet, theme: list[str], shown: str) -> list[Column]:
    found = _header_positions(sheet, HEADER_ROW)
    missing = [c.header for c in FILL_SPEC if c.header not in found and not c.optional]
    if missing:
        raise TemplateError(
            f"第{HEADER_ROW}行缺少填报列：{'、'.join(missing)}（填报列的表头文字不能修改，请恢复后再生成）",
            file=shown, sheet=SHEET_LEDGER,
        )
    widths = _widths(sheet)
    columns = []
    for header in LEDGER_COLUMNS:
        default_header, default_body = _default_formats(header)
        col = found.get(header)
        if col is None and header not in GIVEN_COLUMNS:  # an optional column an older template lacks
            continue
        if col is None:  # a given column the coordinator removed: fall back to the defaults
            columns.append(Column(header, DEFAULT_WIDTHS[header], default_header, default_body))
            continue
        body_cell = sheet.cell(HEADER_ROW + 1, col + 1)
        body = _format_of(body_cell, theme) if body_cell.has_style else default_body
        columns.append(Column(header, widths.get(col, DEFAULT_WIDTHS[header]),
                              _format_of(sheet.cell(HEADER_ROW, col + 1), theme), body))
    return columns


def _liaison_columns(book, theme: list[str]) -> list[Column]:
    sheet = book[SHEET_LIAISON] if SHEET_LIAISON in book.sheetnames else None
    found = _header_positions(sheet, 1) if sheet is not None else {}
    widths = _widths(sheet) if sheet is not None else {}
    columns = []
    for name in LIAISON_COLUMNS:
        col = found.get(name)
        if col is None or sheet is None:
            columns.append(Column(name, LIAISON_WIDTHS[name], dict(FILL_HEADER), dict(FILL_BODY)))
            continue
        columns.append(Column(name, widths.get(col, LIAISON_WIDTHS[name]), _format_of(sheet.cell(1, col + 1), theme),
                              _format_of(sheet.cell(2, col + 1), theme)))
    return columns


def _guide(book, theme: list[str], shown: str) -> FreeSheet:
    if SHEET_GUIDE not in book.sheetnames:
        lines = [TextCell(r, 0, text, dict(_GUIDE_FORMATS[kind])) for r, (text, kind) in enumerate(GUIDE_LINES)]
        return FreeSheet(lines, {0: GUIDE_WIDTH})
    sheet = book[SHEET_GUIDE]
    cells = []
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value in (None, "") and not cell.has_style:
                continue
            text = "" if cell.value is None else str(cell.value)
            _check_placeholders(text, shown, SHEET_GUIDE)
            cells.append(TextCell(cell.row - 1, cell.column - 1, text, _format_of(cell, theme)))
    heights = {r - 1: d.height for r, d in sheet.row_dimensions.items() if d.height is not None}
    merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in sheet.merged_cells.ranges]
    return FreeSheet(cells, _widths(sheet), heights, merges)


def _check_placeholders(text: str, shown: str, sheet: str) -> None:
    unknown = [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    if unknown:
        known = " ".join("{" + name + "}" for name in PLACEHOLDERS)
        raise TemplateError(f"无法识别的占位符 {{{unknown[0]}}}；可用的占位符：{known}", file=shown, sheet=sheet)


def _header_positions(sheet, row: int) -> dict[str, int]:
    positions: dict[str, int] = {}
    for cell in sheet[row]:
        if cell.value not in (None, ""):
            positions.setdefault(re.sub(r"\s+", "", str(cell.value)), cell.column - 1)
    return positions


def _widths(sheet) -> dict[int, float]:
    """Column widths as Excel shows them (characters), from the stored widths (which include padding)."""
    widths: dict[int, float] = {}
    for dim in sheet.column_dimensions.values():
        if not dim.width or dim.min is None:
            continue
        for col in range(dim.min, dim.max + 1):
            widths[col - 1] = _shown_width(dim.width)
    return widths


def _shown_width(stored: float) -> float:
    """Excel stores (pixels of the text area + 5 px padding) / 7 px per character; xlsxwriter wants the former."""
    pixels = int(stored * 7 + 0.5)
    return round((pixels - 5) / 7, 2) if pixels >= 12 else round(pixels / 12, 2)


# ---------------------------------------------------------------- openpyxl styles → xlsxwriter formats

_BORDER_STYLES = {
    "thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7, "mediumDashed": 8,
    "dashDot": 9, "mediumDashDot": 10, "dashDotDot": 11, "mediumDashDotDot": 12, "slantDashDot": 13,
}
_ALIGN = {"left": "left", "center": "center", "right": "right", "justify": "justify", "fill": "fill",
          "centerContinuous": "center_across", "distributed": "distributed"}
_VALIGN = {"top": "top", "center": "vcenter", "bottom": "bottom", "justify": "vjustify", "distributed": "vdistributed"}


def _format_of(cell, theme: list[str]) -> Format:
    """The xlsxwriter properties for what a coordinator can set in Excel: font, fill, alignment, borders."""
    props: Format = {}
    font = cell.font
    if font is not None:
        props.update(_font_props(font, theme))
    fill = cell.fill
    if fill is not None and fill.fill_type == "solid":
        color = _color(fill.fgColor, theme)
        if color:
            props["bg_color"] = color
    align = cell.alignment
    if align is not None:
        if align.horizontal in _ALIGN:
            props["align"] = _ALIGN[align.horizontal]
        if align.vertical in _VALIGN:
            props["valign"] = _VALIGN[align.vertical]
        if align.wrap_text:
            props["text_wrap"] = True
        if align.indent:
            props["indent"] = int(align.indent)
    props.update(_border_props(cell.border, theme))
    if cell.number_format and cell.number_format != "General":
        props["num_format"] = cell.number_format
    return props


def _font_props(font, theme: list[str]) -> Format:
    props: Format = {}
    if font.name:
        props["font_name"] = font.name
    if font.sz:
        props["font_size"] = float(font.sz) if float(font.sz) % 1 else int(font.sz)
    if font.b:
        props["bold"] = True
    if font.i:
        props["italic"] = True
    if font.u:
        props["underline"] = 2 if font.u == "double" else 1
    if font.strike:
        props["font_strikeout"] = True
    color = _color(font.color, theme)
    if color and color != "#000000":
        props["font_color"] = color
    return props


def _border_props(border, theme: list[str]) -> Format:
    props: Format = {}
    if border is None:
        return props
    for side in ("left", "right", "top", "bottom"):
        edge = getattr(border, side)
        if edge is None or edge.style not in _BORDER_STYLES:
            continue
        props[side] = _BORDER_STYLES[edge.style]
        color = _color(edge.color, theme)
        if color and color != "#000000":
            props[f"{side}_color"] = color
    sides = [props.get(s) for s in ("left", "right", "top", "bottom")]
    if sides[0] is not None and sides.count(sides[0]) == 4 and not any(k.endswith("_color") for k in props):
        props = {"border": sides[0]}  # the common case, written the way the builder writes it
    return props


def _color(color, theme: list[str]) -> str | None:
    if color is None:
        return None
    kind = getattr(color, "type", None)
    if kind == "rgb" and isinstance(color.rgb, str):
        return "#" + color.rgb[-6:].upper()
    if kind == "indexed" and isinstance(color.indexed, int):
        from openpyxl.styles.colors import COLOR_INDEX  # a template is being read: openpyxl is loaded already
        if color.indexed < len(COLOR_INDEX):
            return "#" + COLOR_INDEX[color.indexed][-6:].upper()
    if kind == "theme" and isinstance(color.theme, int) and color.theme < len(theme):
        return _tinted(theme[color.theme], color.tint or 0.0)
    return None


# Excel numbers theme colours lt1, dk1, lt2, dk2, accent1…6, hlink, folHlink; the theme file lists dk1 first.
_OFFICE_THEME = ["FFFFFF", "000000", "E7E6E6", "44546A", "4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5",
                 "70AD47", "0563C1", "954F72"]
_THEME_ORDER = ["lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6",
                "hlink", "folHlink"]


def _theme_colors(theme_xml: bytes | str | None) -> list[str]:
    if not theme_xml:
        return list(_OFFICE_THEME)
    try:
        root = ET.fromstring(theme_xml)
    except ET.ParseError:
        return list(_OFFICE_THEME)
    ns = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    scheme = root.find(f".//{ns}clrScheme")
    if scheme is None:
        return list(_OFFICE_THEME)
    colors = dict(zip(_THEME_ORDER, _OFFICE_THEME, strict=True))
    for name in _THEME_ORDER:
        node = scheme.find(f"{ns}{name}")
        value = None if node is None or not len(node) else node[0].get("val") or node[0].get("lastClr")
        if value and len(value) == 6:
            colors[name] = value.upper()
    return [colors[name] for name in _THEME_ORDER]


def _tinted(rgb: str, tint: float) -> str:
    """Excel's tint: lighten (tint > 0) or darken (tint < 0) the luminance."""
    r, g, b = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    hue, light, sat = colorsys.rgb_to_hls(r, g, b)
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(hue, min(max(light, 0.0), 1.0), sat)
    return "#" + "".join(f"{round(v * 255):02X}" for v in (r, g, b))


def kept_spec_path() -> Path:
    """Where the built-in template's TemplateSpec is kept, beside it."""
    template = builtin_template("xlsx")
    return template.with_name(f"{template.name}.spec")


def write_kept_spec() -> Path:
    """Keep the built-in template's TemplateSpec beside it, with what it was read from (_kept_key)."""
    template = builtin_template("xlsx")
    spec = read_template(template, template.name)
    target = kept_spec_path()
    with atomic_path(target) as tmp:
        tmp.write_bytes(pickle.dumps({"key": _kept_key(template.read_bytes()), "spec": spec}, protocol=4))
    return target


def _kept_key(template: bytes) -> tuple[str, str]:
    """The template's digest and that of the code reading it (this module and workbook_spec): a kept spec serves
    only a template with the same bytes, read by the same code."""
    here = Path(__file__)
    reader = hashlib.sha256(here.read_bytes() + here.with_name("workbook_spec.py").read_bytes())
    return hashlib.sha256(template).hexdigest(), reader.hexdigest()


def _kept_spec(path: Path) -> TemplateSpec | None:
    """The kept spec of the built-in template when `path` holds the same bytes (and the reading code is the same);
    else None, and the file is read."""
    try:
        template, kept = path.read_bytes(), kept_spec_path().read_bytes()
    except OSError:
        return None
    try:
        found = pickle.loads(kept)  # (the package's own file)
    except Exception:  # a damaged or older kept spec: the template is read
        return None
    if not isinstance(found, dict) or found.get("key") != _kept_key(template):
        return None
    spec = found.get("spec")
    return spec if isinstance(spec, TemplateSpec) else None


def main(argv: list[str] | None = None) -> None:
    """`python -m reporting.workbook_template [PATH]`: rebuild the built-in template and its kept spec (or write
    the template to PATH)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else builtin_template("xlsx")
    build_builtin_template(target)
    print(f"已生成 {target}")
    if not args:
        print(f"已生成 {write_kept_spec()}")


if __name__ == "__main__":
    main()
