"""What every command shares: the workspace option, the error boundary, progress, JSON output."""

from __future__ import annotations

import functools
import json
import re
import select
import sqlite3
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..errors import ReportingError, environment_message
from ..progress import ProgressHook
from ..safe_xlsx import TextCutWarning
from ..workspace import SETTINGS_FILE, Workspace, find_workspace
from .zh import OPTIONS_METAVAR, SUBCOMMAND_METAVAR

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
COMMAND_SETTINGS: dict[str, Any] = {"context_settings": CONTEXT_SETTINGS, "options_metavar": OPTIONS_METAVAR}
GROUP_SETTINGS: dict[str, Any] = {**COMMAND_SETTINGS, "subcommand_metavar": SUBCOMMAND_METAVAR}


class UserError(click.ClickException):
    """A one-line Chinese message and exit 1; click's own `Error:` prefix is English, so show() is ours."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.message}", err=True)


WORKSPACE_HELP = "工作目录（含 reporting.toml、inbox/、outbox/ 等）；默认为当前目录或其上级中含 reporting.toml 的目录。"


def workspace_option(func: Callable) -> Callable:
    """Adds -w/--workspace and passes `ws: Workspace` to the command.

    `-w` may also come before the subcommand (`reporting -w DIR status`); without it the workspace is the
    current folder or the nearest one above it holding reporting.toml.
    """

    @click.option("-w", "--workspace", "workspace_dir", type=click.Path(file_okay=False, path_type=Path),
                  default=None, help=WORKSPACE_HELP)
    @functools.wraps(func)
    def wrapper(*args, workspace_dir: Path | None, **kwargs):
        return func(*args, ws=Workspace(workspace_dir or _given_before() or _discovered()), **kwargs)

    return wrapper


def _given_before() -> Path | None:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return root.obj.get("workspace") if root and root.obj else None


def _discovered() -> Path:
    here = Path.cwd()
    found = find_workspace(here)
    if found is None:
        raise UserError(f"当前目录 {here} 及其上级目录都不是工作目录（没有 {SETTINGS_FILE}）：请进入工作目录，"
                        f"或用 -w 指定，或先运行 reporting init 目录 创建")
    return found


_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """A line about what units sent (file and zip entry names, what a workbook says) as the terminal should
    show it: control characters (a line break, an escape sequence that would recolour or clear the screen,
    retitle the window or hide the lines above) and bidirectional overrides (which show 甲\u202excod.xlsx as
    甲xlsx.doc) written as escapes (\\n, \\x1b, \\u202e); the names are stored as they are."""
    return _UNSHOWN.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def _shown(message: str) -> str:
    """A message that may quote what units sent (a file name, a cell): each of its lines as one_line shows it."""
    return "\n".join(one_line(line) for line in message.split("\n"))


def handles_errors(func: Callable) -> Callable:
    """Turn the library's ReportingError into a one-line message with exit 1 (traceback with --verbose)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", TextCutWarning)
                try:
                    return func(*args, **kwargs)
                finally:
                    _show_warnings(caught)
        except ReportingError as exc:
            if verbose():
                traceback.print_exc()
            raise UserError(_shown(str(exc))) from exc
        except BrokenPipeError as exc:
            if output_closed():  # `reporting status | head`: the reader has what it wanted; click ends quietly
                raise
            raise UserError(_shown(environment_message(exc) or str(exc))) from exc
        except (OSError, sqlite3.DatabaseError) as exc:  # the machine, not the user's files: one line too
            message = environment_message(exc)
            if message is None:
                raise
            if verbose():
                traceback.print_exc()
            raise UserError(_shown(message)) from exc
        except KeyboardInterrupt:
            click.echo("已中断：已完成的部分已保存，再次运行即可继续。", err=True)
            sys.exit(130)

    return wrapper


def output_closed() -> bool:
    """Whether the program reading our standard output has closed it (`| head` once it has its lines): the
    pipe then reports an error to poll. False where that cannot be told (no poll on Windows) or stdout is
    no pipe: a broken pipe is then told as any other fault. (click.echo flushes each line, and click's main
    ends a program whose output pipe broke without a word, with status 1.)"""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """What the library warned the coordinator about (a text cut to fit a cell) as lines; the rest as usual."""
    for warning in caught:
        if issubclass(warning.category, TextCutWarning):
            click.echo(_shown(f"提示：{warning.message}"), err=True)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


def verbose() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.obj and root.obj.get("verbose"))


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressHook]:
    """A ProgressHook that draws a bar on a terminal and stays quiet when piped."""
    if not sys.stderr.isatty():
        yield lambda done, total, item: None
        return
    bar = None
    shown = 0

    def hook(done: int, total: int, item: str) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
            bar.__enter__()
        bar.update(done - shown, item)  # type: ignore[arg-type]  # click types the item as the length's type
        shown = done

    try:
        yield hook
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
