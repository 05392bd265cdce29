"""The http(s) download handler: Scrapy's own, and Chromium for requests that ask for it."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

import scrapy
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.crawl.config import HTTP_CLIENTS, CrawlConfig
from crawler.exceptions import ConfigError
from crawler.rendering.escalation import Rendering

if TYPE_CHECKING:
    from crawler.rendering.browser import ChromiumHandler

logger = logging.getLogger(__name__)


def plain_client(crawler: Crawler) -> type[Any]:
    """The download handler class GOVWATCH_HTTP_CLIENT names (config.HTTP_CLIENTS)."""
    name = CrawlConfig.from_settings(crawler.settings).http_client
    try:
        return cast(type[Any], load_object(HTTP_CLIENTS[name]))
    except (ImportError, AttributeError) as exc:  # aiohttp's handler is Scrapy 2.19's
        raise ConfigError(
            f"GOVWATCH_HTTP_CLIENT = {name}: this Scrapy ({scrapy.__version__}) has no such"
            f" download handler ({exc})"
        ) from exc


class RenderingDownloadHandler(BaseDownloadHandler):
    """Plain requests go to the client GOVWATCH_HTTP_CLIENT names (Scrapy's HTTP/1.1
    handler by default). A request with ``meta["playwright"]`` goes to scrapy-playwright's
    handler instead, which is created (and Playwright imported) when a crawl first needs
    it, one per crawl for http and https alike: plain crawls pay nothing.
    """

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._plain_class = plain_client(crawler)
        self._plain: Any = None

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            if self._plain is None:  # made in the event loop: aiohttp's client needs one
                self._plain = build_from_crawler(self._plain_class, self.crawler)
            return await self._plain.download_request(request)
        handler = await self._browser()
        return await handler.download_request(request)

    def _browser(self) -> asyncio.Task[ChromiumHandler]:
        rendering = Rendering.of(self.crawler)
        if rendering.browser is None:
            from crawler.rendering.browser import ChromiumHandler  # Playwright, on first need

            rendering.browser = asyncio.ensure_future(ChromiumHandler.start(self.crawler))
        return rendering.browser

    async def close(self) -> None:
        if self._plain is not None:
            await self._plain.close()
        rendering = self.crawler.get_extension(Rendering)
        if rendering is None or rendering.browser is None:
            return
        # the other scheme's handler then has nothing left to close
        task, rendering.browser = rendering.browser, None
        try:
            handler = await task
        except Exception as exc:  # it never started; the requests that needed it said why
            logger.debug("the browser handler had not started: %s", exc)
            return
        await handler.close()
