"""The portal spider: list pages → article links (stopping at known ground) → article pages.

Every portals.yaml entry becomes a subclass of :class:`PortalSpider` (see
:mod:`crawler.spiderloader`). Parsing happens here once; cleaning, extraction and storage
happen in the item pipelines.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.extract.feeds import feed_links, looks_like_feed
from crawler.extract.links import ListLink, find_links, in_domains
from crawler.extract.pagination import next_page
from crawler.items import AnnouncementItem
from crawler.portals import Portal
from crawler.state import CrawlState

logger = logging.getLogger(__name__)

GONE = (404, 410)  # an article that is gone is not a crawl failure


class PortalSpider(scrapy.Spider):
    portal: ClassVar[Portal]
    allowed_domains: ClassVar[list[str]]
    state: CrawlState

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

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.state = CrawlState.of(crawler)
        spider.state.open(cls.portal)
        return spider

    # -- list pages --------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for url in self.portal.start_urls:
            yield self.list_request(url, page=1)

    def list_request(self, url: str, page: int) -> Request:
        return Request(
            url,
            callback=self.parse_list,
            errback=self.failed,
            headers=self.state.conditional_headers(url) if page == 1 else None,
            dont_filter=page == 1,
            priority=10,  # list pages before articles: the frontier is known early
            meta={"govwatch_page": page, "handle_httpstatus_list": [304]},
        )

    def parse_list(self, response: Response) -> Iterator[Request]:
        page = response.meta["govwatch_page"]
        stats = self.crawler.stats
        assert stats is not None
        if response.status == 304:
            stats.inc_value("govwatch/list_not_modified")
            return
        links, following = self.list_links(response)
        links = [link for link in links if in_domains(link.url, self.allowed_domains)]
        stats.inc_value("govwatch/list_pages")
        if not links:
            stats.inc_value("govwatch/empty_list_pages")
            logger.warning("portal %s: no article links on list page %s", self.name, response.url)
        known = self.state.known(link.url for link in links)
        self.state.list_page_seen(response, links)
        check = self.state.settings.check_articles
        for index, link in enumerate(links):
            if (link.url not in known and not check) or index < check:
                yield Request(
                    link.url,
                    callback=self.parse_article,
                    errback=self.failed,
                    cb_kwargs={"link": link},
                )
        # newest first: once the oldest link of a page is known, the rest is known ground
        reached_known = bool(links) and links[-1].url in known
        if following and self.state.incremental and reached_known:
            stats.inc_value("govwatch/stopped_at_known")
        elif following and page < self.state.settings.max_list_pages:
            yield self.list_request(following, page + 1)
        elif following and not check:
            logger.warning(
                "portal %s: stopped after %d list pages at %s", self.name, page, response.url
            )

    def list_links(self, response: Response) -> tuple[list[ListLink], str | None]:
        """A list page's article links and the next list page; override for odd portals."""
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if looks_like_feed(response.body, content_type):
            return feed_links(response.body, response.url), None
        if not isinstance(response, TextResponse):
            logger.warning("portal %s: list page %s is not text", self.name, response.url)
            return [], None
        selectors = self.portal.selectors
        links = find_links(response.selector, response.url, selectors.list_links)
        return links, next_page(response.selector, response.url, selectors.next_page)

    # -- article pages -------------------------------------------------------------

    def parse_article(self, response: Response, link: ListLink) -> Iterator[AnnouncementItem]:
        if not isinstance(response, TextResponse):
            logger.warning("portal %s: article %s is not text, skipped", self.name, response.url)
            return
        yield AnnouncementItem(
            portal=self.name,
            url=link.url,  # the URL the list gave: the one "known" is checked against
            html=response.text,
            list_title=link.text or None,
            list_date=link.date,
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
        if article and status not in GONE:
            self.state.article_failed()
        logger.error(
            "portal %s: %s %s failed: %s",
            self.name,
            "article" if article else "list page",
            request.url,
            f"HTTP {status}" if status else failure.getErrorMessage() or repr(error),
        )
