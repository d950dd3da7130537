"""The parts of the .xlsx files we write, validated against the OOXML schemas (issue 17: there is no Excel here).

Real files, made the way the commands make them: a unit workbook from generate (password, awkward task text),
a receipt from collect (red cells with comments: comments and VML parts), and 汇总台账 from consolidate (its long
sheets are hand-written sheet XML put into xlsxwriter's file: sheet_xml.py, summary_long.py), and 自评报告.docx
from report (docx_format.py writes some of its XML). The unit workbook and the receipt are written part by
part by reporting/xlsx_writer.py.

Four checks, with what `pip install -e '.[test]'` installs:

- openxml-audit (a pure-Python port of the Open XML SDK's validation, with the SDK's schema data for ECMA-376
  transitional and Office's extensions): every XML part of each file (sheets, shared strings, styles,
  workbook, comments, drawings, charts, theme, docProps), element by element and in order, with attribute
  types and enumerations; also the package (parts, relationships) and the SDK's semantic rules.
  Extensions are handled the standard way, as ECMA-376 Part 3 (Markup Compatibility) and Excel do, instead
  of being stripped before a strict XSD validation that would reject them: elements and attributes of a
  namespace named in mc:Ignorable are skipped, mc:AlternateContent is resolved, and inside an extLst the
  <ext> content is validated where its elements are known (x14, …) and otherwise left alone (the schema's
  processContents="lax"). Today none of our parts carries any (no mc:Ignorable, no extLst).
- Undeclared attributes with the same schema data: openxml-audit checks them only on element names that
  have one type, which leaves out SpreadsheetML's <row> and <c>, the cells we write ourselves.
- lxml.etree.XMLSchema with the ECMA-376 Part 2 (Open Packaging Conventions) schemas in tests/schemas/
  (opc-contentTypes.xsd, opc-relationships.xsd, unmodified; see tests/schemas/README.md): [Content_Types].xml
  and every .rels part, which openxml-audit does not validate against a schema.
- What no schema says but Excel repairs a file for: rows and cells in order, each cell in its row, shared
  string indexes within the table.

ECMA's own SpreadsheetML XSD set (sml.xsd and the shared and DrawingML schemas it imports) is in no package
the test install can fetch; openxml-audit carries the same schemas as the SDK's data (tests/schemas/README.md).
Not validated against a schema: the legacy VML drawing of the comments (xl/drawings/vmlDrawing*.vml, whose
root is Excel's unqualified <xml> wrapper, in no schema); it is still parsed as XML. Each check is shown to
catch a fault planted in a real part.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from campaign import build_campaign
from lxml import etree
from openxml_audit import FileFormat, OpenXmlValidator, SourceClass, ValidationError, ValidationSeverity
from openxml_audit.codegen.schema_loader import get_registry
from returns import ROUND, done, ongoing, record_round, write_return
from test_xlsx_writer import CASES, _both, _merged_guide

from reporting import summary_long
from reporting.collect import collect_inbox
from reporting.generate import DISTRIBUTION_FILE, LEDGER_DIR, generate_round
from reporting.models import Task, Unit
from reporting.report import write_report
from reporting.roster import write_roster
from reporting.summary_long import DETAILS, OVERDUE, PROBLEMS
from reporting.summary_xlsx import SHEETS, consolidate
from reporting.task_ledger import write_ledger
from reporting.templates import builtin_template
from reporting.workbook_template import load_template
from reporting.workspace import Settings, Workspace
from reporting.workspace_init import init_workspace

SCHEMAS = Path(__file__).parent / "schemas"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
GENERATED_ROUND = "2026年第四季度"
AWKWARD = ['a & b < c > d "q"', " 前后有空格 ", "两行\n文字", "字面 _x0041_ 转义", "=1+1", "<r><t>看似富文本</t></r>",
           "长" * 400]


# -- the validators -------------------------------------------------------------------------------------


# Findings openxml-audit makes as warnings about how Excel treats valid content, accepted here: Excel moves
# inline strings (what xlsxwriter's constant_memory mode writes, and sheet_xml.py after it) into the shared
# strings table when it saves the file again. That is by design: the long sheets are written once.
ACCEPTED_WARNINGS = {"Excel_InlineStrCells"}




def _accepted(error: ValidationError) -> bool:
    if error.severity is ValidationSeverity.WARNING and error.id in ACCEPTED_WARNINGS:
        return True
    # 自评报告 comes from python-docx's default template, which carries Word 2010's stylesWithEffects.xml; the
    # styles the report adds and sets go into styles.xml only. openxml-audit's own heuristic (not the SDK's)
    # takes the drift for a cause of Word's "unreadable content" dialog; nothing here can confirm it.
    return error.source_class is SourceClass.WORD_APP_COMPAT and "stylesWithEffects" in error.part_uri


# ECMA-376's sml.xsd declares a font of styles.xml (CT_Font) as a repeatable choice: its children may come in
# any order, and openpyxl writes them as name, family, b, color, sz. The Open XML SDK's schema data, which
# openxml-audit carries, has them as a sequence in this order, and would report openpyxl's valid order as
# unexpected elements (and check no further in that font): such fonts are put in this order before validation.
FONT_ORDER = ["b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color",
              "name", "family", "charset", "scheme"]
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _fonts_in_schema_order(styles: bytes) -> bytes | None:
    """styles.xml with every font's children in FONT_ORDER; None when they all are already."""
    root = etree.fromstring(styles)
    rank = {f"{{{_MAIN}}}{name}": i for i, name in enumerate(FONT_ORDER)}
    changed = False
    for font in root.iter(f"{{{_MAIN}}}font"):
        children = list(font)
        ordered = sorted(children, key=lambda child: rank.get(child.tag, len(rank)))
        if ordered != children:
            font[:] = ordered
            changed = True
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True) if changed else None


