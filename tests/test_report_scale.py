"""The report at province scale (issue 17): nothing in it reads the round's pairs one by one in Python. The tallies
are SQL GROUP BY sums, the examples of 二 an ORDER BY of the documented rule, and the units' problems and plans a
GROUP BY of their first clauses, over the notes (quotes.py) collect stores with each answer and an older store
gets when the report first needs them."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from campaign import build_campaign
from county import build_county
from returns import done, ongoing, record_round, write_return

from reporting import report_text
from reporting.collect import collect_inbox
from reporting.figures import Pairs, compute_figures
from reporting.models import ROLE_LEAD
from reporting.quotes import NOTE_COLUMNS, answer_notes, is_trivial, quantities, says_something
from reporting.report import write_report
from reporting.store import MIGRATIONS, SCHEMA_VERSION, connect
from reporting.summary import load_summary
from reporting.vocabulary import STATUS_DONE, STATUS_ONGOING
from reporting.workspace_init import init_workspace

TEXTS = ["measures", "target_value", "problems", "next_steps"]


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    ws = init_workspace(tmp_path_factory.mktemp("县级") / "工作目录")
    build_county(ws)
    return ws


def test_collect_stores_the_notes_of_each_answer(ws):
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局",
                 {"1": done(存在问题="本局，基层人手不足。另有经费问题"), "2": ongoing(), "3": {"完成状态": "好"}})
    collect_inbox(ws, receipts=False)
    conn = connect(ws.db_path)
    rows = conn.execute(f"SELECT {', '.join(TEXTS + NOTE_COLUMNS)} FROM answers").fetchall()
    assert len(rows) == 3
    assert all(tuple(row)[4:] == answer_notes(*tuple(row)[:4]) for row in rows)
    notes = {row["measures"]: tuple(row)[4:] for row in rows}
    assert notes[done()["工作举措及成效"]][:1] == (1,)  # quotable, one quantified result (120项)
    assert notes["正在推进。"][0] == -1  # says nothing more than 推进中
    assert "基层人手不足" in {row["problem_key"] for row in rows}
    assert "年底前完成" in {row["plan_key"] for row in rows}


def _schema_10_store(path) -> None:
    """A store of the schema before the answers' notes (migration 11)."""
    old = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:10]:
        for statement in migration.split(";"):
            if statement.strip():
                old.execute(statement)
    old.execute("PRAGMA user_version = 10")
    old.execute("INSERT INTO rounds (name, due, generated_at) VALUES ('轮', '2026-06-30', '2026-01-01')")
    for seq in (1, 2):
        old.execute("INSERT INTO round_tasks (round, task_id, seq, area, text, lead, deadline, fingerprint) "
                    "VALUES ('轮', ?, ?, '（一）领域', '任务', '[\"甲局\"]', '2026-12-31', 'fp')", (str(seq), seq))
        for unit in ("甲局", "乙局"):
            old.execute("INSERT INTO assignments VALUES ('轮', ?, ?, ?)",
                        (unit, str(seq), ROLE_LEAD if unit == "甲局" else "责任"))
    old.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) "
                "VALUES ('h', 'x.xlsx', 'i', 'a', 1, 'now', 'read')")
    for sid, unit in ((1, "甲局"), (2, "乙局")):
        old.execute("INSERT INTO submissions (id, file_hash, round, unit, recognized_by, read_at, verdict) "
                    "VALUES (?, 'h', '轮', ?, 'x', 'now', '已接收')", (sid, unit))
        for task_id in ("1", "2"):
            old.execute("INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures, "
                        "target_value, problems, next_steps) VALUES (?, ?, 1, '已完成', 100, ?, ?, ?, '')",
                        (sid, task_id, f"{unit}制定实施方案，培训执法人员{sid * 30}人次", "无", "经费保障不足。其他"))
    old.close()


def test_a_store_of_schema_10_gets_the_notes_when_the_report_needs_them(tmp_path):
    path = tmp_path / "reporting.db"
    _schema_10_store(path)
    conn = connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM answers WHERE quote IS NULL").fetchone()[0] == 4
    figures = compute_figures(conn, "轮")
    problems, plans = report_text.group_texts(figures)
    assert [(g.text, len(g.units), g.answers) for g in problems] == [("经费保障不足", 2, 4)] and plans == []
    rows = conn.execute(f"SELECT {', '.join(TEXTS + NOTE_COLUMNS)} FROM answers").fetchall()
    assert all(tuple(row)[4:] == answer_notes(*tuple(row)[:4]) for row in rows)
    picked = list(report_text.Candidates(figures).area("（一）领域"))
    assert [(p.unit, p.task_id) for p in picked] == [("甲局", "1"), ("甲局", "2"), ("乙局", "1"), ("乙局", "2")]


