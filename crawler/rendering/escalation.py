"""What one crawl sends through Chromium, and why: ``render: js``, JS challenges, empty shells.

A list page of a ``render: js`` portal is rendered. A plain answer that is a JS challenge
(HTTP 412 with $_ts, HTTP 521 setting __jsl_clearance) is asked again in the browser, whose
cookies then serve plain requests; a plain list page with no links whose list a script
builds switches the portal's list pages to the browser for the rest of the crawl. Past
GOVWATCH_RENDER_CHALLENGE_VISITS challenges, every page goes through the browser if it ever
passed one, else the crawl ends "blocked", as it does when a challenge answers the browser
too. The first reason is kept on the crawl run (portal health).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler.configfiles.portals import Portal
from crawler.crawl.run import CrawlRun
from crawler.extract.patterns import JS_CHALLENGES, SCRIPT_APP_ROOT, SCRIPT_BUILT_LIST
from crawler.rendering.config import RenderConfig
from crawler.rendering.page import PAGE_METHOD, PageReport

if TYPE_CHECKING:
    from crawler.rendering.browser import ChromiumHandler

logger = logging.getLogger(__name__)

BLOCKED = "blocked"  # the close reason of a crawl stopped by a challenge it cannot pass
CONTEXT = "govwatch"  # the browser context of a crawl; one per crawl, so one per portal
CHALLENGE = "govwatch_challenge"  # meta: this rendered request answers a JS challenge
VALIDATORS = ("ETag", "Last-Modified")
# what a list a script has not built yet shows: 数据加载中... / 正在加载 / Loading…
LOADING = re.compile(r"数据加载中|正在加载|加载中[.。…]+|\bLoading\s*(?:\.\.\.|…)", re.IGNORECASE)
CHALLENGE_SCAN = 64 * 1024  # challenge pages are small; their markers sit near the top


def challenge_of(response: Response, rendered: bool = False) -> str | None:
    """What JS challenge ``response`` is, or None when it is none. A rendered page that
    ends on a challenge's status is one, whatever the browser shows (an aborted reload
    loop leaves an error page)."""
    head: str | None = None
    for status, marker, what in JS_CHALLENGES:
        if response.status == status:
            head = head or response.body[:CHALLENGE_SCAN].decode("latin-1")
            if rendered or marker.search(head):
                return what
    return None


def script_built(response: Response) -> str | None:
    """Why the list of a page with no article links looks built by a script, or None."""
    if not isinstance(response, HtmlResponse):
        return None
    for script in response.xpath("//script[not(@src)]/text()").getall():
        match = SCRIPT_BUILT_LIST.search(script)
        if match:
            return f"its list is built by a script ({match[0].strip()}...)"
    if response.xpath("//script[@src]") and SCRIPT_APP_ROOT.search(response.text):
        return "an empty app root that a script fills"
    # a loading placeholder where the list goes, filled by a script (often an external one,
    # whose code this page does not show)
    text = " ".join(response.xpath("//body//text()[not(ancestor::script)]").getall())
    placeholder = LOADING.search(text)
    if placeholder and response.xpath("//script"):
        return f"a script fills a loading placeholder ({placeholder[0].strip()})"
    return None


class Rendering:
    """One crawl's use of the browser: a Scrapy extension, found with ``Rendering.of``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = RenderConfig.from_settings(crawler.settings)
        portal = getattr(crawler.spidercls, "portal", None)
        self.portal: Portal | None = portal if isinstance(portal, Portal) else None
        # the crawl's one browser handler, shared by the http and https download handlers
        self.browser: asyncio.Task[ChromiumHandler] | None = None
        self.lists_in_browser = False
        self.reason: str | None = None
        self.challenge_visits = 0
        self.passed = False  # a challenge was passed in the browser
        self.everything_in_browser = False  # its cookies did not serve plain requests
        self.blocked = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Rendering:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> Rendering:
        rendering = crawler.get_extension(cls)
        if rendering is None:
            raise RuntimeError(f"{cls.__name__} is not in EXTENSIONS")
        return rendering

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @property
    def name(self) -> str:
        return self.portal.name if self.portal else "?"

    def spider_opened(self, spider: Any) -> None:
        if self.portal is not None and self.portal.render == "js":
            self.needed("render: js in the portal entry", lists=True)

    def needed(self, reason: str, lists: bool = False) -> None:
        """Rendering is needed; the first reason goes to stats and onto the crawl run."""
        self.lists_in_browser = self.lists_in_browser or lists
        if self.reason is not None:
            return
        self.reason = reason
        self.stats.set_value("govwatch/render/reason", reason)
        logger.info("portal %s: rendering in Chromium: %s", self.name, reason)
        run = CrawlRun.of(self.crawler)
        if run.run_id is not None:
            run.repo.mark_rendered(run.run_id, reason)

    # -- which requests, and how ---------------------------------------------------

    def wants_browser(self, request: Request) -> bool:
        if request.meta.get("playwright") or request.callback is NO_CALLBACK:
            return False
        if self.everything_in_browser:
            return True
        if "govwatch_page" in request.meta:
            return self.lists_in_browser
        return self.settings.render_articles

    def browser_meta(self, request: Request) -> dict[str, Any]:
        """scrapy-playwright's meta keys for ``request``: our context, our wait, our report."""
        from crawler.rendering.browser import settle  # Playwright: only in crawls that render

        listing = "govwatch_page" in request.meta
        selector = self.portal.selectors.list_links if listing and self.portal else None
        timeout = self.settings.timeout_ms
        return {
            "playwright": True,
            "playwright_context": CONTEXT,
            "playwright_context_kwargs": {
                "user_agent": self.settings.user_agent,
                "locale": "zh-CN",
                "ignore_https_errors": True,  # as plain requests, which do not verify either
                "service_workers": "block",
            },
            "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded", "timeout": timeout},
            "playwright_page_methods": {PAGE_METHOD: PageMethod(settle, selector, timeout)},
        }

    def rendered(self, response: Response, report: PageReport) -> Response:
        """A rendered answer as the spider should see it: the final document's status, no
        validators (the page's ETag does not cover what its scripts load), the portal's
        encoding where it has one."""
        self.stats.inc_value("govwatch/render/pages")
        headers = response.headers.copy()
        for name in VALIDATORS:
            headers.pop(name, None)
        changes: dict[str, Any] = {"headers": headers, "status": report.status or response.status}
        encoding = self.portal.encoding if self.portal else None
        if encoding and isinstance(response, TextResponse):
            changes["body"] = response.text.encode(encoding, "xmlcharrefreplace")
            changes["encoding"] = encoding
        return response.replace(**changes)

    # -- escalation ------------------------------------------------------------------

    def escalate_shell(self, response: Response) -> bool:
        """True for a plain list page without links whose list a script builds: list
        pages go through the browser from now on (this one included, asked again)."""
        if self.blocked or response.meta.get("playwright"):
            return False
        why = script_built(response)
        if why is None:
            return False
        self.stats.inc_value("govwatch/render/shells")
        logger.info("portal %s: %s has no article links; %s", self.name, response.url, why)
        self.needed(f"empty list shell: {why}", lists=True)
        return True

    def challenged(self, request: Request, what: str) -> Request:
        """A JS challenge answered ``request``: the request again, in the browser. Within
        GOVWATCH_RENDER_CHALLENGE_VISITS its cookies then serve plain requests; beyond, if
        the browser ever passed, every page goes through it (cookies that only a browser can
        use, as Ruishu's); raises IgnoreRequest and ends the crawl when the portal stays
        blocked."""
        rendered = bool(request.meta.get("playwright"))
        if rendered or (
            self.challenge_visits >= self.settings.challenge_visits and not self.passed
        ):
            self.block(request, what, rendered)
        if self.challenge_visits < self.settings.challenge_visits:
            self.challenge_visits += 1
            self.stats.inc_value("govwatch/render/challenges")
            logger.info(
                "portal %s: %s answered %s; passing it in Chromium", self.name, request.url, what
            )
            self.needed(f"JS challenge: {what}")
        elif not self.everything_in_browser:
            self.everything_in_browser = True
            logger.warning(
                "portal %s: %s answered %s again: the cookies Chromium earned do not serve "
                "plain requests; every page goes through Chromium now",
                self.name,
                request.url,
                what,
            )
        meta = {**request.meta, **self.browser_meta(request), CHALLENGE: True}
        return request.replace(meta=meta, dont_filter=True)

    def block(self, request: Request, what: str, rendered: bool) -> None:
        self.stats.inc_value("govwatch/blocked")
        why = (
            "even in Chromium"
            if rendered
            else f"after {self.challenge_visits} browser visits this crawl"
        )
        logger.error(
            "portal %s: blocked at %s: %s %s; ending this crawl", self.name, request.url, what, why
        )
        if not self.blocked:
            self.blocked = True
            self.stats.set_value("govwatch/render/blocked", f"{what} {why}")
            closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=BLOCKED))
            closing.addErrback(lambda failure: self._close_failed(failure))
        raise IgnoreRequest(f"blocked: {what} {why}")

    def _close_failed(self, failure: Failure) -> None:
        logger.error("portal %s: could not end the blocked crawl: %s", self.name, failure.value)


def describe(stats: StatsCollector) -> str:
    """One line for `portal check`: whether rendering was needed, and why."""
    blocked = stats.get_value("govwatch/render/blocked")
    if blocked:
        return f"rendering: blocked: {blocked}"
    reason = stats.get_value("govwatch/render/reason")
    if reason is None:
        return "rendering: not needed (the list was read from plain HTTP answers)"
    pages = stats.get_value("govwatch/render/pages", 0)
    return f"rendering: needed, {reason} ({pages} pages rendered in Chromium)"
