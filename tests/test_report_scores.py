"""附件4 指标自评得分表 as a county's own 自评得分表: the 一级指标 cell merged down over its indicators, every
自评分 with two decimals adding up to the 合计 as printed, and a word in 说明 where a reader would ask."""

from __future__ import annotations

import re
import subprocess
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from lxml import etree
from returns import done, ongoing, record_round, write_return
from test_ooxml_schemas import assert_valid, parts

from reporting.cli import main
from reporting.collect import collect_inbox
from reporting.evidence import round_score
from reporting.models import Task
from reporting.report import _merge_starts, write_report
from reporting.report_text import NOTE_ADJUSTED, NOTE_NO_TASK
from reporting.task_ledger import write_ledger

SYSTEM = """测试县指标体系
一、依法行政（40分）
1.权责清单公布（10分）
2.执法公示与审查（5分）
3.合法性审查（25分）
二、化解纠纷（30分）
4.普法宣传（30分）
三、监督（30分）
5.无人认领的指标（10分）
6.行政复议（20分）
"""
# task → indicators. Indicator 2 has tasks 1, 2 and 3: 2 + 3 + 3 = 8 pairs (returns.UNITS), one proved.
LINKS = {"1": ["1", "2"], "2": ["2"], "3": ["2", "3"], "4": ["4"], "5": ["6"]}
OVERRIDES = {"3": (2, ""), "6": (7.345, "已实地核查")}  # 自评分(调整) and 调整理由 the coordinator types
ON_SITE = {"佐证材料": "", "材料提供方式": "实地核查时提供"}
# What the table must show, row by row (the literal answers: 县财政局 alone returns, task 1 done and proved):
TOPS = ["依法行政", "", "", "化解纠纷", "监督", ""]
MERGES = ["restart", "continue", "continue", "restart", "restart", "continue"]
KEEPS = [True, True, False, False, True, True]  # a run kept on one page, its last row with the next run or 合计
SCORES = ["5.00",  # 10 × 1/2
          "0.63",  # 5 × 1/8 = 0.625, rounded half up (round() gives 0.62)
          "2.00", "0.00", "0.00",
          "7.35"]  # the coordinator's 7.345, shown and added as printed (round() on the float gives 7.34)
NOTES = ["", "", NOTE_ADJUSTED, "", NOTE_NO_TASK, "已实地核查"]
TOTAL = "14.98"


@pytest.fixture
def scored(ws, tmp_path):
    record_round(ws)
    write_ledger([Task(id=t, text=f"任务{t}", path=["(一)依法全面履行政府职能"], indicators=LINKS[t]) for t in LINKS],
                 ws.ledger_path)
    (tmp_path / "指标体系.txt").write_text(SYSTEM, encoding="utf-8")
    assert CliRunner().invoke(main, ["indicators", "import", str(tmp_path / "指标体系.txt"),
                                     "-w", str(ws.root)]).exit_code == 0
    book = openpyxl.load_workbook(ws.indicators_path)
    sheet = book["指标体系"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in OVERRIDES:
            score, reason = OVERRIDES[row[0].value]
            row[header.index("自评分(调整)")].value = score
            row[header.index("调整理由")].value = reason or None
    book.save(ws.indicators_path)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(**ON_SITE), "2": ongoing(), "3": ongoing()})
    collect_inbox(ws, workers=0)
    return ws


def annex4_rows(docx_path) -> list[etree._Element]:
    """The w:tr of 附件4's table after its header (the indicators, then 合计), from document.xml."""
    with zipfile.ZipFile(docx_path) as package:
        body = etree.fromstring(package.read("word/document.xml"))
    for table in body.iter(qn("w:tbl")):
        rows = table.findall(qn("w:tr"))
        if _texts(rows[0])[0] == "一级指标":
            return rows[1:]
    raise AssertionError("附件4 not found")


def _texts(row) -> list[str]:
    return ["".join(t.text or "" for t in cell.iter(qn("w:t"))) for cell in row.findall(qn("w:tc"))]


def _merge(row) -> str:
    found = row.find(f"{qn('w:tc')}/{qn('w:tcPr')}/{qn('w:vMerge')}")
    return "" if found is None else found.get(qn("w:val"), "continue")


def test_round_score_is_half_up_on_the_decimal_figures():
    assert round_score(5, 1, 8) == 0.63 and round_score(1, 1, 8) == 0.13
    assert round_score(7.345) == 7.35 and round_score(1.005) == 1.01 and round_score(2.675) == 2.68
    assert round_score(3, 1, 3) == 1.0 and round_score(3, 1, 16) == 0.19


def test_first_level_cell_is_merged_down_over_its_indicators(scored):
    rows = annex4_rows(write_report(scored).docx)
    indicators, total = rows[:-1], rows[-1]
    assert [_merge(r) for r in indicators] == MERGES and _merge(total) == ""
    assert [_texts(r)[0] for r in indicators] == TOPS and _texts(total)[0] == "合计"
    assert [_texts(r)[1] for r in indicators] == ["1", "2", "3", "4", "5", "6"]
    starts = [r.find(f"{qn('w:tc')}/{qn('w:tcPr')}") for r in indicators if _merge(r) == "restart"]
    assert all(p.find(qn("w:vAlign")).get(qn("w:val")) == "center" for p in starts)
    # the header repeats on each page; no row splits; a run of one 一级 keeps together (keepNext on its paragraphs)
    header = rows[0].getparent().findall(qn("w:tr"))[0]
    assert header.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    assert all(r.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for r in rows)
    keeps = [all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in r.iter(qn("w:p")))
             for r in indicators]
    assert keeps == KEEPS


