"""The `reporting` console script: Ctrl-C is a quiet one-liner from the first instant, imports included.

Importing the commands takes a moment (pandas, matplotlib …); a Ctrl-C then, before anything was done,
would print a Python traceback. Here it ends the program with one line instead; once the commands run,
their own boundary (commands/common.py) says what was kept.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys

INTERRUPTED_EARLY = "已中断：尚未开始处理，没有做任何更改。"


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted_early)
    cli = importlib.import_module(".cli", __package__).main  # loaded once Ctrl-C is ours (not a cycle dodged)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    cli()


def _interrupted_early(signum: int, frame: object) -> None:
    sys.stderr.write(INTERRUPTED_EARLY + "\n")
    sys.stderr.flush()
    os._exit(130)
