"""Running crawls in this process with Scrapy's CrawlerProcess (once per process)."""

from __future__ import annotations

import gc
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from twisted.python.failure import Failure

from crawler.configfiles.portals import Portal

logger = logging.getLogger(__name__)


def project_settings(**overrides: Any) -> Settings:
    """govwatch's Scrapy settings with command-line overrides (GOVWATCH_DB, ...)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="project")  # the CLI logs
    for name, value in overrides.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def scrapy_log_level(settings: Settings) -> None:
    """Give Scrapy's loggers the run's LOG_LEVEL. Scrapy's logging setup (run by
    CrawlerProcess) sets them to DEBUG whatever LOG_LEVEL says, leaving it to the handlers,
    so every page made two debug records ("Crawled", "Scraped from") for them to drop."""
    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))


class _Process(CrawlerProcess):
    """Scrapy's process, telling a person at once what Ctrl-C (or SIGTERM) does: Scrapy
    says it only in an info line of its own, hidden without --verbose."""

    @staticmethod
    def _log_shutdown(signum: int) -> None:
        print(
            f"govwatch: {signal.Signals(signum).name}: stopping after the pages in flight; "
            "the records stored so far are kept and the next crawl fetches what this one "
            "did not (press Ctrl-C again to stop at once)",
            file=sys.stderr,
            flush=True,
        )

    @staticmethod
    def _log_kill(signum: int) -> None:
        print(
            "govwatch: stopping at once; the records stored so far are kept",
            file=sys.stderr,
            flush=True,
        )


def crawl(
    portals: Sequence[Portal],
    settings: Settings,
    on_crawler: Callable[[Crawler], None] | None = None,
) -> list[Crawler]:
    """Crawl ``portals`` side by side, GOVWATCH_PARALLEL_PORTALS at a time; returns their
    crawlers once every one has finished.

    Each crawler adds a log handler to the root logger (Scrapy's LogCount), so every log
    line costs one call per running crawler: a thousand at once make the process crawl to a
    halt. A portal starts when another ends. ``on_crawler`` sees each crawler before it
    starts (to connect signals, say).
    """
    process = _Process(settings)
    scrapy_log_level(settings)
    parallel = max(1, settings.getint("GOVWATCH_PARALLEL_PORTALS", 32))
    waiting = iter(portals)
    crawlers: list[Crawler] = []
    stopping = False

    def start_next(result: Any = None, finished: Crawler | None = None) -> Any:
        nonlocal stopping
        if finished is not None and not isinstance(result, Failure):
            # stopped by Ctrl-C or SIGTERM: start nothing more, let the process end
            stopping = stopping or finished.stats.get_value("finish_reason") == "shutdown"
        portal = None if stopping else next(waiting, None)
        if portal is not None:
            crawler = process.create_crawler(portal.name)
            if on_crawler is not None:
                on_crawler(crawler)
            crawlers.append(crawler)
            # runs before the process looks for crawls still active, so it waits for this one
            process.crawl(crawler).addBoth(start_next, crawler)
        return result  # a crawl that failed to start still reports its error

    for _ in range(parallel):
        start_next()
    # what is loaded by now lives as long as the process: keep it out of the cyclic garbage
    # collector's sight, which otherwise walks it over and over (docs/performance.md)
    gc.collect()
    gc.freeze()
    process.start()
    return crawlers
