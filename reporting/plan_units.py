"""Unit clauses: who leads a task and who takes part, in every way plans write it.

`(牵头单位:A、B,责任单位:C)`, `（牵头单位：A；配合单位：B，C。2018年底完成）`, `(责任单位:A,B、C配合)`,
`（A牵头，B、C配合）`, `(各级政府及政府工作部门)`, a missing closing bracket, labels without brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .plan_terms import STEP_RE, is_status, parse_deadline, parse_frequency

_LEAD_LABELS = (
    "牵头责任单位", "牵头责任部门", "牵头单位", "牵头部门", "主办单位", "主办部门", "主责单位", "主责部门", "牵头",
    "主责", "主办",
)
_RESP_LABELS: tuple[str, ...] = (
    "责任单位", "责任部门", "配合单位", "配合部门", "参与单位", "参与部门", "协办单位", "协办部门",
    "协助单位", "协作单位", "参加单位", "配合", "责任", "承办单位", "承办部门", "起草单位", "起草部门", "实施单位",
    "责任主体", "协同单位", "协同部门", "支持单位", "共同责任单位", "参与", "协助", "协办",
    "协同责任单位", "配合责任单位", "协办责任单位",
)
_TIME_LABELS = (
    "完成时限", "完成时间", "时间节点", "时间要求", "完成期限", "时限", "报送审议时间", "提请审议时间",
    "计划完成时间", "时间安排", "进度安排", "落实时限", "推进时限", "办结时限", "完成时限要求", "时间",
    "报送时间", "计划报送时间", "审议时间", "提交时间", "出台时间", "印发时间",
)
_ALL_LABELS = sorted(_LEAD_LABELS + _RESP_LABELS + _TIME_LABELS, key=len, reverse=True)
# A short label (牵头, 时间) only as a word of its own: not the end of 报送时间 or of a name before it.
_LABELS = "|".join(label if len(label) > 2 else rf"(?<![\u4e00-\u9fff]){label}" for label in _ALL_LABELS)
_LABEL_RE = re.compile(rf"({_LABELS})\s*[:：]")
LABEL_RE = _LABEL_RE
_BRACKETED_LABEL_RE = re.compile(rf"[【\[〔]\s*({'|'.join(_ALL_LABELS)})\s*[】\]〕]\s*[:：]?")

_ROLE_RE = re.compile(
    r"^(?:由)?(?P<names>.+?)(?:等(?:相关|有关)?(?:单位|部门)?)?"
    r"(?P<how>(?:(?:按照?|根据|依据)(?:各自)?(?:职责|职能)(?:分工)?|分别|共同|具体|各自|(?:按照?|根据)?属地(?:管理)?(?:原则)?)+)?"
    r"(?:抓好|组织)?"
    r"(?P<role>牵头|负责|配合|协助|参与|落实|起草|承办)(?:抓总|负责|落实|实施|组织实施|推进)?$"
)
# "A、B按职责分工负责", "各镇分别负责落实", "按职责分工分别负责": each does its own part, none answers for the whole
# task
_EACH_OWN_PART = ("职责", "职能", "分别", "各自", "属地")
_ROLE_KIND = {
    "牵头": "lead", "负责": "lead", "配合": "resp", "协助": "resp", "参与": "resp", "落实": "resp", "起草": "resp",
    "承办": "resp",
}

_OPEN = "(（〔[【"
_CLOSE = ")）〕]】"
_EDGE = " \t。.．;；,，、:："
_SENTENCE_END = "。；;！!？?:："
_ETC_RE = re.compile(r"等(?:相关|有关|其他)?(?:部门|单位|机构)?$")
_UNIT_END_RE = re.compile(
    r"(?:局|办|委|院|部|厅|中心|政府|部门|单位|机关|机构|管委会|办事处|公司|所|站|队|会|处|科|室|组|团|银行|人行|社|馆"
    r"|校|街道|乡镇|镇|乡|联|协|班子|企业|支行|分行|海关|气象台|电视台|监狱)$"
)
# 各县市区, 各区县, 各地区, 各地: the places (their governments)
_EACH_PLACE_RE = re.compile(r"^各(?:地区?|县|市|区|州|盟|旗)[县市区州盟旗、]{0,4}$")
_NOT_A_NAME_RE = re.compile(r"\d|年|月|号|令|第|条|《|》|“|”|。|:|：|\s")
_PLACE_RE = re.compile(r"^(?:县|市|区|省|州|镇|乡|街道|各|全|中共|国家|自治)")
_CONJUNCTIONS = ("及", "和", "与")
_BLANK_MARK_RE = re.compile(r"^(?:[-—–－~～/／\\]+|无|暂无)$")


@dataclass
class UnitClause:
    """What one unit clause says."""

    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    deadline: str | None = None  # the deadline phrase written inside the clause
    labelled: bool = False  # named by a label or by 牵头/配合, not a bare list of names
    sentence: str = ""  # the trailing sentence the units were read from ("由A牵头，B配合。"), if so
    first_leads: str = ""  # first_listed_leads' note: "排名第一的为牵头单位" said inside, the first unit made lead

    @property
    def has_units(self) -> bool:
        return bool(self.lead or self.responsible)

    def units(self) -> list[str]:
        return [*self.lead, *self.responsible]


def split_top(text: str, separators: str) -> list[str]:
    """Split at separators that are outside brackets (`市人社局(公务员局、编办)` stays whole)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


