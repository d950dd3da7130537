"""Fonts on a fresh machine: matplotlib's stale font list is rebuilt once; the PDF keeps the hierarchy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from campaign import build_campaign
from click.testing import CliRunner

from reporting import charts, demo
from reporting.docx_format import PDF_SUBSTITUTES, fontconfig_file

STALE_LIST = """
from matplotlib import font_manager as fm
fm.fontManager.ttflist = [f for f in fm.fontManager.ttflist if "CJK" not in f.name]
fm.json_dump(fm.fontManager, fm.Path(fm.mpl.get_cachedir(), f"fontlist-v{fm.FontManager.__version__}.json"))
"""
DRAW = """
import json, sys
from pathlib import Path
from matplotlib import font_manager as fm
before = any("CJK" in f.name for f in fm.fontManager.ttflist)
from reporting import charts
found = charts.draw_charts(Path(sys.argv[1]), [("依法行政", 0.5)], [("已完成", 3)], [("县司法局", 0.4)])
print(json.dumps({"before": before, "font": charts.cjk_font(), "warning": found.warning}))
"""


def _python(code: str, home: Path, *args: str) -> str:
    env = {**os.environ, "HOME": str(home), "MPLCONFIGDIR": str(home / "mpl")}
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                          check=True, timeout=300).stdout


def has_cjk_font() -> bool:
    return "CJK" in subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout


@pytest.mark.skipif(not has_cjk_font(), reason="needs a Chinese font installed (fonts-noto-cjk)")
def test_a_font_list_made_before_the_fonts_were_installed_is_rebuilt(tmp_path):
    home = tmp_path / "家"
    home.mkdir()
    _python(STALE_LIST, home)  # as on a machine where matplotlib ran before fonts-noto-cjk was installed
    outcome = json.loads(_python(DRAW, home, str(tmp_path)).splitlines()[-1])
    assert outcome["before"] is False
    assert outcome["font"] and outcome["warning"] == ""
    cache = next((home / "mpl").glob("fontlist-*.json")).read_text(encoding="utf-8")
    assert "CJK" in cache  # saved: the next run reads the rebuilt list


@pytest.mark.skipif(not has_cjk_font(), reason="needs a Chinese font installed (fonts-noto-cjk)")
def test_an_empty_matplotlib_folder_finds_the_fonts(tmp_path):
    home = tmp_path / "空"
    home.mkdir()
    outcome = json.loads(_python(DRAW, home, str(tmp_path)).splitlines()[-1])
    assert outcome["font"] and outcome["warning"] == ""


def test_no_chinese_font_anywhere_is_said_with_its_cause(monkeypatch, tmp_path):
    from matplotlib import font_manager

    plain = [f for f in font_manager.fontManager.ttflist if f.name in ("DejaVu Sans",)]
    rebuilt = []
    monkeypatch.setattr(font_manager.fontManager, "ttflist", plain)
    monkeypatch.setattr(charts, "_rebuild_font_list", lambda: rebuilt.append(True))
    charts.cjk_font.cache_clear()
    try:
        found = charts.draw_charts(tmp_path, [("依法行政", 0.5)], [("已完成", 3)], [("县司法局", 0.4)])
    finally:
        charts.cjk_font.cache_clear()
    assert rebuilt == [True]  # tried once before giving up
    assert found.warning == charts.NO_FONT_WARNING
    assert "重新扫描" in found.warning and "fonts-noto-cjk" in found.warning


def test_demo_passes_the_font_warning_on(monkeypatch, tmp_path):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    said: list[str] = []
    demo.run_demo(tmp_path / "demo", say=said.append)
    assert f"    提醒：{charts.NO_FONT_WARNING}" in said


def test_report_command_warns_and_exits_0(monkeypatch, ws):
    from reporting.cli import main

    build_campaign(ws)
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    result = CliRunner().invoke(main, ["report", "-w", str(ws.root)])
    assert result.exit_code == 0
    assert f"提醒：{charts.NO_FONT_WARNING}" in result.output


def test_fontconfig_maps_each_document_font():
    config = fontconfig_file("/etc/fonts/fonts.conf")
    for family, faces, _ in PDF_SUBSTITUTES:
        assert f"<family>{family}</family><prefer><family>{family}</family><family>{faces[0]}</family>" in config
    assert config.rstrip().endswith('<include ignore_missing="yes">/etc/fonts/fonts.conf</include></fontconfig>')


@pytest.mark.skipif(not Path("/etc/fonts/fonts.conf").is_file(), reason="needs fontconfig")
def test_fontconfig_gives_title_heading_and_body_different_faces(tmp_path):
    config = tmp_path / "fonts.conf"
    config.write_text(fontconfig_file(), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}

    def face(family: str) -> str:
        return subprocess.run(["fc-match", "-f", "%{family[0]}:%{style[0]}", family], env=env, capture_output=True,
                              text=True, check=True).stdout

    faces = {family: face(family) for family in ("方正小标宋简体", "仿宋_GB2312", "黑体")}
    assert len(set(faces.values())) == 3, faces
