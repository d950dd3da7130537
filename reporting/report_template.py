"""The built-in 自评报告模板.docx, built by code: `python -m reporting.report_template [PATH]`.

The template holds the wording and the order of the report; every figure is a `{{ 字段 }}` filled from the
store. A coordinator edits a copy in Word (templates/docx/) and keeps their wording for every round.
FIELDS is the contract between the template and report.py: what the template may use, and which fields
it must keep.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from . import docx_format as fmt
from .templates import builtin_template

# Every field the report provides, with what it holds (templates/docx/README.md lists the same: a test checks).
FIELDS: dict[str, str] = {
    "活动名称": "reporting.toml 中的活动名称",
    "轮次": "填报轮次名称",
    "截止日期": "本轮报送截止日期（2024年6月30日）",
    "数据日期": "统计截至日期（--as-of，默认本轮截止日期）",
    "成文日期": "落款日期（reporting.toml [报告] 成文日期；默认当天，但不早于数据日期）",
    "主送机关": "主送机关（reporting.toml [报告] 主送机关；未设时为空）",
    "落款单位": "落款单位列表（reporting.toml 落款单位）",
    "任务数": "本轮任务数", "领域数": "一级领域数", "单位数": "应报送单位数（有任务的单位）",
    "项次数": "任务×责任单位项次数",
    "已报送单位数": "已报送单位数", "未报送单位数": "未报送单位数", "报送率": "报送率（百分数文字）",
    "已完成项次": "已完成项次", "推进中项次": "推进中项次", "未启动项次": "未启动项次",
    "待修改项次": "待修改项次", "未报送项次": "未报送项次",
    "完成率": "完成率（已完成项次/项次数）", "平均进度": "平均进度", "逾期项次": "逾期未完成项次",
    "逾期任务数": "有逾期未完成项次的任务数", "已完成任务数": "全部责任单位均已完成的任务数",
    "任务完成率": "已完成任务数/任务数",
    "较上轮": "与上一轮相比的变化（一句话；无上一轮时为空）",
    "领域概况": "各领域完成率概述（一句话）",
    "单位概况": "完成率居前的单位（一句话）",
    "督办事项": "需督办的逾期任务和未报送单位（短语；都没有时为空）",
    "状态构成": "表格行：状态、项次、占比",
    "图_领域完成率": "图片：各领域完成率", "图_状态构成": "图片：任务状态构成", "图_单位完成率": "图片：各单位完成率",
    "主要工作": "按领域：每节有 标题、段落（领域数字和择优选出的事例）",
    "存在问题": "全县存在的问题（3–5条，出自数据和各单位填报）：每节有 标题（可为空）、段落",
    "下一步计划": "与存在问题逐条对应的下一步打算：每节有 标题（可为空）、段落",
    "附件1": "表格行：各领域完成情况", "附件1合计": "附件1 合计行",
    "附件2": "表格行：各单位完成情况", "附件2合计": "附件2 合计行",
    "附件3": "表格行：未完成任务清单（各状态的项次数）",
    "附件4": "表格行：指标自评得分表，每个末级指标的一级指标（同一一级指标的单元格上下合并）、编号、分值、项次、"
            "已完成且有佐证的项次、自评分（两位小数）、说明（调整理由；无对应任务等）（导入指标体系后才有，否则为空）",
    "附件4合计": "附件4 合计行",
    "指标自评概述": "对照指标体系自评得分的一段话（总分、得分率、得分低的指标、缺佐证情况；无指标体系时为空）",
}
# What only the coordinator knows: marked in the template (one line each), listed by `report` while unfilled.
PLACEHOLDER_MARK = "【待填写："
PLACEHOLDERS = ["第一责任人履职情况", "主要亮点", "原因分析"]
# A template without these would silently drop the heart of the report.
REQUIRED_FIELDS = ["完成率", "报送率", "主要工作", "存在问题", "下一步计划", "落款单位", "成文日期"]

# (field of a row, column heading, width in mm); annexes are on landscape pages with a 225 mm type area
Columns = list[tuple[str, str, float]]
ANNEX1_COLUMNS: Columns = [
    ("序号", "序号", 12), ("领域", "领域", 73), ("任务数", "任务数", 17), ("项次", "项次", 17),
    ("已完成", "已完成项次", 21), ("逾期", "逾期项次", 19), ("完成率", "完成率", 22), ("平均进度", "平均进度", 22),
    ("报送率", "报送率", 22)]
ANNEX2_COLUMNS: Columns = [
    ("序号", "排名", 12), ("单位", "单位", 61), ("任务数", "任务数", 15), ("已完成", "已完成", 15),
    ("推进中", "推进中", 15), ("未启动", "未启动", 15), ("未报送", "未报送", 15), ("待修改", "待修改", 15),
    ("逾期", "逾期", 15), ("完成率", "完成率", 21), ("平均进度", "平均进度", 21)]
ANNEX3_COLUMNS: Columns = [
    ("序号", "序号", 11), ("任务编号", "编号", 10), ("任务", "工作任务", 43), ("时限", "完成时限", 33),
    ("牵头", "牵头单位及状态", 36), ("项次", "项次", 11), ("已完成", "已完成", 14), ("推进中", "推进中", 14),
    ("未启动", "未启动", 14), ("待修改", "待修改", 14), ("未报送", "未报送", 14), ("逾期", "逾期", 11)]
INDICATOR_COLUMNS: Columns = [  # 225 mm: the landscape type area
    ("一级", "一级指标", 40), ("编号", "编号", 14), ("指标", "末级指标", 69), ("分值", "分值", 14),
    ("项次", "项次", 14), ("有佐证", "已完成且有佐证", 22), ("自评分", "自评分", 16), ("调整", "说明", 36)]
TEXT_COLUMNS = {"领域", "单位", "任务", "牵头", "指标", "一级"}
# A row field whose cell is one cell merged down over the rows that have the same value, as in a hand-made table
# (附件4: the 一级指标 over its indicators). report.py merges it wherever the template shows it, so a workspace's
# older copy of the template gets it too.
MERGED_DOWN: dict[str, str] = {"附件4": "一级"}
CELL_MARGIN_TWIPS = 57  # 1 mm left and right: narrow number columns keep "100.0%" on one line
Annex = tuple[str, str, Sequence[tuple[str, str, float]], str | None]  # label, title, columns, total field
ANNEXES: list[Annex] = [("附件1", "各领域完成情况统计表", ANNEX1_COLUMNS, "附件1合计"),
           ("附件2", "各单位完成情况统计表", ANNEX2_COLUMNS, "附件2合计"),
           ("附件3", "未完成任务清单", ANNEX3_COLUMNS, None)]

# (style id, name shown in Word, alignment, outline level, first-line indent); all based on Normal
_STYLES = [
    ("ReportTitle", "公文标题", WD_ALIGN_PARAGRAPH.CENTER, None, False),
    ("ReportHeading1", "一级标题", WD_ALIGN_PARAGRAPH.JUSTIFY, 0, True),
    ("ReportHeading2", "二级标题", WD_ALIGN_PARAGRAPH.JUSTIFY, 1, True),
    ("ReportSignature", "落款", WD_ALIGN_PARAGRAPH.RIGHT, None, False),
    ("ReportFigure", "图片", WD_ALIGN_PARAGRAPH.CENTER, None, False),
    ("ReportCaption", "图表题注", WD_ALIGN_PARAGRAPH.CENTER, None, False),
    ("ReportAnnexLabel", "附件标识", WD_ALIGN_PARAGRAPH.LEFT, None, False),
    ("ReportAnnexTitle", "附件标题", WD_ALIGN_PARAGRAPH.CENTER, None, False),
    ("ReportAnnexNote", "附件说明", WD_ALIGN_PARAGRAPH.JUSTIFY, None, False),
    ("ReportAnnexList", "附件说明续行", WD_ALIGN_PARAGRAPH.JUSTIFY, None, False),
    ("ReportAddressee", "主送机关", WD_ALIGN_PARAGRAPH.JUSTIFY, None, False),
    ("ReportTableHeader", "表格表头", WD_ALIGN_PARAGRAPH.CENTER, None, False),
    ("ReportTableText", "表格文字", WD_ALIGN_PARAGRAPH.CENTER, None, False),
]
_ROLE_OF = {style_id: fmt.STYLE_ROLES[style_id] for style_id, *_ in _STYLES}


def build_builtin_template(path: Path) -> Path:
    """Write the built-in report template to `path`."""
    doc = Document()
    _setup_styles(doc)
    _write_body(doc)
    _landscape_section(doc)
    for annex in ANNEXES:
        _write_annex(doc, *annex)
    _para(doc, "{%p if 附件4 %}")  # only when an indicator system is imported
    _write_annex(doc, "附件4", "指标自评得分表", INDICATOR_COLUMNS, "附件4合计")
    _para(doc, "{%p endif %}")
    fmt.apply_gbt9704(doc)
    props = doc.core_properties
    props.title, props.author, props.comments = "自评报告模板", "reporting", "双花括号中的字段由 reporting report 填写"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _setup_styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    pf = normal.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.space_before = pf.space_after = Pt(0)
    pf.widow_control = False
    for style_id, name, alignment, outline, indent in _STYLES:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = style_id
        style.base_style = normal
        style.quick_style = True
        style.paragraph_format.alignment = alignment
        style.font.size = Pt(_ROLE_OF[style_id].size)
        ppr = style.element.get_or_add_pPr()
        if not indent:
            ind = ppr.get_or_add_ind()
            ind.set(qn("w:firstLineChars"), "0")
            ind.set(qn("w:firstLine"), "0")
        if outline is not None:
            ppr.get_or_add_outlineLvl().set(qn("w:val"), str(outline))
    _style_details(doc)


def _style_details(doc) -> None:
    styles = doc.styles
    # 附件说明 (GB/T 9704 7.3.4): "附件：" 左空二字; "2." and "3." under "1."; a long name wraps under its
    # first character (after "1." ~ one character).
    note, rest = styles["附件说明"].paragraph_format, styles["附件说明续行"].paragraph_format
    char = Twips(fmt.CHAR_TWIPS)
    note.left_indent, note.first_line_indent = char * 6, -char * 4
    rest.left_indent, rest.first_line_indent = char * 6, -char * 1
    styles["附件标题"].paragraph_format.space_after = Pt(12)
    styles["附件标识"].paragraph_format.page_break_before = True
    for name in ("公文标题", "附件标题"):
        styles[name].paragraph_format.line_spacing = Pt(36)
    styles["图片"].paragraph_format.line_spacing = 1.0
    for name in ("表格表头", "表格文字"):
        styles[name].paragraph_format.line_spacing = Pt(15)
    styles["表格表头"].font.bold = True


def _para(doc, text: str, style: str = "Normal"):
    return doc.add_paragraph(text, style=style)


def _placeholder(doc, name: str) -> None:
    """A marked place for what only the coordinator knows, on one line, highlighted so it is seen in Word."""
    paragraph = _para(doc, f"{PLACEHOLDER_MARK}{name}】")
    for run in paragraph.runs:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _write_body(doc) -> None:
    _para(doc, "{{ 活动名称 }}{{ 轮次 }}自评报告", "公文标题")
    _para(doc, "")
    _para(doc, "{%p if 主送机关 %}")
    _para(doc, "{{ 主送机关 }}：", "主送机关")
    _para(doc, "{%p endif %}")
    _para(doc, "按照{{ 活动名称 }}工作安排，现将{{ 轮次 }}任务推进情况报告如下。")
    _para(doc, "一、总体情况", "一级标题")
    _para(doc, "本轮分解任务{{ 任务数 }}项，{% if 领域数 > 1 %}分属{{ 领域数 }}个领域，{% endif %}"
               "涉及责任单位{{ 单位数 }}个、{{ 项次数 }}项次。"
               "{% if 已报送单位数 %}截至{{ 数据日期 }}，{{ 已报送单位数 }}个单位报送了推进情况，报送率{{ 报送率 }}"
               "{% if 未报送单位数 %}（{{ 未报送单位数 }}个单位未报送）{% endif %}；已完成{{ 已完成项次 }}项次，"
               "完成率{{ 完成率 }}，平均进度{{ 平均进度 }}{% if 已完成任务数 %}；全部责任单位均已完成的任务"
               "{{ 已完成任务数 }}项{% endif %}。"
               "{% else %}截至{{ 数据日期 }}，尚无单位报送推进情况，以下各项数据均按未报送计。{% endif %}{{ 较上轮 }}")
    _para(doc, "{%p if 领域概况 or 单位概况 or 逾期项次 %}")  # never an empty paragraph
    _para(doc, "{{ 领域概况 }}{{ 单位概况 }}{% if 逾期项次 %}已过完成时限尚未完成的有{{ 逾期项次 }}项次，"
               "涉及任务{{ 逾期任务数 }}项。{% endif %}")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p if 附件4 %}")  # the self-score is a figure of the whole round: with the others, not under an area
    _para(doc, "{{ 指标自评概述 }}")
    _para(doc, "{%p endif %}")
    _placeholder(doc, "第一责任人履职情况")
    # A caption stays on the page of its table, a picture on the page of its caption.
    _para(doc, "表1  任务状态构成（按项次）", "图表题注").paragraph_format.keep_with_next = True
    _state_table(doc)
    _para(doc, "{%p if 领域数 > 1 %}")  # one area: its one bar says nothing the sentence before does not
    _para(doc, "{{ 图_领域完成率 }}", "图片").paragraph_format.keep_with_next = True
    _para(doc, "图1  各领域完成率", "图表题注")
    _para(doc, "{%p endif %}")
    _para(doc, "二、主要工作及成效", "一级标题")
    _placeholder(doc, "主要亮点")
    _sections(doc, "主要工作", "截至{{ 数据日期 }}，各单位尚未报送工作举措及成效。")
    # Later sections of the report go here, each optional (`{%p if … %}`), within the length budget
    # tests/test_report_length.py holds.
    _para(doc, "三、存在的问题", "一级标题")
    _sections(doc, "存在问题", "截至{{ 数据日期 }}，未发现需要报告的问题。")
    _para(doc, "{%p if 存在问题 %}")  # no problem: no cause to analyse
    _placeholder(doc, "原因分析")
    _para(doc, "{%p endif %}")
    _para(doc, "四、下一步工作打算", "一级标题")
    _sections(doc, "下一步计划", "下一步，将继续按照任务分解表推进各项工作，确保按时保质完成。")
    _para(doc, "")
    _para(doc, "附件：1.各领域完成情况统计表", "附件说明")
    _para(doc, "2.各单位完成情况统计表", "附件说明续行")
    _para(doc, "3.未完成任务清单", "附件说明续行")
    _para(doc, "{%p if 附件4 %}")
    _para(doc, "4.指标自评得分表", "附件说明续行")
    _para(doc, "{%p endif %}")
    _para(doc, "")  # GB/T 9704 7.3.5.2: the signature one line below the 附件说明
    _para(doc, "{%p for 单位 in 落款单位 %}")
    _para(doc, "{{ 单位 }}", "落款")
    _para(doc, "{%p endfor %}")
    _para(doc, "{{ 成文日期 }}", "落款")


def _sections(doc, field: str, empty_text: str) -> None:
    """One level-2 heading (when the section has a title) and its paragraphs per section of `field`."""
    _para(doc, f"{{%p if not {field} %}}")
    _para(doc, empty_text)
    _para(doc, "{%p endif %}")
    _para(doc, f"{{%p for 节 in {field} %}}")
    _para(doc, "{%p if 节.标题 %}")
    _para(doc, "{{ 节.标题 }}", "二级标题")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p for 段 in 节.段落 %}")
    _para(doc, "{{ 段 }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")


def _landscape_section(doc) -> None:
    """The annexes start a new section on landscape pages (GB/T 9704 margins turned with the page)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width


