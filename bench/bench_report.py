"""Benchmark `consolidate` and `report` at province scale (not a test; not run in CI).

    python bench/bench_report.py                        # 2,000 units × 150 tasks, every unit on every task
    python bench/bench_report.py --units 200 --tasks 40 # smaller
    python bench/bench_report.py --pdf                  # also time the LibreOffice PDF
    python bench/bench_report.py --units 300 --county 80 --steps report --repeat 3
                                                        # report at two scales, alternating: the issue 17 ratio
    python bench/bench_report.py --units 600 --county 80 --steps report --repeat 3 --against 75b1dfe
                                                        # and an earlier commit's report, in turn, on copies

Fills reporting.db of a temporary workspace by plain SQL: two rounds (so round-over-round is computed),
90 % of units returned in the current round, one return in twenty with an error row, synthetic
measures/problems/plans, stored as collect stores them (answers rows with the column letters of the return in
submissions.columns; answers.raw NULL: every cell as normalised, the usual row; the notes of quotes.py).
Each step then runs in a fresh process, which reports its wall and CPU time and its peak memory (ru_maxrss).
The figures' kept counts (figures.py) are then brought up to date once, as collect keeps them when it stores
the returns, so the timed steps read them as they would after a collect.
With --county, a second workspace of that many units is filled the same way, and each step runs on both, in
turn, --repeat times; the ratio of the medians (CPU) is printed: issue 17 wants report's at most 1.5.
With --against COMMIT, that commit's package (git archive) runs each step too, in turn with this checkout's, on a
copy of each workspace whose store is marked with that commit's schema version (the tables it does not know are
left in place, unused), so both are measured in the same run on the same data.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from against import checkout, run_once  # noqa: E402

from reporting.figures import keep_counts  # noqa: E402
from reporting.quotes import NOTE_COLUMNS, answer_notes  # noqa: E402
from reporting.store import connect, dumps, transaction  # noqa: E402
from reporting.workbook_spec import FILL_COLUMNS  # noqa: E402
from reporting.workspace import Settings, Workspace  # noqa: E402
from reporting.workspace_init import init_workspace  # noqa: E402

RUN = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
step = "{step}"
from reporting.report import write_report
from reporting.summary_xlsx import consolidate
from reporting.workspace import Workspace
ws = Workspace(sys.argv[2])
started, cpu = time.perf_counter(), time.process_time()
output = consolidate(ws) if step == "consolidate" else write_report(ws).docx
print(json.dumps({"step": step, "wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "size_mb": output.stat().st_size / 1e6}))
"""

ROUNDS = [  # name, due, generated at, share of units that returned
    ("基准第一轮", "2026-03-31", "2026-01-05T09:00:00", 0.5),
    ("基准第二轮", "2026-06-30", "2026-04-01T09:00:00", 0.9),
]
AREAS = [f"（{c}）第{i}方面工作" for i, c in enumerate("一二三四五六七八", start=1)]
PHRASES = ["全面推行行政执法公示制度", "健全重大行政决策程序", "深化“放管服”改革", "加强行政复议规范化建设",
           "推进政务公开标准化", "落实法律顾问制度", "完善矛盾纠纷多元化解机制", "开展执法人员培训"]
STATES = ["已完成", "推进中", "未启动"]


def fill(ws: Workspace, units: int, tasks: int, seed: int = 7) -> int:
    """Write both rounds into the store; returns the number of (unit, task) pairs per round."""
    rng = random.Random(seed)
    names = [f"测试县第{i:04d}号单位" for i in range(1, units + 1)]
    conn = connect(ws.db_path)
    with transaction(conn):
        conn.executemany("INSERT INTO units (name, category, liaison, phone, email) VALUES (?, '部门', '联络员', "
                         "'13800000000', 'unit@example.cn')", [(n,) for n in names])
        for round_name, due, generated_at, share in ROUNDS:
            _round(conn, rng, names, tasks, round_name, due, generated_at, share)
    for round_name, *_ in ROUNDS:
        keep_counts(conn, round_name)
    conn.close()
    return units * tasks


