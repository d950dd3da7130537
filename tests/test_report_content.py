"""What the 自评报告 says on a county-scale round (tests/county.py): the work quoted by the stated rule,
三 and 四 for the whole county and each said once, every figure as in 汇总台账, the coordinator's places."""

from __future__ import annotations

import re
from datetime import date

import docx
import openpyxl
import pytest
from campaign import build_campaign
from click.testing import CliRunner
from county import AREAS, build_county

from reporting import report_text
from reporting.cli import main
from reporting.report import write_report
from reporting.report_text import area_name
from reporting.summary import percent
from reporting.summary_xlsx import consolidate
from reporting.workspace_init import init_workspace

BEST, EMPTY = "青山县气象局", "青山县档案馆"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    ws = init_workspace(tmp_path_factory.mktemp("县级") / "工作目录")
    build_county(ws, plant_best=BEST, plant_empty=EMPTY)
    result = write_report(ws)
    return ws, result, [p.text for p in docx.Document(str(result.docx)).paragraphs]


def part(lines: list[str], start: str, end: str) -> list[str]:
    return lines[lines.index(start) + 1:lines.index(end)]


def area_paragraphs(lines: list[str]) -> dict[str, str]:
    """Each area's paragraph of 二, by area name."""
    work = part(lines, "二、主要工作及成效", "三、存在的问题")
    return {re.sub(r"^（[一二三四五六七八九十]+）", "", line): work[index + 1]
            for index, line in enumerate(work) if re.match(r"^（[一二三四五六七八九十]+）", line)}


def examples(paragraph: str) -> list[str]:
    """"一是…。二是…。" of an area's paragraph, one string per piece of work."""
    return re.findall(r"[一二三四五六七八九十]是(.+?)(?=[一二三四五六七八九十]是|$)", paragraph)


def test_the_planted_best_unit_is_quoted_first(county):
    _, _, lines = county
    areas = area_paragraphs(lines)
    for area in AREAS[:2]:  # the best unit leads tasks in these two: done, quantified, 量化指标完成值 given
        assert examples(areas[area_name(area)])[0].split("。")[1].startswith(f"{BEST}（牵头）"), area
    quoted = sum(f"{BEST}（" in text or f"{BEST}全面" in text for text in areas.values())
    assert quoted <= report_text.QUOTES_PER_UNIT


def test_an_answer_that_only_says_done_is_never_quoted(county):
    _, _, lines = county
    for paragraph in area_paragraphs(lines).values():
        assert EMPTY not in paragraph
        for piece in examples(paragraph):
            assert report_text.says_something(piece.split("。", 1)[1])


def test_each_area_has_totals_and_at_most_the_set_number_of_examples(county):
    ws, _, lines = county
    areas = area_paragraphs(lines)
    assert list(areas) == [area_name(a) for a in AREAS]
    for paragraph in areas.values():
        assert paragraph.startswith("本领域")
        assert 1 <= len(examples(paragraph)) <= ws.settings().examples_per_area
    units = [re.match(r"[^。]+。(青山县[^（，]+?(?:局|委|办|部|院|馆|中心|社|会|联|政府|事处))", piece)
             for paragraph in areas.values() for piece in examples(paragraph)]
    named = [m.group(1) for m in units if m]
    assert all(named.count(u) <= report_text.QUOTES_PER_UNIT for u in named)


def sentences(paragraphs: list[str]) -> list[str]:
    body = [re.sub(r"^[一二三四五六七八九十]是", "", p) for p in paragraphs if not p.startswith("【待填写")]
    return [s.strip() for p in body for s in re.split(r"[。；]", p) if s.strip()]


def test_problems_and_next_steps_are_county_wide_and_said_once(county):
    _, _, lines = county
    problems = [p for p in part(lines, "三、存在的问题", "四、下一步工作打算") if p]
    steps = [p for p in part(lines, "四、下一步工作打算", next(line for line in lines if line.startswith("附件：")))
             if p]
    points = [p for p in problems if re.match("^[一二三四五]是", p)]
    assert 3 <= len(points) <= 5 and len([p for p in steps if re.match("^[一二三四五]是", p)]) == len(points)
    said = sentences(problems) + sentences(steps)
    assert len(said) == len(set(said)), [s for s in said if said.count(s) > 1]
    assert not any(re.search(r"\d+个责任单位均已完成|主要是：\d", s) for s in said)
    grouped = next(p for p in problems if "归并相近的表述后" in p)
    # three wordings of one problem are one group, with its counts
    assert re.search(r"“[^”]*(?:力量)[^”]*”（\d+个单位、\d+项次）", grouped)
    assert len(re.findall(r"“[^”]+”（\d+个单位、\d+项次）", grouped)) == report_text.PROBLEM_GROUPS


def test_missing_units_named_up_to_ten(county):
    _, _, lines = county
    first = next(p for p in lines if p.startswith("一是报送不够及时完整"))
    assert "共8个单位未报送" in first


