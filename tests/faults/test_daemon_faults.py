"""The daemon's database failing under it while jobs are due: SQLite locked past its busy
timeout, a full disk. The scheduler logs the cause, tries again, and afterwards every due crawl
runs and every email goes out once; started on a full disk, it says so in one line."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import PortalSite
from storage import Repository
from tests.faults.support import WriteLock, run
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
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("root_logging")
daemons, smtp = support.daemons, support.smtp  # fixtures

# the scheduler's job store failed: the line the daemon logs (before the fix, the traceback
# of the thread it killed)
JOB_STORE_FAILED = ("job store", "Exception in thread APScheduler")


@contextlib.contextmanager
def small_disk(path: Path, size: str = "16m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (the tests run as root), unmounted after."""
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(disk: Path) -> Path:
    """Write a file on ``disk`` until no block is left; removing it frees the disk."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 4096, 1):
            while True:
                try:
                    os.write(descriptor, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(descriptor)
    return filler


def job_store_failed(daemon: Daemon, cause: str) -> bool:
    log = daemon.log()
    return cause in log and any(marker in log for marker in JOB_STORE_FAILED)


def carries_on(
    daemon: Daemon, repo: Repository, site: PortalSite, smtp: SmtpServer, meetings: list[str]
) -> None:
    """Every meeting published so far is stored and mailed once, and crawls go on."""
    for slug in meetings:
        url = site.url(f"/xwzx/zwdt/{slug}.html")
        wait_until(lambda u=url: stored(repo, u), 3 * INTERVAL + 60, f"{slug} stored", daemon)
    wait_until(lambda: settled(repo), 60, "a settled outbox", daemon)
    finished = len(runs(repo, "weibin", "finished"))
    wait_until(
        lambda: len(runs(repo, "weibin", "finished")) >= finished + 2,
        3 * INTERVAL + 30,
        "two more crawls",
        daemon,
    )
    subjects = [email.subject for email in smtp.mailbox.all()]
    assert len(subjects) == len(meetings) == len(set(subjects)), subjects
    daemon.signal(signal.SIGTERM)
    assert daemon.wait() == 0
    assert "Traceback" not in daemon.log()


def start(tmp_path: Path, site: PortalSite, smtp: SmtpServer, db: str, **env: str) -> Daemon:
    publish(site, [meeting("m1", 1), notice("n1", 1)])
    portals = write_portals(
        tmp_path / "portals.yaml",
        [portal_entry("weibin", site.url(LIST), title="渭滨区人民政府", schedule="1m")],
    )
    alerts = write_alerts(
        tmp_path / "alerts.yaml", smtp.smtp_config(), [{"name": "desk", "to": "a@example.org"}]
    )
    return Daemon(tmp_path, portals, alerts, db, **env).start()


def test_sqlite_locked_past_the_busy_timeout_while_jobs_are_due_the_daemon_carries_on(
    tmp_path: Path, site: PortalSite, sqlite_url: str, smtp: SmtpServer, daemons: list[Daemon]
):
    daemon = start(tmp_path, site, smtp, sqlite_url, GOVWATCH_DB_BUSY_TIMEOUT="1s")
    daemons.append(daemon)
    repo = Repository.open(sqlite_url)
    wait_until(lambda: runs(repo, "weibin", "finished"), 60, "the baseline", daemon)
    wait_until(lambda: settled(repo), 30, "a settled outbox", daemon)

    old = [meeting("m1", 1), notice("n1", 1)]
    publish(site, [meeting("m10", 10, day=21), *old])
    first = site.url("/xwzx/zwdt/m10.html")
    wait_until(lambda: stored(repo, first), INTERVAL + 30, "the first new meeting", daemon)
    with WriteLock(sqlite_url):
        publish(site, [meeting("m11", 11, day=22), meeting("m10", 10, day=21), *old])
        # held until the scheduler has met it: a crawl fell due and its next time was written
        wait_until(
            lambda: job_store_failed(daemon, "database is locked"),
            INTERVAL + 30,
            "the job store's failure",
            daemon,
        )
    carries_on(daemon, repo, site, smtp, ["m10", "m11"])
    repo.close()


def test_a_full_disk_while_jobs_are_due_the_daemon_carries_on(
    tmp_path: Path, site: PortalSite, smtp: SmtpServer, daemons: list[Daemon]
):
    with small_disk(tmp_path / "disk") as disk:
        db = f"sqlite:///{disk / 'govwatch.db'}"
        daemon = start(tmp_path, site, smtp, db)
        daemons.append(daemon)
        repo = Repository.open(db)
        wait_until(lambda: runs(repo, "weibin", "finished"), 60, "the baseline", daemon)
        wait_until(lambda: settled(repo), 30, "a settled outbox", daemon)

        filler = fill(disk)
        old = [meeting("m1", 1), notice("n1", 1)]
        publish(site, [meeting("m10", 10, day=21), *old])
        wait_until(
            lambda: job_store_failed(daemon, "database or disk is full"),
            INTERVAL + 60,
            "the job store's failure",
            daemon,
        )
        filler.unlink()
        carries_on(daemon, repo, site, smtp, ["m10"])
        repo.close()
        daemons.remove(daemon)


def test_started_on_a_full_disk_it_says_so_in_one_line_and_exits_non_zero(tmp_path: Path):
    portals = write_portals(tmp_path / "portals.yaml", [])
    env = {"GOVWATCH_DB_ATTEMPTS": "2", "GOVWATCH_DB_BACKOFF": "0.1s"}
    with small_disk(tmp_path / "disk", "2m") as disk:
        db = f"sqlite:///{disk / 'govwatch.db'}"
        repo = Repository.open(db)
        # another process has the database open (a crawl, `govwatch serve`): its journal and
        # shared memory stay, so the new daemon opens it and fails at its first write
        with repo.engine.connect():
            fill(disk)
            result = run(["run", "--portals", str(portals), "--db", db], env)
        repo.close()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"govwatch: database {db}: cannot "), result.stderr
    assert last.endswith("database or disk is full"), result.stderr
