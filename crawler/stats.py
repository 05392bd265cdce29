"""The crawl's stats collector: Scrapy's in-memory one, without its per-attribute wrapper.

Scrapy's ``StatsCollector.__getattribute__`` wraps every attribute read to warn about a
deprecated ``spider`` argument, so each ``inc_value`` costs two failed attribute lookups
and a wrapper call: ~5 µs, where the dictionary update is ~0.2 µs. Scrapy's middlewares
and extensions count a dozen or more stats per page (docs/performance.md).
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class CrawlStats(MemoryStatsCollector):
    """:class:`scrapy.statscollectors.MemoryStatsCollector` with plain attribute access:
    the same stats and methods (a ``spider`` argument is still accepted, and ignored)."""

    __getattribute__ = object.__getattribute__
