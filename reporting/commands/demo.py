"""reporting demo."""

from __future__ import annotations

from pathlib import Path

import click

from ..demo import run_demo
from .common import COMMAND_SETTINGS, handles_errors, progress_bar


@click.command("demo", **COMMAND_SETTINGS)
@click.argument("directory", metavar="[目录]", type=click.Path(file_okay=False, path_type=Path), default="demo",
                required=False)
@handles_errors
def demo_command(directory: Path) -> None:
    """用内置示例方案和单位名册演示全流程（模拟各单位报回），结果写入“目录”（默认 ./demo）。"""
    with progress_bar("处理中") as progress:
        result = run_demo(directory, progress=progress, say=click.echo)
    click.echo(f"演示完成。工作目录：{result.ws.root}")
    click.echo("可打开：" + "、".join(result.ws.show(path) for path in result.outputs.values()))
