"""``govwatch portal check``: fetch a portal once and show what would be extracted."""

from __future__ import annotations

from typing import Any, TextIO

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler.configfiles.portals import Portal
from crawler.crawl.process import crawl
from crawler.crawl.run import CrawlRun
from crawler.extract import families
from crawler.items import AnnouncementItem
from crawler.rendering import escalation as rendering
from crawler.tables import clip, format_table

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
        print("no list page could be fetched (see the log above)", file=out)
        return 1
    for item in items:
        print(f"\n{item.url}", file=out)
        for name in SHOWN_FIELDS:
            print(f"  {name:13} {getattr(item, name)}", file=out)
        print(f"  {'why':13} {explain(item.why)}", file=out)
        print(f"  {'body':13} {clip(item.body.replace(chr(10), ' / '), 300)}", file=out)
    return 0 if items else 1