def _round(conn, rng: random.Random, names: list[str], tasks: int, round_name: str, due: str, generated_at: str,
           share: float) -> None:
    conn.execute("INSERT INTO rounds (name, due, campaign, generated_at) VALUES (?, ?, '基准测试', ?)",
                 (round_name, due, generated_at))
    for i in range(1, tasks + 1):
        text = "，".join(rng.choice(PHRASES) for _ in range(rng.randint(2, 6))) + "，确保按期完成。"
        deadline = "长期" if i % 7 == 0 else f"2026-{(i % 12) + 1:02d}-28"
        conn.execute("INSERT INTO round_tasks (round, task_id, seq, area, path, text, lead, responsible, deadline, "
                     "fingerprint) VALUES (?, ?, ?, ?, '[]', ?, ?, '[\"各参评单位\"]', ?, 'fp')",
                     (round_name, str(i), i, AREAS[i % len(AREAS)], text, dumps([names[i % len(names)]]), deadline))
    conn.executemany("INSERT INTO assignments (round, unit, task_id, role) VALUES (?, ?, ?, ?)",
                     ((round_name, unit, str(i), "牵头" if names[i % len(names)] == unit else "责任")
                      for unit in names for i in range(1, tasks + 1)))
    for index, unit in enumerate(names):
        if rng.random() < share:
            _return(conn, rng, round_name, unit, index, tasks)


def _return(conn, rng: random.Random, round_name: str, unit: str, index: int, tasks: int) -> None:
    file_hash = f"{round_name}-{index}"
    conn.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) "
                 "VALUES (?, ?, ?, ?, 50000, '2026-06-20T10:00:00', 'read')",
                 (file_hash, f"{unit}.xlsx", f"inbox/{unit}.xlsx", f"archive/{file_hash}"))
    faulty = rng.random() < 0.05
    submission = conn.execute(
        "INSERT INTO submissions (file_hash, round, unit, recognized_by, read_at, verdict, errors, columns) "
        "VALUES (?, ?, ?, '识别信息', '2026-06-20T10:00:00', ?, ?, ?)",
        (file_hash, round_name, unit, "退回修改" if faulty else "已接收", int(faulty),
         dumps([chr(72 + k) for k in range(len(FILL_COLUMNS))]))).lastrowid
    answers = []
    for i in range(1, tasks + 1):
        state = rng.choice(STATES)
        progress = 100 if state == "已完成" else 0 if state == "未启动" else rng.randint(10, 90)
        accepted = not (faulty and i == 1)
        done = f"{rng.choice(PHRASES)}，完成{rng.randint(1, 50)}项。{rng.choice(PHRASES)}。"
        measures = "" if state == "未启动" else done
        problems = f"{rng.choice(PHRASES)}推进中人手不足。" if rng.random() < 0.3 else "无"
        plans = f"下一步{rng.choice(PHRASES)}。" if rng.random() < 0.5 else ""
        row = 2 + i
        answers.append((submission, str(i), int(accepted), state, progress, measures, problems, plans, row,
                        *answer_notes(measures, None, problems, plans)))
    conn.executemany("INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures, problems, "
                     f"next_steps, sheet, row, {', '.join(NOTE_COLUMNS)}) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '工作台账', ?, ?, ?, ?, ?)", answers)


