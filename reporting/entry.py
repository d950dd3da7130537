"""The `reporting` console script: Ctrl-C is a quiet one-liner from the first instant, imports included.

Importing the command takes a moment (pandas, matplotlib …); a Ctrl-C then, before anything was done,
would print a Python traceback. Here it ends the program with one line instead; once the commands run,
their own boundary (commands/common.py) says what was kept.

What stays Python's: a Ctrl-C after the interpreter installs its own handler (early in its start-up) and
before main() runs prints Python's message. That is Python's start-up itself (standard streams, `site`
with the environment's .pth files), the console-script launcher pip writes (`import re`, then importing
this module), and `reporting/__init__.py` and this module: about 10 ms in a regular install, more in an
editable one (its .pth finder imports pathlib and urllib). No code of ours runs earlier, short of a .pth
or sitecustomize that would change Ctrl-C for every program of the environment; a Ctrl-C before that
window ends Python silently (the default action).

At the other end, once the command has returned, Ctrl-C is ignored: Python's shutdown (atexit, modules
torn down, hundreds of milliseconds with the libraries loaded) would otherwise die of it with no message
and the status of an interrupted run, the work done and reported; ignored is the one disposition
Python keeps through its shutdown.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys

INTERRUPTED_EARLY = "已中断：尚未开始处理，没有做任何更改。"


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted_early)
    commands = importlib.import_module(".cli", __package__)  # loaded once Ctrl-C is ours (not a cycle dodged)
    commands.preload(sys.argv[1:])  # the command's own module too, before anything is done
    cli = commands.main

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        cli()
    finally:  # the command is done and has said so: a Ctrl-C while Python shuts down changes nothing
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interrupted_early(signum: int, frame: object) -> None:
    sys.stderr.write(INTERRUPTED_EARLY + "\n")
    sys.stderr.flush()
    os._exit(130)
