"""End-to-end crawls of mock portals on 127.0.0.1, each in its own process (as in production)."""

from __future__ import annotations

import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.configfiles.portals import Portal
from crawler.crawl.run import CrawlRun
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle, build_feed
from crawler.items import AnnouncementItem
from crawler.pipelines.store import StorePipeline
from storage import Repository
from tests.support.portal import (
    ROOT,
    article_urls,
    crawl,
    govwatch,
    make_articles,
    portal_entry,
    records,
    serve,
    write_portals,
)

STYLE = SiteStyle(per_page=20, pager="trs")


def noise_pages(site: PortalSite) -> set[str]:
    """Pages the nav, sidebar and footer link to; they exist, so fetching them would store them."""
    extra = {
        "/": "首页",
        "/xwzx/": "新闻中心",
        "/zwgk/": "政务公开",
        "/hdjl/": "互动交流",
        "/about.html": "关于我们",
        "/map.html": "网站地图",
    }
    for path, title in extra.items():
        site.put(
            path,
            f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>{title}栏目页面内容，不是一篇文章。{'内容' * 30}</p></body></html>",
        )
    return {site.url(p) for p in extra}


def stored_urls(db: str) -> list[str]:
    repo = Repository.open(db)
    try:
        return [r["url"] for r in repo.export()]
    finally:
        repo.close()


@pytest.fixture
def portal(site: PortalSite, tmp_path: Path) -> tuple[PortalSite, Path, list]:
    """A TRS-style portal: 3 list pages × 20 articles, with nav, sidebar, footer and breadcrumb."""
    articles = make_articles(60)
    serve(site, STYLE, articles)
    noise_pages(site)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"))]
    )
    return site, portals, articles


def test_first_crawl_stores_every_article_once_and_nothing_else(portal, sqlite_url):
    site, portals, articles = portal
    crawl(portals, sqlite_url)
    urls = stored_urls(sqlite_url)
    assert len(urls) == 60 == len(set(urls))
    assert set(urls) == article_urls(site, STYLE, articles)
    fetched = [h.path for h in site.hits_for()]
    assert not {"/", "/xwzx/", "/about.html", "/map.html"} & set(fetched)
    assert [p for p in fetched if p.endswith("index.html") or "index_" in p] == [
        "/xwzx/zwdt/index.html",
        "/xwzx/zwdt/index_1.html",
        "/xwzx/zwdt/index_2.html",
    ]


def test_unchanged_portal_costs_one_conditional_request(portal, sqlite_url):
    site, portals, _ = portal
    crawl(portals, sqlite_url)
    site.clear_hits()
    crawl(portals, sqlite_url)
    hits = [(h.path, h.status) for h in site.hits_for()]
    assert hits == [("/robots.txt", 200), ("/xwzx/zwdt/index.html", 304)]
    assert len(stored_urls(sqlite_url)) == 60


def test_one_new_article_costs_one_list_page_and_that_article(portal, sqlite_url):
    site, portals, articles = portal
    crawl(portals, sqlite_url)
    new = make_articles(1, prefix="new")
    serve(site, STYLE, new + articles)
    site.clear_hits()
    crawl(portals, sqlite_url)
    paths = sorted(h.path for h in site.hits_for() if h.path != "/robots.txt")
    assert paths == ["/xwzx/zwdt/index.html", "/xwzx/zwdt/new0000.html"]
    urls = stored_urls(sqlite_url)
    assert len(urls) == 61 == len(set(urls))


def test_full_walks_every_list_page_but_fetches_no_stored_article(portal, sqlite_url):
    site, portals, _ = portal
    crawl(portals, sqlite_url)
    site.clear_hits()
    crawl(portals, sqlite_url, full=True)
    paths = sorted(h.path for h in site.hits_for() if h.path != "/robots.txt")
    assert paths == ["/xwzx/zwdt/index.html", "/xwzx/zwdt/index_1.html", "/xwzx/zwdt/index_2.html"]


