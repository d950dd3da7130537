"""The report's GB/T 9704 format read from its XML, and the report template: built-in file and pre-flight."""

from __future__ import annotations

import re
import zipfile

import docx
import pytest
from campaign import ROUND, SIGNERS, build_campaign
from click.testing import CliRunner
from docxtpl import DocxTemplate
from lxml import etree

from reporting.cli import main
from reporting.docx_format import schema_order
from reporting.errors import TemplateError
from reporting.report import write_report
from reporting.report_template import FIELDS, REQUIRED_FIELDS, build_builtin_template
from reporting.templates import builtin_template

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MM_TWIPS = 1440 / 25.4


@pytest.fixture
def campaign_ws(ws):
    build_campaign(ws)
    return ws


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    from reporting.workspace_init import init_workspace

    ws = init_workspace(tmp_path_factory.mktemp("格式") / "工作目录")
    build_campaign(ws)
    path = write_report(ws).docx
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xml(package: dict, name: str):
    return etree.fromstring(package[name])


def parts(package: dict, prefix: str) -> list[str]:
    return [name for name in package if re.fullmatch(rf"word/{prefix}\d*\.xml", name)]


def test_a4_and_margins(package):
    """Main text portrait; the annexes landscape, the margins turned with the page (binding edge on top)."""
    sections = list(xml(package, "word/document.xml").iter(f"{W}sectPr"))
    assert len(sections) == 2
    for sect, size, sides in ((sections[0], (11906, 16838), {"top": 37, "bottom": 35, "left": 28, "right": 26}),
                              (sections[1], (16838, 11906), {"top": 28, "bottom": 26, "left": 37, "right": 35})):
        page, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
        assert (int(page.get(f"{W}w")), int(page.get(f"{W}h"))) == size
        for side, mm in sides.items():
            assert int(margins.get(f"{W}{side}")) == pytest.approx(mm * MM_TWIPS, abs=1)


def test_every_run_names_its_east_asian_font(package):
    for name in ["word/document.xml", *parts(package, "footer"), *parts(package, "header")]:
        for run in xml(package, name).iter(f"{W}r"):
            fonts = run.find(f"{W}rPr/{W}rFonts")
            assert fonts is not None, name
            for attr in ("eastAsia", "ascii", "hAnsi"):
                assert fonts.get(f"{W}{attr}"), (name, attr)


def test_no_theme_fonts_anywhere(package):
    for name, data in package.items():
        if name.endswith(".xml") and not name.startswith("word/theme/"):
            assert not re.search(rb"w:(asciiTheme|hAnsiTheme|eastAsiaTheme|cstheme)=", data), name


def test_fonts_and_sizes_by_role(package):
    body = xml(package, "word/document.xml").find(f"{W}body")
    paragraphs = {_text(p): p for p in body.iter(f"{W}p") if _text(p)}

    def font(text: str) -> tuple[str, str]:
        fonts = paragraphs[text].find(f"{W}r/{W}rPr/{W}rFonts")
        size = paragraphs[text].find(f"{W}r/{W}rPr/{W}sz")
        return fonts.get(f"{W}eastAsia"), size.get(f"{W}val")

    title = next(text for text in paragraphs if text.endswith("自评报告"))
    assert font(title) == ("方正小标宋简体", "44")
    assert font("一、总体情况") == ("黑体", "32")
    assert font("（一）依法全面履行政府职能") == ("楷体_GB2312", "32")
    opening = next(text for text in paragraphs if text.startswith("按照"))
    assert font(opening) == ("仿宋_GB2312", "32")
    spacing = paragraphs[opening].find(f"{W}pPr/{W}spacing")
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("578", "exact")
    assert paragraphs[opening].find(f"{W}pPr/{W}ind").get(f"{W}firstLineChars") == "200"


