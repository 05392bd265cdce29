"""One active daemon per database, held by the "scheduler" lease across a PostgreSQL restart:
a second `govwatch run` waits while the first renews it, and takes over once the first is
killed and its lease has expired; with a slow SMTP server no meeting is mailed twice."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawler.demo.server import PortalSite
from storage import Repository, utcnow
from tests.support import daemon as support
from tests.support.alerts import meeting, notice, root_logging, write_alerts  # noqa: F401
from tests.support.daemon import (
    INTERVAL,
    LIST,
    Daemon,
    publish,
    runs,
    settled,
    stored,
    wait_until,
)
from tests.support.portal import portal_entry, write_portals
from tests.support.postgres import PostgresCluster, create_database
from tests.support.smtp import Mailbox, Received, SmtpServer

pytestmark = pytest.mark.usefixtures("root_logging")
daemons = support.daemons  # a fixture

TTL, HEARTBEAT = 4.0, 1.0
LEASE = {
    "GOVWATCH_SCHEDULER_LEASE_TTL": f"{TTL:g}s",
    "GOVWATCH_SCHEDULER_LEASE_HEARTBEAT": f"{HEARTBEAT:g}s",
}
WAITING = "waiting to take over"
SLOW_ANSWER = 1.0  # seconds the SMTP server takes to answer each message


class SlowMailbox(Mailbox):
    """Keeps each message, then answers a second later (the server's loop waits with it)."""

    def add(self, item: Received) -> None:
        super().add(item)
        time.sleep(SLOW_ANSWER)


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    """A server of the module's own, to stop and start under a daemon."""
    server = PostgresCluster().start()
    yield server
    server.remove()


@pytest.fixture
def pg_db(cluster: PostgresCluster, request: pytest.FixtureRequest) -> str:
    return create_database(cluster.url, f"lease_{request.node.name[5:40].replace('-', '_')}")


@pytest.fixture
def slow_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.mailbox = SlowMailbox()
    yield server.start()
    server.stop()


def holder_pid(db: str) -> int | None:
    """The process id of the daemon holding the scheduler lease, None when none does."""
    repo = Repository.open(db)
    try:
        lease = repo.lease_holder("scheduler")
    finally:
        repo.close()
    return int(lease.holder.rsplit(" ", 1)[1]) if lease else None


def renewed_at(repo: Repository) -> datetime:
    """When the scheduler lease was last renewed (UTC)."""
    lease = repo.lease_holder("scheduler")
    assert lease is not None
    return lease.heartbeat_at


def pid(daemon: Daemon) -> int:
    assert daemon.process is not None
    return daemon.process.pid


def files(tmp_path: Path, site: PortalSite, smtp: SmtpServer) -> tuple[Path, Path]:
    portals = write_portals(
        tmp_path / "portals.yaml",
        [portal_entry("weibin", site.url(LIST), title="渭滨区人民政府", schedule="1m")],
    )
    alerts = write_alerts(
        tmp_path / "alerts.yaml", smtp.smtp_config(), [{"name": "desk", "to": "a@example.org"}]
    )
    return portals, alerts


def test_one_daemon_across_a_postgresql_restart_then_the_second_takes_over_after_a_kill(
    tmp_path: Path,
    site: PortalSite,
    cluster: PostgresCluster,
    pg_db: str,
    slow_smtp: SmtpServer,
    daemons: list[Daemon],
):
    old = [meeting("m1", 1), notice("n1", 1)]
    publish(site, old)
    portals, alerts = files(tmp_path, site, slow_smtp)
    first = Daemon(tmp_path, portals, alerts, pg_db, **LEASE).start()
    daemons.append(first)
    wait_until(lambda: holder_pid(pg_db) == pid(first), 60, "the first daemon's lease", first)
    repo = Repository.open(pg_db)
    wait_until(lambda: runs(repo, "weibin", "finished"), 60, "the baseline", first)
    wait_until(lambda: settled(repo), 30, "a settled outbox", first)

    new = [meeting(f"new{i}", 20 + i, day=21) for i in range(3)]
    publish(site, [*new, *old])
    wait_until(lambda: slow_smtp.mailbox.all(), INTERVAL + 30, "the first email", first)
    cluster.stop()  # every session cut, the first's included
    cluster.start()
    second = Daemon(tmp_path, portals, alerts, pg_db, **LEASE).start()
    daemons.append(second)
    wait_until(lambda: WAITING in second.log(), 60, "the second daemon to wait", second)
    waiting_since = utcnow()
    wait_until(lambda: settled(repo), 60, "every email sent", first, second)
    # a whole TTL of the first renewing while the second waits: the second never took the
    # lease, so it never crawled or sent anything
    wait_until(
        lambda: renewed_at(repo) > waiting_since + timedelta(seconds=TTL),
        3 * TTL,
        "a TTL of renewals",
        first,
        second,
    )
    assert holder_pid(pg_db) == pid(first) and second.alive()
    assert "took the scheduler lease" not in second.log()

    first.signal(signal.SIGKILL)
    first.wait()
    killed = time.monotonic()
    wait_until(lambda: holder_pid(pg_db) == pid(second), 30, "the takeover", second)
    assert time.monotonic() - killed < TTL + 2 * HEARTBEAT + 5
    publish(site, [meeting("new9", 29, day=22), *new, *old])
    url = site.url("/xwzx/zwdt/new9.html")
    wait_until(lambda: stored(repo, url), INTERVAL + 60, "the meeting after the takeover", second)
    wait_until(lambda: settled(repo), 60, "its email", second)

    subjects = [email.subject for email in slow_smtp.mailbox.all()]
    numbers = sorted(int(re.findall(r"第(\d+)次", s)[0]) for s in subjects)
    assert numbers == [20, 21, 22, 29], subjects  # each meeting once
    second.signal(signal.SIGTERM)
    assert second.wait() == 0
    assert "Traceback" not in first.log() + second.log()
    assert holder_pid(pg_db) is None  # released at its stop
    repo.close()


def test_sigterm_with_the_database_gone_stops_cleanly(
    tmp_path: Path,
    site: PortalSite,
    cluster: PostgresCluster,
    pg_db: str,
    daemons: list[Daemon],
):
    publish(site, [meeting("m1", 1)])
    smtp = SmtpServer()  # not started: no email is due
    portals, alerts = files(tmp_path, site, smtp)
    daemon = Daemon(tmp_path, portals, alerts, pg_db, **LEASE).start()
    daemons.append(daemon)
    wait_until(lambda: "govwatch daemon started" in daemon.log(), 60, "the start", daemon)
    try:
        cluster.stop()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(90) == 0, daemon.log()[-4000:]
    finally:
        cluster.start()
    log = daemon.log()
    assert "Traceback" not in log, log[-4000:]
    assert "govwatch daemon stopped" in log
