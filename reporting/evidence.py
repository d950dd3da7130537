"""佐证材料: the files units send behind their claims, matched to tasks, catalogued, exported by indicator.

A file is matched to one of the unit's tasks by a task number in its name or folder (`7-会议纪要.pdf`,
`任务7/签到表.jpg`, `第7项…`), else by a name written in that task's 佐证材料 cell (`会议纪要` in
`工作方案、会议纪要`); a file that fits no task, or several, stays unassigned and the receipt says so.

`reporting evidence` writes, for a round: 佐证材料目录.xlsx (indicator → task → unit → file), the export
tree 佐证材料/<一级>/<三级编号 简称>/<单位>/… (files streamed from archive/, copied only when changed), and
缺证清单.xlsx: 已完成 claims without a file and not marked 实地核查时提供/情况说明, indicators without any
evidence, and files that fit no task.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path, PurePosixPath

from .figures import Pair, compute_figures, state_sql
from .indicators import Indicator, IndicatorSystem, load_indicators
from .naming import file_stem
from .plain_xlsx import Link, Table, write_tables
from .progress import ProgressHook, no_progress
from .rounds import store_round
from .store import connect
from .task_ledger import read_ledger
from .vocabulary import EVIDENCE, MATERIAL_EXPLAINED, MATERIAL_ON_SITE, STATUS_DONE, Rule, rule_table
from .workspace import Workspace

CATALOGUE_FILE = "佐证材料目录.xlsx"
MISSING_FILE = "缺证清单.xlsx"
EXPORT_DIR = "佐证材料"
NO_INDICATOR_DIR = "未对应指标"
UNASSIGNED_DIR = "未对应任务"
NOT_FILE_MODES = (MATERIAL_ON_SITE, MATERIAL_EXPLAINED)  # claims proved otherwise than by a file

BY_NUMBER = "文件名中的任务编号"
BY_NAME = "佐证材料所列名称"
NO_MATCH = "文件名中没有本单位的任务编号，也不是“佐证材料”中所列的名称"
SEVERAL = "文件名与多项任务的“佐证材料”相符（{ids}），无法确定"

# Rule codes (tests rely on them): why a file, a claim or an indicator is in a receipt's 佐证 lines or 缺证清单.
CLAIM_WITHOUT_FILE = "evidence.claim_without_file"
INDICATOR_WITHOUT_TASK = "evidence.indicator_without_task"
INDICATOR_WITHOUT_EVIDENCE = "evidence.indicator_without_evidence"
FILE_WITHOUT_TASK = "evidence.file_without_task"
# Every 佐证 finding. Fields: {name} (the file as sent), {reason} (why it fits no task).
EVIDENCE_RULES = rule_table(
    Rule(FILE_WITHOUT_TASK, EVIDENCE, "附件「{name}」未能对应到任务：{reason}",
         "在文件名前加上任务编号（如 7-会议纪要.pdf）后重新打包报送"),
    Rule(CLAIM_WITHOUT_FILE, EVIDENCE, "填报已完成，但未收到对应的佐证文件，也未注明“实地核查时提供”或“情况说明”",
         "把佐证文件以任务编号开头命名、与台账一起打包报送，或在“材料提供方式”中选择“实地核查时提供”或“情况说明”"),
    Rule(INDICATOR_WITHOUT_TASK, EVIDENCE, "没有任务对应此指标（请在任务分解表“指标编号”列填写）"),
    Rule(INDICATOR_WITHOUT_EVIDENCE, EVIDENCE, "对应任务均未收到佐证文件，也没有注明实地核查或情况说明"),
)
LEVEL_EVIDENCE = EVIDENCE  # problems.level of the receipt's 佐证 lines (neither error nor warning)

_NUMBER_PATTERNS = (
    re.compile(r"^(?:任务|第)?\s*([0-9]{1,4})\s*(?:号任务|项|号)?(?:[\s._\-、，,)）]|$)"),
    re.compile(r"^[(（\[【]\s*([0-9]{1,4})\s*[)）\]】]"),
    re.compile(r"(?:任务|第)\s*([0-9]{1,4})\s*(?:项|号)?"),
)
_NAME_SEPARATORS = re.compile(r"[、，,;；\n]+|\s{2,}")
_NOISE = re.compile(r"[\s._\-—()（）【】\[\]《》“”\"']+")
MAX_COMPONENT = 40  # characters of a folder name in the export tree (Windows paths stay short)
MAX_FILE = 80


# ---------------------------------------------------------------- matching


@dataclass
class Match:
    task_id: str | None
    by: str  # BY_NUMBER, BY_NAME or "" when unassigned
    reason: str = ""  # why unassigned


def match_file(name: str, rows: dict[str, str]) -> Match:
    """The task a file serves: `rows` maps the unit's task ids to what it wrote in their 佐证材料 cells."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    for part in reversed(parts):
        found = _number_in(PurePosixPath(part).stem if part == parts[-1] else part, rows)
        if found:
            return Match(found, BY_NUMBER)
    stem = _key(PurePosixPath(parts[-1]).stem) if parts else ""
    hits = [task_id for task_id, text in rows.items() if stem and _names_fit(stem, text)]
    if len(hits) > 1:
        exact = [task_id for task_id in hits if stem in {_key(n) for n in _NAME_SEPARATORS.split(rows[task_id])}]
        hits = exact if len(exact) == 1 else hits
    if len(hits) == 1:
        return Match(hits[0], BY_NAME)
    if hits:
        return Match(None, "", SEVERAL.format(ids="、".join(hits[:5])))
    return Match(None, "", NO_MATCH)


