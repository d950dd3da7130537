"""GB/T 9704-2012 (党政机关公文格式) applied to a .docx: page, fonts on every run, tables, page numbers.

Applied after rendering, whatever the template says, because a template edited in Word or WPS easily
loses an East Asian font attribute or a table grid, and then Word shows Calibri or WPS squeezes a table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations, pairwise

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn as docx_qn
from docx.section import Section
from docx.shared import Mm
from lxml import etree


@cache
def qn(tag: str) -> str:
    """python-docx's qn, remembered: formatting a province's annex asks for the same few names 400,000 times."""
    return docx_qn(tag)


PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
FOOTER_DISTANCE_MM = 22  # the page number's dash line sits 7 mm below the type area
TEXT_WIDTH_TWIPS = round((PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 1440)
LANDSCAPE_TEXT_WIDTH_TWIPS = round((PAGE_HEIGHT_MM - MARGINS_MM["top"] - MARGINS_MM["bottom"]) / 25.4 * 1440)
LINE_TWIPS = 578  # exact 28.9 pt: 22 lines in the 225 mm type area
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
# The character grid: 28 三号 characters in the 156 mm line need a pitch of at most 15.79 pt. Word writes that
# as docGrid linesAndChars with a negative charSpace, which LibreOffice reads as twice the pitch (14
# characters a line), so the pitch comes from character spacing instead: -0.25 pt on every character
# (w:spacing -5 twentieths), the same in Word, WPS and LibreOffice. The docGrid holds the 22 lines.
CHAR_SPACING = -5  # twentieths of a point
CHAR_TWIPS = 16 * 20 + CHAR_SPACING  # one body character with its spacing, in twips
TITLE_CHARS_PER_LINE = 20  # 二号 (22 pt) characters in the 156 mm line

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
# Word substitutes w:altName when a font is missing (a machine without the GB2312 fonts gets 仿宋/楷体).
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", HEADING2_FONT: "楷体", HEADING1_FONT: "SimHei",
             PAGE_NUMBER_FONT: "SimSun"}


# What LibreOffice should draw each GB/T 9704 font with when the font itself is not installed (a Linux
# machine seldom has the GB2312 fonts): the Windows faces first, then the free ones, in order. Without
# this fontconfig gives every one of them the same sans face and the headings look like body text.
# (family, preferred faces, bold): 方正小标宋 is a heavy Song face, so its stand-in is set bold.
PDF_SUBSTITUTES = [
    (TITLE_FONT, ["方正小标宋_GBK", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"], True),
    (BODY_FONT, ["仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"],
     False),
    (HEADING1_FONT, ["SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"], True),
    (HEADING2_FONT, ["楷体", "KaiTi", "STKaiti", "AR PL UKai CN", "Noto Sans CJK SC", "Source Han Sans SC"], False),
    (PAGE_NUMBER_FONT, ["SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"], False),
]


def fontconfig_file(system_config: str = "/etc/fonts/fonts.conf") -> str:
    """A fonts.conf (for FONTCONFIG_FILE) that maps the document's fonts to installed faces, then the system's.

    An installed face of the named family always wins: the mapping applies only where a face is missing,
    as fontconfig tries the families of a pattern in order.
    """
    rules = []
    for family, faces, bold in PDF_SUBSTITUTES:
        prefer = "".join(f"<family>{face}</family>" for face in faces)
        rules.append(f'<alias binding="same"><family>{family}</family><prefer><family>{family}</family>'
                     f"{prefer}</prefer></alias>")
        if bold:  # asks for the bold face of the stand-in; a real 方正小标宋 has one face and keeps it
            rules.append(f'<match target="pattern"><test name="family" qual="first"><string>{family}</string>'
                         '</test><edit name="weight" mode="assign"><const>bold</const></edit></match>')
    return ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
            + "".join(rules) + f"<include ignore_missing=\"yes\">{system_config}</include></fontconfig>\n")


@dataclass(frozen=True)
class Role:
    """How a kind of paragraph looks: font and size, and whether body line spacing and indent apply."""

    font: str
    size: float  # points
    body_layout: bool = True  # exact 28.9 pt lines (on the grid)
    indent: bool = True  # with body_layout: a two-character first-line indent (when left-aligned or justified)
    keep_next: bool = False  # a heading: on the page of what it heads, never the last line of a page


TITLE = Role(TITLE_FONT, 22, body_layout=False)
BODY = Role(BODY_FONT, 16)
HEADING1 = Role(HEADING1_FONT, 16, keep_next=True)
HEADING2 = Role(HEADING2_FONT, 16, keep_next=True)
ANNEX_LABEL = Role(HEADING1_FONT, 16, body_layout=False)
ANNEX_TITLE = Role(TITLE_FONT, 18, body_layout=False)
PLAIN = Role(BODY_FONT, 16, body_layout=False)  # figures, captions: aligned by their style
FLUSH = Role(BODY_FONT, 16, indent=False)  # 主送机关, 附件说明, 落款, 成文日期: on the lines, placed by their style
TABLE_TEXT = Role(BODY_FONT, 10.5, body_layout=False)
TABLE_HEADER = Role(HEADING1_FONT, 10.5, body_layout=False)
PAGE_NUMBER = Role(PAGE_NUMBER_FONT, 14, body_layout=False)

# Style ids of the built-in template (report_template.py) and Word's own, by role.
STYLE_ROLES = {
    "ReportTitle": TITLE, "Title": TITLE,
    "ReportBody": BODY, "Normal": BODY,
    "ReportHeading1": HEADING1, "Heading1": HEADING1,
    "ReportHeading2": HEADING2, "Heading2": HEADING2,
    "ReportAnnexLabel": ANNEX_LABEL, "ReportAnnexTitle": ANNEX_TITLE,
    "ReportSignature": FLUSH, "ReportFigure": PLAIN, "ReportCaption": PLAIN, "ReportAnnexNote": FLUSH,
    "ReportAnnexList": FLUSH, "ReportAddressee": FLUSH,
    "ReportTableText": TABLE_TEXT, "ReportTableHeader": TABLE_HEADER,
    "Footer": PAGE_NUMBER, "Header": PLAIN,
}
_THEME_ATTRS = [qn("w:asciiTheme"), qn("w:hAnsiTheme"), qn("w:eastAsiaTheme"), qn("w:cstheme")]
_FONT_ATTRS = [qn("w:ascii"), qn("w:hAnsi"), qn("w:eastAsia"), qn("w:cs")]
_PSTYLE = f"{qn('w:pPr')}/{qn('w:pStyle')}"
_THEME_PATTERN = re.compile(rb'\s+w:(?:asciiTheme|hAnsiTheme|eastAsiaTheme|cstheme)="[^"]*"')


def apply_gbt9704(doc: Document) -> None:
    """Page, fonts, paragraphs, tables and page numbers of the whole document, styles and all parts."""
    format_body(doc)
    finish_format(doc)


def format_body(doc: Document, *, template: bool = False) -> None:
    """What each paragraph and table of the body takes by itself: page, styles, every paragraph's fonts, spacing
    and indent, table grids.

    template=True: on a report template before it is filled (then finish_format(filled=True) after), theme
    fonts stripped and schema order kept here too: every paragraph and table row the filling repeats is then a
    formatted copy (a province's annex has 2,000 rows), and only what the filling adds (pictures) and what
    depends on the filled text (title lines, signature) is left to do.
    """
    for section in doc.sections:
        set_page(section)
    set_style_fonts(doc)
    for paragraph, role in _paragraphs_with_roles(doc):
        format_paragraph(paragraph, role)
    for table, width in _tables_with_widths(doc):
        fix_table_grid(table, width)
    if template:
        strip_theme_fonts(doc)
        schema_order(doc.element)


def finish_format(doc: Document, *, filled: bool = False) -> None:
    """The rest of apply_gbt9704: title lines, signature, page numbers, headers and footers, theme fonts, the
    font table, schema order. filled=True: the body was formatted as a template (format_body) before filling."""
    if filled:
        _format_pictures(doc)
    break_titles(doc)
    place_signature(doc)
    ensure_page_numbers(doc)
    for section in doc.sections:
        for part, role in _headers_and_footers(section):
            for paragraph in part._element.iter(qn("w:p")):
                format_paragraph(paragraph, role)
    strip_theme_fonts(doc, body=not filled)
    add_font_fallbacks(doc)
    for section in doc.sections:
        for part, _ in _headers_and_footers(section):
            schema_order(part._element)
    if not filled:
        schema_order(doc.element)
    schema_order(doc.styles.element)


def _format_pictures(doc: Document) -> None:
    """format_paragraph on the body's paragraphs that hold a picture (filled in: off the line grid)."""
    styles = {s.get(qn("w:styleId")): s for s in doc.styles.element.iter(qn("w:style"))}
    for paragraph in doc.element.body.xpath(".//w:p[.//w:drawing or .//w:pict]"):
        format_paragraph(paragraph, _role(paragraph, styles))


# Words a title may break around (GB/T 9704 7.3.1: 回行时词意完整): the campaign's usual words, a
# date or round ("2026年第四季度"), and a place name ending in 省/市/县/区/州/旗/盟.
_TITLE_ROUND = (r"\d{4}年(?:度|第[一二三四]季度|上半年|下半年|[一二三四]季度|\d{1,2}月)?"
                r"|第[一二三四五六七八九十]+(?:季度|轮|批)")
TITLE_WORDS = re.compile(
    _TITLE_ROUND + r"|"
    r"法治政府建设|法治建设|依法行政|示范创建|示范|创建|实施方案|实施纲要|实施意见|自评报告|工作报告|情况报告|"
    r"评估报告|年度报告|自查报告|报告|工作|情况|中期|评估|考核|推进|贯彻落实|落实|"
    r"^[\u4e00-\u9fff]{1,8}?(?:自治区|自治州|自治县|省|市|县|区|州|旗|盟)")


def title_lines(text: str, width: int = TITLE_CHARS_PER_LINE) -> list[str]:
    """A title broken into lines at word boundaries, shaped as a trapezoid or a diamond (GB/T 9704 7.3.1).

    Breaks only where a known word or the start of a run of digits begins or ends; among the splits whose
    lines fit, a trapezoid (or a diamond for three lines) comes before other shapes, then a break between the
    campaign and the round ("…示范创建" / "2026年第四季度自评报告": the words of each stay together), then the
    most even. One line when it fits; as it is when no split at word boundaries fits.
    """
    if _width(text) <= width:
        return [text]
    cuts = {0, len(text)}
    for match in TITLE_WORDS.finditer(text):
        cuts.update((match.start(), match.end()))
    inside = {i for match in TITLE_WORDS.finditer(text) for i in range(match.start() + 1, match.end())}
    cuts -= inside
    positions = sorted(cut for cut in cuts if 0 < cut < len(text))
    rounds = {match.start() for match in re.finditer(_TITLE_ROUND, text)}
    two, three = (_best_split(text, positions, rounds, count, width) for count in (1, 2))
    if two is not None and (two[0][:2] == (False, False) or three is None or three[0][:2] != (False, False)):
        return two[1]  # two lines, unless only three keep the campaign and the round apart in shape
    return three[1] if three is not None else [text]


def _best_split(text: str, positions: list[int], rounds: set[int], count: int, width: int,
                ) -> tuple[tuple, list[str]] | None:
    """title_lines' best split of `text` at `count` of `positions`, with its key (see title_lines); None when no
    such split fits."""
    best: tuple | None = None
    for chosen in combinations(positions, count):
        lines = [text[a:b] for a, b in pairwise([0, *chosen, len(text)])]
        widths = [_width(line) for line in lines]
        if max(widths) > width:
            continue
        shaped = widths == sorted(widths) or widths == sorted(widths, reverse=True) or \
            (len(widths) == 3 and widths[1] >= max(widths[0], widths[2]))
        key = (not shaped, not rounds.intersection(chosen), max(widths) - min(widths), widths[0] > widths[-1])
        if best is None or key < best[0]:
            best = (key, lines)
    return best


def break_titles(doc: Document) -> None:
    """The report's title (公文标题 paragraphs) broken into lines by `title_lines`, with line breaks."""
    for paragraph in doc.element.body.xpath('.//w:p[w:pPr/w:pStyle/@w:val = "ReportTitle"]'):
        runs = paragraph.findall(qn("w:r"))
        text = _text_of(paragraph)
        lines = title_lines(text)
        if len(lines) < 2 or any(run.find(qn("w:br")) is not None for run in runs) or not runs:
            continue
        first = runs[0]
        for run in runs[1:]:
            paragraph.remove(run)
        for child in list(first):
            if child.tag != qn("w:rPr"):
                first.remove(child)
        for index, line in enumerate(lines):
            if index:
                first.append(OxmlElement("w:br"))
            piece = OxmlElement("w:t")
            piece.text = line
            piece.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            first.append(piece)


def place_signature(doc: Document) -> None:
    """Signing bodies 右空二字 and the date two characters right of their first character (GB/T 9704 7.3.5).

    Works on the consecutive 落款 (ReportSignature) paragraphs: the last is the date, the others the bodies,
    centred on the longest of them. A date longer than the bodies keeps 右空二字 and moves them left.
    """
    block = _signature_block(doc)
    if len(block) < 2:
        return
    *bodies, day = block
    longest = max(_width(_text_of(p)) for p in bodies)
    date_indent = max(longest - _width(_text_of(day)), 2.0)
    bodies_indent = date_indent + _width(_text_of(day)) + 2 - longest
    for paragraph in bodies:
        _right_indent(paragraph, bodies_indent + (longest - _width(_text_of(paragraph))) / 2)
    _right_indent(day, date_indent)
    keep_signature_with_text(block)


# What may stand between the last paragraph of the text and the signature: 附件说明 and empty lines.
_BEFORE_SIGNATURE = {"ReportAnnexNote", "ReportAnnexList"}


def keep_signature_with_text(block: list) -> None:
    """No page with the signature and date alone (GB/T 9704 7.3.5: they follow the text on its page): the last
    paragraph of the text, the 附件说明 and empty lines after it and the signing bodies each kept with the next."""
    kept = block[:-1]
    paragraph = block[0].getprevious()
    while paragraph is not None and paragraph.tag == qn("w:p"):
        kept.append(paragraph)
        if _text_of(paragraph).strip() and _style_id(paragraph) not in _BEFORE_SIGNATURE:
            break  # the last line of the text
        paragraph = paragraph.getprevious()
    for paragraph in kept:
        _child(_child(paragraph, "w:pPr"), "w:keepNext")


def _signature_block(doc: Document) -> list:
    block: list = []
    for paragraph in doc.element.body.iter(qn("w:p")):
        if _style_id(paragraph) == "ReportSignature" and _text_of(paragraph).strip():
            block.append(paragraph)
        elif block and _text_of(paragraph).strip():
            break
    return block


def _text_of(paragraph) -> str:
    return "".join(t.text or "" for t in paragraph.iter(qn("w:t")))


def _width(text: str) -> float:
    """Width in body characters: a Chinese character is one, a digit or Latin letter half, and a quarter
    for the space Word puts between Chinese and digits (2026年7月6日 is about 7¼)."""
    wide = [ord(char) > 0x2E7F for char in text.strip()]
    switches = sum(a != b for a, b in pairwise(wide))
    return sum(1.0 if w else 0.5 for w in wide) + 0.25 * switches


def _right_indent(paragraph, chars: float) -> None:
    indent = _child(_child(paragraph, "w:pPr"), "w:ind")
    indent.set(qn("w:right"), str(round(chars * CHAR_TWIPS)))
    indent.attrib.pop(qn("w:rightChars"), None)


def _footers(section: Section) -> list:
    return [section.footer, section.even_page_footer, section.first_page_footer]


def _headers_and_footers(section: Section) -> list:
    """The section's own headers and footers (a linked one belongs to an earlier section)."""
    parts = [(f, PAGE_NUMBER) for f in _footers(section)]
    parts += [(h, PLAIN) for h in (section.header, section.even_page_header, section.first_page_header)]
    return [(part, role) for part, role in parts if not part.is_linked_to_previous]


def set_page(section: Section) -> None:
    """A4 in the section's orientation, GB/T 9704 margins, and the 22-line grid (docGrid lines, 28.9 pt).

    A landscape section (the annexes) turns the margins with the page: the binding edge stays at the top.
    """
    landscape = section.page_width is not None and section.page_height is not None \
        and section.page_width > section.page_height
    width, height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    top, bottom, left, right = (MARGINS_MM[side] for side in ("top", "bottom", "left", "right"))
    if landscape:
        top, bottom, left, right = left, right, top, bottom
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM - (MARGINS_MM["bottom"] - bottom))
    section.header_distance = Mm(15)
    grid = _child(section._sectPr, "w:docGrid")
    grid.attrib.pop(qn("w:charSpace"), None)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_TWIPS))


