"""Real clients for tests: LibreOffice converts and fills workbooks the way a liaison's desk would.

Every call runs soffice with its own throw-away profile (so parallel runs never collide), is bounded by
a timeout, and kills the whole process group when it ends, finished or not.

`fill_with_libreoffice` types into cells through the dispatcher (.uno:GoToCell + .uno:EnterString), the
path a keyboard takes, so LibreOffice's sheet protection applies: a locked cell on a protected sheet keeps
its value. The API setters (setString/setValue) bypass protection, so they are never used on cells.
Data validity is not enforced on this path (headless, no dialog): "完成" lands in a 完成状态 cell and 150
in 完成进度(%), as on a paste, so returns must still be checked by the reader.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

UNO_PYTHON = "/usr/bin/python3"  # the system Python has the `uno` module; the venv's usually does not
TIMEOUT = 180

FILTERS = {
    "xlsx": "Calc MS Excel 2007 XML",
    "xls": "MS Excel 97",
    "ods": "calc8",
    "pdf": "calc_pdf_Export",
    "doc": "MS Word 97",
    "odt": "writer8",
}


class OfficeError(RuntimeError):
    """LibreOffice failed, timed out, or produced no file."""


def soffice_binary() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise OfficeError("LibreOffice (soffice) is not installed")
    return found


def convert(src: Path, fmt: str, outdir: Path, timeout: float = TIMEOUT) -> Path:
    """`soffice --headless --convert-to fmt` of `src` into `outdir`; the path of the converted file."""
    if fmt not in FILTERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(FILTERS)}")
    if not src.is_file():
        raise FileNotFoundError(src)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        command = [
            soffice_binary(), *_profile_args(Path(profile)),
            "--convert-to", f"{fmt}:{FILTERS[fmt]}", "--outdir", str(outdir), str(src),
        ]
        result = _run(command, timeout)
    target = outdir / f"{src.stem}.{fmt}"
    if not target.exists():
        raise OfficeError(f"conversion of {src.name} to {fmt} produced nothing:\n{result.stdout}\n{result.stderr}")
    return target


def fill_with_libreoffice(
    src: Path, dst: Path, cells: dict[str, object], sheet: str = "工作台账", timeout: float = TIMEOUT,
) -> dict:
    """Open `src` in LibreOffice, type `cells` ({"J3": "已完成", "K3": 50}) into `sheet`, save as `dst`.

    The format follows dst's extension (.xlsx/.xls/.ods). Returns what LibreOffice reported:
    `{"protected": {sheet: bool}, "visible": {sheet: bool}, "properties": {name: value},
      "cells": {"J3": {"locked": bool, "before": ..., "after": ..., "written": bool}},
      "refused": [cells whose typed value did not land]}`.
    """
    if not src.is_file():
        raise FileNotFoundError(src)
    fmt = dst.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "xls", "ods"):
        raise ValueError(f"cannot save as {dst.suffix!r}")
    if not Path(UNO_PYTHON).exists():
        raise OfficeError(f"{UNO_PYTHON} (with python3-uno) is needed to drive LibreOffice")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-fill-") as work:
        work_dir = Path(work)
        script = work_dir / "fill.py"
        script.write_text(_UNO_SCRIPT, encoding="utf-8")
        job = {
            "soffice": soffice_binary(), "profile": (work_dir / "profile").as_uri(),
            "pipe": f"reporting_test_{os.getpid()}_{work_dir.name}", "src": str(src.resolve()),
            "dst": str(dst.resolve()), "filter": FILTERS[fmt], "sheet": sheet,
            "cells": {ref: value for ref, value in cells.items()}, "timeout": timeout,
        }
        job_file = work_dir / "job.json"
        job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        result = _run([UNO_PYTHON, str(script), str(job_file)], timeout + 30, env=_clean_env())
        report_file = work_dir / "report.json"
        if not report_file.exists():
            raise OfficeError(f"LibreOffice fill failed:\n{result.stdout}\n{result.stderr}")
        report = json.loads(report_file.read_text(encoding="utf-8"))
    if "error" in report:
        raise OfficeError(f"LibreOffice fill failed: {report['error']}")
    if not dst.exists():
        raise OfficeError(f"LibreOffice did not save {dst}")
    return report


def _profile_args(profile: Path) -> list[str]:
    return [
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
    ]


def _clean_env() -> dict[str, str]:
    """The system Python must not pick up the venv's site-packages or a pyenv PYTHONHOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PYENV"))}
    env.setdefault("HOME", tempfile.gettempdir())
    return env


