"""The whole flow at province scale, stage by stage, against floors measured in the same run (not a test).

    python bench/run.py --units 2000 --tasks 150      # province scale: every unit on every task
    python bench/run.py --units 300 --tasks 150 --county 80    # a medium look

One workspace goes through generate → (the units fill in their workbooks) → collect → receipts →
consolidate → report. Each step runs in its own process, so its peak memory (ru_maxrss, self and children)
is its own. Floors and baselines in the same run: a bare xlsxwriter write of the same cells (for generate), a
bare python-calamine read of the same returns (for collect, with and without receipts), a bare xlsxwriter
constant_memory write of the same cells of 汇总台账 (for consolidate; the cells are read before the clock
starts), report on a county-scale workspace (--county units, same tasks) run through the same stages, and a
plain pandas + openpyxl script that reads the returns and writes per-unit and per-area completion tables (for
collect + consolidate). The last lines are the ratios issue 17 asks for, the whole round against the sum of
the floors, and each stage's peak memory.

collect, receipts and the bare calamine read run in `--turns` turns (default 3), each from the store as generate
left it (bench_collect.reset): this machine's speed drifts by a third within minutes, so the collect ratios
are taken within each turn and their median is the one compared with the aim (every turn is printed); the
whole round adds each step's median time. The report runs in as many turns, the province's then the county's,
and the median of their ratios is the one compared with the aim: a report takes one or two seconds, where one
slow moment of the machine moves a single ratio by a third.
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue as queue_module
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_collect import reset  # noqa: E402
from bench_generate import floor, prepare  # noqa: E402

from reporting.workspace import Workspace  # noqa: E402

ROUND = "基准轮次"
DUE = date(2026, 12, 31)


def _usage() -> tuple[float, float]:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    return cpu, max(own.ru_maxrss, kids.ru_maxrss) / 1024


class Staged:
    """A step whose preparation is not timed: prepare(ws) → data, then work(ws, data) → detail."""

    def __init__(self, prepare, work) -> None:
        self.prepare, self.work = prepare, work


def _run(step, root: str, queue) -> None:
    ws = Workspace(root)
    if isinstance(step, Staged):
        data = step.prepare(ws)
        cpu, start = _usage()[0], time.perf_counter()
        detail = step.work(ws, data) or ""
    else:
        cpu, start = _usage()[0], time.perf_counter()
        detail = step(ws) or ""
    wall = time.perf_counter() - start
    cpu_after, peak = _usage()
    queue.put({"wall": wall, "cpu": cpu_after - cpu, "peak": peak, "detail": detail})


def measure(name: str, step, ws: Workspace) -> dict:
    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=_run, args=(step, str(ws.root), queue))
    process.start()
    while True:  # a step whose process dies (an import missing, killed) ends the run instead of hanging it
        try:
            result = queue.get(timeout=1)
            break
        except queue_module.Empty:
            if not process.is_alive():
                sys.exit(f"{name}：进程异常退出（退出码 {process.exitcode}），见上方输出")
    process.join()
    result["name"] = name
    print(f"{name:<28} {result['wall']:8.1f} 秒  CPU {result['cpu']:8.1f} 秒  峰值内存 {result['peak']:7.0f} MB"
          f"  {result['detail']}", flush=True)
    return result


# ---------------------------------------------------------------- the steps


def step_generate(ws: Workspace) -> str:
    from reporting.generate import generate_round

    result = generate_round(ws, round_name=ROUND, due=DUE, blank=True)
    return f"{len(result.files)} 份工作台账"


def step_floor_xlsxwriter(ws: Workspace) -> str:
    floor(ws, ws.root / "floor", workers=multiprocessing.cpu_count(), blanks=True)
    shutil.rmtree(ws.root / "floor")
    return "同样的单元格，裸 xlsxwriter"


def _fill_one(job: tuple[str, str, str]) -> None:
    """A unit's return: its workbook written with every fill-in cell answered, as a liaison would."""
    from reporting.models import ROLE_LEAD
    from reporting.task_ledger import read_ledger
    from reporting.templates import template_path
    from reporting.workbook import WorkbookRow, write_unit_workbook
    from reporting.workbook_template import load_template

    root, unit, target = job
    ws = Workspace(root)
    if "tasks" not in _fill_cache:
        _fill_cache["tasks"] = read_ledger(ws.ledger_path)
        _fill_cache["template"] = load_template(template_path(ws, "xlsx"))
    rows = []
    for index, task in enumerate(_fill_cache["tasks"]):
        done = (index + len(unit)) % 3 != 0
        measures = f"制定工作方案，召开推进会{index % 5 + 1}次，完成事项{index * 3 + 7}项。"
        if DIVERSE["measures"]:
            measures = f"{unit}{measures}"
        values = {"完成状态": "已完成" if done else "推进中", "完成进度(%)": 100 if done else 60,
                  "工作举措及成效": measures,
                  "佐证材料": "工作方案、会议纪要" if done else "", "材料提供方式": "已附材料" if done else "",
                  "存在问题": _problem(unit, index) if index % 4 == 0 else "", "下一步计划": "持续推进，按期完成"}
        role = ROLE_LEAD if unit in task.lead else "责任"
        rows.append(WorkbookRow(task=task, role=role, values=values))
    write_unit_workbook(Path(target), _fill_cache["template"], campaign="基准测试", unit=unit, round_name=ROUND,
                        due=DUE, contact="测试", rows=rows)