def _paragraphs_with_roles(doc: Document):
    """Every paragraph of the body (tables included) with the role its style and place give it."""
    styles = {s.get(qn("w:styleId")): s for s in doc.styles.element.iter(qn("w:style"))}
    for paragraph in doc.element.body.iter(qn("w:p")):
        yield paragraph, _role(paragraph, styles)


def _role(paragraph, styles: dict) -> Role:
    role = _style_role(_style_id(paragraph), styles)
    cell = _ancestor(paragraph, "w:tc")
    if cell is not None and role not in (TABLE_TEXT, TABLE_HEADER):
        role = TABLE_HEADER if _is_header_row(_ancestor(cell, "w:tr")) else TABLE_TEXT
    return role


def _style_id(paragraph) -> str:
    style = paragraph.find(_PSTYLE)
    return style.get(qn("w:val")) if style is not None else "Normal"


def _style_role(style_id: str, styles: dict, depth: int = 0) -> Role:
    """The role of a style, or of the style it is based on (a coordinator's copy of 正文 stays 正文)."""
    if style_id in STYLE_ROLES:
        return STYLE_ROLES[style_id]
    style = styles.get(style_id)
    based = style.find(qn("w:basedOn")) if style is not None else None
    if based is None or depth > 10:
        return BODY
    return _style_role(based.get(qn("w:val")), styles, depth + 1)


