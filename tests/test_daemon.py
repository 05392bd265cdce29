"""`govwatch run` end to end: a daemon process, mock portals, an SMTP server on 127.0.0.1.

"1m" schedules on a fast clock (GOVWATCH_TIME_SCALE=0.1: 6 s); waits are for observable states.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from crawler.cli import main
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle
from scheduler.alerts_file import AlertsConfig
from scheduler.daemon import JOBS_TABLE, STORED, make_scheduler
from scheduler.daemon import Daemon as DaemonInProcess
from scheduler.exceptions import SettingsError
from scheduler.leadership import SCHEDULER, Leadership
from scheduler.runner import Outcome
from scheduler.settings import Settings
from storage import Repository, RetrySettings, utcnow
from storage.models import Lease
from tests.faults.support import wait_until as poll
from tests.support import daemon as support
from tests.support.alerts import (
    meeting,
    notice,
    root_logging,  # noqa: F401  (a fixture)
    write_alerts,
)
from tests.support.daemon import INTERVAL, LIST, Daemon, publish, runs, settled, stored, wait_until
from tests.support.portal import portal_entry, write_portals
from tests.support.smtp import SmtpServer
from tests.test_scheduler import P

pytestmark = pytest.mark.usefixtures("root_logging")
daemons, smtp = support.daemons, support.smtp  # fixtures

SUBJECT = re.compile(r"^\[govwatch\] 渭滨区人民政府 · [^·]*第(\d+)次[^·]*常务会议 · 2023-02-2\d$")


def meeting_number(subject: str) -> int:
    """N of "[govwatch] 渭滨区人民政府 · …第N次…常务会议 · 2023-02-21" (extraction may word
    the meeting's name either way; test_alerts_email pins the exact subject)."""
    match = SUBJECT.match(subject)
    assert match, subject
    return int(match[1])


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
        # the second daemon takes over once the first's lease has gone unrenewed for 4 s
        lease = {"GOVWATCH_SCHEDULER_LEASE_TTL": "4s", "GOVWATCH_SCHEDULER_LEASE_HEARTBEAT": "1s"}
        first = Daemon(tmp_path, portals, alerts, sqlite_url, **lease).start()
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
        second = Daemon(tmp_path, portals, alerts, sqlite_url, **lease).start()
        daemons.append(second)
        wait_until(lambda: repo.count_messages() == {"sent": 3}, 40, "three emails", second)
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
        assert re.search(
            r"^scheduler: daemon \S+ pid \d+, active since .+, last ran 20", status, re.M
        )
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
        assert main(["status", "--portals", str(portals), "--db", sqlite_url]) == 0
        stopped = r"^scheduler: no daemon is running; the last, daemon \S+ pid \d+, last ran 20"
        assert re.search(stopped, capsys.readouterr().out, re.M)
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


# -- in one process: the lease, the watchdog, the job store's failures ----------------------

LEASE = Settings(scheduler_lease_ttl=1.2, scheduler_lease_heartbeat=0.3)


def renewed_at(repo: Repository) -> datetime:
    lease = repo.lease_holder(SCHEDULER)
    assert lease is not None
    return lease.heartbeat_at


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(target()), daemon=True)
    thread.start()
    return thread, result


def test_a_second_daemon_waits_while_the_first_renews_and_takes_over_after_its_ttl(
    db_url: str, caplog: pytest.LogCaptureFixture
):
    repo = Repository.open(db_url)
    first_stop, second_stop = threading.Event(), threading.Event()
    first = Leadership(repo, LEASE, first_stop, holder="daemon a")
    second = Leadership(repo, LEASE, second_stop, holder="daemon b")
    try:
        assert first.take() and first.holds() and not first.waited
        first.start()
        thread, taken = in_thread(second.take)
        poll(lambda: second.waited, 5, "the second to wait")
        assert "another govwatch daemon is active" in caplog.text and "daemon a" in caplog.text
        waiting_since = utcnow()
        # a whole TTL of renewals by the first: had it stopped, the second would have taken over
        poll(
            lambda: renewed_at(repo) > waiting_since + timedelta(seconds=LEASE.scheduler_lease_ttl),
            10,
            "a TTL of renewals",
        )
        assert taken == [] and not second.holds() and first.holds()

        first_stop.set()  # the first stops renewing, as if killed: no release
        stopped = time.monotonic()
        thread.join(10)
        assert taken == [True] and second.holds()
        assert (
            time.monotonic() - stopped
            < LEASE.scheduler_lease_ttl + 2 * LEASE.scheduler_lease_heartbeat + 1
        )
        holder = repo.lease_holder(SCHEDULER)
        assert holder is not None and holder.holder == "daemon b"
        first.check()
        assert not first.holds()  # by its own clock too
    finally:
        first_stop.set()
        second_stop.set()
        repo.close()