_MARKS = "*＊※#＃△▲★☆"
_FOOTNOTE_RE = re.compile(
    rf"^(?:[(（\[【]\s*(?P<before_in>[{_MARKS}])\s*[)）\]】]|(?P<before>[{_MARKS}]))?\s*(?P<name>.+?)\s*"
    rf"(?:[(（\[【]\s*(?P<after_in>[{_MARKS}])\s*[)）\]】]|(?P<after>[{_MARKS}]))?$"
)
_SAME_MARK = str.maketrans("＊＃", "*#")


def footnote_mark(name: str) -> tuple[str, str | None]:
    """`县司法局*`, `县财政局（*）`, `★县司法局`: the name without its footnote mark, and the mark (None if none)."""
    if not any(ch in _MARKS for ch in name):
        return name, None
    m = _FOOTNOTE_RE.match(name.strip())
    if m is None:
        return name, None
    mark = m["before_in"] or m["before"] or m["after_in"] or m["after"]
    return (m["name"], mark.translate(_SAME_MARK)) if mark and m["name"] else (name, None)


_MARK_MEANING_RE = re.compile(
    rf"(?:带|标有?|标注有?|加注?|注有|有)?\s*[“\"「『]?\s*(?P<mark>[{_MARKS}])\s*[”\"」』]?\s*(?:号|标记|标志|符号)?\s*"
    r"(?:的|者)?\s*(?:单位|部门)?\s*(?:为|是|表示|系|即为|代表)\s*(?P<role>牵头|主办|主责|责任|配合|协办|参与)(?:单位|部门)?"
)


FIRST_LEADS = "first"  # the key of footnote_meanings for "排在第一位的为牵头单位"
_FIRST_LEADS_RE = re.compile(
    r"(?:排名|排在?|列|居|位于)?(?:第一位?|首位|第一个|最前面?)(?:的|者)?(?:单位|部门)?\s*(?:为|是|系|即为)\s*牵头(?:单位|部门)"
)
# The same said of one task's units: a part of its unit clause ("（A、B、C按职责分工负责，排名第一的为牵头单位）"), or
# in brackets after them (a table cell "A、B（排名第一的为牵头单位）"); "下同" with it is taken off too.
_FIRST_LEADS_SAID = rf"(?:其中)?\s*(?P<said>{_FIRST_LEADS_RE.pattern})\s*(?:[，,；;]\s*(?:以)?下同)?\s*"
_FIRST_LEADS_OWN_RES = (re.compile(rf"[（(]\s*{_FIRST_LEADS_SAID}[）)]"),
                        re.compile(rf"[，,；;。]?\s*{_FIRST_LEADS_SAID}(?=[，,；;。]|$)"))


