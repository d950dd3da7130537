"""The workspace: a folder holding settings, ledger, roster, inbox, archive, store and outbox."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .errors import WorkspaceError
from .fileio import display_path, write_text_atomic
from .models import LONG_TERM, parse_day
from .naming import file_stem
from .vocabulary import WORD_CHOICES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SETTINGS_FILE = "reporting.toml"
LEDGER_FILE = "任务分解表.xlsx"
ROSTER_FILE = "单位名册.xlsx"
INDICATORS_FILE = "指标体系.xlsx"
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
    report_date: date | None = None  # 成文日期 of the 自评报告; None: the day it is written (not before as-of)
    addressee: str = ""  # 主送机关 of the 自评报告; "" for none
    examples_per_area: int = 2  # how many pieces of work the report quotes per area
    words: dict[str, list[str]] = field(default_factory=dict)  # [词表]: 完成状态/材料提供方式 choice → words
    mail: dict = field(default_factory=dict)  # [邮件] as written; reporting.mail.settings reads and checks it

    @classmethod
    def from_toml(cls, data: dict) -> Settings:
        """The settings from parsed TOML; a wrong value names its key, the value and the expected form."""
        read = _SettingsReader(data)
        default = cls()
        signers = read.text_or_list("活动", "落款单位", default.signers)
        return cls(
            campaign=read.text("活动", "名称", default.campaign),
            signers=signers,
            default_deadline=read.deadline("活动", "默认完成时限"),
            round_name=read.text("轮次", "名称", ""),
            round_due=read.date("轮次", "截止日期"),
            contact=read.text("活动", "联系人", ""),
            report_date=read.date("报告", "成文日期"),
            words=read.words("词表"),
            addressee=read.text("报告", "主送机关", ""),
            examples_per_area=read.whole("报告", "每领域事例数", default.examples_per_area, 1, 10),
            mail=dict(read._section("邮件")),
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
            "[\"词表\"]\n"
            "# 各单位填写的完成状态、材料提供方式除下拉选项和内置的常见写法外，还可以按此读取，如：\n"
            "# \"推进中\" = [\"按时序推进\", \"正在攻坚\"]\n"
            "# 键为 已完成、推进中、未启动、已附材料、实地核查时提供、情况说明 之一\n"
            + "".join(f"{_toml_str(key)} = [{', '.join(_toml_str(w) for w in words)}]\n"
                      for key, words in self.words.items())
            + "\n"
            "[\"报告\"]\n"
            "# 自评报告的成文日期，如 2026-12-31；留空则为生成报告的当天（早于统计截至日期时取截至日期）\n"
            f"\"成文日期\" = {_toml_str(self.report_date.isoformat() if self.report_date else '')}\n"
            "# 主送机关，如 县委全面依法治县委员会办公室；留空则不写主送机关\n"
            f"\"主送机关\" = {_toml_str(self.addressee)}\n"
            "# 自评报告“主要工作及成效”每个领域举出的事例数（1–10，按成效择优，见 README）\n"
            f"\"每领域事例数\" = {self.examples_per_area}\n"
            + _mail_toml(self.mail)
        )


class _SettingsReader:
    """Typed reads from the parsed TOML; each refusal names the key, the value and the expected form."""

    def __init__(self, data: dict) -> None:
        self.data = data

    def _section(self, section: str) -> dict:
        found = self.data.get(section, {})
        if not isinstance(found, dict):
            raise SettingsError(f"「{section}」应为一节（[\"{section}\"]），而不是 {_shown(found)}")
        return found

    def _value(self, section: str, key: str):
        return self._section(section).get(key)

    def text(self, section: str, key: str, default: str) -> str:
        value = self._value(section, key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise _wrong(section, key, value, "文字，写在英文双引号中，如 \"某县法治政府建设示范创建\"")
        return value.strip()

    def text_or_list(self, section: str, key: str, default: list[str]) -> list[str]:
        value = self._value(section, key)
        if value is None:
            return list(default)
        if isinstance(value, str):
            return [value.strip()] if value.strip() else list(default)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return [item.strip() for item in value if item.strip()] or list(default)
        raise _wrong(section, key, value, "文字或文字列表，如 [\"县人民政府\", \"县司法局\"]")

    def date(self, section: str, key: str) -> date | None:
        value = self._value(section, key)
        if value is None or value == "":
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            found = parse_day(value)
            if found is not None:
                return found
        raise _wrong(section, key, value, "日期，如 \"2026-12-31\" 或 \"2026年12月31日\"；不填请留空 \"\"")

    def words(self, section: str) -> dict[str, list[str]]:
        """[词表]: each key a dropdown choice (已完成, 推进中, 未启动, 已附材料, 实地核查时提供, 情况说明), each value
        the words to read as it: a list, or one text with the words 、-separated."""
        found: dict[str, list[str]] = {}
        for key, value in self._section(section).items():
            if key not in WORD_CHOICES:
                choices = "、".join(WORD_CHOICES)
                raise SettingsError(f"[{section}] 中的「{key}」不是可选的填报值，应为以下之一：{choices}")
            if isinstance(value, str):
                value = re.split(r"[、，,；;]", value)
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise _wrong(section, key, value, "词语列表，如 [\"基本完成\", \"已落实\"]，或用顿号分隔的文字")
            found[key] = [item.strip() for item in value if item.strip()]
        return found
    def whole(self, section: str, key: str, default: int, low: int, high: int) -> int:
        value = self._value(section, key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _wrong(section, key, value, f"{low} 到 {high} 的整数，不加引号，如 {default}")
        return value

    def deadline(self, section: str, key: str) -> str:
        value = self._value(section, key)
        if value is None or value == "":
            return ""
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str):
            text = value.strip()
            found = parse_day(text)
            if text == LONG_TERM or found is not None:
                return found.isoformat() if found else text
        raise _wrong(section, key, value, f"日期（如 \"2019-12-31\"）或 \"{LONG_TERM}\"；不填请留空 \"\"")


class SettingsError(WorkspaceError):
    """reporting.toml holds a value of the wrong form."""


def _shown(value) -> str:
    if isinstance(value, str):
        return f"\"{value}\""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "一节"
    return str(value)


def _wrong(section: str, key: str, value, expected: str) -> SettingsError:
    return SettingsError(f"[{section}] {key} = {_shown(value)} 不对，应为{expected}")


def read_settings_text(data: bytes) -> str:
    """reporting.toml as text: UTF-8 with or without a BOM (Notepad), else GBK/GB18030 (older Notepad)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _toml_message(exc: Exception) -> str:
    """tomllib's English message in Chinese terms: where, and the usual causes."""
    where = _TOML_WHERE.search(str(exc))
    place = f"第 {where.group(1)} 行第 {where.group(2)} 列" if where else "某处"
    return (f"{place}不符合设置文件的写法（{exc}）；每行应为 \"键\" = \"值\"，文字放在英文双引号中，"
            f"节名写成 [\"轮次\"]")


