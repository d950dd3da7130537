"""Texts and ledger rows that test every way a writer can get a cell wrong (escaping, spaces kept, line breaks,
control characters, literal _xHHHH_, text that looks like a formula, text too long, empty), shared by the writer's
and the receipts' tests."""

from __future__ import annotations

from reporting.models import Task
from reporting.workbook import WorkbookRow

AWKWARD = ['a & b < c > d "q" {0}', " 前后有空格 ", "两行\n文字", "控制\x01字符", "字面 _x0041_ 转义", "=1+1",
           "长" * 400, ""]


def awkward_rows(n: int, id_prefix: str = "T", path: tuple[str, ...] = ("(一)依法行政", "二级")) -> list[WorkbookRow]:
    """n ledger rows of AWKWARD texts, both roles, deadlines and targets or none, answers of every kind."""
    rows = []
    for i in range(1, n + 1):
        task = Task(id=f"{id_prefix}{i}", text=AWKWARD[i % len(AWKWARD)] or f"第{i}项任务", path=list(path),
                    lead=["县财政局"], deadline="2026-12-31" if i % 2 else None,
                    targets=["覆盖率≥90%", "办结率100%"] if i % 3 == 0 else [])
        values: dict[str, object] = {}
        if i % 4 == 1:
            values = {"完成状态": "已完成", "完成进度(%)": 100, "工作举措及成效": AWKWARD[(i + 1) % len(AWKWARD)],
                      "材料提供方式": "已附材料", "责任人": "王五"}
        elif i % 4 == 2:
            values = {"完成进度(%)": 62.5, "存在问题": 1e20, "下一步计划": float("nan"), "佐证材料": True}
        elif i % 4 == 3:
            values = {"工作举措及成效": "很长的举措" * 30, "完成状态": "推进中"}
        rows.append(WorkbookRow(task, "牵头" if i % 5 == 0 else "责任", values))
    return rows
