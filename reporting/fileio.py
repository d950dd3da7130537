"""Atomic writes of files in the workspace, with the classic desk failure spelled out."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .errors import WorkspaceError

TEMP_PREFIX = ".~tmp-"  # atomic_path's temporary files: only a killed process leaves one behind


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as the user knows it: relative to the workspace when inside it."""
    if root is not None:
        try:
            return Path(os.path.relpath(path, root)).as_posix()
        except ValueError:
            pass
    return str(path)


@contextmanager
def atomic_path(target: Path, root: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` in one step.

    A crash mid-write leaves the previous file untouched and no half-written one in its place.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _replace(tmp_name, target, root)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(target: Path, data: bytes, root: Path | None = None) -> None:
    """atomic_path for bytes in hand (collect copies every file it reads into archive/ this way): the same
    guarantees and messages, written through the temporary file's own descriptor (the folder made only when
    missing): two system calls fewer than atomic_path for each file collect reads."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    try:
        with open(fd, "wb") as stream:
            write_all(stream, data)
        _replace(tmp_name, target, root)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if exc.filename is None:  # a full disk's error on write() names no file: the message must
            exc.filename = str(target)
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def write_all(stream: BinaryIO, data: bytes) -> None:
    """Write `data` to an open file (one place, so that tests can make the disk full here)."""
    stream.write(data)


def _replace(tmp_name: str, target: Path, root: Path | None) -> None:
    try:
        os.replace(tmp_name, target)
    except PermissionError as exc:
        raise WorkspaceError(
            f"无法写入 {display_path(target, root)}：文件可能正在 Excel/WPS 中打开，请关闭后重试"
        ) from exc


def write_text_atomic(target: Path, text: str, root: Path | None = None) -> None:
    with atomic_path(target, root) as tmp:
        tmp.write_text(text, encoding="utf-8")


def remove_temporaries(folder: Path) -> None:
    """atomic_path's temporary files a killed run left in `folder` and below; call it holding the workspace
    lock, for folders only lock holders write to."""
    if folder.is_dir():
        for path in folder.rglob(f"{TEMP_PREFIX}*"):
            path.unlink(missing_ok=True)
