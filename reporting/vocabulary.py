"""The words every stage shares: completion states, material modes, problem levels, verdicts, overdue.

One place for each: the unit workbook's dropdowns, validation, the store, the figures, the receipts and the
report all take them from here. It imports only models, so any module may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .models import LONG_TERM

# 完成状态: what a unit may report for a task (the dropdown, in its order).
STATUS_DONE = "已完成"
STATUS_ONGOING = "推进中"
STATUS_NOT_STARTED = "未启动"
STATUS_CHOICES = [STATUS_NOT_STARTED, STATUS_ONGOING, STATUS_DONE]

# 材料提供方式 (the dropdown, in its order).
MATERIAL_ATTACHED = "已附材料"
MATERIAL_ON_SITE = "实地核查时提供"
MATERIAL_EXPLAINED = "情况说明"
MATERIAL_CHOICES = [MATERIAL_ATTACHED, MATERIAL_ON_SITE, MATERIAL_EXPLAINED]

# The words read as each 完成状态 and 材料提供方式, compared without spaces and trailing punctuation (NFKC). The
# coordinator adds more (or moves one) in reporting.toml [词表]; a word with a bracketed remark ("已完成（常态化）")
# is read by the word before the bracket. "基本完成" is not 已完成: what is basically done is still 推进中.
STATUS_WORDS = {
    STATUS_DONE: ["已完成", "完成", "完成了", "已经完成", "全部完成", "已全部完成", "已办结", "办结", "已落实",
                  "已落实到位", "落实到位", "已完成并常态化", "已完成并长效推进", "已实现", "已达标", "已结束",
                  "已完结", "完结", "已建成", "已出台", "已印发", "已制定", "已验收", "已按期完成", "按期完成",
                  "已如期完成", "如期完成", "已完成任务", "完成任务", "已完成年度任务", "圆满完成", "已圆满完成",
                  "是", "√", "✓", "✔", "☑", "✅", "done", "completed", "complete", "finished"],
    STATUS_ONGOING: ["推进中", "进行中", "正在推进", "正在推进中", "部分完成", "正在进行", "正在进行中", "持续推进",
                     "持续推进中", "正在实施", "实施中", "基本完成", "已基本完成", "大部分完成", "已部分完成",
                     "长期坚持", "长期推进", "长期执行", "常态化", "常态化推进", "常态化开展", "持续开展",
                     "持续开展中", "正在开展", "开展中", "有序推进", "稳步推进", "按计划推进", "按序时推进",
                     "正在落实", "落实中", "推进", "已启动", "已开展", "已启动实施", "正在办理", "办理中",
                     "正在完善", "完善中", "逐步推进", "积极推进", "扎实推进", "在推进", "在建", "在建中",
                     "正常推进", "按时序推进", "启动", "筹备中", "正在筹备", "阶段性完成", "已完成阶段性任务",
                     "已完成阶段性工作", "in progress", "ongoing", "underway"],
    STATUS_NOT_STARTED: ["未启动", "未开始", "尚未开展", "尚未启动", "未开展", "暂未启动", "还未启动", "暂未开展",
                         "尚未开始", "还未开始", "还没开始", "没有开始", "未实施", "尚未实施", "暂未实施", "待启动",
                         "未进行", "尚未进行", "暂无进展", "not started"],
}
# What a unit writes for a task it thinks is not its own ("本单位不适用此项", "我单位无此项工作", "N/A"), found
# anywhere in a short 完成状态 that no word reads. There is no such state: the task stays the unit's by the
# 任务分解表 until the coordinator changes the division of work, so these are errors with their own advice.
NOT_APPLICABLE_MARKS = ["不适用", "不涉及", "无此", "无该项", "无相关工作", "无相关职能", "无相关职责", "非本单位",
                        "非我单位", "不属于本单位", "不属于我单位", "不属本单位", "不属我单位", "不承担", "未承担",
                        "不在职责", "不在本单位职责", "不在我单位职责", "n/a"]
MODE_WORDS = {
    MATERIAL_ATTACHED: ["已附材料", "已附", "附件", "见附件", "已附件", "附材料", "附后", "见附", "详见附件",
                        "已提供", "已上传", "随表报送", "随文报送", "见附件材料", "详见附件材料", "附件材料", "随表附",
                        "随表附送"],
    MATERIAL_ON_SITE: ["实地核查时提供", "实地核查", "实地评估、核查时提供", "实地评估核查时提供", "现场核查时提供",
                       "核查时提供", "现场提供", "检查时提供", "评估时提供", "现场核查", "备查", "现场查看",
                       "实地查看", "现场查看时提供", "实地查看时提供"],
    MATERIAL_EXPLAINED: ["情况说明", "见情况说明", "附情况说明", "书面说明", "文字说明", "说明", "详见情况说明",
                         "另附情况说明"],
}
# 完成进度 written as words: a figure's ("一半", "已完成一半", "过半", "全部"), read as it and noted; or a word saying
# there is no figure ("/", "长期"; and a status word without a figure, "常态化", "推进中"), read as an empty progress
# and noted (the row is not sent back for it: an empty progress is allowed, and a 已完成 row's is 100).
PROGRESS_WORDS = {"一半": 50.0, "过半": 50.0, "半数": 50.0, "全部": 100.0, "百分百": 100.0, "百分之百": 100.0}
NO_FIGURE_WORDS = ["/", "-", "—", "——", "无", "暂无", "待定", "不详", "持续", "长期"]
WORD_CHOICES = STATUS_CHOICES + MATERIAL_CHOICES  # the keys of reporting.toml [词表]

# The state of a (unit, task) pair in the figures: a reported status, or one of these two.
STATE_NEEDS_FIX = "待修改"
STATE_NOT_REPORTED = "未报送"
STATES = [STATUS_DONE, STATUS_ONGOING, STATUS_NOT_STARTED, STATE_NEEDS_FIX, STATE_NOT_REPORTED]
STATE_COLOURS = {STATUS_DONE: "#3A923A", STATUS_ONGOING: "#3B75AF", STATUS_NOT_STARTED: "#A0A0A0",
                 STATE_NEEDS_FIX: "#EF8636", STATE_NOT_REPORTED: "#C03D3E"}  # the workbook's charts and the report's

# The level of a cell or a problem (stored in problems.level and the cells view's verdict).
OK, WARNING, ERROR, MISSING, OVERDUE = "ok", "warning", "error", "missing", "overdue"
NOTE = "note"  # not a problem: how a word other than the dropdown's was read (the receipt says so)
EVIDENCE = "evidence"  # a receipt's 佐证 line: a file that fits no task, a claim without a file (not an error)
LEVEL_WORDS = {ERROR: "错误", WARNING: "提醒", MISSING: "未填报", OVERDUE: "逾期", NOTE: "说明", EVIDENCE: "佐证"}

# The verdict on a return: accepted unless a row has an error.
VERDICT_ACCEPTED = "已接收"
VERDICT_REJECTED = "退回修改"
# What a unit's return amounts to in status (PRODUCT.md, `status --json` "state"): a verdict, or one of these.
STATE_BLANK = "空表"  # nothing filled in: answered, never counted as 已报送
STATE_HELD = "待确认"  # names another unit, or older than the return accepted: counts once confirmed
UNIT_STATES = [VERDICT_ACCEPTED, VERDICT_REJECTED, STATE_BLANK, STATE_HELD, STATE_NOT_REPORTED]
BLANK_LINE = f"{STATE_BLANK}：未填写任何内容，不计为已报送，请填写后重新报送"


def verdict_of(errors: int) -> str:
    return VERDICT_REJECTED if errors else VERDICT_ACCEPTED


def verdict_line(errors: int, warnings: int) -> str:
    """The verdict with its counts, as collect prints it and the receipt shows it."""
    if errors:
        return f"{VERDICT_REJECTED}，{errors} 处错误"
    if warnings:
        return f"{VERDICT_ACCEPTED}，有 {warnings} 条提醒"
    return VERDICT_ACCEPTED


# Overdue (PRODUCT.md): only a pair the unit reported as not done, or whose row needs fixing; a pair of a unit
# that did not return, or a row missing from a return, is 未报送 and never overdue.
OVERDUE_STATES = frozenset({STATUS_ONGOING, STATUS_NOT_STARTED, STATE_NEEDS_FIX})


def pair_overdue(deadline: str | None, state: str | None, as_of: date) -> bool:
    """A (unit, task) pair in `state` is overdue by `as_of`."""
    return state in OVERDUE_STATES and is_overdue(deadline, as_of)


@dataclass(frozen=True)
class Rule:
    """A problem a return can have: a stable code (what tests and tools go by), its level, and the Chinese
    message and fix the unit reads in its receipt, with {named} fields filled in where it is found."""

    code: str  # "area.what", e.g. "progress.range"; never reused for another meaning
    level: str
    message: str
    fix: str = ""

    def text(self, **fields: object) -> tuple[str, str]:
        """(message, fix) with the fields filled in."""
        return self.message.format(**fields), self.fix.format(**fields)


def rule_table(*rules: Rule) -> dict[str, Rule]:
    """code → rule; one table per place that checks (row rules, return rules, structure notes)."""
    table = {rule.code: rule for rule in rules}
    assert len(table) == len(rules), "duplicate rule code"
    return table


def is_overdue(deadline: str | None, as_of: date) -> bool:
    """The deadline (ISO date, 长期 or none) has passed by `as_of`; whether the task is done is the caller's."""
    if not deadline or deadline == LONG_TERM:
        return False
    try:
        return date.fromisoformat(deadline) < as_of
    except ValueError:
        return False
