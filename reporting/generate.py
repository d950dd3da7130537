"""Stage 2: one workbook per unit for a round, a distribution list, and the round's snapshot in the store.

Everything that can stop the run (ledger, roster, unit names, template) is checked before anything is
written. Files are written by a pool of worker processes (spawn-safe: workers get plain data), each
through an atomic replace; the store is updated in one transaction under the workspace lock.
"""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .errors import LedgerError, ReportingError
from .models import ROLE_LEAD, ROLE_RESPONSIBLE, Task, Unit, parse_day
from .naming import file_stem
from .plain_xlsx import Table, write_tables
from .pool import ordered_map, worker_count
from .progress import ProgressHook, no_progress
from .roster import Resolution, Roster, is_collective, read_roster
from .rounds import round_to_generate
from .safe_xlsx import TextCutWarning, cuts_recorded
from .store import connect, dumps, read_only, transaction, workspace_lock
from .task_ledger import SHEET as LEDGER_SHEET
from .task_ledger import read_ledger
from .templates import template_path
from .workbook import WorkbookRow, write_unit_workbook
from .workbook_spec import ANSWER_FIELDS, LIAISON_COLUMNS, fingerprint
from .workbook_template import TemplateSpec, load_template
from .workspace import Workspace

LEDGER_DIR = "台账"
DISTRIBUTION_FILE = "分发清单.xlsx"
UNRESOLVED_FILE = "未匹配单位.xlsx"
POOL_THRESHOLD = 12  # below this many files, starting worker processes costs more than it saves
START_METHOD: str | None = None  # multiprocessing start method; None = the platform's default


@dataclass
class Unresolved:
    """A unit name in the ledger that the roster cannot resolve."""

    task: Task
    name: str
    role: str
    suggestions: list[str]
    empty_group: bool  # a collective name (or 分组 row) with no members


@dataclass
class UnitFile:
    unit: str
    path: Path
    lead: int
    responsible: int
    prefilled: int = 0  # rows starting with answers from an earlier round

    @property
    def tasks(self) -> int:
        return self.lead + self.responsible


@dataclass
class GenerateResult:
    round_name: str
    due: date | None
    round_dir: Path
    template: str  # as shown to the user
    tasks: int  # tasks assigned to at least one unit
    files: list[UnitFile] = field(default_factory=list)
    idle_units: list[str] = field(default_factory=list)  # roster units with no task: no workbook
    unresolved: list[Unresolved] = field(default_factory=list)  # skipped with --skip-unresolved
    unresolved_report: Path | None = None
    distribution: Path | None = None
    tasks_without_units: list[Task] = field(default_factory=list)
    template_lacks: list[str] = field(default_factory=list)  # optional fill-in columns an older template lacks

    @property
    def prefilled_units(self) -> int:
        return sum(1 for f in self.files if f.prefilled)


class UnresolvedUnitsError(LedgerError):
    """Unit names in the ledger that the roster cannot resolve: nothing was generated."""


# ---------------------------------------------------------------- the stage


def generate_round(
    ws: Workspace,
    *,
    round_name: str | None = None,
    due: date | None = None,
    blank: bool = False,
    password: str | None = None,
    skip_unresolved: bool = False,
    progress: ProgressHook | None = None,
    workers: int | None = None,
) -> GenerateResult:
    """Write `outbox/<轮次>/台账/<单位>.xlsx` for every unit with tasks, and record the round."""
    settings = ws.settings()
    round_name = round_to_generate(ws, round_name)
    # the settings' due date belongs to their current round, not to another one being generated
    due = due or (settings.round_due if round_name == settings.round_name else None)
    tasks, roster = _load_inputs(ws)
    template_file = template_path(ws, "xlsx")
    shown_template = _show_template(ws, template_file)
    template = load_template(template_file, shown_template)
    assignments, unresolved = _checked_assignments(ws, tasks, roster, skip_unresolved)
    assigned = {task.id for rows in assignments.values() for task, _ in rows}
    result = GenerateResult(round_name=round_name, due=due, round_dir=ws.round_dir(round_name),
                            template=shown_template, template_lacks=template.lacking, tasks=len(assigned),
                            unresolved=unresolved, tasks_without_units=[t for t in tasks if not t.units],
                            idle_units=[u.name for u in roster.members if u.name not in assignments])
    common = {"campaign": settings.campaign, "round_name": round_name, "due": due,
              "contact": settings.contact or "、".join(settings.signers), "password": password}
    with workspace_lock(ws.root):
        _write_round(ws, result, tasks, roster, assignments, template, common, blank=blank,
                     progress=progress or no_progress, workers=workers)
        if round_name != settings.round_name or (due and due != settings.round_due):
            ws.set_current_round(round_name, due)
    return result


