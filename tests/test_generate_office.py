"""Real clients: a generated workbook goes through LibreOffice the way a liaison's desk sends it back.

LibreOffice opens it, types into cells (through the dispatcher, so protection applies), saves it as
.xlsx, .xls and .ods; the recognition data and the typed values must come back. A PDF export must give
A4 landscape pages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from office import convert, fill_with_libreoffice
from python_calamine import CalamineWorkbook, SheetVisibleEnum
from test_generate import CAMPAIGN, ROUND, prepare, unit_file

from reporting.generate import generate_round
from reporting.workbook_spec import (
    LEDGER_COLUMNS,
    META_TASKS_HEADER,
    PROP_CAMPAIGN,
    PROP_KIND,
    PROP_ROUND,
    PROP_UNIT,
    PROP_VERSION,
    SHEET_LEDGER,
    SHEET_META,
    TEMPLATE_VERSION,
)

COL = {name: chr(ord("A") + i) for i, name in enumerate(LEDGER_COLUMNS)}
TYPED = {
    f"{COL['完成状态']}3": "已完成",
    f"{COL['完成进度(%)']}3": 100,
    f"{COL['工作举措及成效']}3": "制定印发工作方案，公布权责清单126项",
    f"{COL['材料提供方式']}3": "实地核查时提供",
    f"{COL['存在问题']}4": "人员不足",
}
LOCKED = f"{COL['工作任务']}3"  # a given column: typing there must be refused


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from reporting.workspace_init import init_workspace

    ws = prepare(init_workspace(tmp_path_factory.mktemp("office") / "司法局工作目录"))
    generate_round(ws)
    return unit_file(ws, "县财政局")


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_fills_and_saves_and_recognition_survives(soffice, generated, tmp_path, fmt):
    original = openpyxl.load_workbook(generated)[SHEET_LEDGER][LOCKED].value
    target = tmp_path / f"县财政局（已填）.{fmt}"
    report = fill_with_libreoffice(generated, target, {**TYPED, LOCKED: "被改掉的任务"})
    assert report["protected"][SHEET_LEDGER]
    assert report["cells"][LOCKED]["locked"] and report["refused"] == [LOCKED]
    assert not any(report["cells"][ref]["locked"] for ref in TYPED)
    assert report["properties"][PROP_UNIT] == "县财政局"

    book = CalamineWorkbook.from_path(str(target))
    assert SHEET_META in book.sheet_names
    visibility = {m.name: m.visible for m in book.sheets_metadata}
    assert visibility[SHEET_META] != SheetVisibleEnum.Visible  # very hidden, or merely hidden after LibreOffice
    meta = book.get_sheet_by_name(SHEET_META).to_python()
    assert [str(v) for v in meta[0][:2]] == ["单位", "县财政局"]
    header = next(i for i, row in enumerate(meta) if [str(v) for v in row[:3]] == META_TASKS_HEADER)
    assert [str(row[0]) for row in meta[header + 1:]] == ["1", "2", "4"]
    rows = book.get_sheet_by_name(SHEET_LEDGER).to_python()
    first, second = rows[2], rows[3]
    assert first[LEDGER_COLUMNS.index("完成状态")] == "已完成"
    assert first[LEDGER_COLUMNS.index("完成进度(%)")] == 100
    assert first[LEDGER_COLUMNS.index("工作举措及成效")] == TYPED[f"{COL['工作举措及成效']}3"]
    assert first[LEDGER_COLUMNS.index("材料提供方式")] == "实地核查时提供"
    assert second[LEDGER_COLUMNS.index("存在问题")] == "人员不足"
    assert first[LEDGER_COLUMNS.index("工作任务")] == original
    assert str(first[LEDGER_COLUMNS.index("任务编号")]) == "1"
    _check_properties(target, fmt)
    if fmt == "xlsx":
        _check_xlsx_structure(target)


def _check_properties(path: Path, fmt: str) -> None:
    expected = {PROP_KIND: "台账", PROP_UNIT: "县财政局", PROP_ROUND: ROUND, PROP_CAMPAIGN: CAMPAIGN,
                PROP_VERSION: TEMPLATE_VERSION}
    if fmt == "xlsx":
        props = {p.name: p.value for p in openpyxl.load_workbook(path).custom_doc_props.props}
    elif fmt == "ods":
        with zipfile.ZipFile(path) as archive:
            meta = archive.read("meta.xml").decode("utf-8")
        props = dict(re.findall(r'<meta:user-defined meta:name="([^"]+)"[^>]*>([^<]*)</meta:user-defined>', meta))
    else:
        return  # .xls keeps them in an OLE property set that none of our readers needs
    assert {k: str(v) for k, v in props.items() if k in expected} == expected


def _check_xlsx_structure(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET_LEDGER]
    assert sheet.protection.sheet
    assert not sheet[f"{COL['完成状态']}3"].protection.locked and sheet[LOCKED].protection.locked
    assert book[SHEET_META].sheet_state in ("hidden", "veryHidden")
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert lists and all("下拉选项" in dv.formula1 for dv in lists)


def test_libreoffice_fills_the_liaison_sheet_and_a_mobile_number_stays_text(soffice, generated, tmp_path):
    target = tmp_path / "联络员.xlsx"
    report = fill_with_libreoffice(generated, target, {"A2": "别的单位", "B2": "赵局长", "E2": "13900000000"},
                                   sheet="联络员信息")
    assert report["refused"] == ["A2"]
    row = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("联络员信息").to_python()[1]
    assert row[:2] == ["县财政局", "赵局长"]
    assert row[4] == "13900000000"


def test_pdf_export_gives_a4_landscape_pages(soffice, generated, tmp_path):
    if not shutil.which("pdfinfo"):
        pytest.skip("poppler-utils (pdfinfo) 未安装")
    pdf = convert(generated, "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    sizes = re.findall(r"Page\s+\d+\s+size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert sizes
    assert all(round(float(w)) == 842 and round(float(h)) == 595 for w, h in sizes), sizes
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    assert "县财政局法治政府建设创建工作台账" in text
    assert re.search(r"第\s*1\s*页\s*共\s*\d+\s*页", text)
