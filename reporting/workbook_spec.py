"""What the unit workbook (创建工作台账) holds: sheets, columns, choices and recognition data.

Shared by generate (writes it), collect (reads it back) and the receipts (rewrites it).
"""

from __future__ import annotations

import hashlib
import re

TEMPLATE_VERSION = "1"

SHEET_GUIDE = "填报说明"
SHEET_LEDGER = "工作台账"
SHEET_LIAISON = "联络员信息"
SHEET_LISTS = "下拉选项"  # hidden: the dropdown lists, so they have no 255-character limit
SHEET_META = "识别信息"  # very hidden: unit, round, campaign, version, and each task's id and fingerprint
SHEET_PROBLEMS = "问题清单"  # receipts only

GIVEN_COLUMNS = ["序号", "任务编号", "一级", "工作任务", "本单位职责", "完成时限", "量化指标"]
FILL_COLUMNS = [
    "完成状态",
    "完成进度(%)",
    "工作举措及成效",
    "量化指标完成值",
    "佐证材料",
    "材料提供方式",
    "存在问题",
    "下一步计划",
]
LEDGER_COLUMNS = GIVEN_COLUMNS + FILL_COLUMNS
TITLE_ROW = 1  # 1-based rows of 工作台账
HEADER_ROW = 2
FIRST_DATA_ROW = 3

LIAISON_COLUMNS = ["单位名称", "分管领导", "联络员", "职务", "手机", "电子邮箱"]

# Custom document properties (survive Excel, WPS and LibreOffice saves; integers may come back as floats,
# so every value is written as text).
PROP_KIND = "reporting_kind"  # "台账" or "回执"
PROP_UNIT = "reporting_unit"
PROP_ROUND = "reporting_round"
PROP_CAMPAIGN = "reporting_campaign"
PROP_VERSION = "reporting_template_version"
KIND_LEDGER = "台账"
KIND_RECEIPT = "回执"

# Layout of SHEET_META: key/value rows first, then a header row META_TASKS_HEADER and one row per task.
META_KEYS = {"单位": PROP_UNIT, "轮次": PROP_ROUND, "活动": PROP_CAMPAIGN, "模板版本": PROP_VERSION, "类型": PROP_KIND}
META_TASKS_HEADER = ["任务编号", "任务指纹", "本单位职责"]

_NOT_TEXT = re.compile(r"\s+")


def fingerprint(task_text: str) -> str:
    """A short digest of a task's text; whitespace does not count, so re-wrapping does not change it."""
    return hashlib.sha1(_NOT_TEXT.sub("", task_text).encode("utf-8")).hexdigest()[:12]


def workbook_title(unit: str, round_name: str) -> str:
    return f"{unit}法治政府建设创建工作台账（{round_name}）"


# Receipts: one row per problem on SHEET_PROBLEMS.
PROBLEMS_COLUMNS = ["单元格", "填报内容", "问题", "修改方法"]

# The store's answers column behind each fill-in column (reporting.db, table answers).
ANSWER_FIELDS = {
    "完成状态": "status",
    "完成进度(%)": "progress",
    "工作举措及成效": "measures",
    "量化指标完成值": "target_value",
    "佐证材料": "evidence",
    "材料提供方式": "evidence_mode",
    "存在问题": "problems",
    "下一步计划": "next_steps",
}