def test_crawl_killed_halfway_loses_and_doubles_nothing(
    site: PortalSite, tmp_path: Path, db_url: str
):
    articles = make_articles(60)
    serve(site, STYLE, articles)
    # past the 25th article the portal stops answering, so the crawl is surely killed halfway
    gate = threading.Event()
    served = itertools.count(1)

    def stall_halfway(path: str, headers: dict[str, str]):
        if "/zwdt/a" in path and next(served) > 25:
            gate.wait(60)
        return None

    site.handlers.append(stall_halfway)
    # the killed crawl keeps the portal's lease until its TTL has passed
    entry = portal_entry(
        "weibin",
        site.url("/xwzx/zwdt/index.html"),
        settings={
            "GOVWATCH_BATCH_SIZE": 5,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
            "GOVWATCH_LEASE_TTL": "20s",
            "GOVWATCH_LEASE_HEARTBEAT": "1s",
        },
    )
    portals = write_portals(tmp_path / "portals.yaml", [entry])
    command = [
        sys.executable,
        "-m",
        "crawler.cli",
        "-q",
        "crawl",
        "--portals",
        str(portals),
        "--db",
        db_url,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # the 25 answered articles make five full batches: kill once some are stored
        wait_for(lambda: len(stored_urls(db_url)) >= 5, process)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        gate.set()
    killed_with = len(stored_urls(db_url))
    assert 0 < killed_with <= 25

    site.handlers.clear()
    busy = govwatch("crawl", "--portals", str(portals), "--db", db_url)
    assert (
        busy.returncode == 4
        and f"weibin: busy (held by crawl {socket.gethostname()} pid {process.pid} since "
        in busy.stderr
    )
    waited = govwatch("crawl", "--wait", "--portals", str(portals), "--db", db_url)
    assert waited.returncode == 0, waited.stderr[-3000:]
    assert "waiting for it to end" in waited.stderr
    urls = stored_urls(db_url)
    assert len(urls) == 60 == len(set(urls))
    assert set(urls) == article_urls(site, STYLE, articles)


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    """Poll ``condition`` while ``process`` runs; fail after a minute or if it ends first."""
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, "the crawl ended before the condition held"
        assert time.monotonic() < deadline, "the condition did not hold within a minute"
        time.sleep(0.05)


@pytest.mark.parametrize("batch_seconds", [0.3, 0])
def test_a_batch_that_does_not_fill_is_written_after_batch_seconds(
    site: PortalSite, tmp_path: Path, sqlite_url: str, batch_seconds: float
):
    """One slow article: with GOVWATCH_BATCH_SECONDS the others are written while it
    downloads, not held for a batch of 1,000; with 0 everything waits for the crawl's end."""
    articles = make_articles(12)
    serve(site, STYLE, articles)
    slow = f"{STYLE.root}{articles[-1].slug}.html"
    stored_while_slow: list[int] = []

    def slow_article(path: str, headers: dict[str, str]):
        if path == slow and batch_seconds:
            # answer once the other eleven are stored (or give up after a minute)
            deadline = time.monotonic() + 60
            while len(stored_urls(sqlite_url)) < 11 and time.monotonic() < deadline:
                time.sleep(0.05)
            stored_while_slow.append(len(stored_urls(sqlite_url)))
        return None

    site.handlers.append(slow_article)
    settings = {"GOVWATCH_BATCH_SIZE": 1000, "GOVWATCH_BATCH_SECONDS": batch_seconds}
    portals = write_portals(
        tmp_path / "portals.yaml",
        [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"), settings=settings)],
    )
    crawl(portals, sqlite_url)
    repo = Repository.open(sqlite_url)
    try:
        seen = {r["url"]: r["first_seen_at"] for r in repo.export()}
    finally:
        repo.close()
    assert set(seen) == article_urls(site, STYLE, articles)
    if batch_seconds:
        assert stored_while_slow == [11]
        assert seen[site.url(slow)] > max(t for url, t in seen.items() if url != site.url(slow))
    else:
        assert len(set(seen.values())) == 1  # one batch, at the crawl's end


def test_a_batch_the_timer_could_not_write_is_logged_and_makes_the_run_partial(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
):
    """An unexpected error while the timer writes a batch: nothing above the timer would
    report it, so the pipeline logs it with the portal and a URL and counts the pages as
    failed (a partial run: the next crawl walks every list page and fetches them again)."""
    crawler = get_crawler(settings_dict={"GOVWATCH_DB": sqlite_url, "GOVWATCH_BATCH_SECONDS": 0.5})
    state = CrawlRun(crawler, Portal(name="weibin", start_urls=["http://www.weibin.gov.cn/xwzx/"]))
    state.open()
    pipeline = StorePipeline(crawler, state)

    def broken(batch: list[AnnouncementItem]) -> None:
        raise RuntimeError("a bug in linking")

    pipeline.link = broken  # type: ignore[method-assign]
    urls = [f"http://www.weibin.gov.cn/xwzx/{i}.html" for i in range(3)]
    pipeline.pending = [AnnouncementItem(portal="weibin", url=url) for url in urls]
    pipeline.pending_since = time.monotonic() - 1  # waited past GOVWATCH_BATCH_SECONDS
    with caplog.at_level(logging.ERROR, logger="crawler.pipelines.store"):
        pipeline.flush_if_due()
    assert "portal weibin: writing a batch of 3 announcements (the first " + urls[0] in caplog.text
    assert "a bug in linking" in caplog.text
    assert state.article_failures == 3
    assert [page.url for page in state.ledger.missed()] == urls
    assert pipeline.pending == []


def test_gbk_portal_is_decoded_as_gb18030(site: PortalSite, tmp_path: Path, sqlite_url: str):
    style = SiteStyle(per_page=10, pager="next", charset="gb2312")
    articles = make_articles(12)
    # 堃 and 镕 are in GBK/GB18030 but not in GB2312, as on many county sites
    articles[0] = articles[0].__class__(
        **{**articles[0].__dict__, "title": "王堃主持召开区政府常务会议（朱镕）"}
    )
    serve(site, style, articles)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("gbk", site.url("/xwzx/zwdt/index.html"))]
    )
    crawl(portals, sqlite_url)
    repo = Repository.open(sqlite_url)
    records = {r["url"]: r for r in repo.export()}
    assert len(records) == 12
    first = records[site.url("/xwzx/zwdt/a0000.html")]
    assert first["title"] == "王堃主持召开区政府常务会议（朱镕）"
    assert "\ufffd" not in "".join(r["body"] + (r["title"] or "") for r in records.values())


