"""reporting generate."""

from __future__ import annotations

import click

from ..generate import LEDGER_DIR, GenerateResult, generate_round, parse_due
from ..workspace import Workspace
from .common import COMMAND_SETTINGS, handles_errors, progress_bar, workspace_option


@click.command("generate", **COMMAND_SETTINGS)
@click.option("--round", "round_name", metavar="轮次",
              help="填报轮次名称，如“2026年第四季度”；默认取 reporting.toml 中 [轮次] 的名称。")
@click.option("--due", metavar="日期", help="报送截止日期，如 2026-12-31；默认取 reporting.toml 中的截止日期。")
@click.option("--blank", is_flag=True, help="不预填各单位上一轮已接收的填报内容，生成空白台账。")
@click.option("--password", metavar="密码", help="工作表保护密码；默认不设密码（只防误改）。")
@click.option("--skip-unresolved", is_flag=True,
              help="单位名册中找不到的单位名称不阻止生成，改为列入 未匹配单位.xlsx。")
@workspace_option
@handles_errors
def generate_command(ws: Workspace, round_name: str | None, due: str | None, blank: bool, password: str | None,
                     skip_unresolved: bool) -> None:
    """为每个有任务的单位生成工作台账（outbox/<轮次>/台账/<单位>.xlsx）和分发清单。"""
    due_date = parse_due(due) if due else None
    with progress_bar("生成台账") as hook:
        result = generate_round(ws, round_name=round_name, due=due_date, blank=blank, password=password,
                                skip_unresolved=skip_unresolved, progress=hook)
    _summary(ws, result)


def _summary(ws: Workspace, result: GenerateResult) -> None:
    due = f"{result.due.year}年{result.due.month}月{result.due.day}日" if result.due else "未设定"
    click.echo(f"已为 {len(result.files)} 个单位生成“{result.round_name}”工作台账 → "
               f"{ws.show(result.round_dir / LEDGER_DIR)}/")
    click.echo(f"  任务 {result.tasks} 项，截止日期 {due}，模板：{result.template}")
    if result.template_lacks:
        columns = "、".join(f"“{name}”" for name in result.template_lacks)
        click.echo(f"注意：模板 {result.template} 是旧版，没有填报列{columns}，本轮台账不含这些列。"
                   f"如需这些列：在模板「工作台账」表头末尾加上{columns}；或将该模板改名备份，"
                   "重新运行本命令即使用内置的新模板。")
    if result.prefilled_units:
        click.echo(f"  其中 {result.prefilled_units} 个单位的台账预填了上一轮已接收的内容")
    if result.distribution is not None:
        click.echo(f"分发清单 → {ws.show(result.distribution)}")
    if result.idle_units:
        click.echo(f"名册中没有任务的单位（未生成台账）{len(result.idle_units)} 个：{'、'.join(result.idle_units)}")
    if result.unresolved_report is not None:
        names = "、".join(dict.fromkeys(item.name for item in result.unresolved))
        click.echo(f"已跳过名册中找不到的单位名称：{names}（详见 {ws.show(result.unresolved_report)}）")
    if result.tasks_without_units:
        ids = "、".join(task.id for task in result.tasks_without_units)
        click.echo(f"未注明牵头或责任单位的任务（未分发）：{ids}")