def without_first_leads(text: str) -> tuple[str, str]:
    """The units' text without a "排名第一的为牵头单位" said of them, and what was said ("" when nothing was)."""
    for pattern in _FIRST_LEADS_OWN_RES:
        if said := pattern.search(text):
            return text[:said.start()] + text[said.end():], said["said"]
    return text, ""


def first_listed_leads(lead: list[str], responsible: list[str], said: str, where: str = "任务",
                       ) -> tuple[list[str], list[str], str]:
    """The first unit made the lead when `said` (see without_first_leads; by the plan's note: `where` 方案) and none
    leads yet, with the note saying so ("" when nothing was moved)."""
    if not said or lead or len(responsible) < 2:
        return lead, responsible, ""
    note = f"单位「{responsible[0]}」排在第一位，按{where}中的说明（{said}）记为牵头单位"
    return responsible[:1], responsible[1:], note


def footnote_meanings(texts: list[str], lines: list[int] | None = None) -> dict[str, str]:
    """What the plan says its marks mean ("注：*为牵头单位", "标★的为配合单位"): mark → "lead" or "resp"; and
    FIRST_LEADS → "lead" when it says the unit listed first leads ("责任单位排在第一位的为牵头单位"), or → "from N"
    when one task's bracket says so with 下同 (the tasks after line N; `lines`: each text's line number)."""
    meanings: dict[str, str] = {}
    for index, text in enumerate(texts):
        if len(text) <= 200 and (said := _FIRST_LEADS_RE.search(text)):
            scope = _first_leads_scope(text, said.start())
            if scope == "plan":
                meanings[FIRST_LEADS] = "lead"
            elif scope == "below":
                meanings.setdefault(FIRST_LEADS, f"from {lines[index] if lines else index}")
        if not any(ch in _MARKS for ch in text) or len(text) > 200:
            continue
        for m in _MARK_MEANING_RE.finditer(text):
            mark = m["mark"].translate(_SAME_MARK)
            meanings.setdefault(mark, "lead" if m["role"] in ("牵头", "主办", "主责") else "resp")
    return meanings


def first_leads_hold(meanings: dict[str, str], line: int) -> bool:
    """Whether the plan's "排在第一位的为牵头单位" (footnote_meanings) holds for a task on `line`."""
    said = meanings.get(FIRST_LEADS, "")
    return said == "lead" or (said.startswith("from ") and line > int(said[5:]))


_COLUMN_LABEL_RE = re.compile(r"(?:牵头|责任|配合|协办|主办|主责|参与|承办)?(?:单位|部门)")


def _first_leads_scope(text: str, at: int) -> str:
    """Whom what is said at `at` is about: "task" when it sits in the unit bracket after a task's text
    ("1.做某事。（A、B，排名第一的为牵头单位）": parse_clause_body reads it), "below" when that bracket adds 下同 (the
    tasks after it too), else "plan" (a note line, in brackets or not: "（注：排在第一位的为牵头单位）")."""
    opened = max(text.rfind(bracket, 0, at) for bracket in _OPEN)
    before = text[:opened].strip(_EDGE)
    if opened <= 0 or not before or any(ch in _CLOSE for ch in text[opened:at]):
        return "plan"
    if _COLUMN_LABEL_RE.fullmatch(re.split(r"[\s|｜]+", before)[-1]):
        return "plan"  # a table's header: "责任单位（排在第一位的为牵头单位）"
    closed = min((i for i in (text.find(bracket, at) for bracket in _CLOSE) if i != -1), default=len(text))
    return "below" if "下同" in text[at:closed] else "task"