def audit_errors(path: Path) -> list[str]:
    """openxml-audit's findings for the file, against ECMA-376 transitional as Office 2010 reads it (the oldest
    Excel the files may meet that takes data validation lists from another sheet), but the accepted ones."""
    with zipfile.ZipFile(path) as zf:
        styles = _fonts_in_schema_order(zf.read("xl/styles.xml")) if "xl/styles.xml" in zf.namelist() else None
    with tempfile.TemporaryDirectory() as folder:
        if styles is not None:
            path = with_part(path, Path(folder) / path.name, "xl/styles.xml", lambda _: styles)
        result = OpenXmlValidator(file_format=FileFormat.OFFICE_2010, max_errors=0).validate(path)
    return [str(error) for error in result.errors if not _accepted(error)]


@cache
def _declared_attributes(tag: str) -> frozenset[str] | None:
    """The attributes (Clark names) any type of the element name `tag` declares; None for an element name the
    schema data does not know (package parts, Dublin Core)."""
    registry = get_registry()
    candidates = registry.get_element_type_candidates(tag)
    if not candidates:
        return None
    names = set()
    for element_type in candidates:
        for attribute in element_type.attributes:
            namespace = registry.get_namespace(attribute.prefix) if attribute.prefix else None
            names.add(f"{{{namespace}}}{attribute.local_name}" if namespace else attribute.local_name)
    return frozenset(names)


