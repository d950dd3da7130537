"""One family of user-facing errors, each knowing the file, sheet and cell at fault."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path


class ReportingError(Exception):
    """A user error: printed as one Chinese line, exit code 1, no traceback."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        code: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # a stable rule code where one is defined (readers.base.FILE_RULES …)
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.cell = cell

    def __reduce__(self):  # a worker process sends it whole: file, sheet and cell included
        return (_rebuild, (type(self), self.message, self.file, self.sheet, self.cell, self.code))

    def location(self) -> str:
        """`inbox/县财政局.xlsx「工作台账」J7` — as much of it as is known."""
        place = self.file or ""
        if self.sheet:
            place += f"「{self.sheet}」"
        if self.cell:
            place += self.cell
        return place

    def __str__(self) -> str:
        place = self.location()
        return f"{place}：{self.message}" if place else self.message


def _rebuild(kind: type[ReportingError], message: str, file: str | None, sheet: str | None,
             cell: str | None, code: str = "") -> ReportingError:
    return kind(message, file=file, sheet=sheet, cell=cell, code=code)


class PlanError(ReportingError):
    """The plan file cannot be read or holds no tasks."""


class LedgerError(ReportingError):
    """任务分解表 or 单位名册 is malformed."""


class TemplateError(ReportingError):
    """A template is missing a field or cannot be rendered."""


class ReturnError(ReportingError):
    """A return in inbox/ cannot be read or recognised."""


class WorkspaceError(ReportingError):
    """The workspace is missing, locked, or a file in it cannot be written."""


def environment_message(exc: BaseException) -> str | None:
    """One Chinese line for what the machine did wrong (disk full, no permission, a damaged store …),
    naming the path and what to do; None for anything else (a bug: its traceback is worth seeing)."""
    if isinstance(exc, sqlite3.DatabaseError):
        return _database_message(exc)
    if not isinstance(exc, OSError):
        return None
    path = _shown(_target(exc)) if exc.filename else "工作目录中的文件"
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"磁盘空间不足，无法写入 {path}：请清理磁盘空间后重新运行（已完成的部分已保存）"
    if code == errno.EROFS:
        return f"{path} 所在的磁盘是只读的，无法写入：请把工作目录复制到可写的位置后重新运行"
    if isinstance(exc, PermissionError):
        return f"没有权限访问 {path}：请检查文件和文件夹的权限（或是否正在 Excel/WPS 中打开）后重新运行"
    if code == errno.ENAMETOOLONG:
        return f"文件名或路径过长，无法创建 {path}：请缩短名称或把工作目录移到较短的路径后重新运行"
    if isinstance(exc, IsADirectoryError):
        return f"{path} 是一个文件夹，这里需要的是文件：请把它移走或改名后重新运行"
    if isinstance(exc, NotADirectoryError) or (isinstance(exc, FileExistsError) and exc.filename):
        return f"{path}（或它的上级）应是文件夹，现在却是文件：请把它移走或改名后重新运行"
    if isinstance(exc, FileNotFoundError):
        return f"找不到 {path}：它可能在运行中被移走或删除，请检查后重新运行"
    reason = exc.strerror or type(exc).__name__
    return f"无法读写 {path}（{reason}）：请检查磁盘和文件权限后重新运行"


def _database_message(exc: sqlite3.DatabaseError) -> str:
    text = str(exc).lower()
    if "full" in text:
        return "磁盘空间不足，数据库 reporting.db 无法写入：请清理磁盘空间后重新运行（数据库保持运行前的状态）"
    if "readonly" in text or "read-only" in text:
        return "数据库 reporting.db 是只读的（或所在的磁盘只读）：请检查文件权限后重新运行"
    if "unable to open" in text:
        return "无法打开数据库 reporting.db：请检查工作目录是否存在、是否有写入权限后重新运行"
    if "disk i/o" in text or "ioerr" in getattr(exc, "sqlite_errorname", "").lower():
        return ("读写数据库 reporting.db 时磁盘出错（磁盘可能已满或已断开）：请清理磁盘空间、检查磁盘后重新运行"
                "（数据库保持运行前的状态）")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ("数据库 reporting.db 已损坏，无法读取：请用备份替换 reporting.db（或移走它后重新运行 "
                "reporting generate 重建；inbox/ 中的文件会被重新读取）")
    if "locked" in text or "busy" in text:
        return "数据库 reporting.db 正被另一个程序占用：请等它结束（或关闭打开它的程序）后重新运行"
    return f"数据库 reporting.db 出错（{exc}）：请检查后重新运行"


def _target(exc: OSError) -> object:
    """The path the user knows: a rename's destination, the folder of a temporary file (atomic_path's)."""
    name = exc.filename2 or exc.filename
    text = os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else str(name)
    if os.path.basename(text).startswith(".~tmp-"):
        return os.path.dirname(text) or "."
    return text


def _shown(name: object) -> str:
    """A path relative to the current directory when inside it, as the user typed it."""
    path = os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else str(name)
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative
