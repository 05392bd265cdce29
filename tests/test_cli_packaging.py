"""Packaging for a server: the compose file, the Dockerfile, the systemd unit, --log-file."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from crawler.cli.common import setup_logging
from storage import url_problem
from tests.support.portal import ROOT, govwatch, portal_entry, write_portals


def test_compose_runs_govwatch_with_postgresql_and_redis():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"govwatch", "web", "postgres", "redis"} <= set(services)
    daemon = services["govwatch"]
    assert daemon["command"] == ["govwatch", "run"] and daemon["build"] == "."
    assert set(daemon["depends_on"]) == {"postgres", "redis"}
    for name in ("govwatch", "web"):
        url = services[name]["environment"]["GOVWATCH_DB"]
        filled = re.sub(r"\$\{[^}]*\}", "secret", url)
        assert filled == "postgresql://govwatch:secret@postgres/govwatch"
        assert url_problem(filled) is None
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "govwatch"
    assert "GOVWATCH_UI_TOKEN" in services["web"]["environment"]  # serve on 0.0.0.0 needs it


def test_dockerfile_installs_through_the_makefile():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    used = re.findall(r"^RUN make ((?:[a-z][a-z-]* ?)+)", dockerfile, re.M)
    assert used and {t for run in used for t in run.split()} <= targets
    assert "make setup" in dockerfile and 'CMD ["govwatch", "run"]' in dockerfile


@pytest.fixture
def unit(tmp_path: Path) -> Path:
    """The shipped unit, its ExecStart pointed at this checkout's govwatch (verify checks
    that the binary exists)."""
    text = (ROOT / "packaging" / "govwatch.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/govwatch/.venv/bin/govwatch run --log-file" in text
    here = str(ROOT / ".venv" / "bin" / "govwatch")
    path = tmp_path / "govwatch.service"
    path.write_text(text.replace("/opt/govwatch/.venv/bin/govwatch", here), encoding="utf-8")
    return path


def test_the_systemd_unit_verifies(unit: Path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here: the unit is not verified")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    broken = unit.with_name("broken.service")
    broken.write_text(unit.read_text().replace("Type=simple", "Type=simpel"))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert "simpel" in result.stderr  # the check does read the file


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    before = list(root.handlers)
    yield root
    for handler in root.handlers[len(before) :]:
        handler.close()
    root.handlers[:] = before


def test_log_file_is_reopened_after_logrotate_moves_it(tmp_path: Path, root_logger: logging.Logger):
    log = tmp_path / "govwatch.log"
    setup_logging(verbose=False, quiet=False, log_file=str(log))
    logging.getLogger("govwatch.test").info("before the rotation")
    log.rename(tmp_path / "govwatch.log.1")  # what logrotate does (no copytruncate)
    logging.getLogger("govwatch.test").info("after the rotation")
    assert "before the rotation" in (tmp_path / "govwatch.log.1").read_text(encoding="utf-8")
    assert "after the rotation" in log.read_text(encoding="utf-8")


def test_a_command_logs_to_its_log_file(tmp_path: Path, sqlite_url: str):
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("dead", "http://127.0.0.1:9/")]
    )
    log = tmp_path / "logs" / "govwatch.log"
    result = govwatch(
        "crawl", "--portals", str(portals), "--db", sqlite_url, "--log-file", str(log)
    )
    assert result.returncode == 2 and result.stderr.strip() == (
        f"govwatch: --log-file {log}: cannot open: No such file or directory"
    )
    log.parent.mkdir()
    result = govwatch(
        "crawl", "--portals", str(portals), "--db", sqlite_url, "--log-file", str(log)
    )
    assert result.returncode == 1, result.stderr
    assert "portal dead: run #1 failed" in log.read_text(encoding="utf-8")
