"""Store: write announcements in batches; a URL already stored is never written twice."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.items import AnnouncementItem
from crawler.state import CrawlState
from storage import StorageError

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        self.batch_size = self.state.settings.batch_size
        self.pending: list[AnnouncementItem] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        if self.state.storage_error is not None:
            return  # the crawl is stopping; the next one fetches these again
        records = [{**item.record(), "run_id": self.state.run_id} for item in batch]
        try:
            inserted = self.state.repo.add_announcements(
                records, enqueue_alerts=self.state.enqueue_alerts
            )
        except StorageError as exc:
            # not stored, all or nothing; the crawl stops and the next one fetches them again
            self.state.storage_failed(exc)
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("govwatch/stored", len(inserted))
        skipped = len(batch) - len(inserted)
        if skipped:
            self.crawler.stats.inc_value("govwatch/already_stored", skipped)
        logger.debug("stored %d announcements (%d already stored)", len(inserted), skipped)

    def close_spider(self) -> None:
        self.flush()