def _ancestor(element, tag: str):
    parent = element.getparent()
    while parent is not None and parent.tag != qn(tag):
        parent = parent.getparent()
    return parent


def _is_header_row(row) -> bool:
    if row is None:
        return False
    props = row.find(qn("w:trPr"))
    return props is not None and props.find(qn("w:tblHeader")) is not None


def format_paragraph(paragraph, role: Role) -> None:
    """Fonts and size on every run (and the paragraph mark); body spacing and indent where they apply."""
    props = _child(paragraph, "w:pPr")
    if role.keep_next:
        _child(props, "w:keepNext")
    if not role.body_layout or _has_drawing(paragraph):  # tables, pictures, captions, titles: off the line grid
        _child(props, "w:snapToGrid").set(qn("w:val"), "0")
    if role.body_layout and not _has_drawing(paragraph):
        spacing = _child(props, "w:spacing")
        spacing.set(qn("w:line"), str(LINE_TWIPS))
        spacing.set(qn("w:lineRule"), "exact")
        if role.indent and _alignment(props) in (None, "both", "left", "start", "distribute"):
            indent = _child(props, "w:ind")
            indent.set(qn("w:firstLineChars"), "200")
            indent.set(qn("w:firstLine"), str(round(role.size * 2 * 20)))
            for attr in ("w:hanging", "w:hangingChars"):
                indent.attrib.pop(qn(attr), None)
    set_run_fonts(_child(props, "w:rPr"), role)
    for run in paragraph.iter(qn("w:r")):
        set_run_fonts(_child(run, "w:rPr"), role)


def _alignment(props) -> str | None:
    jc = props.find(qn("w:jc"))
    return jc.get(qn("w:val")) if jc is not None else None


def _has_drawing(paragraph) -> bool:
    return any(True for _ in paragraph.iter(qn("w:drawing"), qn("w:pict")))


def set_run_fonts(rpr, role: Role) -> None:
    """w:rFonts with ascii, hAnsi, eastAsia and cs all naming the role's font; no theme fonts; size."""
    fonts = _child(rpr, "w:rFonts")
    attrib = fonts.attrib
    for attr in _THEME_ATTRS:
        attrib.pop(attr, None)
    for attr in _FONT_ATTRS:
        attrib[attr] = role.font
    attrib[qn("w:hint")] = "eastAsia"
    half_points = str(round(role.size * 2))
    _child(rpr, "w:sz").set(qn("w:val"), half_points)
    _child(rpr, "w:szCs").set(qn("w:val"), half_points)


# OOXML wants children in schema order (Word reports a damaged file otherwise): the orders we touch.
_ORDER = {
    "w:p": ["w:pPr"],
    "w:r": ["w:rPr"],
    "w:tc": ["w:tcPr"],
    "w:tbl": ["w:tblPr", "w:tblGrid"],
    "w:pPr": ["w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
              "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
              "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
              "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"],
    "w:rPr": ["w:ins", "w:del", "w:moveFrom", "w:moveTo", "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs",
              "w:caps", "w:smallCaps", "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint",
              "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern",
              "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText",
              "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath"],
    "w:tblPr": ["w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
                "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd",
                "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"],
    "w:tcPr": ["w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd", "w:noWrap",
               "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"],
    "w:style": ["w:name", "w:aliases", "w:basedOn", "w:next", "w:link", "w:autoRedefine", "w:hidden",
                "w:uiPriority", "w:semiHidden", "w:unhideWhenUsed", "w:qFormat", "w:locked", "w:personal",
                "w:personalCompose", "w:personalReply", "w:rsid", "w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr",
                "w:tblStylePr"],
}
_RANKS = {qn(parent): {qn(tag): i for i, tag in enumerate(tags)} for parent, tags in _ORDER.items()}


def schema_order(root) -> None:
    """Put the children of every pPr, rPr, tblPr, tcPr… under `root` in schema order (stable)."""
    for parent in root.iter(*_RANKS):
        ranks = _RANKS[parent.tag]
        children = list(parent)
        ordered = sorted(children, key=lambda child: ranks.get(child.tag, len(ranks)))
        if ordered != children:
            for child in children:
                parent.remove(child)
            parent.extend(ordered)


def ensure_child(parent, tag: str):
    """The child `tag` of `parent`, created in its schema position when missing."""
    return _child(parent, tag)


def _child(parent, tag: str):
    """The child `tag` of `parent`, created in its schema position when missing."""
    found = parent.find(qn(tag))
    if found is not None:
        return found
    found = OxmlElement(tag)
    ranks = _RANKS.get(parent.tag, {})
    rank = ranks.get(qn(tag), len(ranks))
    for index, sibling in enumerate(parent):
        if ranks.get(sibling.tag, len(ranks)) > rank:  # unknown children go last
            parent.insert(index, found)
            return found
    parent.append(found)
    return found


def _tables_with_widths(doc: Document):
    """The body's tables, each with the width of its section's type area (landscape annexes are wider)."""
    body = doc.element.body
    final = body.find(qn("w:sectPr"))
    pending: list = []
    for child in body:
        pending += list(child.iter(qn("w:tbl"))) if child.tag == qn("w:tbl") else []
        sect = child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if child.tag == qn("w:p") else None
        if sect is not None:
            yield from ((table, _text_width(sect)) for table in pending)
            pending = []
    yield from ((table, _text_width(final)) for table in pending)