def _run(command: list[str], timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run in a new process group; on timeout or any exit, kill the group (soffice forks)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env=env)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process.pid)
        process.communicate()
        raise OfficeError(f"LibreOffice took longer than {timeout:.0f}s: {' '.join(command[:3])} …") from exc
    finally:
        _kill_group(process.pid)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# Run by the system Python (which has `uno`); talks to its own soffice over a named pipe.
_UNO_SCRIPT = r'''
import json, os, signal, subprocess, sys, time, traceback

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe, deadline):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def cell_value(cell):
    kind = cell.getType().value
    if kind == "VALUE":
        return cell.getValue()
    if kind == "EMPTY":
        return None
    return cell.getString()


def as_typed(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def same(before, after, typed):
    if isinstance(after, float):
        try:
            return abs(after - float(typed)) < 1e-9
        except ValueError:
            return False
    return (after or "") == typed


def main(job_file):
    job = json.load(open(job_file, encoding="utf-8"))
    report_file = os.path.join(os.path.dirname(job_file), "report.json")
    office = subprocess.Popen(
        [job["soffice"], "-env:UserInstallation=" + job["profile"], "--headless", "--invisible", "--nologo",
         "--norestore", "--nodefault", "--nolockcheck", f"--accept=pipe,name={job['pipe']};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = {}
    desktop = None
    try:
        ctx = connect(job["pipe"], time.monotonic() + job["timeout"])
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["src"]), "_blank", 0, (prop("Hidden", True),))
        sheets = doc.getSheets()
        report["protected"] = {n: sheets.getByName(n).isProtected() for n in sheets.getElementNames()}
        report["visible"] = {n: bool(sheets.getByName(n).IsVisible) for n in sheets.getElementNames()}
        user = doc.getDocumentProperties().getUserDefinedProperties()
        report["properties"] = {p.Name: user.getPropertyValue(p.Name)
                                for p in user.getPropertySetInfo().getProperties()}
        sheet = sheets.getByName(job["sheet"])
        controller = doc.getCurrentController()
        controller.setActiveSheet(sheet)
        frame = controller.getFrame()
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        cells, refused = {}, []
        for ref, value in job["cells"].items():
            cell = sheet.getCellRangeByName(ref)
            before = cell_value(cell)
            typed = as_typed(value)
            dispatcher.executeDispatch(frame, ".uno:GoToCell", "", 0, (prop("ToPoint", ref),))
            dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0, (prop("StringName", typed),))
            after = cell_value(cell)
            written = same(before, after, typed)
            cells[ref] = {"locked": bool(cell.CellProtection.IsLocked), "before": before, "after": after,
                          "written": written}
            if not written:
                refused.append(ref)
        report["cells"], report["refused"] = cells, refused
        doc.storeToURL(uno.systemPathToFileUrl(job["dst"]), (prop("FilterName", job["filter"]),))
        doc.close(True)
    except Exception:
        report["error"] = traceback.format_exc()
    finally:
        with open(report_file, "w", encoding="utf-8") as handle:
            json.dump(report, handle, ensure_ascii=False)
        try:
            if desktop is not None:
                desktop.terminate()
        except Exception:
            pass
        try:
            office.wait(timeout=10)
        except subprocess.TimeoutExpired:
            office.kill()


main(sys.argv[1])
'''
