"""Stage 4, consolidate: 汇总台账.xlsx, the consolidated workbook of a round (xlsxwriter, rows streamed to keep
memory flat), written from the round's summary (summary.py).

Anything a unit typed goes in as text, so `=`, `+`, `-` or `@` at its start never makes a formula.

The long lists (a row per pair: 任务明细, 逾期未完成, 问题与计划; 300,000 rows at province scale) are most of
the file and most of the time. Their rows are not passed to xlsxwriter: summary_long.py makes them, by two
worker processes while this process writes the other sheets, as the sheet XML xlsxwriter's constant_memory
mode writes for them (inline strings, each cell in its column's format), deflated; xlsxwriter writes each of
those sheets' intro, header and settings, and sheet_xml.write_package puts the rows in
(tests/test_consolidate.py reads them back with openpyxl and python-calamine).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import xlsxwriter

from .evidence import SCORE_RULE, score_totals
from .figures import ANSWER_TEXTS, Tally, overdue_date
from .fileio import atomic_path
from .progress import ProgressHook, no_progress
from .rounds import open_round
from .safe_xlsx import new_workbook
from .sheet_xml import SheetRows, clean_text, write_package
from .summary import DEFINITIONS, RoundSummary, load_summary, percent
from .summary_long import DETAILS, OVERDUE, PROBLEMS, Lists, LongList, Making, make_lists
from .vocabulary import STATE_COLOURS, STATES
from .workbook_spec import TEXT
from .workspace import Workspace

SUMMARY_FILE = "汇总台账.xlsx"
SUMMARY_STEPS = 11  # progress: reading, nine sheets, saving
STATE_ATTRS = ["completed", "ongoing", "not_started", "needs_fix", "not_reported"]  # Tally fields, as STATES
NUMERIC = ("int", "num", "pct", "points")
UNIT_CHART_ALL = 60  # more units than this: the chart shows the lowest UNIT_CHART_LOW
UNIT_CHART_LOW = 30

SHEETS = [
    ("总览", "本轮的主要数字、与上一轮的比较和图表"),
    ("按单位", "每个单位一行，按完成率排名（完成率相同按平均进度）"),
    ("按领域", "每个一级领域一行，末行为合计"),
    ("按任务", "每项任务一行：各责任单位的完成情况和牵头单位状态"),
    ("任务明细", "每个“任务 × 单位”一行：所填的每一列、状态、是否逾期、来源文件和单元格；可筛选"),
    ("逾期未完成", "已过完成时限、状态为推进中/未启动/待修改的项次，按逾期天数排列（未报送的见「未报送单位」）"),
    ("未报送单位", "本轮有任务但尚未报送的单位及联络方式"),
    ("问题与计划", "各单位填写的存在问题和下一步计划，按领域排列"),
    ("说明", "数字的口径、轮次与数据时间"),
]
SCORE_SHEET = ("指标自评", "每个末级指标一行：分值、对应任务、项次、已完成且有佐证的项次、自评分；一级小计和总分")


def consolidate(ws: Workspace, *, round_name: str | None = None, as_of: date | None = None,
                progress: ProgressHook = no_progress, workers: int | None = None) -> Path:
    """Write outbox/<轮次>/汇总台账.xlsx and return its path (`workers`: processes for the long lists; None for
    as many as there are cores, up to two).

    The long lists are started first (summary_long: by worker processes for a large round), and made while
    this process works out the figures and writes the other sheets."""
    progress(0, SUMMARY_STEPS, "读取数据")
    with open_round(ws, round_name) as (conn, name):
        when = overdue_date(conn, name, as_of)
        pairs = conn.execute("SELECT COUNT(*) FROM assignments WHERE round = ?", (name,)).fetchone()[0]
    with tempfile.TemporaryDirectory(prefix="reporting-") as folder:
        book = new_workbook(Path(folder) / "draft.xlsx", {"constant_memory": True})
        formats, plain = _formats(book)
        lists = Lists(str(ws.db_path), name, when, _long_lists(plain), folder)
        with closing(make_lists(lists, pairs, workers)) as made:
            data = load_summary(ws, round_name=name, as_of=when)
            target = ws.round_dir(data.round) / SUMMARY_FILE
            _write_summary(_Writer(book, data, formats, plain, lists, made), target, ws.root,
                           lambda done, total, item: progress(done + 1, total + 1, item))
    return target


@dataclass
class Column:
    name: str
    width: float
    kind: str = "text"  # text, int, pct (a 0–1 rate), num, points (percentage points), wrap (long text)


def _write_summary(writer: _Writer, target: Path, root: Path | None, progress: ProgressHook) -> None:
    """Write every sheet of 汇总台账.xlsx to `target` (atomically), reporting progress sheet by sheet."""
    data, book = writer.data, writer.book
    with atomic_path(target, root) as tmp:
        book.set_properties({"title": f"{data.campaign}{data.round}汇总台账", "author": "reporting",
                             "comments": "由 reporting consolidate 生成"})
        steps = [writer.overview, writer.units, writer.areas, writer.tasks, writer.details, writer.overdue,
                 writer.not_reported, writer.problems, writer.notes]
        sheets = list(SHEETS)
        if data.evidence is not None and data.evidence.system is not None:
            sheets.insert(-1, SCORE_SHEET)
            steps.insert(-1, writer.indicator_scores)
        for done, ((name, _), step) in enumerate(zip(sheets, steps, strict=True)):
            progress(done, len(steps) + 1, name)
            step()
        progress(len(steps), len(steps) + 1, "保存")
        book.close()
        for _ in writer.made:  # the lists still being made
            pass
        write_package(Path(book.filename), tmp, {writer.lists.sheets[name].part: rows
                                                 for name, (rows, _count) in writer.lists.done.items()})
    progress(len(steps) + 1, len(steps) + 1, "完成")


def _formats(book: xlsxwriter.Workbook) -> tuple[dict, dict]:
    """The formats of the sheets xlsxwriter writes, and the plain ones of the long lists' columns (numbered
    now: the long lists' rows are made elsewhere, meanwhile)."""
    base = {"border": 1, "valign": "top", "font_size": 10}
    formats = {
        "header": book.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center",
                                   "valign": "vcenter", "text_wrap": True}),
        "text": book.add_format(base),
        "wrap": book.add_format({**base, "text_wrap": True}),
        "int": book.add_format({**base, "align": "center"}),
        "num": book.add_format({**base, "align": "center", "num_format": "0.0"}),
        "pct": book.add_format({**base, "align": "center", "num_format": "0.0%"}),
        "points": book.add_format({**base, "align": "center",
                                   "num_format": '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"'}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "note": book.add_format({"font_size": 10, "font_color": "#555555"}),
        "section": book.add_format({"bold": True, "font_size": 11}),
    }
    plain = {"font_size": 10, "valign": "top"}
    plains = {
        "text": book.add_format(plain),
        "wrap": book.add_format({**plain, "text_wrap": True}),
        "int": book.add_format({**plain, "align": "center"}),
        "num": book.add_format({**plain, "align": "center", "num_format": "0.0"}),
        "pct": book.add_format({**plain, "align": "center", "num_format": "0.0%"}),
        "points": book.add_format({**plain, "align": "center"}),
    }
    for fmt in plains.values():
        fmt._get_xf_index()
    return formats, plains


