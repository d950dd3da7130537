"""自评报告.docx: every figure in its text and annexes against tests/campaign.py; bad input; PDF."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import docx
import pytest
from campaign import (
    A1,
    A2,
    FORMULA_LIKE,
    MARKUP_LIKE,
    PREVIOUS_RETURNS,
    ROUND,
    SIGNERS,
    UNITS,
    build_campaign,
    expected,
    pct,
)
from click.testing import CliRunner

from reporting import charts, report, report_text
from reporting.cli import main
from reporting.errors import WorkspaceError
from reporting.report import write_report
from reporting.summary import load_summary


@pytest.fixture
def campaign_ws(ws):
    build_campaign(ws)
    return ws


@pytest.fixture
def written(campaign_ws):
    return write_report(campaign_ws)


def body_text(path) -> str:
    """The paragraphs of the body, one per line (tables left out; a line break inside the title kept)."""
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def annex(path, index: int) -> list[list[str]]:
    table = docx.Document(str(path)).tables[index]
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_opening_and_overall_figures(written):
    e = expected()
    paragraphs = [p.text for p in docx.Document(str(written.docx)).paragraphs]
    assert paragraphs[0] == f"某县法治政府建设示范创建\n{ROUND}自评报告"  # broken at a word boundary
    text = "\n".join(paragraphs)
    assert f"本轮分解任务6项，分属3个领域，涉及责任单位{len(UNITS)}个、{e.total.tasks}项次。" in text
    assert (f"截至2026年6月30日，{len(e.returned)}个单位报送了推进情况，报送率{pct(e.return_rate)}"
            f"（{len(UNITS) - len(e.returned)}个单位未报送）") in text
    assert f"已完成{e.total.done}项次，完成率{pct(e.total.rate)}，平均进度{pct(e.total.average / 100)}" in text
    assert f"已过完成时限尚未完成的有{len(e.overdue)}项次" in text
    for heading in ("一、总体情况", "二、主要工作及成效", "三、存在的问题", "四、下一步工作打算"):
        assert heading in paragraphs


def test_round_over_round_sentence(written):
    now, then = expected(), expected(PREVIOUS_RETURNS)
    points = (now.total.rate - then.total.rate) * 100
    more = now.total.done - then.total.done
    text = body_text(written.docx)
    assert f"与上一轮（2026年第一季度）相比，完成率提高{points:.1f}个百分点，已完成项次增加{more}项次" in text
    gains = {area: (now.areas[area].rate - then.areas[area].rate) * 100 for area in now.areas}
    best = max(gains, key=gains.get)
    assert f"{best[3:]}完成率提高最多（提高{gains[best]:.1f}个百分点）" in text


def test_main_work_by_area_with_the_strongest_work(written):
    e = expected()
    lines = body_text(written.docx).splitlines()
    assert "（一）依法全面履行政府职能" in lines and "（二）完善依法行政制度体系" in lines
    area = e.areas[A1]
    first = next(line for line in lines if line.startswith("本领域2项任务"))
    assert first.startswith(f"本领域2项任务、{area.tasks}项次，已完成{area.done}项次，完成率{pct(area.rate)}")
    # the lead unit's finished, quantified work is quoted; its first quantified clause; no third sentence
    assert "深化行政审批制度改革方面，县司法局（牵头）全面清理行政审批事项37项，取消12项" in first
    assert "一是" not in first  # the area's only piece of work: no "一是" without a "二是"
    assert "同步建立动态调整机制" not in first
    assert "甲镇人民政府承接" not in first  # one piece of work per task
    assert any(MARKUP_LIKE.rstrip("。") in line for line in lines)
    assert any(FORMULA_LIKE[0].split("，")[0] in line for line in lines)


def test_main_work_reads_a_few_units_at_a_time_and_says_the_same(campaign_ws, monkeypatch):
    """The answers worth quoting are read a few units at a time (a province has 300,000); the text is the same
    however few are read at once."""
    data = load_summary(campaign_ws)
    everything = report_text.main_work(data)
    monkeypatch.setattr(report_text.Candidates, "BATCH", 1)
    assert report_text.main_work(data) == everything
    assert any("一是" in paragraph for section in everything for paragraph in section["段落"])


def test_problems_and_next_steps_for_the_whole_round(written):
    text = body_text(written.docx)
    lines = text.splitlines()
    problems = lines[lines.index("三、存在的问题") + 1:lines.index("四、下一步工作打算")]
    steps = lines[lines.index("四、下一步工作打算") + 1:]
    assert problems[0].startswith("一是报送不够及时完整。应报送的5个单位中，乙镇人民政府未报送")
    assert "县财政局的报送因填报错误被退回修改，涉及1项次" in problems[0]
    assert any(line.startswith("二是部分任务逾期未完成。") for line in problems)
    assert any("“基层审批人员业务能力不足”（1个单位、1项次）" in line for line in problems)
    assert any("“镇级合法性审查力量薄弱”（1个单位、1项次）" in line for line in problems)
    assert steps[0].startswith("一是压实报送责任。对未报送的1个单位逐一督促补报")
    assert any("各单位在台账中提出的下一步计划主要有“" in line for line in steps)
    assert not any("针对上述困难" in line for line in steps)  # the plans were not written for those problems
    assert any("“部门协同不够顺畅”" in line for line in problems)  # the cell's leading "-" is not its text
    assert "（无）" not in text and "“无”" not in text  # 无 is not a problem
    assert "【待填写：原因分析" in "\n".join(problems)


def test_signature_and_date(written):
    lines = [line for line in body_text(written.docx).splitlines() if line]
    index = lines.index(SIGNERS[0])
    assert lines[index:index + 3] == [*SIGNERS, "2026年7月6日"]


def test_annex_tables(written):
    e = expected()
    areas = annex(written.docx, 1)
    assert areas[0][:4] == ["序号", "领域", "任务数", "项次"]
    by_area = {row[1]: row for row in areas[1:-1]}
    assert by_area["完善依法行政制度体系"][3:] == [str(e.areas[A2].tasks), str(e.areas[A2].done),
                                            str(e.areas[A2].overdue), pct(e.areas[A2].rate),
                                            pct(e.areas[A2].average / 100), pct(e.area_return_rate(A2))]
    assert areas[-1][0] == "合计" and areas[-1][-1] == pct(e.return_rate)
    units = annex(written.docx, 2)
    for row in units[1:-1]:
        c = e.units[row[1]]
        assert row[2:] == [str(v) for v in (c.tasks, c.done, c.ongoing, c.not_started, c.not_reported,
                                             c.needs_fix, c.overdue)] + [pct(c.rate), pct(c.average / 100)]
    assert units[1][1] == "县司法局"
    open_tasks = annex(written.docx, 3)
    assert [row[1] for row in open_tasks[1:]] == [t for t, c in e.tasks.items() if c.done < c.tasks]
    assert open_tasks[1][3] == "2026年3月31日（已逾期）" and open_tasks[1][4] == "县司法局（已完成）"


def test_status_table(written):
    e = expected()
    rows = annex(written.docx, 0)
    assert rows[0] == ["状态", "已完成", "推进中", "未启动", "待修改", "未报送", "合计"]
    counts = [e.total.done, e.total.ongoing, e.total.not_started, e.total.needs_fix, e.total.not_reported]
    assert rows[1] == ["项次", *map(str, counts), str(e.total.tasks)]
    assert rows[2][1] == pct(e.total.done / e.total.tasks) and rows[2][-1] == "100.0%"


def test_charts_beside_the_report(written):
    names = ["图1_各领域完成率.png", "图2_任务状态构成.png", "图3_各单位完成率.png"]
    assert [path.name for path in written.charts] == names
    assert all(path.parent == written.docx.parent and path.stat().st_size > 1000 for path in written.charts)
    with open(written.docx, "rb") as handle:
        assert handle.read(2) == b"PK"
    assert len(docx.Document(str(written.docx)).inline_shapes) == 1  # 图1 is in the body


def test_no_chinese_font_is_said_once(campaign_ws, monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    result = write_report(campaign_ws)
    assert result.warnings.count(charts.NO_FONT_WARNING) == 1


def test_empty_round_says_so(ws):
    build_campaign(ws, with_returns=False)
    text = body_text(write_report(ws).docx)
    assert "尚无单位报送推进情况" in text
    assert f"应报送的{len(UNITS)}个单位均未报送" in text  # all of them: not each named
    assert "相关单位均未报送" in text and "完成率0.0%" not in text  # each area says so; the zeros are in the annexes
    assert "一是深化" not in text  # nothing quoted


def test_report_held_open_names_the_file(campaign_ws, monkeypatch):
    real = os.replace

    def refuse(src, dst):
        if str(dst).endswith(".docx"):
            raise PermissionError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    message = "无法写入 outbox/2026年第二季度/自评报告.docx：文件可能正在 Excel/WPS 中打开，请关闭后重试"
    with pytest.raises(WorkspaceError, match=re.escape(message)):
        write_report(campaign_ws)


def test_pdf_without_libreoffice_keeps_the_docx(campaign_ws, monkeypatch):
    monkeypatch.setattr(report, "find_soffice", lambda: None)
    with pytest.raises(WorkspaceError, match="未找到 LibreOffice"):
        write_report(campaign_ws, pdf=True)
    assert (campaign_ws.outbox / ROUND / "自评报告.docx").exists()


def test_cli_report(campaign_ws):
    result = CliRunner().invoke(main, ["report", "-w", str(campaign_ws.root), "--as-of", "2026-07-31"])
    assert result.exit_code == 0, result.output
    assert "已生成 outbox/2026年第二季度/自评报告.docx（模板：templates/docx/自评报告模板.docx）" in result.output
    assert "截至2026年7月31日" in body_text(campaign_ws.outbox / ROUND / "自评报告.docx")


def test_libreoffice_pdf_has_the_title_headings_and_figures(campaign_ws, soffice):
    e = expected()
    result = write_report(campaign_ws, pdf=True)
    assert result.pdf == campaign_ws.outbox / ROUND / "自评报告.pdf"
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True,
                                             text=True, check=True).stdout)
    for needle in ("某县法治政府建设示范创建2026年第二季度自评报告", "一、总体情况", "二、主要工作及成效",
                   "三、存在的问题", "四、下一步工作打算", "附件1", "各单位完成情况统计表",
                   f"报送率{pct(e.return_rate)}", f"完成率{pct(e.total.rate)}", "—1—", "2026年7月6日"):
        assert needle in text
    info = subprocess.run(["pdfinfo", str(result.pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 5 <= pages <= 15
    assert re.search(r"Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)", info)
    fonts = subprocess.run(["pdffonts", str(result.pdf)], capture_output=True, text=True, check=True).stdout
    faces = {re.sub(r"^[A-Z]{6}\+", "", line.split()[0]) for line in fonts.splitlines()[2:] if line.strip()}
    assert len(faces) >= 3, faces  # title, headings and body not all in one face


def test_the_template_folders_readme_lists_every_field_as_the_code_has_it():
    """templates/docx/README.md is what a coordinator reads to edit the template: its lists are the code's own."""
    from reporting.report_template import FIELDS, REQUIRED_FIELDS

    text = (Path(__file__).resolve().parents[1] / "templates" / "docx" / "README.md").read_text(encoding="utf-8")
    listed = [line for line in text.splitlines() if line.startswith("- `")]
    assert listed == [f"- `{name}`：{meaning}" for name, meaning in FIELDS.items()]
    assert f"必需字段：{'、'.join(REQUIRED_FIELDS)}" in text
