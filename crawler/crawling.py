"""Running crawls in this process with Scrapy's CrawlerProcess (once per process)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.portals import Portal

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


def crawl(
    portals: Sequence[Portal],
    settings: Settings,
    on_crawler: Callable[[Crawler], None] | None = None,
) -> list[Crawler]:
    """Crawl ``portals`` side by side; returns their crawlers once every one has finished.

    ``on_crawler`` sees each crawler before it starts (to connect signals, say).
    """
    process = CrawlerProcess(settings)
    crawlers = []
    for portal in portals:
        crawler = process.create_crawler(portal.name)
        if on_crawler is not None:
            on_crawler(crawler)
        crawlers.append(crawler)
        process.crawl(crawler)
    process.start()
    return crawlers