def test_signature_and_date_placed_as_gbt9704(package):
    body = xml(package, "word/document.xml").find(f"{W}body")
    indents = {_text(p): int(p.find(f"{W}pPr/{W}ind").get(f"{W}right")) for p in body.iter(f"{W}p")
               if _text(p) in (*SIGNERS, "2026年7月6日")}
    char = 315  # one 16 pt character with its -0.25 pt spacing (28 a line), in twips
    assert indents[SIGNERS[0]] == 2 * char  # the longest body: 右空二字
    assert indents[SIGNERS[1]] == 2 * char + (15 - 5) * char // 2  # centred on it
    date_width = 6 + 5 / 4  # 2026 年 7 月 6 日: digits half a character, a quarter between digits and Chinese
    assert indents["2026年7月6日"] == round((15 - date_width) * char)  # its first character two right of the body's


def test_tables_have_explicit_grids(package):
    for table in xml(package, "word/document.xml").iter(f"{W}tbl"):
        columns = [int(col.get(f"{W}w")) for col in table.findall(f"{W}tblGrid/{W}gridCol")]
        assert columns and all(width > 0 for width in columns)
        assert sum(columns) <= round(225 * MM_TWIPS) + 2  # annexes are on landscape pages
        assert table.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        for row in table.findall(f"{W}tr"):
            cells = row.findall(f"{W}tc")
            assert sum(int(c.find(f"{W}tcPr/{W}gridSpan").get(f"{W}val")) if c.find(f"{W}tcPr/{W}gridSpan")
                       is not None else 1 for c in cells) == len(columns)
            for cell in cells:
                width = cell.find(f"{W}tcPr/{W}tcW")
                assert width.get(f"{W}type") == "dxa" and int(width.get(f"{W}w")) > 0


def test_page_number_field_in_the_footer(package):
    footers = [xml(package, name) for name in parts(package, "footer")]
    assert footers
    for footer in footers:
        instructions = "".join(t.text or "" for t in footer.iter(f"{W}instrText"))
        assert re.search(r"\bPAGE\b", instructions)
        assert _text(footer).startswith("— ") and _text(footer).endswith(" —")
        assert footer.find(f".//{W}rFonts").get(f"{W}eastAsia") == "宋体"
        assert footer.find(f".//{W}sz").get(f"{W}val") == "28"
    settings = package["word/settings.xml"]
    assert b"evenAndOddHeaders" in settings


def test_elements_are_in_schema_order(package):
    """Word calls a file with misplaced pPr/rPr/tblPr children damaged: ordering them again changes nothing."""
    for name in ["word/document.xml", "word/styles.xml", *parts(package, "footer")]:
        root = xml(package, name)
        before = etree.tostring(root)
        schema_order(root)
        assert etree.tostring(root) == before, name


def test_fallback_fonts_for_word(package):
    table = xml(package, "word/fontTable.xml")
    alternatives = {f.get(f"{W}name"): f.find(f"{W}altName").get(f"{W}val") for f in table.findall(f"{W}font")
                    if f.find(f"{W}altName") is not None}
    assert alternatives["仿宋_GB2312"] == "仿宋" and alternatives["方正小标宋简体"] == "宋体"


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


# -- the template ----------------------------------------------------------------------------------------


def document_text(path) -> list[str]:
    doc = docx.Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    lines += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    lines += [p.text for section in doc.sections for p in section.footer.paragraphs]
    return lines


def test_committed_template_is_what_the_builder_makes(tmp_path):
    built = build_builtin_template(tmp_path / "自评报告模板.docx")
    assert document_text(builtin_template("docx")) == document_text(built)


def test_template_fields_are_the_contract():
    used = DocxTemplate(str(builtin_template("docx"))).get_undeclared_template_variables()
    assert set(REQUIRED_FIELDS) <= used <= set(FIELDS)


