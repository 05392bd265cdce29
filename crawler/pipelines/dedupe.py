"""Dedupe: each announcement's content signature (fingerprint, simhash, LSH band keys).

Linking a copy to its first copy (``duplicate_of``) needs the store: StorePipeline has
:class:`crawler.dedupe.Deduplicator` do it for each batch it writes, in one lookup.
"""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.dedupe import sign
from crawler.items import AnnouncementItem


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: AnnouncementItem) -> AnnouncementItem:
        item.signature = sign(item.body)
        item.fingerprint = item.signature.fingerprint
        item.simhash = item.signature.simhash
        item.bands = item.signature.bands
        return item
