"""How library functions report progress without knowing about terminals."""

from __future__ import annotations

from collections.abc import Callable

# progress(done, total, label): called as work advances; the CLI draws a bar on a terminal, nothing otherwise.
ProgressHook = Callable[[int, int, str], None]


def no_progress(done: int, total: int, label: str) -> None:
    """The default hook: report nothing."""
