"""Politeness Scrapy 2.19 loses when many requests are queued at once (a crawl's re-checks
and retries, all yielded at its start): per-host concurrency and robots.txt."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request, signals
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached


class SlotDownloader(Downloader):
    """Scrapy's downloader, a request counted in its slot as soon as it is started.

    Scrapy starts each request as a task and counts it only once the task runs, so with no
    DOWNLOAD_DELAY one pass over a slot's queue starts every request in it, whatever
    CONCURRENT_REQUESTS_PER_DOMAIN says (tests/test_recheck_portal_settings.py)."""

    def _wait_for_download(
        self, slot: Slot, request: Request, *args: Any
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # Scrapy's own _download adds it again and removes it
        return super()._wait_for_download(slot, request, *args)


class RobotsTxt(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, applied to every request that waited for the file.

    Scrapy hands the parsed file only to the first request that waited for it and lets the
    others through unchecked; the parser it announces (``robots_parsed``) checks them here."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.parsed: dict[str, RobotParser] = {}
        crawler.signals.connect(self._parsed, signal=signals.robots_parsed)

    def _parsed(self, robotparser: RobotParser, request: Request) -> None:
        self.parsed[urlparse_cached(request).netloc] = robotparser

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        await super().process_request(request)
        parser = self.parsed.get(urlparse_cached(request).netloc)
        if parser is not None and not request.meta.get("dont_obey_robotstxt"):
            self.process_request_2(parser, request)