def _write_annex(doc, label: str, title: str, columns: Sequence[tuple[str, str, float]], total: str | None,
                 ) -> None:
    paragraph = _para(doc, label, "附件标识")
    if label == "附件1":  # the section break already starts a page
        paragraph.paragraph_format.page_break_before = False
    _para(doc, title, "附件标题")
    _para(doc, "（数据截至{{ 数据日期 }}）", "图表题注")
    if label == "附件3":
        _para(doc, "{%p if not 附件3 %}")
        _para(doc, "截至{{ 数据日期 }}，所有任务均已完成。")
        _para(doc, "{%p endif %}")
    _table(doc, columns, label, total)


def _state_table(doc) -> None:
    """表1 across the page: a column per state (状态构成 rows in order, the last being 合计), two rows."""
    states = ["已完成", "推进中", "未启动", "待修改", "未报送", "合计"]
    table = doc.add_table(rows=3, cols=len(states) + 1)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = [["状态", *states], ["项次"], ["占比"]]
    cells[1] += [f"{{{{ 状态构成[{index}].项次 }}}}" for index in range(len(states))]
    cells[2] += [f"{{{{ 状态构成[{index}].占比 }}}}" for index in range(len(states))]
    for row, texts in zip(table.rows, cells, strict=True):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, text in zip(row.cells, texts, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.text = text
            paragraph.style = doc.styles["表格表头" if row is table.rows[0] or cell is row.cells[0] else "表格文字"]
            paragraph.paragraph_format.keep_with_next = False
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    fmt.set_table_widths(table, [20.0] + [20.0] * len(states))


def _table(doc, columns: Sequence[tuple[str, str, float]], rows_field: str, total: str | None,
           keep_together: bool = False) -> None:
    """Header row, a `{%tr for %}` row over `rows_field`, and an optional 合计 row."""
    table = doc.add_table(rows=4 + bool(total), cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, loop, data, end = table.rows[:4]
    for cell, (_, caption, _) in zip(header.cells, columns, strict=True):
        cell.paragraphs[0].text, cell.paragraphs[0].style = caption, doc.styles["表格表头"]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    loop.cells[0].paragraphs[0].text = f"{{%tr for r in {rows_field} %}}"
    end.cells[0].paragraphs[0].text = "{%tr endfor %}"
    for cell, (key, _, _) in zip(data.cells, columns, strict=True):
        cell.paragraphs[0].text, cell.paragraphs[0].style = f"{{{{ r.{key} }}}}", doc.styles["表格文字"]
        if key in TEXT_COLUMNS:  # names and task texts read from the left; numbers stay centred
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
    if total:
        for index, (cell, (key, _, _)) in enumerate(zip(table.rows[4].cells, columns, strict=True)):
            text = "合计" if index == 0 else f"{{{{ {total}.{key} }}}}"
            cell.paragraphs[0].text, cell.paragraphs[0].style = text, doc.styles["表格文字"]
    for row in (loop, end):
        for cell in row.cells:
            cell.paragraphs[0].style = doc.styles["表格文字"]
    for row in table.rows[2:]:  # a unit's or a task's row whole on one page, never half on the next
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    if keep_together:  # a short table on one page, with what follows it (its picture or caption)
        for row in table.rows:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            for cell in row.cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True
    margins = fmt.ensure_child(table._tbl.tblPr, "w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    fmt.set_table_widths(table, [width for *_, width in columns])


def main(argv: list[str]) -> None:
    target = Path(argv[0]) if argv else builtin_template("docx")
    build_builtin_template(target)
    print(f"已生成 {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
