"""generate: one workbook per unit, read back with openpyxl the way a later stage or a desk would see it."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter

from reporting import generate as generate_module
from reporting.commands.generate import generate_command
from reporting.errors import LedgerError, ReportingError, TemplateError, WorkspaceError
from reporting.generate import DISTRIBUTION_FILE, LEDGER_DIR, UNRESOLVED_FILE, UnresolvedUnitsError, generate_round
from reporting.models import GROUP_CATEGORY, Task, Unit
from reporting.roster import write_roster
from reporting.store import connect, loads
from reporting.task_ledger import write_ledger
from reporting.templates import builtin_template
from reporting.vocabulary import STATUS_CHOICES
from reporting.workbook_spec import (
    FILL_COLUMNS,
    FIRST_DATA_ROW,
    GIVEN_COLUMNS,
    HEADER_ROW,
    LEDGER_COLUMNS,
    LIAISON_COLUMNS,
    META_KEYS,
    META_TASKS_HEADER,
    PROP_CAMPAIGN,
    PROP_KIND,
    PROP_ROUND,
    PROP_UNIT,
    PROP_VERSION,
    SHEET_GUIDE,
    SHEET_LEDGER,
    SHEET_LIAISON,
    SHEET_LISTS,
    SHEET_META,
    TEMPLATE_VERSION,
    fingerprint,
)
from reporting.workspace import Settings, Workspace

LAST_LETTER = get_column_letter(len(LEDGER_COLUMNS))  # of 工作台账's last column

ROUND = "2026年第四季度"
DUE = date(2026, 12, 31)
CAMPAIGN = "某县法治政府建设示范创建"
AREA = "(一)依法全面履行政府职能"


def sample_tasks() -> list[Task]:
    return [
        Task(id="1", text="全面清理行政审批事项，公布权责清单。", path=[AREA, "1.深化行政审批制度改革"],
             lead=["县财政局"], responsible=["各镇政府"], deadline="2019-12-31", targets=["网上可办率≥80%"]),
        Task(id="2", text="推行政府法律顾问制度。" * 12, path=[AREA], lead=["财政局"], responsible=["县教育局"],
             deadline="长期"),
        Task(id="3", text="建立重大行政决策合法性审查机制。", path=["(二)完善依法行政制度体系"],
             lead=["甲镇人民政府"], responsible=["各镇政府"]),
        Task(id="4", text="加强行政执法人员培训，每年不少于40个学时。", path=["(二)完善依法行政制度体系"],
             responsible=["县教育局", "县财政局"], targets=["每年不少于40个学时"]),
        Task(id="5", text="总结推广典型经验。", path=["(三)其他"]),
    ]


def sample_units() -> list[Unit]:
    return [
        Unit(name="县财政局", aliases=["财政局"], category="部门", liaison="王五", phone="0731-2345678",
             email="czj@example.cn"),
        Unit(name="县教育局", category="部门"),
        Unit(name="甲镇人民政府", aliases=["甲镇"], category="镇街", groups=["各镇政府"]),
        Unit(name="乙镇人民政府", category="镇街", groups=["各镇政府"]),
        Unit(name="县档案局", category="部门"),
        Unit(name="各镇政府", category=GROUP_CATEGORY),
    ]


def prepare(ws: Workspace, tasks: list[Task] | None = None, units: list[Unit] | None = None) -> Workspace:
    """A workspace with a ledger, a roster and the current round set in reporting.toml."""
    write_ledger(sample_tasks() if tasks is None else tasks, ws.ledger_path, title="测试方案")
    write_roster(sample_units() if units is None else units, ws.roster_path)
    ws.save_settings(Settings(campaign=CAMPAIGN, round_name=ROUND, round_due=DUE, contact="县司法局 张三 0731-1234567"))
    return ws


def unit_file(ws: Workspace, unit: str, round_name: str = ROUND) -> Path:
    return ws.round_dir(round_name) / LEDGER_DIR / f"{unit}.xlsx"


def ledger_rows(path: Path) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET_LEDGER]
    rows = []
    for row in sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True):
        if any(v is not None for v in row):
            rows.append(dict(zip(LEDGER_COLUMNS, row, strict=False)))
    return rows


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def ready(ws: Workspace) -> Workspace:
    return prepare(ws)


# ---------------------------------------------------------------- layout


def test_workbook_layout_sheets_title_headers_and_rows(ready):
    result = generate_round(ready)
    path = unit_file(ready, "县财政局")
    assert path in [f.path for f in result.files]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [SHEET_GUIDE, SHEET_LEDGER, SHEET_LIAISON, SHEET_LISTS, SHEET_META]
    states = {name: book[name].sheet_state for name in book.sheetnames}
    assert states == {SHEET_GUIDE: "visible", SHEET_LEDGER: "visible", SHEET_LIAISON: "visible",
                      SHEET_LISTS: "hidden", SHEET_META: "veryHidden"}
    assert book.active.title == SHEET_LEDGER
    sheet = book[SHEET_LEDGER]
    assert sheet.cell(1, 1).value == f"县财政局法治政府建设创建工作台账（{ROUND}）"
    assert f"A1:{LAST_LETTER}1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[HEADER_ROW]] == LEDGER_COLUMNS
    rows = ledger_rows(path)
    assert [(r["序号"], r["任务编号"], r["本单位职责"]) for r in rows] == [(1, "1", "牵头"), (2, "2", "牵头"),
                                                                        (3, "4", "责任")]
    first = rows[0]
    assert first["一级"] == AREA
    assert first["工作任务"] == "全面清理行政审批事项，公布权责清单。"
    assert first["完成时限"] == "2019-12-31"
    assert first["量化指标"] == "网上可办率≥80%"
    assert rows[1]["完成时限"] == "长期"
    assert all(r[name] is None for r in rows for name in FILL_COLUMNS)


def test_locked_given_columns_unlocked_fill_columns_and_protection(ready):
    generate_round(ready)
    book = openpyxl.load_workbook(unit_file(ready, "县财政局"))
    sheet = book[SHEET_LEDGER]
    for col, name in enumerate(LEDGER_COLUMNS, start=1):
        assert sheet.cell(HEADER_ROW, col).protection.locked
        for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 3):
            assert sheet.cell(row, col).protection.locked == (name in GIVEN_COLUMNS), (row, name)
    assert sheet.cell(FIRST_DATA_ROW + 3, 8).protection.locked  # below the table nothing is open
    protection = sheet.protection
    assert protection.sheet and not protection.password
    assert protection.formatRows is False and protection.autoFilter is False and protection.formatCells is False
    assert protection.insertRows is not False and protection.deleteRows is not False
    for name in (SHEET_GUIDE, SHEET_LIAISON, SHEET_META, SHEET_LISTS):
        assert book[name].protection.sheet, name
    liaison = book[SHEET_LIAISON]
    assert [c.value for c in liaison[1]] == LIAISON_COLUMNS
    values = {name: liaison.cell(2, col).value for col, name in enumerate(LIAISON_COLUMNS, start=1)}
    assert values == {"单位名称": "县财政局", "分管领导": None, "联络员": "王五", "职务": None,
                      "手机": "0731-2345678", "电子邮箱": "czj@example.cn"}
    assert liaison.cell(2, 1).protection.locked
    assert liaison.cell(2, LIAISON_COLUMNS.index("手机") + 1).number_format == "@"
    assert not any(liaison.cell(2, col).protection.locked for col in range(2, len(LIAISON_COLUMNS) + 1))


def test_password_protects_every_sheet(ready):
    generate_round(ready, password="秘密123")
    book = openpyxl.load_workbook(unit_file(ready, "县财政局"))
    for name in (SHEET_GUIDE, SHEET_LEDGER, SHEET_LIAISON):
        assert book[name].protection.password, name


def test_validations_prompts_and_lists_on_the_hidden_sheet(ready):
    generate_round(ready)
    book = openpyxl.load_workbook(unit_file(ready, "县财政局"))
    sheet = book[SHEET_LEDGER]
    by_range = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    letter = {name: openpyxl.utils.get_column_letter(LEDGER_COLUMNS.index(name) + 1) for name in LEDGER_COLUMNS}
    status, progress, material = (by_range[f"{letter[name]}3:{letter[name]}5"]
                                  for name in ("完成状态", "完成进度(%)", "材料提供方式"))
    assert status.type == "list" and status.formula1 == f"'{SHEET_LISTS}'!$A$1:$A$3"
    assert material.type == "list" and material.formula1 == f"'{SHEET_LISTS}'!$B$1:$B$3"
    assert (progress.type, progress.formula1, progress.formula2) == ("decimal", "0", "100")
    assert progress.operator in (None, "between")  # "between" is the default, often left out
    assert progress.showInputMessage and "0到100" in progress.prompt
    assert status.showErrorMessage and "未启动" in status.error
    lists = book[SHEET_LISTS]
    assert [lists.cell(r, 1).value for r in (1, 2, 3)] == STATUS_CHOICES
    assert [lists.cell(r, 2).value for r in (1, 2, 3)] == ["已附材料", "实地核查时提供", "情况说明"]
    headers = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation
               if str(dv.sqref).endswith(str(HEADER_ROW)) and ":" not in str(dv.sqref)}
    for col, name in enumerate(FILL_COLUMNS, start=len(GIVEN_COLUMNS) + 1):
        coord = f"{openpyxl.utils.get_column_letter(col)}{HEADER_ROW}"
        assert headers[coord].prompt, name


def test_view_and_print_settings(ready):
    generate_round(ready)
    sheet = openpyxl.load_workbook(unit_file(ready, "县财政局"))[SHEET_LEDGER]
    assert sheet.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert sheet.auto_filter.ref == f"A2:{LAST_LETTER}5"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    guide = openpyxl.load_workbook(unit_file(ready, "县财政局"))[SHEET_GUIDE]
    assert guide.page_setup.fitToHeight == 0  # as many pages as the guide takes
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.oddFooter.left.text == "县财政局"
    assert sheet.oddFooter.right.text == "第 &P 页 共 &N 页"
    cell = sheet.cell(FIRST_DATA_ROW, LEDGER_COLUMNS.index("工作任务") + 1)
    assert cell.alignment.wrap_text
    heights = [sheet.row_dimensions[r].height for r in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1)]
    assert heights[1] > heights[0] > 15  # task 2 is long: its row is taller


def test_recognition_properties_and_meta_sheet(ready):
    generate_round(ready)
    book = openpyxl.load_workbook(unit_file(ready, "县财政局"))
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props == {PROP_KIND: "台账", PROP_UNIT: "县财政局", PROP_ROUND: ROUND, PROP_CAMPAIGN: CAMPAIGN,
                     PROP_VERSION: TEMPLATE_VERSION}
    rows = [list(r) for r in book[SHEET_META].iter_rows(values_only=True)]
    keys = list(META_KEYS)
    assert [r[:2] for r in rows[: len(keys)]] == [
        ["单位", "县财政局"], ["轮次", ROUND], ["活动", CAMPAIGN], ["模板版本", TEMPLATE_VERSION], ["类型", "台账"]]
    assert rows[len(keys)] == META_TASKS_HEADER
    tasks = {t.id: t for t in sample_tasks()}
    assert rows[len(keys) + 1:] == [[i, fingerprint(tasks[i].text), role]
                                    for i, role in (("1", "牵头"), ("2", "牵头"), ("4", "责任"))]


def test_guide_sheet_names_campaign_unit_round_due_and_contact(ready):
    generate_round(ready)
    sheet = openpyxl.load_workbook(unit_file(ready, "乙镇人民政府"))[SHEET_GUIDE]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    for expected in (CAMPAIGN, "乙镇人民政府", ROUND, "2026年12月31日", "县司法局 张三 0731-1234567",
                     "实地核查时提供", "情况说明", "工作举措及成效"):
        assert expected in text
    assert "{" not in text


# ---------------------------------------------------------------- assignment


def test_assignment_direct_alias_group_and_both_ways(ready):
    result = generate_round(ready)
    made = {f.unit: (f.lead, f.responsible) for f in result.files}
    assert made == {"县财政局": (2, 1), "县教育局": (0, 2), "甲镇人民政府": (1, 1), "乙镇人民政府": (0, 2)}
    assert [(r["任务编号"], r["本单位职责"]) for r in ledger_rows(unit_file(ready, "甲镇人民政府"))] == [
        ("1", "责任"), ("3", "牵头")]  # named through 各镇政府 and directly: lead wins
    assert [(r["任务编号"], r["本单位职责"]) for r in ledger_rows(unit_file(ready, "乙镇人民政府"))] == [
        ("1", "责任"), ("3", "责任")]
    assert result.idle_units == ["县档案局"]
    assert not unit_file(ready, "县档案局").exists()
    assert not unit_file(ready, "各镇政府").exists()
    assert [t.id for t in result.tasks_without_units] == ["5"]
    assert result.tasks == 4


def test_distribution_list(ready):
    result = generate_round(ready)
    book = openpyxl.load_workbook(result.distribution)
    assert result.distribution == ready.round_dir(ROUND) / DISTRIBUTION_FILE
    rows = list(book["分发清单"].iter_rows(values_only=True))
    assert rows[0][:9] == ("序号", "单位名称", "联络员", "联系电话", "电子邮箱", "台账文件", "任务数", "牵头", "责任")
    assert rows[1][:9] == (1, "县财政局", "王五", "0731-2345678", "czj@example.cn", "台账/县财政局.xlsx", 3, 2, 1)
    assert [r[1] for r in rows[1:]] == ["县财政局", "县教育局", "甲镇人民政府", "乙镇人民政府"]
    assert [r[1] for r in book["无任务单位"].iter_rows(min_row=2, values_only=True)] == ["县档案局"]


def test_unresolved_names_stop_the_run_and_nothing_is_written(ws):
    tasks = sample_tasks()
    tasks[0].lead = ["县财正局"]
    tasks[3].responsible.append("各社区")
    prepare(ws, tasks, [*sample_units(), Unit(name="各社区", category=GROUP_CATEGORY)])
    with pytest.raises(UnresolvedUnitsError) as caught:
        generate_round(ws)
    message = str(caught.value)
    assert "任务分解表.xlsx「任务分解表」" in message
    assert "任务 1（第2行）的牵头单位「县财正局」不在单位名册中，最接近：县财政局" in message
    assert "「各社区」是集体称谓但没有成员" in message
    assert len(message.splitlines()) == 4
    assert isinstance(caught.value, ReportingError)
    assert not ws.round_dir(ROUND).exists()
    assert not ws.db_path.exists()


def test_skip_unresolved_writes_the_report_and_the_rest(ws):
    tasks = sample_tasks()
    tasks[0].lead = ["县财正局"]
    prepare(ws, tasks)
    result = generate_round(ws, skip_unresolved=True)
    assert result.unresolved_report == ws.round_dir(ROUND) / UNRESOLVED_FILE
    rows = list(openpyxl.load_workbook(result.unresolved_report).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("任务编号", "任务分解表行号", "工作任务", "单位名称")
    assert rows[1][0] == "1" and rows[1][1] == 2 and rows[1][3] == "县财正局" and "县财政局" in rows[1][6]
    assert [r["任务编号"] for r in ledger_rows(unit_file(ws, "县财政局"))] == ["2", "4"]
    # fixed in the roster: the next run drops the stale report
    prepare(ws)
    assert generate_round(ws).unresolved_report is None
    assert not (ws.round_dir(ROUND) / UNRESOLVED_FILE).exists()


# ---------------------------------------------------------------- bad input: clear message, nothing written


def _break_ledger(ws: Workspace, cell: str, value: object) -> None:
    book = openpyxl.load_workbook(ws.ledger_path)
    book.active[cell] = value
    book.save(ws.ledger_path)


@pytest.mark.parametrize(("cell", "value", "expected"), [
    ("E3", None, "第3行：工作任务为空（任务编号 2）"),
    ("A4", "1", "第4行：任务编号 1 与第2行重复"),
    ("A1", None, "第1行缺少表头：任务编号"),
])
def test_bad_ledger_names_sheet_and_row(ready, cell, value, expected):
    _break_ledger(ready, cell, value)
    with pytest.raises(LedgerError) as caught:
        generate_round(ready)
    assert "任务分解表.xlsx「任务分解表」" in str(caught.value) and expected in str(caught.value)
    assert not ready.round_dir(ROUND).exists()


def test_a_ledger_naming_no_unit_at_all(ws):
    tasks = sample_tasks()
    for task in tasks:
        task.lead, task.responsible = [], []
    prepare(ws, tasks)
    with pytest.raises(LedgerError, match="没有任何任务分到单位"):
        generate_round(ws)
    assert not ws.round_dir(ROUND).exists()


def test_roster_row_without_a_unit_name(ready):
    book = openpyxl.load_workbook(ready.roster_path)
    book.active["A3"] = None  # 县教育局's row keeps its category but loses its name
    book.save(ready.roster_path)
    with pytest.raises(LedgerError, match=r"单位名册\.xlsx「单位名册」：第3行：单位名称为空"):
        generate_round(ready)
    assert not ready.round_dir(ROUND).exists()


def test_a_failed_regeneration_leaves_the_earlier_files_untouched(ready):
    generate_round(ready)
    before = snapshot(ready.round_dir(ROUND))
    _break_ledger(ready, "F2", "县财正局")
    with pytest.raises(UnresolvedUnitsError):
        generate_round(ready)
    assert snapshot(ready.round_dir(ROUND)) == before


# ---------------------------------------------------------------- template


def _workspace_template(ws: Workspace) -> Path:
    path = ws.templates / "xlsx" / builtin_template("xlsx").name
    assert path.exists()  # init copied it
    return path


def test_workspace_template_changes_title_fill_width_and_guide(ready):
    path = _workspace_template(ready)
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET_LEDGER]
    sheet["A1"] = "{单位}{轮次}法治建设任务台账"
    header = sheet.cell(HEADER_ROW, LEDGER_COLUMNS.index("完成状态") + 1)
    header.fill = openpyxl.styles.PatternFill("solid", fgColor="FF00B050")
    sheet.column_dimensions["J"].width = 50.71  # 工作举措及成效: Excel shows 50
    guide = book[SHEET_GUIDE]
    guide["A2"] = "本次活动：{活动}，请{单位}于{截止日期}前报送。"
    guide["A20"] = "咨询电话：{联系人}"
    book.save(path)
    generate_round(ready)
    out = openpyxl.load_workbook(unit_file(ready, "县财政局"))
    sheet = out[SHEET_LEDGER]
    assert sheet["A1"].value == f"县财政局{ROUND}法治建设任务台账"
    assert sheet.cell(HEADER_ROW, LEDGER_COLUMNS.index("完成状态") + 1).fill.fgColor.rgb.endswith("00B050")
    assert sheet.column_dimensions["J"].width == pytest.approx(50.71, abs=0.01)
    texts = [c.value for c in out[SHEET_GUIDE]["A"]]
    assert f"本次活动：{CAMPAIGN}，请县财政局于2026年12月31日前报送。" in texts
    assert "咨询电话：县司法局 张三 0731-1234567" in texts


def test_template_missing_a_fill_column_stops_before_writing(ready):
    path = _workspace_template(ready)
    book = openpyxl.load_workbook(path)
    book[SHEET_LEDGER].cell(HEADER_ROW, LEDGER_COLUMNS.index("佐证材料") + 1).value = "证明材料"
    book.save(path)
    with pytest.raises(TemplateError) as caught:
        generate_round(ready)
    assert "templates/xlsx/工作台账模板.xlsx「工作台账」" in str(caught.value)
    assert "缺少填报列：佐证材料" in str(caught.value)
    assert not ready.round_dir(ROUND).exists()


def test_template_with_an_unknown_placeholder_is_refused(ready):
    path = _workspace_template(ready)
    book = openpyxl.load_workbook(path)
    book[SHEET_LEDGER]["A1"] = "{单位名}工作台账"
    book.save(path)
    with pytest.raises(TemplateError, match=r"无法识别的占位符 \{单位名\}"):
        generate_round(ready)


# ---------------------------------------------------------------- the store and pre-filling


def test_round_recorded_in_the_store_and_replaced_on_regeneration(ready):
    generate_round(ready)
    conn = connect(ready.db_path)
    first = dict(conn.execute("SELECT * FROM rounds").fetchone())
    assert first["name"] == ROUND and first["due"] == "2026-12-31" and first["campaign"] == CAMPAIGN
    task = conn.execute("SELECT * FROM round_tasks WHERE task_id = '1'").fetchone()
    assert task["area"] == AREA and loads(task["path"]) == [AREA, "1.深化行政审批制度改革"]
    assert loads(task["lead"]) == ["县财政局"] and loads(task["responsible"]) == ["各镇政府"]
    assert loads(task["targets"]) == ["网上可办率≥80%"] and task["fingerprint"] == fingerprint(task["text"])
    assert [r[0] for r in conn.execute("SELECT task_id FROM round_tasks ORDER BY seq")] == ["1", "2", "3", "4"]
    assert conn.execute("SELECT role FROM assignments WHERE unit = '甲镇人民政府' AND task_id = '3'").fetchone()[0] \
        == "牵头"
    assert conn.execute("SELECT count(*) FROM assignments").fetchone()[0] == 9
    assert conn.execute("SELECT count(*) FROM units").fetchone()[0] == len(sample_units())
    conn.close()
    tasks = sample_tasks()
    tasks[0].lead, tasks[1].lead, tasks[3].responsible = ["县教育局"], ["县教育局"], ["县教育局"]
    prepare(ready, tasks, sample_units()[1:])
    generate_round(ready, due=date(2027, 1, 15))
    conn = connect(ready.db_path)
    again = dict(conn.execute("SELECT * FROM rounds").fetchone())
    assert again["due"] == "2027-01-15" and again["generated_at"] == first["generated_at"]
    assert conn.execute("SELECT count(*) FROM assignments WHERE unit = '县财政局'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM units").fetchone()[0] == len(sample_units()) - 1
    conn.close()
    assert not unit_file(ready, "县财政局").exists()  # no longer has tasks: its old file is gone


def test_a_file_that_cannot_be_written_leaves_the_store_as_it_was(ready, monkeypatch):
    real = generate_module.write_unit_workbook

    def held_open(path, *args, **kwargs):
        if path.stem == "县教育局":
            raise WorkspaceError(f"无法写入 {path.name}：文件可能正在 Excel/WPS 中打开，请关闭后重试")
        real(path, *args, **kwargs)

    monkeypatch.setattr(generate_module, "write_unit_workbook", held_open)
    with pytest.raises(WorkspaceError, match=r"县教育局\.xlsx"):
        generate_round(ready)
    conn = connect(ready.db_path)
    assert conn.execute("SELECT count(*) FROM rounds").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM assignments").fetchone()[0] == 0
    conn.close()
    assert not (ready.round_dir(ROUND) / DISTRIBUTION_FILE).exists()


def _accepted_answers(ws: Workspace) -> None:
    """An earlier round with 县财政局's return: task 1 accepted, task 2 rejected, and a superseded return."""
    conn = connect(ws.db_path)
    conn.execute("INSERT INTO rounds (name, due, campaign, generated_at) VALUES "
                 "('2026年第三季度', '2026-09-30', ?, '2026-09-01T09:00:00')", (CAMPAIGN,))
    conn.execute("INSERT INTO files (hash, name, inbox_path, archive_path, size, seen_at, status) VALUES "
                 "('h1', 'a.xlsx', 'inbox/a.xlsx', 'archive/h1.xlsx', 1, '2026-09-20', 'read')")
    for sid, superseded in ((1, 2), (2, None)):
        conn.execute("INSERT INTO submissions (id, file_hash, round, unit, recognized_by, read_at, verdict, "
                     "superseded_by) VALUES (?, 'h1', '2026年第三季度', '县财政局', 'property', '2026-09-20', "
                     "'已接收', ?)", (sid, superseded))
    conn.execute("INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures) "
                 "VALUES (1, '4', 1, '已完成', 100, '旧的答复')")
    conn.execute("INSERT INTO answers (submission_id, task_id, accepted, status, progress, measures, evidence, "
                 "evidence_mode, problems, next_steps, target_value, owner) VALUES (2, '1', 1, '推进中', 60.0, "
                 "'制定方案并公布清单', '清单文件', '已附材料', '人手不足', '年底前完成', '网上可办率85%', '张伟')")
    conn.execute("INSERT INTO answers (submission_id, task_id, accepted, status, progress) "
                 "VALUES (2, '2', 0, '已完成', 150)")
    conn.close()


