"""``govwatch portal check``: fetch a portal once and show what would be extracted; with
``--all``, page one of every portal, a line each."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler.configfiles.portals import Portal
from crawler.crawl.process import crawl
from crawler.crawl.run import CrawlRun
from crawler.extract import families
from crawler.items import AnnouncementItem
from crawler.rendering import escalation as rendering
from crawler.tables import clip, format_table
from scheduler.settings import display_zone
from scheduler.times import zoned

NEXT_PAGE = "govwatch/check/next_page"  # a stat: the URL of page two, when page one links it
SHOWN_FIELDS = (
    "title",
    "published_at",
    "source",
    "is_meeting",
    "meeting_status",
    "meeting_date",
    "meeting_time",
    "meeting_name",
    "presider",
    "speakers",
    "attendees",
    "location",
    "meeting_form",
    "agenda",
    "attachments",
)


def explain(why: dict[str, Any]) -> str:
    """A record's ``why`` on one line: the rule and terms that decided, the date's rule."""
    terms = ", ".join(why.get("terms") or [])
    parts = [f"{why.get('meeting_rule') or '?'}" + (f" [{terms}]" if terms else "")]
    if why.get("date_rule"):
        parts.append(f"date: {why['date_rule']}")
    if why.get("sentence"):
        parts.append(f"read: {clip(why['sentence'], 120)}")
    return " | ".join(parts)


def check_portal(portal: Portal, settings: Settings, articles: int, out: TextIO) -> int:
    """Crawl page one and ``articles`` articles into a throwaway in-memory store; print them."""
    settings.set("GOVWATCH_DB", "sqlite://", priority="cmdline")
    settings.set("GOVWATCH_MAX_LIST_PAGES", 1, priority="cmdline")
    settings.set("GOVWATCH_CHECK_ARTICLES", max(1, articles), priority="cmdline")
    items: list[AnnouncementItem] = []

    def scraped(item: AnnouncementItem) -> None:
        items.append(item)

    def collect(crawler: Crawler) -> None:
        crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)

    zone = display_zone(os.environ)  # a bad GOVWATCH_TIMEZONE stops before the crawl
    (crawler,) = crawl([portal], settings, on_crawler=collect)
    run = CrawlRun.of(crawler)
    assert crawler.stats is not None
    print(families.describe(crawler.stats), file=out)
    print(rendering.describe(crawler.stats), file=out)
    for url, (_validators, links) in run.list_pages.items():
        print(f"list page {url}: {len(links)} article links", file=out)
        rows = [(link.date.date() if link.date else "", link.text, link.url) for link in links]
        print(format_table(("date", "title", "url"), rows, limit=60), file=out)
    if not run.list_pages:
        why = _why(crawler.stats.get_stats())
        print(f"no list page could be fetched{why}: {', '.join(portal.start_urls)}", file=out)
        return 1
    for item in items:
        print(f"\n{item.url}", file=out)
        for name in SHOWN_FIELDS:
            value = getattr(item, name)
            shown = zoned(value, zone) if isinstance(value, datetime) else value
            print(f"  {name:13} {shown}", file=out)
        print(f"  {'why':13} {explain(item.why)}", file=out)
        print(f"  {'body':13} {clip(item.body.replace(chr(10), ' / '), 300)}", file=out)
    return 0 if items else 1


# -- portal check --all ------------------------------------------------------------------


class ListPagesOnly:
    """A spider middleware of `portal check --all`: page one of each portal and nothing
    more. Article requests are dropped; so is the next list page, whose URL is noted."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListPagesOnly:
        return cls(crawler)

    def _keep(self, output: Any) -> bool:
        if not isinstance(output, Request):
            return True
        page = output.meta.get("govwatch_page")
        if page is not None and page > 1 and self.stats is not None:
            self.stats.set_value(NEXT_PAGE, output.url)
        return page == 1  # page one again (rendered in the browser), never an article

    def process_spider_output(self, response: Any, result: Iterable[Any], spider: Any) -> Any:
        return (output for output in result if self._keep(output))

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any], spider: Any
    ) -> AsyncIterator[Any]:
        async for output in result:
            if self._keep(output):
                yield output


