"""Benchmark of `collect` (not a test): N returns of 150 rows, against bare python-calamine and pandas.

    python bench/bench_collect.py --units 2000            # province scale
    python bench/bench_collect.py --units 200 --repeat 2  # a quick look
    python bench/bench_collect.py --units 250 --repeat 5 --against 62f1752  # this checkout against a commit

The returns are what units send back: each unit's generated workbook (all its sheets, validations and
recognition data), every row filled in. Each phase runs in its own process, so its peak memory
(ru_maxrss) is its own; collect's worker processes are reported apart (the largest one's peak) and their
CPU time is added to the phase's. Each collect starts from the store as generate left it and an empty
archive/.

The floor (bare python-calamine reading every sheet of the same files, one process) and collect (default:
one worker process per core, no receipts) run in turns, `--repeat` times, because this machine's speed
drifts by a third within minutes: the ratio is taken within each turn, and the best and the median are
reported. Then once each: collect in one process, collect with receipts, collect again (nothing new),
and a plain pandas.read_excel + concat script. Aims (issue 4): collect ≤ 2× the floor, ≥ 5× faster than
pandas.

With --against COMMIT, only collect (default workers, no receipts) runs, this checkout's and that commit's
package (git archive) taking turns on the same returns, each from the store as generate left it: CPU time per
return with the worker processes' (user + sys), and the part spent in the main process (imports not counted).
On a shared machine compare these: wall times move with the load. --workspace reuses returns built before
(a folder this script printed, or any workspace holding generated.db), so both can be measured again later.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
ROWS = 150


AGAINST_RUN = """
import json, resource, shutil, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
root = Path(sys.argv[2])
for suffix in ("", "-wal", "-shm"):
    Path(f"{root / 'reporting.db'}{suffix}").unlink(missing_ok=True)
shutil.copyfile(root / "generated.db", root / "reporting.db")
shutil.rmtree(root / "archive", ignore_errors=True)
from reporting.collect import collect_inbox
from reporting.workspace import Workspace
def usage():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime
here, workers = usage()
start = time.perf_counter()
result = collect_inbox(Workspace(root), receipts=False)
wall = time.perf_counter() - start
here_after, workers_after = usage()
print(json.dumps({"wall": wall, "returns": len(result.returns), "here": here_after - here,
                  "cpu": here_after - here + workers_after - workers}))
"""


def build(workdir: Path, units: int) -> Path:
    """A workspace whose inbox holds every unit's generated workbook, filled in (see bench/run.py)."""
    from run import prepare, step_fill_returns, step_generate

    ws = prepare(workdir / "ws", units, ROWS)
    step_generate(ws)
    step_fill_returns(ws)
    shutil.copyfile(ws.db_path, ws.root / "generated.db")
    return ws.root


