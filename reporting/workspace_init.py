"""reporting init: a new workspace with its settings, an empty roster, the templates, inbox/ and outbox/."""

from __future__ import annotations

from pathlib import Path

from .errors import WorkspaceError
from .roster import write_roster
from .templates import install_templates
from .workspace import SETTINGS_FILE, Settings, Workspace


def init_workspace(root: Path, campaign: str | None = None) -> Workspace:
    """A new workspace: settings, an empty roster, the templates, inbox/ and outbox/."""
    ws = Workspace(root)
    if ws.settings_path.exists():
        raise WorkspaceError(f"{ws.root} 已是工作目录（存在 {SETTINGS_FILE}），未做任何修改")
    for folder in (ws.inbox, ws.outbox, ws.templates / "xlsx", ws.templates / "docx"):
        folder.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    if campaign:
        settings.campaign = campaign
    ws.save_settings(settings)
    if not ws.roster_path.exists():
        write_roster([], ws.roster_path)
    install_templates(ws)
    return ws
