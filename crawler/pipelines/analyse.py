"""Analyse: each page cleaned, extracted, classified and signed (crawler.analysis).

The work is CPU only, so once a process has analysed GOVWATCH_WORKERS_AFTER pages it hands
pages to GOVWATCH_WORKERS worker processes (crawler.pipelines.workers) while it goes on fetching, and
analyses a page itself whenever the workers have all they can take.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.analysis import analyse, analyse_elsewhere
from crawler.crawl.run import CrawlRun
from crawler.items import AnnouncementItem
from crawler.pipelines.workers import WorkerDied, Workers, shared

logger = logging.getLogger(__name__)

# pages analysed in this process, by every crawl in it: the workers start past the threshold
_analysed = 0


class AnalysePipeline:
    def __init__(self, crawler: Crawler, run: CrawlRun) -> None:
        self.crawler = crawler
        self.run = run
        settings = self.run.settings
        self.workers: Workers | None = shared(settings.workers) if settings.workers else None
        self.after = settings.workers_after

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AnalysePipeline:
        return cls(crawler, CrawlRun.of(crawler))

    async def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        global _analysed
        portal = getattr(self.crawler.spider, "portal", None)
        selectors = portal.selectors if portal is not None else None
        url = item.url
        stats = self.crawler.stats
        assert stats is not None
        if self.workers is None or _analysed < self.after or self.workers.busy:
            _analysed += 1
            stats.inc_value("govwatch/analysed_here")
            done = analyse(item, selectors)
        else:
            stats.inc_value("govwatch/analysed_in_workers")
            try:
                done = await self.workers.run(analyse_elsewhere, item, selectors)
            except WorkerDied as exc:
                # not stored: the run is partial, so the next crawl fetches the page again
                self.run.article_failed(url, str(exc))
                raise DropItem(
                    f"portal {item.portal}: {exc} analysing {url}", log_level="ERROR"
                ) from exc
        if done is None:
            raise DropItem(f"portal {item.portal}: empty page {url}")
        if not done.body:
            logger.warning("portal %s: no body text found on %s", done.portal, url)
            stats.inc_value("govwatch/empty_body")
        if done.is_meeting:
            stats.inc_value("govwatch/meetings")
        return done

    def close_spider(self) -> None:
        stats = self.crawler.stats
        assert stats is not None
        logger.info(
            "portal %s: %d pages analysed in worker processes, %d in the crawl's",
            self.run.portal.name,
            stats.get_value("govwatch/analysed_in_workers", 0),
            stats.get_value("govwatch/analysed_here", 0),
        )
