"""单位名册.xlsx: units and groups, and how a name written in the plan resolves to units."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from .errors import LedgerError
from .models import GROUP_CATEGORY, Task, Unit
from .plain_xlsx import Table, write_tables
from .task_ledger import sheet_rows, split_names

SHEET = "单位名册"
COLUMNS = ["单位名称", "简称/别名", "类别", "所属分组", "联络员", "联系电话", "电子邮箱"]
WIDTHS = [28, 28, 10, 30, 10, 16, 24]

# Collective names stand for several units: 各镇政府, 市直各部门, 县政府相关工作部门, 各级政府及政府工作部门.
_COLLECTIVE = re.compile(r"^各|各(?!类)|有关|相关|政府工作部门|各级|所有|全体|行政执法部门$|相关单位$")
_ADMIN_PREFIX = re.compile(r"^[县市区镇乡]")


def is_collective(name: str) -> bool:
    return bool(_COLLECTIVE.search(name))


def canonical(name: str) -> str:
    """A name compared loosely: no spaces, full-width brackets made half-width."""
    return re.sub(r"\s+", "", name).replace("（", "(").replace("）", ")")


@dataclass
class Resolution:
    """What one name in the plan stands for."""

    name: str
    units: list[str]
    via: str  # "单位" | "别名" | "分组" | "" (unresolved)
    suggestions: list[str]


class Roster:
    """The roster in memory, with an index of every name and alias."""

    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        self._by_name: dict[str, Unit] = {}
        for unit in units:
            for name in [unit.name, *unit.aliases]:
                self._by_name.setdefault(canonical(name), unit)

    @property
    def members(self) -> list[Unit]:
        """Real units (not group rows)."""
        return [u for u in self.units if not u.is_group]

    def unit(self, name: str) -> Unit | None:
        return self._by_name.get(canonical(name))

    def group_members(self, group: str) -> list[str]:
        """Members of a group, by its name or by an alias given on its 分组 row; a group row that names the
        group in its own 所属分组 brings its members in too (groups within groups, to any depth)."""
        found: dict[str, None] = {}
        seen: set[str] = set()
        pending = [group]
        while pending:
            current = pending.pop(0)
            names = {canonical(current)}
            row = self.unit(current)
            if row is not None and row.is_group:
                names |= {canonical(n) for n in [row.name, *row.aliases]}
            if names & seen:
                continue
            seen |= names
            for unit in self.units:
                if names & {canonical(g) for g in unit.groups}:
                    if unit.is_group:
                        pending.append(unit.name)
                    else:
                        found.setdefault(unit.name)
        return list(found)

    def resolve(self, name: str) -> Resolution:
        unit = self.unit(name)
        if unit is not None and not unit.is_group:
            via = "单位" if canonical(unit.name) == canonical(name) else "别名"
            return Resolution(name, [unit.name], via, [])
        members = self.group_members(name)
        if members:
            return Resolution(name, members, "分组", [])
        return Resolution(name, [], "", self.closest(name))

    def closest(self, name: str, limit: int = 3) -> list[str]:
        choices = [u.name for u in self.units]
        found = process.extract(name, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
        return [choice for choice, _score, _index in found]


# ---------------------------------------------------------------- near-duplicates and merging

_BRACKET = re.compile(r"\(([^()]*)\)")


def _forms(unit: Unit) -> tuple[set[str], set[str], set[str]]:
    """A row's names compared for near-duplicates: as written (brackets dropped, 有关 = 相关, 人民政府 = 政府),
    without the place prefix, and the bracketed aliases (市人社局(公务员局) → 公务员局)."""
    full, short, inner = set(), set(), set()
    for name in [unit.name, *unit.aliases]:
        text = canonical(name)
        plain = _BRACKET.sub("", text).replace("有关", "相关").replace("人民政府", "政府")
        full.add(plain)
        short.add(_ADMIN_PREFIX.sub("", plain))
        inner |= {_ADMIN_PREFIX.sub("", found) for found in _BRACKET.findall(text)}
    return ({k for k in full if len(k) >= 2}, {k for k in short if len(k) >= 2} - full,
            {k for k in inner if len(k) >= 2})


def _alike(first: tuple[set[str], set[str], set[str]], second: tuple[set[str], set[str], set[str]]) -> bool:
    """Two rows may be one: the same name; one without the other's place prefix (县政府法制办 / 政府法制办, but
    not 县财政局 / 市财政局); or one's bracketed alias being the other."""
    (full_a, short_a, inner_a), (full_b, short_b, inner_b) = first, second
    return bool(full_a & full_b or short_a & full_b or full_a & short_b
                or inner_a & (full_b | short_b) or inner_b & (full_a | short_a))


def near_duplicates(roster: Roster) -> list[list[str]]:
    """Rows of the roster that may be one unit (or one group) written differently (_alike); units and groups
    are compared among themselves. Each cluster once, in roster order."""
    found = []
    for rows in ([u for u in roster.units if not u.is_group], [u for u in roster.units if u.is_group]):
        found += _clusters({unit.name: _forms(unit) for unit in rows})
    return found


def _clusters(forms: dict[str, tuple[set[str], set[str], set[str]]]) -> list[list[str]]:
    """Names alike, joined transitively; only clusters of two or more."""
    parent = {name: name for name in forms}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    names = list(forms)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if _alike(forms[first], forms[second]):
                parent[root(second)] = root(first)
    clusters: dict[str, list[str]] = {}
    for name in names:
        clusters.setdefault(root(name), []).append(name)
    return [cluster for cluster in clusters.values() if len(cluster) > 1]