@dataclass(frozen=True)
class Preview:
    """What page one of a portal showed, as one line of `portal check --all`."""

    name: str
    links: int
    next_page: str | None
    rendering: str | None  # why the list needed the browser, or None
    error: str | None

    def line(self) -> str:
        rendering = f"rendering needed ({self.rendering})" if self.rendering else "no rendering"
        next_page = "next page found" if self.next_page else "no next page"
        outcome = f"FAILED: {self.error}" if self.error else "ok"
        return f"{self.name}: {self.links} links on page 1, {next_page}, {rendering}; {outcome}"


def preview(name: str, crawler: Crawler | None) -> Preview:
    """The preview of one portal's crawl (None: its crawl never began)."""
    run = CrawlRun.started(crawler) if crawler is not None else None
    if crawler is None or crawler.stats is None or run is None:
        return Preview(name, 0, None, None, "not checked (see the log)")
    stats = crawler.stats
    links = sum(len(found) for _validators, found in run.list_pages.values())
    error = None
    if stats.get_value("govwatch/render/blocked"):
        error = f"blocked: {stats.get_value('govwatch/render/blocked')}"
    elif not run.list_pages:
        error = "no list page could be read" + _why(stats.get_stats())
    elif not links:
        error = "no article links on page 1 (selectors.list_links?)"
    return Preview(
        name, links, stats.get_value(NEXT_PAGE), stats.get_value("govwatch/render/reason"), error
    )


# download errors as a person says them
_ERRORS = {
    "CannotResolveHostError": "host not found",
    "DNSLookupError": "host not found",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectionRefusedError": "connection refused",
    "DownloadTimeoutError": "timed out",
    "TimeoutError": "timed out",
    "TCPTimedOutError": "timed out",
}


def _why(stats: dict[str, Any]) -> str:
    """The failed answers and download errors a crawl counted, as ``" (HTTP 404)"``."""
    found = [
        f"HTTP {key.rsplit('/', 1)[1]}"
        for key in stats
        if key.startswith("downloader/response_status_count/") and key[-3] in "45"
    ]
    found += [
        _ERRORS.get(name, name)
        for key in stats
        if key.startswith("downloader/exception_type_count/")
        for name in [key.rsplit("/", 1)[1].rsplit(".", 1)[-1]]
    ]
    return f" ({', '.join(sorted(found))})" if found else ""


def check_all(portals: Sequence[Portal], settings: Settings, parallel: int, out: TextIO) -> int:
    """Page one of every portal, ``parallel`` at a time, into a throwaway in-memory store; a
    line each as it ends, then a summary. Non-zero when any failed."""
    settings.set("GOVWATCH_DB", "sqlite://", priority="cmdline")
    settings.set("GOVWATCH_MAX_LIST_PAGES", 2, priority="cmdline")  # so page two is asked for
    settings.set("GOVWATCH_CHECK_ARTICLES", 1, priority="cmdline")  # nothing queued for alerts
    settings.set("GOVWATCH_PARALLEL_PORTALS", max(1, parallel), priority="cmdline")
    middlewares = {**settings.getdict("SPIDER_MIDDLEWARES"), f"{__name__}.ListPagesOnly": 50}
    settings.set("SPIDER_MIDDLEWARES", middlewares, priority="cmdline")
    previews: dict[str, Preview] = {}

    def watch(crawler: Crawler) -> None:
        def closed(spider: Any, reason: str) -> None:
            previews[spider.name] = preview(spider.name, crawler)
            print(previews[spider.name].line(), file=out, flush=True)

        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)

    crawl(portals, settings, on_crawler=watch)
    for portal in portals:
        if portal.name not in previews:
            previews[portal.name] = preview(portal.name, None)
            print(previews[portal.name].line(), file=out)
    failed = sorted(name for name, p in previews.items() if p.error)
    summary = f"{len(portals)} portals checked: {len(portals) - len(failed)} ok"
    print(summary + (f", {len(failed)} failed: {', '.join(failed)}" if failed else ""), file=out)
    return 1 if failed else 0
