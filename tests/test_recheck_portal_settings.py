"""Re-checks under a portal's own settings: its `snapshots:` retention over the global
GOVWATCH_SNAPSHOTS, and its politeness (per-host concurrency, robots.txt)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.demo.server import ROBOTS, PortalSite
from storage import Announcement, Repository, Snapshot
from tests.support.portal import crawl, make_articles, portal_entry, records, serve, write_portals
from tests.test_revisions import STYLE, path_of, recheck


def snapshot_count(db: str, url: str) -> int:
    repo = Repository.open(db)
    try:
        with repo.session() as session:
            return int(
                session.scalar(
                    select(func.count(Snapshot.id))
                    .join(Announcement, Announcement.id == Snapshot.announcement_id)
                    .where(Announcement.url == url)
                )
                or 0
            )
    finally:
        repo.close()


@pytest.mark.parametrize(
    ("everywhere", "portal", "kept"), [("all", "first-last", 2), ("first-last", "all", 4)]
)
def test_a_portals_snapshots_setting_wins_over_the_global_one(
    site: PortalSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    everywhere: str,
    portal: str,
    kept: int,
) -> None:
    monkeypatch.setenv("GOVWATCH_SNAPSHOTS", everywhere)
    articles = make_articles(3)
    serve(site, STYLE, articles)
    entry = portal_entry("weibin", site.url("/xwzx/zwdt/index.html"), snapshots=portal)
    portals = write_portals(tmp_path / "portals.yaml", [entry])
    db = f"sqlite:///{tmp_path / 'g.db'}"
    crawl(portals, db)
    path = path_of(articles[0])
    page = site.pages[path]
    # three fetches whose bytes differ and whose text does not: snapshots, no revisions (a
    # revision's own snapshot is always kept, whatever the retention)
    for fetch in range(1, 4):
        site.put(path, page.body + f"<!-- {fetch} -->".encode(), page.content_type)
        recheck(portals, db)
    assert records(db)[site.url(path)]["revised_at"] is None
    assert snapshot_count(db, site.url(path)) == kept


class InFlight:
    """The mock portal's requests in flight at once. The first few article requests are
    held a moment, long enough for a request sent beside them to be seen arriving."""

    HELD = 3

    def __init__(self, site: PortalSite) -> None:
        self.lock = threading.Lock()
        self.now = self.most = self.held = 0
        self.overlap = threading.Event()
        self.paths: list[str] = []
        self.seen: list[tuple[str, ...]] = []
        site.handlers.append(self.answer)

    def answer(self, path: str, headers: dict[str, str]) -> Any:
        with self.lock:
            self.now += 1
            self.paths.append(path)
            self.most = max(self.most, self.now)
            if self.now > 1:
                self.seen.append(tuple(self.paths))
                self.overlap.set()
            hold = path.startswith(STYLE.root + "a") and self.held < self.HELD
            self.held += hold
        try:
            if hold:
                self.overlap.wait(0.5)  # released early only by a request beside it
        finally:
            with self.lock:
                self.now -= 1
                self.paths.remove(path)
        return None  # the site answers as usual


def crawled(site: PortalSite, tmp_path: Path, **settings: Any) -> tuple[list[str], Path, str]:
    """Six articles crawled once with the portal ``settings``: their paths, portals, db."""
    articles = make_articles(6)
    serve(site, STYLE, articles)
    entry = portal_entry("weibin", site.url("/xwzx/zwdt/index.html"), settings=settings)
    portals = write_portals(tmp_path / "portals.yaml", [entry])
    db = f"sqlite:///{tmp_path / 'g.db'}"
    crawl(portals, db)
    site.clear_hits()
    return [path_of(a) for a in articles], portals, db


def test_rechecks_keep_the_portals_concurrency(site: PortalSite, tmp_path: Path) -> None:
    paths, portals, db = crawled(site, tmp_path, CONCURRENT_REQUESTS_PER_DOMAIN=1)
    flight = InFlight(site)
    recheck(portals, db)
    assert all([h.status for h in site.hits_for(p)] == [304] for p in paths)
    assert flight.held == InFlight.HELD
    assert flight.most == 1, f"requests to the portal's host in flight at once: {flight.seen}"


def test_rechecks_keep_robots_txt(site: PortalSite, tmp_path: Path) -> None:
    # many re-checks queued at once, all waiting for robots.txt (8 per host at a time)
    paths, portals, db = crawled(site, tmp_path)
    forbidden = paths[1]
    site.put("/robots.txt", ROBOTS + f"Disallow: {forbidden}\n".encode(), "text/plain")
    recheck(portals, db)
    assert all([h.status for h in site.hits_for(p)] == [304] for p in paths if p != forbidden)
    # robots.txt now forbids it: not fetched, and not taken for gone
    assert site.hits_for(forbidden) == []
    assert records(db)[site.url(forbidden)]["revised_at"] is None
