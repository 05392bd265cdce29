"""One crawl per portal at a time: the portal's lease, busy (exit 4), --wait, a lost lease,
and how the daemon's runner reads a crawl's exit code."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from crawler.configfiles.portals import Portal
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from scheduler.runner import CrawlRunner
from scheduler.settings import Settings
from storage import Repository, utcnow
from storage.models import Lease
from tests.faults.support import Crawl, wait_until
from tests.support.portal import (
    article_urls,
    govwatch,
    make_articles,
    portal_entry,
    serve,
    stored,
    write_portals,
)

STYLE = SiteStyle(per_page=10, pager="next")
GATED = "/xwzx/zwdt/a0005.html"
PORTAL = Portal(name="weibin", start_urls=["http://www.weibin.gov.cn/xwzx/"])


@pytest.fixture
def gated(site: PortalSite, tmp_path: Path) -> Iterator[tuple[PortalSite, Path, set[str], dict]]:
    """12 articles; the first crawl to ask for a0005 is held there until ``gate`` is set."""
    articles = make_articles(12)
    serve(site, STYLE, articles)
    gate, reached = threading.Event(), threading.Event()

    def hold(path: str, headers: dict[str, str]):
        if path == GATED and not gate.is_set():
            reached.set()
            gate.wait(60)
        return None

    site.handlers.append(hold)
    # one request at a time: the articles after the gated one wait in Scrapy's queue
    settings = {
        "GOVWATCH_LEASE_TTL": "3s",
        "GOVWATCH_LEASE_HEARTBEAT": "0.3s",
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS": 1,
    }
    portals = write_portals(
        tmp_path / "portals.yaml",
        [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"), settings=settings)],
    )
    try:
        yield site, portals, article_urls(site, STYLE, articles), {"gate": gate, "reached": reached}
    finally:
        gate.set()


def start_held(portals: Path, db: str, tmp_path: Path, events: dict, name: str) -> Crawl:
    first = Crawl(["crawl", "--portals", str(portals), "--db", db], tmp_path / f"{name}.log")
    wait_until(lambda: events["reached"].is_set() or not first.running(), 60, "the gate")
    assert first.running(), first.log()
    return first


def holder_of(process: Crawl) -> str:
    return f"crawl {socket.gethostname()} pid {process.process.pid}"


def runs(db: str) -> list[tuple[str, str | None]]:
    repo = Repository.open(db)
    try:
        return [(run.status, run.message) for run in reversed(repo.runs("weibin"))]
    finally:
        repo.close()


def test_a_second_crawl_of_a_portal_is_busy_and_names_the_holder(gated, sqlite_url, tmp_path):
    _, portals, urls, events = gated
    first = start_held(portals, sqlite_url, tmp_path, events, "first")
    second = govwatch("crawl", "--portals", str(portals), "--db", sqlite_url)
    assert second.returncode == 4, second.stderr[-3000:]
    assert f"weibin: busy (held by {holder_of(first)} since " in second.stderr
    assert runs(sqlite_url) == [("running", None)]  # the busy crawl recorded nothing
    status = govwatch("status", "--portals", str(portals), "--db", sqlite_url)
    assert "running, 0 new (crawling now)" in status.stdout
    events["gate"].set()
    assert first.wait() == 0, first.log()
    assert stored(sqlite_url) == urls and runs(sqlite_url) == [("finished", None)]


def test_with_wait_the_second_crawl_waits_then_finds_nothing_new(gated, sqlite_url, tmp_path):
    _, portals, urls, events = gated
    first = start_held(portals, sqlite_url, tmp_path, events, "first")
    args = ["crawl", "--wait", "--portals", str(portals), "--db", sqlite_url]
    second = Crawl(args, tmp_path / "second.log")
    wait_until(lambda: "waiting for it to end" in second.log(), 60, "the second crawl waiting")
    assert second.running()
    events["gate"].set()
    assert first.wait() == 0, first.log()
    assert second.wait() == 0, second.log()
    assert "weibin: finished, 0 new" in second.log()
    assert stored(sqlite_url) == urls
    assert runs(sqlite_url) == [("finished", None), ("finished", None)]


def test_a_crawl_that_loses_its_lease_stops_and_the_next_fetches_what_it_missed(
    gated, sqlite_url, tmp_path
):
    _, portals, urls, events = gated
    first = start_held(portals, sqlite_url, tmp_path, events, "first")
    repo = Repository.open(sqlite_url)
    try:
        with repo.session.begin() as session:  # another holder, as after an expiry
            session.execute(
                update(Lease)
                .where(Lease.name == "portal:weibin")
                .values(holder="thief", expires_at=utcnow().replace(year=2100))
            )
        wait_until(lambda: "lease portal:weibin lost" in first.log(), 60, "the lease lost")
        events["gate"].set()
        assert first.wait() == 3, first.log()
        assert runs(sqlite_url)[-1][0] == "partial"
        assert "lease lost: another crawl took it, or it expired" in str(runs(sqlite_url)[-1][1])
        assert {m.url for m in repo.missed("weibin")} == urls - stored(sqlite_url) != set()
        assert repo.lease_holder("portal:weibin").holder == "thief"  # type: ignore[union-attr]
        repo.release_lease("portal:weibin", "thief")
    finally:
        repo.close()
    after = govwatch("crawl", "--portals", str(portals), "--db", sqlite_url)
    assert after.returncode == 0, after.stderr[-3000:]
    assert stored(sqlite_url) == urls


@pytest.mark.parametrize(
    ("code", "status", "recorded"),
    [(0, "finished", []), (3, "partial", []), (4, "busy", []), (1, "failed", ["failed"])],
)
def test_the_runner_maps_exit_codes_to_outcomes(sqlite_url, code, status, recorded):
    """A crawl that exits 0, 3 or 4 recorded its own end (or, busy, had nothing to record);
    only another code makes the runner record a failed run."""
    repo = Repository.open(sqlite_url)
    try:
        command = [sys.executable, "-c", f"raise SystemExit({code})"]
        outcome = CrawlRunner(repo, Settings(), lambda name: command).run(PORTAL)
        assert outcome.status == status
        assert [run.status for run in repo.runs("weibin")] == recorded
    finally:
        repo.close()
