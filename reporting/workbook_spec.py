"""What the unit workbook (创建工作台账) holds: sheets, the fill-in columns' spec, and recognition data.

Shared by generate (writes it), collect (reads it back) and the receipts (rewrites it).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .vocabulary import MATERIAL_CHOICES, STATUS_CHOICES

TEMPLATE_VERSION = "1"

SHEET_GUIDE = "填报说明"
SHEET_LEDGER = "工作台账"
SHEET_LIAISON = "联络员信息"
SHEET_LISTS = "下拉选项"  # hidden: the dropdown lists, so they have no 255-character limit
SHEET_META = "识别信息"  # very hidden: unit, round, campaign, version, and each task's id and fingerprint
SHEET_PROBLEMS = "问题清单"  # receipts only

GIVEN_COLUMNS = ["序号", "任务编号", "一级", "二级", "工作任务", "本单位职责", "完成时限", "量化指标"]
LEVEL2_COLUMN = "二级"  # added after the first release: returns on the older template lack it (still read)

CHOICE, PERCENT, TEXT = "choice", "percent", "text"


@dataclass(frozen=True)
class FillColumn:
    """One fill-in column of 工作台账. The template, 填报说明, validation, the store, the `cells` view, receipts,
    figures, 汇总台账 and the simulator all take the fill-in columns from FILL_SPEC."""

    header: str
    field: str  # its column in the store's answers table, and figures.Pair's attribute
    width: float  # in the built-in template, in characters
    hint: str  # input message on its header and cells (Excel: at most 255 characters)
    guide: str  # its line in 填报说明, after "N. header："
    kind: str = TEXT  # CHOICE (a dropdown of `choices`), PERCENT (a number 0–100) or TEXT (free text)
    choices: tuple[str, ...] = ()
    optional: bool = False  # added after the first release: a workspace's older template copy may lack it
    summary_width: float = 0  # in 汇总台账's 任务明细 (0: `width`)

    @property
    def detail_width(self) -> float:
        return self.summary_width or self.width


FILL_SPEC: tuple[FillColumn, ...] = (
    FillColumn("完成状态", "status", 9, "从下拉列表选择：未启动、推进中、已完成。",
               "从下拉列表中选择“未启动”“推进中”或“已完成”。", CHOICE, tuple(STATUS_CHOICES)),
    FillColumn("完成进度(%)", "progress", 8, "填写0到100之间的数字，如 80，不要写“%”。已完成的填 100。",
               "填写0到100之间的数字，如 80，不要写“%”。", PERCENT),
    FillColumn("工作举措及成效", "measures", 32,
               "写明采取的措施和取得的成效，尽量用具体数字说明。完成状态为“已完成”的必须填写。",
               "写明采取的措施和取得的成效，尽量用具体数字说明。", summary_width=50),
    FillColumn("量化指标完成值", "target_value", 14, "对照“量化指标”列，写出每项指标的实际完成值，如“网上可办率85%”。",
               "对照“量化指标”列，逐项写出实际完成值，如“网上可办率85%”；无量化指标的可不填。", summary_width=18),
    FillColumn("佐证材料", "evidence", 18,
               "列出文件、照片、视频、新闻链接等材料的名称。已完成的须填写，或在“材料提供方式”中说明。",
               "列出文件、照片、视频、新闻链接等材料的名称。", summary_width=24),
    FillColumn("材料提供方式", "evidence_mode", 12, "从下拉列表选择：已附材料、实地核查时提供、情况说明。",
               "从下拉列表中选择“已附材料”“实地核查时提供”或“情况说明”。", CHOICE, tuple(MATERIAL_CHOICES)),
    FillColumn("存在问题", "problems", 16, "如实填写工作中遇到的问题；没有的写“无”。", "如实填写；没有的可写“无”。",
               summary_width=30),
    FillColumn("下一步计划", "next_steps", 16, "写明下一步的工作打算和时间安排。", "如实填写；没有的可写“无”。",
               summary_width=30),
    FillColumn("责任人", "owner", 10, "填写本单位负责该项任务的人员姓名，可填多人。",
               "填写本单位负责该项任务的人员姓名（选填）。", optional=True),
)
FILL_COLUMNS = [column.header for column in FILL_SPEC]
FILL_BY_HEADER = {column.header: column for column in FILL_SPEC}
OPTIONAL_COLUMNS = frozenset(column.header for column in FILL_SPEC if column.optional)
FIELD_INDEX = {column.field: index for index, column in enumerate(FILL_SPEC)}  # answers column → FILL_COLUMNS index
ANSWER_FIELDS = {column.header: column.field for column in FILL_SPEC}  # the store's answers column of each
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
PROPERTY_LIMIT = 255  # Excel's limit for a custom property's text: longer values are cut, 识别信息 keeps them whole
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
