"""`govwatch portal reset`: the next crawl walks every list page again."""

from __future__ import annotations

from pathlib import Path

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from scheduler.health import judge
from storage import BROKEN, RESET, CrawlRun, Repository
from tests.support.portal import crawl, govwatch, make_articles, portal_entry, serve, write_portals

STYLE = SiteStyle(per_page=10, pager="next")
LIST_PAGES = ["/xwzx/zwdt/index.html", "/xwzx/zwdt/list_2.html", "/xwzx/zwdt/list_3.html"]


def test_reset_makes_the_next_crawl_walk_every_list_page(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    serve(site, STYLE, make_articles(25))
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url(LIST_PAGES[0]))]
    )
    crawl(portals, sqlite_url)
    site.clear_hits()
    crawl(portals, sqlite_url)  # incremental: one conditional request
    assert [(h.path, h.status) for h in site.hits_for() if h.path != "/robots.txt"] == [
        (LIST_PAGES[0], 304)
    ]
    result = govwatch("portal", "reset", "weibin", "--db", sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "weibin: forgot 3 list-page validators and 0 missed URLs" in result.stdout
    site.clear_hits()
    crawl(portals, sqlite_url)
    hits = [(h.path, h.status) for h in site.hits_for() if h.path != "/robots.txt"]
    assert hits == [(path, 200) for path in LIST_PAGES]  # every list page, no stored article
    repo = Repository.open(sqlite_url)
    try:
        runs = repo.runs("weibin")
        assert [run.status for run in runs] == ["finished", "reset", "finished", "finished"]
    finally:
        repo.close()


def test_a_reset_says_nothing_of_health():
    counters = {"list_pages": 0, "not_modified": 0, "empty_list_pages": 0, "blocked": 0}
    reset = CrawlRun(id=2, status=RESET, message="reset by hand", errors=0, **counters)
    failed = CrawlRun(id=1, status="failed", message="HTTP 500", errors=1, **counters)
    judged = judge([reset, failed], 1, lambda _run: True)
    assert judged is not None and judged[0] == BROKEN, judged


def test_reset_of_a_portal_the_database_does_not_know(tmp_path: Path, sqlite_url: str):
    Repository.open(sqlite_url).close()
    result = govwatch("portal", "reset", "weibn", "--db", sqlite_url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "govwatch: weibn: no such portal in the database; known: none yet (run govwatch crawl)"
    )


def test_portal_check_of_an_ad_hoc_url_needs_no_portal_file(site: PortalSite, tmp_path: Path):
    serve(site, STYLE, make_articles(12))
    result = govwatch(
        "portal", "check", site.url(LIST_PAGES[0]), "--portals", str(tmp_path / "none.yaml")
    )
    assert result.returncode == 0, result.stderr
    assert f"list page {site.url(LIST_PAGES[0])}: 10 article links" in result.stdout
    assert "meeting_date" in result.stdout  # the articles' fields, as for a named portal
    assert not (tmp_path / "none.yaml").exists()
    refused = govwatch("portal", "check", "ftp://127.0.0.1/list/")
    assert refused.returncode == 2 and "not an http(s) URL" in refused.stderr
    assert "Traceback" not in refused.stderr
