"""One crawl's run: its row in the store, its portal's lease, what it knows of stored
articles and list validators, and what it missed.

A Scrapy extension (``EXTENSIONS``); the spider, pipelines and middlewares find it with
``CrawlRun.of(crawler)``, i.e. ``crawler.get_extension``. What a run missed (a list page or
an article) is remembered and fetched by the next crawl; a run that died (or whose end could
not be recorded) makes the next crawl walk every list page, so a crash never hides an article.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.crawl.config import CrawlConfig
from crawler.crawl.health import judge_run, no_list_reason, register_subscriptions
from crawler.crawl.lease import PortalLease
from crawler.crawl.missed import Ledger
from crawler.extract.links import ListLink
from storage import ARTICLE, LIST, LeaseInfo, Missed, Repository, StorageError, Validators

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.configfiles.portals import Portal

logger = logging.getLogger(__name__)

# how a crawl of a portal ends (docs/reliability.md, "One table of outcomes")
FINISHED = "finished"  # every list page and article read
PARTIAL = "partial"  # something missed, remembered for the next crawl
FAILED = "failed"  # no list page could be read, or the crawl died
BUSY = "busy"  # another crawl holds the portal's lease: nothing recorded
STORAGE_UNAVAILABLE = "storage_unavailable"  # the close reason when the database failed
LEASE_LOST = "lease_lost"  # the close reason when the portal's lease could not be renewed
# the exit code of each end (2 is a user error: config, arguments, database URL); a crawl
# of several portals exits with the worst of theirs, in this order
EXIT_CODES = {FAILED: 1, PARTIAL: 3, BUSY: 4, FINISHED: 0}
# close reasons after which the ledger knows everything the run missed
TRACKED_ENDS = ("finished", "shutdown", LEASE_LOST)
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
        self.not_articles = 0  # pages linked as articles that were home, start or list pages
        self.problem: str | None = None  # what portal health finds wrong with this run
        self.ledger = Ledger()
        self.earlier_missed: list[Missed] = []  # what earlier runs missed
        self.busy: LeaseInfo | None = None  # the lease's holder, when another crawl had it
        self.lease_error: str | None = None
        self.closed = False  # the spider closed (while waiting for the lease, say)
        self.lease: PortalLease | None = None
        if not self.settings.check_articles:  # `portal check` stores nothing: no lease
            self.lease = PortalLease(
                self.repo,
                portal.name,
                self.settings.lease_ttl,
                self.settings.lease_heartbeat,
                self.lease_lost,
            )
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
        """Take the portal's lease and start its run; when another crawl holds the lease,
        record nothing (busy), or wait for it in :meth:`ready` (``--wait``)."""
        portal = self.portal
        self.repo.ensure_portal(portal.name, portal.title, portal.region)
        if self.lease is not None:
            self.busy = self.lease.take()
            if self.busy is not None:
                if not self.settings.wait:
                    self.status = BUSY
                logger.info(
                    "portal %s: %s crawls it (since %s)%s",
                    portal.name,
                    self.busy.holder,
                    self.busy.acquired_at.isoformat(timespec="seconds"),
                    "; waiting for it to end" if self.settings.wait else "",
                )
                return
        self._begin()

    async def ready(self) -> bool:
        """Whether the run may crawl: its lease taken (waited for, with ``--wait``)."""
        waiting = self.run_id is None and self.lease is not None and self.status is None
        if waiting and await self.lease.wait(lambda: self.closed):  # type: ignore[union-attr]
            self._begin()
        return self.run_id is not None

    def _begin(self) -> None:
        """Record the run; decide between an incremental and a full walk."""
        portal = self.portal
        last = self.repo.last_run(portal.name)
        # until one crawl got to its end having stored articles, new records are the
        # portal's back catalogue
        self.baseline = not self.repo.has_baseline(portal.name)
        # after a partial run the missed table says what to fetch again; after a run that
        # died nobody knows, so every list page is walked
        ended = last is not None and last.status in (FINISHED, PARTIAL)
        self.incremental = not self.settings.full and ended
        if last is not None and not ended and not self.settings.full:
            logger.info(
                "portal %s: last run #%s ended %s; walking every list page",
                portal.name,
                last.id,
                last.status,
            )
        register_subscriptions(self.repo, self.crawler.settings.get("GOVWATCH_ALERTS"))
        self.run_id = self.repo.start_run(portal.name, full=not self.incremental)
        if self.incremental:
            self._validators = self.repo.validators(portal.start_urls)
        self.earlier_missed = self.repo.missed(portal.name)
        if self.earlier_missed:
            logger.info(
                "portal %s: fetching again %d list pages and articles earlier crawls missed",
                portal.name,
                len(self.earlier_missed),
            )

    @property
    def enqueue_alerts(self) -> bool:
        """Whether records stored now are queued for alerts: not on a baseline crawl,
        unless the portal says ``alert_on_first_crawl``; never on a back-fill (``--full``,
        ``--backfill-since``, ``--max-list-pages``) nor in `portal check`."""
        if self.settings.check_articles or self.settings.backfill:
            return False
        return not self.baseline or self.portal.alert_on_first_crawl

    # -- used by the spider ------------------------------------------------------

    @property
    def max_list_pages(self) -> int:
        """List pages walked per list: `crawl --max-list-pages`; the portal's field unless
        the command asked for a back-fill of its own; else GOVWATCH_MAX_LIST_PAGES."""
        cfg = self.settings
        own = None if cfg.backfill else self.portal.max_list_pages
        return cfg.backfill_pages or own or cfg.max_list_pages

    @property
    def backfill_since(self) -> date | None:
        """Articles listed as older than this are not fetched, nor the list pages after."""
        cfg = self.settings
        return cfg.backfill_since if cfg.backfill else self.portal.backfill_since

    def known(self, urls: Iterable[str]) -> set[str]:
        return self.repo.known_urls(urls)

    def retries(self) -> list[Missed]:
        """What earlier runs missed and this one fetches again: every article; list pages
        on an incremental walk only (a full walk reaches them from the start pages)."""
        starts = set(self.portal.start_urls)
        return [
            page
            for page in self.earlier_missed
            if page.kind == ARTICLE or (self.incremental and page.url not in starts)
        ]

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

    def article_failed(self, urls: str | Iterable[str], error: str) -> None:
        """Articles not read or not stored: remembered for the next crawl (a partial run)."""
        for url in [urls] if isinstance(urls, str) else urls:
            self.ledger.failed(url, error, ARTICLE)

    def list_failed(self, url: str, error: str) -> None:
        self.ledger.failed(url, error, LIST)

    @property
    def article_failures(self) -> int:
        return self.ledger.article_failures

    def lease_lost(self, reason: str) -> None:
        """The heartbeat could not renew the lease: another crawl may hold it now; stop."""
        self.lease_error = reason
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=LEASE_LOST))

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
        self.closed = True
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
        finally:
            self._release()

    def _release(self) -> None:
        if self.lease is None:
            return
        try:
            self.lease.release()
        except StorageError as exc:  # it expires after its TTL
            logger.error("portal %s: lease not released: %s", self.portal.name, exc)

    def _settle_missed(self, tracked: bool) -> list[Missed]:
        """Remember what this run missed, forget what earlier runs missed and this one read
        and stored; returns what it missed."""
        ledger, name = self.ledger, self.portal.name
        missed = ledger.missed() if tracked else []
        self.repo.remember_missed(name, missed)
        articles = {p.url for p in self.earlier_missed if p.kind == ARTICLE}
        forget = self.repo.known_urls(articles) | (articles & ledger.excused)
        # a full walk that missed no list page reached every one from the start pages
        walked = tracked and not self.incremental and all(p.kind != LIST for p in missed)
        forget |= {
            p.url
            for p in self.earlier_missed
            if p.kind == LIST and (p.url in ledger.read_lists or walked)
        }
        self.repo.forget_missed(name, forget - {p.url for p in missed})
        for page in missed:
            logger.warning(
                "portal %s: %s %s missed (%s); the next crawl fetches it again",
                name, page.kind, page.url, page.error,
            )  # fmt: skip
        return missed

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
        tracked = reason in TRACKED_ENDS and self.storage_error is None
        missed = self._settle_missed(tracked)
        list_read = bool(self.ledger.read_lists)
        if not tracked or not list_read:
            status = FAILED
        elif missed:
            status = PARTIAL
        else:
            status = FINISHED
        message = self.storage_error or self.lease_error
        if message is None and reason != "finished":
            message = reason  # "blocked", "shutdown", ...
        elif message is None and not list_read:
            message = no_list_reason(list(self.ledger.failures.values()))
        self.new_records = int(stats.get_value("govwatch/stored", 0))
        self.not_articles = int(stats.get_value("govwatch/not_articles", 0))
        self.repo.finish_run(
            self.run_id,
            status=status,
            requests=int(stats.get_value("downloader/request_count", 0)),
            new_records=self.new_records,
            errors=int(stats.get_value("govwatch/errors", 0)),
            message=message,
            list_pages=int(stats.get_value("govwatch/list_pages", 0)),
            empty_list_pages=int(stats.get_value("govwatch/empty_list_pages", 0)),
            not_modified=int(stats.get_value("govwatch/list_not_modified", 0)),
            blocked=sum(
                int(stats.get_value(f"downloader/response_status_count/{code}", 0))
                for code in BLOCKED_STATUSES
            ),
        )
        self.status = status
        if not self.settings.check_articles:
            alerts = self.crawler.settings.get("GOVWATCH_ALERTS")
            self.problem = judge_run(self.repo, self.portal.name, self.run_id, alerts)
        if self.problem:
            logger.error("portal %s: run #%s: %s", self.portal.name, self.run_id, self.problem)
        logger.info(
            "portal %s: run #%s %s: %s new, %s requests, %s errors, %s missed, %s not articles",
            self.portal.name,
            self.run_id,
            status,
            self.new_records,
            stats.get_value("downloader/request_count", 0),
            stats.get_value("govwatch/errors", 0),
            len(missed),
            self.not_articles,
        )
