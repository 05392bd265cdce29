"""Clean: normalise the fetched page's text before anything reads it."""

from __future__ import annotations

import re
import unicodedata

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import AnnouncementItem

# C0 controls (but tab and newlines), DEL and C1 controls (terminal escape sequences),
# zero-width characters and byte-order marks
INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")


def clean_text(text: str) -> str:
    return INVISIBLE.sub("", unicodedata.normalize("NFC", text))


class CleanPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler)

    def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        item.html = clean_text(item.html)
        if not item.html.strip():
            raise DropItem(f"portal {item.portal}: empty page {item.url}")
        if item.list_title:
            item.list_title = " ".join(clean_text(item.list_title).split())
        return item
