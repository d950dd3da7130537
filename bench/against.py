"""This checkout against an earlier commit's, in the same run: the earlier package, and one timed run of it."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def checkout(commit: str, folder: Path) -> Path:
    """The `reporting` package of `commit`, taken out with `git archive` into `folder`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "reporting"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def run_once(code: str, source: Path, workspace: Path) -> dict:
    """`code` run in a process of its own with `source` first on its path; the JSON its last line prints."""
    done = subprocess.run([sys.executable, "-c", code, str(source), str(workspace)], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{source}: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