def footnoted_roles(
    lead: list[str], responsible: list[str], meanings: dict[str, str]
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Names without their footnote marks, each placed where the plan's note on its mark says (else where it
    was written); and the (name as written, mark) of every marked name."""
    placed: dict[str, list[str]] = {"lead": [], "resp": []}
    marked: list[tuple[str, str]] = []
    for given, names in (("lead", lead), ("resp", responsible)):
        for name in names:
            bare, mark = footnote_mark(name)
            if mark:
                marked.append((name, mark))
            placed[meanings.get(mark, given) if mark else given].append(bare)
    leads = list(dict.fromkeys(placed["lead"]))
    return leads, [n for n in dict.fromkeys(placed["resp"]) if n not in leads], marked


def looks_like_unit(name: str) -> bool:
    """县编办, 各镇政府, 市人社局(公务员局), 各乡镇(街道): a name ending the way unit names end."""
    base = re.sub(r"[(（][^()（）]*[)）]$", "", footnote_mark(name)[0])
    if not 2 <= len(base) <= 30 or _NOT_A_NAME_RE.search(base):
        return False
    return bool(_UNIT_END_RE.search(base) or _EACH_PLACE_RE.match(base))


def blank_mark(text: str) -> bool:
    """A table cell written to say it is empty: `—`, `/`, `无`."""
    return bool(_BLANK_MARK_RE.match("".join(text.split())))


def clean_name(name: str) -> str:
    name = "".join(name.split()).strip(_EDGE)
    if blank_mark(name):
        return ""
    name = name.removeprefix("由")
    if name[-1:] in _CLOSE and not any(ch in _OPEN for ch in name):
        name = name[:-1]  # the clause's own closing bracket, left on a line of its own
    if name[:1] in _OPEN and not any(ch in _CLOSE for ch in name):
        name = name[1:]
    return _ETC_RE.sub("", name).strip(_EDGE)


def split_unit_names(text: str) -> list[str]:
    """`县民政局等部门,各镇政府` → [县民政局, 各镇政府]; 及/和 split only between two full unit names."""
    names: list[str] = []
    for part in split_top(text.replace("\n", "、"), "、,，;；/"):
        for piece in _split_conjunction(clean_name(part)):
            cleaned = clean_name(piece)
            if cleaned:
                names.append(cleaned)
    return list(dict.fromkeys(_shared_place(names)))


# `市发展改革委、住建局、大数据局`: the place written once for the list; a bare 局/委/办 after it is the same place's.
_ONE_PLACE_RE = re.compile(r"^(?:市|县|区|旗)")
_BARE_OFFICE_RE = re.compile(r"^[\u4e00-\u9fff]{1,6}(?:局|委|办)$")
_PLACE_CHARS_RE = re.compile(r"[市县区省州旗盟乡镇村]|^(?:各|全|中共|国家|自治|团|党|人大|政协)")


def _shared_place(names: list[str]) -> list[str]:
    if len(names) < 2 or not (m := _ONE_PLACE_RE.match(names[0])):
        return names
    return [name if index == 0 or not _BARE_OFFICE_RE.match(name) or _PLACE_CHARS_RE.search(name)
            else m[0] + name for index, name in enumerate(names)]


def _split_conjunction(name: str) -> list[str]:
    each = [piece for piece in re.split(r"(?=各)", name) if piece]
    if name.startswith("各") and len(each) > 1 and all(looks_like_unit(piece) for piece in each):
        return each  # 各地区各部门, 各乡镇各部门: collectives written without a 、 between them
    for conjunction in _CONJUNCTIONS:
        index = name.find(conjunction)
        while index > 0:
            left, right = name[:index], name[index + 1:]
            if _full_unit_name(left) and _full_unit_name(right):
                return [left, *_split_conjunction(right)]
            index = name.find(conjunction, index + 1)
    return [name]


def full_unit_name(name: str) -> bool:
    """A unit name with its place: 市司法局, 各区政府, 县直各部门 (not 街道, 办公室)."""
    return _full_unit_name(name)


def _full_unit_name(name: str) -> bool:
    return looks_like_unit(name) and bool(_PLACE_RE.search(name))


def _label_kind(label: str) -> str:
    if label in _TIME_LABELS:
        return "time"
    return "lead" if label in _LEAD_LABELS else "resp"


def parse_clause_body(body: str) -> UnitClause | None:
    """The inside of a unit clause, labels and all; None when it names no unit and no deadline."""
    body, said = without_first_leads(body)
    matches = list(_LABEL_RE.finditer(body))
    segments: list[tuple[str, str]] = []
    head = body[: matches[0].start()] if matches else body
    if head.strip(_EDGE):
        segments.append(("", head))
    ends = [m.start() for m in matches[1:]] + [len(body)] if matches else []
    for m, end in zip(matches, ends, strict=True):
        segments.append((_label_kind(m[1]), body[m.end():end]))
    clause = UnitClause(labelled=bool(matches))
    has_lead_label = any(kind == "lead" for kind, _ in segments)
    resp_indexes = [i for i, (kind, _) in enumerate(segments) if kind == "resp"]
    for index, (kind, text) in enumerate(segments):
        if kind == "resp" and not has_lead_label and len(resp_indexes) > 1 and index == resp_indexes[0]:
            kind = "lead"  # (责任单位:A,责任单位:B): a label written twice, the first list leads
        _add_segment(clause, kind, text)
    clause.lead, clause.responsible = marked_roles(clause.lead, clause.responsible)
    clause.lead, clause.responsible, clause.first_leads = first_listed_leads(clause.lead, clause.responsible, said)
    clause.labelled = clause.labelled or bool(clause.first_leads)
    return clause if clause.has_units or clause.deadline else None


_LEAD_MARKS = ("牵头", "负责", "主责")
ROLE_MARKS = (*_LEAD_MARKS, "配合", "协助", "参与")  # a role written right after names: 县司法局（牵头）
_MARKED_RE = re.compile(rf"^(?P<name>.+?)\s*[(（【\[](?P<role>{'|'.join(ROLE_MARKS)})[)）】\]]$")


def marked_roles(lead: list[str], responsible: list[str]) -> tuple[list[str], list[str]]:
    """`县司法局（牵头）、县财政局`: a role written after a name in brackets decides where the name goes."""
    leads: list[str] = []
    others: list[str] = []
    for name, given in [*((n, "lead") for n in lead), *((n, "resp") for n in responsible)]:
        m = _MARKED_RE.match(name)
        role = ("lead" if m["role"] in _LEAD_MARKS else "resp") if m else given
        (leads if role == "lead" else others).append(m["name"] if m else name)
    leads = list(dict.fromkeys(leads))
    return leads, [n for n in dict.fromkeys(others) if n not in leads]


def unbracket_labels(text: str) -> str:
    """`…公布。【牵头单位】县政府办【完成时限】3月底前` → `…公布。牵头单位：县政府办；完成时限：3月底前`."""
    def label(m: re.Match[str]) -> str:
        before = text[:m.start()].rstrip()
        name_before = clean_name(re.split(r"[、，,；;:：(（]", before)[-1])
        if m[1] in (*ROLE_MARKS, "责任") and looks_like_unit(name_before):
            return m[0]  # 县司法局【牵头】: the role of the name before it
        return ("" if not before or before[-1] in _SENTENCE_END + "，,、" else "；") + m[1] + "："

    return _BRACKETED_LABEL_RE.sub(label, text) if "】" in text or "]" in text or "〕" in text else text


_TOGETHER_RE = re.compile(
    r"^(?:由)?(?P<lead>[^，,；;]+?)(?:会同|联合|协同)(?P<others>[^，,；;]+?)"
    r"(?:共同|按职责分工|按职责)?(?:负责|牵头|落实|推进)+(?:落实|实施)?$"
)


_TOGETHER_HINT = re.compile("会同|联合|协同")
_ROLE_HINT = re.compile("牵头|负责|配合|协助|参与|落实|起草|承办")


def _add_segment(clause: UnitClause, kind: str, text: str) -> None:
    """One labelled list; groups ending in 配合 are responsible and then the others in it lead."""
    roles: list[tuple[str | None, str]] = []
    words: list[str] = []
    for group in split_top(text, ",，;；。"):
        group = group.strip(_EDGE)
        if not group:
            continue
        step = STEP_RE.match(group)
        if kind == "time" or parse_deadline(group) or step or (is_status(group) and not looks_like_unit(group)) \
                or parse_frequency(group):  # "（县司法局负责，每季度开展一次）": how often, where a deadline goes
            if step and clause.deadline and STEP_RE.match(clause.deadline):
                clause.deadline += "，" + group  # milestones: "6月底前完成起草，8月底前提请审议"
            clause.deadline = clause.deadline or group  # an unreadable one is reported by the caller
            continue
        together = _TOGETHER_RE.match(group) if kind != "time" and _TOGETHER_HINT.search(group) else None
        if together:
            clause.lead.extend(split_unit_names(together["lead"]))
            clause.responsible.extend(split_unit_names(together["others"]))
            clause.labelled = True
            continue
        m = _ROLE_RE.match(group) if _ROLE_HINT.search(group) else None
        if m and m["names"].strip(_EDGE):
            own_part = any(word in (m["how"] or "") for word in _EACH_OWN_PART) and m["role"] != "牵头"
            roles.append(("resp" if own_part else _ROLE_KIND[m["role"]], m["names"]))
            words.append("" if own_part else m["role"])
        else:
            roles.append((None, group))
            words.append("")
    cooperating = any(_ROLE_KIND.get(word) == "resp" for word in words)  # "B配合": the others lead
    clause.labelled = clause.labelled or any(role for role, _ in roles)
    led = False
    for index, (role, names) in enumerate(roles):
        if role is None:
            later = next((r for r, _ in roles[index + 1:] if r), None)
            if led and later == "resp":
                role = "resp"  # "A牵头,B,C配合": ASCII commas where 、 was meant
            else:
                role = "lead" if kind == "lead" or (cooperating and kind in ("", "resp")) else "resp"
        elif role == "lead" and words[index] == "负责" and (kind == "resp" or "牵头" in words):
            role = "resp"  # "责任单位:A;B分别负责落实": the label decides
        elif words[index] == "落实" and "牵头" not in words and kind != "resp":
            role = "lead"  # "各乡镇抓好落实" alone: they are the ones who do it
        led = led or role == "lead"
        (clause.lead if role == "lead" else clause.responsible).extend(split_unit_names(names))


def split_unit_clause(text: str) -> tuple[str, UnitClause | None]:
    """The task text without its trailing unit clause, and the clause (None when there is none).

    A deadline written after the clause (`…（责任单位：县司法局）2022年6月底前完成。`) goes with it.
    """
    body = text.rstrip(_EDGE.replace("、", ""))
    after = _AFTER_CLAUSE_RE.search(body)
    tail = after["tail"] if after and parse_deadline(after["tail"], year=2000) else None
    if tail is not None and after is not None:
        body = body[:after.start("tail")].rstrip(_EDGE.replace("、", ""))
    for finder in (_trailing_paren, _unclosed_paren, _bare_labels, _trailing_sentence):
        found = finder(body)
        if found:
            start, clause = found
            clause.deadline = clause.deadline or tail
            rest = body[:start].rstrip(" \t,，、")
            earlier = None if clause.has_units else _trailing_paren(rest)
            if earlier and earlier[1].has_units:  # (责任单位：A；B)(完成时限：长期): units, then the deadline
                start, units = earlier
                units.deadline = units.deadline or clause.deadline
                return rest[:start].rstrip(" \t,，、"), units
            return rest, clause
    return text, None


_AFTER_CLAUSE_RE = re.compile(r"[)）】〕\]]\s*[。；;，,]?\s*(?P<tail>[^()（）【】〔〕\[\]。；;]{2,24})$")


def unit_line(text: str) -> UnitClause | None:
    """A line that is nothing but units (`牵头单位：县编办` / `责任单位：…` / `县委宣传部负责。` under a task)."""
    rest, clause = split_unit_clause(text)
    if clause and clause.has_units and not rest.strip(_EDGE):
        return clause
    if _ROLE_HINT.search(text) and not _SENTENCE_SPLIT_RE.search(text.strip().rstrip("。；;！!？?")):
        clause = _role_sentence(text)
        if clause is not None:
            clause.sentence = text.strip().rstrip("。；;")
            return clause
    return None


def time_line(text: str) -> UnitClause | None:
    """A line that is only a labelled deadline (`完成时限：2020年6月底前`, `报送审议时间：2021年10月`)."""
    m = _LABEL_RE.match(text.strip())
    if m is None or _label_kind(m[1]) != "time":
        return None
    rest = text.strip()[m.end():].strip(_EDGE)
    return UnitClause(deadline=rest, labelled=True) if rest else None


def _matching_open(body: str) -> int | None:
    depth = 0
    for index in range(len(body) - 1, -1, -1):
        if body[index] in _CLOSE:
            depth += 1
        elif body[index] in _OPEN:
            depth -= 1
            if depth == 0:
                return index
    return None


def _trailing_paren(body: str) -> tuple[int, UnitClause] | None:
    if not body or body[-1] not in _CLOSE:
        return None
    start = _matching_open(body)
    if start is None:
        return None
    clause = _paren_clause(body[start + 1:-1], body[:start])
    return (start, clause) if clause else None


def _paren_clause(inner: str, before: str) -> UnitClause | None:
    clause = parse_clause_body(inner)
    names = [*clause.lead, *clause.responsible] if clause else []
    if clause and clause.labelled and (_LABEL_RE.search(inner) or all(map(looks_like_unit, names))):
        return clause  # labelled, or "（县编办牵头，县财政局配合）" with real unit names
    if parse_deadline(inner):
        return UnitClause(deadline=inner.strip(_EDGE))
    # A bare list of names counts only at the end of a sentence: "…。(各级政府及政府工作部门)".
    stripped = before.rstrip()
    at_sentence_end = not stripped or stripped[-1] in _SENTENCE_END
    if clause and names and at_sentence_end and all(looks_like_unit(name) for name in names):
        return clause
    if clause and names and all(_full_unit_name(name) and len(name) >= 3 for name in names):
        return clause  # "…开展试点(市司法局、市发改委)": names with their place, not "乡镇(街道)"
    return None


def _unclosed_paren(body: str) -> tuple[int, UnitClause] | None:
    """`…(牵头单位:政府法制办,责任单位:县政府相关工作部门、各镇政府` — the closing bracket is missing."""
    opens: list[int] = []
    for index, ch in enumerate(body):
        if ch in _OPEN:
            opens.append(index)
        elif ch in _CLOSE and opens:
            opens.pop()
    for index in reversed(opens):
        inner = body[index + 1:]
        if _LABEL_RE.match(inner.lstrip()):
            clause = parse_clause_body(inner)
            if clause:
                return index, clause
    return None


def _bare_labels(body: str) -> tuple[int, UnitClause] | None:
    """`…公开。牵头单位:县政府办,责任单位:…` — labels at the end without brackets."""
    for m in _LABEL_RE.finditer(body):
        if _label_kind(m[1]) == "time":
            continue
        if m.start() and body[m.start() - 1] not in _SENTENCE_END + ",， \t":
            continue
        clause = parse_clause_body(body[m.start():])
        if clause and clause.has_units and all(looks_like_unit(n) for n in clause.lead + clause.responsible):
            return m.start(), clause
    return None


_SENTENCE_SPLIT_RE = re.compile(r"[。；;！!？?]")


def _trailing_sentence(body: str) -> tuple[int, UnitClause] | None:
    """`…。由市编办牵头，市财政局配合。` / `…。市政务办负责。` / `…，县司法局负责。`: units in the last sentence.

    The sentence must be nothing but unit names with 牵头/负责/配合 (and perhaps a deadline), every name
    ending the way unit names end; a sentence that only names units without a role is not enough.
    """
    stripped = body.rstrip(_EDGE.replace("、", ""))
    ends = [m.end() for m in _SENTENCE_SPLIT_RE.finditer(stripped)]
    start = ends[-1] if ends else 0
    clause = _role_sentence(stripped[start:]) if start else None
    if clause is None:
        # "…扩大试点范围，市财政局负责" / "9月底前完成评查，区司法局牵头，各街道配合": the comma pieces at the
        # end that are only units, after a piece that stands alone as (the end of) a task
        shortest = 6 if start == 0 else 1
        for comma in (m.start() for m in re.finditer("[，,]", stripped[start:])):
            found = _role_sentence(stripped[start + comma + 1:])
            if found and (start == 0 or not found.deadline) and _stands_alone(stripped[start:start + comma], shortest):
                clause, start = found, start + comma + 1
                break
        else:
            return None
    clause.sentence = stripped[start:].strip()
    return start, clause


def _stands_alone(text: str, shortest: int) -> bool:
    """What comes before the units is a task, not more units or only a date."""
    text = text.strip(_EDGE)
    return len(text) >= shortest and _role_sentence(text) is None and parse_deadline(text) is None


def _role_sentence(sentence: str) -> UnitClause | None:
    sentence = sentence.strip(_EDGE)
    if not sentence or len(sentence) > 80 or any(ch in sentence for ch in "“”《》\"") or _LABEL_RE.search(sentence):
        return None
    groups = [g.strip(_EDGE) for g in split_top(sentence, ",，") if g.strip(_EDGE)]
    roles = [_ROLE_RE.match(g) for g in groups]
    if not any(roles):
        return None
    clause = parse_clause_body(sentence)
    if clause is None or not clause.has_units:
        return None
    names = clause.lead + clause.responsible
    if not all(looks_like_unit(name) for name in names):
        return None
    clause.labelled = True
    return clause


_LEVEL_RE = re.compile(r"县|市|区|省|镇|乡|街道|州|旗")  # "各县(市、区)政府", not "各地各部门"
_SUBJECT_RE = re.compile(r"^(?P<names>[^，,。；;：:]{2,60}?)(?:要|应当|应|须|必须|务必)")


def subject_units(text: str) -> tuple[list[str], str] | None:
    """`…。各县(市、区)政府要抓好落实。`: the units a last sentence begins with, and that sentence."""
    sentences = [s for s in re.split(r"(?<=[。；;！!])", text.strip()) if s.strip()]
    if len(sentences) < 2:
        return None
    last = sentences[-1].strip()
    m = _SUBJECT_RE.match(last)
    if not m:
        return None
    names = split_unit_names(m["names"])
    if names and all(_full_unit_name(name) and len(name) >= 3 and _LEVEL_RE.search(name) for name in names):
        return names, last
    return None


_LEADING_RE = re.compile(r"^(?P<names>[^，,。；;：:]{3,60}?)[：:](?P<rest>.+)$")


def leading_units(text: str) -> tuple[list[str], str] | None:
    """`县司法局：开展…` / `县司法局、县财政局：…`: the units a task begins with, and the task after them."""
    m = _LEADING_RE.match(text.strip())
    if not m or _LABEL_RE.match(text.strip()):
        return None
    names = split_unit_names(m["names"])
    if names and all(_full_unit_name(name) and len(name) >= 3 and _LEVEL_RE.search(name) for name in names):
        return names, m["rest"].strip()
    return None
