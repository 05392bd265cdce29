"""Dedupe: link an announcement republished elsewhere to its first copy (``duplicate_of``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.dedupe import Candidate, Deduplicator
from crawler.items import AnnouncementItem
from crawler.state import CrawlState
from storage import StorageError

logger = logging.getLogger(__name__)


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        self.dedupe = Deduplicator(self.state.repo.first_with_fingerprint, self._candidates)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def _candidates(self, keys: Sequence[int]) -> list[Candidate]:
        return [Candidate(*row) for row in self.state.repo.near_duplicate_candidates(keys)]

    def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        if self.state.storage_error is not None:  # stopping: the next crawl fetches it again
            raise DropItem(f"not stored, the database failed: {item.url}", log_level="DEBUG")
        try:
            signature = self.dedupe.check(item.url, item.body)
        except StorageError as exc:
            self.state.storage_failed(exc)
            raise DropItem(f"not stored: {item.url}", log_level="DEBUG") from exc
        item.fingerprint = signature.fingerprint
        item.simhash = signature.simhash
        item.bands = signature.bands
        item.duplicate_of = signature.duplicate_of
        if item.duplicate_of:
            logger.debug("portal %s: %s is a copy of %s", item.portal, item.url, item.duplicate_of)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govwatch/duplicates")
        return item
