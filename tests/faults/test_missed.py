"""What a crawl missed (a list page, an article) is remembered and fetched by the next crawl,
whatever its list pages' 304s say; a list page that cannot be parsed is a failed page."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from storage import Repository
from tests.support.portal import (
    article_urls,
    crawl,
    govwatch,
    last_run,
    make_articles,
    portal_entry,
    serve,
    stored,
    write_portals,
)

STYLE = SiteStyle(per_page=20, pager="trs")  # 25 articles: 20 on page one, 5 on page two
FIRST = "/xwzx/zwdt/index.html"
SECOND = "/xwzx/zwdt/index_1.html"


def missed(db: str, portal: str = "weibin") -> dict[str, tuple[str, int, str | None]]:
    repo = Repository.open(db)
    try:
        return {m.url: (m.kind, m.attempts, m.error) for m in repo.missed(portal)}
    finally:
        repo.close()


@pytest.fixture
def portal(site: PortalSite, tmp_path: Path):
    articles = make_articles(25)
    serve(site, STYLE, articles)
    broken: set[str] = set()

    def fail(path: str, headers: dict[str, str]):
        return (503, {"Content-Type": "text/plain"}, b"busy") if path in broken else None

    site.handlers.append(fail)
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("weibin", site.url(FIRST))])
    return site, portals, article_urls(site, STYLE, articles), broken


def paths(site: PortalSite) -> list[tuple[str, int]]:
    return sorted((h.path, h.status) for h in site.hits_for() if h.path != "/robots.txt")


def test_a_list_page_that_failed_is_fetched_by_the_next_crawl_despite_the_304(portal, db_url):
    """The probe's case: a catch-up crawl whose second list page answers 503 three times
    stored page one's 20, was recorded finished and exited 0; then page one answered 304
    and the 5 articles only page two listed were never stored."""
    site, portals, urls, broken = portal
    broken.add(SECOND)
    result = crawl(portals, db_url, expect=3)
    assert [h.status for h in site.hits_for(SECOND)] == [503, 503, 503]  # RETRY_TIMES 2
    assert len(stored(db_url)) == 20
    run = last_run(db_url, "weibin")
    assert run is not None and run.status == "partial"
    assert "weibin: partial, 20 new" in result.stderr
    assert missed(db_url) == {site.url(SECOND): ("list", 1, "HTTP 503")}
    status = govwatch("status", "--portals", str(portals), "--db", db_url)
    assert "partial, 20 new, 1 missed" in status.stdout

    broken.clear()
    site.clear_hits()
    crawl(portals, db_url)
    assert stored(db_url) == urls
    hits = paths(site)
    assert (FIRST, 304) in hits and (SECOND, 200) in hits
    assert len([h for h in hits if "/a00" in h[0]]) == 5  # only what page two listed
    assert missed(db_url) == {}
    run = last_run(db_url, "weibin")
    assert run is not None and run.status == "finished"

    site.clear_hits()
    crawl(portals, db_url)  # nothing missed any more: one conditional request
    assert paths(site) == [(FIRST, 304)]


def test_a_list_page_that_fails_again_counts_its_attempts(portal, db_url):
    site, portals, urls, broken = portal
    broken.add(SECOND)
    crawl(portals, db_url, expect=3)
    crawl(portals, db_url, expect=3)
    assert missed(db_url) == {site.url(SECOND): ("list", 2, "HTTP 503")}
    broken.clear()
    crawl(portals, db_url)
    assert stored(db_url) == urls and missed(db_url) == {}


def test_an_article_that_failed_is_fetched_by_the_next_crawl_despite_the_304(portal, db_url):
    """An article of page two fails three times; page one is whole, so it answers 304 next
    time: the article is fetched all the same, and only it."""
    site, portals, urls, broken = portal
    lost = "/xwzx/zwdt/a0022.html"
    broken.add(lost)
    crawl(portals, db_url, expect=3)
    assert [h.status for h in site.hits_for(lost)] == [503, 503, 503]
    assert len(stored(db_url)) == 24
    assert missed(db_url) == {site.url(lost): ("article", 1, "HTTP 503")}

    broken.clear()
    site.clear_hits()
    crawl(portals, db_url)
    assert stored(db_url) == urls
    assert paths(site) == sorted([(FIRST, 304), (lost, 200)])
    assert missed(db_url) == {}
    repo = Repository.open(db_url)
    try:
        record = next(r for r in repo.export() if r["url"] == site.url(lost))
    finally:
        repo.close()
    assert record["title"] == make_articles(25)[22].title


def test_an_article_gone_for_good_is_forgotten(portal, db_url):
    site, portals, urls, broken = portal
    lost = "/xwzx/zwdt/a0003.html"
    broken.add(lost)
    crawl(portals, db_url, expect=3)
    broken.clear()
    del site.pages[lost]  # 404 now: nothing to fetch again, no failure
    crawl(portals, db_url)
    assert missed(db_url) == {} and stored(db_url) == urls - {site.url(lost)}


def nested(html: str, depth: int) -> str:
    """``html`` with its body nested ``depth`` levels deep."""
    return html.replace("<body>", "<body>" + "<div>" * depth, 1).replace(
        "</body>", "</div>" * depth + "</body>", 1
    )


def test_a_list_page_nested_too_deep_to_parse_is_a_failed_page(portal, db_url):
    """Nested 10,000 levels deep, the parser cuts a list page short: it used to give "no
    article links" and a finished run; it is a failed page, remembered."""
    site, portals, urls, _ = portal
    whole = site.pages[SECOND].body
    site.put(SECOND, nested(whole.decode(), 10_000))
    result = crawl(portals, db_url, expect=3)
    assert (
        f"list page {site.url(SECOND)} failed: cannot be parsed: Excessive depth" in result.stderr
    )
    assert "no article links" not in result.stderr
    assert missed(db_url)[site.url(SECOND)][0] == "list"

    site.put(SECOND, whole)
    crawl(portals, db_url)
    assert stored(db_url) == urls


def test_a_start_page_that_cannot_be_parsed_fails_the_run(portal, db_url):
    site, portals, _, _ = portal
    site.put(FIRST, nested(site.pages[FIRST].body.decode(), 10_000))
    result = crawl(portals, db_url, expect=1)
    assert "weibin: failed, 0 new" in result.stderr
    run = last_run(db_url, "weibin")
    assert run is not None and run.status == "failed"
    assert str(run.message).startswith(f"no list page could be read: {site.url(FIRST)}: cannot be")


def test_a_list_page_that_lists_nothing_is_no_failure(portal, db_url):
    site, portals, _, _ = portal
    site.put(FIRST, "<html><head><title>动态</title></head><body><p>暂无信息</p></body></html>")
    result = crawl(portals, db_url)
    assert "no article links" in result.stderr and missed(db_url) == {}


def test_a_missed_list_page_gone_for_good_is_forgotten_by_a_full_walk(portal, db_url):
    site, portals, _, broken = portal
    broken.add(SECOND)
    crawl(portals, db_url, expect=3)
    broken.clear()
    del site.pages[SECOND]  # the list got shorter: page one links to no page two
    serve(site, STYLE, make_articles(20))
    crawl(portals, db_url, expect=3)  # asked for again: 404, still missed
    assert missed(db_url) == {site.url(SECOND): ("list", 2, "HTTP 404")}
    crawl(portals, db_url, full=True)  # walked from the start: nothing missed
    assert missed(db_url) == {}
    run = last_run(db_url, "weibin")
    assert run is not None and run.status == "finished"
