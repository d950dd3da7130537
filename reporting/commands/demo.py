"""reporting demo."""

from __future__ import annotations

from pathlib import Path

import click

from ..demo import DemoMail, run_demo
from .common import COMMAND_SETTINGS, handles_errors, progress_bar
from .mail import ask_password


@click.command("demo", **COMMAND_SETTINGS)
@click.argument("directory", metavar="[目录]", type=click.Path(file_okay=False, path_type=Path), default="demo",
                required=False)
@click.option("--mail", "mail_server", metavar="主机:发件端口:收件端口",
              help="经此本机邮件服务器演示邮件收发：台账用邮件发出，各单位用名册邮箱回复，从邮箱收取后收集，再发催报"
                   "（如 bash scripts/demo.sh --mail 启动的测试服务器）。")
@handles_errors
def demo_command(directory: Path, mail_server: str | None) -> None:
    """用内置示例方案和单位名册演示全流程（模拟各单位报回），结果写入“目录”（默认 ./demo）。"""
    mail = DemoMail.parse(mail_server, ask_password()) if mail_server else None
    with progress_bar("处理中") as progress:
        result = run_demo(directory, progress=progress, say=click.echo, mail=mail)
    click.echo(f"演示完成。工作目录：{result.ws.root}")
    click.echo("可打开：" + "、".join(result.ws.show(path) for path in result.outputs.values()))
