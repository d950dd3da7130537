"""One family of user-facing errors, each knowing the file, sheet and cell at fault."""

from __future__ import annotations

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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.cell = cell

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
