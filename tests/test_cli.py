"""The CLI as a whole: help on every command, one-line Chinese errors with exit 1, the workspace option."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reporting.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None and command.name == name
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


ALL = _commands(main)


def test_a_command_loads_only_its_own_module():
    """The group imports a command's module when it runs: `reporting status` starts without python-docx,
    matplotlib or pandas (about a second of every start)."""
    import subprocess
    import sys

    code = ("import sys; from reporting.cli import main; main(['status', '-h'], standalone_mode=False); "
            "print(sorted(m for m in ('docx', 'matplotlib', 'pandas', 'reporting.report', 'reporting.commands.report')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "完成状态" in done.stdout or "报送" in done.stdout  # status's help was shown
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_every_stage_has_its_command():
    names = {name for name, _ in ALL}
    assert {"init", "plan", "plan import", "plan show", "plan check"} <= names


@pytest.mark.parametrize(("name", "command"), ALL, ids=[n for n, _ in ALL])
def test_every_command_has_chinese_help(name, command):
    assert command.help and re.search(r"[\u4e00-\u9fff]", command.help), f"{name} 没有中文帮助"
    result = CliRunner().invoke(main, [*name.split(), "-h"])
    assert result.exit_code == 0
    assert command.help.split("\n")[0][:10] in result.output


@pytest.mark.parametrize(("name", "command"), [("", main), *ALL], ids=["reporting", *(n for n, _ in ALL)])
def test_help_around_our_words_is_chinese_too(name, command):
    output = CliRunner().invoke(main, [*name.split(), "-h"]).output
    assert output.startswith("用法:") and "[选项]" in output and "显示本说明并退出。" in output
    assert not re.search(r"\b(Usage|Options|Commands|OPTIONS|Show this message|DIRECTORY|PLAN_FILE)\b", output)


@pytest.mark.parametrize(("args", "message"), [
    (["collect", "--foo"], "错误：没有选项 '--foo'。"),
    (["nosuch"], "错误：没有命令 'nosuch'。"),
    (["plan", "import"], "错误：缺少参数 '方案文件'"),
    (["plan", "import", "/no/such/plan.txt"], "错误：'方案文件' 的值无效：文件 '/no/such/plan.txt' 不存在。"),
])
def test_usage_errors_are_chinese(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output and "查看说明" in result.output and "Error" not in result.output


@pytest.mark.parametrize(("name", "command"), ALL, ids=[n for n, _ in ALL])
def test_every_command_is_documented(name, command):
    assert f"reporting {name}" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "command"), ALL, ids=[n for n, _ in ALL])
def test_every_leaf_command_takes_the_workspace_option(name, command):
    if isinstance(command, click.Group) or name in ("init", "demo"):
        return
    assert "--workspace" in {opt for param in command.params for opt in getattr(param, "opts", [])}


def test_missing_ledger_is_one_chinese_line_and_exit_1(tmp_path):
    result = CliRunner().invoke(main, ["plan", "show", "-w", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == "错误：找不到 任务分解表.xlsx，请先运行 reporting plan import 导入实施方案"
    assert "Traceback" not in result.output


def test_verbose_brings_the_traceback_back(tmp_path):
    result = CliRunner().invoke(main, ["-v", "plan", "show", "-w", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" in result.output


def test_init_twice_refuses(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "县")]).exit_code == 0
    again = runner.invoke(main, ["init", str(tmp_path / "县")])
    assert again.exit_code == 1 and "已是工作目录" in again.output


def test_readme_defines_the_figures_exactly_as_the_workbook_does():
    from reporting.summary import DEFINITIONS

    readme = README.read_text(encoding="utf-8")
    for term, meaning in dict(DEFINITIONS).items():
        assert f"- **{term}**：{meaning}" in readme, term


_BIG_OUTPUT = """
import errno, sys, click
from reporting.commands.common import handles_errors

@click.command()
@handles_errors
def command():
    if sys.argv[1:] == ["fault"]:  # a broken pipe that is not our standard output's (a socket, a child)
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")
    for line in range(20000):
        click.echo(f"第{line}行：县财政局 已完成")

command([], standalone_mode=True)
"""


def _with_output_closed(args: list[str]) -> subprocess.CompletedProcess:
    """Run `args` with standard output a pipe nobody reads any more (`| head` once it has its lines)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(args, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)


def test_output_cut_short_by_a_pager_ends_quietly(tmp_path):
    """`reporting status | head`: the reader gone is no fault of the workspace: no message, status 1 as click
    gives (before: "错误：无法读写 工作目录中的文件（Broken pipe）" once the output passed the pipe's buffer)."""
    script = tmp_path / "big.py"
    script.write_text(_BIG_OUTPUT, encoding="utf-8")
    within = _with_output_closed([sys.executable, str(script)])  # in a command (its error boundary)
    helping = _with_output_closed([sys.executable, "-m", "reporting", "-h"])  # before any command runs
    for done in (within, helping):
        assert (done.returncode, done.stderr) == (1, "")


def test_a_broken_pipe_that_is_not_the_output_is_still_told(tmp_path):
    script = tmp_path / "big.py"
    script.write_text(_BIG_OUTPUT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), "fault"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith("错误：") and "Broken pipe" in done.stderr
