"""What the 自评报告 can say of one answer, worked out once when the answer is stored, not each time a report
is written: a province's round has 300,000 answers, and the report picks its examples and groups the units'
problems by SQL over these notes (ORDER BY … LIMIT, GROUP BY).

answers.quote      -1 when 工作举措及成效 says nothing more than "已完成" (`says_something`), else how many
                   quantified results it gives (`quantities`, at most QUANTITIES_COUNTED);
answers.target_given  1 when a 量化指标完成值 is given (not `is_trivial`);
answers.problem_key, answers.plan_key  the first clause of 存在问题 / 下一步计划 by which the units' texts are
                   grouped (`first_clause`), '' when there is none;
all NULL for a row stored before they existed; `fill_notes` works those out.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from functools import lru_cache
from operator import not_

from .store import transaction

QUANTITIES_COUNTED = 3  # quantified results that count for an example's merit (report_text's rule, step 3)
NOTE_COLUMNS = ["quote", "target_given", "problem_key", "plan_key"]

_FILLER = r"[\s\-—–_/\\.。、,，;；:：*＊]*"
_TRIVIAL = re.compile(rf"^{_FILLER}(?:无|暂无|没有|无问题|暂无问题|暂未发现|未发现|不存在|否|n/?a|none)?{_FILLER}$",
                      re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|个百分点|项次|项|件次|件|人次|名|人|场次|场|期|次|个|家|份|条|户|天|"
                       r"个工作日|小时|万元|亿元|元|公里|亩|篇|部|批|轮|所|宗)")
_EMPTY_WORDS = re.compile(r"已经|已|按要求|按照要求|按时|全面|完成|落实|推进中|正在|推进|持续|有序|相关|工作|任务|"
                          r"该项|本项|此项|情况|良好|较好|到位|基本|目前|中")
PUNCTUATION = re.compile(r"[\s\W_]+")
CLAUSE = re.compile(r"[^。！？；!?;\n]+")
SELF_REFERENCE = re.compile(r"^(?:我|本)(?:局|镇|乡|委|办|院|所|队|中心|单位|街道|部门|区|县|市)[，,、]?")
_LEADING = " -—–=+@*#·•、，,.。:：;；"  # what a cell's text may start with that is not its text
_SPACES = re.compile(r"\s+")
_BRACKETS = re.compile(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)")
_COLON = re.compile(r"(?<=[\u4e00-\u9fff]):|:(?=[\u4e00-\u9fff])")


@lru_cache(maxsize=8192)  # the same 无 / 暂无 / 持续推进 recur in every return
def is_trivial(text: str | None) -> bool:
    """无, 暂无, /, — and the like: a unit saying it has nothing to report."""
    return bool(_TRIVIAL.match(text or ""))


def clean(text: str) -> str:
    """One line of a unit's text, fit for a paragraph: no line breaks or control characters."""
    return fullwidth(_SPACES.sub(" ", _CONTROL.sub("", text or "")).strip())


def fullwidth(text: str) -> str:
    """Brackets and colons inside Chinese prose full-width: 县人社局(县公务员局) → 县人社局（县公务员局）."""
    if "(" in text:
        text = _BRACKETS.sub(r"（\1）", text)
    return _COLON.sub("：", text) if ":" in text else text


def without_end(text: str) -> str:
    return text.rstrip("。！？；!?;，,、 ")


def says_something(text: str) -> bool:
    """More than "已完成": at least six characters left when the words of mere status are taken out."""
    if is_trivial(text):
        return False
    return len(_EMPTY_WORDS.sub("", PUNCTUATION.sub("", text))) >= 6


def quantities(text: str) -> int:
    """How many quantified results a text gives (12项, 85%, 3次)."""
    return len(_QUANTITY.findall(text or ""))


@lru_cache(maxsize=4096)  # a unit writes the same plan (持续推进) in many rows
def first_clause(text: str | None) -> str:
    """The first sentence of a unit's 存在问题 or 下一步计划, without "本局，" or its end mark: what texts are
    grouped by; '' for 无 and the like, and for anything shorter than four characters."""
    if is_trivial(text):
        return ""
    found = CLAUSE.search(clean(text or ""))
    first = found.group().strip().lstrip(_LEADING) if found else ""
    first = without_end(SELF_REFERENCE.sub("", first))
    return first if len(first) >= 4 else ""


def answer_notes(measures: object, target_value: object, problems: object, next_steps: object,
                 ) -> tuple[int, int, str, str]:
    """An answer's NOTE_COLUMNS, from its stored 工作举措及成效, 量化指标完成值, 存在问题 and 下一步计划 (collect
    works them out for every row it stores: about 4 microseconds a row when a unit repeats its texts)."""
    return (_quote(measures if type(measures) is str else _as_text(measures)),
            int(not is_trivial(target_value if type(target_value) is str else _as_text(target_value))),
            first_clause(problems if type(problems) is str else _as_text(problems)),
            first_clause(next_steps if type(next_steps) is str else _as_text(next_steps)))


def answer_notes_columns(measures: Sequence[str | None], target_values: Sequence[str | None],
                         problems: Sequence[str | None], next_steps: Sequence[str | None],
                         ) -> tuple[Iterator[int], Iterator[int], Iterator[str], Iterator[str]]:
    """answer_notes of many answers, a column at a time (the columns of normalised text: str or None): the same
    values, without a call per answer."""
    return (map(_quote, map(_NULL_AS_TEXT.get, measures, measures)),
            map(int, map(not_, map(is_trivial, map(_NULL_AS_TEXT.get, target_values, target_values)))),
            map(first_clause, map(_NULL_AS_TEXT.get, problems, problems)),
            map(first_clause, map(_NULL_AS_TEXT.get, next_steps, next_steps)))


_NULL_AS_TEXT: dict[object, str] = {None: ""}  # a NULL as answer_notes reads it (_as_text), text as it is


def _as_text(value: object) -> str:
    """A stored value as answer_notes reads it: "" for NULL (the usual text is taken as it is, without a call)."""
    return "" if value is None else str(value)


@lru_cache(maxsize=4096)
def _quote(measures: str) -> int:
    return min(quantities(measures), QUANTITIES_COUNTED) if says_something(measures) else -1


def fill_notes(conn: sqlite3.Connection, round_name: str, submissions: list[int] | None = None) -> int:
    """Work out the notes of the round's answers (or of those of `submissions`) stored without them (before they
    existed, or by a tool that writes answers by plain SQL); how many. One query when there are none."""
    which = ("SELECT value FROM json_each(?)", json.dumps(submissions)) if submissions is not None else \
        ("SELECT id FROM submissions WHERE round = ?", round_name)
    rows = conn.execute(
        "SELECT rowid, measures, target_value, problems, next_steps FROM answers WHERE quote IS NULL AND "
        f"submission_id IN ({which[0]})", (which[1],)).fetchall()
    if rows:
        with nullcontext() if conn.in_transaction else transaction(conn):
            conn.executemany(f"UPDATE answers SET {', '.join(f'{c} = ?' for c in NOTE_COLUMNS)} WHERE rowid = ?",
                             [(*answer_notes(*row[1:]), row[0]) for row in rows])
    return len(rows)
