"""What every plan format shares: a plan as numbered lines (SourceLine), limits, the header words of a
breakdown table (任务分解表)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import PlanError

MAX_LINES = 50_000
MAX_BYTES = 20 * 1024 * 1024  # a text plan; .docx/.xlsx may carry pictures, so they get more room
MAX_PACKAGE_BYTES = 100 * 1024 * 1024
HEADER_SCAN_ROWS = 20
TEXT_SUFFIXES = (".txt", ".text")
DOCX_SUFFIXES = (".docx", ".docm")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SAVE_AS = "请另存为 UTF-8 或 GBK 编码的 .txt 或 .docx 后再导入"


@dataclass(frozen=True)
class SourceLine:
    """One line of a plan: a text line, a .docx paragraph, or a table row (then `cells` holds its cells)."""

    line: int
    text: str
    cells: tuple[str, ...] | None = None
    table: int | None = None  # which table of the document the row belongs to


class SourceLines(list[SourceLine]):
    """A plan's lines, and what reading them decided that the coordinator should know (the encoding)."""

    def __init__(self, lines: list[SourceLine] | None = None, notes: list[str] | None = None) -> None:
        super().__init__(lines or [])
        self.notes: list[str] = list(notes or [])


# Header synonyms of a breakdown table (任务分解表), in the order they are tried.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("序号", "任务编号", "编号"),
    "lead": ("牵头单位", "牵头部门", "牵头责任单位", "牵头责任部门", "主办单位", "主责单位", "牵头"),
    "responsible": (
        "责任单位", "配合单位", "责任部门", "配合部门", "参与单位", "协办单位", "承办单位", "起草单位",
        "责任主体", "实施单位", "承办部门", "起草部门",
    ),
    "deadline": (
        "完成时限", "时间节点", "完成时间", "完成期限", "时限要求", "时间要求", "时限", "时间安排",
        "计划完成时间", "报送审议时间", "进度安排", "完成时间节点", "时间进度", "推进时限", "完成时限要求",
    ),
    "level1": ("一级指标", "一级", "类别", "工作领域", "领域"),
    "level2": ("二级指标", "二级"),
    "level3": ("三级指标", "三级"),
    "score": ("分值", "分数", "标准分"),
    "note": ("备注",),
    "text": (
        "工作任务", "任务内容", "具体任务", "工作内容", "主要任务", "重点任务", "任务名称", "具体措施",
        "工作措施", "主要措施", "目标任务", "任务", "事项名称", "决策事项", "项目名称", "规章名称", "法规名称",
        "工作事项", "重点工作", "具体内容", "主要内容", "任务措施", "具体工作", "工作措施及要求",
    ),
}


def header_columns(cells: tuple[str, ...] | list[str]) -> dict[str, int] | None:
    """Column of each known field when `cells` is the header row of a breakdown table, else None.

    Exact names first ("工作任务"), then names that start with one ("工作任务及措施", "完成时限要求"), then
    short names by their words ("任务事项", "协办单位", "推进时间").
    """
    names = [re.sub(r"[(（][^)）]*[)）]", "", "".join(cell.split())) for cell in cells]
    columns: dict[str, int] = {}
    for mode in ("exact", "prefix", "words"):
        for index, name in enumerate(names):
            field = _header_field(name, mode) if 0 < len(name) <= 12 else None
            if field and field not in columns and index not in columns.values():
                columns[field] = index
    if "text" in columns and {"lead", "responsible", "deadline"} & columns.keys():
        _finer_text(names, columns)
        _cooperating(names, columns)
        return columns
    return None


_COOPERATING_RE = re.compile(r"^(?:配合|协办|协助|协同|协作|参与|参加|支持)")


def _cooperating(names: list[str], columns: dict[str, int]) -> None:
    """`承办单位 | 配合单位` with no 牵头 column: the unit column beside the cooperating one leads;
    `牵头单位 | 责任单位 | 配合单位`: the third is the responsible units' too ("cooperating")."""
    if "responsible" not in columns or _COOPERATING_RE.match(names[columns["responsible"]]):
        return
    taken = set(columns.values())
    other = next((i for i, name in enumerate(names) if i not in taken and _COOPERATING_RE.match(name)), None)
    if other is None:
        return
    if "lead" in columns:
        columns["cooperating"] = other
    else:
        columns["lead"], columns["responsible"] = columns["responsible"], other


# A column about the task, not a finer task: `决策事项程序`, `事项类型`, `是否需听证`, `工作方式`.
_ATTRIBUTE_RE = re.compile(r"(?:程序|方式|依据|类型|类别|性质|形式|来源|层级)$|是否")


def _finer_text(names: list[str], columns: dict[str, int]) -> None:
    """`改革任务 | 具体举措 | 牵头单位…`: of two task columns the later, finer one is the task; the other a level."""
    taken = set(columns.values())
    later = [i for i, name in enumerate(names) if i not in taken and i > columns["text"] and 0 < len(name) <= 8
             and _TEXT_WORDS_RE.search(name) and not _ATTRIBUTE_RE.search(name)
             and not any(p.search(name) for f, p in _HEADER_WORDS_RE if f != "text")]
    if later and "level1" not in columns:
        columns["level1"], columns["text"] = columns["text"], later[0]


# By their words, for headers no list foresees; tried in this order.
_HEADER_WORDS_RE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("id", re.compile(r"^(?:序号|编号|序)$")),
    ("lead", re.compile(r"^(?:牵头|主办|主责|主管)")),
    ("responsible", re.compile(r"(?:单位|部门|主体|机关)$")),
    ("deadline", re.compile(r"时限|时间|期限|节点|进度|日期")),
    ("note", re.compile(r"^备注")),
    ("text", re.compile(r"任务|内容|事项|措施|举措|工作|项目|名称|要点")),
)
_TEXT_WORDS_RE = _HEADER_WORDS_RE[-1][1]
_PERSON_RE = re.compile(r"(?:领导|负责人|责任人)(?:同志)?$")


def _header_field(name: str, mode: str) -> str | None:
    if _PERSON_RE.search(name):
        return None  # 牵头市领导, 责任人: a person, not a unit
    if mode == "words":
        if len(name) > 8:
            return None
        return next((field for field, pattern in _HEADER_WORDS_RE if pattern.search(name)), None)
    for field, synonyms in HEADER_SYNONYMS.items():
        if mode == "exact" and name in synonyms:
            return field
        if mode == "prefix" and any(name.startswith(s) for s in synonyms if len(s) >= 3):
            return field
    return None


def header_word(token: str) -> str | None:
    """The field a single header cell names (`序号`, `任务事项`, `协办单位`), None for other text."""
    name = re.sub(r"[(（][^)）]*[)）]", "", "".join(token.split())).strip(" :：")
    if not 0 < len(name) <= 12:
        return None
    return next((field for mode in ("exact", "prefix", "words") if (field := _header_field(name, mode))), None)



def too_large(path, count: int) -> PlanError:
    message = f"文件过大（{count} 行），不像一份实施方案，请检查是否选错了文件（上限 {MAX_LINES} 行）"
    return PlanError(message, file=path)