def test_prefilled_from_the_latest_accepted_answers_of_an_earlier_round(ready):
    _accepted_answers(ready)
    result = generate_round(ready)
    rows = {r["任务编号"]: r for r in ledger_rows(unit_file(ready, "县财政局"))}
    assert {k: rows["1"][k] for k in FILL_COLUMNS} == {
        "完成状态": "推进中", "完成进度(%)": 60, "工作举措及成效": "制定方案并公布清单",
        "量化指标完成值": "网上可办率85%", "佐证材料": "清单文件", "材料提供方式": "已附材料",
        "存在问题": "人手不足", "下一步计划": "年底前完成", "责任人": "张伟"}
    assert all(rows["2"][k] is None for k in FILL_COLUMNS)  # rejected row
    assert all(rows["4"][k] is None for k in FILL_COLUMNS)  # superseded return
    assert {f.unit: f.prefilled for f in result.files}["县财政局"] == 1
    assert result.prefilled_units == 1
    sheet = openpyxl.load_workbook(unit_file(ready, "县财政局"))[SHEET_LEDGER]
    assert not sheet.cell(FIRST_DATA_ROW, LEDGER_COLUMNS.index("完成状态") + 1).protection.locked


def test_worker_processes_read_each_units_earlier_answers_themselves(ready, monkeypatch):
    """In pool mode each worker reads its units' accepted answers from the store (nothing handed over)."""
    import reporting.generate as generate

    _accepted_answers(ready)
    monkeypatch.setattr(generate, "POOL_THRESHOLD", 1)
    result = generate_round(ready, workers=2)
    assert len(result.files) > 1 and {f.unit: f.prefilled for f in result.files}["县财政局"] == 1
    assert result.prefilled_units == 1
    rows = {r["任务编号"]: r for r in ledger_rows(unit_file(ready, "县财政局"))}
    assert (rows["1"]["完成状态"], rows["1"]["责任人"]) == ("推进中", "张伟") and rows["2"]["完成状态"] is None


