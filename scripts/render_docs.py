"""Render the README's pictures from real demo output through LibreOffice: python scripts/render_docs.py

Needs LibreOffice (soffice) and poppler (pdftoppm). Writes docs/*.png. The report goes through
reporting.report.convert_to_pdf, as `reporting report --pdf` does (with its font mapping).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from reporting.demo import ROUND, run_demo
from reporting.report import convert_to_pdf

DOCS = Path(__file__).resolve().parents[1] / "docs"
# (output picture, file in the round's outbox, pages to render: a number, or the text a page starts with)
PICTURES = [
    ("工作台账.png", "台账/县司法局.xlsx", [2]),
    ("汇总台账-总览.png", "汇总台账.xlsx", [1]),
    ("自评报告-第1页.png", "自评报告.docx", [1]),
    ("自评报告-第2页.png", "自评报告.docx", [2]),
    ("自评报告-第3页.png", "自评报告.docx", [3]),
    ("自评报告-附件1.png", "自评报告.docx", ["附件1"]),
]


def render(pdf: Path, page: int, target: Path) -> None:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(stem)], check=True, timeout=120)


def first_page(pdf: Path, heading: str) -> int:
    """The first page of `pdf` whose text starts with `heading`."""
    page = 1
    while True:
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True, check=True, timeout=120).stdout
        if "".join(text.split()).startswith(heading):
            return page
        page += 1


def to_pdf(source: Path, outdir: Path) -> Path:
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(source)], check=True, capture_output=True, timeout=300)
    shutil.rmtree(profile, ignore_errors=True)
    return outdir / f"{source.stem}.pdf"


def main() -> int:
    if not shutil.which("soffice") or not shutil.which("pdftoppm"):
        print("需要 LibreOffice（soffice）和 poppler-utils（pdftoppm）", file=sys.stderr)
        return 1
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        result = run_demo(Path(work) / "demo", say=lambda line: None)
        outbox = result.ws.round_dir(ROUND)
        pdfs: dict[str, Path] = {}
        for picture, name, pages in PICTURES:
            if name not in pdfs:
                source = outbox / name
                pdfs[name] = convert_to_pdf(source, result.ws) if source.suffix == ".docx" else \
                    to_pdf(source, Path(work))
            for page in pages:
                render(pdfs[name], page if isinstance(page, int) else first_page(pdfs[name], page), DOCS / picture)
                print(f"docs/{picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