def edit_template(ws, replacements: dict[str, str]):
    """The workspace copy of the template with some paragraph texts replaced, as a coordinator would in Word."""
    path = ws.templates / "docx" / "自评报告模板.docx"
    doc = docx.Document(str(path))
    for paragraph in doc.paragraphs:
        for old, new in replacements.items():
            if old in paragraph.text:
                paragraph.runs[0].text = paragraph.text.replace(old, new)
                for run in paragraph.runs[1:]:
                    run.text = ""
    doc.save(str(path))
    return path


def test_missing_required_field_is_named_before_anything_is_written(campaign_ws):
    edit_template(campaign_ws, {"完成率{{ 完成率 }}": "完成率", "{{ 成文日期 }}": "2026年7月1日"})
    with pytest.raises(TemplateError) as caught:
        write_report(campaign_ws)
    assert str(caught.value) == "模板 templates/docx/自评报告模板.docx 缺少字段：完成率、成文日期"
    assert not (campaign_ws.outbox / ROUND).exists()


def test_syntax_error_names_the_template_and_the_jinja_error(campaign_ws):
    edit_template(campaign_ws, {"一、总体情况": "一、总体推进情况{{ 完成率 "})
    with pytest.raises(TemplateError, match=r"模板 templates/docx/自评报告模板\.docx 有语法错误：.+"):
        write_report(campaign_ws)


def test_unknown_field_is_named(campaign_ws):
    edit_template(campaign_ws, {"一、总体情况": "一、总体推进情况{{ 完成比例 }}"})
    with pytest.raises(TemplateError, match="含有未知字段：完成比例"):
        write_report(campaign_ws)


def test_not_a_docx(campaign_ws):
    (campaign_ws.templates / "docx" / "自评报告模板.docx").write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match="不是有效的 Word"):
        write_report(campaign_ws)


def test_coordinator_wording_is_kept(campaign_ws):
    edit_template(campaign_ws, {"二、主要工作及成效": "二、主要做法和成效"})
    lines = [p.text for p in docx.Document(str(write_report(campaign_ws).docx)).paragraphs]
    assert "二、主要做法和成效" in lines and "二、主要工作及成效" not in lines


def test_builtin_template_when_the_workspace_has_none(campaign_ws):
    (campaign_ws.templates / "docx" / "自评报告模板.docx").unlink()
    result = write_report(campaign_ws)
    assert result.template == builtin_template("docx") and result.template_label == "内置模板 自评报告模板.docx"


def test_cli_template_error_is_one_line(campaign_ws):
    edit_template(campaign_ws, {"{{ 成文日期 }}": ""})
    result = CliRunner().invoke(main, ["report", "-w", str(campaign_ws.root)])
    assert result.exit_code == 1
    assert result.output == "错误：模板 templates/docx/自评报告模板.docx 缺少字段：成文日期\n"


# -- GB/T 9704 checklist (the points not covered above) ----------------------------------------------


def _styles(package: dict) -> dict:
    return {s.get(f"{W}styleId"): s for s in xml(package, "word/styles.xml").iter(f"{W}style")}


def test_grid_of_22_lines_and_28_characters(package):
    from reporting.docx_format import CHAR_TWIPS, LINE_TWIPS, TEXT_WIDTH_TWIPS

    for sect in xml(package, "word/document.xml").iter(f"{W}sectPr"):
        grid = sect.find(f"{W}docGrid")
        assert (grid.get(f"{W}type"), grid.get(f"{W}linePitch")) == ("lines", str(LINE_TWIPS))
    type_area_height = round(225 * MM_TWIPS)
    assert type_area_height // LINE_TWIPS == 22
    defaults = xml(package, "word/styles.xml").find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults.find(f"{W}spacing").get(f"{W}val") == "-5" and defaults.find(f"{W}sz").get(f"{W}val") == "32"
    assert TEXT_WIDTH_TWIPS // CHAR_TWIPS == 28


