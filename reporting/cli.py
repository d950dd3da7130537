"""The `reporting` command: a click group over the library, one module of commands per stage.

Each command's module is imported when that command runs (or when help lists them all): `reporting status`
does not load what `reporting report` needs (python-docx, matplotlib), about a second of every start.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import click

from . import __version__
from .commands.common import GROUP_SETTINGS, WORKSPACE_HELP

# command → (its module in reporting.commands, the click object there)
COMMANDS = {
    "init": ("plan", "init_command"), "plan": ("plan", "plan_group"),
    "indicators": ("indicators", "indicators_group"), "evidence": ("indicators", "evidence_command"),
    "generate": ("generate", "generate_command"), "collect": ("collect", "collect_command"),
    "status": ("collect", "status_command"), "confirm": ("collect", "confirm_command"),
    "consolidate": ("report", "consolidate_command"), "report": ("report", "report_command"),
    "roster": ("roster", "roster_group"), "mail": ("mail", "mail_group"), "demo": ("demo", "demo_command"),
}


def preload(args: list[str]) -> None:
    """Import the modules of the commands named in `args` now (the console script does, while a Ctrl-C still
    ends the program with one line: within click it would be click's 已中止 and exit 1)."""
    for arg in args:
        if arg in COMMANDS:
            _module(arg)


def _module(command: str) -> ModuleType:
    return importlib.import_module(f".commands.{COMMANDS[command][0]}", __package__)


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)  # as click lists commands it holds

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command: click.Command = getattr(_module(cmd_name), COMMANDS[cmd_name][1])
        return command


@click.group(cls=_LazyGroup, **GROUP_SETTINGS)
@click.version_option(__version__, "-V", "--version", message="reporting %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="出错时显示完整的调用栈（报告问题时使用）。")
@click.option("-w", "--workspace", "workspace_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=WORKSPACE_HELP)
@click.pass_context
def main(ctx: click.Context, verbose: bool, workspace_dir: Path | None) -> None:
    """法治政府建设创建工作台账工具：导入实施方案 → 生成台账 → 收集回报 → 汇总 → 自评报告。"""
    ctx.obj = {"verbose": verbose, "workspace": workspace_dir}
