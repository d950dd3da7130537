"""Receipts (回执) of this checkout against an earlier commit's, taking turns on one workspace (not a test).

    python bench/bench_receipts.py --units 250 --against 5c111a7 --rounds 3 [--diverse-texts]

Builds N returns the way bench_collect.py does (each unit's generated workbook, every row filled in) and
collects them without receipts once, with the earlier commit's package, keeping that store. Then, in turns,
each side writes every receipt from a copy of that store (write_pending_receipts, as `reporting collect` does
after reading; default workers), a process of its own per run: CPU time with its worker processes' (user +
sys) per receipt, and the part spent in the main process (imports and this checkout's migration of the store
to its schema not counted). The earlier commit's package is taken out with `git archive`. On a shared machine
compare the CPU times: wall times move with the load.

Every unit fills in its rows alike (each row one of three ways), so most task rows of a receipt are another
receipt's too, which the writer keeps per process; --diverse-texts has each unit word its 工作举措及成效 and 存在问题
its own way (bench/run.py's DIVERSE), as real returns, which repeat rows less.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from against import checkout, run_once  # noqa: E402

RUN = """
import json, resource, shutil, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
root = Path(sys.argv[2])
for suffix in ("", "-wal", "-shm"):
    Path(f"{root / 'reporting.db'}{suffix}").unlink(missing_ok=True)
shutil.copyfile(root / "collected.db", root / "reporting.db")
for folder in (root / "outbox").glob("*/回执"):
    shutil.rmtree(folder)
from reporting.receipts import write_pending_receipts
from reporting.store import connect
from reporting.workspace import Workspace
conn = connect(root / "reporting.db")
conn.execute("PRAGMA synchronous = NORMAL")  # as collect_inbox
def usage():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime
here, workers = usage()  # imports and the store's migration not counted
start = time.perf_counter()
written = write_pending_receipts(Workspace(root), conn)
wall = time.perf_counter() - start
conn.close()
here_after, workers_after = usage()
print(json.dumps({"wall": wall, "receipts": len(written), "here": here_after - here,
                  "cpu": here_after - here + workers_after - workers}))
"""


BUILD = """
import shutil, sys
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import reporting  # the earlier package, whatever the bench scripts put first on sys.path later
import run
from bench_collect import build
if sys.argv[5] == "diverse":  # each unit's own words in 存在问题 and 工作举措及成效 (run.DIVERSE)
    run.DIVERSE.update(texts=True, measures=True)
from reporting.collect import collect_inbox
from reporting.workspace import Workspace
root = build(Path(sys.argv[3]), int(sys.argv[4]))
collect_inbox(Workspace(root), receipts=False)
shutil.copyfile(root / "reporting.db", root / "collected.db")
print(root)
"""


def _build(source: Path, folder: Path, units: int, diverse: bool) -> Path:
    """The returns generated and collected by the earlier commit's package (its store schema is the older)."""
    done = subprocess.run([sys.executable, "-c", BUILD, str(source), str(ROOT / "bench"), str(folder), str(units),
                           "diverse" if diverse else "alike"], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"build: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return Path(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=250)
    parser.add_argument("--against", required=True, help="an earlier commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--diverse-texts", action="store_true",
                        help="each unit words its 工作举措及成效 and 存在问题 its own way (few task rows alike)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-receipts-") as tmp:
        folder = Path(tmp)
        earlier = checkout(args.against, folder / "earlier")
        root = _build(earlier, folder, args.units, args.diverse_texts)
        sides = {"this checkout": ROOT, args.against: earlier}
        per: dict[str, list[float]] = {name: [] for name in sides}
        for turn in range(1, args.rounds + 1):
            for name, source in sides.items():
                run = run_once(RUN, source, root)
                count = max(run["receipts"], 1)
                per[name].append(1000 * run["cpu"] / count)
                each, here = 1000 * run["cpu"] / count, 1000 * run["here"] / count
                print(f"{turn} {name:<16} {run['receipts']} 份回执  墙钟 {run['wall']:6.2f} 秒  "
                      f"CPU {run['cpu']:6.2f} 秒（每份 {each:5.1f} 毫秒，主进程 {here:4.1f}）", flush=True)
    for name, values in per.items():
        print(f"{name:<16} 每份回执 CPU 中位数 {statistics.median(values):5.1f} 毫秒")


if __name__ == "__main__":
    main()
