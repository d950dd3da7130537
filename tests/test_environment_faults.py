"""A broken machine, not a broken file: disk full, a read-only workspace, an outbox that cannot be written, a
damaged or missing store, a lock file or archive of the wrong type, a unit name too long for a file name,
Ctrl-C while the program starts. Each is one Chinese line naming the path, exit 1 (130 for Ctrl-C), a
traceback only with -v, the store as it was, no temporary file left behind.

Faults that need a user without root's powers run the command as `nobody` (setpriv); disk full runs on a
small tmpfs when this test may mount one, and is injected as well.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from returns import UNITS, done, dump_store, ongoing, record_round, write_return

from reporting import fileio
from reporting.cli import main
from reporting.fileio import TEMP_PREFIX
from reporting.naming import file_stem
from reporting.store import connect
from reporting.workspace import Workspace
from reporting.workspace_init import init_workspace

NOBODY = 65534


def _fill(ws: Workspace) -> None:
    record_round(ws)
    write_return(ws.inbox / "财政局.xlsx", "县财政局", {"1": done(), "2": ongoing(), "3": ongoing()},
                 mtime=1_789_000_000)
    write_return(ws.inbox / "公安局.xlsx", "县公安局", {"1": done(), "4": ongoing(), "5": done()},
                 mtime=1_789_000_010)


def _collect(ws: Workspace, *options: str):
    return CliRunner().invoke(main, [*options, "collect", "-w", str(ws.root)])


def _temporaries(root: Path) -> list[Path]:
    return list(root.rglob(f"{TEMP_PREFIX}*"))


def _one_line(output: str, code: int, fragment: str, path: str, expected_code: int = 1) -> None:
    """Exit 1, one line saying `fragment` and naming `path`, no traceback."""
    assert code == expected_code, output
    lines = [line for line in output.splitlines() if line.startswith("错误：")]
    assert len(lines) == 1, output
    assert fragment in lines[0] and path in lines[0], lines[0]
    assert "Traceback" not in output


@pytest.fixture
def filled(ws) -> Workspace:
    _fill(ws)
    return ws


# ---------------------------------------------------------------- disk full


def test_disk_full_while_copying_into_archive(filled, monkeypatch):
    before = dump_store(filled)
    real = fileio.write_all

    def full(stream, data: bytes) -> None:  # write_bytes_atomic's temporary file: the copy into archive/
        real(stream, data[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio, "write_all", full)  # the workers are forked from here: they see it too
    result = _collect(filled)
    _one_line(result.output, result.exit_code, "磁盘空间不足", "archive/")
    assert dump_store(filled) == before
    assert _temporaries(filled.root) == []
    monkeypatch.undo()
    assert _collect(filled).exit_code == 0  # room again: the run finishes the job


def test_worker_killed_while_copying_into_archive_leaves_no_temporary_file(filled, monkeypatch):
    real = fileio.write_all
    main_process = os.getpid()

    def killed(stream, data: bytes) -> None:  # a worker dies mid-copy, as a crash or a limit would end it
        if os.getpid() == main_process:  # the main process keeps a crashed file: its copy goes through
            return real(stream, data)
        real(stream, data[:10])
        stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(fileio, "write_all", killed)  # the workers are forked from here: they see it too
    result = _collect(filled)
    assert result.exit_code == 0, result.output
    assert _temporaries(filled.root) == []


def test_traceback_only_with_verbose(filled, monkeypatch):
    from reporting import collect

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(filled.db_path))

    monkeypatch.setattr(collect, "_start_run", full)
    quiet = _collect(filled)
    _one_line(quiet.output, quiet.exit_code, "磁盘空间不足", "reporting.db")
    loud = _collect(filled, "-v")
    assert loud.exit_code == 1 and "Traceback" in loud.output


@contextmanager
def _small_disk(size: str) -> Iterator[Path]:
    """A tmpfs of `size`, or a skip where mounting is not allowed."""
    folder = Path(tempfile.mkdtemp(prefix="reporting-small-disk-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip("不能挂载 tmpfs（需要 root）；磁盘已满由注入的测试覆盖")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def test_disk_really_full(tmp_path):
    with _small_disk("4m") as disk:
        ws = init_workspace(disk / "工作目录")
        _fill(ws)
        before = dump_store(ws)
        free = shutil.disk_usage(disk).free
        with open(disk / "占位", "wb") as filler:
            filler.write(b"\0" * max(free - 8192, 0))
        result = _collect(ws)
        _one_line(result.output, result.exit_code, "磁盘", "")
        (disk / "占位").unlink()
        assert dump_store(ws)["submissions"] == before["submissions"]
        assert _temporaries(ws.root) == []
        assert _collect(ws).exit_code == 0


def test_disk_too_small_for_what_a_zip_unpacks_to(tmp_path):
    """A zip whose photos unpack to more than the disk holds: that file is left for the next run (its own
    code and message, nothing of it stored), the others are collected, the run ends normally."""
    import io
    import zipfile

    with _small_disk("6m") as disk:
        ws = init_workspace(disk / "工作目录")
        _fill(ws)
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("照片.jpg", b"\xff\xd8\xff" + bytes(8 * 1024 * 1024))  # 8 MB unpacked, 8 KB packed
        (ws.inbox / "财政局材料.zip").write_bytes(_zip_of({"照片.zip": inner.getvalue()}))
        result = _collect(ws)
        assert result.exit_code == 0, result.output
        assert "磁盘空间不足" in result.output and "财政局材料.zip" in result.output
        conn = sqlite3.connect(ws.db_path)
        codes = dict(conn.execute("SELECT name, code FROM files").fetchall())
        conn.close()
        assert codes["财政局材料.zip"] == "zip.no_space" and codes["公安局.xlsx"] == "" == codes["财政局.xlsx"]
        assert _temporaries(ws.root) == [] and shutil.disk_usage(disk).free > 4 * 1024 * 1024  # nothing left


def test_disk_full_while_streaming_a_large_file_into_archive(monkeypatch):
    """A file past WHOLE_BYTES is copied into archive/ as it is read: the disk fills during the copy, the run
    stops with one line naming archive/ (the files before it kept), the half copy is gone (it had no name)."""
    from reporting import collect_read

    monkeypatch.setattr(collect_read, "WHOLE_BYTES", 256 * 1024)  # the workers are forked: they see it too
    with _small_disk("6m") as disk:
        ws = init_workspace(disk / "工作目录")
        _fill(ws)
        (ws.inbox / "财政局材料.zip").write_bytes(_zip_of({"照片.jpg": os.urandom(4 * 1024 * 1024)}))
        result = _collect(ws)
        _one_line(result.output, result.exit_code, "磁盘空间不足", "archive")
        conn = sqlite3.connect(ws.db_path)
        assert conn.execute("SELECT name FROM files WHERE name LIKE '%财政局材料%'").fetchall() == []
        conn.close()
        assert _temporaries(ws.root) == [] and shutil.disk_usage(disk).free > 1024 * 1024  # nothing held
        (ws.inbox / "财政局材料.zip").unlink()
        assert _collect(ws).exit_code == 0


def _zip_of(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


# ---------------------------------------------------------------- permissions, as a user without root's


def _as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("需要以 root 运行并有 setpriv，才能以 nobody 身份运行命令")
    env = {**os.environ, "HOME": str(cwd), "MPLCONFIGDIR": str(cwd / ".mpl")}
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           sys.executable, "-m", "reporting", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder anyone may enter (tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="reporting-faults-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_read_only_workspace(shared):
    ws = init_workspace(shared / "工作目录")
    _fill(ws)
    before = dump_store(ws)
    done_ = _as_nobody("collect", "-w", "工作目录", cwd=shared)  # root's files, nobody's run: read only
    _one_line(done_.stderr, done_.returncode, "没有权限", "工作目录/")
    assert dump_store(ws) == before
    assert _temporaries(ws.root) == []


def test_outbox_not_writable(shared):
    ws = init_workspace(shared / "工作目录")
    _fill(ws)
    for path in [ws.root, *ws.root.rglob("*")]:
        if ws.outbox not in (path, *path.parents):
            os.chown(path, NOBODY, NOBODY)
    done_ = _as_nobody("collect", "-w", "工作目录", cwd=shared)
    _one_line(done_.stderr, done_.returncode, "没有权限", "outbox")
    assert _temporaries(ws.root) == []
    again = _collect(ws)  # as root: the receipts left unwritten are written now
    assert again.exit_code == 0, again.output
    assert len(list((ws.outbox).rglob("回执/*.xlsx"))) == 2


def test_receipt_path_taken_by_a_folder(filled):
    assert _collect(filled).exit_code == 0
    receipt = next(filled.outbox.rglob("回执/*.xlsx"))
    receipt.unlink()
    receipt.mkdir()
    from reporting.store import connect, transaction

    conn = connect(filled.db_path)
    with transaction(conn):
        conn.execute("UPDATE submissions SET receipt = NULL")
    conn.close()
    result = _collect(filled)
    _one_line(result.output, result.exit_code, "是一个文件夹", receipt.name)
    assert _temporaries(filled.root) == []


# ---------------------------------------------------------------- the store and the workspace's own files


def test_damaged_store(filled):
    filled.db_path.write_bytes(os.urandom(4096))
    before = filled.db_path.read_bytes()
    result = _collect(filled)
    _one_line(result.output, result.exit_code, "已损坏", "reporting.db")
    assert filled.db_path.read_bytes() == before


def test_store_deleted(filled):
    filled.db_path.unlink()
    result = _collect(filled)
    _one_line(result.output, result.exit_code, "尚未生成任何轮次的台账", "reporting generate")
    assert not filled.db_path.exists()  # no empty store made in its place


def test_lock_file_is_a_folder(filled):
    (filled.root / ".reporting.lock").unlink(missing_ok=True)
    (filled.root / ".reporting.lock").mkdir()
    before = dump_store(filled)
    result = _collect(filled)
    _one_line(result.output, result.exit_code, "是一个文件夹", ".reporting.lock")
    assert dump_store(filled) == before


def test_archive_is_a_file(filled):
    shutil.rmtree(filled.archive, ignore_errors=True)
    filled.archive.write_bytes(b"not a folder")
    before = dump_store(filled)
    result = _collect(filled)
    _one_line(result.output, result.exit_code, "应是文件夹", "archive")
    assert dump_store(filled) == before
    assert _temporaries(filled.root) == []


def test_inbox_is_a_file(filled):
    """inbox/ replaced by a file: the run said 新报送 0 份 and exit 0, as if there were nothing new."""
    shutil.rmtree(filled.inbox)
    filled.inbox.write_bytes(b"not a folder")
    before = dump_store(filled)
    result = _collect(filled)
    _one_line(result.output, result.exit_code, "应是文件夹", "inbox")
    assert dump_store(filled) == before


def test_leftover_temporaries_are_removed_by_the_next_run(filled):
    left = filled.archive / "ab" / f"{TEMP_PREFIX}abc.xlsx"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"")
    assert _collect(filled).exit_code == 0
    assert not left.exists()


def test_unit_name_of_300_characters(ws):
    long = "县" + "某" * 296 + "办公室"
    other = "县" + "某" * 296 + "服务站"  # the same up to far past any cut
    units = {**UNITS, long: {"1": "牵头"}, other: {"1": "牵头"}}
    record_round(ws, units=units)
    write_return(ws.inbox / "长名单位.xlsx", long, {"1": done()}, units=units, mtime=1_789_000_000)
    write_return(ws.inbox / "长名单位2.xlsx", other, {"1": done()}, units=units, mtime=1_789_000_010)
    result = CliRunner().invoke(main, ["collect", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    receipts = sorted(ws.outbox.rglob("回执/*.xlsx"))
    assert len(receipts) == 2 and all(len(p.name.encode()) <= 255 for p in receipts)
    assert file_stem(long) != file_stem(other)
    with connect(ws.db_path) as conn:  # the document property holds 255 characters; 识别信息 the whole name
        assert {row[0] for row in conn.execute("SELECT unit FROM submissions")} == {long, other}


# ---------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("delay", [0.25, 0.5, 1.5])
def test_ctrl_c_at_any_moment_is_one_line(filled, delay):
    """From the moment reporting's code runs (Python's own start, the first few tens of milliseconds, is
    Python's: a Ctrl-C then gets its "Fatal Python error")."""
    process = subprocess.Popen([sys.executable, "-m", "reporting", "collect", "-w", str(filled.root)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    if process.returncode != 0:  # it may have finished already
        assert process.returncode == 130 and len(err.strip().splitlines()) == 1, err
        assert err.startswith("已中断")
    assert _temporaries(filled.root) == []


_SLOW_EXIT = """
import atexit, runpy, sys, time
atexit.register(time.sleep, 3)  # a shutdown as slow as a loaded machine's, with a library's atexit work
sys.argv = ["reporting", "collect", "-w", sys.argv[1]]
runpy.run_module("reporting", run_name="__main__")
"""


def test_ctrl_c_once_the_command_is_done_changes_nothing(filled):
    """Ctrl-C while Python shuts down after the command has finished and reported: ignored, the command's
    own exit status, no message (it used to end Python by the signal, or print an ignored exception)."""
    import sqlite3 as sqlite

    process = subprocess.Popen([sys.executable, "-c", _SLOW_EXIT, str(filled.root)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    finished = None
    while time.monotonic() < deadline and not finished:
        time.sleep(0.1)
        try:
            conn = sqlite.connect(filled.db_path)
            finished = conn.execute("SELECT finished_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
            conn.close()
            finished = finished and finished[0]
        except sqlite.Error:
            finished = None
    time.sleep(1)  # the summary printed, into the three seconds of shutdown
    assert process.poll() is None
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "已接收" in out and err.strip() == ""
