"""A misbehaving portal: every fault is bounded, logged with portal and URL, and the crawl goes on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from crawler.demo.server import RESET, PortalSite
from crawler.demo.site import SiteStyle
from storage import Repository
from tests.support import portal as support
from tests.support.portal import crawl, make_articles, portal_entry, serve, stored, write_portals

STYLE = SiteStyle(per_page=10, pager="next")
LIST = "/xwzx/zwdt/index.html"


def last_run(db: str, portal: str = "bad"):
    return support.last_run(db, portal)


@pytest.fixture
def bad_portal(site: PortalSite, tmp_path: Path):
    articles = make_articles(10)
    serve(site, STYLE, articles)

    def setup(**settings):
        entry = portal_entry(
            "bad", site.url(LIST), settings={"DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 1, **settings}
        )
        return write_portals(tmp_path / "portals.yaml", [entry])

    return site, articles, setup


def article(n: int) -> str:
    return f"/xwzx/zwdt/a{n:04d}.html"


@pytest.mark.parametrize(
    ("fault", "logged"),
    [
        (
            lambda: (500, {"Content-Type": "text/html"}, b"<h1>Internal Server Error</h1>"),
            "HTTP 500",
        ),
        (lambda: (RESET, {}, b""), "failed"),
        (lambda: time.sleep(5) or (200, {"Content-Type": "text/html"}, b"late"), "failed"),
    ],
    ids=["http-500", "connection-reset", "timeout"],
)
def test_one_broken_article_is_logged_and_retried_next_time(bad_portal, sqlite_url, fault, logged):
    site, _, setup = bad_portal
    broken = article(3)
    healthy = {"on": False}

    def handler(path, headers):
        return None if healthy["on"] or path != broken else fault()

    site.handlers.append(handler)
    portals = setup()
    result = crawl(portals, sqlite_url, expect=3)
    assert (
        f"portal bad: article {site.url(broken)} failed" in result.stderr
        and logged in result.stderr
    )
    assert len(stored(sqlite_url)) == 9
    assert last_run(sqlite_url).status == "partial"

    healthy["on"] = True
    crawl(portals, sqlite_url)
    assert len(stored(sqlite_url)) == 10  # the next crawl walks the list again and gets it
    assert last_run(sqlite_url).status == "finished"


def test_list_page_500_fails_the_run_and_stores_nothing_twice(bad_portal, sqlite_url):
    site, _, setup = bad_portal
    site.handlers.append(lambda path, h: (503, {}, b"busy") if path == LIST else None)
    result = crawl(setup(), sqlite_url, expect=1)
    assert f"portal bad: list page {site.url(LIST)} failed: HTTP 503" in result.stderr
    assert stored(sqlite_url) == set()


def test_redirect_loop_is_bounded(bad_portal, sqlite_url):
    site, _, setup = bad_portal
    loop = {article(2): "/loop/a", "/loop/a": "/loop/b", "/loop/b": "/loop/a"}
    site.handlers.append(
        lambda path, h: (302, {"Location": loop[path]}, b"") if path in loop else None
    )
    result = crawl(setup(), sqlite_url, expect=3)
    assert len(stored(sqlite_url)) == 9
    assert site.url(article(2)) in result.stderr
    assert len(site.hits_for("/loop/")) <= 6


def test_pagination_that_never_ends_is_bounded(site: PortalSite, tmp_path: Path, sqlite_url: str):
    articles = make_articles(5)
    serve(site, STYLE, articles)
    list_page = site.pages[LIST].body.decode()

    def endless(path, headers):  # page N always links to page N+1, with the same five articles
        if path.startswith("/endless?page="):
            n = int(path.split("=")[1])
            html = list_page.replace("</ul>", f'</ul><a href="/endless?page={n + 1}">下一页</a>', 1)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()
        return None

    site.handlers.append(endless)
    portals = write_portals(tmp_path / "p.yaml", [portal_entry("bad", site.url("/endless?page=1"))])
    result = crawl(portals, sqlite_url)
    assert len(stored(sqlite_url)) == 5
    assert len(site.hits_for("/endless")) <= 3
    assert "repeats" in result.stderr


def test_same_page_again_is_not_refetched(site: PortalSite, tmp_path: Path, sqlite_url: str):
    articles = make_articles(5)
    serve(site, STYLE, articles)
    html = site.pages[LIST].body.decode().replace("</ul>", f'</ul><a href="{LIST}">下一页</a>', 1)
    site.put(LIST, html)
    portals = write_portals(tmp_path / "p.yaml", [portal_entry("bad", site.url(LIST))])
    crawl(portals, sqlite_url)
    assert len(site.hits_for(LIST)) == 1 and len(stored(sqlite_url)) == 5


def test_huge_page_is_refused_within_the_size_limit(bad_portal, sqlite_url):
    site, _, setup = bad_portal
    huge = b"<html><body>" + b"<p>" + b"\xe4\xbc\x9a" * (18 * 1024 * 1024) + b"</p></body></html>"
    site.put(article(4), huge)  # ~54 MB
    result = crawl(setup(DOWNLOAD_MAXSIZE=5 * 1024 * 1024), sqlite_url, expect=3)
    assert site.url(article(4)) in result.stderr
    assert len(stored(sqlite_url)) == 9


def test_binary_served_as_html_is_dropped_with_a_log_line(bad_portal, sqlite_url):
    site, _, setup = bad_portal
    site.put(article(5), os.urandom(200_000), "text/html")
    result = crawl(setup(), sqlite_url)
    assert f"portal bad: {site.url(article(5))} is not text" in result.stderr
    assert site.url(article(5)) not in stored(sqlite_url) and len(stored(sqlite_url)) == 9


def test_truncated_and_deeply_nested_html(bad_portal, sqlite_url):
    site, articles, setup = bad_portal
    page = site.pages[article(6)].body.decode()
    site.put(article(6), page[: page.index("</p>") + 4])  # cut off after the first paragraph
    deep = "<div>" * 20_000 + "<p>深层嵌套的页面正文，依然应当被读出。</p>" + "</div>" * 20_000
    seventh = site.pages[article(7)].body.decode()
    site.put(article(7), seventh.replace('<div id="zoom"', deep + '<div id="zoom"'))
    crawl(setup(), sqlite_url)
    records = {r["url"]: r for r in Repository.open(sqlite_url).export()}
    assert len(records) == 10
    assert records[site.url(article(6))]["title"] == articles[6].title
    assert records[site.url(article(6))]["body"].startswith(articles[6].paragraphs[0][:10])
    assert records[site.url(article(7))]["title"] == articles[7].title


def test_links_outside_the_portal_cause_no_request(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    articles = make_articles(4)
    serve(site, STYLE, articles)
    with PortalSite() as other:
        other.put("/secret.html", "<html><body><p>secret</p></body></html>")
        evil = (
            f'<li><a href="{other.url("/secret.html")}">区政府召开另一个端口上的会议</a><span>2023-03-01</span></li>'
            '<li><a href="file:///etc/passwd">区政府召开文件协议链接的会议</a><span>2023-03-01</span></li>'
            '<li><a href="ftp://127.0.0.1/x">区政府召开FTP协议链接的会议</a><span>2023-03-01</span></li>'
        )
        html = site.pages[LIST].body.decode().replace("<ul>", "<ul>" + evil, 1)
        site.put(LIST, html)
        site.put(article(1), "", "text/html")  # and a redirect to the other server
        site.handlers.append(
            lambda path, h: (
                (302, {"Location": other.url("/secret.html")}, b"") if path == article(1) else None
            )
        )
        portals = write_portals(tmp_path / "p.yaml", [portal_entry("bad", site.url(LIST))])
        result = crawl(portals, sqlite_url)
        assert other.hits_for() == []
    assert "outside the portal's origins" in result.stderr
    assert all(url.startswith(site.base_url) for url in stored(sqlite_url))


def test_a_link_listed_twice_is_no_failure(site: PortalSite, tmp_path: Path, sqlite_url: str):
    articles = make_articles(12)
    serve(site, STYLE, articles)  # pages index.html and list_2.html
    second = "/xwzx/zwdt/list_2.html"
    row = f'<li><a href="{article(0)}">渭滨区召开第a0次常务会议</a><span>2023-03-28</span></li>'
    site.put(second, site.pages[second].body.decode().replace("</ul>", row + "</ul>", 1))
    portals = write_portals(tmp_path / "p.yaml", [portal_entry("bad", site.url(LIST))])
    result = crawl(portals, sqlite_url)
    assert "failed" not in result.stderr
    assert last_run(sqlite_url).status == "finished" and len(stored(sqlite_url)) == 12


def refresh_page(target: str) -> str:
    return (
        "<html><head><title>跳转</title>"
        f'<meta http-equiv="Refresh" content="0; url={target}"></head><body></body></html>'
    )


def test_a_meta_refresh_is_followed_and_a_refresh_loop_is_bounded(bad_portal, sqlite_url):
    site, articles, setup = bad_portal
    site.put("/moved/a0002.html", site.pages[article(2)].body)
    site.put(article(2), refresh_page("/moved/a0002.html"))
    site.put(article(3), refresh_page("/r/a"))
    site.put("/r/a", refresh_page("/r/b"))
    site.put("/r/b", refresh_page("/r/a"))
    result = crawl(setup(), sqlite_url, expect=3)
    records = {r["url"]: r for r in Repository.open(sqlite_url).export()}
    # stored under the URL its list gave, with the page the refresh led to
    assert records[site.url(article(2))]["title"] == articles[2].title
    assert len(site.hits_for("/moved/")) == 1
    assert site.url(article(3)) not in records and len(records) == 9
    assert len(site.hits_for("/r/")) <= 6 and site.url(article(3)) in result.stderr


def test_a_refresh_past_the_pages_head_is_not_followed(bad_portal, sqlite_url):
    site, _, setup = bad_portal
    body = site.pages[article(4)].body.decode()
    # Scrapy reads a meta refresh in a page's first 4,096 characters only
    late = '<meta http-equiv="refresh" content="0; url=/elsewhere.html">'
    site.put(article(4), body.replace("</body>", "<!--" + "x" * 5000 + "-->" + late + "</body>"))
    crawl(setup(), sqlite_url)
    assert site.hits_for("/elsewhere") == [] and len(stored(sqlite_url)) == 10


def test_the_aiohttp_client_bounds_the_same_faults(bad_portal, sqlite_url):
    """GOVWATCH_HTTP_CLIENT=aiohttp (opt-in): each fault above, in one crawl, bounded and
    logged with its URL; the next crawl, with the portal healthy, gets every article."""
    site, _, setup = bad_portal
    healthy = {"on": False}
    loop = {article(2): "/loop/a", "/loop/a": "/loop/b", "/loop/b": "/loop/a"}
    huge = b"<html><body><p>" + b"\xe4\xbc\x9a" * (3 * 1024 * 1024) + b"</p></body></html>"
    faults = {
        article(2): lambda path: (302, {"Location": loop[path]}, b""),
        "/loop/a": lambda path: (302, {"Location": loop[path]}, b""),
        "/loop/b": lambda path: (302, {"Location": loop[path]}, b""),
        article(3): lambda path: (500, {"Content-Type": "text/html"}, b"<h1>error</h1>"),
        article(4): lambda path: (RESET, {}, b""),
        article(5): lambda path: time.sleep(5) or (200, {"Content-Type": "text/html"}, b"late"),
        article(6): lambda path: (200, {"Content-Type": "text/html"}, huge),
    }

    def handler(path, headers):
        fault = None if healthy["on"] else faults.get(path)
        return fault(path) if fault else None

    site.handlers.append(handler)
    portals = setup(GOVWATCH_HTTP_CLIENT="aiohttp", DOWNLOAD_MAXSIZE=5 * 1024 * 1024)
    result = crawl(portals, sqlite_url, expect=3)
    for n in (2, 3, 4, 5, 6):
        assert site.url(article(n)) in result.stderr, n
    assert len(stored(sqlite_url)) == 5 and last_run(sqlite_url).status == "partial"
    assert len(site.hits_for("/loop/")) <= 6
    healthy["on"] = True
    crawl(portals, sqlite_url)
    assert len(stored(sqlite_url)) == 10 and last_run(sqlite_url).status == "finished"
