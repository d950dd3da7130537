"""佐证材料 end to end: files matched to tasks, the export tree, 缺证清单, 指标自评 against an independent sum."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from returns import ROUND, UNITS, done, ongoing, record_round, write_return

from reporting.cli import main
from reporting.collect import collect_inbox
from reporting.evidence import (
    BY_NAME,
    BY_NUMBER,
    CLAIM_WITHOUT_FILE,
    FILE_WITHOUT_TASK,
    MAX_COMPONENT,
    MAX_FILE,
    claim_problems,
    load_evidence,
    match_file,
    own_problems,
    problem_rows,
    score_totals,
    tally_evidence,
    write_evidence,
)
from reporting.figures import compute_figures
from reporting.models import Task
from reporting.simulate import gbk_zip
from reporting.status import round_status
from reporting.store import MIGRATIONS, connect, transaction
from reporting.summary_xlsx import consolidate
from reporting.task_ledger import write_ledger

SYSTEM = """测试县指标体系
一、依法行政（50分）
1.权责清单公布（20分）
2.执法公示（20分）
3.合法性审查（10分）
二、化解纠纷（50分）
4.普法宣传（20分）
5.多元化解（15分）
6.无人认领的指标（15分）
"""
LINKS = {"1": ["1"], "2": ["2", "3"], "3": ["3"], "4": ["4"], "5": ["5"]}  # task → indicators (指标编号)
SCORES = {"1": 20, "2": 20, "3": 10, "4": 20, "5": 15, "6": 15}
LONG = "2-" + "很长的文件名" * 50 + ".pdf"

# What each unit reports, and whether the claim is proved (a file, or 实地核查时提供/情况说明), literally:
ANSWERS = {
    ("县财政局", "1"): ("已完成", True),  # 1-权责清单文件.pdf, by its number
    ("县财政局", "2"): ("已完成", True),  # 执法公示截图.png, by the name in 佐证材料
    ("县财政局", "3"): ("已完成", True),  # 实地核查时提供
    ("县公安局", "1"): ("已完成", False),  # 已附材料, but no file came
    ("县公安局", "4"): ("已完成", True),  # 任务4/签到表.jpg in a zip of evidence only
    ("县公安局", "5"): ("推进中", False),
    ("甲镇人民政府", "2"): ("已完成", False),  # no file
    ("甲镇人民政府", "3"): ("推进中", False),
    ("甲镇人民政府", "4"): ("已完成", True),  # 情况说明
}  # 乙镇人民政府 never returns: its pairs count, unproved


def _expected_scores() -> dict[str, float]:
    """分值 × proved pairs ÷ all pairs of the indicator's tasks, from the literal tables above."""
    expected = {}
    for ind, full in SCORES.items():
        pairs = [(unit, task) for task, inds in LINKS.items() if ind in inds
                 for unit, tasks in UNITS.items() if task in tasks]
        proved = sum(ANSWERS.get(pair, ("", False))[1] for pair in pairs)
        expected[ind] = round(full * proved / len(pairs), 2) if pairs else 0.0
    return expected


def _zip(path: Path, members: dict[str, bytes], mtime: float) -> None:
    path.write_bytes(gbk_zip(members))
    os.utime(path, (mtime, mtime))


@pytest.fixture
def round_with_evidence(ws, tmp_path):
    record_round(ws)
    tasks = [Task(id=t, text=f"任务{t}", path=["(一)依法全面履行政府职能"], indicators=LINKS[t]) for t in LINKS]
    write_ledger(tasks, ws.ledger_path)
    (tmp_path / "指标体系.txt").write_text(SYSTEM, encoding="utf-8")
    assert CliRunner().invoke(main, ["indicators", "import", str(tmp_path / "指标体系.txt"),
                                     "-w", str(ws.root)]).exit_code == 0
    finance = tmp_path / "财政局.xlsx"
    write_return(finance, "县财政局", {"1": done(佐证材料="权责清单文件"), "2": done(佐证材料="执法公示截图"),
                                       "3": done(佐证材料="", 材料提供方式="实地核查时提供")})
    _zip(ws.inbox / "县财政局报送.zip", {
        "县财政局台账.xlsx": finance.read_bytes(),
        "佐证/1-权责清单文件.pdf": b"%PDF-1.4 one",
        "佐证/执法公示截图.png": b"\x89PNG two",
        "佐证/无关照片.jpg": b"\xff\xd8 three",
        "佐证/" + LONG: b"%PDF-1.4 long",
        "../越界.txt": b"refused",
    }, 1_789_000_000)
    _zip(ws.inbox / "县公安局佐证材料.zip", {"任务4/签到表.jpg": b"\xff\xd8 four"}, 1_789_000_010)
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"1": done(), "4": done(), "5": ongoing()},
                 mtime=1_789_000_020)
    write_return(ws.inbox / "甲镇.xlsx", "甲镇人民政府",
                 {"2": done(), "3": ongoing(), "4": done(佐证材料="", 材料提供方式="情况说明")},
                 mtime=1_789_000_030)
    _zip(ws.inbox / "材料.zip", {"照片.jpg": b"\xff\xd8 whose"}, 1_789_000_040)
    collected = collect_inbox(ws, workers=0)
    return ws, collected


