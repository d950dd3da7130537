"""The `reporting` command: a click group over the library, one module of commands per stage."""

from __future__ import annotations

import click

from . import __version__
from .commands.common import CONTEXT_SETTINGS
from .commands.plan import init_command, plan_group


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", message="reporting %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="出错时显示完整的调用栈（报告问题时使用）。")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """法治政府建设创建工作台账工具：导入实施方案 → 生成台账 → 收集回报 → 汇总 → 自评报告。"""
    ctx.obj = {"verbose": verbose}


main.add_command(init_command)
main.add_command(plan_group)

for _module, _names in [
    ("generate", ["generate_command"]),
    ("collect", ["collect_command", "status_command"]),
    ("report", ["consolidate_command", "report_command"]),
    ("demo", ["demo_command"]),
]:
    try:
        _commands = __import__(f"reporting.commands.{_module}", fromlist=_names)
    except ModuleNotFoundError as _missing:  # a stage not built yet
        if _missing.name != f"reporting.commands.{_module}":
            raise
        continue
    for _name in _names:
        main.add_command(getattr(_commands, _name))