def test_rss_start_url(site: PortalSite, tmp_path: Path, sqlite_url: str):
    articles = make_articles(8)
    serve(site, STYLE, articles)
    site.put(
        "/rss.xml", build_feed(STYLE, site.base_url, articles), "application/rss+xml; charset=utf-8"
    )
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("feed", site.url("/rss.xml"))])
    crawl(portals, sqlite_url)
    assert set(stored_urls(sqlite_url)) == article_urls(site, STYLE, articles)
    site.clear_hits()
    crawl(portals, sqlite_url)
    assert [(h.path, h.status) for h in site.hits_for()] == [
        ("/robots.txt", 200),
        ("/rss.xml", 304),
    ]


def test_lying_charset_is_detected_and_encoding_override_wins(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    style = SiteStyle(per_page=10, pager="next")
    articles = make_articles(4)
    serve(site, style, articles)
    # the server says UTF-8 but sends GBK bytes, as misconfigured county servers do
    lying = "/xwzx/zwdt/a0001.html"
    page = site.pages[lying].body.decode("utf-8").replace('charset=utf-8"', 'charset=utf-8" ')
    site.put(lying, page.encode("gb18030"), "text/html; charset=utf-8")
    other = write_portals(
        tmp_path / "p.yaml", [portal_entry("liar", site.url("/xwzx/zwdt/index.html"))]
    )
    crawl(other, sqlite_url)
    records = {r["url"]: r for r in Repository.open(sqlite_url).export()}
    assert records[site.url(lying)]["title"] == articles[1].title
    assert "\ufffd" not in records[site.url(lying)]["body"]


def test_gb2312_declared_page_whose_bytes_are_utf8_is_read_as_utf8(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    style = SiteStyle(per_page=10, pager="next", charset="utf-8")
    articles = make_articles(3)
    serve(site, style, articles)
    # the header or the <meta> says gb2312 and the bytes are UTF-8, as on most "gb2312" portals
    # seen: GB18030 decodes those bytes into other characters, with errors in well under 1 %
    # of a page that carries a portal's kilobytes of style and script
    furniture = "<style>" + ".nav li a { color: #333; padding: 0 12px; }\n" * 200 + "</style>"
    for path, page in list(site.pages.items()):
        if path.endswith(".html"):
            text = page.body.decode("utf-8").replace("charset=utf-8", "charset=gb2312")
            text = text.replace("</head>", furniture + "</head>")
            header = "text/html; charset=gb2312" if "a0000" in path else "text/html"
            site.put(path, text.encode("utf-8"), header)
    portals = write_portals(
        tmp_path / "p.yaml", [portal_entry("utf8liar", site.url("/xwzx/zwdt/index.html"))]
    )
    crawl(portals, sqlite_url)
    records = Repository.open(sqlite_url).export()
    assert {r["title"] for r in records} == {a.title for a in articles}
    assert all(
        a.paragraphs[0] in r["body"] for r in records for a in articles if a.title == r["title"]
    )


def test_portal_encoding_override(site: PortalSite, tmp_path: Path, sqlite_url: str):
    style = SiteStyle(per_page=10, pager="next", charset="utf-8")
    articles = make_articles(3)
    serve(site, style, articles)
    for path, page in list(site.pages.items()):
        if path.endswith(".html"):  # every page in GBK, every header claiming ISO-8859-1
            text = page.body.decode("utf-8").replace("charset=utf-8", "charset=iso-8859-1")
            site.put(path, text.encode("gb18030"), "text/html; charset=iso-8859-1")
    portals = write_portals(
        tmp_path / "p.yaml",
        [portal_entry("gbk", site.url("/xwzx/zwdt/index.html"), encoding="gbk")],
    )
    crawl(portals, sqlite_url)
    titles = {r["title"] for r in Repository.open(sqlite_url).export()}
    assert titles == {a.title for a in articles}


@pytest.mark.parametrize(("level", "debug"), [("INFO", False), ("DEBUG", True)])
def test_scrapy_makes_no_debug_records_below_the_log_level(level: str, debug: bool):
    from logging.config import dictConfig

    from scrapy.utils.log import DEFAULT_LOGGING

    from crawler.crawl.process import project_settings, scrapy_log_level

    loggers = [logging.getLogger(name) for name in DEFAULT_LOGGING["loggers"]]
    saved = [logger.level for logger in loggers]
    try:
        dictConfig(DEFAULT_LOGGING)  # as CrawlerProcess does: Scrapy's loggers at DEBUG
        scrapy_log_level(project_settings(LOG_LEVEL=level))
        assert logging.getLogger("scrapy.core.engine").isEnabledFor(logging.DEBUG) is debug
        assert logging.getLogger("scrapy.core.scraper").isEnabledFor(logging.INFO)
    finally:
        for logger, saved_level in zip(loggers, saved, strict=True):
            logger.setLevel(saved_level)


def test_the_aiohttp_client_crawls_as_the_twisted_one_does(portal, tmp_path: Path):
    site, _, articles = portal
    results = {}
    for client in ("twisted", "aiohttp"):
        portals = write_portals(
            tmp_path / f"{client}.yaml",
            [
                portal_entry(
                    "weibin",
                    site.url("/xwzx/zwdt/index.html"),
                    settings={"GOVWATCH_HTTP_CLIENT": client},
                )
            ],
        )
        db = f"sqlite:///{tmp_path / client}.db"
        result = crawl(portals, db)
        results[client] = records(db)
        site.clear_hits()
        crawl(portals, db)  # unchanged: one conditional GET, answered 304
        assert [h.path for h in site.hits_for() if h.path != "/robots.txt"] == [
            "/xwzx/zwdt/index.html"
        ], client
        site.clear_hits()
    assert "AiohttpDownloadHandler is experimental" in result.stderr
    assert len(results["aiohttp"]) == len(articles) and results["aiohttp"] == results["twisted"]


def test_an_unknown_http_client_is_a_clear_error(tmp_path: Path, site: PortalSite):
    from crawler.crawl.config import CrawlConfig
    from crawler.crawl.process import project_settings
    from crawler.exceptions import ConfigError

    with pytest.raises(ConfigError, match="GOVWATCH_HTTP_CLIENT: one of twisted, aiohttp"):
        CrawlConfig.from_settings(project_settings(GOVWATCH_HTTP_CLIENT="curl"))
    portals = write_portals(tmp_path / "p.yaml", [portal_entry("weibin", site.url("/"))])
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--portals", str(portals)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "GOVWATCH_HTTP_CLIENT": "curl", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2  # a user error: nothing crawled
    assert "GOVWATCH_HTTP_CLIENT: one of twisted, aiohttp, not 'curl'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_portal_proxy_carries_every_request(portal, tmp_path: Path, sqlite_url: str):
    """GOVWATCH_PROXY in a portal's settings: every request goes to the proxy (the mock
    portal answers absolute-URL requests as a forward proxy would), none to the portal."""
    site, _, articles = portal
    with PortalSite() as proxy:
        proxy.pages = site.pages
        entry = portal_entry(
            "weibin", site.url("/xwzx/zwdt/index.html"), settings={"GOVWATCH_PROXY": proxy.base_url}
        )
        portals = write_portals(tmp_path / "proxied.yaml", [entry])
        crawl(portals, sqlite_url)
        assert site.hits_for() == []
        assert {h.path for h in proxy.hits_for("http://")} >= {
            site.url("/xwzx/zwdt/index.html"),
            site.url("/robots.txt"),
        }
    assert set(stored_urls(sqlite_url)) == article_urls(site, STYLE, articles)


@pytest.mark.parametrize(
    ("db", "settings", "message"),
    [
        ("nonsense", {}, "--db / GOVWATCH_DB: 'nonsense' is not a database URL"),
        (
            None,
            {"GOVWATCH_LEASE_TTL": "5s", "GOVWATCH_LEASE_HEARTBEAT": "10s"},
            "portal weibin: GOVWATCH_LEASE_HEARTBEAT (10s) must be shorter than "
            "GOVWATCH_LEASE_TTL (5s)",
        ),
        (None, {"GOVWATCH_PROXY": "socks5://x"}, "portal weibin: GOVWATCH_PROXY: an http://"),
    ],
    ids=["database-url", "lease-settings", "proxy"],
)
def test_a_user_error_exits_2_before_any_request(
    site: PortalSite, tmp_path: Path, sqlite_url: str, db, settings, message
):
    entry = portal_entry("weibin", site.url("/"), settings=settings)
    portals = write_portals(tmp_path / "p.yaml", [entry])
    result = govwatch("crawl", "--portals", str(portals), "--db", db or sqlite_url)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr and site.hits_for() == []
