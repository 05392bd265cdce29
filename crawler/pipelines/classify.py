"""Classify: is it a meeting, and the meeting's facts."""

from __future__ import annotations

from dataclasses import asdict

from scrapy.crawler import Crawler

from crawler.extract.meeting import meeting_facts
from crawler.items import AnnouncementItem


class ClassifyPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClassifyPipeline:
        return cls(crawler)

    def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        facts = meeting_facts(item.title, item.body, item.published_at)
        for name, value in asdict(facts).items():
            setattr(item, name, value)
        if item.is_meeting:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govwatch/meetings")
        return item
