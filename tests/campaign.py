"""A campaign with known answers, written into reporting.db by plain SQL, and its figures worked out here.

The expected figures are computed from the literal tables below by the rules of PRODUCT.md, without
reporting.figures, so the tests of consolidate and report check the whole chain against an independent sum.

Two rounds: 2026年第一季度 (generated first) and 2026年第二季度 (the one under test, due 2026-06-30).
Five units; 乙镇 never returns; 县司法局 returns twice (the first return is superseded); 县财政局 has a row
with an error; 县公安局's return lacks one row. Some typed text starts with = + - @.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from reporting.readers.base import column_letter
from reporting.store import connect, dumps, transaction
from reporting.workbook_spec import FILL_COLUMNS, LEDGER_COLUMNS
from reporting.workspace import Settings, Workspace

FILL_LETTERS = [column_letter(LEDGER_COLUMNS.index(name)) for name in FILL_COLUMNS]  # as generate lays them out

CAMPAIGN = "某县法治政府建设示范创建"
ROUND = "2026年第二季度"
PREVIOUS = "2026年第一季度"
DUE = date(2026, 6, 30)
SIGNERS = ["某县法治政府建设领导小组办公室", "某县司法局"]
REPORT_DATE = date(2026, 7, 6)

A1, A2, A3 = "（一）依法全面履行政府职能", "（二）完善依法行政制度体系", "（三）推进行政决策科学化民主化法治化"
# id, area, text, deadline, lead units, responsible units
TASKS = [
    ("1.1", A1, "深化行政审批制度改革，全面清理行政审批事项。", "2026-03-31", ["县司法局"],
     ["县财政局", "甲镇人民政府"]),
    ("1.2", A1, "推行权力清单、责任清单制度并实行动态管理。", "长期", ["县财政局"], ["乙镇人民政府"]),
    ("2.1", A2, "加强规范性文件监督管理，建立规范性文件清理长效机制。", "2026-12-31", ["县司法局"], ["县公安局"]),
    ("2.2", A2, "落实合法性审查和集体讨论决定制度。", "2026-05-31", ["县公安局"], ["甲镇人民政府", "乙镇人民政府"]),
    ("3.1", A3, "健全依法决策机制，推行重大行政决策目录管理。", "2026-06-30", ["甲镇人民政府"], []),
    ("3.2", A3, "增强公众参与实效，完善重大行政决策听证制度。", None, ["县司法局"], ["县财政局"]),
]
UNITS = [  # name, category, liaison, phone, email
    ("县司法局", "县直部门", "张敏", "13800000001", "sfj@example.cn"),
    ("县财政局", "县直部门", "李强", "13800000002", "czj@example.cn"),
    ("县公安局", "县直部门", "王芳", "13800000003", "gaj@example.cn"),
    ("甲镇人民政府", "乡镇", "赵磊", "13800000004", "jz@example.cn"),
    ("乙镇人民政府", "乡镇", "孙丽", "13800000005", "yz@example.cn"),
]
FORMULA_LIKE = ["=SUM(A1:A3)完善听证制度，组织听证会2场。", "+86 配合清理财政类审批事项5项。", "-部门协同不够顺畅。",
                "@各科室 按月报送进度。"]

XML_LIKE = "<r>8件</r>"  # xlsxwriter would copy this into the sheet as raw XML if written as a plain string
MARKUP_LIKE = "建立镇合法性审查目录<试行>&动态调整机制。"  # must reach the .docx as typed, not break its XML


@dataclass
class Row:
    """One row of a return: accepted or not, and what the unit typed."""

    status: str
    progress: float | None
    measures: str = ""
    problems: str = ""
    next_steps: str = ""
    accepted: bool = True
    target_value: str = ""
    evidence: str = ""
    evidence_mode: str = ""


@dataclass
class Return:
    unit: str
    file_name: str
    rows: dict[str, Row]
    superseded: bool = False  # an earlier return replaced by a later one of the same unit
    member: str = ""


CURRENT_RETURNS = [
    Return("县司法局", "司法局台账-初稿.xlsx", {
        "1.1": Row("未启动", 0), "2.1": Row("未启动", 0), "3.2": Row("未启动", 0)}, superseded=True),
    Return("县司法局", "县司法局.xlsx", {
        "1.1": Row("已完成", 100,
                   "全面清理行政审批事项37项，取消12项。印发清理结果并向社会公布。同步建立动态调整机制。",
                   "基层审批人员业务能力不足。", "开展审批人员业务培训2期。", evidence="清理结果.pdf",
                   evidence_mode="已附材料"),
        "2.1": Row("推进中", 60, "已清理规范性文件12件，废止3件。", "无", "年底前完成全部清理。"),
        "3.2": Row("已完成", 100, FORMULA_LIKE[0], "", "", evidence_mode="实地核查时提供"),
    }),
    Return("县财政局", "财政局.zip", {
        "1.1": Row("推进中", 50, FORMULA_LIKE[1], FORMULA_LIKE[2], FORMULA_LIKE[3]),
        "1.2": Row("完成了吧", None, "已公布权力清单。", accepted=False),
        "3.2": Row("未启动", 0, "", "", "下半年启动听证目录编制。"),
    }, member="县财政局.xlsx"),
    Return("县公安局", "县公安局台账.xls", {
        "2.1": Row("已完成", 100, "梳理公安类规范性文件8件，全部完成合法性审核。", "", "", target_value=XML_LIKE),
    }),
    Return("甲镇人民政府", "甲镇.xlsx", {
        "1.1": Row("已完成", 100, "承接下放审批事项9项，全部进驻便民服务中心。", "", ""),
        "2.2": Row("推进中", 30, MARKUP_LIKE, "镇级合法性审查力量薄弱。", "聘请法律顾问1名。"),
        "3.1": Row("推进中", 80, "制定重大行政决策目录，纳入事项6项。", "", "9月底前完成目录公开。"),
    }),
]
PREVIOUS_RETURNS = [
    Return("县司法局", "县司法局-一季度.xlsx", {
        "1.1": Row("推进中", 50, "启动行政审批事项清理。"), "2.1": Row("未启动", 0), "3.2": Row("推进中", 20)}),
    Return("甲镇人民政府", "甲镇-一季度.xlsx", {"1.1": Row("推进中", 40), "2.2": Row("未启动", 0),
                                          "3.1": Row("未启动", 0)}),
]


def assignments() -> list[tuple[str, str, str]]:
    """(unit, task, role) for every pair, in plan order, lead units first."""
    pairs = []
    for task_id, _, _, _, lead, responsible in TASKS:
        pairs += [(unit, task_id, "牵头") for unit in lead]
        pairs += [(unit, task_id, "责任") for unit in responsible]
    return pairs


def build_campaign(ws: Workspace, *, with_previous: bool = True, with_returns: bool = True) -> None:
    """Fill ws/reporting.db with both rounds (or only the current one) and write the settings."""
    ws.save_settings(Settings(campaign=CAMPAIGN, signers=SIGNERS, round_name=ROUND, round_due=DUE,
                              report_date=REPORT_DATE))
    conn = connect(ws.db_path)
    with transaction(conn):
        conn.executemany("INSERT INTO units (name, category, liaison, phone, email) VALUES (?, ?, ?, ?, ?)", UNITS)
        rounds = [(PREVIOUS, "2026-03-31", "2026-01-05T09:00:00", PREVIOUS_RETURNS)] if with_previous else []
        rounds.append((ROUND, DUE.isoformat(), "2026-04-02T09:00:00", CURRENT_RETURNS))
        for name, due, generated_at, returns in rounds:
            _round(conn, name, due, generated_at, returns if with_returns else [])
    conn.close()


def _round(conn, name: str, due: str, generated_at: str, returns: list[Return]) -> None:
    conn.execute("INSERT INTO rounds (name, due, campaign, generated_at) VALUES (?, ?, ?, ?)",
                 (name, due, CAMPAIGN, generated_at))
    for seq, (task_id, area, text, deadline, lead, responsible) in enumerate(TASKS, start=1):
        conn.execute(
            "INSERT INTO round_tasks (round, task_id, seq, area, path, text, lead, responsible, deadline, targets, "
            "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?)",
            (name, task_id, seq, area, dumps([area]), text, dumps(lead), dumps(responsible), deadline, "fp" + task_id))
    conn.executemany("INSERT INTO assignments (round, unit, task_id, role) VALUES (?, ?, ?, ?)",
                     [(name, *pair) for pair in assignments()])
    latest: dict[str, int] = {}
    for index, ret in enumerate(returns, start=1):
        latest[ret.unit] = _submission(conn, name, ret, index)
    for unit, submission in latest.items():  # a unit's earlier returns are replaced by its last one
        conn.execute("UPDATE submissions SET superseded_by = ? WHERE round = ? AND unit = ? AND id <> ?",
                     (submission, name, unit, submission))


def _submission(conn, round_name: str, ret: Return, index: int) -> int:
    file_hash = hashlib.sha1(f"{round_name}/{ret.file_name}".encode()).hexdigest()
    conn.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, mtime, seen_at, run_id, status) "
                 "VALUES (?, ?, ?, ?, 1000, 0, ?, 1, 'read')",
                 (file_hash, ret.file_name, f"inbox/{ret.file_name}", f"archive/{file_hash}", _read_at(index)))
    errors = sum(not row.accepted for row in ret.rows.values())
    cursor = conn.execute(
        "INSERT INTO submissions (file_hash, member, round, unit, recognized_by, read_at, run_id, verdict, errors, "
        "columns) VALUES (?, ?, ?, ?, '识别信息', ?, 1, ?, ?, ?)",
        (file_hash, ret.member, round_name, ret.unit, _read_at(index), "退回修改" if errors else "已接收", errors,
         json.dumps(FILL_LETTERS)))
    submission = cursor.lastrowid
    for task_id, row in ret.rows.items():
        line = 3 + [t[0] for t in TASKS].index(task_id)
        conn.execute(
            "INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures, target_value, "
            "evidence, evidence_mode, problems, next_steps, sheet, row) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '工作台账', ?)",
            (submission, task_id, int(row.accepted), row.status, row.progress, row.measures, row.target_value,
             row.evidence, row.evidence_mode, row.problems, row.next_steps, line))
    return submission


def _read_at(index: int) -> str:
    return f"2026-06-{20 + index:02d}T10:00:00"


# -- the expected figures, by hand -------------------------------------------------------------------


@dataclass
class Counts:
    tasks: int = 0
    done: int = 0
    ongoing: int = 0
    not_started: int = 0
    needs_fix: int = 0
    not_reported: int = 0
    overdue: int = 0
    progress: float = 0.0
    units: set[str] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return self.done / self.tasks if self.tasks else 0.0

    @property
    def average(self) -> float:
        return self.progress / self.tasks if self.tasks else 0.0


@dataclass
class Expected:
    states: dict[tuple[str, str], str]
    overdue: set[tuple[str, str]]
    total: Counts
    units: dict[str, Counts]
    areas: dict[str, Counts]
    tasks: dict[str, Counts]
    returned: set[str]
    lead_state: dict[str, str]

    @property
    def return_rate(self) -> float:
        return len(self.returned) / len(self.units)

    def area_return_rate(self, area: str) -> float:
        members = self.areas[area].units
        return len(members & self.returned) / len(members)

    @property
    def tasks_done(self) -> int:
        return sum(c.done == c.tasks for c in self.tasks.values())


def expected(returns: list[Return] | None = None, as_of: date = DUE) -> Expected:
    """The figures of a round from the literal returns above, by PRODUCT.md's rules."""
    returns = CURRENT_RETURNS if returns is None else returns
    latest = {ret.unit: ret for ret in returns if not ret.superseded}
    deadlines = {t[0]: t[3] for t in TASKS}
    areas_of = {t[0]: t[1] for t in TASKS}
    result = Expected({}, set(), Counts(), {}, {}, {}, set(latest), {})
    for unit, task_id, role in assignments():
        row = latest[unit].rows.get(task_id) if unit in latest else None
        state = "未报送" if row is None else (row.status if row.accepted else "待修改")
        progress = (row.progress or 0) if row is not None and row.accepted else 0
        late = bool(deadlines[task_id] and deadlines[task_id] != "长期"
                    and date.fromisoformat(deadlines[task_id]) < as_of and state in ("推进中", "未启动", "待修改"))
        result.states[(unit, task_id)] = state
        if late:
            result.overdue.add((unit, task_id))
        if role == "牵头":
            result.lead_state[task_id] = state
        for counts in (result.total, result.units.setdefault(unit, Counts()),
                       result.areas.setdefault(areas_of[task_id], Counts()),
                       result.tasks.setdefault(task_id, Counts())):
            _count(counts, state, progress, late, unit)
    return result


STATE_FIELDS = {"已完成": "done", "推进中": "ongoing", "未启动": "not_started", "待修改": "needs_fix"}


def _count(counts: Counts, state: str, progress: float, late: bool, unit: str) -> None:
    counts.tasks += 1
    counts.progress += progress
    counts.overdue += late
    counts.units.add(unit)
    attr = STATE_FIELDS.get(state, "not_reported")
    setattr(counts, attr, getattr(counts, attr) + 1)


def pct(rate: float) -> str:
    """How a rate reads in the report: one decimal and a percent sign."""
    return f"{rate * 100:.1f}%"
