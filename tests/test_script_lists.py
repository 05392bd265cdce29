"""A list a script builds behind a loading placeholder and an external script (the shape
that was read without a browser and stored as an article): escalated to Chromium, or, with
no Chromium, a failed crawl that says how to install it. A list page is never an article."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.demo.server import PortalSite
from crawler.rendering.escalation import script_built
from tests.support.cms import FETCH_SHELL, serve_articles, serve_fetch_portal
from tests.support.portal import (
    crawl,
    govwatch,
    last_run,
    make_articles,
    portal_entry,
    stored,
    write_portals,
)

# the probe's page: a site-name title, nav links home and to itself, a placeholder where the
# list goes, and the code that fills it in a file of its own
PLACEHOLDER_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>某某区人民政府</title>
</head><body><div class="nav"><a href="/">某某区人民政府</a> <a href="/news/index.html">政务动态</a>
</div><div class="main"><h2>政务动态</h2><ul id="list"><li>数据加载中...</li></ul>
<div id="pager"></div></div><script src="/js/list.js"></script></body></html>"""


def list_script() -> bytes:
    shell = FETCH_SHELL.format(nav="", api="/api/news")
    return shell.split("<script>", 1)[1].split("</script>", 1)[0].encode()


def serve_placeholder_portal(site: PortalSite) -> list[str]:
    urls = serve_fetch_portal(site, make_articles(12), per_page=10)
    site.put("/news/index.html", PLACEHOLDER_PAGE.encode(), "text/html; charset=utf-8")
    site.put("/js/list.js", list_script(), "application/javascript")
    site.put("/", PLACEHOLDER_PAGE.encode(), "text/html; charset=utf-8")
    return urls


def test_a_loading_placeholder_with_an_external_script_is_script_built():
    page = HtmlResponse("http://x.gov.cn/news/", body=PLACEHOLDER_PAGE.encode(), encoding="utf-8")
    assert "数据加载中" in str(script_built(page))
    for text in ("正在加载", "Loading..."):
        body = PLACEHOLDER_PAGE.replace("数据加载中...", text).encode()
        assert script_built(HtmlResponse("http://x.gov.cn/", body=body, encoding="utf-8"))
    no_script = PLACEHOLDER_PAGE.replace('<script src="/js/list.js"></script>', "")
    assert (
        script_built(HtmlResponse("http://x.gov.cn/", body=no_script.encode(), encoding="utf-8"))
        is None
    )


def test_a_placeholder_list_is_read_in_chromium(tmp_path: Path, sqlite_url: str):
    with PortalSite() as site:
        urls = serve_placeholder_portal(site)
        portals = write_portals(
            tmp_path / "portals.yaml", [portal_entry("probe", site.url("/news/index.html"))]
        )
        crawl(portals, sqlite_url)
        assert stored(sqlite_url) == set(urls)  # not the list page, not the home page
        assert "loading placeholder" in str(last_run(sqlite_url, "probe").rendering)


def test_without_chromium_the_crawl_fails_saying_how_to_install_it(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GOVWATCH_CHROMIUM", str(tmp_path / "no-chromium"))
    with PortalSite() as site:
        serve_placeholder_portal(site)
        start = site.url("/news/index.html")
        portals = write_portals(tmp_path / "portals.yaml", [portal_entry("probe", start)])
        result = crawl(portals, sqlite_url, expect=1)
        assert "apt-get install chromium" in result.stderr and start in result.stderr
        assert stored(sqlite_url) == set()  # the list page is no article
        shown = govwatch("status", "--portals", str(portals), "--db", sqlite_url).stdout
        assert "failing" in shown and "chromium" in shown


def test_a_list_that_links_its_own_page_and_the_home_page_stores_neither(
    tmp_path: Path, sqlite_url: str
):
    articles = make_articles(3)
    paths = [f"/news/{a.slug}.html" for a in articles]
    with PortalSite() as site:
        urls = serve_articles(site, articles, paths)
        rows = [("/", "某某区人民政府"), ("/news/index.html", "政务动态")]
        rows += [(path, a.title) for path, a in zip(paths, articles, strict=True)]
        items = "".join(
            f'<li><a href="{href}">{text}</a><span>2023-02-0{i + 1}</span></li>'
            for i, (href, text) in enumerate(rows)
        )
        page = f'<html><body><ul class="list">{items}</ul></body></html>'
        for path in ("/", "/news/index.html"):
            site.put(path, page.encode(), "text/html; charset=utf-8")
        start = site.url("/news/index.html")
        crawl(write_portals(tmp_path / "portals.yaml", [portal_entry("self", start)]), sqlite_url)
        assert stored(sqlite_url) == set(urls)