def _checked_assignments(ws: Workspace, tasks: list[Task], roster: Roster, skip_unresolved: bool,
                         ) -> tuple[dict[str, list[tuple[Task, str]]], list[Unresolved]]:
    """Every name resolved before anything is written; unresolved names stop the run unless skipped."""
    assignments, unresolved = assign_tasks(tasks, roster)
    if unresolved and not skip_unresolved:
        raise _unresolved_error(ws, unresolved)
    if not assignments:
        raise LedgerError("没有任何任务分到单位：请在“牵头单位”“责任单位”列中填写单位名称后再生成",
                          file=ws.show(ws.ledger_path), sheet=LEDGER_SHEET)
    return assignments, unresolved


def _write_round(ws: Workspace, result: GenerateResult, tasks: list[Task], roster: Roster,
                 assignments: dict[str, list[tuple[Task, str]]], template: TemplateSpec, common: dict, *,
                 blank: bool, progress: ProgressHook, workers: int | None) -> None:
    """The files, then the lists beside them; the store's snapshot is committed only if all of them were written."""
    round_dir = result.round_dir
    conn = connect(ws.db_path)
    try:
        liaisons = {row["unit"]: dict(row) for row in conn.execute("SELECT * FROM liaisons")}
        reference = None if blank else prefill_reference(conn, result.round_name)
        earlier = (str(ws.db_path), result.round_name, reference) if reference else None
        jobs = _jobs(round_dir, roster, assignments, liaisons, result)
        with transaction(conn):
            def snapshot() -> None:
                _record_round(conn, result.round_name, result.due, common["campaign"], tasks, assignments, roster)

            _write_all(jobs, (template, {t.id: t for t in tasks}, common, earlier), progress, workers, snapshot,
                       result, ws.show)
            _remove_stale(round_dir / LEDGER_DIR, {f.path for f in result.files})
            result.distribution = _write_distribution(round_dir / DISTRIBUTION_FILE, result, roster)
            result.unresolved_report = _write_unresolved(round_dir / UNRESOLVED_FILE, result.unresolved)
    finally:
        conn.close()


def _load_inputs(ws: Workspace) -> tuple[list[Task], Roster]:
    ledger = ws.require(ws.ledger_path, "请先运行 reporting plan import 导入实施方案")
    roster = ws.require(ws.roster_path, "请先运行 reporting plan import 生成单位名册初稿")
    tasks = read_ledger(ledger, ws.show(ledger))
    return tasks, Roster(read_roster(roster, ws.show(roster)))


def _show_template(ws: Workspace, path: Path) -> str:
    try:
        path.relative_to(ws.root)
    except ValueError:
        return f"内置模板 {path.name}"
    return ws.show(path)


def parse_due(text: str) -> date:
    """`2026-12-31`, `2026/12/31`, `2026.12.31` or `2026年12月31日`."""
    found = parse_day(text)
    if found is not None:
        return found
    raise ReportingError(f"截止日期「{text}」无法识别，请写成 2026-12-31 的形式")


# ---------------------------------------------------------------- who gets which task


def assign_tasks(tasks: list[Task], roster: Roster) -> tuple[dict[str, list[tuple[Task, str]]], list[Unresolved]]:
    """unit → [(task, role)] in ledger order, units in roster order; a unit named both ways is lead."""
    roles: dict[str, dict[str, str]] = {}
    unresolved: list[Unresolved] = []
    resolved: dict[str, Resolution] = {}  # a group named by every task is expanded once
    for task in tasks:
        for role, names in ((ROLE_LEAD, task.lead), (ROLE_RESPONSIBLE, task.responsible)):
            for name in names:
                resolution = resolved.get(name) or resolved.setdefault(name, roster.resolve(name))
                if not resolution.units:
                    row = roster.unit(name)
                    empty = (row is not None and row.is_group) or is_collective(name)
                    unresolved.append(Unresolved(task, name, role, resolution.suggestions, empty))
                for unit in resolution.units:
                    roles.setdefault(unit, {}).setdefault(task.id, role)
    order = {u.name: i for i, u in enumerate(roster.members)}
    assignments: dict[str, list[tuple[Task, str]]] = {}
    for unit in sorted(roles, key=lambda name: order.get(name, len(order))):
        assignments[unit] = [(task, roles[unit][task.id]) for task in tasks if task.id in roles[unit]]
    return assignments, unresolved


