"""`govwatch db copy`: a crawled SQLite store with queued alerts moved to PostgreSQL whole."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from storage import Announcement, AnnouncementBand, NewMessage, Repository, utcnow
from storage.copy import copied_tables
from tests.support.portal import crawl, govwatch, make_articles, portal_entry, serve, write_portals

STYLE = SiteStyle(per_page=10, pager="next")


def counts(db: str) -> dict[str, int]:
    repo = Repository.open(db)
    try:
        with repo.engine.connect() as connection:
            return {
                table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in copied_tables()
            }
    finally:
        repo.close()


def populate(site: PortalSite, tmp_path: Path, sqlite_url: str) -> None:
    """Two crawls of the mock portal (alerts queued on the first), an email, a health row."""
    serve(site, STYLE, make_articles(14))
    portals = write_portals(
        tmp_path / "portals.yaml",
        [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"), alert_on_first_crawl=True)],
    )
    crawl(portals, sqlite_url)
    crawl(portals, sqlite_url, full=True)
    repo = Repository.open(sqlite_url)
    try:
        now = utcnow()
        message = NewMessage("health:weibin:1", "health", None, ["ops@x"], "<1@x>", "s", "t", "h")
        assert repo.add_message(message, now)
        last = repo.last_run("weibin")
        assert last is not None
        repo.record_health("weibin", "broken", "test", last.id, now, lambda _change: None)
        repo.acquire_lease("portal:weibin", "a crawl", 60)  # live coordination: not copied
    finally:
        repo.close()


def test_a_crawled_sqlite_store_is_copied_to_postgresql_with_every_row(
    site: PortalSite, tmp_path: Path, sqlite_url: str, pg_url: str
):
    populate(site, tmp_path, sqlite_url)
    source = counts(sqlite_url)
    assert source["announcements"] == 14 and source["crawl_runs"] == 2
    assert source["alert_events"] and source["alert_messages"] and source["portal_health"]
    assert source["announcement_bands"] and source["list_pages"]

    result = govwatch("db", "copy", "--to", pg_url, "--db", sqlite_url)
    assert result.returncode == 0, result.stderr
    for table, rows in source.items():
        assert f"{table}" in result.stdout and str(rows) in result.stdout
    assert "the counts of every table agree" in result.stdout
    assert counts(pg_url) == source

    exports = [
        govwatch("export", "--format", fmt, "--db", db).stdout
        for fmt in ("jsonl", "csv")
        for db in (sqlite_url, pg_url)
    ]
    assert exports[0] == exports[1] and exports[2] == exports[3] and exports[0].count("\n") == 14

    target = Repository.open(pg_url)
    try:
        assert target.leases() == []
        # sequences follow the copied keys: a new run takes the next number
        assert target.start_run("weibin", full=False) == max(r.id for r in target.runs()) == 3
        assert target.runs()[1].status == "finished"
        # band keys sit in the one level PostgreSQL looks in, and still find copies
        with target.session() as session:
            assert set(session.scalars(select(AnnouncementBand.level).distinct())) == {0}
            fingerprint, url = session.execute(
                select(Announcement.fingerprint, Announcement.url)
                .where(Announcement.fingerprint.is_not(None))
                .limit(1)
            ).one()
        assert target.first_with_fingerprints([fingerprint]) == {fingerprint: url}
    finally:
        target.close()


def test_copy_refuses_a_non_empty_target_unless_forced_and_the_same_database(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    populate(site, tmp_path, sqlite_url)
    other = f"sqlite:///{tmp_path / 'copy.db'}"
    assert govwatch("db", "copy", "--to", other, "--db", sqlite_url).returncode == 0

    again = govwatch("db", "copy", "--to", other, "--db", sqlite_url)
    assert again.returncode == 1
    assert "is not empty" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr

    forced = govwatch("db", "copy", "--to", other, "--force", "--db", sqlite_url)
    assert forced.returncode == 0, forced.stderr
    assert counts(other) == counts(sqlite_url)

    same = f"sqlite:///{tmp_path / '.' / 'govwatch.db'}"
    itself = govwatch("db", "copy", "--to", same, "--db", sqlite_url)
    assert itself.returncode == 1 and "is the database being copied" in itself.stderr
