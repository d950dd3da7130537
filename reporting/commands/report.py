"""reporting consolidate, reporting report."""

from __future__ import annotations

import click

from ..report import write_report
from ..status import parse_as_of
from ..summary_xlsx import consolidate
from ..workspace import Workspace
from .common import COMMAND_SETTINGS, handles_errors, progress_bar, workspace_option

ROUND_HELP = "要汇总的填报轮次；默认取 reporting.toml 中 [轮次] 的名称。"
AS_OF_HELP = "统计截至日期（判断逾期用），如 2026-09-30；默认为本轮截止日期。"


@click.command("consolidate", **COMMAND_SETTINGS)
@click.option("--round", "round_name", metavar="轮次", help=ROUND_HELP)
@click.option("--as-of", "as_of", metavar="日期", help=AS_OF_HELP)
@workspace_option
@handles_errors
def consolidate_command(ws: Workspace, round_name: str | None, as_of: str | None) -> None:
    """汇总各单位报送的数据，生成 outbox/<轮次>/汇总台账.xlsx（按单位、按领域、任务明细、逾期、问题与计划，附图表）。"""
    with progress_bar("写入汇总台账") as hook:
        path = consolidate(ws, round_name=round_name, as_of=parse_as_of(as_of) if as_of else None, progress=hook)
    click.echo(f"已生成 {ws.show(path)}（数字的口径见其中的「说明」工作表）")


@click.command("report", **COMMAND_SETTINGS)
@click.option("--round", "round_name", metavar="轮次", help=ROUND_HELP)
@click.option("--as-of", "as_of", metavar="日期", help=AS_OF_HELP)
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF（需已安装 LibreOffice）。")
@workspace_option
@handles_errors
def report_command(ws: Workspace, round_name: str | None, as_of: str | None, pdf: bool) -> None:
    """按模板生成 outbox/<轮次>/自评报告.docx（GB/T 9704 公文格式，附统计表和图）。"""
    with progress_bar("生成自评报告") as hook:
        result = write_report(ws, round_name=round_name, as_of=parse_as_of(as_of) if as_of else None, pdf=pdf,
                              progress=hook)
    click.echo(f"已生成 {ws.show(result.docx)}（模板：{result.template_label}）")
    if result.pdf:
        click.echo(f"已生成 {ws.show(result.pdf)}")
    if result.charts:
        click.echo(f"图表 {len(result.charts)} 张：{'、'.join(path.name for path in result.charts)}")
    for warning in result.warnings:
        click.echo(f"提醒：{warning}", err=True)