def test_examples_are_ranked_by_the_documented_rule(county):
    """candidates' SQL order is the module docstring's rule, worked out here in Python over every pair."""
    data = load_summary(county, with_sources=False)
    f = data.figures
    rates = {u.unit: u.completion_rate for u in f.units}
    seq = {t.task_id: t.seq for t in f.tasks}

    def key(p):
        merit = (p.state == STATUS_DONE, not is_trivial(p.target_value), min(quantities(p.measures), 3),
                 p.role == ROLE_LEAD, rates[p.unit], p.progress or 0.0)
        return tuple(-float(v) for v in merit), seq[p.task_id], p.unit

    expected: dict[str, list[tuple[str, str]]] = {}
    for pair in sorted((p for p in f.pairs if p.state in (STATUS_DONE, STATUS_ONGOING)
                        and says_something(p.measures)), key=key):
        expected.setdefault(pair.area, []).append((pair.unit, pair.task_id))
    found = {area.area: [(p.unit, p.task_id) for p in report_text.Candidates(f).area(area.area)] for area in f.areas}
    assert found == expected
    assert len(expected) == len(f.areas) and sum(map(len, expected.values())) > 1000
    # the first few of every area read a few units' answers, not all
    best = report_text.Candidates(f)
    for area in f.areas:
        assert [(p.unit, p.task_id) for p in itertools.islice(best.area(area.area), 5)] == found[area.area][:5]
    assert 0 < sum(map(len, best.read)) < sum(map(len, expected.values()))


def test_the_report_reads_no_pair_one_by_one(county, ws, monkeypatch):
    def refuse(self):
        raise AssertionError("the report read every pair in Python")

    build_campaign(ws)
    monkeypatch.setattr(Pairs, "__iter__", refuse)
    monkeypatch.setattr(Pairs, "by_area", refuse)
    for workspace in (county, ws):
        assert write_report(workspace).docx.exists()


def test_the_template_turns_filled_in_line_breaks_into_breaks_and_leaves_other_text_alone():
    from reporting.report import ReportTemplate
    from reporting.templates import builtin_template

    template = ReportTemplate(str(builtin_template("docx")))
    plain = '<w:p><w:r><w:t xml:space="preserve">县财政局</w:t></w:r></w:p>\n<w:p><w:r><w:t>12</w:t></w:r></w:p>'
    assert template.resolve_listing(plain) is plain  # a newline between paragraphs is no line break
    broken = template.resolve_listing('<w:p><w:r><w:t>甲\n乙</w:t></w:r></w:p>')
    assert broken == '<w:p><w:r><w:t>甲</w:t><w:br/><w:t xml:space="preserve">乙</w:t></w:r></w:p>'


def test_annex_rows_are_filled_as_docxtpl_fills_them(county, ws, monkeypatch):
    """The rows of 附件1–3 and 表1 joined around their values (report.ReportTemplate) make the same document.xml as
    docxtpl's Jinja loop, texts to be escaped included (tests/campaign.py has markup-like and formula-like work)."""
    import zipfile

    from reporting.report import ReportTemplate

    build_campaign(ws)
    taken: list[int] = []
    take = ReportTemplate._take_rows

    def counting(self, match, context):
        found = take(self, match, context)
        taken.append(found != match.group())
        return found

    def document(workspace) -> bytes:
        return zipfile.ZipFile(write_report(workspace).docx).read("word/document.xml")

    monkeypatch.setattr(ReportTemplate, "_take_rows", counting)
    joined = {workspace: document(workspace) for workspace in (county, ws)}
    assert taken and all(taken)  # every annex's rows were joined
    monkeypatch.setattr(ReportTemplate, "_take_rows", lambda self, match, context: match.group())
    for workspace, xml in joined.items():
        assert document(workspace) == xml
    assert b"reporting-rows" not in joined[county]


