"""Rule codes: every problem a return can have carries a stable code, kept in the store beside its Chinese text."""

from __future__ import annotations

from returns import ROUND, Spoil, done, ongoing, record_round, write_return

from reporting.collect import collect_inbox
from reporting.collect_match import RETURN_RULES
from reporting.evidence import EVIDENCE_RULES
from reporting.readers.base import FILE_RULES
from reporting.readers.returned_workbook import STRUCTURE_NOTES
from reporting.store import connect
from reporting.validate import ROW_RULES
from reporting.vocabulary import ERROR, EVIDENCE, MISSING, NOTE, OVERDUE, WARNING


def test_codes_are_unique_across_the_tables_and_each_rule_speaks_chinese():
    tables = [ROW_RULES, RETURN_RULES, STRUCTURE_NOTES, EVIDENCE_RULES]
    codes = [code for table in [*tables, FILE_RULES] for code in table]  # FILE_RULES: a file refused as a whole
    assert len(codes) == len(set(codes))
    assert "zip.no_workbook" in FILE_RULES and {c.split(".")[0] for c in EVIDENCE_RULES} == {"evidence"}
    for table in tables:
        for code, rule in table.items():
            assert rule.code == code and code.count(".") == 1 and code == code.lower()
            assert rule.level in (ERROR, WARNING, MISSING, OVERDUE, NOTE, EVIDENCE)  # NOTE: how a word was read
            assert rule.message == "{note}" or any("\u4e00" <= ch <= "\u9fff" for ch in rule.message)


def _codes(ws) -> list[tuple[str, str | None, str]]:
    conn = connect(ws.db_path)
    return [tuple(r) for r in conn.execute("SELECT code, task_id, level FROM problems ORDER BY rowid")]


def test_a_return_stores_the_code_of_each_problem(ws):
    record_round(ws)
    spoil = Spoil(sheet_name="台账", extra_rows={"4": ongoing(), "9": ongoing()},
                  task_text={"2": "改过的任务文字"}, merged=("2", "3", "下一步计划"), drop_headers=("存在问题",))
    write_return(ws.inbox / "财政局.xlsx", "县财政局",
                 {"1": done(佐证材料=None, 材料提供方式=None), "2": ongoing(完成状态="差不多"),
                  "3": ongoing(**{"完成进度(%)": 150})}, spoil=spoil)
    collect_inbox(ws, receipts=False)
    codes = _codes(ws)
    assert ("sheet.renamed", None, WARNING) in codes
    assert ("header.by_position", None, WARNING) in codes
    assert ("cells.merged", None, WARNING) in codes
    assert ("row.not_assigned", "4", ERROR) in codes
    assert ("row.unknown_task", "9", ERROR) in codes
    assert ("done.no_evidence", "1", ERROR) in codes
    assert ("status.unknown", "2", ERROR) in codes
    assert ("row.text_changed", "2", WARNING) in codes
    assert ("progress.range", "3", ERROR) in codes
    assert ("task.overdue", "1", OVERDUE) in codes
    assert all(code for code, _, _ in codes)
    conn = connect(ws.db_path)
    message = conn.execute("SELECT message FROM problems WHERE code = 'status.unknown'").fetchone()[0]
    assert message == "完成状态「差不多」无法识别"  # receipts keep the Chinese text


def test_missing_rows_and_a_return_for_another_round(ws):
    record_round(ws, "2026年第二季度", generated_at="2026-06-01T09:00:00")
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done()}, round_name="2026年第二季度")
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"1": done()}, round_name=ROUND)
    collect_inbox(ws, receipts=False)
    codes = _codes(ws)
    assert ("return.other_round", None, WARNING) in codes
    assert ("row.missing", "4", MISSING) in codes and ("row.missing", "5", MISSING) in codes