def undeclared_attributes(path: Path) -> list[str]:
    """Attributes that no type of their element's name declares. openxml-audit checks undeclared attributes only
    on element names that have a single type in the schema data, which leaves out SpreadsheetML's <c> and <row>
    (the cells we write ourselves): this check covers them, with the same schema data."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            for element in etree.fromstring(zf.read(name)).iter():
                declared = _declared_attributes(element.tag) if isinstance(element.tag, str) else None
                if declared is None:
                    continue
                namespace = etree.QName(element).namespace
                for attribute in element.attrib:
                    own = etree.QName(attribute).namespace
                    if attribute not in declared and own in (None, namespace, REL):  # foreign ones: extensions
                        found.append(f"{name}: <{etree.QName(element).localname} {attribute}=…>")
    return found


@cache
def _opc_schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def opc_schema(part: str) -> etree.XMLSchema | None:
    if part == "[Content_Types].xml":
        return _opc_schema("opc-contentTypes.xsd")
    if part.endswith(".rels"):
        return _opc_schema("opc-relationships.xsd")
    return None


def opc_errors(path: Path) -> list[str]:
    """The package parts ([Content_Types].xml, *.rels) against the ECMA-376 Part 2 schemas; every other part
    must at least be well-formed XML."""
    errors = []
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "[Content_Types].xml" in names and "_rels/.rels" in names
        for name in names:
            if not name.endswith((".xml", ".rels", ".vml")):
                continue  # images
            root = etree.fromstring(zf.read(name))  # raises on anything not well-formed
            schema = opc_schema(name)
            if schema is not None and not schema.validate(root):
                errors += [f"{name}:{e.line}: {e.message}" for e in schema.error_log]
    return errors


_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def cell_order_errors(path: Path) -> list[str]:
    """What no schema says but Excel repairs a file for (xlsxwriter's constant_memory mode exists because of
    it): in each worksheet, rows in ascending order, each cell in its row, cells in ascending columns; a
    shared string's index within the shared strings table."""
    errors = []
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        strings = 0
        if "xl/sharedStrings.xml" in names:
            strings = len(etree.fromstring(zf.read("xl/sharedStrings.xml")).findall(f"{{{_MAIN}}}si"))
        for name in names:
            if not re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                continue
            last_row = 0
            for row in etree.fromstring(zf.read(name)).iter(f"{{{_MAIN}}}row"):
                number = int(row.get("r", last_row + 1))
                if number <= last_row:
                    errors.append(f"{name}: row {number} after row {last_row}")
                last_row, last_col = number, 0
                for cell in row.iter(f"{{{_MAIN}}}c"):
                    match = _REF.fullmatch(cell.get("r", ""))
                    if match is None or int(match.group(2)) != number:
                        errors.append(f"{name}: cell {cell.get('r')} in row {number}")
                        continue
                    col = _column(match.group(1))
                    if col <= last_col:
                        errors.append(f"{name}: cell {cell.get('r')} after column {last_col}")
                    last_col = col
                    value = cell.findtext(f"{{{_MAIN}}}v")
                    if cell.get("t") == "s" and not (value and value.isdigit() and int(value) < strings):
                        errors.append(f"{name}: cell {cell.get('r')} names shared string {value} of {strings}")
    return errors


def assert_valid(path: Path) -> None:
    assert opc_errors(path) == []
    assert audit_errors(path) == []
    assert undeclared_attributes(path) == []
    assert cell_order_errors(path) == []


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def with_part(path: Path, target: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of the package at `path` with one part changed."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            out.writestr(info, change(data) if info.filename == name else data)
    return target


# -- the files ------------------------------------------------------------------------------------------


def _workspace(tmp_path_factory, name: str) -> Workspace:
    return init_workspace(tmp_path_factory.mktemp(name) / "司法局工作目录")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Workspace:
    ws = _workspace(tmp_path_factory, "generate")
    tasks = [Task(id=str(i), text=text, path=["(一)依法全面履行政府职能", "1.深化改革"], lead=["县财政局"],
                  deadline="2026-12-31" if i % 2 else "长期", targets=["覆盖率≥90%"] if i % 3 == 0 else [])
             for i, text in enumerate(AWKWARD, start=1)]
    write_ledger(tasks, ws.ledger_path, title="测试方案")
    write_roster([Unit(name="县财政局", category="部门", liaison="王五", phone="0731-2345678")], ws.roster_path)
    ws.save_settings(Settings(campaign="某县 & 法治 <示范>", round_name=GENERATED_ROUND, contact="县司法局 张三"))
    generate_round(ws, password="秘密 & pw")
    return ws


@pytest.fixture(scope="module")
def unit_workbook(generated) -> Path:
    return generated.round_dir(GENERATED_ROUND) / LEDGER_DIR / "县财政局.xlsx"


@pytest.fixture(scope="module")
def receipt(tmp_path_factory) -> Path:
    ws = _workspace(tmp_path_factory, "collect")
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局",
                 {"1": done(工作举措及成效=AWKWARD[0], 佐证材料=None),
                  "2": ongoing(**{"完成进度(%)": "大半", "存在问题": AWKWARD[1]}),
                  "3": ongoing(下一步计划=AWKWARD[3])})
    returned = collect_inbox(ws).returns[0]
    assert returned.errors > 0  # so the receipt has red cells with comments
    return ws.round_dir(ROUND) / "回执" / "县财政局.xlsx"


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> Path:
    ws = _workspace(tmp_path_factory, "consolidate")
    build_campaign(ws)
    return consolidate(ws)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    ws = _workspace(tmp_path_factory, "report")
    build_campaign(ws)
    return write_report(ws).docx


