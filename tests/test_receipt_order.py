"""A receipt's task rows are in ledger order (round_tasks.seq), whatever order the store holds the unit's
assignments and the tasks' ids in."""

from __future__ import annotations

from python_calamine import CalamineWorkbook
from returns import ROUND, TASKS, done, record_round, write_return

from reporting.collect import collect_inbox
from reporting.models import ROLE_LEAD, ROLE_RESPONSIBLE
from reporting.receipts import receipt_path
from reporting.workbook_spec import FIRST_DATA_ROW, LEDGER_COLUMNS, SHEET_LEDGER
from reporting.workspace_init import init_workspace


def test_a_receipts_rows_are_in_ledger_order_not_in_the_order_of_assignments_or_ids(tmp_path):
    ws = init_workspace(tmp_path / "w")
    tasks = {task_id: TASKS[task_id] for task_id in ("5", "3", "1", "4", "2")}  # seq 1…5 in this order
    unit = "县财政局"
    units = {unit: {"2": ROLE_RESPONSIBLE, "1": ROLE_LEAD, "5": ROLE_RESPONSIBLE, "3": ROLE_RESPONSIBLE}}
    record_round(ws, tasks=tasks, units=units)
    write_return(ws.inbox / "回报.xlsx", unit, {task_id: done() for task_id in units[unit]}, tasks=tasks, units=units)
    collect_inbox(ws, workers=1)
    rows = CalamineWorkbook.from_path(str(receipt_path(ws, ROUND, unit))).get_sheet_by_name(SHEET_LEDGER).to_python()
    ids = [str(row[LEDGER_COLUMNS.index("任务编号")]) for row in rows[FIRST_DATA_ROW - 1:]]
    assert ids == ["5", "3", "1", "2"]
