"""Shared fixtures: the seeds beside the repository, a fresh workspace, LibreOffice when present."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reporting.workspace import Workspace
from reporting.workspace_init import init_workspace

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked slow run when asked for (-m slow, or REPORTING_SLOW_TESTS=1), not in every run."""
    if "slow" in (config.getoption("markexpr") or "") or os.environ.get("REPORTING_SLOW_TESTS"):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or REPORTING_SLOW_TESTS=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds 不在仓库旁边")
    return SEEDS


def seed(name_prefix: str) -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds 不在仓库旁边")
    return next(SEEDS.glob(f"{name_prefix}_*.txt"))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A new workspace in a folder with a Chinese name (paths with Chinese characters must work)."""
    return init_workspace(tmp_path / "司法局工作目录")


@pytest.fixture(scope="session")
def soffice() -> str:
    """The LibreOffice binary; on CI its absence is a failure, elsewhere the test is skipped."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("CI 上必须安装 LibreOffice（scripts/test.sh 会安装）")
    pytest.skip("未安装 LibreOffice")


@pytest.fixture
def mail_servers():
    """dovecot (IMAP) and aiosmtpd (SMTP, delivering through dovecot-lda) on free ports of 127.0.0.1.

    On CI their absence is a failure (scripts/test.sh installs them); elsewhere the test is skipped.
    """
    import mailserver

    why = mailserver.missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"CI 上必须安装邮件测试服务器（scripts/test.sh 会安装）：{why}")
        pytest.skip(why)
    servers = mailserver.start()
    try:
        yield servers
    finally:
        servers.stop()
