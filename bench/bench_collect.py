"""Benchmark of `collect` (not a test): N returns of 150 rows, against bare python-calamine and pandas.

    python bench/bench_collect.py --units 200

Each phase runs in its own process so its peak memory (ru_maxrss) is its own; collect's worker processes
are reported apart (the largest one's peak) and their CPU time is added to the phase's. Reports wall time,
CPU time, peak memory, and the ratios: collect / bare calamine reading the same files (aim ≤ 2×, without
receipts), and pandas.read_excel + concat / collect (aim ≥ 5×). Collect runs with its default worker
processes (one per core) and again in one process, on a fresh store each time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
ROWS = 150


def build(workdir: Path, units: int) -> Path:
    from returns import CAMPAIGN, record_round, write_return  # noqa: F401 - CAMPAIGN documents the source

    from reporting.models import ROLE_LEAD
    from reporting.workspace import init_workspace

    ws = init_workspace(workdir / "ws")
    tasks = _tasks()
    names = [f"第{i:04d}单位" for i in range(units)]
    assignments = {name: {tid: ROLE_LEAD for tid in tasks} for name in names}
    record_round(ws, tasks=tasks, units=assignments)
    values = {tid: {"完成状态": "推进中", "完成进度(%)": int(tid) % 100,
                    "工作举措及成效": "制定方案，召开会议，落实到位。" * 3, "下一步计划": "继续推进"} for tid in tasks}
    for name in names:
        write_return(ws.inbox / f"{name}.xlsx", name, values, tasks=tasks, units=assignments)
    return ws.root


def phase_collect(root: str, receipts: bool, workers: int | None) -> dict:
    from reporting.collect import collect_inbox
    from reporting.workspace import Workspace

    start = time.perf_counter()
    result = collect_inbox(Workspace(root), receipts=receipts, workers=workers)
    return {"seconds": time.perf_counter() - start, "returns": len(result.returns)}


def phase_calamine(root: str) -> dict:
    import python_calamine

    start = time.perf_counter()
    cells = 0
    for path in sorted(Path(root, "inbox").glob("*.xlsx")):
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        cells += sum(len(r) for r in book.get_sheet_by_name("工作台账").to_python())
    return {"seconds": time.perf_counter() - start, "cells": cells}


def phase_pandas(root: str) -> dict:
    import pandas

    start = time.perf_counter()
    frames = [pandas.read_excel(path, sheet_name="工作台账", header=1)
              for path in sorted(Path(root, "inbox").glob("*.xlsx"))]
    table = pandas.concat(frames)
    return {"seconds": time.perf_counter() - start, "rows": len(table)}


def run_phase(name: str, root: Path, *extra: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--root", str(root), *extra],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--phase")
    parser.add_argument("--root")
    parser.add_argument("--receipts", action="store_true")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    if args.phase:
        phases = {"collect": lambda: phase_collect(args.root, args.receipts, args.workers),
                  "calamine": lambda: phase_calamine(args.root), "pandas": lambda: phase_pandas(args.root)}
        figures = phases[args.phase]()
        mine, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["peak_mb"] = mine.ru_maxrss / 1024
        figures["worker_peak_mb"] = workers.ru_maxrss / 1024
        figures["cpu"] = mine.ru_utime + mine.ru_stime + workers.ru_utime + workers.ru_stime
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        start = time.perf_counter()
        root = build(Path(tmp), args.units)
        print(f"built {args.units} returns of {ROWS} rows in {time.perf_counter() - start:.1f}s "
              f"({sum(p.stat().st_size for p in (root / 'inbox').iterdir()) / 1e6:.1f} MB)")
        calamine = run_phase("calamine", root)
        collect = run_phase("collect", root)
        rerun = run_phase("collect", root)
        _reset_store(root, args.units)
        alone = run_phase("collect", root, "--workers", "1")
        pandas = run_phase("pandas", root)
        _reset_store(root, args.units)
        receipts = run_phase("collect", root, "--receipts")
    base = calamine["seconds"]
    _line("bare calamine", calamine, "")
    _line("collect", collect, f"{collect['returns']} returns; {collect['seconds'] / base:.2f}× calamine")
    _line("collect (again)", rerun, "nothing new")
    _line("collect, 1 process", alone, f"{alone['seconds'] / base:.2f}× calamine")
    _line("collect + receipts", receipts, f"{receipts['seconds'] / base:.2f}× calamine")
    _line("pandas read+concat", pandas, f"collect is {pandas['seconds'] / collect['seconds']:.1f}× faster")


def _line(name: str, figures: dict, note: str) -> None:
    workers = f" + workers {figures['worker_peak_mb']:4.0f} MB" if figures["worker_peak_mb"] > 1 else ""
    print(f"{name:19s}{figures['seconds']:7.2f}s  cpu {figures['cpu']:7.2f}s  peak {figures['peak_mb']:4.0f} MB"
          f"{workers}  {note}".rstrip())


def _tasks() -> dict[str, tuple[str, str]]:
    return {str(i): (f"第{i}项任务：依法全面履行政府职能，推进第{i}项改革。", "2026-12-31") for i in range(1, ROWS + 1)}


def _reset_store(root: Path, units: int) -> None:
    """The round again, in a fresh store, with no archive: as before the first collect."""
    import shutil

    from returns import record_round

    from reporting.models import ROLE_LEAD
    from reporting.workspace import Workspace

    for path in (root / "reporting.db", root / "reporting.db-wal", root / "reporting.db-shm"):
        path.unlink(missing_ok=True)
    shutil.rmtree(root / "archive", ignore_errors=True)
    ws = Workspace(root)
    tasks = _tasks()
    names = [f"第{i:04d}单位" for i in range(units)]
    record_round(ws, tasks=tasks, units={name: {tid: ROLE_LEAD for tid in tasks} for name in names})


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