def merge_units(units: list[Unit], names: list[str], into: str) -> tuple[list[Unit], list[str]]:
    """The roster with the rows of `names` folded into the row `into` as aliases (their contacts and groups
    kept where `into` has none); and the names merged, as written in the roster."""
    roster = Roster(units)
    target = roster.unit(into)
    if target is None:
        raise LedgerError(f"单位「{into}」不在单位名册中：--into 应为名册中的单位名称", sheet=SHEET)
    merged: list[str] = []
    for name in names:
        row = roster.unit(name)
        if row is None:
            if canonical(name) not in {canonical(a) for a in target.aliases}:
                target.aliases.append(name)  # a spelling not in the roster yet: it resolves to the unit from now on
                merged.append(name)
            continue
        if row is target:
            continue
        if row.is_group != target.is_group:
            kind = "分组" if row.is_group else "单位"
            raise LedgerError(f"「{row.name}」是{kind}，「{target.name}」不是：单位只能并入单位，分组只能并入分组",
                              sheet=SHEET)
        target.aliases = list(dict.fromkeys([*target.aliases, row.name, *row.aliases]))
        target.groups = list(dict.fromkeys([*target.groups, *row.groups]))
        for attr in ("liaison", "phone", "email"):
            if not getattr(target, attr):
                setattr(target, attr, getattr(row, attr))
        merged.append(row.name)
    kept = [u for u in units if u.name not in merged or u is target]
    for unit in kept:  # members naming a merged group now name the group it went into
        unit.groups = list(dict.fromkeys(target.name if g in merged else g for g in unit.groups))
    return kept, merged


def draft_units(tasks: list[Task], existing: list[Unit] | None = None) -> list[Unit]:
    """Every distinct unit name met in the plan, collectives as 分组 rows, obvious variants as aliases.

    Rows the coordinator already has are kept as they are; only names not yet known are added.
    """
    units = list(existing or [])
    known = Roster(units)
    seen = {canonical(n) for u in units for n in [u.name, *u.aliases]}
    for name in _names_in_order(tasks):
        if canonical(name) in seen:
            continue
        seen.add(canonical(name))
        if is_collective(name):
            units.append(Unit(name=name, category=GROUP_CATEGORY))
            continue
        variant = _variant_of(name, units)
        if variant is not None:
            variant.aliases.append(name)
            continue
        if known.unit(name) is None:
            units.append(Unit(name=name, category=_category(name)))
    return _fold_short_names(units)


def _names_in_order(tasks: list[Task]) -> list[str]:
    return list(dict.fromkeys(name for task in tasks for name in task.units))


def _variant_of(name: str, units: list[Unit]) -> Unit | None:
    """`政府法制办` is a variant of `县政府法制办`: the same name with or without the place prefix."""
    for unit in units:
        if unit.is_group:
            continue
        if _ADMIN_PREFIX.sub("", unit.name) == name and unit.name != name:
            return unit
    return None


def _fold_short_names(units: list[Unit]) -> list[Unit]:
    """When the short form came first (`政府法制办` before `县政府法制办`), keep the full name as the unit."""
    by_name = {u.name: u for u in units if not u.is_group}
    folded: list[Unit] = []
    for unit in units:
        full = next((n for n in by_name if n != unit.name and _ADMIN_PREFIX.sub("", n) == unit.name), None)
        if full is not None and not unit.is_group:
            by_name[full].aliases = list(dict.fromkeys([unit.name, *unit.aliases, *by_name[full].aliases]))
            continue
        folded.append(unit)
    return folded


def _category(name: str) -> str:
    if re.search(r"(镇|乡)(人民)?政府$|街道(办事处)?$|^.{1,6}(镇|乡)$", name):
        return "镇街"
    return "部门"


def write_roster(units: list[Unit], path: Path) -> None:
    rows = [[unit.name, "、".join(unit.aliases), unit.category, "、".join(unit.groups), unit.liaison, unit.phone,
             unit.email] for unit in units]
    note = "分组行（类别=分组）代表方案中的集体称谓；请在各成员单位的“所属分组”中填写分组名称，多个用“、”分隔。"
    category = {"validate": "list", "source": ["镇街", "部门", GROUP_CATEGORY, "其他"], "error_type": "warning"}
    write_tables(path, [Table(
        SHEET, COLUMNS, WIDTHS, rows, header={"bold": True, "bg_color": "#E2EFDA", "border": 1, "align": "center"},
        body={"num_format": "@"}, column_format=True,  # typed phone numbers stay text
        row_format=lambda row: {"bg_color": "#FFF2CC"} if row[2] == GROUP_CATEGORY else None,
        validations=[(2, category)], notes=[(3, note)])])


def read_roster(path: Path, display: str | None = None) -> list[Unit]:
    shown = display or path.name
    rows = sheet_rows(path, SHEET, shown)
    header = [str(v).strip() if v is not None else "" for v in rows[0]]
    if "单位名称" not in header:
        raise LedgerError("第1行缺少表头：单位名称", file=shown, sheet=SHEET)
    index = {name: header.index(name) for name in COLUMNS if name in header}
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        def cell(name: str, row: tuple = row) -> str:
            i = index.get(name)
            value = row[i] if i is not None and i < len(row) else None
            return "" if value is None else str(value).strip()

        name = cell("单位名称")
        if not name:
            if any(v not in (None, "") for v in row):
                raise LedgerError(f"第{number}行：单位名称为空", file=shown, sheet=SHEET)
            continue
        if canonical(name) in seen:
            raise LedgerError(f"第{number}行：单位「{name}」与第{seen[canonical(name)]}行重复", file=shown, sheet=SHEET)
        seen[canonical(name)] = number
        units.append(Unit(name=name, aliases=split_names(cell("简称/别名")), category=cell("类别"),
                          groups=split_names(cell("所属分组")), liaison=cell("联络员"),
                          phone=cell("联系电话"), email=cell("电子邮箱")))
    return units
