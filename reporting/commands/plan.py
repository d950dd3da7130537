"""reporting init, reporting plan import/show/check."""

from __future__ import annotations

from pathlib import Path

import click

from ..plan import check_plan, import_plan, load_tasks
from ..workspace import Workspace
from ..workspace_init import init_workspace
from .common import COMMAND_SETTINGS, GROUP_SETTINGS, echo_json, handles_errors, workspace_option


@click.command("init", **COMMAND_SETTINGS)
@click.argument("directory", metavar="目录", type=click.Path(file_okay=False, path_type=Path))
@click.option("--campaign", help="活动名称，如“XX县法治政府建设示范创建”。")
@handles_errors
def init_command(directory: Path, campaign: str | None) -> None:
    """新建工作目录：设置文件、空白单位名册、模板、inbox/ 与 outbox/。"""
    ws = init_workspace(directory, campaign)
    click.echo(f"已创建工作目录 {ws.root}")
    click.echo("下一步：reporting -w 该目录 plan import 实施方案.docx")


@click.group("plan", **GROUP_SETTINGS)
def plan_group() -> None:
    """实施方案与任务分解表：导入、查看、检查。"""


@plan_group.command("import", **COMMAND_SETTINGS)
@click.argument("plan_file", metavar="方案文件", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--default-deadline", metavar="日期",
              help="未写明时限的任务的完成时限，如 2019-12-31 或 长期；优先于方案中的默认时限。")
@click.option("--sections", metavar="标题", multiple=True,
              help="含任务的章节标题（可多次给出，取标题中的文字），覆盖自动判断。")
@click.option("--force", is_flag=True, help="任务分解表已被手工修改时仍然覆盖（先备份原文件）。")
@workspace_option
@handles_errors
def import_command(ws: Workspace, plan_file: Path, default_deadline: str | None, sections: tuple[str, ...],
                   force: bool) -> None:
    """把实施方案（.txt/.docx/.xlsx，有 LibreOffice 时也可 .doc/.wps/.mht）导入为任务分解表.xlsx，起草单位名册.xlsx。"""
    result = import_plan(ws, plan_file, default_deadline=default_deadline, sections=list(sections) or None,
                         force=force)
    plan = result.plan
    click.echo(f"已导入《{plan.title}》：{len(plan.tasks)} 项任务 → {ws.show(ws.ledger_path)}")
    for area, count in result.tasks_per_area().items():
        click.echo(f"  {area}：{count} 项")
    click.echo(f"涉及单位名称 {len(result.unit_names())} 个；单位名册新增 {len(result.new_units)} 行 → "
               f"{ws.show(ws.roster_path)}")
    if plan.default_deadline:
        where = f"（方案第{plan.default_deadline_line}行）" if plan.default_deadline_line else "（命令行指定）"
        click.echo(f"默认完成时限 {plan.default_deadline}{where}，用于 {len(result.defaulted())} 项任务")
    if result.tasks_without_units():
        click.echo(f"未注明责任单位的任务 {len(result.tasks_without_units())} 项（请在任务分解表中补充）")
    if plan.guesses:
        click.echo("以下为推断，请在任务分解表中核对（详见各任务的备注）：")
        for guess in plan.guesses:
            click.echo(f"  {guess}")
    if plan.gaps:
        click.echo(f"方案编号有缺号：{'、'.join(plan.gaps)}（保留原编号，未重新编号）")
    if result.backup:
        click.echo(f"原任务分解表已备份为 {ws.show(result.backup)}")
    if plan.warnings:
        click.echo(f"提醒 {len(plan.warnings)} 条：")
        for warning in plan.warnings:
            click.echo(f"  {warning}")


@plan_group.command("show", **COMMAND_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@workspace_option
@handles_errors
def show_command(ws: Workspace, as_json: bool) -> None:
    """列出任务分解表中的任务。"""
    tasks = load_tasks(ws)
    if as_json:
        echo_json({"tasks": [task.to_json() for task in tasks]})
        return
    for task in tasks:
        units = "、".join(task.lead) + (" | " if task.lead else "") + "、".join(task.responsible)
        click.echo(f"{task.id:>6}  {task.deadline or '—':<10}  {_clip(task.text, 40)}  [{_clip(units, 40)}]")
    click.echo(f"共 {len(tasks)} 项任务")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@plan_group.command("check", **COMMAND_SETTINGS)
@click.option("-v", "--verbose", "details", is_flag=True, help="逐项列出已过完成时限的任务。")
@workspace_option
@handles_errors
def check_command(ws: Workspace, details: bool) -> None:
    """检查任务分解表与单位名册：未匹配的单位名称、无成员的集体称谓、没有单位的任务、重复编号（须先解决，退出码为 1），
    以及可能是同一单位的名称、已过完成时限的任务（提醒，退出码为 0）。"""
    report = check_plan(ws)
    for task_id, count in report.duplicate_ids.items():
        click.echo(f"任务编号重复：{task_id}（{count} 行）")
    for task, resolution in report.unresolved:
        hint = f"，最接近：{'、'.join(resolution.suggestions)}" if resolution.suggestions else ""
        click.echo(f"任务 {task.id}：单位「{resolution.name}」不在单位名册中{hint}")
    for group in report.empty_groups:
        click.echo(f"集体称谓「{group}」没有成员：请在单位名册中把成员单位的“所属分组”填为“{group}”")
    for task in report.without_units:
        click.echo(f"任务 {task.id}：未注明牵头或责任单位")
    for names in report.near_duplicates:
        merge = f"reporting roster merge {' '.join(names[1:])} --into {names[0]}"
        click.echo(f"提醒：可能是同一单位：{'、'.join(names)}（如是，运行 {merge}）")
    if report.past_deadline:
        if details:
            for task in report.past_deadline:
                click.echo(f"提醒：任务 {task.id}：完成时限 {task.deadline} 已过")
        else:
            click.echo(f"提醒：完成时限已过的任务 {len(report.past_deadline)} 项（加 -v 逐项列出）")
    if report.orphan_units:
        click.echo(f"提醒：名册中没有任务的单位：{'、'.join(report.orphan_units)}")
    for task, indicator in report.unknown_indicators:
        click.echo(f"提醒：任务 {task.id} 的指标编号 {indicator} 不在指标体系中")
    if report.indicators_without_tasks:
        ids = "、".join(report.indicators_without_tasks)
        click.echo(f"提醒：没有任务对应的指标 {len(report.indicators_without_tasks)} 项：{ids}")
    if report.tasks_without_indicators:
        ids = "、".join(task.id for task in report.tasks_without_indicators)
        click.echo(f"提醒：未填写指标编号的任务 {len(report.tasks_without_indicators)} 项：{ids}")
    warnings = f"，提醒 {report.warnings} 条" if report.warnings else ""
    if report.blocking:
        click.echo(f"有 {report.problems} 个问题须先解决，否则 reporting generate 会出错{warnings}。")
        raise click.exceptions.Exit(1)
    click.echo(f"检查通过{warnings}。")