def test_a_daemon_that_loses_its_lease_stops_crawling_and_sending_until_it_takes_it_again(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    repo = Repository.open(sqlite_url)
    crawled = tmp_path / "crawled"
    sends: list[int] = []

    class Recorder:
        def run(self) -> None:
            sends.append(len(sends))

    daemon = DaemonInProcess(
        LEASE,
        repo,
        load_portals=lambda: [P("weibin")],
        load_alerts=AlertsConfig,
        crawl_command=lambda name: [sys.executable, "-c", f"open({str(crawled)!r}, 'a')"],
    )
    daemon.scheduler.start(paused=True)
    try:
        assert daemon.leadership.take()
        daemon.leadership.start()
        daemon.apply(daemon.load())
        daemon.delivery = Recorder()  # type: ignore[assignment]

        with repo.session.begin() as session:  # another daemon takes the lease over
            lease = session.get(Lease, SCHEDULER)
            assert lease is not None
            lease.expires_at = utcnow() - timedelta(seconds=1)
        assert repo.acquire_lease(SCHEDULER, "daemon b", ttl=60)
        poll(daemon.halt.is_set, 5, "the loss")
        assert "scheduler lease lost (taken by daemon b" in caplog.text
        daemon.crawl("weibin")
        daemon.deliver()
        assert not crawled.exists() and sends == []

        repo.release_lease(SCHEDULER, "daemon b")  # free again: taken at the next heartbeat
        poll(lambda: daemon._resync, 5, "the lease taken again")
        daemon._resume()
        assert not daemon.halt.is_set()
        daemon.crawl("weibin")
        daemon.deliver()
        assert crawled.exists() and sends
    finally:
        daemon.stopping.set()
        daemon.scheduler.shutdown(wait=False)
        repo.close()


def test_a_renewal_that_fails_past_the_grace_counts_as_lost(sqlite_url: str):
    repo = Repository.open(sqlite_url)
    now = [0.0]
    leadership = Leadership(repo, LEASE, threading.Event(), clock=lambda: now[0])
    lost: list[str] = []
    leadership.on_lost = lost.append
    assert leadership.take()
    now[0] = leadership.grace - 0.01
    leadership.check()
    assert leadership.holds() and lost == []
    now[0] = leadership.grace  # no good renewal since the take: a heartbeat before expiry
    leadership.check()
    assert not leadership.holds() and lost == [f"it has not been renewed for {leadership.grace:g}s"]
    repo.close()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dead_scheduler_thread_stops_the_daemon_with_exit_code_1(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
):
    repo = Repository.open(sqlite_url)
    daemon = DaemonInProcess(
        Settings(reload_check=0.1),
        repo,
        load_portals=lambda: [P("weibin")],
        load_alerts=AlertsConfig,
        crawl_command=lambda name: [sys.executable, "-c", "pass"],
    )

    def dies() -> None:
        raise RuntimeError("a bug in the loop")

    daemon.scheduler._main_loop = dies  # type: ignore[method-assign]
    # a deadline, should the watchdog miss it: SIGTERM ends run() with 0
    deadline = threading.Timer(60, os.kill, (os.getpid(), signal.SIGTERM))
    deadline.start()
    try:
        with caplog.at_level(logging.INFO):
            code = daemon.run()
    finally:
        deadline.cancel()
        repo.close()
    assert code == 1
    assert "the scheduler thread has died" in caplog.text


RAN: list[float] = []  # when record_run ran, by time.time()


def record_run() -> None:
    """A stored job's function (the SQL job store keeps it by reference)."""
    RAN.append(time.time())


def saved_next_run(repo: Repository, job_id: str) -> float:
    with repo.engine.connect() as connection:
        value = connection.scalar(
            text(f"SELECT next_run_time FROM {JOBS_TABLE} WHERE id = :id"), {"id": job_id}
        )
    return float(value or 0)


def test_a_job_store_write_that_fails_is_retried_and_the_job_runs_once(sqlite_url: str):
    repo = Repository.open(sqlite_url, RetrySettings(backoff=0.01))
    scheduler = make_scheduler(repo, Settings())
    RAN.clear()
    failures = [3]

    @event.listens_for(repo.engine, "before_cursor_execute")
    def locked(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(f"UPDATE {JOBS_TABLE}") and failures[0]:
            failures[0] -= 1
            raise sqlite3.OperationalError("database is locked")

    scheduler.start()
    try:
        scheduler.add_job(
            record_run,
            "interval",
            seconds=2,
            jobstore=STORED,
            id="every-2s",
            next_run_time=utcnow(),
        )
        poll(lambda: failures[0] == 0, 10, "three failed writes")
        saved = poll(lambda: saved_next_run(repo, "every-2s") > RAN[0], 10, "the next run saved")
        assert saved and len(RAN) == 1  # not run again while its next time was unsaved
        assert scheduler.thread_alive()
        poll(lambda: len(RAN) == 2, 10, "the next run")
    finally:
        scheduler.shutdown(wait=False)
        repo.close()


def test_lease_settings_come_from_the_environment_and_must_leave_a_renewal_to_fail():
    settings = Settings.from_env(
        {"GOVWATCH_SCHEDULER_LEASE_TTL": "1m", "GOVWATCH_SCHEDULER_LEASE_HEARTBEAT": "15s"}
    )
    assert (settings.scheduler_lease_ttl, settings.scheduler_lease_heartbeat) == (60, 15)
    assert (Settings().scheduler_lease_ttl, Settings().scheduler_lease_heartbeat) == (45, 10)
    with pytest.raises(
        SettingsError, match=r"GOVWATCH_SCHEDULER_LEASE_HEARTBEAT \(30s\) must be at most"
    ):
        Settings.from_env(
            {"GOVWATCH_SCHEDULER_LEASE_TTL": "45s", "GOVWATCH_SCHEDULER_LEASE_HEARTBEAT": "30s"}
        )


def test_an_unchanged_check_of_a_healthy_portal_is_neither_judged_nor_sent(sqlite_url: str):
    """A 304 (the crawl service's cheap check) stores nothing: once the portal was judged ok,
    the daemon spends no database work or sender run on it (docs/scaling.md)."""
    repo = Repository.open(sqlite_url)
    outcomes = iter([Outcome("weibin", 0, None), Outcome("weibin", 0, None, unchanged=True)])

    class Runner:
        def run(self, portal: Any) -> Outcome:
            repo.ensure_portal("weibin", None, None)
            repo.finish_run(repo.start_run("weibin", full=False), status="finished")
            return next(outcomes)

    daemon = DaemonInProcess(
        Settings(),
        repo,
        load_portals=lambda: [P("weibin")],
        load_alerts=AlertsConfig,
        crawl_command=lambda name: [sys.executable, "-c", "pass"],
    )
    daemon.scheduler.start(paused=True)
    daemon.apply(daemon.load())
    daemon.runner = Runner()  # type: ignore[assignment]
    judged, sent = [], []
    check = daemon.health.check
    daemon.health.check = lambda name: judged.append(name) or check(name)  # type: ignore[method-assign]
    daemon.request_delivery = lambda: sent.append(1)  # type: ignore[method-assign]
    try:
        daemon.crawl("weibin")  # a full crawl: judged (ok) and the sender woken
        daemon.crawl("weibin")  # a 304 on a portal judged ok: neither
        assert (judged, sent) == (["weibin"], [1])
        daemon.health._ok_at.clear()  # the verdict grew old (REJUDGE_AFTER): judged again
        outcomes = iter([Outcome("weibin", 0, None, unchanged=True)])
        daemon.crawl("weibin")
        assert judged == ["weibin", "weibin"]
    finally:
        daemon.scheduler.shutdown(wait=False)
        repo.close()
