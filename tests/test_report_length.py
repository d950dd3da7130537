"""Length by design, measured on the PDF LibreOffice renders: the demo's main text (up to the 成文日期) in at
most 6 pages, a county round's (150 tasks, 80 units) in at most 10. These limits hold for whatever later
work adds to the report: a new section must fit in them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from county import build_county

from reporting.demo import run_demo
from reporting.report import write_report
from reporting.workspace_init import init_workspace

DEMO_PAGES, COUNTY_PAGES = 6, 10


def main_text_pages(pdf: Path) -> tuple[int, int]:
    """(pages before the first annex, all pages) of a rendered report."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    for page in range(1, total + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        if re.sub(r"\s", "", text).startswith("附件1"):
            return page - 1, total
    pytest.fail("no page starts with 附件1")


def annex_pages_are_landscape(pdf: Path, first: int, total: int) -> bool:
    info = subprocess.run(["pdfinfo", "-f", str(first), "-l", str(total), str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    return bool(sizes) and all(float(w) > float(h) for w, h in sizes)


def test_demo_main_text_within_six_pages(tmp_path, soffice):
    result = run_demo(tmp_path / "demo", say=lambda line: None)
    report = write_report(result.ws, pdf=True)
    pages, total = main_text_pages(report.pdf)
    assert pages <= DEMO_PAGES, f"demo main text {pages} pages"
    assert annex_pages_are_landscape(report.pdf, pages + 1, total)


def test_county_round_main_text_within_ten_pages(tmp_path, soffice):
    ws = init_workspace(tmp_path / "县级")
    build_county(ws)
    report = write_report(ws, pdf=True)
    pages, total = main_text_pages(report.pdf)
    assert pages <= COUNTY_PAGES, f"county main text {pages} pages"
    assert annex_pages_are_landscape(report.pdf, pages + 1, total)
    text = subprocess.run(["pdftotext", str(report.pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "…" not in text  # nothing a reader needs is cut
