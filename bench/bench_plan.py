"""Benchmark: parse a synthetic 1,000-task plan (.txt and .docx) and print how long it takes.

    python bench/bench_plan.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reporting.plan_parse import parse_plan

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


def main() -> None:
    text = synthetic_plan()
    with tempfile.TemporaryDirectory() as folder:
        txt = Path(folder) / "实施方案.txt"
        txt.write_text(text, encoding="utf-8")
        docx_path = Path(folder) / "实施方案.docx"
        _docx(text, docx_path)
        for path in (txt, docx_path):
            parse_plan(path)  # warm up imports and regex caches
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                plan = parse_plan(path)
                runs.append(time.perf_counter() - started)
            assert len(plan.tasks) == 1000, len(plan.tasks)
            print(f"{path.suffix}: {len(plan.tasks)} tasks parsed in {min(runs) * 1000:.0f} ms (best of 3)")


if __name__ == "__main__":
    main()