def _long_lists(plain: dict) -> dict[str, LongList]:
    """Where each long list's rows go and how they are written (the lists come before any 指标自评 sheet)."""
    lists = {DETAILS: (details_columns(), False), OVERDUE: (OVERDUE_COLUMNS, True), PROBLEMS: (PROBLEMS_COLUMNS, True)}
    names = [name for name, _ in SHEETS]
    return {name: LongList(part=f"xl/worksheets/sheet{names.index(name) + 1}.xml", first=2 if intro else 1,
                           rows=SheetRows(name, [plain[c.kind]._get_xf_index() for c in columns],
                                          [c.kind in NUMERIC for c in columns]))
            for name, (columns, intro) in lists.items()}


def details_columns() -> list[Column]:
    return [Column("一级", 18, "wrap"), Column("任务编号", 9), Column("工作任务", 40, "wrap"),
            Column("完成时限", 11), Column("单位", 18), Column("职责", 6), Column("状态", 8),
            Column("完成进度(%)", 8, "num"), Column("逾期", 6),
            *(Column(c.header, c.detail_width, "wrap" if c.kind == TEXT else "text") for c in ANSWER_TEXTS),
            Column("来源文件", 24, "wrap"), Column("来源位置", 30, "wrap")]


OVERDUE_COLUMNS = [Column("单位", 18), Column("任务编号", 9), Column("一级", 18, "wrap"),
                   Column("工作任务", 44, "wrap"), Column("完成时限", 11), Column("逾期天数", 8, "int"),
                   Column("状态", 8), Column("完成进度(%)", 8, "num"), Column("职责", 6), Column("联络员", 10),
                   Column("电话", 14)]
