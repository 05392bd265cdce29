"""The baseline: a plain Scrapy spider over the simulator, with Scrapy's default settings.

What a competent engineer writes in thirty lines for this site: follow the list pages'
links and 下一页, parse each article's title, date and body with parsel, yield a dict.
Run as ``python -m bench.plain START_URL``; prints the crawl's stats as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

logger = logging.getLogger(__name__)


class PlainSpider(scrapy.Spider):
    name = "plain"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url)

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("div.list li a::attr(href)").getall():
            yield response.follow(href, self.parse_article)
        next_page = response.xpath("//a[text()='下一页']/@href").get()
        if next_page:
            yield response.follow(next_page, self.parse)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        yield {
            "url": response.url,
            "title": response.css("h1::text").get(),
            "published": response.css("div.info::text").re_first(r"\d{4}-\d\d-\d\d \d\d:\d\d"),
            "body": "\n".join(p.strip() for p in response.css("#zoom p::text").getall()),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("start_url")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting"
    )
    args = parser.parse_args(argv)
    settings = dict(item.split("=", 1) for item in args.set)
    started = time.perf_counter()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler, start_url=args.start_url)
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    print(
        json.dumps(
            {
                "elapsed": stats.get("elapsed_time_seconds"),
                "wall": time.perf_counter() - started,
                "responses": stats.get("response_received_count", 0),
                "items": stats.get("item_scraped_count", 0),
                "errors": stats.get("log_count/ERROR", 0),
                "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