def test_files_are_matched_to_tasks_and_unassigned_ones_said_so(round_with_evidence):
    ws, collected = round_with_evidence
    outcome = {f.name: f for f in collected.files}
    assert outcome["inbox/县公安局佐证材料.zip"].status == "read"
    assert outcome["inbox/材料.zip"].status == "error"  # a zip of evidence whose name names no unit
    data = load_evidence(ws)
    files = {(c.pair.unit, c.pair.task_id): c.files for c in data.claims}
    assert [(f.name, f.match.by) for f in files[("县财政局", "1")]] == [("佐证/1-权责清单文件.pdf", BY_NUMBER)]
    assert [f.match.by for f in files[("县财政局", "2")]] == [BY_NUMBER, BY_NAME] or \
        {f.match.by for f in files[("县财政局", "2")]} == {BY_NUMBER, BY_NAME}
    assert [f.name for f in files[("县公安局", "4")]] == ["任务4/签到表.jpg"]
    assert [f.name for f in data.unassigned] == ["佐证/无关照片.jpg"]
    assert not any("越界" in f.name for c in data.claims for f in c.files)


def test_export_tree_catalogue_and_missing_list(round_with_evidence):
    ws, _ = round_with_evidence
    result = write_evidence(ws)
    tree = result.tree
    assert tree == ws.round_dir(ROUND) / "佐证材料"
    exported = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file())
    assert "一、依法行政（50分）/1 权责清单公布/县财政局/1-权责清单文件.pdf" in exported
    assert "二、化解纠纷（50分）/4 普法宣传/县公安局/签到表.jpg" in exported
    # task 2 serves indicators 2 and 3: its files are under both
    assert sum(p.endswith("县财政局/执法公示截图.png") for p in exported) == 2
    assert "未对应任务/县财政局/无关照片.jpg" in exported
    for path in exported:
        parts = path.split("/")
        assert ".." not in parts and all(len(p) <= max(MAX_COMPONENT, MAX_FILE + 5) for p in parts)
    assert (tree / exported[0]).read_bytes()[:1]  # a real copy
    assert result.copied == result.planned == len(exported)
    again = write_evidence(ws)
    assert again.copied == 0 and again.planned == result.planned  # a rerun copies only what changed

    book = openpyxl.load_workbook(result.missing)
    claims = [r[:2] for r in book["缺证任务"].iter_rows(min_row=2, values_only=True)]
    assert sorted(claims) == sorted([("甲镇人民政府", "2"), ("县公安局", "1")])
    without = [r[0] for r in book["无佐证指标"].iter_rows(min_row=2, values_only=True)]
    assert without == ["5", "6"]
    unassigned = [r[1] for r in book["未对应任务的文件"].iter_rows(min_row=2, values_only=True)]
    assert unassigned == ["佐证/无关照片.jpg"]
    catalogue = openpyxl.load_workbook(result.catalogue)["佐证材料目录"]
    header = [c.value for c in catalogue[1]]
    named = [r for r in catalogue.iter_rows(min_row=2, values_only=True) if r[header.index("文件")]]
    assert len(named) == len(exported)
    link = next(r for r in catalogue.iter_rows(min_row=2) if r[header.index("文件")].value).__getitem__(
        header.index("存档副本"))
    target = link.hyperlink.target.replace("\\", "/")  # xlsxwriter writes Windows separators
    assert target.startswith("../../archive/") and (result.catalogue.parent / target).resolve().is_file()


