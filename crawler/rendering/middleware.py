"""Downloader middlewares: requests to the browser and back, cookies the browser earned."""

from __future__ import annotations

import logging
import time
from http.cookiejar import Cookie
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.http.cookies import CookieJar
from scrapy.http.request import NO_CALLBACK

from crawler.crawl.run import CrawlRun
from crawler.rendering.escalation import CHALLENGE, Rendering, challenge_of
from crawler.rendering.page import page_report

logger = logging.getLogger(__name__)


class RenderingMiddleware:
    """Sends what :class:`Rendering` wants through Chromium; turns rendered answers into
    what the spider expects; retries JS challenges in the browser (at 595: before the
    encoding middleware sees an answer, after redirects and cookies)."""

    def __init__(self, crawler: Crawler) -> None:
        self.rendering = Rendering.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderingMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if self.rendering.blocked:
            raise IgnoreRequest(f"portal {self.rendering.name} is blocked")
        if self.rendering.wants_browser(request):
            request.meta.update(self.rendering.browser_meta(request))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.callback is NO_CALLBACK:  # robots.txt: never worth a browser visit
            return response
        report = page_report(request)
        if report is not None:
            response = self.rendering.rendered(response, report)
        what = challenge_of(response, rendered=report is not None)
        if what is not None:
            return self.rendering.challenged(request, what)
        if report is not None and request.meta.get(CHALLENGE):
            self.rendering.passed = True
        return response


def for_portal(cookie_domain: str, hosts: list[str]) -> bool:
    """Whether a cookie is the portal's: for one of its hosts, a parent domain of one
    (.example.gov.cn), or a subdomain; not a third party's."""
    domain = cookie_domain.lstrip(".")
    return any(h == domain or h.endswith("." + domain) or domain.endswith("." + h) for h in hosts)


def browser_cookie(data: dict[str, Any]) -> Cookie:
    """A cookie as the browser reports it (Playwright's dict) → a cookiejar Cookie."""
    domain = str(data["domain"])
    expires = float(data.get("expires") or -1)
    return Cookie(
        version=0,
        name=str(data["name"]),
        value=str(data["value"]),
        port=None,
        port_specified=False,
        domain=domain,
        domain_specified=domain.startswith("."),
        domain_initial_dot=domain.startswith("."),
        path=str(data.get("path") or "/"),
        path_specified=True,
        secure=bool(data.get("secure")),
        expires=int(expires) if expires > 0 else None,
        discard=expires <= 0,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": ""} if data.get("httpOnly") else {},
    )


class BrowserCookiesMiddleware(CookiesMiddleware):
    """Scrapy's cookie middleware, which also keeps the cookies Chromium earned (a passed
    challenge) for plain requests, until they expire, in this crawl and the next ones:
    they are saved with the portal."""

    def __init__(self, run: CrawlRun, debug: bool = False) -> None:
        super().__init__(debug)
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserCookiesMiddleware:
        if not crawler.settings.getbool("COOKIES_ENABLED"):
            raise NotConfigured
        middleware = cls(CrawlRun.of(crawler), crawler.settings.getbool("COOKIES_DEBUG"))
        middleware.crawler = crawler
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def adopt(self, jar: CookieJar, cookies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Put the portal's unexpired ``cookies`` in ``jar``; returns those it took."""
        domains = self.run.portal.domains
        now = time.time()
        taken = []
        for data in cookies:
            expires = float(data.get("expires") or -1)
            if not for_portal(str(data.get("domain", "")), domains) or 0 < expires <= now:
                continue
            jar.set_cookie(browser_cookie(data))
            taken.append(data)
        return taken

    def spider_opened(self, spider: Any) -> None:
        portal = self.run.portal
        taken = self.adopt(self.jars[None], self.run.repo.browser_cookies(portal.name))
        if taken:
            logger.info(
                "portal %s: reusing %d cookies Chromium earned before (%s)",
                portal.name,
                len(taken),
                ", ".join(sorted(str(c["name"]) for c in taken)),
            )

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        response_or_request = super().process_response(request, response)
        if not isinstance(response_or_request, Response):
            return response_or_request
        response = response_or_request
        report = page_report(request)
        portal = self.run.portal
        if report is None or not report.cookies:
            return response
        taken = self.adopt(self.jars[request.meta.get("cookiejar")], report.cookies)
        lasting = [c for c in taken if float(c.get("expires") or -1) > 0]
        if lasting:  # session cookies end with this crawl, as they would in a browser
            self.run.repo.save_browser_cookies(portal.name, lasting)
        return response