PROBLEMS_COLUMNS = [Column("一级", 20, "wrap"), Column("任务编号", 9), Column("工作任务", 36, "wrap"),
                    Column("单位", 18), Column("职责", 6), Column("存在问题", 44, "wrap"),
                    Column("下一步计划", 44, "wrap"), Column("来源文件", 24, "wrap")]


def write_text(sheet, row: int, col: int, value: object, fmt=None) -> None:
    """Text as text, whatever it starts with (write_string never makes a formula)."""
    text = clean_text(value)
    if text.startswith("<r>") and text.endswith("</r>"):
        # xlsxwriter copies such a string into the file as raw XML; as a rich string it is escaped
        sheet.write_rich_string(row, col, text[:1], text[1:2], text[2:], *([fmt] if fmt else []))
    else:
        sheet.write_string(row, col, text, fmt)


class _Writer:
    def __init__(self, book: xlsxwriter.Workbook, data: RoundSummary, formats: dict, plain: dict, lists: Lists,
                 made: Making) -> None:
        self.book, self.data, self.figures = book, data, data.figures
        self.formats, self.plain = formats, plain
        self.lists, self.made = lists, made

    # -- helpers ---------------------------------------------------------------------------------------

    def sheet(self, name: str, columns: list[Column], first_row: int = 0, long: bool = False):
        """A sheet with its column widths; a long list gets its formats by column and printed gridlines."""
        sheet = self.book.add_worksheet(name)
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width, self.plain[column.kind] if long else None)
        if long:
            sheet.hide_gridlines(0)  # gridlines on screen and on paper instead of a border on every cell
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(first_row)
        return sheet

    def header(self, sheet, row: int, columns: list[Column], freeze: bool = True) -> None:
        for index, column in enumerate(columns):
            sheet.write_string(row, index, column.name, self.formats["header"])
        if freeze:
            sheet.freeze_panes(row + 1, 0)

    def row(self, sheet, row: int, columns: list[Column], values: Iterable) -> None:
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            self.cell(sheet, row, index, value, column.kind)

    def cell(self, sheet, row: int, col: int, value, kind: str) -> None:
        fmt = self.formats[kind]
        if value is None or value == "":
            sheet.write_blank(row, col, None, fmt)
        elif kind in NUMERIC and isinstance(value, int | float):
            sheet.write_number(row, col, value, fmt)
        else:
            write_text(sheet, row, col, value, fmt)

    def table(self, name: str, columns: list[Column], rows: Iterable[list], intro: str = "") -> tuple:
        """A sheet holding one filterable table; returns (sheet, number of data rows)."""
        top = 1 if intro else 0
        sheet = self.sheet(name, columns, top)
        if intro:
            sheet.write_string(0, 0, intro, self.formats["note"])
        self.header(sheet, top, columns)
        count = 0
        for count, values in enumerate(rows, start=1):
            self.row(sheet, top + count, columns, values)
        sheet.autofilter(top, 0, top + max(count, 1), len(columns) - 1)
        return sheet, count

    def long_table(self, name: str, columns: list[Column], count: int, intro: str = "") -> None:
        """A sheet for a list with a row per pair (up to hundreds of thousands of rows): its intro, header and
        settings; the `count` rows are made by summary_long and put in when the file is written."""
        top = 1 if intro else 0
        sheet = self.sheet(name, columns, top, long=True)
        if intro:
            sheet.write_string(0, 0, intro, self.formats["note"])
        self.header(sheet, top, columns)
        sheet.autofilter(top, 0, top + max(count, 1), len(columns) - 1)


    def changes(self, change) -> list:
        if self.data.previous is None:
            return []
        if change is None:
            return ["", "", ""]
        return [change.previous_rate, change.rate_points, change.completed]

    def change_columns(self) -> list[Column]:
        if self.data.previous is None:
            return []
        return [Column("上轮完成率", 10, "pct"), Column("完成率变化", 13, "points"),
                Column("已完成变化(项次)", 10, "int")]

    # -- sheets ----------------------------------------------------------------------------------------

    def overview(self) -> None:
        data = self.data
        sheet = self.book.add_worksheet("总览")
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.write_string(0, 0, f"{data.campaign}{data.round}汇总台账", self.formats["title"])
        sheet.write_string(1, 0, _data_note(data), self.formats["note"])
        columns = [Column("指标", 26), Column("本轮", 14, "num")]
        if data.previous is not None:
            columns += [Column(f"上轮（{data.previous.round}）", 14, "num"), Column("变化", 14, "num")]
        columns.append(Column("口径", 40, "wrap"))
        for index, column in enumerate(columns):  # 口径 is the third column when there is no earlier round
            sheet.set_column(index, index, column.width)
        self.header(sheet, 3, columns, freeze=False)
        headline = self.headline()
        for offset, (label, kind, now, then, note) in enumerate(headline, start=4):
            self.cell(sheet, offset, 0, label, "text")
            self.cell(sheet, offset, 1, now, kind)
            if data.previous is not None:
                self.cell(sheet, offset, 2, then, kind)
                delta = None if then is None else (now - then) * (100 if kind == "pct" else 1)
                self.cell(sheet, offset, 3, delta, "points" if kind == "pct" else kind)
            self.cell(sheet, offset, len(columns) - 1, note, "wrap")
        first_state = 4 + [label for label, *_ in headline].index(f"{STATES[0]}项次")
        self.charts(sheet, first_state, len(headline) + 6)
        sheet.activate()

    def headline(self) -> list[tuple[str, str, float, float | None, str]]:
        now, then = self.figures, self.data.previous

        def both(get) -> tuple:
            return get(now), (get(then) if then is not None else None)

        done = sum(task.done for task in now.tasks)
        rows = [
            ("应报送单位数", "int", *both(lambda f: f.units_expected), "本轮有任务的单位"),
            ("已报送单位数", "int", *both(lambda f: f.units_returned), "有任何一份报送被读到的单位"),
            ("未报送单位数", "int", *both(lambda f: f.units_expected - f.units_returned), "见「未报送单位」"),
            ("报送率", "pct", *both(lambda f: f.return_rate), "已报送单位数 ÷ 应报送单位数"),
            ("任务数", "int", *both(lambda f: len(f.tasks)), ""),
            ("已完成任务数", "int", done, _done_tasks(then), "全部责任单位均已完成的任务"),
            ("项次数", "int", *both(lambda f: f.total.tasks), "任务 × 责任单位"),
        ]
        rows += [(f"{state}项次", "int", *both(lambda f, a=attr: getattr(f.total, a)), "")
                 for state, attr in zip(STATES, STATE_ATTRS, strict=True)]
        rows += [
            ("完成率", "pct", *both(lambda f: f.total.completion_rate), "已完成项次 ÷ 项次数"),
            ("平均进度", "pct", *both(lambda f: f.total.average_progress / 100), "各项次完成进度的平均，未报送按 0 计"),
            ("逾期项次", "int", *both(lambda f: f.total.overdue), "见「逾期未完成」"),
        ]
        return rows

    def charts(self, sheet, first_state_row: int, pie_row: int) -> None:
        """Completion by area and by unit (column G, one below the other), the state mix under the table."""
        row = 1
        if self.figures.areas:
            chart = self.bar_chart("各领域完成率", "按领域", len(self.figures.areas), self.area_rate_column())
            sheet.insert_chart(row, 6, chart)
            row += chart.height // 20 + 2
        units = len(self.figures.units)
        if units:
            first = 1 if units <= UNIT_CHART_ALL else units - UNIT_CHART_LOW + 1
            title = "各单位完成率" if units <= UNIT_CHART_ALL else f"完成率最低的{UNIT_CHART_LOW}个单位"
            sheet.insert_chart(row, 6, self.bar_chart(title, "按单位", units, self.unit_rate_column(), first=first,
                                                      category_col=1))
        pie = self.book.add_chart({"type": "pie"})
        pie.add_series({"name": "任务状态构成", "categories": ["总览", first_state_row, 0, first_state_row + 4, 0],
                        "values": ["总览", first_state_row, 1, first_state_row + 4, 1],
                        "data_labels": {"value": True, "percentage": True, "leader_lines": True},
                        "points": [{"fill": {"color": STATE_COLOURS[state]}} for state in STATES]})
        pie.set_title({"name": "任务状态构成（项次）"})
        pie.set_size({"width": 560, "height": 320})
        sheet.insert_chart(pie_row, 0, pie)

    def bar_chart(self, title: str, sheet_name: str, rows: int, value_col: int, first: int = 1,
                  category_col: int = 0):
        chart = self.book.add_chart({"type": "bar"})
        chart.add_series({"name": "完成率", "categories": [sheet_name, first, category_col, rows, category_col],
                          "values": [sheet_name, first, value_col, rows, value_col],
                          "data_labels": {"value": True, "num_format": "0.0%"}, "fill": {"color": "#3B75AF"}})
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 640, "height": max(300, min(900, 60 + 22 * (rows - first + 1)))})
        return chart

    def unit_columns(self) -> list[Column]:
        return [Column("排名", 6, "int"), Column("单位", 24), Column("类别", 10), Column("报送情况", 10),
                Column("任务数", 8, "int"), Column("牵头任务数", 8, "int"), Column("已完成", 8, "int"),
                Column("推进中", 8, "int"), Column("未启动", 8, "int"), Column("待修改", 8, "int"),
                Column("未报送", 8, "int"), Column("完成率", 9, "pct"), Column("平均进度", 9, "pct"),
                Column("逾期", 7, "int"), Column("错误数", 7, "int"), Column("报送时间", 18),
                Column("来源文件", 28), Column("联络员", 10), Column("电话", 14), *self.change_columns()]

    def unit_rate_column(self) -> int:
        return [c.name for c in self.unit_columns()].index("完成率")

    def units(self) -> None:
        columns = self.unit_columns()
        rows = ([rank, u.unit, u.category, u.verdict or "未报送", *_counts(u), u.completion_rate,
                 u.average_progress / 100, u.overdue, u.errors if u.returned else "",
                 u.returned_at.replace("T", " "), u.file, u.liaison, u.phone,
                 *self.changes(self.data.unit_changes.get(u.unit))]
                for rank, u in self.data.ranked_units())
        sheet, count = self.table("按单位", columns, rows)
        if count:
            col = self.unit_rate_column()
            sheet.conditional_format(1, col, count, col, {
                "type": "3_color_scale", "min_type": "num", "min_value": 0, "mid_type": "num", "mid_value": 0.5,
                "max_type": "num", "max_value": 1, "min_color": "#F8696B", "mid_color": "#FFEB84",
                "max_color": "#63BE7B"})

    def area_columns(self) -> list[Column]:
        return [Column("领域", 34, "wrap"), Column("任务数", 8, "int"), Column("已完成任务", 9, "int"),
                Column("项次", 8, "int"), Column("已完成", 8, "int"), Column("推进中", 8, "int"),
                Column("未启动", 8, "int"), Column("待修改", 8, "int"), Column("未报送", 8, "int"),
                Column("完成率", 9, "pct"), Column("平均进度", 9, "pct"), Column("逾期", 7, "int"),
                Column("应报送单位", 9, "int"), Column("已报送单位", 9, "int"), Column("报送率", 9, "pct"),
                *self.change_columns()]

    def area_rate_column(self) -> int:
        return [c.name for c in self.area_columns()].index("完成率")

    def areas(self) -> None:
        grouped = self.data.area_tasks()
        rows = [[a.area, len(grouped.get(a.area, [])), sum(t.done for t in grouped.get(a.area, [])),
                 *_tally(a), a.units_expected, a.units_returned, a.return_rate,
                 *self.changes(self.data.area_changes.get(a.area))] for a in self.figures.areas]
        f = self.figures
        total = ["合计", len(f.tasks), sum(t.done for t in f.tasks), *_tally(f.total), f.units_expected,
                 f.units_returned, f.return_rate, *self.changes(self.data.total_change)]
        self.table("按领域", self.area_columns(), [*rows, total])

    def tasks(self) -> None:
        columns = [Column("序号", 6, "int"), Column("任务编号", 10), Column("一级", 20, "wrap"),
                   Column("工作任务", 50, "wrap"), Column("完成时限", 12), Column("牵头单位", 18, "wrap"),
                   Column("牵头单位状态", 12), Column("单位数", 8, "int"), Column("已完成", 8, "int"),
                   Column("推进中", 8, "int"), Column("未启动", 8, "int"), Column("待修改", 8, "int"),
                   Column("未报送", 8, "int"), Column("完成率", 9, "pct"), Column("平均进度", 9, "pct"),
                   Column("逾期", 7, "int"), Column("任务状态", 10)]
        rows = ([index, t.task_id, t.area, t.text, t.deadline or "", "、".join(t.lead_units), t.lead_state,
                 *_tally(t), "已完成" if t.done else "未完成"] for index, t in enumerate(self.figures.tasks, 1))
        self.table("按任务", columns, rows)

    def details(self) -> None:
        self.long_table(DETAILS, details_columns(), len(self.figures.pairs))

    def overdue(self) -> None:
        intro = (f"统计截至 {self.figures.as_of.isoformat()}；完成时限早于该日、状态为推进中、未启动或待修改的项次"
                 "（未报送的不计）")
        self.long_table(OVERDUE, OVERDUE_COLUMNS, self.figures.total.overdue, intro)

    def not_reported(self) -> None:
        columns = [Column("单位", 24), Column("类别", 10), Column("任务数", 8, "int"), Column("牵头任务数", 9, "int"),
                   Column("联络员", 10), Column("电话", 14), Column("电子邮箱", 26), Column("情况", 8)]
        rows = ([u.unit, u.category, u.tasks, u.lead_tasks, u.liaison, u.phone, self.data.emails.get(u.unit, ""),
                 u.state] for u in self.figures.units if not u.returned)  # 未报送, 空表 or 待确认
        self.table("未报送单位", columns, rows)

    def problems(self) -> None:
        self.long_table(PROBLEMS, PROBLEMS_COLUMNS, self.made.wait(PROBLEMS)[1],
                        "各单位填写的存在问题和下一步计划；两项都是“无”“暂无”或空白的未列入")

    def notes(self) -> None:
        data = self.data
        sheet = self.book.add_worksheet("说明")
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, 1, 100)
        lines: list[tuple[str, str, str]] = [("title", f"{data.campaign}{data.round}汇总台账：说明", "")]
        lines += [("pair", label, value) for label, value in _facts(data)]
        lines += [("blank", "", ""), ("section", "数字的口径", "")]
        lines += [("pair", label, text) for label, text in DEFINITIONS]
        lines += [("blank", "", ""), ("section", "各工作表", "")]
        lines += [("pair", name, text) for name, text in SHEETS]
        if data.evidence is not None and data.evidence.system is not None:
            lines += [("pair", *SCORE_SHEET), ("blank", "", ""), ("section", "指标自评的算法", ""),
                      ("pair", "自评分", SCORE_RULE)]
        lines += [("blank", "", ""), ("section", "数字从哪里来", ""), ("pair", "追溯", TRACE_NOTE)]
        for row, (kind, label, value) in enumerate(lines):
            if kind in ("title", "section"):
                sheet.write_string(row, 0, label, self.formats[kind])
            elif kind == "pair":
                sheet.write_string(row, 0, label, self.formats["wrap"])
                sheet.write_string(row, 1, clean_text(value), self.formats["wrap"])

    def indicator_scores(self) -> None:
        evidence = self.data.evidence
        assert evidence is not None and evidence.system is not None
        columns = [Column("一级指标", 22, "wrap"), Column("指标编号", 8), Column("末级指标", 40, "wrap"),
                   Column("分值", 6, "num"), Column("对应任务", 12, "wrap"), Column("项次", 6, "int"),
                   Column("已完成且有佐证", 10, "int"), Column("计算自评分", 10, "num"),
                   Column("自评分(调整)", 10, "num"), Column("调整理由", 24, "wrap"), Column("自评分", 8, "num")]
        scores = evidence.scores()
        totals = score_totals(evidence, scores)
        rows: list[list] = []
        for top, full, got in totals.areas:
            for item in scores:
                if evidence.system.top(item.indicator).id != top.id:
                    continue
                ind = item.indicator
                rows.append([top.text, ind.id, ind.text, ind.score, "、".join(item.tasks), item.pairs, item.proved,
                             item.computed, item.override, item.reason, item.final])
            rows.append([top.text, top.id, "小计", full, "", "", "", "", "", "", got])
        rows.append(["合计", "", "", totals.full, "", "", "", "", "", "", totals.got])
        intro = f"自评总分 {totals.got:g} 分（满分 {totals.full:g} 分）。{SCORE_RULE}"
        self.table(SCORE_SHEET[0], columns, rows, intro)


