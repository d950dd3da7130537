"""reporting mail send / remind / fetch."""

from __future__ import annotations

import click

from ..collect import collect_inbox
from ..mail.fetch import OUTCOME_WORDS, fetch_mail
from ..mail.send import (
    KIND_REMINDER,
    KIND_ROUND,
    SendResult,
    deliver,
    reminder_messages,
    round_messages,
)
from ..mail.settings import PASSWORD_ENV, password_from_env
from ..status import parse_as_of
from ..workspace import Workspace
from .collect import file_lines, summary
from .common import COMMAND_SETTINGS, GROUP_SETTINGS, handles_errors, progress_bar, workspace_option

ROUND_OPTION = click.option("--round", "round_name", metavar="轮次", help="填报轮次；默认为当前轮次。")
SEND_OPTION = click.option("--send", "send", is_flag=True,
                           help="真正发送（不加此项只在 outbox/<轮次>/邮件/ 写出 .eml 文件供查看，不发送任何邮件）。")
RESEND_OPTION = click.option("--resend", "resend", metavar="单位", multiple=True,
                             help="再发一次给该单位（已发送或可能已发送的也发）；可重复使用。")


@click.group("mail", **GROUP_SETTINGS)
def mail_group() -> None:
    """用邮件发送台账和催报，并从邮箱收取回报（需在 reporting.toml 的 [邮件] 中设置邮箱）。"""


def ask_password() -> str:
    """The password from REPORTING_MAIL_PASSWORD, else asked for here (never written anywhere)."""
    return password_from_env() or click.prompt(f"邮箱密码（或授权码；也可设置环境变量 {PASSWORD_ENV}）",
                                                hide_input=True, err=True)


@mail_group.command("send", **COMMAND_SETTINGS)
@ROUND_OPTION
@SEND_OPTION
@RESEND_OPTION
@workspace_option
@handles_errors
def send_command(ws: Workspace, round_name: str | None, send: bool, resend: tuple[str, ...]) -> None:
    """给每个单位发一封邮件，附上本轮工作台账；已发送的不会重复发送。"""
    name, messages, no_address = round_messages(ws, round_name)
    password = ask_password() if send and messages else None
    with progress_bar("发送台账" if send else "写出邮件") as hook:
        result = deliver(ws, name, KIND_ROUND, messages, send=send, password=password, resend=resend, progress=hook)
    result.no_address = no_address
    _report(ws, result)


@mail_group.command("remind", **COMMAND_SETTINGS)
@ROUND_OPTION
@SEND_OPTION
@RESEND_OPTION
@click.option("--as-of", "as_of", metavar="日期",
              help="按此日期（YYYY-MM-DD）判断任务是否逾期，与 reporting status --as-of 相同；默认为本轮截止日期。")
@workspace_option
@handles_errors
def remind_command(ws: Workspace, round_name: str | None, send: bool, resend: tuple[str, ...],
                   as_of: str | None) -> None:
    """按催报名单给每个单位发催报邮件，写明全部原因（退回修改的附上回执）；同一天同样的催报不重复发送。"""
    name, messages, no_address, skipped = reminder_messages(ws, round_name, parse_as_of(as_of) if as_of else None)
    password = ask_password() if send and messages else None
    with progress_bar("发送催报" if send else "写出邮件") as hook:
        result = deliver(ws, name, KIND_REMINDER, messages, send=send, password=password, resend=resend,
                         progress=hook)
    result.no_address, result.skipped = no_address, skipped
    _report(ws, result)


def _report(ws: Workspace, result: SendResult) -> None:
    what = "台账邮件" if result.kind == KIND_ROUND else "催报邮件"
    folder = ws.show(result.folder)
    if not result.sent:
        click.echo(f"已写出 {len(result.written)} 封{what} → {folder}/（未发送；确认无误后加 --send 发送）")
    else:
        click.echo(f"已发送 {len(result.delivered)} 封{what}（邮件副本 → {folder}/）")
    if result.already:
        click.echo(f"此前已发送、未重复发送 {len(result.already)} 个单位（需要再发请用 --resend 单位）")
    for unit in result.maybe_sent:
        click.echo(f"可能已发送：{unit}（上次发送时中断，无法确定对方是否收到；确认需要再发请用 --resend {unit}）")
    for unit, error in result.failed:
        click.echo(f"发送失败：{unit}：{error}（再次运行会重试）")
    for unit, why in result.skipped:
        click.echo(f"未催报：{unit}：{why}")
    for note in result.notes:
        click.echo(f"提醒：{note}")
    if result.no_address:
        click.echo(f"名册中没有电子邮箱、未发送的单位 {len(result.no_address)} 个：{'、'.join(result.no_address)}"
                   "（请在单位名册的“电子邮箱”列补全，或另行发送）")


@mail_group.command("fetch", **COMMAND_SETTINGS)
@click.option("--round", "round_name", metavar="轮次",
              help="填报轮次；首次收取时只看该轮生成台账之后的邮件。默认为当前轮次。")
@click.option("--collect", "then_collect", is_flag=True, help="收取后接着运行 reporting collect。")
@workspace_option
@handles_errors
def fetch_command(ws: Workspace, round_name: str | None, then_collect: bool) -> None:
    """从邮箱收取新邮件，把其中的台账和压缩包附件存入 inbox/邮件/（不删除、不移动、不标记邮件）；可随时重复运行。"""
    password = ask_password()
    with progress_bar("收取邮件") as hook:
        result = fetch_mail(ws, round_name=round_name, password=password, progress=hook)
    for message in result.messages:
        who = message.sender or "（无发件人）"
        line = f"{who}「{message.subject}」：{OUTCOME_WORDS[message.outcome]}"
        if message.files:
            line += "：" + "、".join(message.files)
        if message.note:
            line += f"（{message.note}）"
        click.echo(line)
    since = f"（{result.since.isoformat()} 以来）" if result.since else ""
    click.echo(f"本次查看新邮件 {len(result.messages)} 封{since}，存入 inbox/ 文件 {len(result.files)} 个。")
    if then_collect:
        with progress_bar("读取报送文件") as hook:
            collect_result = collect_inbox(ws, round_name=round_name, progress=hook)
        for outcome in collect_result.files:
            for line in file_lines(outcome):
                click.echo(line)
        click.echo(summary(ws, collect_result))
    elif result.files:
        click.echo("运行 reporting collect 读取、校验这些文件。")