def _unresolved_error(ws: Workspace, unresolved: list[Unresolved]) -> UnresolvedUnitsError:
    by_name: dict[str, list[Unresolved]] = {}
    for item in unresolved:
        by_name.setdefault(item.name, []).append(item)
    shown = ws.show(ws.ledger_path)
    hint = "请在单位名册中补充（或在“简称/别名”中写明这种写法），或加 --skip-unresolved 跳过"
    if len(unresolved) == 1:
        item = unresolved[0]
        return UnresolvedUnitsError(f"{_describe(by_name[item.name])}；未生成任何台账。{hint}",
                                    file=shown, sheet=LEDGER_SHEET)
    lines = [f"有 {len(by_name)} 个单位名称在单位名册中找不到，未生成任何台账："]
    lines += [f"  {_describe(items)}" for items in by_name.values()]
    lines.append(hint)
    return UnresolvedUnitsError("\n".join(lines), file=shown, sheet=LEDGER_SHEET)


def _describe(items: list[Unresolved]) -> str:
    """`任务 3（第4行）牵头单位「县财正局」不在单位名册中，最接近：县财政局`, several tasks folded into one line."""
    first = items[0]
    where = "、".join(f"{i.task.id}（第{i.task.line}行）" if i.task.line else i.task.id for i in items[:5])
    if len(items) > 5:
        where += f" 等 {len(items)} 项"
    roles = "、".join(dict.fromkeys(f"{i.role}单位" for i in items))
    if first.empty_group:
        why = f"是集体称谓但没有成员：请在成员单位的“所属分组”中填写“{first.name}”"
    else:
        why = "不在单位名册中" + (f"，最接近：{'、'.join(first.suggestions)}" if first.suggestions else "")
    return f"任务 {where}的{roles}「{first.name}」{why}"


# ---------------------------------------------------------------- earlier answers and liaisons


def prefill_reference(conn: sqlite3.Connection, round_name: str) -> str | None:
    """Rounds generated before this moment are earlier than `round_name` (its own generation time when it has
    one, else now); None when none of them has an accepted answer to pre-fill from."""
    current = conn.execute("SELECT generated_at FROM rounds WHERE name = ?", (round_name,)).fetchone()
    reference = current["generated_at"] if current and current["generated_at"] else _now()
    found = conn.execute(
        "SELECT 1 FROM rounds r JOIN submissions s ON s.round = r.name WHERE r.name <> ? AND r.generated_at < ? "
        "AND s.superseded_by IS NULL AND s.blank = 0 AND s.hold = '' LIMIT 1", (round_name, reference)).fetchone()
    return reference if found else None


def accepted_answers(conn: sqlite3.Connection, round_name: str, unit: str, reference: str | None,
                     ) -> dict[str, dict[str, object]]:
    """What generate pre-fills for `unit`: task id → column → value (empty ones left out), from the latest
    accepted answers of the rounds generated before `reference` (prefill_reference; None: nothing). One unit at
    a time: a province's earlier rounds hold hundreds of thousands of answers."""
    if reference is None:
        return {}
    fields = ", ".join(f"a.{name}" for name in ANSWER_FIELDS.values())
    rows = conn.execute(  # rounds first: each unit's submissions by their index, never a scan of every answer
        f"""SELECT a.task_id, {fields} FROM rounds r CROSS JOIN submissions s CROSS JOIN answers a
            WHERE s.round = r.name AND a.submission_id = s.id AND s.unit = ? AND a.accepted = 1
            AND s.superseded_by IS NULL AND s.blank = 0 AND s.hold = '' AND r.name <> ? AND r.generated_at < ?
            ORDER BY r.generated_at, s.id""",
        (unit, round_name, reference),
    )
    found: dict[str, dict[str, object]] = {}
    for task_id, *answer in rows:  # later rounds overwrite earlier ones
        values = {column: plain_value(value) for column, value in zip(ANSWER_FIELDS, answer, strict=True)}
        found[task_id] = {k: v for k, v in values.items() if v not in (None, "")}
    return found


