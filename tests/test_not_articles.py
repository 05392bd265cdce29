"""A list page is never an article: linked as one it is not stored (logged, counted), and an
article whose re-check is redirected to one is withdrawn on the second check."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle, build_site
from crawler.extract.notarticle import list_like, not_article
from tests.support.portal import (
    crawl,
    govwatch,
    make_articles,
    portal_entry,
    records,
    section_list,
    serve,
    stored,
    write_portals,
)

STYLE = SiteStyle(per_page=20, pager="trs")


def page(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode(), encoding="utf-8")


def test_list_pages_are_told_from_articles() -> None:
    articles = make_articles(50)  # the last page of each holds 10
    for pager in ("trs", "next"):
        site = build_site(SiteStyle(pager=pager), articles)
        base = "http://gov.example"
        assert list_like(page(base + "/xwzx/zwdt/index.html", site["/xwzx/zwdt/index.html"]))
        # the last list page has no "next" link: its little text tells it
        last = "/xwzx/zwdt/index_2.html" if pager == "trs" else "/xwzx/zwdt/list_3.html"
        assert list_like(page(base + last, site[last])) is not None
        for article in articles[:3]:
            path = f"/xwzx/zwdt/{article.slug}.html"
            assert list_like(page(base + path, site[path])) is None
    home = page("http://gov.example/index.html", "<html><body><p>首页</p></body></html>")
    assert not_article(home, []) == "the site's home page"


def test_a_list_page_linked_as_an_article_is_not_stored(
    site: PortalSite, tmp_path: Path, sqlite_url: str
) -> None:
    articles = make_articles(6)
    serve(site, STYLE, articles)
    listed = f"{STYLE.root}{articles[2].slug}.html"  # the list links it; it is a list
    section_list(site, listed)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"))]
    )
    result = crawl(portals, sqlite_url)
    urls = stored(sqlite_url)
    assert site.url(listed) not in urls
    assert len(urls) == 5
    assert "weibin: finished, 5 new, 1 not articles (not stored)" in result.stderr
    assert f"portal weibin: {site.url(listed)} is not an article (a list of" in result.stderr


def test_an_article_redirected_to_a_section_list_is_withdrawn_on_the_second_check(
    site: PortalSite, tmp_path: Path, sqlite_url: str
) -> None:
    articles = make_articles(6)
    serve(site, STYLE, articles)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"))]
    )
    crawl(portals, sqlite_url)
    moved = f"{STYLE.root}{articles[1].slug}.html"
    section = section_list(site, "/xwzx/tzgg/index.html")
    assert section != site.url("/")  # a section's list, not the home page

    def redirect(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes] | None:
        return (302, {"Location": section}, b"") if path == moved else None

    site.handlers.append(redirect)
    for check in (1, 2):
        result = govwatch("crawl", "--recheck", "--portals", str(portals), "--db", sqlite_url)
        assert result.returncode == 0, result.stderr[-4000:]
        withdrawn = records(sqlite_url)[site.url(moved)]["withdrawn_at"]
        assert (withdrawn is not None) == (check == 2)
    assert f"redirected to {section} (a list of" in result.stderr
    others = records(sqlite_url)
    assert [u for u, r in others.items() if r["withdrawn_at"] is not None] == [site.url(moved)]
