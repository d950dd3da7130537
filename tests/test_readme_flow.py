"""The README's "一轮填报怎么做" commands, run literally and in order on a fresh folder; and the one answer to
"which round" that every command gives."""

from __future__ import annotations

import json
import random
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from reporting.cli import main
from reporting.demo import DATA, PLAN_FILE, _demo_roster
from reporting.roster import write_roster
from reporting.simulate import UnitBehaviour, fill_workbook
from reporting.workspace import Workspace

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_flow() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## 一轮填报怎么做\n+```bash\n(.*?)```", text, re.S).group(1)
    return block.splitlines()


def _plan_docx(path: Path) -> None:
    document = Document()
    for line in (DATA / PLAN_FILE).read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(str(path))


def _run(args: list[str], codes: tuple[int, ...] = (0,)) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code in codes, f"reporting {' '.join(args)} → {result.output}"
    return result.output


def test_the_readme_flow_runs_as_written(tmp_path, monkeypatch, soffice):
    """Each `reporting …` line as the README prints it (comments dropped); `cd` as the shell would; the
    coordinator's manual steps (the README's comment lines) done between them."""
    monkeypatch.chdir(tmp_path)
    here = tmp_path
    ran = []
    for line in _readme_flow():
        command = line.split("  #")[0].strip()
        if line.startswith("#") and "单位名册" in line:  # the coordinator completes the drafted roster
            write_roster(_demo_roster(), here / "单位名册.xlsx")
            continue
        if line.startswith("#") and "inbox/" in line:  # units send their workbooks back
            _send_returns(Workspace(here))
            continue
        if not command or command.startswith(("#", "pip ")):
            continue
        words = shlex.split(command)
        if words[0] == "cd":
            here = here / words[1]
            monkeypatch.chdir(here)
            continue
        assert words[0] == "reporting", line
        if words[1:3] == ["plan", "import"]:
            _plan_docx(here / words[3])
        # plan check runs before the roster is completed: it lists what is missing and exits 1
        output = _run(words[1:], (0, 1) if words[1:3] == ["plan", "check"] else (0,))
        ran.append((words[1], output))
    assert [name for name, _ in ran] == ["init", "plan", "plan", "generate", "collect", "status", "evidence",
                                         "consolidate", "report"]
    round_dir = here / "outbox" / "2026年第四季度"
    for name in ("汇总台账.xlsx", "自评报告.docx", "自评报告.pdf", "催报名单.xlsx", "缺证清单.xlsx",
                 "佐证材料目录.xlsx"):
        assert (round_dir / name).exists(), name
    assert '"名称" = "2026年第四季度"' in (here / "reporting.toml").read_text(encoding="utf-8")
    status = json.loads(_run(["status", "--json"]))
    assert status["round"] == "2026年第四季度" and status["due"] == "2026-12-31"
    assert status["return_rate"] > 0


def _send_returns(ws: Workspace) -> None:
    rng = random.Random(12)
    for path in sorted((ws.outbox / "2026年第四季度" / "台账").glob("*.xlsx"))[:5]:
        fill_workbook(path, ws.inbox / path.name, UnitBehaviour(unit=path.stem), rng)


# ---------------------------------------------------------------- one round, found the same way everywhere


@pytest.fixture
def generated(tmp_path) -> Path:
    """A workspace with two generated rounds (the second is current), and a subfolder to run from."""
    root = tmp_path / "县司法局"
    _run(["init", str(root)])
    shutil.copy2(DATA / PLAN_FILE, root / PLAN_FILE)
    _run(["plan", "import", str(root / PLAN_FILE), "-w", str(root)])
    write_roster(_demo_roster(), root / "单位名册.xlsx")
    _run(["generate", "-w", str(root), "--round", "第一季度", "--due", "2026-03-31"])
    _run(["generate", "-w", str(root), "--round", "第二季度", "--due", "2026年6月30日"])
    (root / "材料" / "三月").mkdir(parents=True)
    return root


@pytest.mark.parametrize("command", [["status", "--json"], ["consolidate"], ["collect"]])
def test_every_command_takes_the_round_generate_made_current(generated, monkeypatch, command):
    monkeypatch.chdir(generated / "材料" / "三月")  # a subfolder: the workspace is found upward
    output = _run(command)
    if command[0] == "status":
        assert json.loads(output)["round"] == "第二季度"
    elif command[0] == "consolidate":
        assert (generated / "outbox" / "第二季度" / "汇总台账.xlsx").exists()
        assert not (generated / "outbox" / "第一季度" / "汇总台账.xlsx").exists()
    settings = Workspace(generated).settings()
    assert settings.round_name == "第二季度" and str(settings.round_due) == "2026-06-30"


def test_the_workspace_option_goes_before_or_after_the_command(generated, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = json.loads(_run(["-w", str(generated), "status", "--json"]))
    after = json.loads(_run(["status", "--json", "-w", str(generated)]))
    assert before["round"] == after["round"] == "第二季度"


def test_a_round_named_by_hand_in_the_settings_wins_and_an_unknown_one_is_named(generated):
    settings = generated / "reporting.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('"第二季度"', '"第一季度"'), encoding="utf-8")
    assert json.loads(_run(["status", "--json", "-w", str(generated)]))["round"] == "第一季度"
    settings.write_text(settings.read_text(encoding="utf-8").replace('"第一季度"', '"第三季度"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["consolidate", "-w", str(generated)])
    assert result.exit_code == 1 and "「第三季度」尚未生成台账" in result.output


def test_no_workspace_above_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 1
    assert result.output.startswith("错误：当前目录") and "不是工作目录" in result.output


def test_a_new_round_does_not_take_the_last_rounds_due_date(generated):
    _run(["generate", "-w", str(generated), "--round", "第三季度"])
    settings = Workspace(generated).settings()
    assert settings.round_name == "第三季度" and settings.round_due is None
    assert json.loads(_run(["status", "--json", "-w", str(generated)]))["due"] is None