_fill_cache: dict = {}
# --diverse-texts: each unit words its problems its own way, as real units do ("texts"); bench_receipts's also has
# each unit word its 工作举措及成效 its own way ("measures"), so hardly a task row of a return is another's
DIVERSE = {"texts": False, "measures": False}
_PROBLEMS = ["基层力量不足", "工作经费保障不够", "专业人员偏少", "信息化水平不高", "部门协同不够顺畅", "宣传覆盖面不广",
             "制度执行不够到位", "群众参与度不高", "考核机制不够完善", "业务培训不够系统"]


def _problem(unit: str, index: int) -> str:
    """A problem's first clause: one text for every unit, or (diverse) in the unit's own words."""
    if not DIVERSE["texts"]:
        return "基层力量不足"
    return f"{unit}{_PROBLEMS[index % len(_PROBLEMS)]}，第{index % 7 + 1}项工作进度偏慢"[index % 3:]


def step_fill_returns(ws: Workspace) -> str:
    folder = ws.round_dir(ROUND) / "台账"
    jobs = [(str(ws.root), path.stem, str(ws.inbox / f"{path.stem}（已填）.xlsx"))
            for path in sorted(folder.glob("*.xlsx"))]
    with multiprocessing.get_context("fork").Pool(multiprocessing.cpu_count()) as pool:
        for _ in pool.imap_unordered(_fill_one, jobs, chunksize=8):
            pass
    return f"{len(jobs)} 份报回文件（准备数据，不计入比较）"


def step_collect(ws: Workspace) -> str:
    from reporting.collect import collect_inbox

    result = collect_inbox(ws, round_name=ROUND, receipts=False)
    return f"{len(result.returns)} 份台账，不含回执"


def step_receipts(ws: Workspace) -> str:
    """What collect does after reading when receipts are on (its default): one receipt per new return."""
    from reporting.receipts import write_pending_receipts
    from reporting.store import connect, workspace_lock

    with workspace_lock(ws.root):
        conn = connect(ws.db_path)
        conn.execute("PRAGMA synchronous = NORMAL")  # as collect_inbox, which writes them after reading
        try:
            written = write_pending_receipts(ws, conn)
        finally:
            conn.close()
    return f"{len(written)} 份回执"