def test_blank_turns_pre_filling_off(ready):
    _accepted_answers(ready)
    result = generate_round(ready, blank=True)
    rows = ledger_rows(unit_file(ready, "县财政局"))
    assert all(r[k] is None for r in rows for k in FILL_COLUMNS)
    assert result.prefilled_units == 0


def test_liaison_sheet_takes_what_the_unit_last_reported_under_the_rosters_contacts(ready):
    conn = connect(ready.db_path)
    conn.execute("INSERT INTO liaisons (unit, leader, liaison, post, mobile, email) VALUES "
                 "('县财政局', '赵局长', '旧联络员', '科员', '13900000000', 'old@example.cn')")
    conn.close()
    generate_round(ready, blank=True)
    sheet = openpyxl.load_workbook(unit_file(ready, "县财政局"))[SHEET_LIAISON]
    values = {name: sheet.cell(2, col).value for col, name in enumerate(LIAISON_COLUMNS, start=1)}
    assert values == {"单位名称": "县财政局", "分管领导": "赵局长", "联络员": "王五", "职务": "科员",
                      "手机": "0731-2345678", "电子邮箱": "czj@example.cn"}


def test_empty_store_and_a_store_without_answers(ready):
    connect(ready.db_path).close()
    assert generate_round(ready).prefilled_units == 0
    assert generate_round(ready).prefilled_units == 0  # regenerating: the round exists, still no answers