def test_a_row_with_more_than_values_is_left_to_jinja():
    from reporting.report import _ROW_LOOP, ReportTemplate
    from reporting.templates import builtin_template

    template = ReportTemplate(str(builtin_template("docx")))
    template._rows = {}
    context = {"附件2": [{"单位": "县<财政>局", "序号": 1}], "单位": [{"名称": "甲\n乙"}]}

    def take(xml: str) -> str:
        return _ROW_LOOP.sub(lambda match: template._take_rows(match, context), xml)

    simple = '{% for r in 附件2 %}<w:tr><w:tc><w:t>{{ r.序号 }}</w:t><w:t>{{r.单位}}</w:t></w:tc></w:tr>{% endfor %}'
    assert take(simple) == "<!--reporting-rows:0-->"
    assert template._rows["reporting-rows:0"] == "<w:tr><w:tc><w:t>1</w:t><w:t>县&lt;财政&gt;局</w:t></w:tc></w:tr>"
    for other in ('{% for r in 附件2 %}<w:tr><w:t>{{ r.单位|upper }}</w:t></w:tr>{% endfor %}',
                  '{% for r in 附件2 %}<w:tr><w:t>{{ r.单位 }}{% if r.序号 %}x{% endif %}</w:t></w:tr>{% endfor %}',
                  '{% for r in 附件2 %}<w:tr><w:t>{{ r.名称 }}</w:t></w:tr>{% endfor %}',  # not a key of its rows
                  '{% for r in 单位 %}<w:tr><w:t>{{ r.名称 }}</w:t></w:tr>{% endfor %}'):  # a line break in a value
        assert take(other) == other


def test_problems_and_plans_are_grouped_from_kept_counts_equal_to_the_answers(county):
    """kept_texts (counted when returns are stored) against a GROUP BY of the answers themselves."""
    from reporting.figures import TEXT_KINDS, state_sql
    from reporting.vocabulary import STATE_NOT_REPORTED

    f = compute_figures(connect(county.db_path), county.settings().round_name or "")
    assert isinstance(f.pairs, Pairs)
    for kind in TEXT_KINDS:
        kept = f.pairs.fetch("SELECT key, unit, n FROM kept_texts WHERE round = :round AND kind = :kind "
                             "ORDER BY key, unit", kind=kind)
        counted = f.pairs.fetch(f"WITH {{cte}} SELECT p.{kind}, p.unit, COUNT(*) FROM answered p WHERE p.{kind} <> '' "
                                f"AND NOT {state_sql(STATE_NOT_REPORTED)} GROUP BY p.{kind}, p.unit "
                                f"ORDER BY p.{kind}, p.unit")
        assert kept == counted and len(kept) > 10
    problems, plans = report_text.group_texts(f)
    assert problems and plans


def _grouped_one_by_one(counts):
    """Each text compared with every group made before it: the rule _grouped keeps, at its old cost."""
    groups = []
    for text, (answers, units) in sorted(counts.items(), key=lambda item: (-item[1][0], item[0])):
        grams = report_text._bigrams(text)
        home = next((group for shape, group in groups if report_text._similar(shape, grams)), None)
        if home is None:
            home = report_text.Group(text)
            groups.append((grams, home))
        home.add(units, answers)
    return sorted((group for _, group in groups), key=lambda g: (-len(g.units), -g.answers, g.text))


def test_problems_are_grouped_as_by_comparing_each_with_every_group():
    """_grouped compares a text only with the groups sharing one of its rarest character pairs: the groups are
    the same as comparing it with every group, on texts alike in every degree (shared words, a character or
    a clause more or less, short texts, punctuation only)."""
    import random

    rng = random.Random(17)
    words = ["基层", "人员", "力量", "不足", "经费", "保障", "有待", "加强", "工作", "认识", "不够", "到位", "专业",
             "培训", "偏少", "机制", "不健全", "宣传", "覆盖面", "窄", "信息化", "水平", "不高", "、", "，", "！"]
    counts = {}
    while len(counts) < 3000:
        text = "".join(rng.choice(words) for _ in range(rng.randint(1, 7)))
        counts[text] = (rng.randint(1, 9), [f"单位{rng.randint(0, 300)}"])
    counts.update({"": (1, ["单位甲"]), "，": (2, ["单位乙"]), "足": (1, ["单位丙"])})
    fast, slow = report_text._grouped(counts), _grouped_one_by_one(counts)
    assert [(g.text, g.units, g.answers) for g in fast] == [(g.text, g.units, g.answers) for g in slow]
    assert len(slow) < len(counts) * 0.6  # texts were grouped: alike ones joined