def step_floor_calamine(ws: Workspace) -> str:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in sorted(ws.inbox.glob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
    return f"裸 python-calamine 读全部工作表（{cells} 个单元格）"


def step_consolidate(ws: Workspace) -> str:
    from reporting.summary_xlsx import consolidate

    consolidate(ws, round_name=ROUND)
    return "汇总台账.xlsx"


def _summary_cells(ws: Workspace) -> list[tuple[str, list[list]]]:
    from python_calamine import CalamineWorkbook

    from reporting.summary_xlsx import SUMMARY_FILE

    book = CalamineWorkbook.from_path(str(ws.round_dir(ROUND) / SUMMARY_FILE))
    return [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]


def _floor_summary(ws: Workspace, sheets: list[tuple[str, list[list]]]) -> str:
    """The same cells as 汇总台账, values only, with bare xlsxwriter in constant_memory mode."""
    import xlsxwriter

    cells = 0
    book = xlsxwriter.Workbook(str(ws.root / "floor-summary.xlsx"), {"constant_memory": True})
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value == "" or value is None:
                    continue
                cells += 1
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return f"汇总台账的同样单元格，裸 xlsxwriter constant_memory（{cells} 个单元格）"


step_floor_summary = Staged(_summary_cells, _floor_summary)


def step_report(ws: Workspace) -> str:
    from reporting.report import write_report

    write_report(ws, round_name=ROUND)
    return "自评报告.docx"


def step_pandas_script(ws: Workspace) -> str:
    """What a coordinator's analyst might write: read every return, concat, count, write two tables."""
    import pandas as pd

    frames = []
    for path in sorted(ws.inbox.glob("*.xlsx")):
        frame = pd.read_excel(path, sheet_name="工作台账", header=1, engine="openpyxl")
        frame["单位"] = path.stem
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    data["已完成"] = data["完成状态"].eq("已完成")
    by_unit = data.groupby("单位").agg(任务数=("任务编号", "size"), 已完成=("已完成", "sum"))
    by_unit["完成率"] = by_unit["已完成"] / by_unit["任务数"]
    by_area = data.groupby("一级").agg(项次=("任务编号", "size"), 已完成=("已完成", "sum"))
    by_area["完成率"] = by_area["已完成"] / by_area["项次"]
    with pd.ExcelWriter(ws.root / "pandas汇总.xlsx", engine="openpyxl") as writer:
        by_unit.to_excel(writer, sheet_name="按单位")
        by_area.to_excel(writer, sheet_name="按领域")
    return f"pandas.read_excel + concat + groupby + openpyxl 写出（{len(data)} 行）"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=150)
    parser.add_argument("--county", type=int, default=80, help="units of the county-scale workspace for report")
    parser.add_argument("--keep", action="store_true", help="keep the workspace and print where it is")
    parser.add_argument("--turns", type=int, default=3,
                        help="turns of collect, receipts and the calamine floor, and of the two reports")
    parser.add_argument("--diverse-texts", action="store_true",
                        help="problems in each unit's own words (tens of thousands of texts at province scale)")
    args = parser.parse_args()
    DIVERSE["texts"] = args.diverse_texts
    work = Path(tempfile.mkdtemp(prefix="reporting-bench-"))
    ws = prepare(work / "ws", args.units, args.tasks)
    county = prepare(work / "county", args.county, args.tasks)
    cores = multiprocessing.cpu_count()
    print(f"{args.units} 个单位 × {args.tasks} 项任务（每个单位承担全部任务），{cores} 核", flush=True)
    r: dict = {}
    try:
        for name, step in [("generate", step_generate), ("floor: xlsxwriter", step_floor_xlsxwriter),
                           ("(units fill in)", step_fill_returns)]:
            r[name] = measure(name, step, ws)
        shutil.copyfile(ws.db_path, ws.root / "generated.db")  # what reset() goes back to
        turns = []
        for turn in range(args.turns):
            if turn:
                reset(ws.root)
            turns.append({name: measure(name, step, ws) for name, step in
                          [("collect", step_collect), ("receipts", step_receipts),
                           ("floor: calamine", step_floor_calamine)]})
        r.update(median_of(turns, COLLECT_TURN))
        r["turns"] = turns
        for name, step in [("consolidate", step_consolidate), ("floor: xlsxwriter summary", step_floor_summary),
                           ("baseline: pandas+openpyxl", step_pandas_script)]:
            r[name] = measure(name, step, ws)
        print(f"县级规模：{args.county} 个单位 × {args.tasks} 项任务", flush=True)
        for name, step in [("county generate", step_generate), ("(county units fill in)", step_fill_returns),
                           ("county collect", step_collect), ("county receipts", step_receipts),
                           ("county consolidate", step_consolidate)]:
            r[name] = measure(name, step, county)
        r["report turns"] = [{"report": measure("report", step_report, ws),
                              "county report": measure("county report", step_report, county)}
                             for _turn in range(args.turns)]
        r.update(median_of(r["report turns"], REPORT_TURN))
    finally:
        if args.keep:
            print(f"工作目录：{ws.root}、{county.root}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    for line in ratios(r, args.units, args.county):
        print(line)


COLLECT_TURN = ["collect", "receipts", "floor: calamine"]
REPORT_TURN = ["report", "county report"]


def median_of(turns: list[dict], names: list[str]) -> dict:
    """Each named step of the turns at its median wall and CPU time, its highest peak."""
    return {name: {"wall": statistics.median(t[name]["wall"] for t in turns),
                   "cpu": statistics.median(t[name]["cpu"] for t in turns),
                   "peak": max(t[name]["peak"] for t in turns)} for name in names}


def _turn_ratios(turns: list[dict], kind: str, receipts: bool) -> str:
    return _median_ratio([(t["collect"][kind] + (t["receipts"][kind] if receipts else 0)) / t["floor: calamine"][kind]
                          for t in turns])


def _median_ratio(each: list[float]) -> str:
    shown = " / ".join(f"{ratio:.2f}" for ratio in each)
    return f"{statistics.median(each):5.2f} 倍（各轮 {shown}）"


def ratios(r: dict, units: int, county: int) -> list[str]:
    """The ratios of issue 17, each from this run, with its aim: wall time, and CPU time (self and children)
    beside it, the steadier of the two on a shared machine."""
    lines = []
    for kind in ("wall", "cpu"):
        t = {name: result[kind] for name, result in r.items() if not name.endswith("turns")}
        collect_all = t["collect"] + t["receipts"]
        floors = (t["floor: xlsxwriter"] + t["floor: calamine"] + t["floor: xlsxwriter summary"]
                  + t["county report"])
        whole = t["generate"] + collect_all + t["consolidate"] + t["report"]
        pandas = t["baseline: pandas+openpyxl"]
        lines += [
            "墙钟时间之比：" if kind == "wall" else "CPU 时间之比（含子进程）：",
            f"  generate ÷ 裸 xlsxwriter 写                      {t['generate'] / t['floor: xlsxwriter']:5.2f} 倍"
            "（目标 < 1.0）",
            f"  collect（不含回执）÷ 裸 calamine 读，各轮中位数  {_turn_ratios(r['turns'], kind, False)}"
            "（目标 ≤ 1.5）",
            f"  collect（含回执）÷ 裸 calamine 读，各轮中位数    {_turn_ratios(r['turns'], kind, True)}"
            "（目标 ≤ 2.5）",
            f"  consolidate ÷ 裸 xlsxwriter constant_memory 写   "
            f"{t['consolidate'] / t['floor: xlsxwriter summary']:5.2f} 倍（目标 ≤ 1.0）",
            f"  report {units} 个单位 ÷ report {county} 个单位，各轮中位数 "
            f"{_median_ratio([t['report'][kind] / t['county report'][kind] for t in r['report turns']])}"
            "（目标 ≤ 1.5）",
            f"  pandas+openpyxl 脚本 ÷ (collect 含回执 + consolidate)   "
            f"{pandas / (collect_all + t['consolidate']):5.2f} 倍（目标 ≥ 2）",
            f"  pandas+openpyxl 脚本 ÷ (collect 不含回执 + consolidate) "
            f"{pandas / (t['collect'] + t['consolidate']):5.2f} 倍",
            f"  一轮全流程（generate + collect 含回执 + consolidate + report）{whole:.1f} 秒 ÷ 下限之和 {floors:.1f} 秒"
            f"（裸 xlsxwriter + 裸 calamine + 裸 constant_memory + 县级 report）= {whole / floors:.2f} 倍"
            "（目标 ≤ 1.5）",
        ]
    lines.append("峰值内存（目标每步 ≤ 300 MB）：" + "，".join(
        f"{name} {r[name]['peak']:.0f} MB" for name in ("generate", "collect", "receipts", "consolidate", "report")))
    return lines


if __name__ == "__main__":
    main()
