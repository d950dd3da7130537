"""Simulated units for the demo: fill generated workbooks the way liaisons do, mess included.

Seeded, so the same demo gives the same returns every time.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import openpyxl
from python_calamine import CalamineWorkbook

from .vocabulary import MATERIAL_ATTACHED, MATERIAL_ON_SITE, STATUS_DONE, STATUS_NOT_STARTED, STATUS_ONGOING
from .workbook_spec import FIRST_DATA_ROW, HEADER_ROW, SHEET_LEDGER, SHEET_LIAISON

ACTIONS = [
    "制定印发《{topic}工作方案》，明确责任分工和时间节点",
    "召开专题推进会{n1}次，逐项对照任务清单抓落实",
    "组织业务培训{n1}场，参训人员{n2}人次",
    "完成相关事项梳理{n2}项，已在政府门户网站公开",
    "建立工作台账，实行月调度、季通报",
    "开展专项检查{n1}次，发现问题{n3}个，已全部整改",
    "办理相关事项{n2}件，按期办结率100%",
    "邀请法律顾问参与审核把关{n1}次",
]
PROBLEMS = [
    "基层工作力量不足，专业人员偏少",
    "部分工作人员对新规定理解不够深入",
    "信息化支撑不足，数据共享不畅",
    "工作经费保障有待加强",
    "",
    "",
]
NEXT_STEPS = [
    "继续加强业务培训，提升工作人员法治素养",
    "完善长效机制，确保任务按期完成",
    "加大督促检查力度，及时通报进展",
    "推进信息化建设，提高工作效率",
]
OWNERS = ["张伟", "王芳", "李娜", "刘洋", "陈静、赵磊", ""]
TOPICS = ["依法行政", "规范执法", "政务公开", "矛盾化解", "决策规范", "营商环境"]


@dataclass
class UnitBehaviour:
    """How one simulated unit answers: how far along it is, and what goes wrong."""

    unit: str
    returns: bool = True
    late: bool = False
    error: str = ""  # "" | "bad_status" | "done_without_evidence" | "progress_out_of_range"
    fmt: str = "xlsx"  # "xlsx" | "xls" | "zip"
    renamed_to: str = ""  # a file name as people send them
    evidence_zip: bool = False  # sends its 佐证材料 in a zip of their own, beside the workbook


def fill_workbook(source: Path, target: Path, behaviour: UnitBehaviour, rng: random.Random) -> None:
    """Fill the unit's workbook with plausible answers and save it where the unit would send it."""
    book = openpyxl.load_workbook(source)
    sheet = book[SHEET_LEDGER]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}
    rows = range(FIRST_DATA_ROW, sheet.max_row + 1)
    for index, row in enumerate(rows):
        if sheet.cell(row, columns["任务编号"]).value in (None, ""):
            continue
        _fill_row(sheet, row, columns, rng, spoil=behaviour.error if index == 0 else "")
    if SHEET_LIAISON in book.sheetnames:
        liaison = book[SHEET_LIAISON]
        liaison.cell(2, 2).value = "分管副职"
        liaison.cell(2, 4).value = "法制股股长"
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)


def _fill_row(sheet, row: int, columns: dict, rng: random.Random, spoil: str) -> None:
    for header, value in answers(rng, spoil).items():
        if header in columns and value != "":
            sheet.cell(row, columns[header]).value = value


def answers(rng: random.Random, spoil: str = "") -> dict[str, object]:
    """A unit's answer to one task: a value (maybe "") for every fill-in column, spoiled as asked."""
    roll = rng.random()
    status = STATUS_DONE if roll < 0.55 else STATUS_ONGOING if roll < 0.9 else STATUS_NOT_STARTED
    progress = 100 if status == STATUS_DONE else 0 if status == STATUS_NOT_STARTED else rng.choice([30, 50, 60, 80])
    values = {
        "完成状态": status,
        "完成进度(%)": progress,
        "工作举措及成效": _measures(rng) if status != STATUS_NOT_STARTED else "",
        "量化指标完成值": "",
        "佐证材料": "工作方案、会议纪要、培训签到表" if status == STATUS_DONE else "",
        "材料提供方式": rng.choice([MATERIAL_ATTACHED, MATERIAL_ON_SITE]) if status == STATUS_DONE else "",
        "存在问题": rng.choice(PROBLEMS),
        "下一步计划": rng.choice(NEXT_STEPS),
        "责任人": OWNERS[int(roll * 1000) % len(OWNERS)],  # from the roll: the random sequence stays as it was
    }
    if spoil == "bad_status":
        values["完成状态"] = "基本完成吧"
    elif spoil == "done_without_evidence":
        values.update({"完成状态": STATUS_DONE, "完成进度(%)": 100, "佐证材料": "", "材料提供方式": ""})
    elif spoil == "progress_out_of_range":
        values["完成进度(%)"] = 150
    return values


def _measures(rng: random.Random) -> str:
    picked = rng.sample(ACTIONS, 3)
    numbers = {"n1": rng.randint(2, 6), "n2": rng.randint(20, 300), "n3": rng.randint(1, 9),
               "topic": rng.choice(TOPICS)}
    return "；".join(p.format(**numbers) for p in picked) + "。"


def save_as_xls(source: Path, target: Path | BinaryIO,
                extra: dict[str, list[tuple[int, int, object]]] | None = None) -> None:
    """Write every sheet's values to a legacy .xls, as when a unit uses 'Save as Excel 97-2003'; `extra`: more
    cells (row, column, value; 0-based) per sheet name."""
    import xlwt

    book = CalamineWorkbook.from_path(str(source))
    out = xlwt.Workbook(encoding="utf-8")
    for name in book.sheet_names:
        sheet = out.add_sheet(name)
        for r, row in enumerate(book.get_sheet_by_name(name).to_python()):
            for c, value in enumerate(row):
                if value not in ("", None):
                    sheet.write(r, c, value)
        for r, c, added in (extra or {}).get(name, []):
            sheet.write(r, c, added)
    out.save(str(target) if isinstance(target, Path) else target)


class _GbkZipInfo(zipfile.ZipInfo):
    """A member name in GBK without the UTF-8 flag, as zips made on Chinese Windows have."""

    def _encodeFilenameFlags(self):  # zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_with_gbk_names(members: dict[str, bytes], target: Path) -> None:
    target.write_bytes(gbk_zip(members))


def gbk_zip(members: dict[str, bytes],
            date_time: tuple[int, int, int, int, int, int] = (2026, 11, 20, 9, 30, 0)) -> bytes:
    """A .zip of `members` (name → bytes) as Chinese Windows writes one: GBK names, no UTF-8 flag."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = _GbkZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def set_sent_time(path: Path, when: datetime) -> None:
    """The file's modification time: when the unit sent it (collect orders resent files by it)."""
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))