# -- the tests ------------------------------------------------------------------------------------------


def test_the_schemas_compile_and_the_validator_is_installed():
    assert os.path.getsize(SCHEMAS / "opc-contentTypes.xsd") > 0
    assert opc_schema("[Content_Types].xml") is not None and opc_schema("xl/_rels/workbook.xml.rels") is not None


def test_generated_unit_workbook_is_schema_valid(unit_workbook):
    names = parts(unit_workbook)
    assert {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "docProps/custom.xml"} <= set(names)
    assert any(b"<sheetProtection" in data for data in names.values())
    assert_valid(unit_workbook)


def test_receipt_with_comments_is_schema_valid(receipt):
    names = parts(receipt)
    comments = [name for name in names if re.fullmatch(r"xl/comments\d+\.xml", name)]
    assert comments and all(b"<comment " in names[name] for name in comments)
    assert any(name.startswith("xl/drawings/vmlDrawing") for name in names)
    assert_valid(receipt)


def test_plain_workbooks_are_schema_valid(generated):
    """任务分解表, 单位名册 and 分发清单 (plain_xlsx.py, through xlsxwriter), from the workspace of generate."""
    distribution = generated.round_dir(GENERATED_ROUND) / DISTRIBUTION_FILE
    for path in (generated.ledger_path, generated.roster_path, distribution):
        assert_valid(path)


@pytest.mark.parametrize("case", [*CASES, "merged guide"])
def test_every_kind_of_workbook_xlsx_writer_writes_is_schema_valid(tmp_path, case):
    """The cases test_xlsx_writer.py holds byte for byte to xlsxwriter: ledger, password, no rows, receipts
    with and without problems, a guide with merged cells; text with control characters and _xHHHH_."""
    spec = load_template(builtin_template("xlsx"))
    fast, _ = _both(tmp_path, "book", _merged_guide(spec) if case == "merged guide" else spec, **CASES.get(case, {}))
    assert_valid(fast)


def test_summary_with_hand_written_long_sheets_is_schema_valid(summary):
    names = parts(summary)
    assert all(names[part].count(b"<row ") > 3 for part in _long_parts())  # written by sheet_xml.py
    assert any(name.startswith("xl/charts/chart") for name in names)
    assert_valid(summary)


def test_report_with_hand_written_runs_and_fonts_is_schema_valid(report):
    """自评报告.docx: docx_format.py writes page-number field runs and font table entries as XML, and moves
    paragraph and run properties about; docxtpl renders the template's XML."""
    names = parts(report)
    assert any(b"<w:instrText" in data for name, data in names.items() if name.startswith("word/footer"))
    assert b"<w:altName " in names["word/fontTable.xml"]
    assert_valid(report)


def test_summary_with_long_sheets_made_by_worker_processes_is_schema_valid(tmp_path, monkeypatch, summary):
    """The long lists of a large round are made by two worker processes as deflated segments of sheet XML and
    put into the package as they are (summary_long.py, sheet_xml.py): the same parts, made the other way."""
    monkeypatch.setattr(summary_long, "THRESHOLD", 1)
    ws = init_workspace(tmp_path / "司法局工作目录")
    build_campaign(ws)
    path = consolidate(ws, workers=2)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
    made, here = parts(path), parts(summary)
    assert all(made[part] == here[part] for part in _long_parts())
    assert_valid(path)


# -- each validator catches a fault planted in a real part ---------------------------------------------


def _long_parts() -> list[str]:
    """The sheet parts of 任务明细, 逾期未完成 and 问题与计划 in 汇总台账."""
    names = [name for name, _ in SHEETS]
    return [f"xl/worksheets/sheet{names.index(name) + 1}.xml" for name in (DETAILS, OVERDUE, PROBLEMS)]


def _rows(data: bytes) -> list[bytes]:
    return re.findall(rb'<row r="\d+".*?</row>', data)


@pytest.mark.parametrize("fault", ["cell type", "cell after row end", "element order", "text element",
                                   "row attribute", "cell attribute", "rows swapped", "row twice",
                                   "cell in another row", "cells swapped"])