def plain_value(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _liaison(unit: Unit, reported: dict | None) -> dict[str, str]:
    """The roster's contacts first (the coordinator's word), then what the unit last reported."""
    reported = reported or {}
    values = {
        "分管领导": reported.get("leader") or "",
        "联络员": unit.liaison or reported.get("liaison") or "",
        "职务": reported.get("post") or "",
        "手机": unit.phone or reported.get("mobile") or "",
        "电子邮箱": unit.email or reported.get("email") or "",
    }
    return {k: str(v) for k, v in values.items() if k in LIAISON_COLUMNS and v}


# ---------------------------------------------------------------- writing the files


def _jobs(round_dir: Path, roster: Roster, assignments: dict[str, list[tuple[Task, str]]], liaisons: dict,
          result: GenerateResult) -> list[tuple]:
    """One plain-data job per unit: (path, unit, [(task id, role)], liaison); the unit's earlier answers are
    read by whichever process writes its file."""
    jobs = []
    used: set[str] = set()
    for unit_name, rows in assignments.items():
        stem = _unique_stem(file_stem(unit_name), used)
        path = round_dir / LEDGER_DIR / f"{stem}.xlsx"
        unit = roster.unit(unit_name) or Unit(name=unit_name)
        jobs.append((str(path), unit_name, [(task.id, role) for task, role in rows],
                     _liaison(unit, liaisons.get(unit_name))))
        lead = sum(1 for _, role in rows if role == ROLE_LEAD)
        result.files.append(UnitFile(unit_name, path, lead, len(rows) - lead))
    return jobs


def _unique_stem(stem: str, used: set[str]) -> str:
    """Two units whose names differ only in characters Windows forbids must not share a file."""
    candidate, n = stem, 2
    while candidate.casefold() in used:
        candidate, n = f"{stem}_{n}", n + 1
    used.add(candidate.casefold())
    return candidate


_worker_state: dict = {}
# What every job needs: the template, the tasks by id, the common fields, and where earlier answers are read
# from (the store's file, the round, prefill_reference's time), or None: nothing to pre-fill.
_Shared = tuple[TemplateSpec, dict[str, Task], dict, tuple[str, str, str] | None]


def _init_worker(template: TemplateSpec, tasks: dict[str, Task], common: dict,
                 earlier: tuple[str, str, str] | None) -> None:
    reader = None
    if earlier is not None:
        db, round_name, reference = earlier
        reader = (read_only(Path(db)), round_name, reference)
    _worker_state.update(template=template, tasks=tasks, common=common, earlier=reader)


def _end_worker() -> None:
    if _worker_state.get("earlier") is not None:
        _worker_state["earlier"][0].close()
    _worker_state.clear()


def _write_job(job: tuple) -> tuple[str, list[str], int]:
    """Write one unit's workbook: the unit, the TextCutWarning messages of the texts cut to fit a cell (told by
    the main process, whichever process wrote the file), and the number of rows pre-filled."""
    path, unit, job_rows, liaison = job
    tasks, common, earlier = _worker_state["tasks"], _worker_state["common"], _worker_state["earlier"]
    answers = accepted_answers(earlier[0], earlier[1], unit, earlier[2]) if earlier else {}
    rows = [WorkbookRow(tasks[task_id], role, answers.get(task_id, {})) for task_id, role in job_rows]
    with cuts_recorded() as cuts:
        write_unit_workbook(Path(path), _worker_state["template"], unit=unit, rows=rows, liaison=liaison, **common)
    return unit, cuts, sum(1 for row in rows if row.values)


def _write_all(jobs: list[tuple], shared: _Shared, progress: ProgressHook, workers: int | None,
               meanwhile: Callable[[], None], result: GenerateResult, show: Callable[[Path], str] = str) -> None:
    """Write every job's file; `meanwhile` runs in this process while the workers write. A text cut to fit
    a cell is told here, naming the workbook (`show`: a path as the coordinator knows it)."""
    total = len(jobs)
    count = worker_count(total, workers, POOL_THRESHOLD)
    if not count:
        meanwhile()
        _init_worker(*shared)
        try:
            for done, (job, unit_file) in enumerate(zip(jobs, result.files, strict=True), start=1):
                progress(done, total, _told(_write_job(job), job, unit_file, show))
        finally:
            _end_worker()
        return
    chunk = max(1, min(16, total // (count * 8)))
    # Every job is handed out at once (the results are unit names): the workers keep writing while this
    # process records the round.
    with closing(ordered_map(_write_job, jobs, count, initializer=_init_worker, initargs=shared,
                             start_method=START_METHOD, chunk=chunk, ahead=total)) as written:
        for done, (job, unit_file, answer) in enumerate(zip(jobs, result.files, written, strict=True), start=1):
            if done == 1:
                meanwhile()
            progress(done, total, _told(answer, job, unit_file, show))


def _told(answer: tuple[str, list[str], int], job: tuple, unit_file: UnitFile, show: Callable[[Path], str]) -> str:
    """The unit a job wrote, its cut texts warned about from this process, its pre-filled rows counted."""
    unit, cuts, unit_file.prefilled = answer
    for cut in cuts:
        warnings.warn(TextCutWarning(f"台账 {show(Path(job[0]))}{cut}"), stacklevel=3)
    return unit


def _remove_stale(folder: Path, written: set[Path]) -> None:
    """Workbooks of units that no longer have tasks would be sent by mistake: remove them."""
    if not folder.is_dir():
        return
    for path in folder.glob("*.xlsx"):
        if path not in written and not path.name.startswith(".~tmp-"):
            path.unlink(missing_ok=True)


DISTRIBUTION_COLUMNS = ["序号", "单位名称", "联络员", "联系电话", "电子邮箱", "台账文件", "任务数", "牵头", "责任",
                        "发送情况"]
DISTRIBUTION_WIDTHS = [6, 30, 10, 16, 26, 40, 8, 6, 6, 24]
DISTRIBUTION_SHEETS = ("分发清单", "无任务单位")


def distribution_tables(rows: list[list], idle: list[list]) -> list[Table]:
    """分发清单.xlsx's sheets: who gets which file (发送情况 last: `reporting mail send` fills it in), and the
    units of the roster without a task."""
    listing, without = DISTRIBUTION_SHEETS
    return [Table(listing, DISTRIBUTION_COLUMNS, DISTRIBUTION_WIDTHS, rows),
            Table(without, ["序号", "单位名称"], [6, 30], idle)]


def _write_distribution(path: Path, result: GenerateResult, roster: Roster) -> Path:
    """分发清单: who gets which file, with the contacts to send it to."""
    rows = []
    for number, item in enumerate(result.files, start=1):
        unit = roster.unit(item.unit) or Unit(name=item.unit)
        rows.append([number, item.unit, unit.liaison, unit.phone, unit.email,
                     item.path.relative_to(result.round_dir).as_posix(), item.tasks, item.lead, item.responsible, ""])
    idle = [[n, name] for n, name in enumerate(result.idle_units, start=1)]
    write_tables(path, distribution_tables(rows, idle))
    return path


UNRESOLVED_COLUMNS = ["任务编号", "任务分解表行号", "工作任务", "单位名称", "身份", "原因", "最接近的名册单位"]
UNRESOLVED_WIDTHS = [10, 8, 50, 24, 8, 30, 36]


def _write_unresolved(path: Path, unresolved: list[Unresolved]) -> Path | None:
    if not unresolved:
        path.unlink(missing_ok=True)  # a report from an earlier run would mislead
        return None
    rows = [[item.task.id, item.task.line or "", item.task.text, item.name, f"{item.role}单位",
             "集体称谓没有成员" if item.empty_group else "不在单位名册中", "、".join(item.suggestions)]
            for item in unresolved]
    write_tables(path, [Table("未匹配单位", UNRESOLVED_COLUMNS, UNRESOLVED_WIDTHS, rows)])
    return path


# ---------------------------------------------------------------- the store


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _record_round(conn: sqlite3.Connection, round_name: str, due: date | None, campaign: str, tasks: list[Task],
                  assignments: dict[str, list[tuple[Task, str]]], roster: Roster) -> None:
    """The round's snapshot, replacing an earlier one of the same round; the roster replaces the last.

    Runs inside the caller's transaction.
    """
    assigned = {task.id for rows in assignments.values() for task, _ in rows}
    earlier = conn.execute("SELECT generated_at FROM rounds WHERE name = ?", (round_name,)).fetchone()
    # A regenerated round keeps its first time, so rounds stay in the order they were sent out.
    generated_at = earlier["generated_at"] if earlier and earlier["generated_at"] else _now()
    conn.execute("DELETE FROM round_tasks WHERE round = ?", (round_name,))
    conn.execute("DELETE FROM assignments WHERE round = ?", (round_name,))
    conn.execute("INSERT OR REPLACE INTO rounds (name, due, campaign, generated_at) VALUES (?, ?, ?, ?)",
                 (round_name, due.isoformat() if due else None, campaign, generated_at))
    conn.executemany(
        "INSERT INTO round_tasks (round, task_id, seq, area, path, text, lead, responsible, deadline, "
        "targets, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(round_name, t.id, seq, t.area, dumps(t.path), t.text, dumps(t.lead), dumps(t.responsible),
          t.deadline, dumps(t.targets), fingerprint(t.text))
         for seq, t in enumerate((t for t in tasks if t.id in assigned), start=1)],
    )
    conn.executemany(
        "INSERT INTO assignments (round, unit, task_id, role) VALUES (?, ?, ?, ?)",
        [(round_name, unit, task.id, role) for unit, rows in assignments.items() for task, role in rows],
    )
    conn.execute("DELETE FROM units")
    conn.executemany(
        "INSERT INTO units (name, aliases, category, groups, liaison, phone, email) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(u.name, dumps(u.aliases), u.category, dumps(u.groups), u.liaison, u.phone, u.email)
         for u in roster.units],
    )