def _key_pattern(name: str) -> str:
    return rf"(?:\"{name}\"|'{name}'|{name})"


def _set_keys(text: str, section: str, values: dict[str, str]) -> str:
    """The TOML text with `key = value` set in [section] for each key, everything else untouched."""
    lines = text.splitlines()
    header = re.compile(rf"^\s*\[\s*{_key_pattern(section)}\s*\]\s*(?:#.*)?$")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        lines += ["", f'["{section}"]']
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    for key, value in values.items():
        pattern = re.compile(rf"^\s*{_key_pattern(key)}\s*=")
        line = f'"{key}" = {value}'
        found = next((i for i in range(start + 1, end) if pattern.match(lines[i])), None)
        if found is None:
            lines.insert(start + 1, line)
            end += 1
        else:
            lines[found] = line
    return "\n".join(lines) + "\n"


def find_workspace(start: Path) -> Path | None:
    """The folder holding reporting.toml, looking in `start` and then upward; else the nearest folder that
    is a workspace without one (reporting.db, or inbox/ beside outbox/, as the repository root is)."""
    start = start.resolve()
    folders = [start, *start.parents]
    for folder in folders:
        if (folder / SETTINGS_FILE).is_file():
            return folder
    for folder in folders:
        if (folder / DB_FILE).is_file() or ((folder / "inbox").is_dir() and (folder / "outbox").is_dir()):
            return folder
    return None


# [邮件]: the keys as users and scripts write them, with what reporting.toml shows before they are filled in
# (reporting/mail/settings.py reads and checks them). The password is never written here.
MAIL_PASSWORD_ENV = "REPORTING_MAIL_PASSWORD"
MAIL_MAX_MB = 30
MAIL_DEFAULTS: dict[str, object] = {
    "发件服务器": "", "发件端口": "", "收件服务器": "", "收件端口": "", "加密": "SSL",
    "账号": "", "发件人": "", "收件文件夹": "INBOX", "邮件大小上限": MAIL_MAX_MB,
}
MAIL_HELP = [
    "# 用邮件发送台账和催报、从邮箱收取回报时填写（不用邮件可留空）。加密：SSL、STARTTLS 或 无；",
    "# 端口留空时按加密方式取默认值（SSL：发件 465、收件 993；STARTTLS：587、143）。",
    f"# 密码不写在这里：运行时输入，或设置环境变量 {MAIL_PASSWORD_ENV}。邮件大小上限以 MB 计，超过的邮件不下载。",
]


def _mail_toml(mail: dict) -> str:
    """[邮件], kept as the coordinator wrote it; the keys and their defaults listed when not filled in yet."""
    lines = ["", "[\"邮件\"]", *MAIL_HELP]
    for key, default in [*MAIL_DEFAULTS.items(), *((k, v) for k, v in mail.items() if k not in MAIL_DEFAULTS)]:
        value = mail.get(key, default)
        shown = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else _toml_str(str(value))
        lines.append(f"{_toml_str(key)} = {shown}")
    return "\n".join(lines) + "\n"


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
    def indicators_path(self) -> Path:
        return self.root / INDICATORS_FILE

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
        shown = self.show(self.settings_path)
        try:
            data = tomllib.loads(read_settings_text(self.settings_path.read_bytes()))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(_toml_message(exc), file=shown) from exc
        except UnicodeDecodeError as exc:
            raise SettingsError("无法识别文件编码，请用记事本另存为 UTF-8", file=shown) from exc
        try:
            return Settings.from_toml(data)
        except SettingsError as exc:
            raise SettingsError(exc.message, file=shown) from exc

    def save_settings(self, settings: Settings) -> None:
        write_text_atomic(self.settings_path, settings.to_toml(), self.root)

    def set_current_round(self, name: str, due: date | None) -> None:
        """Make a round current: only the 名称 and 截止日期 lines of [轮次] change, so the coordinator's comments
        and other sections stay as written."""
        if not self.settings_path.exists():
            settings = Settings(round_name=name, round_due=due)
            self.save_settings(settings)
            return
        text = read_settings_text(self.settings_path.read_bytes())
        values = {"名称": _toml_str(name), "截止日期": _toml_str(due.isoformat() if due else "")}
        write_text_atomic(self.settings_path, _set_keys(text, "轮次", values), self.root)

    def require(self, path: Path, hint: str) -> Path:
        """The path, or a clear message saying which command makes it."""
        if not path.exists():
            raise WorkspaceError(f"找不到 {self.show(path)}，{hint}")
        return path

