"""Benchmark `generate` at province scale (not a test; not run in CI).

    python bench/bench_generate.py                 # 2,000 units × 150 tasks each
    python bench/bench_generate.py --units 200     # smaller

Writes a synthetic ledger and roster into a temporary workspace (every unit is responsible for every
task through a group, and leads a share of them), runs `generate_round`, then writes the same cells with
bare xlsxwriter (same in-memory option) over the same number of processes: the floor. Two floors: the
values only (工作台账's given cells and 识别信息's rows), and the values plus the empty fill-in cells,
which a unit workbook must hold as real (unlocked, bordered) cells. Reports wall and CPU time, peak
memory (resource.getrusage, self and children) and the ratios. CPU time is the steadier figure on a
busy machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import xlsxwriter

from reporting.generate import LEDGER_DIR, generate_round
from reporting.models import GROUP_CATEGORY, Task, Unit
from reporting.roster import write_roster
from reporting.task_ledger import write_ledger
from reporting.workbook import WorkbookRow, given_values
from reporting.workbook_spec import GIVEN_COLUMNS, LEDGER_COLUMNS, fingerprint
from reporting.workspace import Settings, Workspace
from reporting.workspace_init import init_workspace

GROUP = "各参评单位"
PHRASES = ["全面推行行政执法公示制度", "健全重大行政决策程序", "深化“放管服”改革", "加强行政复议规范化建设",
           "推进政务公开标准化", "落实法律顾问制度", "完善矛盾纠纷多元化解机制", "开展执法人员培训"]


def synthetic(units: int, tasks: int, seed: int = 7) -> tuple[list[Task], list[Unit]]:
    rng = random.Random(seed)
    names = [f"测试县第{i:04d}号单位" for i in range(1, units + 1)]
    made = []
    for i in range(1, tasks + 1):
        text = "，".join(rng.choice(PHRASES) for _ in range(rng.randint(2, 8))) + "，确保按期完成。"
        made.append(Task(id=str(i), text=text, path=[f"({'一二三四五六七八'[i % 8]})第{i % 8 + 1}方面工作"],
                         lead=[names[i % units]], responsible=[GROUP], deadline="2026-12-31",
                         targets=["覆盖率≥90%"] if i % 3 == 0 else []))
    roster = [Unit(name=n, category="部门", groups=[GROUP], liaison="联络员", phone="13800000000",
                   email="unit@example.cn") for n in names]
    return made, [*roster, Unit(name=GROUP, category=GROUP_CATEGORY)]


def prepare(root: Path, units: int, tasks: int) -> Workspace:
    ws = init_workspace(root)
    task_list, unit_list = synthetic(units, tasks)
    write_ledger(task_list, ws.ledger_path)
    write_roster(unit_list, ws.roster_path)
    ws.save_settings(Settings(campaign="基准测试", round_name="基准轮次", contact="测试"))
    return ws


# ---------------------------------------------------------------- the floor: the same cells, bare xlsxwriter

_floor: dict = {}


def _floor_init(tasks: list[Task], blanks: bool) -> None:
    _floor.update(tasks=tasks, blanks=blanks)


def _floor_write(job: tuple[str, str]) -> None:
    """工作台账's values and 识别信息's rows, no formats; with `blanks`, the empty fill-in cells too (one format)."""
    path, unit = job
    book = xlsxwriter.Workbook(path, {"in_memory": True})  # as the unit workbooks are written
    sheet = book.add_worksheet("工作台账")
    meta = book.add_worksheet("识别信息")
    blank = book.add_format({"locked": False}) if _floor["blanks"] else None
    for r, task in enumerate(_floor["tasks"], start=2):
        role = "牵头" if task.lead == [unit] else "责任"
        for c, value in enumerate(given_values(r - 1, WorkbookRow(task, role))):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value:
                sheet.write_string(r, c, value)
        if blank is not None:
            for c in range(len(GIVEN_COLUMNS), len(LEDGER_COLUMNS)):
                sheet.write_blank(r, c, None, blank)
        meta.write_string(r, 0, task.id)
        meta.write_string(r, 1, fingerprint(task.text))
        meta.write_string(r, 2, role)
    book.close()


def floor(ws: Workspace, out: Path, workers: int, blanks: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds of self and children) for the bare write of every unit's cells."""
    from reporting.roster import read_roster
    from reporting.task_ledger import read_ledger

    tasks = read_ledger(ws.ledger_path)
    units = [u.name for u in read_roster(ws.roster_path) if u.category != GROUP_CATEGORY]
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(str(out / f"{unit}.xlsx"), unit) for unit in units]
    cpu, start = cpu_seconds(), time.perf_counter()
    if workers <= 1:
        _floor_init(tasks, blanks)
        for job in jobs:
            _floor_write(job)
    else:
        with multiprocessing.get_context().Pool(workers, _floor_init, (tasks, blanks)) as pool:
            for _ in pool.imap_unordered(_floor_write, jobs, chunksize=8):
                pass
    return time.perf_counter() - start, cpu_seconds() - cpu


def cpu_seconds() -> float:
    """User + system time of this process and its finished children (pool workers are joined on exit)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=150)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    try:
        ws = prepare(root / "工作目录", args.units, args.tasks)
        print(f"{args.units} units × {args.tasks} tasks, {args.workers} worker(s)")
        cpu, start = cpu_seconds(), time.perf_counter()
        result = generate_round(ws, workers=args.workers)
        took, took_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        own, children = peak_mb()
        size = sum(p.stat().st_size for p in (result.round_dir / LEDGER_DIR).glob("*.xlsx"))
        print(f"generate: {took:.1f} s wall, {took_cpu:.1f} s CPU for {len(result.files)} files "
              f"({size / 1e6:.0f} MB), {took / len(result.files) * 1000:.1f} ms per file")
        print(f"peak memory (max RSS): parent {own:.0f} MB, largest worker {children:.0f} MB")
        for blanks, label in ((False, "values only"), (True, "values + formatted blank fill-in cells")):
            wall, cpu_used = floor(ws, root / f"floor-{blanks}", args.workers, blanks)
            print(f"bare xlsxwriter floor, {label}: {wall:.1f} s wall, {cpu_used:.1f} s CPU "
                  f"→ ratio {took / wall:.2f} wall, {took_cpu / cpu_used:.2f} CPU")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
