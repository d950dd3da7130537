"""reporting collect, reporting status."""

from __future__ import annotations

from pathlib import Path

import click

from ..collect import DUPLICATE, ERROR_FILE, CollectResult, FileOutcome, ReturnOutcome, collect_inbox, confirm_file
from ..receipts import RECEIPTS_DIR
from ..status import parse_as_of, round_status, status_table
from ..workspace import Workspace
from .common import COMMAND_SETTINGS, echo_json, handles_errors, one_line, progress_bar, workspace_option


@click.command("collect", **COMMAND_SETTINGS)
@click.option("--round", "round_name", metavar="轮次",
              help="当前填报轮次（识别不出轮次的文件按此登记）；默认取 reporting.toml 中 [轮次] 的名称。")
@workspace_option
@handles_errors
def collect_command(ws: Workspace, round_name: str | None) -> None:
    """读取 inbox/ 中新收到的文件，登记各单位报送内容，并在 outbox/<轮次>/回执/ 生成回执；可随时重复运行。"""
    with progress_bar("读取报送文件") as hook:
        result = collect_inbox(ws, round_name=round_name, progress=hook)
    for outcome in result.files:
        for line in file_lines(outcome):
            click.echo(one_line(line))
    click.echo(summary(ws, result))


def file_lines(outcome: FileOutcome) -> list[str]:
    if outcome.status in (ERROR_FILE, DUPLICATE):
        return [f"{outcome.name}：{outcome.message}"]
    lines = [_return_line(outcome.name, r) for r in outcome.returns]
    if outcome.message:
        lines.append(f"  另：{outcome.message}")
    return lines


def _return_line(name: str, ret: ReturnOutcome) -> str:
    where = f"{name}/{ret.member}" if ret.member else name
    extra = "" if ret.current_round else "，往期轮次"
    line = f"{where} → {ret.unit}（{ret.round}，按{ret.recognized_by}识别{extra}）：{ret.verdict}"
    if ret.attachments:
        line += f"；附件 {len(ret.attachments)} 个"
    if ret.superseded:
        line += "；替代此前报送的版本"
    return line


def summary(ws: Workspace, result: CollectResult) -> str:
    returns = result.returns
    blank = sum(r.blank for r in returns)
    held = [r for r in returns if r.held]
    accepted = sum(r.accepted for r in returns if not r.held)
    rejected = len(returns) - accepted - blank - len(held)
    duplicates = sum(f.status == DUPLICATE for f in result.files)
    counts = f"已接收 {accepted}，退回修改 {rejected}"
    counts += f"，空表 {blank}" if blank else ""
    counts += f"，待确认 {len(held)}" if held else ""
    parts = [f"新报送 {len(returns)} 份（{counts}）"]
    if result.failed:
        parts.append(f"无法读取或识别 {len(result.failed)} 个文件")
    if duplicates:
        parts.append(f"重复文件 {duplicates} 个")
    if result.unchanged:
        parts.append(f"此前已读取 {result.unchanged} 个")
    text = "本次：" + "，".join(parts) + "。"
    if result.receipts:
        folder = ws.show(ws.round_dir(result.round) / RECEIPTS_DIR)
        text += f"\n回执 {len(result.receipts)} 份 → {folder}/（往期轮次的回执在各自轮次目录下）"
    if held:
        text += f"\n待确认 {len(held)} 份，未替代任何报送：核实后运行 reporting confirm 文件 [--unit 单位] 确认"
    return text + "\n运行 reporting status 查看各单位报送情况。"


@click.command("status", **COMMAND_SETTINGS)
@click.option("--round", "round_name", metavar="轮次", help="要查看的填报轮次；默认为当前轮次。")
@click.option("--as-of", "as_of", metavar="日期", help="按此日期（YYYY-MM-DD）判断任务是否逾期；默认为本轮截止日期。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@workspace_option
@handles_errors
def status_command(ws: Workspace, round_name: str | None, as_of: str | None, as_json: bool) -> None:
    """各单位报送情况：是否报送、是否通过、错误数、完成情况、逾期任务；并生成 outbox/<轮次>/催报名单.xlsx。"""
    report = round_status(ws, round_name=round_name, as_of=parse_as_of(as_of) if as_of else None)
    if as_json:
        echo_json(report.to_json())
        return
    figures = report.figures
    returned = f"{figures.units_returned}/{figures.units_expected}"
    click.echo(f"{figures.round}：报送率 {figures.return_rate:.1%}（{returned}），"
               f"完成率 {figures.completion_rate:.1%}，截至 {figures.as_of.isoformat()}")
    for line in status_table(report):
        click.echo(line)
    if report.chase_path is not None:
        click.echo(f"催报名单 → {ws.show(report.chase_path)}")


@click.command("confirm", **COMMAND_SETTINGS)
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unit", metavar="单位", help="按此单位接收（默认按工作簿内记录的单位）。")
@workspace_option
@handles_errors
def confirm_command(ws: Workspace, file: Path, unit: str | None) -> None:
    """确认一份待确认的报送：按工作簿内的单位（或 --unit 指定的单位）接收，成为该单位最新的报送。

    文件名写的是别的单位、或比已接收的报送更早保存的报送，collect 会列为待确认，在确认前不替代任何报送。
    """
    for done in confirm_file(ws, file, unit):
        line = f"{done.file} → {done.unit}（{done.round}）：已确认，作为该单位最新的报送"
        if done.superseded:
            line += "；替代此前报送的版本"
        click.echo(one_line(line))
    click.echo("运行 reporting status 查看各单位报送情况。")