# ---------------------------------------------------------------- progress, workers, names


def test_progress_hook_and_worker_processes_give_the_same_files(ready, monkeypatch):
    calls: list[tuple[int, int, str]] = []
    generate_round(ready, progress=lambda done, total, label: calls.append((done, total, label)))
    assert [c[:2] for c in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    serial = {p.name: ledger_rows(p) for p in (ready.round_dir(ROUND) / LEDGER_DIR).glob("*.xlsx")}
    monkeypatch.setattr(generate_module, "POOL_THRESHOLD", 1)
    monkeypatch.setattr(generate_module, "START_METHOD", "spawn")
    calls.clear()
    generate_round(ready, workers=2, progress=lambda done, total, label: calls.append((done, total, label)))
    assert sorted(c[2] for c in calls) == sorted(["县财政局", "县教育局", "甲镇人民政府", "乙镇人民政府"])
    pooled = {p.name: ledger_rows(p) for p in (ready.round_dir(ROUND) / LEDGER_DIR).glob("*.xlsx")}
    assert pooled == serial


def test_file_names_are_windows_safe(ws):
    units = [*sample_units(), Unit(name='县"智慧城市"办公室:试点', category="部门")]
    tasks = sample_tasks()
    tasks[4].lead = ['县"智慧城市"办公室:试点']
    prepare(ws, tasks, units)
    result = generate_round(ws)
    made = {f.unit: f.path.name for f in result.files}
    assert made['县"智慧城市"办公室:试点'] == "县_智慧城市_办公室_试点.xlsx"
    assert openpyxl.load_workbook(unit_file(ws, "县_智慧城市_办公室_试点"))[SHEET_LEDGER]["A1"].value.startswith(
        '县"智慧城市"办公室:试点')


def test_round_from_option_and_missing_round(ready):
    generate_round(ready, round_name="2027年第一季度")
    assert unit_file(ready, "县财政局", "2027年第一季度").exists()
    ready.save_settings(Settings(campaign=CAMPAIGN))
    with pytest.raises(ReportingError, match="未指定填报轮次"):
        generate_round(ready)


# ---------------------------------------------------------------- CLI


def test_cli_generate_prints_the_summary(ready):
    result = CliRunner().invoke(generate_command, ["-w", str(ready.root), "--due", "2026年12月20日"])
    assert result.exit_code == 0, result.output
    assert f"已为 4 个单位生成“{ROUND}”工作台账 → outbox/{ROUND}/台账/" in result.output
    assert "截止日期 2026年12月20日" in result.output
    assert f"分发清单 → outbox/{ROUND}/分发清单.xlsx" in result.output
    assert "名册中没有任务的单位（未生成台账）1 个：县档案局" in result.output
    assert "未注明牵头或责任单位的任务（未分发）：5" in result.output
    conn = sqlite3.connect(ready.db_path)
    assert conn.execute("SELECT due FROM rounds").fetchone()[0] == "2026-12-20"
    conn.close()


def test_cli_unresolved_unit_exits_1_with_one_chinese_line(ws):
    tasks = sample_tasks()
    tasks[0].lead = ["县财正局"]
    prepare(ws, tasks)
    result = CliRunner().invoke(generate_command, ["-w", str(ws.root)])
    assert result.exit_code == 1
    assert result.output.startswith("错误：任务分解表.xlsx「任务分解表」：任务 1（第2行）的牵头单位「县财正局」")
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not ws.round_dir(ROUND).exists()


def test_cli_bad_due_date(ready):
    result = CliRunner().invoke(generate_command, ["-w", str(ready.root), "--due", "年底"])
    assert result.exit_code == 1
    assert result.output.strip() == "错误：截止日期「年底」无法识别，请写成 2026-12-31 的形式"


def test_cli_generate_is_a_reporting_command(ready):
    from reporting.cli import main

    result = CliRunner().invoke(main, ["generate", "-w", str(ready.root), "--round", "2027年第一季度", "--blank"])
    assert result.exit_code == 0, result.output
    assert unit_file(ready, "县财政局", "2027年第一季度").exists()


def test_cli_help_is_chinese():
    result = CliRunner().invoke(generate_command, ["-h"])
    assert result.exit_code == 0
    for option in ("--round", "--due", "--blank", "--password", "--skip-unresolved"):
        assert option in result.output
    assert "工作台账" in result.output