def test_scores_have_two_decimals_and_add_up_to_the_total_as_printed(scored):
    rows = annex4_rows(write_report(scored).docx)
    shown = [_texts(r)[6] for r in rows]
    assert shown == [*SCORES, TOTAL]
    assert sum(Decimal(s) for s in SCORES) == Decimal(TOTAL)
    assert [_texts(r)[3] for r in rows] == ["10", "5", "25", "30", "10", "20", "100"]  # 分值 as the system gives them


def test_note_says_the_reason_or_why_the_score_is_zero(scored):
    rows = annex4_rows(write_report(scored).docx)
    assert [_texts(r)[7] for r in rows] == [*NOTES, ""]
    assert [_texts(r)[4] for r in rows][4] == "0"  # 项次 0: no task serves indicator 5


def test_the_report_with_merged_cells_is_schema_valid(scored):
    """w:vMerge and w:vAlign in the order of CT_TcPr, w:keepNext after w:pStyle in CT_PPr (Word refuses a file
    with them out of order)."""
    report = write_report(scored).docx
    assert b'<w:vMerge w:val="restart"/>' in parts(report)["word/document.xml"]
    assert_valid(report)


def test_libreoffice_pdf_shows_each_first_level_once_and_the_two_decimal_scores(scored, soffice):
    result = write_report(scored, pdf=True)
    text = subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True, text=True, check=True).stdout
    annex = re.sub(r"\s+", "", text[text.rindex("指标自评得分表"):])
    assert annex.count("依法行政") == 1 and annex.count("监督") == 1
    for figure in [*SCORES, TOTAL]:
        assert figure in annex
    assert NOTE_NO_TASK in annex and "已实地核查" in annex and NOTE_ADJUSTED in annex
    layout = subprocess.run(["pdftotext", "-layout", str(result.pdf), "-"], capture_output=True, text=True,
                            check=True).stdout
    lines = [line.split() for line in layout[layout.rindex("指标自评得分表"):].splitlines()]
    assert ["合计", "100", "17", "2", TOTAL] in lines  # a row of its own, its figures in their columns
    assert any(line[-5:] == ["20", "1", "0", SCORES[-1], "已实地核查"] for line in lines)


def test_a_run_taller_than_a_part_of_a_page_is_cut_into_parts_of_about_equal_height():
    rows = [{"一级": "甲"}] * 3 + [{"一级": "乙"}] * 10 + [{"一级": "丙"}]
    lines = [1, 1, 1] + [2] * 10 + [3]  # 乙: 20 lines, more than KEPT_LINES (12): two parts of 10
    starts = _merge_starts(rows, "一级", lines)
    assert [i for i, first in enumerate(starts) if first] == [0, 3, 8, 13]
    assert _merge_starts(rows, "一级", [1] * 14) == [i in (0, 3, 13) for i in range(14)]
    assert _merge_starts([{"一级": "甲"}], "一级", [40]) == [True]  # one row: nothing to cut


LONG_NAME = "第二组的一个较长的指标名称，写满一行还多一些字，以占两行"
LONG_SYSTEM = "\n".join(["测试县指标体系", "一、依法行政（10分）", *(f"{i}.第一组指标{i}（1分）" for i in range(1, 11)),
                         "二、化解纠纷（90分）", *(f"{i}.{LONG_NAME}{i}（3分）" for i in range(11, 41))])


def test_every_page_of_a_long_table_shows_the_first_level_of_its_rows(ws, tmp_path, soffice):
    """30 indicators of two lines under one 一级: more than a page. Each page shows its 一级 (a page starting
    with a continued merged cell would show none), and no page is left mostly empty to keep the run whole."""
    record_round(ws)
    links = {"1": ["1"], "2": ["11"], "3": ["12"], "4": ["13"], "5": ["14"]}
    write_ledger([Task(id=t, text=f"任务{t}", path=["(一)依法全面履行政府职能"], indicators=links[t]) for t in links],
                 ws.ledger_path)
    (tmp_path / "指标体系.txt").write_text(LONG_SYSTEM + "\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["indicators", "import", str(tmp_path / "指标体系.txt"),
                                     "-w", str(ws.root)]).exit_code == 0
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(**ON_SITE), "2": ongoing(), "3": ongoing()})
    collect_inbox(ws, workers=0)
    result = write_report(ws, pdf=True)
    text = subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [re.sub(r"\s+", "", page) for page in text.split("\f")]
    annex = [page for page in pages if "末级指标" in page]
    second = [page for page in annex if "第二组" in page]
    assert len(second) >= 2 and all("化解纠纷" in page for page in second)
    assert len(annex) <= 4  # 10 lines and 60: three pages' worth
    assert sum(page.count("第二组") for page in annex) == 30  # every row printed once
