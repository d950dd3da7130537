"""Benchmark: a synthetic 1,000-task plan (.txt and .docx), parsed in-process and imported by the CLI,
against the same run of an earlier commit (a `git worktree` of it) so that the ratio is measured, not recalled.

    python bench/bench_plan.py                       # this checkout alone
    python bench/bench_plan.py --baseline 7b3fd27    # and the commit before the plan-form work, side by side
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNS = 3
_TIMER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from reporting.plan_parse import parse_plan
best = {}
for path in sys.argv[3:]:
    parse_plan(path)
    runs = []
    for _ in range(int(sys.argv[2])):
        started = time.process_time()
        plan = parse_plan(path)
        runs.append(time.process_time() - started)
    best[path] = (min(runs), len(plan.tasks))
print(json.dumps(best))
"""

AREAS = "一二三四五六七八九十"
UNITS = ["县发改局", "县财政局", "县司法局", "县人社局", "县市场监管局", "县政务中心", "县统计局", "县审计局"]
DEADLINES = ["2023年底前完成", "2024年6月底前完成", "长期坚持", "2024年上半年", ""]


def synthetic_plan(areas: int = 10, measures: int = 10, items: int = 10) -> str:
    """A plan in the shape of a county plan: areas (一), measures 1., items 1) with units and deadlines."""
    lines = ["某县法治政府建设示范创建实施方案（基准测试）", "", "一、总体要求", ""]
    lines += ["坚持依法行政，建设法治政府。", "", "二、主要任务和具体措施", ""]
    measure = item = 0
    for a in range(areas):
        lines += [f"（{AREAS[a]}）第{a + 1}个工作领域", "", "具体措施和责任分工：", ""]
        for _ in range(measures):
            measure += 1
            lines += [f"{measure}.推进第{measure}项重点措施", ""]
            for _ in range(items):
                item += 1
                lead, other = UNITS[item % len(UNITS)], UNITS[(item * 3 + 1) % len(UNITS)]
                deadline = DEADLINES[item % len(DEADLINES)]
                lines += [
                    f"{item})完善第{item}项工作制度。建立健全工作机制，办理满意度{80 + item % 20}%以上，"
                    f"每年不少于{item % 5 + 1}次专题培训。（牵头单位：{lead}；责任单位：{other}、各镇政府"
                    f"{'。' + deadline if deadline else ''}）",
                    "",
                ]
    lines += ["三、组织保障", "", "各单位要加强领导。各项工作任务原则上应当在2025年底前完成。"]
    return "\n".join(lines)


def _docx(text: str, path: Path) -> None:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        if line:
            document.add_paragraph(line)
    document.save(str(path))


def parse_times(root: Path, paths: list[Path]) -> dict[str, tuple[float, int]]:
    """Best-of-RUNS parse time and task count of each plan, with the code of `root`, in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _TIMER, str(root), str(RUNS), *map(str, paths)],
                         capture_output=True, text=True, check=True, cwd=root)
    return {key: (value[0], value[1]) for key, value in json.loads(out.stdout).items()}


def import_time(root: Path, plan: Path, folder: Path) -> float:
    """Wall time of `reporting plan import` into a new workspace, with the code of `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    workspace = Path(tempfile.mkdtemp(dir=folder)) / "ws"
    subprocess.run([sys.executable, "-m", "reporting", "init", str(workspace)], env=env, cwd=root,
                   check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "reporting", "plan", "import", "-w", str(workspace), str(plan)],
                   env=env, cwd=root, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="COMMIT", help="also measure this commit, in a git worktree")
    args = parser.parse_args()
    text = synthetic_plan()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        txt = folder / "实施方案.txt"
        txt.write_text(text, encoding="utf-8")
        docx_path = folder / "实施方案.docx"
        _docx(text, docx_path)
        trees = {"当前": ROOT}
        if args.baseline:
            tree = folder / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline],
                           check=True, capture_output=True)
            trees[f"基线 {args.baseline}"] = tree
        try:
            # The trees take turns, so that a busy machine slows both alike; the best of the turns counts.
            parse: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            whole: dict[str, list[float]] = {name: [] for name in trees}
            for _ in range(RUNS):
                for name, root in trees.items():
                    times = parse_times(root, [txt, docx_path])
                    assert all(count == 1000 for _, count in times.values()), times
                    parse[name].append((times[str(txt)][0], times[str(docx_path)][0]))
                    whole[name].append(import_time(root, txt, folder))
            rows = [(name, min(t for t, _ in parse[name]), min(d for _, d in parse[name]), min(whole[name]))
                    for name in trees]
        finally:
            if args.baseline:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder / "baseline")],
                               check=False, capture_output=True)
    print(f"1,000 项任务；解析为 CPU 时间，plan import 为墙钟时间（含启动进程、写任务分解表）；{RUNS} 轮取最好（秒）")
    print(f"{'代码':16} {'解析 .txt':>10} {'解析 .docx':>11} {'plan import':>12}")
    for name, parse_txt, parse_docx, whole in rows:
        print(f"{name:16} {parse_txt:>10.3f} {parse_docx:>11.3f} {whole:>12.3f}")
    if len(rows) == 2:
        now, before = rows
        ratios = [now[i] / before[i] for i in (1, 2, 3)]
        print(f"{'当前 / 基线':16} {ratios[0]:>9.2f}× {ratios[1]:>10.2f}× {ratios[2]:>11.2f}×")


if __name__ == "__main__":
    main()
