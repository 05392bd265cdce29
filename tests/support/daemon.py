"""A `govwatch run` process for tests: fast settings, its log in a file, waits on conditions.

"1m" schedules run on a fast clock (GOVWATCH_TIME_SCALE=0.1: every 6 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle
from storage import Announcement, CrawlRun, Repository
from tests.support.portal import ROOT, serve
from tests.support.smtp import SmtpServer

# GOVWATCH_TIME_SCALE shortens interval schedules only (docs/running.md): crawl processes,
# SMTP and everything else run at their own speed
SCALE = 0.1
INTERVAL = 60 * SCALE  # a "1m" schedule, on the fast clock
FAST = {
    "GOVWATCH_TIME_SCALE": str(SCALE),
    "GOVWATCH_SEND_INTERVAL": "1s",
    "GOVWATCH_RELOAD_CHECK": "0.5s",
    "GOVWATCH_RETRY_FIRST": "1s",
    "GOVWATCH_RETRY_MAX": "2s",
    "GOVWATCH_SEND_CLAIM": "2s",
    "GOVWATCH_KILL_GRACE": "2s",
    "GOVWATCH_START_SPREAD": "2s",
}
STYLE = SiteStyle(per_page=20)
LIST = "/xwzx/zwdt/index.html"


def run_command(portals: Path, alerts: Path, db: str) -> list[str]:
    """`govwatch run` with these files and database, as the tests and benchmarks start it."""
    return [
        sys.executable,
        "-m",
        "crawler.cli",
        "run",
        "--portals",
        str(portals),
        "--alerts",
        str(alerts),
        "--db",
        db,
    ]


class Daemon:
    """A `govwatch run` process; its log goes to a file, read on failure."""

    def __init__(self, tmp_path: Path, portals: Path, alerts: Path, db: str, **env: str) -> None:
        self.command = run_command(portals, alerts, db)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **FAST, **env}
        self.env.pop("GOVWATCH_SMTP_PASSWORD", None)
        self.log_path = tmp_path / "daemon.log"
        index = 1
        while self.log_path.exists():  # a second daemon of the same test logs apart
            index += 1
            self.log_path = tmp_path / f"daemon{index}.log"
        self.log_path.touch()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Daemon:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.wait(60)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.wait()


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    """Daemons a test starts; any still running at its end are stopped."""
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def wait_until(
    check: Callable[[], Any], timeout: float, what: str, *daemons: Daemon, alive: bool = True
) -> Any:
    """Poll ``check`` until it is true; fail at ``timeout``, or at once if a daemon that
    should be running (``alive``) has died, with the daemons' logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        for daemon in daemons:
            assert not alive or daemon.alive(), (
                f"the daemon died while waiting for {what}:\n{daemon.log()[-4000:]}"
            )
        time.sleep(0.2)
    logs = "\n".join(daemon.log()[-4000:] for daemon in daemons)
    raise AssertionError(f"no {what} within {timeout}s; daemon log:\n{logs}")


def runs(repo: Repository, portal: str, status: str | None = None) -> list[CrawlRun]:
    return [r for r in repo.runs(portal, limit=100) if status is None or r.status == status]


def stored(repo: Repository, url: str) -> Announcement | None:
    with repo.session() as session:
        return session.scalar(select(Announcement).where(Announcement.url == url))


def settled(repo: Repository) -> bool:
    """Every stored announcement matched and every email sent."""
    return repo.unprocessed_events() == 0 and not repo.messages()


def publish(site: PortalSite, articles: list[SiteArticle]) -> None:
    serve(site, STYLE, articles)
