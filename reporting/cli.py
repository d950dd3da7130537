"""The `reporting` command: a click group over the library, one module of commands per stage."""

from __future__ import annotations

from pathlib import Path

import click

from . import __version__
from .commands.collect import collect_command, confirm_command, status_command
from .commands.common import GROUP_SETTINGS, WORKSPACE_HELP
from .commands.demo import demo_command
from .commands.generate import generate_command
from .commands.indicators import evidence_command, indicators_group
from .commands.mail import mail_group
from .commands.plan import init_command, plan_group
from .commands.report import consolidate_command, report_command
from .commands.roster import roster_group


@click.group(**GROUP_SETTINGS)
@click.version_option(__version__, "-V", "--version", message="reporting %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="出错时显示完整的调用栈（报告问题时使用）。")
@click.option("-w", "--workspace", "workspace_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=WORKSPACE_HELP)
@click.pass_context
def main(ctx: click.Context, verbose: bool, workspace_dir: Path | None) -> None:
    """法治政府建设创建工作台账工具：导入实施方案 → 生成台账 → 收集回报 → 汇总 → 自评报告。"""
    ctx.obj = {"verbose": verbose, "workspace": workspace_dir}


for _command in (init_command, plan_group, indicators_group, generate_command, collect_command, status_command,
                 evidence_command, consolidate_command, report_command, confirm_command, roster_group, mail_group,
                 demo_command):
    main.add_command(_command)
