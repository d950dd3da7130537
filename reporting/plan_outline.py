"""The numbered outline of a plan (`一、` `（一）` `1.` `1)` `（1）` `①`): a tree of headings and items."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .numerals import to_chinese
from .plan_terms import ascii_digits, cn_number
from .plan_units import ROLE_MARKS, clean_name, looks_like_unit, split_top, unbracket_labels

_BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]", re.IGNORECASE)
_SPACES_RE = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])|(?<=[{_CJK}]) (?=[\w(])|(?<=[\w)]) (?=[{_CJK}])")

_CN = "一二三四五六七八九十百零〇两"
_D = "[0-9０-９]{1,2}"
_NOT_AMOUNT = r"(?!\s*(?:倍|万|亿|元|%|％|个|项|家|次|件|名|人|亩|公里|小时|分|年|月|日|平方|吨))"
_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("PART", re.compile(rf"^第\s*([{_CN}]{{1,3}})\s*(?:部分|篇)\s*[、．.:：]?\s*")),
    ("L1", re.compile(rf"^([{_CN}]{{1,4}})\s*[、．.]\s*")),
    ("PCN", re.compile(rf"^[(（]\s*([{_CN}]{{1,4}})\s*[)）]\s*[、．.]?\s*")),
    ("PNUM", re.compile(r"^[(（]\s*([0-9０-９]{1,3})\s*[)）]\s*")),
    ("PCLOSE", re.compile(r"^([0-9０-９]{1,3})\s*[)）]\s*")),
    # 1.1.1 / 1.1: the last number counts; not "2.5倍" or "1.5万元"
    ("DEC3", re.compile(rf"^{_D}[.．]{_D}[.．]({_D})(?![.．0-9０-９]){_NOT_AMOUNT}\s*")),
    ("DEC2", re.compile(rf"^{_D}[.．]({_D})(?![.．0-9０-９]){_NOT_AMOUNT}\s*")),
    # "4．9月底前…": item 4 whose text starts with a date; not "1.5万元"
    ("DOT", re.compile(r"^([0-9０-９]{1,3})\s*[.．、](?![0-9０-９]{1,2}(?![0-9０-９]|\s*[月日号]))\s*")),
    ("CIRC", re.compile(r"^([\u2460-\u2473])\s*")),
)
# Conventional depth of each numbering style in Chinese official documents; 1) and (1) share a depth,
# the one met first in the plan sitting above the other.
_BASE_RANK = {"L1": 0, "PCN": 1, "DOT": 2, "DEC2": 3, "PCLOSE": 3, "PNUM": 3, "DEC3": 4, "CIRC": 5}
# An appendix list, or a web page's list of links after the plan: what follows is never tasks.


def numbering_depth(style: str) -> int:
    """How deep a numbering style usually sits (第一部分 -1, 一、 0, （一） 1, 1. 2, …)."""
    return _BASE_RANK.get(style, -1)


_APPENDIX_RE = re.compile(
    r"^附\s*件\s*[0-9０-９一二三四五六七八九十]*\s*[:：]?"
    r"|^(?:相关(?:链接|文件|附件|稿件|阅读|解读|新闻|信息|政策)|附件下载|延伸阅读|推荐阅读)\s*[:：]?\s*$"
)

TASK_KEYS = (
    "主要任务", "重点任务", "具体措施", "任务分工", "工作任务", "主要措施", "工作措施", "重点工作",
    "任务和措施", "任务措施", "创建任务", "创建内容", "工作内容", "主要内容", "目标任务", "任务清单",
    "主要工作", "工作重点",
)
SUPPORT_KEYS = ("组织保障", "保障措施", "组织领导", "落实机制", "工作保障", "组织实施", "保障机制")
# Headings of a report (自评报告, 总结), not of a plan: what was done, problems, suggestions.
REPORT_KEYS = (
    "进展情况", "开展的主要工作", "主要成效", "工作成效", "存在的问题", "问题及原因", "对策建议",
    "下一步工作", "工作打算", "工作总结",
)
PREAMBLE_KEYS = (
    "指导思想", "基本原则", "总体要求", "目标", "实施步骤", "创建步骤", "步骤", "衡量标准", "工作要求",
    "时间安排", "进度安排", "工作安排", "阶段", "总体思路", "适用范围", "附件",
)


# Numbers as one enclosed character, as PDFs render Word's list numbers: ㈠ → （一）, ⒈ → 1., ⑴ → （1）.
_ENCLOSED = str.maketrans(
    {chr(0x3220 + i): f"（{to_chinese(i + 1)}）" for i in range(10)}
    | {chr(0x2488 + i): f"{i + 1}." for i in range(20)}
    | {chr(0x2474 + i): f"（{i + 1}）" for i in range(20)}
)


def clean_line(text: str) -> str:
    """No .docx residue, no full-width or doubled spaces, no space between Chinese characters (a space
    between two unit names is a list separator and becomes `、`)."""
    text = unbracket_labels(_BOOKMARK_RE.sub("", text).translate(_ENCLOSED))
    text = _unit_gaps(_SPACES_RE.sub(" ", text).strip())
    return _CJK_GAP_RE.sub("", text)


def _unit_gaps(text: str) -> str:
    """`责任单位：市公安局 市市场监管局` → `…市公安局、市市场监管局` (PDF and web tables separate names by spaces)."""
    if " " not in text:
        return text
    words = text.split(" ")
    joined = [words[0]]
    for before, word in itertools.pairwise(words):
        gap = " "
        first, last = _first_name(word), _last_name(before)
        if looks_like_unit(last) and looks_like_unit(first):
            gap = "、"
        elif _with_role(last) and (looks_like_unit(first) or _with_role(first)):
            gap = "，"  # (县司法局牵头 各乡镇配合)
        joined.append(gap + word)
    return "".join(joined)


def _with_role(name: str) -> bool:
    role = _ROLE_END_RE.search(name)
    return role is not None and looks_like_unit(name[:role.start()])


_ROLE_END_RE = re.compile(rf"(?:{'|'.join(ROLE_MARKS)})$")


def _last_name(text: str) -> str:
    """What could be the last unit name of `text`: after the last label, comma or unclosed bracket."""
    piece = split_top(re.split(r"[:：，,；;。]", text)[-1], "、")[-1]
    unclosed = re.search(r"[(（\[【][^()（）\[\]【】]*$", piece)
    return clean_name(piece[unclosed.start() + 1:] if unclosed else piece)


def _first_name(text: str) -> str:
    """What could be the first unit name of `text`: up to a comma or the clause's closing bracket."""
    piece = split_top(re.split(r"[，,；;。]", text)[0], "、")[0]
    closing = re.match(r"[^()（）\[\]【】]*[)）\]】]", piece)
    return clean_name(piece[:closing.end() - 1] if closing else piece)


