"""Store: link each batch to first copies (dedupe), then write it; a URL is never stored twice."""

from __future__ import annotations

import logging
import time

from scrapy.crawler import Crawler
from scrapy.utils.reactor import CallLaterOnce

from crawler.crawl import recheck
from crawler.crawl.run import CrawlRun
from crawler.dedupe import Deduplicator
from crawler.items import AnnouncementItem
from storage import StorageError, utcnow

logger = logging.getLogger(__name__)


class StorePipeline:
    """Writes announcements in batches: when GOVWATCH_BATCH_SIZE are pending, when the first
    of them has waited GOVWATCH_BATCH_SECONDS (0: no such bound), and at the crawl's end."""

    def __init__(self, crawler: Crawler, run: CrawlRun) -> None:
        self.crawler = crawler
        self.run = run
        self.batch_size = self.run.settings.batch_size
        self.batch_seconds = self.run.settings.batch_seconds
        self.pending: list[AnnouncementItem] = []
        self.pending_since = 0.0  # time.monotonic() of the first pending item
        self.timer = CallLaterOnce(self.flush_if_due)
        self.dedupe = Deduplicator.for_repository(self.run.repo)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, CrawlRun.of(crawler))

    def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.flush()
        elif len(self.pending) == 1 and self.batch_seconds:
            self.pending_since = time.monotonic()
            self.timer.schedule(self.batch_seconds)  # no-op while a check is already due
        return item

    def flush_if_due(self) -> None:
        """The timer: write the pending batch if its first item has waited long enough,
        else look again when it will have."""
        if not self.pending:
            return
        waited = time.monotonic() - self.pending_since
        if waited < self.batch_seconds:
            self.timer.schedule(self.batch_seconds - waited)
            return
        count, first = len(self.pending), self.pending[0].url
        urls = [item.url for item in self.pending]
        try:
            self.flush()
        except Exception:  # from a timer: nothing above it would log it or mark the run
            logger.exception(
                "portal %s: writing a batch of %d announcements (the first %s) failed",
                self.run.portal.name,
                count,
                first,
            )
            # a partial run: remembered, the next crawl fetches them again
            self.run.article_failed(urls, "its batch could not be written")

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        if self.run.storage_error is not None:
            return  # the crawl is stopping; the next one fetches these again
        rechecks = [item for item in batch if item.recheck]
        batch = [item for item in batch if not item.recheck]
        try:
            self.revise(rechecks)
            self.link(batch)
            records = [
                {**item.record(), **validators(item), "run_id": self.run.run_id} for item in batch
            ]
            snapshots = {item.url: item.fetched for item in batch if item.fetched is not None}
            inserted = self.run.repo.add_announcements(
                records, enqueue_alerts=self.run.enqueue_alerts, snapshots=snapshots
            )
        except StorageError as exc:
            # not stored, all or nothing; the crawl stops and the next one fetches them again
            self.run.storage_failed(exc)
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("govwatch/stored", len(inserted))
        skipped = len(batch) - len(inserted)
        if skipped:
            self.crawler.stats.inc_value("govwatch/already_stored", skipped)
        logger.debug("stored %d announcements (%d already stored)", len(inserted), skipped)

    def revise(self, rechecks: list[AnnouncementItem]) -> None:
        """Re-fetched articles: each compared with its record, a revision when it changed."""
        policy = recheck.policy(self.run)
        stats = self.crawler.stats
        assert stats is not None
        for item in rechecks:
            assert item.fetched is not None
            number = self.run.repo.recheck_fetched(item.record(), item.fetched, policy, utcnow())
            if number is not None:
                stats.inc_value("govwatch/revisions")
                logger.info("portal %s: %s edited (revision %d)", item.portal, item.url, number)

    def link(self, batch: list[AnnouncementItem]) -> None:
        """Set ``duplicate_of`` of the batch's copies of earlier announcements."""
        signed = [(item, item.signature) for item in batch if item.signature is not None]
        self.dedupe.link([(item.url, item.body, signature) for item, signature in signed])
        assert self.crawler.stats is not None
        for item, signature in signed:
            item.duplicate_of = signature.duplicate_of
            item.signature = None  # its shingles are not needed any more
            if item.duplicate_of:
                logger.debug(
                    "portal %s: %s is a copy of %s", item.portal, item.url, item.duplicate_of
                )
                self.crawler.stats.inc_value("govwatch/duplicates")

    def close_spider(self) -> None:
        self.timer.cancel()
        self.flush()


def validators(item: AnnouncementItem) -> dict[str, str | None]:
    """The article's ETag and Last-Modified, stored for its re-checks."""
    if item.fetched is None:
        return {}
    return {"etag": item.fetched.etag, "last_modified": item.fetched.last_modified}
