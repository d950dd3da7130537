"""Benchmark `generate` at province scale (not a test; not run in CI).

    python bench/bench_generate.py                 # 2,000 units × 150 tasks each
    python bench/bench_generate.py --units 200     # smaller

Writes a synthetic ledger and roster into a temporary workspace (every unit is responsible for every
task through a group, and leads a share of them), runs `generate_round`, then writes the same cells with
bare xlsxwriter (no formats, validations or extra sheets) over the same number of processes: the floor.
Reports wall time, peak memory (resource.getrusage, self and children) and the ratio to the floor.
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
from reporting.ledger import write_ledger
from reporting.models import GROUP_CATEGORY, Task, Unit
from reporting.roster import write_roster
from reporting.workbook import WorkbookRow, given_values
from reporting.workspace import Settings, Workspace, init_workspace

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

_floor_tasks: list[Task] = []


def _floor_init(tasks: list[Task]) -> None:
    _floor_tasks[:] = tasks


def _floor_write(job: tuple[str, str]) -> None:
    path, unit = job
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("工作台账")
    for r, task in enumerate(_floor_tasks, start=2):
        role = "牵头" if task.lead == [unit] else "责任"
        for c, value in enumerate(given_values(r - 1, WorkbookRow(task, role))):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value:
                sheet.write_string(r, c, value)
    book.close()


def floor(ws: Workspace, out: Path, workers: int) -> float:
    from reporting.ledger import read_ledger
    from reporting.roster import read_roster

    tasks = read_ledger(ws.ledger_path)
    units = [u.name for u in read_roster(ws.roster_path) if u.category != GROUP_CATEGORY]
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(str(out / f"{unit}.xlsx"), unit) for unit in units]
    start = time.perf_counter()
    if workers <= 1:
        _floor_init(tasks)
        for job in jobs:
            _floor_write(job)
    else:
        with multiprocessing.get_context().Pool(workers, _floor_init, (tasks,)) as pool:
            for _ in pool.imap_unordered(_floor_write, jobs, chunksize=8):
                pass
    return time.perf_counter() - start


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
        start = time.perf_counter()
        result = generate_round(ws, workers=args.workers)
        took = time.perf_counter() - start
        own, children = peak_mb()
        size = sum(p.stat().st_size for p in (result.round_dir / LEDGER_DIR).glob("*.xlsx"))
        print(f"generate: {took:.1f} s for {len(result.files)} files ({size / 1e6:.0f} MB), "
              f"{took / len(result.files) * 1000:.1f} ms per file")
        print(f"peak memory: parent {own:.0f} MB, largest child {children:.0f} MB")
        bare = floor(ws, root / "floor", args.workers)
        print(f"bare xlsxwriter floor (same cells, same {args.workers} process(es)): {bare:.1f} s")
        print(f"ratio generate / floor: {took / bare:.2f}")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