def test_self_scores_equal_an_independent_computation(round_with_evidence):
    ws, _ = round_with_evidence
    data = load_evidence(ws)
    scores = {s.indicator.id: s.final for s in data.scores()}
    expected = _expected_scores()
    assert scores == pytest.approx(expected)
    totals = score_totals(data, data.scores())
    assert totals.full == 100 and totals.got == pytest.approx(round(sum(expected.values()), 2))
    path = consolidate(ws)
    sheet = openpyxl.load_workbook(path)["指标自评"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    final = {r[1]: r[header.index("自评分")] for r in rows[2:] if r[2] not in ("小计",) and r[0] != "合计"}
    assert final == pytest.approx(expected)
    assert rows[-1][0] == "合计" and rows[-1][header.index("自评分")] == pytest.approx(totals.got)


def test_consolidate_and_report_count_the_evidence_without_holding_a_claim_per_pair(round_with_evidence):
    """tally_evidence streams the pairs; it must count what the claims count, pair by pair of the literal table."""
    ws, _ = round_with_evidence
    data = load_evidence(ws)
    conn = connect(ws.db_path)
    try:
        streamed = tally_evidence(ws, conn, compute_figures(conn, ROUND))
    finally:
        conn.close()
    held = data.tally()
    assert (streamed.pairs, streamed.proved, streamed.backed, streamed.missing) == (
        held.pairs, held.proved, held.backed, held.missing)
    assert streamed.missing == len(data.missing_claims()) == 2  # 县公安局 1, 甲镇人民政府 2 (ANSWERS)
    assert streamed.proved == {"1": 1, "2": 1, "3": 1, "4": 2}  # ANSWERS' proved pairs, by task
    assert [(s.indicator.id, s.pairs, s.proved, s.final) for s in streamed.scores()] == [
        (s.indicator.id, s.pairs, s.proved, s.final) for s in data.scores()]
    assert [i.id for i in streamed.indicators_without_evidence()] == ["5", "6"]


def test_coordinator_override_replaces_the_computed_score(round_with_evidence):
    ws, _ = round_with_evidence
    book = openpyxl.load_workbook(ws.indicators_path)
    sheet = book["指标体系"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "5":
            row[header.index("自评分(调整)")].value = 12
            row[header.index("调整理由")].value = "已实地核查"
    book.save(ws.indicators_path)
    score = next(s for s in load_evidence(ws).scores() if s.indicator.id == "5")
    assert score.computed == 0 and score.final == 12 and score.reason == "已实地核查"


def test_missing_evidence_reaches_the_chase_list_and_the_receipt(round_with_evidence):
    ws, _ = round_with_evidence
    report = round_status(ws)
    assert report.missing_evidence == {"县公安局": 1, "甲镇人民政府": 1}
    chase = openpyxl.load_workbook(report.chase_path).active
    reasons = {r[1]: r[2] for r in chase.iter_rows(min_row=3, values_only=True) if r[1]}
    assert "缺佐证材料" in reasons["县公安局"] and "缺佐证材料" not in reasons.get("县财政局", "")
    receipt = openpyxl.load_workbook(ws.round_dir(ROUND) / "回执" / "县公安局.xlsx")
    lines = [r[2] for r in receipt["问题清单"].iter_rows(values_only=True) if r[2]]
    assert sum("【佐证】" in line for line in lines) == 1  # task 1; task 4's file came in the earlier zip
    conn = connect(ws.db_path)
    codes = {(p["code"], p["value"]) for (submission_id,) in conn.execute("SELECT id FROM submissions")
             for p in problem_rows(conn, submission_id) if p["level"] == "evidence"}
    conn.close()
    assert (FILE_WITHOUT_TASK, "佐证/无关照片.jpg") in codes and CLAIM_WITHOUT_FILE in {c for c, _ in codes}
    finance = openpyxl.load_workbook(ws.round_dir(ROUND) / "回执" / "县财政局.xlsx")
    values = [r[1] for r in finance["问题清单"].iter_rows(values_only=True)]
    assert "佐证/无关照片.jpg" in values


def test_claims_stored_one_row_per_return_read_back_as_the_problems_rows_they_were(round_with_evidence):
    """Claims without a file are one evidence_claims row per return; a store from before (a problems row
    each, after the return's own) is moved by its migration, and problem_rows reads both alike."""
    ws, _ = round_with_evidence
    conn = connect(ws.db_path)
    ids = [row[0] for row in conn.execute("SELECT id FROM submissions ORDER BY id")]
    before = {i: [tuple(p) for p in problem_rows(conn, i)] for i in ids}
    claims = [p for rows in before.values() for p in rows if p[-1] == CLAIM_WITHOUT_FILE]
    assert claims and all(p[1:4] == ("evidence", "工作台账", None) and p[8] == "佐证材料" for p in claims)
    assert conn.execute("SELECT COUNT(*) FROM problems WHERE code = ?", (CLAIM_WITHOUT_FILE,)).fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM evidence_claims").fetchone()[0] == len(
        {p[0] for p in claims})
    version = next(i for i, m in enumerate(MIGRATIONS) if "CREATE TABLE evidence_claims" in m)
    with transaction(conn):  # the store as the version before kept them
        conn.execute("DROP TABLE evidence_claims")
        conn.executemany("INSERT INTO problems (submission_id, level, sheet, cell, task_id, value, message, fix, "
                         "column_name, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", claims)
        for statement in MIGRATIONS[version].split(";"):
            if statement.strip():
                conn.execute(statement)
    assert {i: [tuple(p) for p in problem_rows(conn, i)] for i in ids} == before
    assert conn.execute("SELECT COUNT(*) FROM problems WHERE code = ?", (CLAIM_WITHOUT_FILE,)).fetchone()[0] == 0
    conn.close()


def test_a_receipt_reads_the_problems_rows_from_the_answers_it_has(round_with_evidence):
    """own_problems and claim_problems (the claim lines made from the answers rows a receipt reads anyway) are
    problem_rows' columns level … column_name; with a claimed task's row not given, claim_problems says so."""
    ws, _ = round_with_evidence
    conn = connect(ws.db_path)
    ids = [row[0] for row in conn.execute("SELECT id FROM submissions ORDER BY id")]
    claimed = 0
    for submission_id in ids:
        answered = {task_id: (sheet, evidence) for task_id, sheet, evidence in conn.execute(
            "SELECT task_id, sheet, evidence FROM answers WHERE submission_id = ?", (submission_id,))}
        claims = claim_problems(conn, submission_id, answered)
        assert claims is not None
        rows = [tuple(p)[1:9] for p in problem_rows(conn, submission_id)]
        assert own_problems(conn, submission_id) + claims == rows
        claimed += len(claims)
        if claims:
            del answered[claims[-1][3]]
            assert claim_problems(conn, submission_id, answered) is None
    assert claimed and any(own_problems(conn, i) for i in ids)
    conn.close()


def test_evidence_command_prints_counts(round_with_evidence):
    ws, _ = round_with_evidence
    result = CliRunner().invoke(main, ["evidence", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "缺证清单.xlsx" in result.output and "佐证材料目录.xlsx" in result.output


@pytest.mark.parametrize(("name", "task"), [
    ("7-会议纪要.pdf", "7"), ("任务7/签到表.jpg", "7"), ("第7项 报告.docx", "7"), ("（7）方案.pdf", "7"),
    ("07_会议.pdf", "7"), ("7号任务-现场照片.jpg", "7"), ("2026年总结.pdf", None), ("会议纪要.pdf", None),
    ("工作方案.pdf", "8"),
])
def test_matching_rules(name, task):
    rows = {"7": "会议纪要", "8": "工作方案", "9": "会议纪要、培训签到表"}
    assert match_file(name, rows).task_id == task


def test_export_streams_large_files_and_replaces_changed_copies(round_with_evidence):
    """A big archived file is copied without being read into memory; a changed copy is copied again."""
    import tracemalloc

    ws, _ = round_with_evidence
    data = load_evidence(ws)
    big = next(f for c in data.claims for f in c.files if f.name.endswith("1-权责清单文件.pdf"))
    archived = ws.root / big.archive_path
    archived.write_bytes(b"%PDF" + os.urandom(1024) * 20 * 1024)  # 20 MB stand-in for a video
    tracemalloc.start()
    result = write_evidence(ws)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    copy = result.tree / "一、依法行政（50分）/1 权责清单公布/县财政局/1-权责清单文件.pdf"
    assert copy.stat().st_size == archived.stat().st_size
    assert peak < 8 * 1024 * 1024
    copy.write_bytes(b"tampered")
    assert write_evidence(ws).copied == 1 and copy.stat().st_size == archived.stat().st_size


def test_report_gives_the_same_scores_in_a_paragraph_and_annex_4(round_with_evidence):
    from docx import Document

    from reporting.report import write_report

    ws, _ = round_with_evidence
    expected = _expected_scores()
    report = write_report(ws)
    document = Document(str(report.docx))
    text = "\n".join(p.text for p in document.paragraphs)
    total = round(sum(expected.values()), 2)
    assert f"对照指标体系自评{total:g}分（满分100分）" in text and "附件4" in text
    # a figure of the whole round: in 一、总体情况, not under the last area of 二
    assert text.index("一、总体情况") < text.index("对照指标体系自评") < text.index("二、主要工作及成效")
    annex = next(t for t in document.tables if t.rows[0].cells[0].text == "一级指标")
    rows = {r.cells[1].text: r.cells for r in annex.rows[1:] if r.cells[1].text}
    assert {k: float(c[6].text) for k, c in rows.items()} == pytest.approx(expected)
    assert annex.rows[-1].cells[0].text == "合计" and float(annex.rows[-1].cells[6].text) == pytest.approx(total)


def test_files_sent_after_the_return_clear_its_receipt_lines(ws):
    """The workbook first, its evidence a run later: the receipt is written again without the proved claim."""
    record_round(ws)
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"1": done(), "4": done(), "5": ongoing()},
                 mtime=1_789_000_000)
    collect_inbox(ws, workers=0)
    receipt = ws.round_dir(ROUND) / "回执" / "县公安局.xlsx"

    def claim_lines() -> list[str]:
        sheet = openpyxl.load_workbook(receipt)["问题清单"]
        return sorted(str(r[0]) for r in sheet.iter_rows(values_only=True) if r[2] and "【佐证】" in r[2])

    assert len(claim_lines()) == 2  # tasks 1 and 4 claim 已完成 with no file yet
    _zip(ws.inbox / "县公安局佐证材料.zip", {"任务4/签到表.jpg": b"\xff\xd8 four"}, 1_789_000_100)
    collect_inbox(ws, workers=0)
    assert len(claim_lines()) == 1
    assert round_status(ws).missing_evidence == {"县公安局": 1}


# A file name holds no "/" (in a zip it is a folder), so the link in the formula is a bare host.
HOSTILE = ['=HYPERLINK("x.example","y").pdf', "+1+2.pdf", "-1-2.pdf", "@SUM(A1).pdf", "1-=cmd|' C calc'!A0.pdf"]


def test_hostile_file_names_are_plain_text_in_the_catalogue_and_its_link_is_our_copy(ws, tmp_path):
    record_round(ws)
    finance = tmp_path / "财政局.xlsx"
    write_return(finance, "县财政局", {"1": done(佐证材料="+会议纪要")})
    _zip(ws.inbox / "县财政局报送.zip", {"台账.xlsx": finance.read_bytes(),
                                    **{name: name.encode() for name in HOSTILE}}, 1_789_000_000)
    collect_inbox(ws, workers=0)
    result = write_evidence(ws)
    sheet = openpyxl.load_workbook(result.catalogue)["佐证材料目录"]
    header = [c.value for c in sheet[1]]
    rows = {row[header.index("文件")].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(HOSTILE) <= set(rows), list(rows)
    for name in HOSTILE:
        row = rows[name]
        for cell in row:
            assert cell.data_type in ("s", "n"), (name, cell.coordinate, cell.value)
            assert not str(cell.value or "").startswith("=") or cell.value == name
        assert row[header.index("佐证材料（所填）")].value in (None, "+会议纪要")
        link = row[header.index("存档副本")]
        target = link.hyperlink.target.replace("\\", "/")
        assert target.startswith("../../archive/") and "HYPERLINK" not in target
        assert (result.catalogue.parent / target).resolve().read_bytes() == name.encode()
        assert link.value == Path(target).relative_to("../..").as_posix()
    missing = openpyxl.load_workbook(result.missing)["未对应任务的文件"]
    listed = {r[1].value: r[1].data_type for r in missing.iter_rows(min_row=2)}
    assert {listed[name] for name in HOSTILE if name in listed} == {"s"} and len(listed) >= 4


def test_exported_file_names_carry_no_direction_override(ws, tmp_path):
    """照片\\u202egpj.exe shows in Explorer as 照片exe.jpg: exported under 佐证材料/ as it was sent, the
    coordinator would open a program as a photo. Direction controls and DEL become "_" in the exported names
    (the catalogue keeps the name as sent)."""
    import io
    import zipfile

    record_round(ws)
    finance = tmp_path / "财政局.xlsx"
    write_return(finance, "县财政局", {"1": done()})
    sent = ["1-会议照片\u202egpj.exe", "1-签到表\u2067fdp.bat\u2069.pdf", "1-方案\u200f\x7f.pdf"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("台账.xlsx", finance.read_bytes())
        for name in sent:
            zf.writestr(name, b"%PDF-1.4 " + name.encode())
    (ws.inbox / "县财政局报送.zip").write_bytes(out.getvalue())
    collect_inbox(ws, workers=0)
    result = write_evidence(ws)
    exported = [p.name for p in ws.outbox.rglob("*") if p.is_file() and "佐证材料" in p.parts]
    assert len(exported) == len(sent), exported
    assert "1-会议照片_gpj.exe" in exported
    for name in exported:
        assert not any(ch in name for ch in "\u202e\u2067\u2069\u200f\x7f"), repr(name)
    sheet = openpyxl.load_workbook(result.catalogue)["佐证材料目录"]
    header = [c.value for c in sheet[1]]
    assert set(sent) <= {row[header.index("文件")].value for row in sheet.iter_rows(min_row=2)}