def test_title_broken_at_a_word_boundary(package):
    body = xml(package, "word/document.xml").find(f"{W}body")
    title = next(p for p in body.iter(f"{W}p") if p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "ReportTitle")
    lines = [t.text for t in title.iter(f"{W}t")]
    assert lines == ["某县法治政府建设示范创建", f"{ROUND}自评报告"] and len(list(title.iter(f"{W}br"))) == 1
    assert _styles(package)["ReportTitle"].find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"


def test_title_lines_make_a_trapezoid_or_diamond():
    from reporting.docx_format import _width, title_lines

    for text in ("云溪县法治政府建设示范创建2026年第四季度自评报告", "湖南省衡南县咸塘镇贯彻落实法治政府建设"
                 "实施纲要2026年度中期评估报告", "某市人民政府2026年度法治政府建设情况报告"):
        lines = title_lines(text)
        assert "".join(lines) == text and all(_width(line) <= 20 for line in lines)
        widths = [_width(line) for line in lines]
        assert widths in (sorted(widths), sorted(widths, reverse=True)) or widths[1] == max(widths)
        assert not any(re.search(r"\d$", line) for line in lines[:-1])  # "2026年" stays whole
    assert title_lines("短标题自评报告") == ["短标题自评报告"]


@pytest.mark.parametrize(("text", "lines"), [
    ("湖南省株洲市法治政府建设示范创建2026年上半年自评报告",
     ["湖南省株洲市法治政府建设示范创建", "2026年上半年自评报告"]),
    ("云溪县法治政府建设示范市创建2026年第四季度自评报告", ["云溪县法治政府建设示范市创建", "2026年第四季度自评报告"]),
    ("长沙县创建全国法治政府建设示范县2026年第二季度自评报告",
     ["长沙县创建全国法治政府建设示范县", "2026年第二季度自评报告"]),
    ("云溪县2026年法治政府建设示范创建第三季度自评报告", ["云溪县2026年法治政府建设示范创建", "第三季度自评报告"]),
    ("湖南省衡南县咸塘镇贯彻落实法治政府建设实施纲要2026年度中期评估报告",
     ["湖南省衡南县咸塘镇", "贯彻落实法治政府建设实施纲要", "2026年度中期评估报告"]),
])
def test_a_title_breaks_between_the_campaign_and_the_round(text, lines):
    """Before, the most even split won: "…法治政府建设" / "示范创建2026年上半年自评报告" cut the campaign's name."""
    from reporting.docx_format import title_lines

    assert title_lines(text) == lines


def test_annex_note_aligned_under_the_first_name(package):
    from reporting.docx_format import CHAR_TWIPS

    styles = _styles(package)
    first, rest = (styles[name].find(f"{W}pPr/{W}ind") for name in ("ReportAnnexNote", "ReportAnnexList"))
    # 附件： starts two characters in; 2. and 3. start under 1., five characters in
    assert int(first.get(f"{W}left")) - int(first.get(f"{W}hanging")) == 2 * CHAR_TWIPS
    assert int(rest.get(f"{W}left")) - int(rest.get(f"{W}hanging")) == 5 * CHAR_TWIPS
    body = xml(package, "word/document.xml").find(f"{W}body")
    for paragraph in body.iter(f"{W}p"):
        if paragraph.find(f"{W}pPr/{W}pStyle") is not None and paragraph.find(f"{W}pPr/{W}pStyle").get(
                f"{W}val") in ("ReportAnnexNote", "ReportAnnexList"):
            indent = paragraph.find(f"{W}pPr/{W}ind")
            assert indent is None or indent.get(f"{W}firstLine") is None  # no body indent on top


def test_signature_one_line_below_the_annex_note(package):
    body = xml(package, "word/document.xml").find(f"{W}body")
    texts = [_text(p) for p in body.iter(f"{W}p")]
    last_note = max(i for i, t in enumerate(texts) if t.startswith("3.未完成任务清单"))
    assert texts[last_note + 1:last_note + 4] == ["", *SIGNERS[:2]]