def _text_width(sect) -> int:
    if sect is None:
        return TEXT_WIDTH_TWIPS
    size = sect.find(qn("w:pgSz"))
    landscape = size is not None and _twips(size.get(qn("w:w"))) > _twips(size.get(qn("w:h")))
    return LANDSCAPE_TEXT_WIDTH_TWIPS if landscape else TEXT_WIDTH_TWIPS


def fix_table_grid(table, text_width: int = TEXT_WIDTH_TWIPS) -> None:
    """Explicit column widths (w:tblGrid/w:gridCol), matching cell widths and a fixed layout, for WPS."""
    rows = table.findall(qn("w:tr"))
    columns = max((sum(_span(tc) for tc in row.findall(qn("w:tc"))) for row in rows), default=0)
    if columns == 0:
        return
    widths = _grid_widths(table, rows, columns, text_width)
    grid = table.find(qn("w:tblGrid"))
    if grid is None:
        grid = OxmlElement("w:tblGrid")
        table.insert(list(table).index(table.find(qn("w:tblPr"))) + 1, grid)
    for old in list(grid):
        grid.remove(old)
    for width in widths:
        col = OxmlElement("w:gridCol")
        col.set(qn("w:w"), str(width))
        grid.append(col)
    props = _child(table, "w:tblPr")
    _set_width(_child(props, "w:tblW"), sum(widths))
    _child(props, "w:tblLayout").set(qn("w:type"), "fixed")
    for row in rows:
        column = 0
        for tc in row.findall(qn("w:tc")):
            span = _span(tc)
            _set_width(_child(_child(tc, "w:tcPr"), "w:tcW"), sum(widths[column:column + span]))
            column += span


