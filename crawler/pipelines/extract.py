"""Extract: the article's fields (title, published_at, source, body, attachments)."""

from __future__ import annotations

import logging

from parsel import Selector
from scrapy.crawler import Crawler

from crawler.extract.article import extract_article
from crawler.items import AnnouncementItem

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        spider = self.crawler.spider
        portal = getattr(spider, "portal", None)
        selectors = portal.selectors if portal is not None else None
        article = extract_article(
            Selector(text=item.html), item.url, selectors, item.list_title, item.list_date
        )
        item.title = article.title
        item.published_at = article.published_at
        item.source = article.source
        item.body = article.body
        item.attachments = article.attachments
        item.html = ""  # the page is not kept once read
        if not item.body:
            logger.warning("portal %s: no body text found on %s", item.portal, item.url)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govwatch/empty_body")
        return item
