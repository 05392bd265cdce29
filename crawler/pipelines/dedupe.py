"""Dedupe: link an announcement republished elsewhere to its first copy (``duplicate_of``)."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.dedupe import fingerprint, simhash
from crawler.items import AnnouncementItem
from crawler.state import CrawlState


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        # copies seen in this crawl but perhaps not yet written by the store's batch
        self.seen: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        item.fingerprint = fingerprint(item.body)
        item.simhash = simhash(item.body)
        if item.fingerprint is None:
            return item
        first = self.seen.get(item.fingerprint) or self.state.repo.first_with_fingerprint(
            item.fingerprint
        )
        if first and first != item.url:
            item.duplicate_of = first
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govwatch/duplicates")
        else:
            self.seen[item.fingerprint] = item.url
        return item
