"""The portal spider: list pages → article links (stopping at known ground) → article pages.

Every portals.yaml entry becomes a subclass of :class:`PortalSpider` (see
:mod:`spiders.loader`). Parsing happens here once; cleaning, extraction and storage
happen in the item pipelines.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any, ClassVar

import lxml.html
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.configfiles.portals import Portal
from crawler.crawl import recheck
from crawler.crawl.run import CrawlRun
from crawler.extract import families
from crawler.extract.links import ListLink
from crawler.extract.notarticle import is_start, not_article
from crawler.items import AnnouncementItem
from crawler.rendering.escalation import Rendering
from storage import ARTICLE, LIST, Missed

logger = logging.getLogger(__name__)

GONE = (404, 410)  # an article that is gone is not a crawl failure


def looks_binary(body: bytes) -> bool:
    """NUL bytes or many control bytes: an image or archive served as text/html."""
    head = body[:65536]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # one pass, not 24
    return controls > len(head) // 100


_CONTROL_BYTES = bytes((*range(1, 9), 11, 12, *range(14, 32)))


def asked_url(request: Request) -> str:
    """The URL a request was made for, before any redirect."""
    link = request.cb_kwargs.get("link")
    if isinstance(link, ListLink):
        return link.url
    return str((request.meta.get("redirect_urls") or [request.url])[0])


def unparsable(response: Response) -> str | None:
    """Why a list page without article links could not be read, if it could not: binary,
    or past the HTML parser's limits (nested thousands of levels deep, say), which cut the
    page short. None for a page that was read whole and simply lists nothing."""
    if not isinstance(response, TextResponse) or looks_binary(response.body):
        return "not text"
    # the parser Scrapy's selectors use (parsel: huge_tree), asked what it gave up on
    parser = lxml.html.HTMLParser(recover=True, huge_tree=True)
    try:
        lxml.html.document_fromstring(response.text, parser=parser)
    except (ValueError, lxml.etree.ParserError) as exc:
        return f"cannot be parsed: {exc}"
    limits = [e.message for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
    return f"cannot be parsed: {limits[0]}" if limits else None


class PortalSpider(scrapy.Spider):
    portal: ClassVar[Portal]
    allowed_domains: ClassVar[list[str]]
    run: CrawlRun  # the crawl's extensions, found when the crawl starts
    rendering: Rendering

    @classmethod
    def for_portal(cls, portal: Portal) -> type[PortalSpider]:
        """A spider class for one portal entry."""
        attrs = {
            "name": portal.name,
            "portal": portal,
            "allowed_domains": portal.domains,
            "custom_settings": dict(portal.settings),
            "__module__": cls.__module__,
        }
        return type(f"{portal.name}_spider", (cls,), attrs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listed: set[str] = set()  # article URLs seen on this crawl's list pages

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.dropped, signal=signals.request_dropped)
        return spider

    # -- list pages --------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        self.run = CrawlRun.of(self.crawler)
        self.rendering = Rendering.of(self.crawler)
        if not await self.run.ready():  # another crawl of this portal holds its lease
            return
        for url in self.portal.start_urls:
            yield self.list_request(url, page=1)
        for missed in self.run.retries():  # what earlier runs missed, whatever 304s say
            if missed.kind == LIST:
                yield self.list_request(missed.url, page=missed.page or 2)
            else:
                date = datetime.fromisoformat(missed.link_date) if missed.link_date else None
                yield self.article_request(ListLink(missed.url, missed.link_text or "", date))
        for due in recheck.due(self.run):  # recent articles, conditionally, after the rest
            yield recheck.request(due, self.parse_recheck, self.recheck_failed)

    def list_request(self, url: str, page: int) -> Request:
        self.run.ledger.ask(Missed(url, LIST, page))
        return Request(
            url,
            callback=self.parse_list,
            errback=self.failed,
            headers=self.run.conditional_headers(url) if page == 1 else None,
            dont_filter=page == 1,
            priority=10,  # list pages before articles: the frontier is known early
            meta={"govwatch_page": page, "handle_httpstatus_list": [304]},
        )

    def parse_list(self, response: Response) -> Iterator[Request]:
        page = response.meta["govwatch_page"]
        stats = self.crawler.stats
        assert stats is not None
        url = asked_url(response.request) if response.request is not None else response.url
        if response.status == 304:
            stats.inc_value("govwatch/list_not_modified")
            self.run.ledger.list_read(url)
            return
        links, following = self.list_links(response)
        links = [
            link
            for link in links
            if self.portal.allows(link.url) and not is_start(link.url, self.portal.start_urls)
        ]
        if not links and self.rendering.escalate_shell(response):
            # a script builds this list: the same page again, now rendered in the browser
            yield self.list_request(response.url, page).replace(dont_filter=True)
            return
        why = None if links else unparsable(response)
        if why is not None:  # a failed page, not an empty one: remembered, fetched again
            stats.inc_value("govwatch/errors")
            self.run.list_failed(url, why)
            logger.error("portal %s: list page %s failed: %s", self.name, response.url, why)
            return
        self.run.ledger.list_read(url)
        stats.inc_value("govwatch/list_pages")
        if not links:
            stats.inc_value("govwatch/empty_list_pages")
            logger.warning("portal %s: no article links on list page %s", self.name, response.url)
        repeats = bool(links) and all(link.url in self.listed for link in links)
        self.listed.update(link.url for link in links)
        known = self.run.known(link.url for link in links)
        self.run.list_page_seen(response, links)
        check = self.run.settings.check_articles
        since = self.run.backfill_since
        dated = [link for link in links if link.date is not None]
        older = [link for link in dated if since and link.date and link.date.date() < since]
        if older and not check:  # a back-fill's bound: these are left
            links = [link for link in links if link not in older]
            if len(older) == len(dated):
                # and the pages after, once all its dated links are older (a pinned old link
                # does not stop the walk, nor do undated ones: they keep to max_list_pages)
                following = None
        for index, link in enumerate(links):
            if (link.url not in known and not check) or index < check:
                yield self.article_request(link)
        # newest first: once the oldest link of a page is known, the rest is known ground
        reached_known = bool(links) and links[-1].url in known
        if following and self.run.incremental and reached_known:
            stats.inc_value("govwatch/stopped_at_known")
        elif following and repeats:
            stats.inc_value("govwatch/list_repeats")
            logger.warning(
                "portal %s: list page %s repeats earlier pages; pagination stopped",
                self.name, response.url,
            )  # fmt: skip
        elif following and page < self.run.max_list_pages:
            yield self.list_request(following, page + 1)
        elif following and not check:
            logger.warning(
                "portal %s: stopped after %d list pages at %s", self.name, page, response.url
            )

    def list_links(self, response: Response) -> tuple[list[ListLink], str | None]:
        """A list page's article links and the next list page, read by the page's CMS
        family (crawler.extract.families); override for odd portals."""
        return families.list_page(
            response, self.portal.selectors, self.crawler.stats, self.portal.allows
        )

    # -- article pages -------------------------------------------------------------

    def article_request(self, link: ListLink) -> Request:
        date = link.date.isoformat() if link.date else None
        self.run.ledger.ask(Missed(link.url, ARTICLE, None, link.text or None, date))
        return Request(
            link.url,
            callback=self.parse_article,
            errback=self.failed,
            cb_kwargs={"link": link},
        )

    def parse_article(self, response: Response, link: ListLink) -> Iterator[AnnouncementItem]:
        if not isinstance(response, TextResponse) or looks_binary(response.body):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govwatch/not_text")
            self.run.ledger.excuse(link.url)
            logger.warning("portal %s: %s is not text, skipped", self.name, response.url)
            return
        why = not_article(response, self.portal.start_urls)
        if why is not None:  # stored, it would be an "announcement" titled with the site's name
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govwatch/not_articles")
            self.run.ledger.excuse(link.url)
            logger.warning(
                "portal %s: %s is not an article (%s), not stored", self.name, response.url, why
            )
            return
        self.run.ledger.answered(link.url)
        date = link.date.isoformat() if link.date else None
        yield AnnouncementItem(
            portal=self.name,
            url=link.url,  # the URL the list gave: the one "known" is checked against
            html=response.text,
            list_title=link.text or None,
            list_date=link.date,
            fetched=recheck.fetched(response, link_text=link.text or None, link_date=date),
        )

    def parse_recheck(self, response: Response) -> Iterator[AnnouncementItem]:
        """A stored article fetched again: a 304 or a gone page is recorded here; a page
        goes through analysis to the store, which compares it with the record."""
        if not recheck.answered(self.run, response):
            return
        due = response.meta[recheck.RECHECK]
        if not isinstance(response, TextResponse) or looks_binary(response.body):
            logger.warning("portal %s: re-check of %s is not text", self.name, due.url)
            return
        date = datetime.fromisoformat(due.link_date) if due.link_date else None
        yield AnnouncementItem(
            portal=self.name,
            url=due.url,
            html=response.text,
            list_title=due.link_text,
            list_date=date,
            fetched=recheck.fetched(response, link_text=due.link_text, link_date=due.link_date),
            recheck=True,
        )

    def recheck_failed(self, failure: Failure) -> None:
        """A re-check that failed (5xx, a timeout): nothing recorded, checked next time."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("govwatch/recheck_failed")
        request = failure.request  # type: ignore[attr-defined]
        logger.warning(
            "portal %s: re-check of %s failed: %s",
            self.name, asked_url(request), failure.getErrorMessage() or repr(failure.value),
        )  # fmt: skip

    def dropped(self, request: Request, spider: Any) -> None:
        """An article redirect the scheduler dropped: it loops back to a URL already seen.

        (A link listed twice is dropped too; that is no failure.)
        """
        redirects = request.meta.get("redirect_urls")
        if spider is not self or request.callback != self.parse_article or not redirects:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("govwatch/errors")
        origin = redirects[0]
        self.run.article_failed(origin, f"redirect loop via {request.url}")
        logger.error(
            "portal %s: article %s failed: redirect loop via %s", self.name, origin, request.url
        )

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        error = failure.value
        response = error.response if isinstance(error, HttpError) else None
        status = response.status if response is not None else None
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("govwatch/errors")
        article = request.callback == self.parse_article
        why = f"HTTP {status}" if status else failure.getErrorMessage() or repr(error)
        # gone, outside the portal or forbidden by robots.txt: nothing to fetch again
        refused = failure.check(IgnoreRequest) and not failure.check(HttpError)
        url = asked_url(request)
        if not article:
            self.run.list_failed(url, why)
        elif status in GONE or refused:
            self.run.ledger.excuse(url)
        else:
            self.run.article_failed(url, why)
        logger.error(
            "portal %s: %s %s failed: %s",
            self.name,
            "article" if article else "list page",
            request.url,
            why,
        )