@dataclass(frozen=True)
class Numbering:
    style: str
    number: int
    rest: str  # the line after its number


def parse_numbering(text: str) -> Numbering | None:
    """`（一）依法…` → PCN 1 "依法…"; None for an unnumbered line ("一是…" is not a number)."""
    for style, pattern in _STYLES:
        m = pattern.match(text)
        if not m:
            continue
        token = ascii_digits(m[1])
        number = ord(token) - 0x2460 + 1 if style == "CIRC" else cn_number(token)
        if number is None or number == 0:
            return None
        return Numbering(style, number, text[m.end():])
    return None


@dataclass(eq=False)
class Para:
    """An unnumbered line inside the outline."""

    line: int
    text: str


@dataclass(eq=False)
class Node:
    """A numbered line and what follows it up to the next line of the same or a higher level."""

    title: str  # the whole line as written (cleaned)
    numbering: Numbering | None
    rank: int
    line: int
    parent: Node | None = None
    body: list[Node | Para] = field(default_factory=list)
    appendix: bool = False

    @property
    def children(self) -> list[Node]:
        return [item for item in self.body if isinstance(item, Node)]

    @property
    def paras(self) -> list[Para]:
        return [item for item in self.body if isinstance(item, Para)]

    @property
    def rest(self) -> str:
        return self.numbering.rest if self.numbering else self.title


def build_outline(lines: list[tuple[int, str]]) -> Node:
    """A tree under a root node; every numbered line hangs below the nearest line of a higher level."""
    root = Node(title="", numbering=None, rank=-1, line=0)
    ranks = dict(_BASE_RANK)
    seen: set[str] = set()
    current = root
    for number, text in lines:
        if not text:
            continue
        numbering = parse_numbering(text)
        if numbering is None and (appendix := _APPENDIX_RE.match(text)):
            # "附件：1.任务分解表" starts a list that is never tasks, whatever its numbers
            current = _add(root, Node(text, None, 0, number, appendix=True))
            text = text[appendix.end():].strip()
            numbering = parse_numbering(text)
            if numbering is None:
                continue
        if numbering is None:
            current.body.append(Para(number, text))
            continue
        if numbering.style in ("PCLOSE", "PNUM") and numbering.style not in seen:
            other = "PNUM" if numbering.style == "PCLOSE" else "PCLOSE"
            ranks[numbering.style] = ranks["DOT"] + (2 if other in seen else 1)
        if numbering.style == "PART" and "PART" not in ranks:
            ranks = {style: rank + 1 for style, rank in ranks.items()} | {"PART": 0}  # 第一部分 above 一、
        seen.add(numbering.style)
        rank = ranks[numbering.style]
        parent = current
        while parent is not root and parent.rank >= rank and not parent.appendix:
            parent = parent.parent or root
        if parent.appendix and rank <= ranks["L1"]:
            parent = root
        current = _add(parent, Node(text, numbering, rank, number))
    return root


def _add(parent: Node, node: Node) -> Node:
    node.parent = parent
    parent.body.append(node)
    return node


def section_kind(title: str) -> str:
    """"report", "task", "support" (组织保障: tasks only with units), "preamble" or "unknown"."""
    kinds = (
        ("report", REPORT_KEYS), ("task", TASK_KEYS), ("support", SUPPORT_KEYS), ("preamble", PREAMBLE_KEYS),
    )
    for kind, keys in kinds:
        if any(key in title for key in keys):
            return kind
    return "unknown"
