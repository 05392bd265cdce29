"""One crawl's run: its row in the store, what it knows of stored articles and list validators.

A Scrapy extension (``EXTENSIONS``); the spider, pipelines and middlewares find it with
``CrawlRun.of(crawler)``, i.e. ``crawler.get_extension``. A run that did not finish cleanly
makes the next crawl of its portal walk every list page, so a crash never hides an article.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.crawl.config import CrawlConfig
from crawler.extract.links import ListLink
from storage import Repository, StorageError, Validators

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.configfiles.portals import Portal

logger = logging.getLogger(__name__)

FINISHED = "finished"  # every list page walked, every article request answered
PARTIAL = "partial"  # finished, but some article requests failed: walk everything next time
FAILED = "failed"
STORAGE_UNAVAILABLE = "storage_unavailable"  # the close reason when the database failed
# answers that look like a block or a bot challenge, for portal health (scheduler.health)
BLOCKED_STATUSES = (403, 412, 521)

_repositories: dict[str, Repository] = {}


def repository(url: str) -> Repository:
    """One repository (and connection pool) per database URL per process."""
    if url not in _repositories:
        _repositories[url] = Repository.open(url)
    return _repositories[url]


class CrawlRun:
    def __init__(self, crawler: Crawler, portal: Portal) -> None:
        self.crawler = crawler
        self.settings = CrawlConfig.from_settings(crawler.settings)
        self.repo = repository(self.settings.db_url)
        self.portal = portal
        self.incremental = False
        self.baseline = False
        self.run_id: int | None = None
        self.status: str | None = None  # once the end of the run is recorded
        self.new_records = 0
        self.article_failures = 0
        self.storage_error: str | None = None  # why the database failed us, once it has
        self._validators: dict[str, Validators] = {}
        # list page URL → (its validators, if it sent any; its article links)
        self.list_pages: dict[str, tuple[Validators | None, list[ListLink]]] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self._callback_failed, signal=signals.spider_error)
        crawler.signals.connect(self._callback_failed, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRun:
        """Built once the spider exists: its portal entry opens the run (a database that
        cannot be reached stops the crawl before it starts)."""
        portal = getattr(crawler.spidercls, "portal", None)
        if portal is None:
            raise NotConfigured("not a portal spider")
        run = cls(crawler, portal)
        run.open()
        return run

    @classmethod
    def started(cls, crawler: Crawler) -> CrawlRun | None:
        """The run of a crawl that got as far as recording one, else None."""
        try:
            return crawler.get_extension(cls)
        except RuntimeError:  # the crawl failed before its extensions were built
            return None

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlRun:
        run = crawler.get_extension(cls)
        if run is None:
            raise RuntimeError(f"{cls.__name__} is not in EXTENSIONS, or the spider has no portal")
        return run

    def open(self) -> None:
        """Start this portal's run; decide between an incremental and a full walk."""
        portal = self.portal
        self.repo.ensure_portal(portal.name, portal.title, portal.region)
        last = self.repo.last_run(portal.name)
        # until one crawl got to its end, new records are the portal's back catalogue
        self.baseline = not self.repo.has_completed_run(portal.name)
        self.incremental = not self.settings.full and last is not None and last.status == FINISHED
        if last is not None and last.status != FINISHED and not self.settings.full:
            logger.info(
                "portal %s: last run #%s ended %s; walking every list page",
                portal.name,
                last.id,
                last.status,
            )
        self.run_id = self.repo.start_run(portal.name, full=not self.incremental)
        if self.incremental:
            self._validators = self.repo.validators(portal.start_urls)

    @property
    def enqueue_alerts(self) -> bool:
        """Whether records stored now are queued for alerts: not on a baseline crawl,
        unless the portal says ``alert_on_first_crawl``; never in `portal check`."""
        if self.settings.check_articles:
            return False
        return not self.baseline or self.portal.alert_on_first_crawl

    # -- used by the spider ------------------------------------------------------

    def known(self, urls: Iterable[str]) -> set[str]:
        return self.repo.known_urls(urls)

    def conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a list page, on incremental runs only."""
        if not self.incremental:
            return {}
        validators = self._validators.get(url)
        if validators is None:
            return {}
        headers = {}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        return headers

    def list_page_seen(self, response: Response, links: list[ListLink]) -> None:
        """Remember a list page; its validators are saved once all its links are stored."""
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        validators = None
        if etag or modified:
            validators = Validators(
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            )
        url = response.request.url if response.request is not None else response.url
        self.list_pages[url] = (validators, links)

    def article_failed(self, count: int = 1) -> None:
        self.article_failures += count

    def storage_failed(self, error: StorageError) -> None:
        """The database stayed unavailable through its retries: stop this crawl. Its run is
        not "finished", so the next crawl walks every list page and loses nothing."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("govwatch/storage_errors")
        if self.storage_error is not None:
            return
        self.storage_error = str(error)
        logger.error(
            "portal %s: %s; stopping this crawl (the next one walks every list page)",
            self.portal.name,
            error,
        )
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=STORAGE_UNAVAILABLE))

    def _callback_failed(self, failure: Failure, **_: Any) -> None:
        """A spider callback or a pipeline raised: a storage error stops the crawl."""
        if isinstance(failure.value, StorageError):
            self.storage_failed(failure.value)

    # -- end of the crawl ----------------------------------------------------------

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.run_id is None:
            return
        try:
            self._record_end(reason)
        except StorageError as exc:
            logger.error(
                "portal %s: run #%s not recorded: %s (the next crawl walks every list page)",
                self.portal.name,
                self.run_id,
                exc,
            )

    def _record_end(self, reason: str) -> None:
        assert self.run_id is not None
        stats = self.crawler.stats
        assert stats is not None
        complete = {
            url: validators
            for url, (validators, links) in self.list_pages.items()
            if validators is not None
            and len(self.repo.known_urls(link.url for link in links)) == len(links)
        }
        self.repo.save_validators(self.portal.name, complete)
        if reason != "finished" or self.storage_error is not None:
            status = FAILED
        elif self.article_failures:
            status = PARTIAL
        else:
            status = FINISHED
        self.new_records = int(stats.get_value("govwatch/stored", 0))
        self.repo.finish_run(
            self.run_id,
            status=status,
            requests=int(stats.get_value("downloader/request_count", 0)),
            new_records=self.new_records,
            errors=int(stats.get_value("govwatch/errors", 0)),
            message=self.storage_error or (None if reason == "finished" else reason),
            list_pages=int(stats.get_value("govwatch/list_pages", 0)),
            empty_list_pages=int(stats.get_value("govwatch/empty_list_pages", 0)),
            not_modified=int(stats.get_value("govwatch/list_not_modified", 0)),
            blocked=sum(
                int(stats.get_value(f"downloader/response_status_count/{code}", 0))
                for code in BLOCKED_STATUSES
            ),
        )
        self.status = status
        logger.info(
            "portal %s: run #%s %s: %s new, %s requests, %s errors",
            self.portal.name,
            self.run_id,
            status,
            self.new_records,
            stats.get_value("downloader/request_count", 0),
            stats.get_value("govwatch/errors", 0),
        )
