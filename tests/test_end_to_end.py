"""The whole flow as a newcomer meets it: `reporting demo`, and the README's command on a fresh copy."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document

REPO = Path(__file__).resolve().parents[1]
ROUND = "2026年第四季度"


def _reporting(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reporting", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("演示") / "demo"
    done = _reporting("demo", str(target))
    assert done.returncode == 0, done.stderr
    assert "7/7 自评报告" in done.stdout
    return target


def test_demo_writes_every_output_and_each_opens(demo):
    out = demo / "outbox" / ROUND
    workbooks = [demo / "任务分解表.xlsx", demo / "单位名册.xlsx", out / "分发清单.xlsx", out / "催报名单.xlsx",
                 out / "汇总台账.xlsx", *sorted((out / "台账").glob("*.xlsx")), *sorted((out / "回执").glob("*.xlsx"))]
    for workbook in workbooks:
        assert openpyxl.load_workbook(workbook, read_only=True).sheetnames, workbook
    assert len(list((out / "台账").glob("*.xlsx"))) == 25
    text = "\n".join(p.text for p in Document(str(out / "自评报告.docx")).paragraphs)
    for heading in ("一、总体情况", "二、主要工作及成效", "三、存在的问题", "四、下一步工作打算"):
        assert heading in text
    assert sorted(p.name for p in out.glob("*.png"))


def test_demo_ends_with_indicator_scores_and_missing_evidence(demo):
    out = demo / "outbox" / ROUND
    summary = openpyxl.load_workbook(out / "汇总台账.xlsx", read_only=True)
    assert "指标自评" in summary.sheetnames
    scores = list(summary["指标自评"].iter_rows(values_only=True))
    assert scores[-1][0] == "合计" and scores[-1][3] == 100 and 0 < scores[-1][-1] < 100
    missing = openpyxl.load_workbook(out / "缺证清单.xlsx", read_only=True)
    assert missing.sheetnames == ["缺证任务", "无佐证指标", "未对应任务的文件"]
    assert len(list(missing["缺证任务"].iter_rows(min_row=2))) > 0
    assert len(list(missing["未对应任务的文件"].iter_rows(min_row=2))) > 0  # the photo without a task number
    assert (out / "佐证材料目录.xlsx").exists()
    exported = [p for p in (out / "佐证材料").rglob("*") if p.is_file()]
    assert exported and all(".." not in p.relative_to(out).parts for p in exported)
    assert (demo / "指标体系.xlsx").exists()


def test_demo_inbox_holds_the_messy_returns(demo):
    names = [p.name for p in (demo / "inbox").iterdir()]
    assert any(n.endswith(".xls") for n in names)
    assert any(n.startswith("新建 Microsoft Excel 工作表") for n in names)
    archive = next(demo.joinpath("inbox").glob("*.zip"))
    assert all(not info.flag_bits & 0x800 for info in zipfile.ZipFile(archive).infolist()), "GBK names, no UTF-8 flag"


def test_demo_agrees_with_status_json(demo):
    status = _reporting("status", "--json", "-w", str(demo))
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    units = {u["unit"]: u for u in data["units"]}
    assert len(units) == 25
    assert sum(not u["returned"] for u in units.values()) == 2
    assert sum(u["returned"] and not u["accepted"] for u in units.values()) == 2  # the third was resent, fixed
    returned = sum(u["returned"] for u in units.values())
    assert data["return_rate"] == pytest.approx(returned / 25, abs=1e-4)
    pairs = sum(u["tasks"] for u in units.values())
    assert data["completion_rate"] == pytest.approx(sum(u["completed"] for u in units.values()) / pairs, abs=1e-4)
    overview = openpyxl.load_workbook(demo / "outbox" / ROUND / "汇总台账.xlsx", data_only=True)["按单位"]
    header = [c.value for c in overview[1]]
    rows = {r[header.index("单位")]: r for r in overview.iter_rows(min_row=2, values_only=True) if r[0] is not None}
    for name, unit in units.items():
        assert rows[name][header.index("已完成")] == unit["completed"], name
    report = "\n".join(p.text for p in Document(str(demo / "outbox" / ROUND / "自评报告.docx")).paragraphs)
    assert f"{data['completion_rate']:.1%}" in report


def _tracked_copy(target: Path) -> None:
    """What a fresh clone holds: the files git tracks, nothing else (no venv, no build output)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="需要 git 仓库")
def test_readme_demo_command_works_on_a_fresh_copy(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = re.search(r"```bash\n(bash scripts/demo\.sh)", readme).group(1)
    clone = tmp_path / "clone"
    _tracked_copy(clone)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    done = subprocess.run(command, shell=True, cwd=clone, capture_output=True, text=True, timeout=900, env=env,
                          check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (clone / "demo" / "outbox" / ROUND / "自评报告.docx").exists()
    assert (clone / ".venv" / "bin" / "reporting").exists()


def test_demo_outputs_are_schema_valid(demo):
    """Every workbook and the report the demo wrote, through tests/test_ooxml_schemas.py's checks (the unit
    workbooks all come from one writer and template: three of them)."""
    from test_ooxml_schemas import assert_valid

    out = demo / "outbox" / ROUND
    files = [*sorted(demo.glob("*.xlsx")), *sorted(out.rglob("*.xlsx")), out / "自评报告.docx"]
    ledgers = sorted((out / "台账").glob("*.xlsx"))
    files = [path for path in files if path not in ledgers[3:]]
    assert len(files) > 12 and any(path.parent.name == "回执" for path in files)
    for path in files:
        try:
            assert_valid(path)
        except AssertionError as error:
            raise AssertionError(f"{path.relative_to(demo)}: {error}") from None