def _step(name: str, root: str, pdf: bool, queue) -> None:
    """Run one step in this (fresh) process and report wall, CPU and peak memory."""
    from reporting.report import write_report
    from reporting.summary_xlsx import consolidate

    ws = Workspace(root)
    started, cpu = time.perf_counter(), time.process_time()
    output = consolidate(ws) if name == "consolidate" else write_report(ws, pdf=pdf).docx
    queue.put({"step": name, "wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "size_mb": output.stat().st_size / 1e6})


def measure(name: str, root: Path, pdf: bool = False) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_step, args=(name, str(root), pdf, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def baseline() -> float:
    """Peak memory of a fresh process that only imports the modules, for reference."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_imports_only, args=(queue,))
    process.start()
    result = queue.get()
    process.join()
    return result


def _imports_only(queue) -> None:
    import reporting.report
    import reporting.summary_xlsx  # noqa: F401

    queue.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=150)
    parser.add_argument("--county", type=int, default=0, help="also a workspace of this many units, to compare")
    parser.add_argument("--steps", default="consolidate,report", help="comma-separated: consolidate, report")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each step on each workspace, alternating")
    parser.add_argument("--against", default="", help="an earlier commit, run in turn with this checkout")
    parser.add_argument("--pdf", action="store_true", help="also convert the report to PDF with LibreOffice")
    parser.add_argument("--keep", action="store_true", help="keep the workspace and print where it is")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        spaces = [(args.units, _workspace(folder / "工作目录", args.units, args.tasks))]
        if args.county:
            spaces.append((args.county, _workspace(folder / "县级", args.county, args.tasks)))
        earlier = _earlier(args.against, folder, spaces) if args.against else None
        print(f"仅导入模块的进程峰值内存 {baseline():.0f} MB")
        sides = ["本检出", *([args.against] if earlier else [])]
        for step in args.steps.split(","):
            cpu: dict[tuple[str, int], list[float]] = {(side, units): [] for side in sides for units, _ in spaces}
            for _ in range(args.repeat):
                for units, ws in spaces:
                    for side in sides:
                        if side == "本检出":
                            r = measure(step, ws.root, pdf=args.pdf and step == "report")
                        else:
                            assert earlier is not None
                            r = run_once(RUN.replace("{step}", step), earlier[0], earlier[1][units])
                        cpu[side, units].append(r["cpu"])
                        print(f"{side:<8} {r['step']:<12} {units:>5} 个单位  用时 {r['wall']:6.1f} 秒"
                              f"（CPU {r['cpu']:6.1f} 秒）  峰值内存 {r['peak_mb']:6.0f} MB  "
                              f"输出 {r['size_mb']:.1f} MB", flush=True)
            for side in sides:
                for units, _ in spaces:
                    print(f"{side:<8} {step} CPU 中位数：{units} 个单位 {statistics.median(cpu[side, units]):.2f} 秒")
                if args.county:
                    big, small = statistics.median(cpu[side, args.units]), statistics.median(cpu[side, args.county])
                    print(f"{side:<8} {step} CPU 中位数之比：{args.units} 个单位 ÷ {args.county} 个单位 = "
                          f"{big / small:.2f} 倍")
        if args.keep:
            print(f"工作目录：{'、'.join(str(ws.root) for _, ws in spaces)}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _earlier(commit: str, folder: Path, spaces: list[tuple[int, Workspace]]) -> tuple[Path, dict[int, Path]]:
    """The earlier commit's package, and a copy of each workspace marked with that commit's schema version."""
    source = checkout(commit, folder / "earlier")
    version = int(subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "from reporting.store import SCHEMA_VERSION; print(SCHEMA_VERSION)", str(source)],
        check=True, capture_output=True, text=True).stdout)
    copies = {}
    for units, ws in spaces:
        copy = Path(shutil.copytree(ws.root, folder / f"earlier-{units}"))
        conn = sqlite3.connect(copy / ws.db_path.relative_to(ws.root))
        conn.execute(f"PRAGMA user_version = {version}")
        conn.close()
        copies[units] = copy
    return source, copies


def _workspace(root: Path, units: int, tasks: int) -> Workspace:
    ws = init_workspace(root)
    ws.save_settings(Settings(campaign="基准测试", round_name=ROUNDS[-1][0]))
    started = time.perf_counter()
    pairs = fill(ws, units, tasks)
    print(f"{units} 个单位 × {tasks} 项任务 = {pairs} 项次/轮，两轮；"
          f"写库 {time.perf_counter() - started:.1f} 秒，reporting.db {ws.db_path.stat().st_size / 1e6:.0f} MB")
    return ws


if __name__ == "__main__":
    main(sys.argv[1:])