def reset(root: Path) -> None:
    """The store as generate left it, no archive/, no receipts: as before the first collect.

    archive/ and the receipts are moved aside, not deleted: on this machine's ext4 (no journal) creating files
    right after deleting thousands is slower (the allocator skips recently freed inodes), which no
    coordinator's collect meets; the workspace is removed at the end anyway."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{root / 'reporting.db'}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(root / "generated.db", root / "reporting.db")
    aside = root / ".earlier-turns" / str(time.time_ns())
    for folder in [root / "archive", *(root / "outbox").glob("*/回执")]:
        if folder.exists():
            aside.mkdir(parents=True, exist_ok=True)
            folder.rename(aside / f"{folder.parent.name}-{folder.name}")


def phase_collect(root: str, receipts: bool, workers: int | None) -> dict:
    from reporting.collect import collect_inbox
    from reporting.workspace import Workspace

    start = time.perf_counter()
    result = collect_inbox(Workspace(root), receipts=receipts, workers=workers)
    return {"seconds": time.perf_counter() - start, "returns": len(result.returns),
            "errors": sum(r.errors for r in result.returns)}


def phase_calamine(root: str) -> dict:
    import python_calamine

    start = time.perf_counter()
    cells = 0
    for path in sorted(Path(root, "inbox").glob("*.xlsx")):
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(r) for r in book.get_sheet_by_name(name).to_python())
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase")
    parser.add_argument("--root")
    parser.add_argument("--receipts", action="store_true")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--against", help="an earlier commit: collect of both, in turns (see above)")
    parser.add_argument("--workspace", help="with --against: returns built before, instead of building new ones")
    args = parser.parse_args()
    if args.against:
        against(args.against, args.units, args.repeat, args.workspace)
        return
    if args.phase:
        phases = {"collect": lambda: phase_collect(args.root, args.receipts, args.workers),
                  "calamine": lambda: phase_calamine(args.root), "pandas": lambda: phase_pandas(args.root)}
        figures = phases[args.phase]()
        mine, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["peak_mb"] = _own_peak_mb() or mine.ru_maxrss / 1024
        figures["worker_peak_mb"] = workers.ru_maxrss / 1024
        figures["cpu"] = mine.ru_utime + mine.ru_stime + workers.ru_utime + workers.ru_stime
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        start = time.perf_counter()
        root = build(Path(tmp), args.units)
        size = sum(p.stat().st_size for p in (root / "inbox").iterdir()) / 1e6
        print(f"built {args.units} returns of {ROWS} rows in {time.perf_counter() - start:.0f}s ({size:.1f} MB)")
        turns = []
        for _ in range(args.repeat):
            calamine = run_phase("calamine", root)
            reset(root)
            collect = run_phase("collect", root)
            turns.append((calamine, collect))
            _line("bare calamine", calamine, "")
            _line("collect", collect, f"{collect['returns']} returns; "
                  f"{collect['seconds'] / calamine['seconds']:.2f}× calamine in this turn")
        rerun = run_phase("collect", root)
        reset(root)
        alone = run_phase("collect", root, "--workers", "1")
        reset(root)
        receipts = run_phase("collect", root, "--receipts")
        pandas = run_phase("pandas", root)
    ratios = [c["seconds"] / f["seconds"] for f, c in turns]
    best_floor = min(f["seconds"] for f, _ in turns)
    best_collect = min(c["seconds"] for _, c in turns)
    _line("collect (again)", rerun, "nothing new")
    _line("collect, 1 process", alone, f"{alone['seconds'] / best_floor:.2f}× the best calamine")
    _line("collect + receipts", receipts, f"{receipts['seconds'] / best_floor:.2f}× the best calamine")
    _line("pandas read+concat", pandas, f"collect (best) is {pandas['seconds'] / best_collect:.1f}× faster")
    print(f"collect ÷ calamine: turns {', '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}; "
          f"best ÷ best {best_collect / best_floor:.2f}")


def against(commit: str, units: int, repeat: int, workspace: str | None) -> None:
    """collect of this checkout and of `commit`, in turns on the same returns: CPU per return (see above)."""
    from against import checkout, run_once

    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        root = Path(workspace) if workspace else build(Path(tmp), units)
        sides = {"this checkout": ROOT, commit: checkout(commit, Path(tmp) / "earlier")}
        per: dict[str, list[float]] = {name: [] for name in sides}
        here: dict[str, list[float]] = {name: [] for name in sides}
        for turn in range(1, repeat + 1):
            for name, source in (sides.items() if turn % 2 else reversed(sides.items())):
                run = run_once(AGAINST_RUN, source, root)
                count = max(run["returns"], 1)
                per[name].append(1000 * run["cpu"] / count)
                here[name].append(1000 * run["here"] / count)
                print(f"{turn} {name:<14} {run['returns']} 份  墙钟 {run['wall']:6.2f} 秒  CPU {run['cpu']:6.2f} 秒"
                      f"（每份 {per[name][-1]:5.2f} 毫秒，主进程 {here[name][-1]:4.2f}）", flush=True)
        reset(root)
    for name in sides:
        print(f"{name:<14} 每份 CPU 中位数 {statistics.median(per[name]):5.2f} 毫秒"
              f"（主进程 {statistics.median(here[name]):4.2f}）")


def _own_peak_mb() -> float | None:
    """This process's peak resident size since it started (Linux's ru_maxrss keeps the parent's from before
    exec, and the parent built the workspace)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else None


def _line(name: str, figures: dict, note: str) -> None:
    workers = f" + workers {figures['worker_peak_mb']:4.0f} MB" if figures["worker_peak_mb"] > 1 else ""
    print(f"{name:19s}{figures['seconds']:7.2f}s  cpu {figures['cpu']:7.2f}s  peak {figures['peak_mb']:4.0f} MB"
          f"{workers}  {note}".rstrip(), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
