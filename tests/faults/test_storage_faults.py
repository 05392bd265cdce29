"""The database under a crawl: SQLite locked by another writer, PostgreSQL restarted or gone.

A short wait is ridden out; a long one is retried with backoff (storage.retry), then stops the
crawl with an error naming the database, its password hidden. Nothing is lost for the next
crawl and no record is half written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from crawler.demo.server import PortalSite
from storage import (
    NewMessage,
    Repository,
    RetrySettings,
    StorageError,
    StorageUnavailable,
    safe_url,
)
from tests.faults.support import (
    Crawl,
    WriteLock,
    count,
    crawl_args,
    portals_file,
    publish,
    run,
    slow_articles,
    stored,
    wait_until,
)
from tests.faults.tracing import INSERTING
from tests.support.portal import last_run
from tests.support.postgres import PostgresCluster, create_database

PASSWORD = "pw-9f3e1c-never-shown"
TRACING = "tests.faults.tracing"
STOPPING = "stopping this crawl (the next one walks every list page)"
# retries that give up quickly: three tries, 0.2 s then 0.4 s apart
QUICK_GIVE_UP = {"GOVWATCH_DB_ATTEMPTS": "3", "GOVWATCH_DB_BACKOFF": "0.2s"}


@pytest.fixture
def portal(site: PortalSite, tmp_path: Path) -> tuple[list[str], Path]:
    """12 articles, each answering after 0.15 s, stored one per transaction."""
    urls = publish(site, meetings=10, notices=2)
    slow_articles(site, 0.15)
    # a crawl the database failed cannot release the portal's lease: it expires after 3 s
    portals = portals_file(
        site,
        tmp_path / "portals.yaml",
        GOVWATCH_BATCH_SIZE=1,
        CONCURRENT_REQUESTS_PER_DOMAIN=1,
        GOVWATCH_LEASE_TTL="3s",
        GOVWATCH_LEASE_HEARTBEAT="1s",
    )
    return urls, portals


def assert_whole(db: str, urls: list[str]) -> None:
    """Every URL stored once, with everything written with it, and the last run finished."""
    after = stored(db)
    assert sorted(after.urls) == sorted(urls)
    assert after.half_written == []
    run_ = last_run(db, "weibin")
    assert run_ is not None and run_.status == "finished"


def fetched(site: PortalSite, urls: list[str]) -> set[str]:
    """Which of ``urls`` the crawls asked ``site`` for."""
    return {site.url(hit.path) for hit in site.hits_for()} & set(urls)


# -- the retry helper ------------------------------------------------------------------------


def locked_for(repo: Repository, statements: int) -> list[int]:
    """The next ``statements`` statements on ``repo`` fail as SQLite's "database is locked";
    set the returned list's one item to fail more."""
    failures = [statements]

    @event.listens_for(repo.engine, "before_cursor_execute")
    def flaky(*_: object) -> None:
        if failures[0]:
            failures[0] -= 1
            raise sqlite3.OperationalError("database is locked")

    return failures


def test_retry_reads_its_arguments_once_then_gives_up_naming_the_database(sqlite_url: str):
    repo = Repository.open(sqlite_url, RetrySettings(attempts=3, backoff=0.01))
    repo.ensure_portal("weibin")
    url = "http://w/1.html"
    repo.add_announcements([{"portal": "weibin", "url": url, "title": "会议", "body": "正文"}])
    failures = locked_for(repo, 2)

    # two failures, then the third try: with the same URLs, though they came from a generator
    assert repo.known_urls(u for u in (url, "http://w/2.html")) == {url}
    failures[0] = 3
    with pytest.raises(StorageUnavailable) as raised:
        repo.known_urls([url])
    assert str(raised.value) == (
        f"database {sqlite_url}: cannot look up stored URLs after 3 attempts: database is locked"
    )
    with pytest.raises(IntegrityError):  # not unavailability: no retry, no translation
        repo.add_announcements([{"portal": "nowhere", "url": "http://w/3.html", "body": "x"}])
    repo.close()


