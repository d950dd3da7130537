"""Templates: a workspace copy under templates/ overrides the built-in one shipped with the package."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import TemplateError
from .workspace import REPORT_TEMPLATE, WORKBOOK_TEMPLATE, Workspace

BUILTIN_DIR = Path(__file__).parent / "data" / "templates"
KINDS = {"xlsx": WORKBOOK_TEMPLATE, "docx": REPORT_TEMPLATE}
MAIL_TEMPLATES = ("台账邮件.txt", "催报邮件.txt")  # templates/mail/: subject line and body of the messages


def builtin_template(kind: str) -> Path:
    return BUILTIN_DIR / kind / KINDS[kind]


def template_path(ws: Workspace, kind: str) -> Path:
    """The template to use: `templates/<kind>/<name>` in the workspace when present, else the built-in one."""
    own = ws.templates / kind / KINDS[kind]
    if own.exists():
        return own
    builtin = builtin_template(kind)
    if not builtin.exists():
        raise TemplateError(f"找不到内置模板 {KINDS[kind]}，安装可能不完整，请重新安装 reporting")
    return builtin


def install_templates(ws: Workspace) -> list[Path]:
    """Copy the built-in templates into the workspace (never over a coordinator's copy)."""
    copied = []
    for kind, name in KINDS.items():
        target = ws.templates / kind / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = builtin_template(kind)
        if source.exists() and not target.exists():
            shutil.copy2(source, target)
            copied.append(target)
    for name in MAIL_TEMPLATES:
        target = ws.templates / "mail" / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(BUILTIN_DIR / "mail" / name, target)
            copied.append(target)
    return copied