def _number_in(text: str, rows: dict[str, str]) -> str | None:
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern in _NUMBER_PATTERNS:
        for m in pattern.finditer(text):
            if m[1].lstrip("0") in rows or m[1] in rows:
                return m[1] if m[1] in rows else m[1].lstrip("0")
    return None


def _names_fit(stem: str, cell: str) -> bool:
    for written in _NAME_SEPARATORS.split(cell or ""):
        name = _key(written)
        if len(name) >= 2 and (name in stem or (len(stem) >= 2 and stem in name)):
            return True
    return False


def _key(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def match_files(names: list[str], rows: dict[str, str]) -> list[Match]:
    return [match_file(name, rows) for name in names]


def claim_needs_file(status: object, mode: object) -> bool:
    """An 已完成 row must show a file unless it says the proof comes on site or as a written explanation."""
    return status == STATUS_DONE and (mode or "") not in NOT_FILE_MODES


# ---------------------------------------------------------------- a return's claims without a file

CLAIM_COLUMN = "佐证材料"  # the column a claim line is about
_PROBLEM_ROWS = (
    "SELECT submission_id, level, sheet, cell, task_id, value, message, fix, column_name, code FROM ("
    " SELECT p.*, 0 AS part, p.rowid AS seq FROM problems p WHERE p.submission_id = :id"
    " UNION ALL SELECT c.submission_id, :level, a.sheet, NULL, a.task_id, COALESCE(a.evidence, ''), :message,"
    " :fix, :column, :code, 1, CAST(j.key AS INTEGER)"
    " FROM evidence_claims c CROSS JOIN json_each(c.task_ids) j"  # in this order: each claim's answers row by the
    " CROSS JOIN answers a ON a.submission_id = c.submission_id AND a.task_id = j.value"  # index, the list read once
    " WHERE c.submission_id = :id) ORDER BY part, seq")


def store_claims(conn: sqlite3.Connection, submission_id: int, task_ids: list[str]) -> None:
    """The return's 已完成 claims without a file (in its rows' order), in place of any stored before: one
    evidence_claims row, not a problems row each (a province has about 200,000)."""
    conn.execute("DELETE FROM evidence_claims WHERE submission_id = ?", (submission_id,))
    if task_ids:
        conn.execute("INSERT INTO evidence_claims (submission_id, task_ids) VALUES (?, ?)",
                     (submission_id, _json_list(task_ids)))


def problem_rows(conn: sqlite3.Connection, submission_id: int) -> list[sqlite3.Row]:
    """Every problems row of a return as its receipt lists them: its own rows in the order they were stored,
    then a 佐证 line (level evidence, rule CLAIM_WITHOUT_FILE) for each claim kept by store_claims, with the
    row's sheet and 佐证材料 text, as the problems rows collect once wrote for them."""
    rule = EVIDENCE_RULES[CLAIM_WITHOUT_FILE]
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(_PROBLEM_ROWS, {"id": submission_id, "level": LEVEL_EVIDENCE, "message": rule.message,
                                          "fix": rule.fix, "column": CLAIM_COLUMN, "code": rule.code}).fetchall()


def own_problems(conn: sqlite3.Connection, submission_id: int) -> list[tuple]:
    """The return's own problems rows (problem_rows' first part), as tuples of the columns level … column_name."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(_OWN_PROBLEMS, (submission_id,)).fetchall()


def claim_problems(conn: sqlite3.Connection, submission_id: int, answered: Mapping[str, tuple[object, object]],
                   ) -> list[tuple] | None:
    """problem_rows' 佐证 lines of the return's claims (its second part), as own_problems' tuples, made from
    `answered` (task id → its answers row's sheet and 佐证材料, for every task with one) instead of reading the
    answers rows again; None when a claimed task is not in `answered` (problem_rows tells whether it has a row)."""
    found = conn.execute("SELECT task_ids FROM evidence_claims WHERE submission_id = ?", (submission_id,)).fetchone()
    if found is None:
        return []
    rule = EVIDENCE_RULES[CLAIM_WITHOUT_FILE]
    lines = []
    for task_id in json.loads(found[0]):
        answer = answered.get(task_id)
        if answer is None:
            return None
        sheet, evidence = answer
        lines.append((LEVEL_EVIDENCE, sheet, None, task_id, "" if evidence is None else evidence, rule.message,
                      rule.fix, CLAIM_COLUMN))
    return lines


_OWN_PROBLEMS = ("SELECT level, sheet, cell, task_id, value, message, fix, column_name FROM problems "
                 "WHERE submission_id = ? ORDER BY rowid")
_json_list = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# ---------------------------------------------------------------- a round's evidence


@dataclass
class EvidenceFile:
    unit: str
    name: str  # as sent: the path inside the zip
    archive_path: str  # relative to the workspace
    size: int
    hash: str
    sent: str  # when it arrived (ISO)
    source: str  # the inbox file it came in
    match: Match

    @property
    def kind(self) -> str:
        suffix = PurePosixPath(self.name).suffix.lower().lstrip(".")
        return suffix or "无扩展名"


@dataclass(slots=True)
class Claim:
    """One (unit, task) pair with its evidence."""

    pair: Pair
    files: list[EvidenceFile] = field(default_factory=list)

    @property
    def proved(self) -> bool:
        """已完成 with a file, or marked 实地核查时提供/情况说明."""
        return self.pair.state == STATUS_DONE and (bool(self.files) or self.pair.evidence_mode in NOT_FILE_MODES)

    @property
    def missing(self) -> bool:
        return self.pair.state == STATUS_DONE and not self.files and self.pair.evidence_mode not in NOT_FILE_MODES


@dataclass
class IndicatorScore:
    indicator: Indicator
    tasks: list[str]
    pairs: int
    proved: int
    computed: float | None  # None when the indicator has no 分值
    override: float | None = None
    reason: str = ""

    @property
    def final(self) -> float:
        """The score as printed: the coordinator's own (to two decimals, as the tables show it) or the computed."""
        if self.override is not None:
            return round_score(self.override)
        return self.computed or 0.0


def round_score(value: float, proved: int = 1, pairs: int = 1) -> float:
    """value × proved ÷ pairs to two decimals, rounded half up (四舍五入, as a score is rounded by hand: 0.125 →
    0.13, where round() gives 0.12); computed on the decimal figures, so 1.005 is 1.01."""
    exact = Decimal(repr(value)) * proved / pairs
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


SCORE_RULE = ("自评分 = 分值 × 已完成且有佐证的项次 ÷ 全部项次（该指标对应任务的全部“单位×任务”项次；"
              "“有佐证”指收到对应文件，或材料提供方式为“实地核查时提供”“情况说明”），四舍五入保留两位小数。"
              "没有对应任务的指标记 0 分。"
              "在指标体系.xlsx 的“自评分(调整)”列填写分数即以此为准，并在“调整理由”列说明。"
              "一级指标和总分为其下末级指标自评分（保留两位小数后）之和。")


@dataclass
class EvidenceTally:
    """What 汇总台账 and the report show of a round's evidence, counted per task: enough for the 指标自评 scores,
    the indicators without evidence and the number of claims without a file, without holding the claims (a
    province has 300,000)."""

    round: str
    system: IndicatorSystem | None
    links: dict[str, list[str]]  # task id → indicator ids (任务分解表 指标编号)
    pairs: Counter[str] = field(default_factory=Counter)  # task id → its (unit, task) pairs
    proved: Counter[str] = field(default_factory=Counter)  # task id → its proved claims (Claim.proved)
    backed: set[str] = field(default_factory=set)  # tasks with a claim that has a file or is proved
    missing: int = 0  # claims without a file and not marked 实地核查时提供/情况说明 (Claim.missing)

    def add(self, task_id: str, state: str | None, mode: str, has_files: bool) -> None:
        self.pairs[task_id] += 1
        if state == STATUS_DONE:
            if has_files or mode in NOT_FILE_MODES:
                self.proved[task_id] += 1
            else:
                self.missing += 1
        if has_files or (state == STATUS_DONE and mode in NOT_FILE_MODES):
            self.backed.add(task_id)

    def _tasks_of(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for task_id, ids in self.links.items():
            for ind_id in ids:
                found[ind_id].append(task_id)
        return found

    def indicators_without_evidence(self) -> list[Indicator]:
        if self.system is None:
            return []
        tasks_of = self._tasks_of()
        return [ind for ind in self.system.leaves() if not any(t in self.backed for t in tasks_of.get(ind.id, []))]

    def scores(self) -> list[IndicatorScore]:
        if self.system is None:
            return []
        tasks_of = self._tasks_of()
        found = []
        for ind in self.system.leaves():
            tasks = tasks_of.get(ind.id, [])
            pairs = sum(self.pairs[t] for t in tasks)
            proved = sum(self.proved[t] for t in tasks)
            computed = None if ind.score is None else (round_score(ind.score, proved, pairs) if pairs else 0.0)
            found.append(IndicatorScore(ind, tasks, pairs, proved, computed, ind.override, ind.override_reason))
        return found


@dataclass
class RoundEvidence:
    round: str
    claims: list[Claim]
    unassigned: list[EvidenceFile]
    system: IndicatorSystem | None
    links: dict[str, list[str]]  # task id → indicator ids (任务分解表 指标编号)
    task_text: dict[str, str]

    def tally(self) -> EvidenceTally:
        tally = EvidenceTally(self.round, self.system, self.links)
        for claim in self.claims:
            tally.add(claim.pair.task_id, claim.pair.state, claim.pair.evidence_mode, bool(claim.files))
        return tally

    def missing_claims(self) -> list[Claim]:
        return [c for c in self.claims if c.missing]

    def indicators_without_evidence(self) -> list[Indicator]:
        return self.tally().indicators_without_evidence()

    def scores(self) -> list[IndicatorScore]:
        return self.tally().scores()


def load_evidence(ws: Workspace, round_name: str | None = None, *, conn: sqlite3.Connection | None = None,
                  figures=None, links: bool = True) -> RoundEvidence:
    """The round's claims with their files (every file each unit sent for the round, matched against the
    unit's latest return), the indicator system and the task ↔ indicator links when they exist (and
    `links` is not False: the claims alone need neither 任务分解表 nor 指标体系)."""
    own = conn is None
    if conn is None:
        ws.require(ws.db_path, "请先运行 reporting generate 生成台账，再用 reporting collect 收集回报")
        conn = connect(ws.db_path)
    try:
        name = store_round(ws, conn, round_name) if figures is None else figures.round
        figures = figures or compute_figures(conn, name)
        files = _round_files(conn, name)
    finally:
        if own:
            conn.close()
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    claims: dict[tuple[str, str], Claim] = {}
    same = _Same()  # each row brings its own copy of a unit's name, a task's area…: keep one (a province has 300,000)
    for pair in figures.pairs:  # one pass; each claim keeps only what evidence needs
        unit, task_id, evidence = same(pair.unit), same(pair.task_id), pair.evidence or ""
        cells[unit][task_id] = evidence
        slim = Pair(unit, task_id, same(pair.role), same(pair.area), pair.deadline and same(pair.deadline),
                    same(pair.state), evidence=evidence, evidence_mode=same(pair.evidence_mode or ""))
        claims[(unit, task_id)] = Claim(slim)
    unassigned = []
    for found in files:
        found.match = match_file(found.name, cells.get(found.unit, {}))
        claim = claims.get((found.unit, found.match.task_id or ""))
        if claim is not None:
            claim.files.append(found)
        else:
            unassigned.append(found)
    system, task_links = _system_and_links(ws) if links else (None, {})
    return RoundEvidence(name, list(claims.values()), unassigned, system, task_links,
                         {task.task_id: task.text for task in figures.tasks})


class _Same(dict[str, str]):
    """One copy of each text: same(text) is the first text equal to it."""

    def __call__(self, text: str) -> str:
        return self.setdefault(text, text)


def _system_and_links(ws: Workspace) -> tuple[IndicatorSystem | None, dict[str, list[str]]]:
    """The indicator system (指标体系.xlsx) and the task → indicator links (任务分解表 指标编号), where they exist."""
    system = load_indicators(ws) if ws.indicators_path.exists() else None
    tasks = read_ledger(ws.ledger_path, ws.show(ws.ledger_path)) if ws.ledger_path.exists() else []
    return system, {task.id: task.indicators for task in tasks if task.indicators}


def tally_evidence(ws: Workspace, conn: sqlite3.Connection, figures) -> EvidenceTally:
    """load_evidence(...).tally() without a claim per pair: counted per task in SQL, but for the units that sent
    files, whose pairs are matched against their files as load_evidence does."""
    system, links = _system_and_links(ws)
    tally = EvidenceTally(figures.round, system, links)
    files = _round_files(conn, figures.round)
    params = _claim_params(files)
    for task_id, pairs, proved, missing in figures.pairs.fetch(
            f"WITH {{cte}} SELECT task_id, COUNT(*), COUNT(*) FILTER (WHERE {_PROVED_BY_MODE}), "
            f"COUNT(*) FILTER (WHERE {_NEEDS_FILE}) FROM pairs WHERE {_NO_FILES} GROUP BY task_id", texts=True,
            **params):
        tally.pairs[task_id] += pairs
        tally.proved[task_id] += proved
        tally.missing += missing
        if proved:
            tally.backed.add(task_id)
    for _unit, task_id, done, mode, has_files in _claims_with_files(figures, files, params):
        tally.add(task_id, STATUS_DONE if done else None, mode, has_files)
    return tally


# Over the pairs CTE of figures.Pairs.query (with texts): Claim.proved without a file, Claim.missing, and the
# pairs of units that sent no file for the round (:units, a JSON list of those that did).
_NOT_FILE_MODE = "COALESCE(evidence_mode, '') IN (SELECT value FROM json_each(:not_file_modes))"
_PROVED_BY_MODE = f"{state_sql(STATUS_DONE)} AND {_NOT_FILE_MODE}"
_NEEDS_FILE = f"{state_sql(STATUS_DONE)} AND NOT {_NOT_FILE_MODE}"
_NO_FILES = "unit NOT IN (SELECT value FROM json_each(:units))"


def _claim_params(files: list[EvidenceFile]) -> dict[str, str]:
    return {"not_file_modes": json.dumps(NOT_FILE_MODES, ensure_ascii=False),
            "units": json.dumps(sorted({item.unit for item in files}), ensure_ascii=False)}


def _claims_with_files(figures, files: list[EvidenceFile], params: dict[str, str],
                       ) -> Iterator[tuple[str, str, bool, str, bool]]:
    """(unit, task id, 已完成, evidence mode, has a file) of each pair of the units that sent files, the files
    matched against the unit's 佐证材料 cells as load_evidence matches them."""
    if not files:
        return
    rows = figures.pairs.fetch(f"WITH {{cte}} SELECT unit, task_id, {state_sql(STATUS_DONE)}, "
                               "COALESCE(evidence_mode, ''), COALESCE(evidence, '') FROM pairs "
                               f"WHERE NOT {_NO_FILES}", texts=True, **params)
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    for unit, task_id, _done, _mode, evidence in rows:
        cells[unit][task_id] = evidence
    served = {(item.unit, match_file(item.name, cells[item.unit]).task_id) for item in files}
    for unit, task_id, done, mode, _evidence in rows:
        yield unit, task_id, bool(done), mode, (unit, task_id) in served


def missing_by_unit(conn: sqlite3.Connection, figures) -> dict[str, int]:
    """Each unit's 已完成 claims without a file and not marked 实地核查时提供/情况说明 (RoundEvidence's rule), counted
    in SQL but for the units that sent files: what status and 催报名单 need."""
    files = _round_files(conn, figures.round)
    params = _claim_params(files)
    counts = dict(figures.pairs.fetch(f"WITH {{cte}} SELECT unit, COUNT(*) FROM pairs WHERE {_NO_FILES} AND "
                                      f"{_NEEDS_FILE} GROUP BY unit", texts=True, **params))
    for unit, _task_id, done, mode, has_files in _claims_with_files(figures, files, params):
        if not has_files and claim_needs_file(STATUS_DONE if done else None, mode):
            counts[unit] = counts.get(unit, 0) + 1
    return counts


def _round_files(conn: sqlite3.Connection, round_name: str) -> list[EvidenceFile]:
    """Every file sent for the round (beside any of a unit's returns, or in a zip of evidence only), once
    per unit and content."""
    rows = conn.execute(
        "SELECT s.unit, a.name, a.archive_path, a.size, a.hash, f.seen_at, f.inbox_path "
        "FROM attachments a JOIN submissions s ON s.id = a.submission_id JOIN files f ON f.hash = s.file_hash "
        "WHERE s.round = ? "
        "UNION ALL SELECT l.unit, l.name, l.archive_path, l.size, l.hash, f.seen_at, f.inbox_path "
        "FROM loose_evidence l JOIN files f ON f.hash = l.file_hash WHERE l.round = ? "
        "ORDER BY 1, 6, 2", (round_name, round_name)).fetchall()
    seen: set[tuple[str, str]] = set()
    found = []
    for row in rows:
        key = (row[0], row[4] or row[2])
        if key in seen:
            continue
        seen.add(key)
        found.append(EvidenceFile(row[0], row[1], row[2], row[3], row[4] or "", row[5] or "", row[6],
                                  Match(None, "")))
    return found


# ---------------------------------------------------------------- the export tree


def export_tree(ws: Workspace, data: RoundEvidence, progress: ProgressHook = no_progress) -> tuple[Path, int, int]:
    """outbox/<轮次>/佐证材料/<一级>/<三级编号 简称>/<单位>/<文件>: streamed copies of the archived files,
    copied only when missing or changed; files no longer planned are removed. Returns the folder, the
    number copied and the number planned."""
    root = ws.round_dir(data.round) / EXPORT_DIR
    plan = plan_export(data)
    copied = 0
    for index, (relative, source) in enumerate(plan.items()):
        progress(index, len(plan), relative)
        target = root / relative
        origin = ws.root / source.archive_path
        if not origin.exists():
            continue
        stat = origin.stat()
        try:
            present = target.stat()
            if present.st_size == stat.st_size and present.st_mtime == stat.st_mtime:
                continue
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".~tmp-{target.name}")
        shutil.copyfile(origin, tmp)  # streams in chunks; never the whole file in memory
        os.utime(tmp, (stat.st_atime, stat.st_mtime))
        os.replace(tmp, target)
        copied += 1
    planned = {os.path.normpath(root / relative) for relative in plan}
    for folder, _dirs, files in os.walk(root, topdown=False):  # what is no longer planned goes
        for name in files:
            path = os.path.join(folder, name)
            if os.path.normpath(path) not in planned:
                os.unlink(path)
        if folder != str(root) and not os.listdir(folder):
            os.rmdir(folder)
    progress(len(plan), len(plan), "")
    return root, copied, len(plan)


def plan_export(data: RoundEvidence) -> dict[str, EvidenceFile]:
    """Where each file goes in the tree (relative path → file): safe, unique and readable names."""
    found = data.system.by_id() if data.system else {}
    plan: dict[str, EvidenceFile] = {}
    used: dict[str, set[str]] = defaultdict(set)  # folder → names taken (case-insensitively)
    for claim in data.claims:
        folders = []
        for ind_id in data.links.get(claim.pair.task_id, []):
            ind = found.get(ind_id)
            if ind is None:
                continue
            top = data.system.top(ind) if data.system else ind
            folders.append(f"{_component(top.heading)}/{_component(f'{ind.id} {ind.short}')}")
        if not folders:
            folders = [f"{NO_INDICATOR_DIR}/{_component('任务' + claim.pair.task_id)}"]
        for folder in folders:
            for item in claim.files:
                _place(plan, used, f"{folder}/{_component(claim.pair.unit)}", item)
    for item in data.unassigned:
        _place(plan, used, f"{UNASSIGNED_DIR}/{_component(item.unit)}", item)
    return plan


def _place(plan: dict[str, EvidenceFile], used: dict[str, set[str]], folder: str, item: EvidenceFile) -> None:
    taken = used[folder]
    name = safe_file_name(item.name)
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate, n = f"{stem}({n}){suffix}", n + 1
    taken.add(candidate.lower())
    plan[f"{folder}/{candidate}"] = item


def _component(text: str) -> str:
    return file_stem(text)[:MAX_COMPONENT].rstrip(". ") or "未命名"


def safe_file_name(name: str) -> str:
    """The file's own name (no folders, no `..`), Windows-safe, short enough, extension kept."""
    base = PurePosixPath(name.replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else ""
    stem = file_stem(stem.lstrip("."))[:MAX_FILE].rstrip(". ") or "文件"
    return stem + suffix.lower()


# ---------------------------------------------------------------- the workbooks


CATALOGUE_COLUMNS = [("一级指标", 20), ("三级指标", 30), ("任务编号", 8), ("工作任务", 30), ("单位", 18),
                     ("完成状态", 8), ("材料提供方式", 12), ("佐证材料（所填）", 24), ("文件", 30), ("类型", 6),
                     ("大小(字节)", 10), ("SHA-256", 18), ("收到日期", 11), ("存档副本", 30), ("匹配依据", 14)]


def write_catalogue(ws: Workspace, data: RoundEvidence, target: Path) -> None:
    """佐证材料目录.xlsx: indicator → task → unit → file, with a link to each archived copy."""
    table = Table("佐证材料目录", *_spec(CATALOGUE_COLUMNS), _catalogue_rows(ws, data, target),
                  empty="本轮尚未收到任何佐证材料。")
    write_tables(target, [table], root=ws.root, properties={"title": f"{data.round}佐证材料目录"},
                 constant_memory=True)


def _catalogue_rows(ws: Workspace, data: RoundEvidence, target: Path) -> Iterator[list]:
    """The catalogue's rows as they are written (a province's are a few hundred thousand)."""
    found = data.system.by_id() if data.system else {}
    by_task: dict[str, list[Claim]] = defaultdict(list)
    for claim in data.claims:
        by_task[claim.pair.task_id].append(claim)
    order = [ind.id for ind in data.system.leaves()] if data.system else []
    for ind_id in [*order, ""]:
        task_ids = [t for t, ids in data.links.items() if ind_id in ids] if ind_id else \
            [t for t in by_task if not any(i in found for i in data.links.get(t, []))]
        ind = found.get(ind_id)
        top = data.system.top(ind) if ind is not None and data.system else None
        for task_id in task_ids:
            for claim in by_task.get(task_id, []):
                head = [top.heading if top else "（未对应指标）", f"{ind.id} {ind.text}" if ind else "", task_id,
                        data.task_text.get(task_id, ""), claim.pair.unit, claim.pair.state,
                        claim.pair.evidence_mode, claim.pair.evidence]
                if not claim.files:
                    if claim.pair.state == STATUS_DONE or claim.pair.evidence or claim.pair.evidence_mode:
                        yield [*head, "", "", "", "", "", "", ""]
                    continue
                for item in claim.files:
                    yield [*head, item.name, item.kind, item.size, item.hash[:16], item.sent[:10],
                           _archived(ws, item.archive_path, target), item.match.by]
    for item in data.unassigned:
        yield ["（未对应任务）", "", "", "", item.unit, "", "", "", item.name, item.kind, item.size,
               item.hash[:16], item.sent[:10], _archived(ws, item.archive_path, target), item.match.reason]


def _archived(ws: Workspace, archive_path: str, target: Path) -> Link | str:
    """The 存档副本 cell: a link from the catalogue to the archived copy (our own path, never a unit's name)."""
    if not archive_path:
        return ""
    return Link(Path(os.path.relpath(ws.root / archive_path, target.parent)).as_posix(), archive_path)


MISSING_CLAIM_COLUMNS = [("单位", 18), ("任务编号", 8), ("工作任务", 36), ("指标编号", 10), ("完成状态", 8),
                         ("佐证材料（所填）", 24), ("材料提供方式", 12), ("原因", 36)]
MISSING_INDICATOR_COLUMNS = [("指标编号", 10), ("一级指标", 22), ("三级指标", 36), ("分值", 6), ("对应任务", 14),
                             ("原因", 36)]
UNASSIGNED_COLUMNS = [("单位", 18), ("文件", 36), ("来源", 30), ("原因", 40)]


def indicator_reason(data: RoundEvidence, ind: Indicator) -> str:
    tasks = [t for t, ids in data.links.items() if ind.id in ids]
    return EVIDENCE_RULES[INDICATOR_WITHOUT_EVIDENCE if tasks else INDICATOR_WITHOUT_TASK].message


def write_missing(ws: Workspace, data: RoundEvidence, target: Path) -> None:
    """缺证清单.xlsx: claims without proof, indicators without any evidence, files that fit no task."""
    claims = ([c.pair.unit, c.pair.task_id, data.task_text.get(c.pair.task_id, ""),
               "、".join(data.links.get(c.pair.task_id, [])), c.pair.state, c.pair.evidence, c.pair.evidence_mode,
               EVIDENCE_RULES[CLAIM_WITHOUT_FILE].message]
              for c in sorted(data.missing_claims(), key=lambda c: (c.pair.unit, c.pair.task_id)))  # as written
    indicators = [[ind.id, (data.system.top(ind) if data.system else ind).heading, ind.text, ind.score,
                   "、".join(t for t, ids in data.links.items() if ind.id in ids), indicator_reason(data, ind)]
                  for ind in data.indicators_without_evidence()]
    files = [[item.unit, item.name, item.source, item.match.reason] for item in data.unassigned]
    tables = [
        Table("缺证任务", *_spec(MISSING_CLAIM_COLUMNS), claims, empty="没有缺少佐证的已完成项次。"),
        Table("无佐证指标", *_spec(MISSING_INDICATOR_COLUMNS), indicators,
              empty="尚未导入指标体系（reporting indicators import）" if data.system is None else "每个指标都有佐证。"),
        Table("未对应任务的文件", *_spec(UNASSIGNED_COLUMNS), files, empty="所有文件都已对应到任务。"),
    ]
    write_tables(target, tables, root=ws.root, properties={"title": f"{data.round}缺证清单"}, constant_memory=True)


def _spec(columns: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [name for name, _ in columns], [width for _, width in columns]


@dataclass
class EvidenceResult:
    data: RoundEvidence
    catalogue: Path
    missing: Path
    tree: Path
    copied: int
    planned: int


def write_evidence(ws: Workspace, *, round_name: str | None = None,
                   progress: ProgressHook = no_progress) -> EvidenceResult:
    """佐证材料目录.xlsx, 缺证清单.xlsx and the 佐证材料/ tree of the round."""
    data = load_evidence(ws, round_name)
    folder = ws.round_dir(data.round)
    catalogue, missing = folder / CATALOGUE_FILE, folder / MISSING_FILE
    write_catalogue(ws, data, catalogue)
    write_missing(ws, data, missing)
    tree, copied, planned = export_tree(ws, data, progress)
    return EvidenceResult(data, catalogue, missing, tree, copied, planned)



@dataclass
class ScoreTotals:
    """自评分 per 一级 indicator and overall: sums of their 末级 indicators' final scores."""

    areas: list[tuple[Indicator, float, float]]  # (一级, 分值 of its leaves, 自评分)
    full: float
    got: float


def score_totals(data: RoundEvidence | EvidenceTally, scores: list[IndicatorScore]) -> ScoreTotals:
    areas: dict[str, list[float]] = {}
    tops: dict[str, Indicator] = {}
    for item in scores:
        top = data.system.top(item.indicator) if data.system else item.indicator
        tops[top.id] = top
        sums = areas.setdefault(top.id, [0.0, 0.0])
        sums[0] += item.indicator.score or 0.0
        sums[1] += item.final  # each to two decimals: the sums are those of the figures as printed
    rows = [(tops[key], round(full, 2), round(got, 2)) for key, (full, got) in areas.items()]
    return ScoreTotals(rows, round(sum(r[1] for r in rows), 2), round(sum(r[2] for r in rows), 2))