def test_an_outbox_method_is_retried_then_gives_up_naming_the_database(sqlite_url: str):
    repo = Repository.open(sqlite_url, RetrySettings(attempts=3, backoff=0.01))
    now = datetime.now(UTC)
    message = NewMessage(
        "instant:desk:1", "instant", "desk", ["a@example.org"], "<1@x>", "s", "t", "h"
    )
    failures = locked_for(repo, 2)

    assert repo.add_message(message, now) is not None  # two failures, then the third try
    failures[0] = 3
    with pytest.raises(StorageUnavailable) as raised:
        repo.due_messages(now)
    assert str(raised.value) == (
        f"database {sqlite_url}: cannot read due messages after 3 attempts: database is locked"
    )
    assert [m.key for m in repo.due_messages(now)] == [message.key]
    repo.close()


def test_every_public_method_of_every_table_group_is_retried():
    groups = [cls for cls in Repository.__mro__ if cls.__module__.startswith("storage.")]
    assert {cls.__module__ for cls in groups} >= {
        "storage.announcements",
        "storage.dedupe_index",
        "storage.runs",
        "storage.portals",
        "storage.alerts",
        "storage.health",
        "storage.leases",
    }
    # connecting and closing are not transactions; prune is many, each chunk retried
    unretried = {"open", "close", "prune"}
    methods = {
        f"{cls.__name__}.{name}": value
        for cls in groups
        for name, value in vars(cls).items()
        if not name.startswith("_") and callable(value) and name not in unretried
    }
    assert len(methods) > 30
    assert [name for name, method in methods.items() if not hasattr(method, "retried")] == []


def test_retry_settings_come_from_the_environment_once():
    settings = RetrySettings.from_env(
        {
            "GOVWATCH_DB_ATTEMPTS": "4",
            "GOVWATCH_DB_BACKOFF": "500ms",
            "GOVWATCH_DB_BUSY_TIMEOUT": "1m",
        }
    )
    assert settings == RetrySettings(attempts=4, backoff=0.5, backoff_max=15, busy_timeout=60)
    assert [settings.wait(n) for n in (1, 2, 3, 7)] == [0.5, 1, 2, 15]
    with pytest.raises(StorageError, match="GOVWATCH_DB_ATTEMPTS='0': must be more than 0"):
        RetrySettings.from_env({"GOVWATCH_DB_ATTEMPTS": "0"})
    with pytest.raises(StorageError, match="GOVWATCH_DB_BACKOFF='soon': not a duration"):
        RetrySettings.from_env({"GOVWATCH_DB_BACKOFF": "soon"})


# -- SQLite: another writer holds the lock -------------------------------------------------


def test_sqlite_locked_for_a_while_the_crawl_waits_and_loses_nothing(
    portal: tuple[list[str], Path], sqlite_url: str, tmp_path: Path
):
    urls, portals = portal
    crawl = Crawl(crawl_args(portals, sqlite_url), tmp_path / "crawl.log", module=TRACING)
    try:
        wait_until(lambda: count(sqlite_url) >= 2, 60, "the first records")
        with WriteLock(sqlite_url):
            held, tried = count(sqlite_url), crawl.log().count(INSERTING)
            # a batch's INSERT begun under the lock: the crawl is now waiting for it
            wait_until(lambda: crawl.log().count(INSERTING) > tried, 30, "a write under the lock")
            assert crawl.running() and count(sqlite_url) == held < len(urls)
        assert crawl.wait() == 0, crawl.log()[-3000:]
    finally:
        crawl.kill()
    assert "attempt" not in crawl.log()  # the busy timeout (30 s) covered it: no retry
    assert_whole(sqlite_url, urls)


def test_sqlite_locked_past_the_busy_timeout_retries_then_fails_the_run_and_loses_nothing(
    site: PortalSite, portal: tuple[list[str], Path], sqlite_url: str, tmp_path: Path
):
    urls, portals = portal
    env = {"GOVWATCH_DB_BUSY_TIMEOUT": "0.3s", **QUICK_GIVE_UP}
    crawl = Crawl(crawl_args(portals, sqlite_url), tmp_path / "crawl.log", env)
    try:
        wait_until(lambda: count(sqlite_url) >= 2, 60, "the first records")
        with WriteLock(sqlite_url):
            wait_until(lambda: STOPPING in crawl.log(), 30, "the crawl to give up")
        assert crawl.wait(60) == 1
    finally:
        crawl.kill()
    log = crawl.log()
    database = f"database {safe_url(sqlite_url)}"
    assert f"{database}: cannot store announcements (database is locked); attempt 2 of 3" in log
    given_up = f"{database}: cannot store announcements after 3 attempts: database is locked"
    assert given_up in log
    failed = last_run(sqlite_url, "weibin")
    assert failed is not None and failed.status == "failed" and failed.message == given_up
    assert len(fetched(site, urls)) < len(urls)  # it stopped instead of fetching on
    assert stored(sqlite_url).half_written == []

    site.handlers.clear()
    again = run(crawl_args(portals, sqlite_url))
    assert again.returncode == 0, again.stderr[-3000:]
    assert_whole(sqlite_url, urls)


