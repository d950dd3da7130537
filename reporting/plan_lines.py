"""Text lines as plans arrive from web pages and PDFs, made whole before the outline is built.

Page numbers (`— 3 —`) and a web page's buttons (`【打印本页】`) go; a hard-wrapped paragraph is joined into
one line (also across a page break);
a unit label alone on its line (`责任单位：`) takes the unit names listed one to a line below it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .plan_outline import numbering_depth, parse_numbering
from .plan_units import LABEL_RE, looks_like_unit, unit_line

_PAGE_RE = re.compile(
    r"^(?:[-—–－]+\s*[0-9０-９]{1,3}\s*[-—–－]+|第\s*[0-9０-９]{1,3}\s*页(?:\s*[,，/]?\s*共\s*[0-9０-９]{1,3}\s*页)?)$"
)
_OPEN_END = "。；;！!？?：:)）」』”】>》"
_BULLET_RE = re.compile(r"^(?:[—\-–－]{1,2}|[•·●▪■◆◇○□★☆])")
_DATE_RE = re.compile(r"^\S{0,20}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_WRAP_WIDTH = 24
# A line of units under a task, finished by what they do (`A、B、C分别牵头落实`): not wrapped, however long.
_ROLE_END_RE = re.compile(r"(?:牵头|负责|配合|落实|实施|承办|参与)$")
_TITLE_ENDS = ("通知", "方案", "要点", "规划", "意见", "计划", "办法", "清单", "目录", "分解表", "安排", "决定", "报告")
_EMPTY_LABEL_RE = re.compile(rf"^{LABEL_RE.pattern}$")
# A web page's furniture around the plan: 【打印本页】【关闭窗口】, 字体：大 中 小, 上一篇：…
_FURNITURE_RE = re.compile(
    r"^(?:[【\[]?\s*(?:打印本页|打印此页|打印|关闭窗口|关闭本页|关闭|收藏本页|收藏|分享到|返回顶部|返回|我要纠错|纠错"
    r"|(?:字体|字号)\s*[:：]?\s*\[?大\]?\s*\[?中\]?\s*\[?小\]?)\s*[】\]]?[\s|｜]*)+$"
    r"|^(?:上一篇|下一篇|责任编辑|原文链接|分享到?)\s*[:：]"
    r"|^[(（【\[]\s*(?:来源|责任编辑|编辑)\s*[:：][^()（）【】\[\]]*[)）】\]]$"
    # the site's footer: 主办：…　承办：…, 网站标识码, ICP备案号, 版权所有, 技术支持
    r"|^主办(?:单位)?\s*[:：][^:：]{2,40}承办(?:单位)?\s*[:：]|^.{0,60}(?:网站标识码|ICP备|公网安备|版权所有\s*[:：©]"
    r"|技术支持\s*[:：])"
)


_BARE_NUMBER_RE = re.compile(
    r"^\s*([0-9０-９]{1,2})[ \t\u3000\xa0]+(?=[\u4e00-\u9fff])(?![年月日号个项家次件名人万亿元])"
)


def bare_number(text: str) -> str:
    """`1 推进…` (a number with no dot, as web pages and PDFs leave it) → `1.推进…`; other lines as they are."""
    return _BARE_NUMBER_RE.sub(r"\1.", text, count=1)


# A numbered item starting inside a line, after a sentence, a bracket or a space: 一、 （一） 1. (not 1.5, 3、4月)
_ITEM_START_RE = re.compile(
    r"(?<=[。；;！？!?）)\s])\s*(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]"
    r"|[0-9０-９]{1,2}[.．、](?=[\u4e00-\u9fff“《]))"
)
_RUN_ON_MIN = 80  # a shorter line holding two numbers is a sentence, not a page copied without breaks
_TITLE_SPACE_RE = re.compile(rf"^(\S{{4,40}}(?:{'|'.join(_TITLE_ENDS)}))\s+(?=\S)")


def split_run_on(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A whole plan copied off a web page as one paragraph: cut it before each numbered item (and after
    the title), the line number kept for every piece."""
    out: list[tuple[int, str]] = []
    for number, text in lines:
        starts = _item_starts(text) if len(text) >= _RUN_ON_MIN else []
        if len(starts) < 2:
            out.append((number, text))
            continue
        title = _TITLE_SPACE_RE.match(text[:starts[0]])
        cuts = [0, *([title.end()] if title else []), *starts, len(text)]
        out += [(number, text[a:b].strip()) for a, b in itertools.pairwise(cuts) if text[a:b].strip()]
    return out


def _item_starts(text: str) -> list[int]:
    """Where numbered items start inside the line; under a numbered line only its siblings and deeper items
    (`1.完善…：（一）…；（二）…` lists points of item 1, not sections)."""
    own = parse_numbering(text.lstrip())
    starts = [m.end() for m in _ITEM_START_RE.finditer(text)]
    if own is None:
        return starts
    depth = numbering_depth(own.style)
    return [at for at in starts if (found := parse_numbering(text[at:])) and numbering_depth(found.style) >= depth]


@dataclass
class Prepared:
    lines: list[tuple[int, str]]
    joined: int = 0  # wrapped lines joined onto the line before
    page_breaks: int = 0


def prepare(lines: list[tuple[int, str]]) -> Prepared:
    """Lines (number, cleaned text) with page numbers out and wrapped lines joined; blank lines kept."""
    result = Prepared([])
    out = result.lines
    last = -1  # index in `out` of the last non-empty line
    gap = False  # a blank line since it
    page_break = False
    index = 0
    while index < len(lines):
        number, text = lines[index]
        index += 1
        if not text:
            out.append((number, text))
            gap = True
            continue
        if _FURNITURE_RE.match(text):
            continue
        if _PAGE_RE.match(text):
            result.page_breaks += 1
            page_break = True
            continue
        if _EMPTY_LABEL_RE.match(text):
            names: list[str] = []
            while index < len(lines) and lines[index][1] and looks_like_unit(lines[index][1]):
                names.append(lines[index][1])
                index += 1
            if names:
                text = text + "、".join(names)
        if last >= 0 and _continues(out[last][1], text, gap=gap, page_break=page_break):
            out[last] = (out[last][0], out[last][1] + text)
            del out[last + 1:]
            result.joined += 1
        else:
            out.append((number, text))
            last = len(out) - 1
        gap = page_break = False
    return result


def _continues(before: str, text: str, *, gap: bool, page_break: bool) -> bool:
    """`text` goes on the paragraph `before` (wrapped at a fixed width, or cut by a page break)."""
    if before[-1:] in _OPEN_END or parse_numbering(text) is not None or LABEL_RE.match(text):
        return False
    if _BULLET_RE.match(text) or _DATE_RE.match(text) or _PAGE_RE.match(before):
        return False
    if gap and not page_break:
        return False
    if before.endswith(_TITLE_ENDS):
        return False  # a title or a heading ("…实施方案", "…的通知")
    if _ROLE_END_RE.search(before) and unit_line(before) is not None:
        return False
    numbering = parse_numbering(before)
    rest = numbering.rest if numbering else before
    if numbering is not None and not re.search(r"[。；;！？!?]", rest):
        # A heading ("（一）打造…，依法…") unless it plainly breaks off, or a full-width line is finished by a
        # shorter one ("1.…编制并公布年度重大行政" / "决策事项目录。"): a paragraph below a heading is longer.
        finished = text[-1:] in "。；;！？!?" and len(text) <= len(before) and len(before) >= _WRAP_WIDTH
        return before[-1:] in "，,、(（" or finished
    return page_break or len(before) >= _WRAP_WIDTH or before[-1:] in "，,、(（"
