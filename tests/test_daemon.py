"""`govwatch run` end to end: a daemon process, mock portals, an SMTP server on 127.0.0.1.

"1m" schedules on a fast clock (GOVWATCH_TIME_SCALE=0.1: 6 s); waits are for observable states.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.cli import main
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle
from storage import Announcement, CrawlRun, Repository
from tests.support.alerts import (
    meeting,
    notice,
    root_logging,  # noqa: F401  (a fixture)
    write_alerts,
)
from tests.support.portal import ROOT, portal_entry, serve, write_portals
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("root_logging")

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
SUBJECT = re.compile(r"^\[govwatch\] 渭滨区人民政府 · [^·]*第(\d+)次[^·]*常务会议 · 2023-02-2\d$")
LIST = "/xwzx/zwdt/index.html"


class Daemon:
    """A `govwatch run` process; its log goes to a file, read on failure."""

    def __init__(self, tmp_path: Path, portals: Path, alerts: Path, db: str, **env: str) -> None:
        self.command = [
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
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **FAST, **env}
        self.env.pop("GOVWATCH_SMTP_PASSWORD", None)
        self.log_path = tmp_path / "daemon.log"
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


def wait_until(check: Callable[[], Any], timeout: float, what: str, daemon: Daemon) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        assert daemon.alive(), f"the daemon died while waiting for {what}:\n{daemon.log()[-4000:]}"
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {timeout}s; daemon log:\n{daemon.log()[-4000:]}")


def runs(repo: Repository, portal: str, status: str | None = None) -> list[CrawlRun]:
    return [r for r in repo.runs(portal, limit=100) if status is None or r.status == status]


def stored(repo: Repository, url: str) -> Announcement | None:
    with repo.session() as session:
        return session.scalar(select(Announcement).where(Announcement.url == url))


def settled(repo: Repository) -> bool:
    """Every stored announcement matched and every email sent."""
    return repo.unprocessed_events() == 0 and not repo.messages()


def meeting_number(subject: str) -> int:
    """N of "[govwatch] 渭滨区人民政府 · …第N次…常务会议 · 2023-02-21" (extraction may word
    the meeting's name either way; test_alerts_email pins the exact subject)."""
    match = SUBJECT.match(subject)
    assert match, subject
    return int(match[1])


def publish(site: PortalSite, articles: list[SiteArticle]) -> None:
    serve(site, STYLE, articles)


def test_a_new_meeting_arrives_within_the_interval_plus_30s_and_nothing_else_does(
    tmp_path: Path, sqlite_url: str, smtp: SmtpServer, daemons: list[Daemon]
):
    weibin, jintai = PortalSite().start(), PortalSite().start()
    try:
        old = [meeting("m1", 1), meeting("m2", 2), notice("n1", 1)]
        publish(weibin, old)
        publish(jintai, [meeting("j1", 31), notice("j2", 32)])
        portals = write_portals(
            tmp_path / "portals.yaml",
            [
                portal_entry("weibin", weibin.url(LIST), title="渭滨区人民政府", schedule="1m"),
                portal_entry("jintai", jintai.url(LIST), title="金台区人民政府", schedule="1m"),
            ],
        )
        alerts = write_alerts(
            tmp_path / "alerts.yaml", smtp.smtp_config(), [{"name": "desk", "to": "a@example.org"}]
        )
        daemon = Daemon(tmp_path, portals, alerts, sqlite_url).start()
        daemons.append(daemon)
        repo = Repository.open(sqlite_url)
        for name in ("weibin", "jintai"):  # the baseline crawls send nothing
            wait_until(lambda n=name: runs(repo, n, "finished"), 60, f"{name}'s baseline", daemon)
        wait_until(lambda: settled(repo), 30, "a settled outbox", daemon)
        assert smtp.mailbox.all() == []

        new = meeting("m10", 10, day=21)
        publish(weibin, [new, notice("n10", 10), *old])
        published = time.monotonic()
        (email,) = smtp.mailbox.wait_for(1, timeout=INTERVAL + 30)
        assert time.monotonic() - published <= INTERVAL + 30
        assert meeting_number(email.subject) == 10
        assert email.recipients == ["a@example.org"]
        assert weibin.url("/xwzx/zwdt/m10.html") in email.part("plain")

        # the same report republished by another portal: stored as a copy, no second email
        copy = SiteArticle(**{**new.__dict__, "slug": "copy10", "source": "金台区"})
        publish(jintai, [copy, meeting("j1", 31), notice("j2", 32)])
        copy_url = jintai.url("/xwzx/zwdt/copy10.html")
        record = wait_until(lambda: stored(repo, copy_url), INTERVAL + 30, "the copy", daemon)
        assert record.duplicate_of == weibin.url("/xwzx/zwdt/m10.html")
        notice_url = weibin.url("/xwzx/zwdt/n10.html")
        wait_until(lambda: stored(repo, notice_url), 5, "the notice", daemon)
        wait_until(lambda: settled(repo), 30, "a settled outbox", daemon)
        assert len(smtp.mailbox.all()) == 1

        daemon.signal(signal.SIGTERM)
        assert daemon.wait() == 0
        assert "govwatch daemon stopped" in daemon.log()
        repo.close()
    finally:
        weibin.stop()
        jintai.stop()


def test_killed_between_storing_and_sending_every_alert_arrives_once(
    tmp_path: Path, sqlite_url: str, smtp: SmtpServer, daemons: list[Daemon]
):
    site = PortalSite().start()
    try:
        old = [meeting("m1", 1), notice("n1", 1)]
        publish(site, old)
        portals = write_portals(
            tmp_path / "portals.yaml",
            [portal_entry("weibin", site.url(LIST), title="渭滨区人民政府", schedule="1m")],
        )
        alerts = write_alerts(
            tmp_path / "alerts.yaml", smtp.smtp_config(), [{"name": "desk", "to": "a@example.org"}]
        )
        first = Daemon(tmp_path, portals, alerts, sqlite_url).start()
        daemons.append(first)
        repo = Repository.open(sqlite_url)
        wait_until(lambda: runs(repo, "weibin", "finished"), 60, "the baseline", first)

        # the server records the first email, then keeps the sender waiting for its answer
        smtp.mailbox.hold.set()
        new = [meeting(f"new{i}", 20 + i, day=21) for i in range(3)]
        publish(site, [*new, *old])
        wait_until(smtp.mailbox.holding.is_set, INTERVAL + 30, "the first email", first)
        first.signal(signal.SIGKILL)
        first.wait()
        assert len(smtp.mailbox.all()) == 1
        assert repo.count_messages() == {"pending": 2, "sending": 1}  # stored, not sent

        smtp.mailbox.hold.clear()
        smtp.mailbox.release.set()
        second = Daemon(tmp_path, portals, alerts, sqlite_url).start()
        daemons.append(second)
        wait_until(lambda: repo.count_messages() == {"sent": 3}, 30, "three emails", second)
        received = smtp.mailbox.all()
        ids = [r.message_id for r in received]
        assert len(set(ids)) == 3 and len(ids) <= 4  # at most one repeat...
        assert ids.count(ids[0]) == len(ids) - 2  # ...and only of the one in flight
        assert {meeting_number(r.subject) for r in received} == {20, 21, 22}
        repo.close()
    finally:
        smtp.mailbox.release.set()
        site.stop()


def test_a_hanging_crawl_is_killed_and_health_mail_goes_out_once_per_change(
    tmp_path: Path, sqlite_url: str, smtp: SmtpServer, daemons: list[Daemon], capsys
):
    good, bad = PortalSite().start(), PortalSite().start()
    answer = threading.Event()  # set: the stuck portal answers again

    def hanging_list(path: str, headers: dict[str, str]) -> None:
        if path == LIST:
            answer.wait(timeout=600)
        return None

    bad.handlers.append(hanging_list)
    try:
        publish(good, [meeting("g1", 41)])
        publish(bad, [meeting("b1", 51)])
        portals = write_portals(
            tmp_path / "portals.yaml",
            [
                portal_entry("good", good.url(LIST), schedule="1m"),
                portal_entry(
                    "stuck",
                    bad.url(LIST),
                    schedule="1m",
                    # the crawl killed at its timeout keeps its lease only a few seconds
                    settings={
                        "GOVWATCH_CRAWL_TIMEOUT": "10s",
                        "DOWNLOAD_TIMEOUT": 120,
                        "GOVWATCH_LEASE_TTL": "3s",
                        "GOVWATCH_LEASE_HEARTBEAT": "1s",
                    },
                ),
            ],
        )
        alerts = write_alerts(
            tmp_path / "alerts.yaml",
            smtp.smtp_config(),
            [{"name": "desk", "to": "a@example.org", "portals": ["good"]}],
            admin="ops@example.org",
        )
        daemon = Daemon(tmp_path, portals, alerts, sqlite_url, GOVWATCH_HEALTH_FAILURES="1").start()
        daemons.append(daemon)
        repo = Repository.open(sqlite_url)

        def to_admin() -> list[str]:
            return [r.subject for r in smtp.mailbox.all() if r.recipients == ["ops@example.org"]]

        wait_until(lambda: runs(repo, "good", "finished"), 60, "good's baseline", daemon)
        publish(good, [meeting("g2", 42, day=21), meeting("g1", 41)])
        wait_until(lambda: to_admin(), 2 * INTERVAL + 60, "a health email", daemon)
        assert to_admin() == ["[govwatch] portal stuck is failing"]
        # the good portal carried on meanwhile
        emails = smtp.mailbox.wait_for(2, timeout=INTERVAL + 30)
        assert "第42次" in next(e.subject for e in emails if e.recipients != ["ops@example.org"])
        # failing again is no news: still one email
        wait_until(lambda: len(runs(repo, "stuck", "failed")) >= 2, INTERVAL + 30, "a run", daemon)
        failed = runs(repo, "stuck", "failed")
        assert all(r.message == "killed after its timeout of 10s" for r in failed)
        assert main(["status", "--portals", str(portals), "--db", sqlite_url]) == 0
        status = capsys.readouterr().out
        assert "stuck: failing since" in status and "killed after its timeout of 10s" in status
        assert to_admin() == ["[govwatch] portal stuck is failing"]

        answer.set()
        wait_until(lambda: len(to_admin()) == 2, INTERVAL + 60, "the recovery email", daemon)
        assert to_admin() == [
            "[govwatch] portal stuck is failing",
            "[govwatch] portal stuck has recovered",
        ]
        assert main(["status", "--portals", str(portals), "--db", sqlite_url]) == 0
        assert "failing" not in capsys.readouterr().out

        daemon.signal(signal.SIGTERM)
        assert daemon.wait() == 0
        assert not [r for r in repo.runs(limit=100) if r.status == "running"]
        repo.close()
    finally:
        answer.set()
        good.stop()
        bad.stop()


def test_reload_on_change_keeps_the_last_good_config_and_sigterm_stops_cleanly(
    tmp_path: Path, sqlite_url: str, daemons: list[Daemon]
):
    one, two = PortalSite().start(), PortalSite().start()
    slow = threading.Event()  # set: two's pages wait until the test ends (released)
    released = threading.Event()

    def slow_articles(path: str, headers: dict[str, str]) -> None:
        if slow.is_set() and path != "/robots.txt":
            released.wait(timeout=600)
        return None

    two.handlers.append(slow_articles)
    try:
        publish(one, [meeting("a1", 61)])
        publish(two, [meeting("b1", 71)])
        portals_file = tmp_path / "portals.yaml"
        first = [portal_entry("one", one.url(LIST), schedule="1m")]
        write_portals(portals_file, first)
        alerts = write_alerts(tmp_path / "alerts.yaml", None, [], admin=None)
        daemon = Daemon(tmp_path, portals_file, alerts, sqlite_url).start()
        daemons.append(daemon)
        repo = Repository.open(sqlite_url)
        wait_until(lambda: "govwatch daemon started" in daemon.log(), 60, "the start", daemon)

        portals_file.write_text("- name: Not Valid\n  start_urls: []\n", encoding="utf-8")
        wait_until(
            lambda: "keeping the last good configuration" in daemon.log(), 30, "the error", daemon
        )
        assert "entry 1 (Not Valid), field 'name'" in daemon.log()

        slow.set()
        write_portals(portals_file, [*first, portal_entry("two", two.url(LIST), schedule="1m")])
        wait_until(lambda: runs(repo, "two", "running"), INTERVAL + 30, "a crawl of two", daemon)
        daemon.signal(signal.SIGTERM)  # while two's crawl is under way
        assert daemon.wait(60) == 0
        log = daemon.log()
        assert "crawl two: stopping (daemon shutdown)" in log
        assert "govwatch daemon stopped" in log
        assert not [r for r in repo.runs(limit=100) if r.status == "running"]
        repo.close()
    finally:
        released.set()
        one.stop()
        two.stop()
