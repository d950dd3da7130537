"""The workspace: a folder holding settings, ledger, roster, inbox, archive, store and outbox."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import WorkspaceError
from .fileio import display_path, write_text_atomic
from .naming import file_stem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SETTINGS_FILE = "reporting.toml"
LEDGER_FILE = "任务分解表.xlsx"
ROSTER_FILE = "单位名册.xlsx"
DB_FILE = "reporting.db"
WORKBOOK_TEMPLATE = "工作台账模板.xlsx"
REPORT_TEMPLATE = "自评报告模板.docx"


@dataclass
class Settings:
    """reporting.toml, with the keys the coordinator edits written in Chinese."""

    campaign: str = "法治政府建设示范创建"
    signers: list[str] = field(default_factory=lambda: ["法治政府建设领导小组办公室"])
    default_deadline: str = ""
    round_name: str = ""
    round_due: date | None = None
    contact: str = ""  # 联系人及电话, shown in 填报说明
    report_date: date | None = None  # 成文日期 of the 自评报告; None: the day it is written

    @classmethod
    def from_toml(cls, data: dict) -> Settings:
        campaign = data.get("活动", {})
        round_ = data.get("轮次", {})
        due = round_.get("截止日期") or None
        if isinstance(due, str):
            due = date.fromisoformat(due)
        report_date = data.get("报告", {}).get("成文日期") or None
        if isinstance(report_date, str):
            report_date = date.fromisoformat(report_date)
        signers = campaign.get("落款单位", cls().signers)
        if isinstance(signers, str):
            signers = [signers]
        return cls(
            campaign=campaign.get("名称", cls.campaign),
            signers=list(signers),
            default_deadline=str(campaign.get("默认完成时限", "")),
            round_name=str(round_.get("名称", "")),
            round_due=due,
            contact=str(campaign.get("联系人", "")),
            report_date=report_date,
        )

    def to_toml(self) -> str:
        signers = ", ".join(_toml_str(s) for s in self.signers)
        due = self.round_due.isoformat() if self.round_due else ""
        return (
            "# 法治政府建设创建工作台账工具的活动设置（可用记事本修改）\n\n"
            "[\"活动\"]\n"
            f"\"名称\" = {_toml_str(self.campaign)}\n"
            f"\"落款单位\" = [{signers}]\n"
            f"\"联系人\" = {_toml_str(self.contact)}\n"
            "# 方案未写明完成时限的任务按此填写，如 2019-12-31 或 长期；留空则按方案原文\n"
            f"\"默认完成时限\" = {_toml_str(self.default_deadline)}\n\n"
            "[\"轮次\"]\n"
            "# 当前填报轮次，如 2026年第四季度\n"
            f"\"名称\" = {_toml_str(self.round_name)}\n"
            f"\"截止日期\" = {_toml_str(due)}\n\n"
            "[\"报告\"]\n"
            "# 自评报告的成文日期，如 2026-12-31；留空则为生成报告的当天\n"
            f"\"成文日期\" = {_toml_str(self.report_date.isoformat() if self.report_date else '')}\n"
        )


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class Workspace:
    """Paths of one workspace; nothing here reads or writes the files themselves except settings."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_FILE

    @property
    def roster_path(self) -> Path:
        return self.root / ROSTER_FILE

    @property
    def db_path(self) -> Path:
        return self.root / DB_FILE

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    def round_dir(self, round_name: str) -> Path:
        return self.outbox / file_stem(round_name)

    def show(self, path: Path) -> str:
        """A path as the user knows it, relative to the workspace."""
        return display_path(path, self.root)

    def settings(self) -> Settings:
        if not self.settings_path.exists():
            return Settings()
        try:
            data = tomllib.loads(self.settings_path.read_text(encoding="utf-8"))
            return Settings.from_toml(data)
        except (tomllib.TOMLDecodeError, ValueError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"设置文件格式有误：{exc}", file=self.show(self.settings_path)) from exc

    def save_settings(self, settings: Settings) -> None:
        write_text_atomic(self.settings_path, settings.to_toml(), self.root)

    def require(self, path: Path, hint: str) -> Path:
        """The path, or a clear message saying which command makes it."""
        if not path.exists():
            raise WorkspaceError(f"找不到 {self.show(path)}，{hint}")
        return path

    def round_name(self, given: str | None) -> str:
        name = given or self.settings().round_name
        if not name:
            raise WorkspaceError(f"未指定填报轮次：请用 --round 指定，或在 {SETTINGS_FILE} 的 [轮次] 中填写名称")
        return name