TRACE_NOTE = (
    "「按单位」「按领域」「按任务」和「总览」中的每个数字，都可在「任务明细」中筛选得到："
    "例如某单位的已完成数，即在「任务明细」中筛选 单位=该单位、状态=已完成 的行数。"
    "「任务明细」每行列出来源文件（收到时的文件名，压缩包内的文件写作 压缩包/文件）"
    "和读取的工作表、行号及单元格；原文件按内容存档在 archive/ 中。"
)


def _facts(data: RoundSummary) -> list[tuple[str, str]]:
    figures = data.figures
    return [
        ("活动", data.campaign),
        ("轮次", data.round),
        ("截止日期", figures.due.isoformat() if figures.due else "未设定"),
        ("统计截至", figures.as_of.isoformat()),
        ("最后读取报送", data.last_read.replace("T", " ") or "尚无报送"),
        ("生成时间", data.made_at.isoformat(sep=" ")),
        ("上一轮", data.previous.round if data.previous is not None else "无（本轮为第一轮）"),
        ("数据来源", "工作目录中的 reporting.db（reporting collect 读入的全部报送）"),
    ]


def _data_note(data: RoundSummary) -> str:
    last = f"最后读取报送 {data.last_read.replace('T', ' ')}" if data.last_read else "尚无单位报送"
    return (f"统计截至 {data.figures.as_of.isoformat()}；{last}；完成率 {percent(data.figures.completion_rate)}；"
            f"生成于 {data.made_at.isoformat(sep=' ')}；口径见「说明」")


def _counts(tally: Tally) -> list[int]:
    return [tally.tasks, getattr(tally, "lead_tasks", 0), tally.completed, tally.ongoing, tally.not_started,
            tally.needs_fix, tally.not_reported]


def _tally(tally: Tally) -> list:
    return [tally.tasks, tally.completed, tally.ongoing, tally.not_started, tally.needs_fix, tally.not_reported,
            tally.completion_rate, tally.average_progress / 100, tally.overdue]


def _done_tasks(figures) -> int | None:
    return None if figures is None else sum(task.done for task in figures.tasks)
