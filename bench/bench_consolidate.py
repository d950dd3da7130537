"""consolidate of this checkout against an earlier commit's, taking turns on one workspace (not a test).

    python bench/run.py --units 300 --tasks 150 --keep          # a workspace to measure on (printed at the end)
    python bench/bench_consolidate.py WORKSPACE --against 054a943 --rounds 3

Each run is a process of its own: its wall time, its CPU time with its worker processes' (user + sys), the
part of it spent in this process (the rest is the workers'), and the peak memory of the process or of its
largest worker (ru_maxrss). The earlier commit's package is taken out with `git archive`, and each side works
on a copy of the workspace of its own (a newer store schema is migrated by this checkout, which an earlier
commit would refuse: give a workspace no newer than the earlier commit's schema). On a shared machine compare
the CPU times: wall times move with the load.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench")]

from against import checkout, run_once  # noqa: E402

RUN = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from reporting.summary_xlsx import consolidate
from reporting.workspace import Workspace
start = time.perf_counter()
consolidate(Workspace(sys.argv[2]))
wall = time.perf_counter() - start
own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
                  "here": own.ru_utime + own.ru_stime, "peak": max(own.ru_maxrss, kids.ru_maxrss) / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace")
    parser.add_argument("--against", required=True, help="the earlier commit")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-consolidate-") as folder:
        sources = {args.against: checkout(args.against, Path(folder) / "earlier"), "this checkout": ROOT}
        copies = {name: Path(shutil.copytree(args.workspace, Path(folder) / f"workspace{index}"))
                  for index, name in enumerate(sources)}
        results: dict[str, list[dict]] = {name: [] for name in sources}
        for turn in range(args.rounds):
            for name, source in sources.items():
                result = run_once(RUN, source, copies[name])
                results[name].append(result)
                print(f"{turn + 1}  {name:<14} wall {result['wall']:6.2f} 秒  CPU {result['cpu']:6.2f} 秒"
                      f"（本进程 {result['here']:5.2f}）  峰值内存 {result['peak']:5.0f} MB", flush=True)
    print()
    for name, runs in results.items():
        print(f"中位数  {name:<14} wall {statistics.median(r['wall'] for r in runs):6.2f} 秒  "
              f"CPU {statistics.median(r['cpu'] for r in runs):6.2f} 秒")


if __name__ == "__main__":
    main()