def test_every_figure_equals_the_summary_workbook(county):
    ws, _, lines = county
    book = openpyxl.load_workbook(consolidate(ws))
    text = "\n".join(lines)

    def rows(sheet: str) -> list[dict]:
        values = list(book[sheet].iter_rows(values_only=True))
        return [dict(zip(values[0], row, strict=True)) for row in values[1:] if row[0] is not None]

    areas = area_paragraphs(lines)
    for row in rows("按领域"):
        if row["领域"] == "合计":
            assert f"已完成{row['已完成']}项次，完成率{percent(row['完成率'])}" in text
            assert f"已过完成时限尚未完成的有{row['逾期']}项次" in text
            assert f"已过完成时限仍未完成的有{row['逾期']}项次" in text
            assert f"全部责任单位均已完成的任务{row['已完成任务']}项" in text
            continue
        paragraph = areas[area_name(row["领域"])]
        assert paragraph.startswith(f"本领域{row['任务数']}项任务、{row['项次']}项次，已完成{row['已完成']}项次，"
                                    f"完成率{percent(row['完成率'])}")
        if row["逾期"]:
            assert f"逾期未完成{row['逾期']}项次" in paragraph
    units = {row["单位"]: row for row in rows("按单位")}
    for name, rate in re.findall(r"(青山县[^（、，；]+)（(\d+\.\d)%）", text):
        assert percent(units[name]["完成率"]) == f"{rate}%", name
    missing = [name for name, row in units.items() if row["报送情况"] == "未报送"]
    assert f"（{len(missing)}个单位未报送）" in text
    assert f"其{sum(units[name]['未报送'] for name in missing)}项次按未报送计入完成率" in text


def test_examples_per_area_is_a_setting(tmp_path):
    ws = init_workspace(tmp_path / "一例")
    build_county(ws)
    settings = ws.settings()
    settings.examples_per_area = 1
    ws.save_settings(settings)
    assert "\"每领域事例数\" = 1" in ws.settings_path.read_text(encoding="utf-8")
    lines = [p.text for p in docx.Document(str(write_report(ws).docx)).paragraphs]
    # one piece of work per area, without "一是" (it wants a "二是"): 在<task>方面，<unit>…
    assert all(not examples(p) and len(re.findall("方面，青山县", p)) == 1 for p in area_paragraphs(lines).values())


def test_a_bad_examples_setting_is_named(ws):
    build_campaign(ws)
    text = ws.settings_path.read_text(encoding="utf-8").replace("\"每领域事例数\" = 2", "\"每领域事例数\" = \"三\"")
    ws.settings_path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "-w", str(ws.root)])
    assert result.exit_code == 1 and "每领域事例数 = \"三\" 不对，应为1 到 10 的整数" in result.output


def test_the_coordinators_places_are_listed_until_filled(ws):
    build_campaign(ws)
    result = CliRunner().invoke(main, ["report", "-w", str(ws.root)])
    assert result.exit_code == 0
    assert "提醒：报告中有3处需由牵头协调方填写的内容" in result.output
    assert "第一责任人履职情况、主要亮点、原因分析" in result.output
    path = ws.templates / "docx" / "自评报告模板.docx"
    template = docx.Document(str(path))
    for paragraph in template.paragraphs:
        if paragraph.text.startswith("【待填写："):
            paragraph.runs[0].text = "县政府主要负责同志专题研究部署2次。"
            for run in paragraph.runs[1:]:
                run.text = ""
    template.save(str(path))
    result = CliRunner().invoke(main, ["report", "-w", str(ws.root)])
    assert result.exit_code == 0 and "牵头协调方填写" not in result.output


def test_report_date_is_not_before_the_data(ws):
    build_campaign(ws)
    settings = ws.settings()
    settings.report_date = None
    ws.save_settings(settings)
    lines = [p.text for p in docx.Document(str(write_report(ws, as_of=date(2099, 1, 31)).docx)).paragraphs]
    assert "2099年1月31日" in lines  # today is earlier than the as-of date: the 成文日期 waits for the data


def test_addressee_when_set(ws):
    build_campaign(ws)
    settings = ws.settings()
    settings.addressee = "某县委全面依法治县委员会办公室"
    ws.save_settings(settings)
    lines = [p.text for p in docx.Document(str(write_report(ws).docx)).paragraphs]
    assert lines[1:3] == ["", "某县委全面依法治县委员会办公室："]


def test_the_reader_is_referred_only_to_the_annexes(county):
    """A leader's reader has the report and its annexes, not the coordinator's 汇总台账."""
    _, _, lines = county
    text = "\n".join(lines[:lines.index("附件1")])
    assert "另有" in text  # more groups of problems than named (county.py): said without sending the reader away
    assert all(target.startswith("附件") for target in re.findall(r"(?<!意)见([^，。；）]*)", text)), \
        re.findall(r"(?<!意)见([^，。；）]*)", text)
