"""reporting roster merge."""

from __future__ import annotations

import click

from ..plan import merge_roster
from ..workspace import Workspace
from .common import COMMAND_SETTINGS, GROUP_SETTINGS, handles_errors, workspace_option


@click.group("roster", **GROUP_SETTINGS)
def roster_group() -> None:
    """单位名册：合并写法不同的同一单位。"""


@roster_group.command("merge", **COMMAND_SETTINGS)
@click.argument("names", metavar="名称…", nargs=-1, required=True)
@click.option("--into", "into", metavar="单位", required=True, help="保留的单位（或分组）名称；其余名称成为它的别名。")
@workspace_option
@handles_errors
def merge_command(ws: Workspace, names: tuple[str, ...], into: str) -> None:
    """把写法不同的同一单位合并：各名称成为 --into 单位的别名（单位名册），任务分解表中改写为该单位。"""
    result = merge_roster(ws, list(names), into)
    if result.merged:
        click.echo(f"已并入「{result.into}」：{'、'.join(result.merged)}（单位名册中成为别名）")
    else:
        click.echo(f"没有需要合并的名称：{'、'.join(names)} 已是「{result.into}」的名称或别名")
    if result.ledger_cells:
        click.echo(f"任务分解表中 {result.ledger_cells} 个单元格改写为「{result.into}」")
    click.echo("运行 reporting plan check 再检查一遍。")