def test_sqlite_locked_when_a_crawl_starts_fails_it_clearly(
    portal: tuple[list[str], Path], sqlite_url: str
):
    _, portals = portal
    Repository.open(sqlite_url).close()  # the schema is there: a crawl's first write is locked
    env = {"GOVWATCH_DB_BUSY_TIMEOUT": "0.3s", **QUICK_GIVE_UP}
    with WriteLock(sqlite_url):
        locked = run(crawl_args(portals, sqlite_url), env)
    assert locked.returncode == 1
    given_up = f"database {safe_url(sqlite_url)}: cannot record portal after 3 attempts"
    assert given_up in locked.stderr and "weibin: not started" in locked.stderr
    assert count(sqlite_url) == 0


# -- PostgreSQL: the server restarts, or stays down ---------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    """A server of the module's own, to stop and start under a crawl."""
    server = PostgresCluster().start()
    yield server
    server.remove()


@pytest.fixture
def pg_db(cluster: PostgresCluster, request: pytest.FixtureRequest) -> str:
    """A fresh database whose URL carries a password (the server trusts without one)."""
    url = create_database(cluster.url, f"faults_{request.node.name[5:40].replace('-', '_')}")
    return url.replace("govwatch@", f"govwatch:{PASSWORD}@")


def test_postgresql_restarted_mid_crawl_is_ridden_out(
    portal: tuple[list[str], Path], cluster: PostgresCluster, pg_db: str, tmp_path: Path
):
    urls, portals = portal
    env = {
        "GOVWATCH_DB_ATTEMPTS": "20",
        "GOVWATCH_DB_BACKOFF": "0.1s",
        "GOVWATCH_DB_BACKOFF_MAX": "0.5s",
    }
    crawl = Crawl(crawl_args(portals, pg_db), tmp_path / "crawl.log", env)
    try:
        wait_until(lambda: count(pg_db) >= 2, 60, "the first records")
        cluster.stop()  # fast shutdown: every session is cut, mid-transaction or not
        wait_until(lambda: "attempt 2 of 20" in crawl.log(), 30, "a retry while it is down")
        cluster.start()
        assert crawl.wait() == 0, crawl.log()[-3000:]
    finally:
        crawl.kill()
        cluster.start()
    log = crawl.log()
    assert f"database {safe_url(pg_db)}: cannot " in log and "attempt 2 of 20" in log
    assert PASSWORD not in log and ":***@" in log
    assert_whole(pg_db, urls)


def test_postgresql_down_past_the_retries_stops_clearly_and_loses_nothing(
    site: PortalSite,
    portal: tuple[list[str], Path],
    cluster: PostgresCluster,
    pg_db: str,
    tmp_path: Path,
):
    urls, portals = portal
    crawl = Crawl(crawl_args(portals, pg_db), tmp_path / "crawl.log", QUICK_GIVE_UP)
    try:
        wait_until(lambda: count(pg_db) >= 2, 60, "the first records")
        cluster.stop()
        assert crawl.wait(60) == 1
    finally:
        crawl.kill()
        cluster.start()
    log = crawl.log()
    assert f"database {safe_url(pg_db)}: cannot " in log and "after 3 attempts" in log
    assert STOPPING in log
    assert "weibin: run #1 not recorded (see the error above)" in log  # the command's last word
    assert PASSWORD not in log
    assert len(fetched(site, urls)) < len(urls)
    left = last_run(pg_db, "weibin")  # its end could not be written: left running
    assert left is not None and left.status == "running"
    assert stored(pg_db).half_written == []

    site.handlers.clear()
    again = run([*crawl_args(portals, pg_db), "--wait"])
    assert again.returncode == 0, again.stderr[-3000:]
    assert_whole(pg_db, urls)
