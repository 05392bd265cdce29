"""Extensions: progress lines for long crawls."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.crawl.config import CrawlConfig

logger = logging.getLogger(__name__)


class CrawlProgress:
    """Every GOVWATCH_PROGRESS_INTERVAL seconds: pages fetched, articles stored, errors."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        interval = CrawlConfig.from_settings(crawler.settings).progress_interval
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=False)

    def report(self, spider: Any) -> None:
        stats = self.crawler.stats
        assert stats is not None
        logger.info(
            "portal %s: %s pages fetched, %s new announcements, %s errors",
            spider.name,
            stats.get_value("response_received_count", 0),
            stats.get_value("govwatch/stored", 0),
            stats.get_value("govwatch/errors", 0),
        )

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
