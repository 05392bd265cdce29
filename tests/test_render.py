"""Rendering in Debian's Chromium: render: js, escalation from empty shells and JS challenges,
browser cookies reused by plain requests, a blocked portal reported and left alone.

The end-to-end tests crawl mock portals on 127.0.0.1 in their own processes, in real
headless Chromium; the rest needs no browser.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.configfiles.portals import Portal
from crawler.crawl.run import CrawlRun
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from crawler.rendering.browser import MAX_NAVIGATIONS
from crawler.rendering.escalation import challenge_of, script_built
from crawler.rendering.middleware import BrowserCookiesMiddleware
from tests.support.cms import CHALLENGE_PAGE, FETCH_SHELL, Challenge, Recorder, serve_fetch_portal
from tests.support.portal import (
    ROOT,
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

STYLE = SiteStyle(per_page=10, pager="trs")
URL = "http://www.example.gov.cn/news/index.html"


def response(status: int, body: str, url: str = URL) -> HtmlResponse:
    return HtmlResponse(url, status=status, body=body.encode(), encoding="utf-8")


# -- without a browser ---------------------------------------------------------------------


def test_js_challenges_are_recognised_by_status_and_script():
    ruishu = '<html><script>$_ts=window["$_ts"];if(!$_ts)$_ts={};$_ts.nsd=1;</script></html>'
    assert "412" in str(challenge_of(response(412, ruishu)))
    jiasule = CHALLENGE_PAGE.format(value="x", max_age=60)  # spells __jsl_clearance piecewise
    assert "521" in str(challenge_of(response(521, jiasule)))
    assert challenge_of(response(521, "<html>origin down</html>")) is None
    assert challenge_of(response(200, ruishu)) is None
    # a rendered page that still ends on 521 is a challenge, whatever it shows
    assert challenge_of(response(521, "<html>chrome error</html>"), rendered=True) is not None


def test_empty_shells_are_told_from_pages_that_are_just_empty():
    shell = FETCH_SHELL.format(nav="", api="/api/news")
    assert "fetch(" in str(script_built(response(200, shell)))
    app = '<html><body><div id="app"></div><script src="/js/app.3f2a.js"></script></body></html>'
    assert "app root" in str(script_built(response(200, app)))
    empty = "<html><body><ul></ul><script>var visits = 3;</script></body></html>"
    assert script_built(response(200, empty)) is None


def test_plain_crawls_never_import_playwright():
    code = (
        "import sys, spiders.base, crawler.rendering.handler, crawler.rendering.middleware, "
        "crawler.crawl.check; assert not [m for m in sys.modules if m.startswith('playwright')]"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_browser_cookies_are_kept_per_portal_until_they_expire(sqlite_url: str):
    portal = Portal(name="jsl", start_urls=["http://www.example.gov.cn/news/"])
    crawler = get_crawler(settings_dict={"GOVWATCH_DB": sqlite_url})
    state = CrawlRun(crawler, portal)
    state.open()
    now = time.time()
    earned = [
        {
            "name": "__jsl_clearance",
            "value": "ok",
            "domain": "www.example.gov.cn",
            "path": "/",
            "expires": now + 3600,
        },
        {
            "name": "old",
            "value": "1",
            "domain": "www.example.gov.cn",
            "path": "/",
            "expires": now - 1,
        },
        {
            "name": "tracker",
            "value": "1",
            "domain": ".other.com",
            "path": "/",
            "expires": now + 3600,
        },
        {"name": "session", "value": "1", "domain": ".example.gov.cn", "path": "/", "expires": -1},
    ]
    state.repo.save_browser_cookies("jsl", earned)
    middleware = BrowserCookiesMiddleware(state)
    middleware.spider_opened(None)  # a later crawl: the saved cookies, less the expired one
    request = Request("http://www.example.gov.cn/news/a.html")
    middleware.process_request(request)
    sent = request.headers.get("Cookie", b"").decode()
    assert sorted(sent.split("; ")) == ["__jsl_clearance=ok", "session=1"]
    other = Request("http://www.other.com/")
    middleware.process_request(other)
    assert other.headers.get("Cookie") is None


# -- in Chromium ------------------------------------------------------------------------------


def test_fetch_built_list_is_read_with_render_js(site: PortalSite, tmp_path: Path, sqlite_url: str):
    recorder = Recorder()
    site.handlers.insert(0, recorder)
    urls = serve_fetch_portal(site, make_articles(25), per_page=10)
    entry = portal_entry("fetchjs", site.url("/news/index.html"), render="js")
    crawl(write_portals(tmp_path / "portals.yaml", [entry]), sqlite_url)
    assert stored(sqlite_url) == set(urls)
    browser = recorder.paths(browser=True)
    assert browser.count("/news/index.html") == 1 and "/news/index.html?page=3" in browser
    assert "/api/news?page=3" in browser  # the list's own data request, made by its script
    assert not [p for p in browser if p.startswith("/news/a")]  # articles: plain HTTP
    assert last_run(sqlite_url, "fetchjs").rendering == "render: js in the portal entry"


def test_fetch_built_list_without_settings_escalates_from_the_empty_shell(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    recorder = Recorder()
    site.handlers.insert(0, recorder)
    urls = serve_fetch_portal(site, make_articles(25), per_page=10)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("shell", site.url("/news/index.html"))]
    )
    crawl(portals, sqlite_url)
    assert stored(sqlite_url) == set(urls)
    assert recorder.paths(browser=False).count("/news/index.html") == 1  # the shell, once
    assert not [p for p in recorder.paths(browser=True) if p.startswith("/news/a")]
    assert str(last_run(sqlite_url, "shell").rendering).startswith("empty list shell")

    check = govwatch("portal", "check", "shell", "--portals", str(portals), "--articles", "1")
    assert check.returncode == 0, check.stderr[-3000:]
    assert "family: generic" in check.stdout
    assert (
        "rendering: needed, empty list shell: its list is built by a script (fetch(" in check.stdout
    )


def test_portals_crawled_together_render_in_one_chromium(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    with PortalSite() as other:
        urls = serve_fetch_portal(site, make_articles(8, prefix="x"))
        urls += serve_fetch_portal(other, make_articles(8, prefix="y"))
        entries = [
            portal_entry("first", site.url("/news/index.html"), render="js"),
            portal_entry("second", other.url("/news/index.html"), render="js"),
        ]
        result = crawl(write_portals(tmp_path / "portals.yaml", entries), sqlite_url)
    assert stored(sqlite_url) == set(urls)
    assert result.stderr.count("crawler.rendering.browser: Chromium 1") == 1  # started once
    assert result.stderr.count("crawler.rendering.browser: Chromium closed") == 1


def test_jiasule_challenge_is_passed_once_and_its_cookie_serves_plain_requests(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    articles = make_articles(15)
    serve(site, STYLE, articles)
    challenge = Challenge(max_age=3600)
    site.handlers.append(challenge)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("jsl", site.url("/xwzx/zwdt/index.html"))]
    )
    crawl(portals, sqlite_url)
    assert stored(sqlite_url) == article_urls(site, STYLE, articles)
    # one browser visit: the challenge, then the reload its script asked for, with the cookie
    assert [(v.path, v.status, v.cookie) for v in challenge.browser_visits()] == [
        ("/xwzx/zwdt/index.html", 521, False),
        ("/xwzx/zwdt/index.html", 200, True),
    ]
    later = [
        v for v in challenge.plain_visits() if v.path.startswith("/xwzx/zwdt/") and v.status == 200
    ]
    assert len(later) == 16 and all(v.cookie for v in later)  # index_1.html and 15 articles
    assert "JS challenge: HTTP 521" in str(last_run(sqlite_url, "jsl").rendering)

    # the next crawl, while the cookie is valid: no browser at all
    challenge.visits.clear()
    new = make_articles(1, prefix="new")
    serve(site, STYLE, new + articles)
    result = crawl(portals, sqlite_url)
    assert not challenge.browser_visits()
    assert all(v.status == 200 and v.cookie for v in challenge.plain_visits())
    assert site.url("/xwzx/zwdt/new0000.html") in stored(sqlite_url)
    assert "Chromium" not in result.stderr.replace("cookies Chromium earned", "")


def test_cookies_only_a_browser_may_use_put_every_page_through_chromium(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    articles = make_articles(6)  # 1 + 2 browser visits to pass, then plain fails again
    serve(site, STYLE, articles)
    challenge = Challenge(ruishu=True)  # HTTP 412 and $_ts; its cookie fails plain requests
    site.handlers.append(challenge)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("ruishu", site.url("/xwzx/zwdt/index.html"))]
    )
    result = crawl(portals, sqlite_url)
    assert stored(sqlite_url) == article_urls(site, STYLE, articles)
    assert "do not serve plain requests; every page goes through Chromium" in result.stderr
    run = last_run(sqlite_url, "ruishu")
    assert run.status == "finished" and "HTTP 412 with a $_ts script" in str(run.rendering)
    assert not [v for v in challenge.plain_visits() if v.status == 200]


def test_portal_that_stays_blocked_is_reported_and_not_hammered(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    serve(site, STYLE, make_articles(15))
    challenge = Challenge(passes=False)
    site.handlers.append(challenge)
    entry = portal_entry(
        "walled", site.url("/xwzx/zwdt/index.html"), settings={"GOVWATCH_RENDER_TIMEOUT": 5}
    )
    result = govwatch(
        "crawl", "--portals", str(write_portals(tmp_path / "p.yaml", [entry])), "--db", sqlite_url
    )
    assert result.returncode == 1
    assert (
        f"portal walled: blocked at {site.url('/xwzx/zwdt/index.html')}: HTTP 521" in result.stderr
    )
    run = last_run(sqlite_url, "walled")
    assert (run.status, run.message) == ("failed", "blocked")
    # robots.txt and the list page once each over HTTP; in Chromium, a bounded reload loop
    assert len(challenge.plain_visits()) == 2
    assert len(challenge.browser_visits()) <= MAX_NAVIGATIONS


def test_scripts_of_a_rendered_page_cannot_reach_other_local_services(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    urls = serve_fetch_portal(site, make_articles(3), per_page=10)
    with PortalSite() as other:
        other.put("/secret", "{}", "application/json")
        page = site.pages["/news/index.html"].body.decode()
        probe = f'<script>fetch("{other.url("/secret")}"); new Image().src = "{other.url("/secret")}";</script>'
        site.put("/news/index.html", page.replace("</body>", probe + "</body>"))
        entry = portal_entry("fetchjs", site.url("/news/index.html"), render="js")
        result = crawl(write_portals(tmp_path / "portals.yaml", [entry]), sqlite_url)
        assert other.hits_for() == []
    assert stored(sqlite_url) == set(urls)  # the portal's own fetch() still works
    assert "refused" in result.stderr