def test_a_fault_in_a_hand_written_sheet_is_found(summary, tmp_path, fault):
    name = _long_parts()[0]  # 任务明细
    change = {
        "cell type": lambda data: data.replace(b't="inlineStr"', b't="inline"', 1),
        "cell after row end": lambda data: re.sub(rb"(<row r=\"(\d+)\">)(<c .*?</c>)(.*?</row>)",
                                                  rb"\1\4\3", data, count=1),  # <c> outside its <row>
        "element order": lambda data: re.sub(rb"(<sheetViews>.*?</sheetViews>)(<sheetFormatPr[^>]*/>)",
                                             rb"\2\1", data, count=1),
        "text element": lambda data: re.sub(rb"<is><t>(.*?)</t></is>", rb"<is><text>\1</text></is>", data, count=1),
        "row attribute": lambda data: data.replace(b'<row r="', b'<row height="20" r="', 1),
        "cell attribute": lambda data: data.replace(b' t="inlineStr"', b' t="inlineStr" style="1"', 1),
        "rows swapped": lambda data: data.replace(b"".join(_rows(data)[-2:]), b"".join(_rows(data)[-2:][::-1]), 1),
        "row twice": lambda data: data.replace(_rows(data)[-1], _rows(data)[-1] * 2, 1),
        "cell in another row": lambda data: re.sub(rb'(<row r="(\d+)">)<c r="A\2"', rb'\1<c r="A9999"', data, count=1),
        "cells swapped": lambda data: re.sub(rb'(<c r="A(\d+)".*?</c>)(<c r="B\2".*?</c>)', rb"\3\1", data, count=1),
    }[fault]
    broken = with_part(summary, tmp_path / "broken.xlsx", name, change)
    assert parts(broken)[name] != parts(summary)[name]
    assert audit_errors(broken) or undeclared_attributes(broken) or cell_order_errors(broken)


def test_a_shared_string_out_of_the_table_is_found(unit_workbook, tmp_path):
    name = "xl/worksheets/sheet2.xml"  # a receipt keeps its strings in their cells; the unit workbook does not
    broken = with_part(unit_workbook, tmp_path / "broken.xlsx", name,
                       lambda data: re.sub(rb'(t="s"[^>]*><v>)\d+', rb"\g<1>99999", data, count=1))
    assert parts(broken)[name] != parts(unit_workbook)[name]
    assert cell_order_errors(broken)


@pytest.mark.parametrize("part, change", [
    ("[Content_Types].xml", lambda data: data.replace(b'ContentType="application/xml"', b'ContentType="xml"', 1)),
    ("[Content_Types].xml", lambda data: re.sub(rb' PartName="[^"]*"', b"", data, count=1)),
    ("_rels/.rels", lambda data: data.replace(b"<Relationship ", b'<Relationship TargetMode="Nowhere" ', 1)),
    ("xl/_rels/workbook.xml.rels", lambda data: re.sub(rb' Id="[^"]*"', b"", data, count=1)),
])
def test_opc_schemas_find_a_fault_in_a_package_part(receipt, tmp_path, part, change):
    broken = with_part(receipt, tmp_path / "broken.xlsx", part, change)
    assert parts(broken)[part] != parts(receipt)[part]
    assert any(error.startswith(f"{part}:") for error in opc_errors(broken))


def test_font_children_in_any_order_pass_and_a_foreign_one_does_not(receipt, tmp_path):
    """CT_Font is a repeatable choice in ECMA-376 (openpyxl's order is valid); a child it does not declare is not."""
    def openpyxl_order(data: bytes) -> bytes:
        return re.sub(rb"<font>(<b/>)?(<sz [^>]*/>)(<color [^>]*/>)(<name [^>]*/>)", rb"<font>\4\3\2\1", data, count=1)

    reordered = with_part(receipt, tmp_path / "reordered.xlsx", "xl/styles.xml", openpyxl_order)
    assert parts(reordered)["xl/styles.xml"] != parts(receipt)["xl/styles.xml"]
    assert audit_errors(reordered) == []
    foreign = with_part(reordered, tmp_path / "foreign.xlsx", "xl/styles.xml",
                        lambda data: data.replace(b"<font>", b"<font><weight/>", 1))
    assert any("weight" in error for error in audit_errors(foreign))
