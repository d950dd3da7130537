"""reporting indicators import/show/match, reporting evidence."""

from __future__ import annotations

from pathlib import Path

import click

from ..evidence import write_evidence
from ..indicators import import_indicators, load_indicators, match_indicators, score_text
from ..task_ledger import SUGGESTED_COLUMN
from ..workspace import Workspace
from .common import COMMAND_SETTINGS, GROUP_SETTINGS, echo_json, handles_errors, progress_bar, workspace_option


@click.group("indicators", **GROUP_SETTINGS)
def indicators_group() -> None:
    """指标体系：导入、查看，以及任务与指标的对应。"""


@indicators_group.command("import", **COMMAND_SETTINGS)
@click.argument("source", metavar="指标体系文件", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
@handles_errors
def import_command(ws: Workspace, source: Path) -> None:
    """把指标体系（.xlsx/.docx/.txt）导入为 指标体系.xlsx。"""
    result = import_indicators(ws, source)
    system = result.system
    counts = {level: sum(ind.level == level for ind in system.indicators) for level in (1, 2, 3)}
    total = sum(ind.score or 0 for ind in system.leaves())
    click.echo(f"已导入《{system.title}》：一级 {counts[1]} 项、二级 {counts[2]} 项、三级 {counts[3]} 项，"
               f"末级分值合计 {score_text(total)} 分 → {ws.show(ws.indicators_path)}")
    if result.linked:
        click.echo(f"任务分解表中 {result.linked} 项任务按所在标题填写了指标编号")
    for warning in system.warnings:
        click.echo(f"提醒：{warning}")
    click.echo("下一步：reporting indicators match 为任务建议对应指标")


@indicators_group.command("show", **COMMAND_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@workspace_option
@handles_errors
def show_command(ws: Workspace, as_json: bool) -> None:
    """列出指标体系。"""
    system = load_indicators(ws)
    if as_json:
        echo_json(system.to_json())
        return
    for ind in system.indicators:
        score = f"（{score_text(ind.score)}分）" if ind.score is not None else ""
        click.echo(f"{'  ' * (ind.level - 1)}{ind.id:<6} {ind.text}{score}")
    click.echo(f"共 {len(system.indicators)} 项指标，末级 {len(system.leaves())} 项")
    for warning in system.warnings:
        click.echo(f"提醒：{warning}")


@indicators_group.command("match", **COMMAND_SETTINGS)
@workspace_option
@handles_errors
def match_command(ws: Workspace) -> None:
    """按文字相似度为每项任务建议对应的指标，写入任务分解表的“指标编号(建议)”列（只有“指标编号”列计入）。"""
    links = match_indicators(ws)
    proposed = sum(bool(ids) for ids in links.values())
    where = f"{ws.show(ws.ledger_path)}「{SUGGESTED_COLUMN}」列"
    click.echo(f"{proposed} 项任务有建议指标，{len(links) - proposed} 项没有 → {where}")
    click.echo("请核对后把确认的编号填入“指标编号”列（多个用“、”分隔），再运行 reporting plan check")


ROUND_HELP = "要整理的填报轮次；默认取 reporting.toml 中 [轮次] 的名称。"


@click.command("evidence", **COMMAND_SETTINGS)
@click.option("--round", "round_name", metavar="轮次", help=ROUND_HELP)
@workspace_option
@handles_errors
def evidence_command(ws: Workspace, round_name: str | None) -> None:
    """整理本轮佐证材料：佐证材料目录.xlsx、缺证清单.xlsx，以及按指标分好目录的 佐证材料/（可逐项上传）。"""
    with progress_bar("导出佐证材料") as hook:
        result = write_evidence(ws, round_name=round_name, progress=hook)
    data = result.data
    files = sum(len(c.files) for c in data.claims) + len(data.unassigned)
    click.echo(f"收到佐证文件 {files} 个，其中 {len(data.unassigned)} 个未对应到任务 → {ws.show(result.catalogue)}")
    click.echo(f"缺证：已完成但无佐证的项次 {len(data.missing_claims())} 个，无任何佐证的指标 "
               f"{len(data.indicators_without_evidence())} 项 → {ws.show(result.missing)}")
    click.echo(f"按指标导出 {result.planned} 个文件（本次复制 {result.copied} 个，其余未变）→ {ws.show(result.tree)}")
    if data.system is None:
        click.echo("提示：尚未导入指标体系，文件按任务归入“未对应指标”；请先运行 reporting indicators import")
