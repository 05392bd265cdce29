"""The service loop: batches of portal entries (JSON lines) on stdin, one result line per
portal on stdout. Each portal of a batch is probed (crawler.service.probe); those unchanged
are recorded together in one transaction, the rest crawled in full (CrawlRun, its lease,
missed pages, outcomes) on the same reactor, each under its own deadline."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import defer

from crawler.configfiles.portals import Portal
from crawler.crawl.run import BUSY, EXIT_CODES, FAILED, FINISHED, PARTIAL, CrawlRun, repository
from crawler.service.probe import Probe
from storage import Repository, StorageError

logger = logging.getLogger(__name__)

# the close reason of a crawl past its deadline: its run's message, as the process runner's
TIMED_OUT = "killed after its timeout of {:g}s"


@dataclass(frozen=True)
class Job:
    batch: int
    portal: Portal
    timeout: float


def _emit(
    job: Job, status: str, new: int = 0, error: str | None = None, probe: bool = False
) -> None:
    line = {
        "batch": job.batch,
        "portal": job.portal.name,
        "status": status,
        "code": EXIT_CODES.get(status, 1),
        "new": new,
        "error": error,
        "unchanged": probe,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


class Service:
    def __init__(self, reactor: Any, runner: CrawlerRunner, settings: Settings, db: str) -> None:
        self.reactor = reactor
        self.runner = runner
        self.settings = settings
        self.repo: Repository = repository(db)
        self.probe = Probe(
            reactor, settings.get("USER_AGENT"), settings.getbool("ROBOTSTXT_OBEY", True)
        )
        self.parallel = defer.DeferredSemaphore(
            max(1, settings.getint("GOVWATCH_PARALLEL_PORTALS", 32))
        )
        self.active: set[defer.Deferred[Any]] = set()
        self.answered: set[str] = set()  # portals whose batch is under way and answered

    def emit(self, job: Job, status: str, **fields: Any) -> None:
        self.answered.add(job.portal.name)
        _emit(job, status, **fields)

    def take(self, line: str) -> None:
        """A batch: {"batch": id, "portals": [{"entry": {...}, "timeout": seconds}]}."""
        message = json.loads(line)
        self.answered -= {item["entry"]["name"] for item in message["portals"]}
        jobs = [
            Job(message["batch"], Portal.model_validate(item["entry"]), float(item["timeout"]))
            for item in message["portals"]
        ]
        done: Any = deferred_from_coro(self.run_batch(jobs))
        self.active.add(done)
        done.addErrback(self._batch_failed, jobs)
        done.addBoth(lambda _: self.active.discard(done))

    def _batch_failed(self, failure: Any, jobs: list[Job]) -> None:
        """A fault of the service's own: every portal still waiting gets a failed line."""
        logger.error("batch %s: %s", jobs[0].batch if jobs else "?", failure.getTraceback())
        for job in jobs:
            if job.portal.name not in self.answered:
                self.emit(job, FAILED, error=f"crawl service: {failure.getErrorMessage()}")

    async def run_batch(self, jobs: list[Job]) -> None:
        checks = [deferred_from_coro(self.unchanged(job)) for job in jobs]
        results = await maybe_deferred_to_future(defer.gatherResults(checks))
        unchanged = {job.portal.name: n for job, n in zip(jobs, results, strict=True) if n}
        if unchanged:
            try:
                self.repo.record_unchanged(unchanged)
            except StorageError as exc:
                logger.error("unchanged checks not recorded: %s; crawling them", exc)
                unchanged = {}
        for job in jobs:
            if job.portal.name in unchanged:
                logger.info("portal %s: not modified", job.portal.name)
                self.emit(job, FINISHED, probe=True)
        crawls = [
            self.parallel.run(deferred_from_coro, self.crawl(job))
            for job in jobs
            if job.portal.name not in unchanged
        ]
        await maybe_deferred_to_future(defer.DeferredList(crawls))

    async def unchanged(self, job: Job) -> int:
        """Conditional requests answered 304 when every start URL was; 0: crawl in full."""
        portal, repo = job.portal, self.repo
        settings = portal.settings
        if portal.render or settings.get("GOVWATCH_PROXY") or settings.get("proxy"):
            return 0
        try:
            last = repo.last_run(portal.name)
            if last is None or last.status not in (FINISHED, PARTIAL) or repo.missed(portal.name):
                return 0
            if repo.lease_holder(f"portal:{portal.name}") is not None:
                return 0  # the full crawl reports it busy
            validators = repo.validators(portal.start_urls)
        except StorageError as exc:
            logger.error("portal %s: %s", portal.name, exc)
            return 0
        urls: dict[str, dict[str, str]] = {}
        for url in portal.start_urls:
            found = validators.get(url)
            headers = {}
            if found is not None and found.etag:
                headers["If-None-Match"] = found.etag
            if found is not None and found.last_modified:
                headers["If-Modified-Since"] = found.last_modified
            urls[url] = headers
        delay = float(settings.get("DOWNLOAD_DELAY", self.settings.getfloat("DOWNLOAD_DELAY")))
        if await self.probe.unchanged(urls, delay, min(job.timeout, 30.0)):
            return len(urls)
        return 0

    async def crawl(self, job: Job) -> None:
        crawler = self._crawler(job)
        deadline = self.reactor.callLater(job.timeout, self._stop, crawler, job)
        try:
            await maybe_deferred_to_future(self.runner.crawl(crawler))
        except Exception as exc:
            logger.error("portal %s: crawl failed: %s", job.portal.name, exc)
        finally:
            if deadline.active():
                deadline.cancel()
        run = CrawlRun.started(crawler)
        if run is None or (run.run_id is None and run.status != BUSY):
            self.emit(job, FAILED, error="not started (see the service's log)")
        elif run.status is None:
            self.emit(job, FAILED, error=f"run #{run.run_id} not recorded")
        else:
            self.emit(job, run.status, new=run.new_records)

    def _crawler(self, job: Job) -> Crawler:
        base = self.runner.spider_loader.for_entry(job.portal)  # type: ignore[attr-defined]
        timeout = min(self.settings.getfloat("DOWNLOAD_TIMEOUT"), job.timeout)
        custom = {**(base.custom_settings or {}), "DOWNLOAD_TIMEOUT": timeout}
        spidercls = type(base.__name__, (base,), {"custom_settings": custom})
        return self.runner.create_crawler(spidercls)

    def _stop(self, crawler: Crawler, job: Job) -> None:
        logger.warning(
            "portal %s: still crawling after %gs, stopping it", job.portal.name, job.timeout
        )
        engine = crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=TIMED_OUT.format(job.timeout)))