def _span(tc) -> int:
    span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
    return int(span.get(qn("w:val"))) if span is not None else 1


def _grid_widths(table, rows, columns: int, text_width: int) -> list[int]:
    """The grid's own widths when complete, else the first row's cell widths, else equal columns."""
    grid = table.find(qn("w:tblGrid"))
    widths = [_twips(col.get(qn("w:w"))) for col in grid.findall(qn("w:gridCol"))] if grid is not None else []
    if len(widths) != columns or not all(widths):
        first = rows[0].findall(qn("w:tc"))
        cells = [_twips(tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}").get(qn("w:w")))
                 if tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}") is not None
                 and tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}").get(qn("w:type"), "dxa") == "dxa" else 0
                 for tc in first]
        widths = cells if len(cells) == columns and all(cells) else [text_width // columns] * columns
    total = sum(widths)
    if total > text_width:
        widths = [width * text_width // total for width in widths]
    return widths


def _twips(value: str | None) -> int:
    try:
        return int(float(value)) if value else 0
    except ValueError:
        return 0


def _set_width(element, twips: int) -> None:
    element.set(qn("w:w"), str(twips))
    element.set(qn("w:type"), "dxa")


def set_table_widths(table, widths_mm: Sequence[float]) -> None:
    """Column widths in millimetres for a python-docx table being built (scaled by fix_table_grid if too wide)."""
    element = table._tbl
    grid = element.find(qn("w:tblGrid"))
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(round(width / 25.4 * 1440)))
    fix_table_grid(element, LANDSCAPE_TEXT_WIDTH_TWIPS)


def ensure_page_numbers(doc: Document) -> None:
    """`— N —` in 4号宋体: odd pages at the right, even pages at the left, one character in (GB/T 9704 7.5).

    Added only when the document has no PAGE field in a footer, so a coordinator's own footer stays.
    """
    if any(_has_page_field(footer._element) for s in doc.sections for footer in _footers(s)
           if not footer.is_linked_to_previous):
        return
    doc.settings.odd_and_even_pages_header_footer = True
    for index, section in enumerate(doc.sections):
        for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
            if index and footer.is_linked_to_previous:
                continue
            footer.is_linked_to_previous = False
            _write_page_number(footer, odd)


def _has_page_field(element) -> bool:
    instructions = [t.text or "" for t in element.iter(qn("w:instrText"))]
    instructions += [f.get(qn("w:instr"), "") for f in element.iter(qn("w:fldSimple"))]
    return any(re.search(r"\bPAGE\b", text) for text in instructions)


def _write_page_number(footer, odd: bool) -> None:
    for old in list(footer._element):
        footer._element.remove(old)
    paragraph = footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    fmt.line_spacing, fmt.first_line_indent = 1.0, Mm(0)
    fmt.right_indent, fmt.left_indent = (Mm(4.9), None) if odd else (None, Mm(4.9))  # one 14 pt character
    for xml in _page_number_runs():
        paragraph._p.append(parse_xml(xml))
    format_paragraph(paragraph._p, PAGE_NUMBER)


def _page_number_runs() -> list[str]:
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    return [
        f'<w:r {ns}><w:t xml:space="preserve">— </w:t></w:r>',
        f'<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {ns}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        f'<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {ns}><w:t>1</w:t></w:r>',
        f'<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>',
        f'<w:r {ns}><w:t xml:space="preserve"> —</w:t></w:r>',
    ]


def set_style_fonts(doc: Document) -> None:
    """Explicit fonts in every style and the document defaults, each by its role; Chinese language."""
    styles = doc.styles.element
    defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if defaults is not None:
        set_run_fonts(defaults, BODY)
        _child(defaults, "w:spacing").set(qn("w:val"), str(CHAR_SPACING))
        lang = _child(defaults, "w:lang")
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
    by_id = {s.get(qn("w:styleId")): s for s in styles.iter(qn("w:style"))}
    for style_id, style in by_id.items():
        if style.get(qn("w:type")) not in ("paragraph", "character"):
            continue
        role = _style_role(style_id, by_id)
        fonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if style.get(qn("w:type")) == "paragraph" or fonts is not None:
            rpr = _child(style, "w:rPr")
            fonts = _child(rpr, "w:rFonts")
            for attr in _THEME_ATTRS:
                fonts.attrib.pop(attr, None)
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                fonts.set(qn(attr), role.font)


def strip_theme_fonts(doc: Document, *, body: bool = True) -> None:
    """No asciiTheme/eastAsiaTheme anywhere (styles, numbering, stylesWithEffects…): they override names.
    body=False: the main document part is left out (done before it was filled, see format_body)."""
    for part in doc.part.package.iter_parts():
        element = getattr(part, "_element", None)
        if part is doc.part and not body:
            continue
        if element is not None:
            for fonts in element.iter(qn("w:rFonts")):
                for attr in _THEME_ATTRS:
                    fonts.attrib.pop(attr, None)
                for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
                    if fonts.get(qn(attr)) is None:
                        fonts.set(qn(attr), BODY_FONT)
        elif str(part.partname).endswith(".xml") and b"Theme=" in (part.blob or b""):
            part._blob = _THEME_PATTERN.sub(b"", part.blob)


def add_font_fallbacks(doc: Document) -> None:
    """fontTable entries for the GB/T 9704 fonts, each with the font Word should use when it is missing."""
    table_part = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if table_part is None:
        return
    root = etree.fromstring(table_part.blob)
    known = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
    for name, alternative in FALLBACKS.items():
        if name in known:
            continue
        root.append(parse_xml(
            f'<w:font xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:name="{name}">'
            f'<w:altName w:val="{alternative}"/><w:charset w:val="86"/><w:family w:val="auto"/>'
            '<w:pitch w:val="variable"/></w:font>'))
    table_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
