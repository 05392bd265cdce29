"""The http(s) download handler: Scrapy's own, and Chromium for requests that ask for it."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, ClassVar
from weakref import WeakKeyDictionary

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

if TYPE_CHECKING:
    from crawler.rendering.browser import ChromiumHandler

logger = logging.getLogger(__name__)


class RenderingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler. A request with ``meta["playwright"]`` goes to
    scrapy-playwright's handler instead, which is created (and Playwright imported) when a
    crawl first needs it, one per crawl for http and https alike: plain crawls pay nothing.
    """

    lazy = False
    _browsers: ClassVar[WeakKeyDictionary[Crawler, asyncio.Task[ChromiumHandler]]] = (
        WeakKeyDictionary()
    )

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        handler = await self._browser()
        return await handler.download_request(request)

    def _browser(self) -> asyncio.Task[ChromiumHandler]:
        task = self._browsers.get(self._crawler)
        if task is None:
            from crawler.rendering.browser import ChromiumHandler  # Playwright, on first need

            task = asyncio.ensure_future(ChromiumHandler.start(self._crawler))
            self._browsers[self._crawler] = task
        return task

    async def close(self) -> None:
        await super().close()
        task = self._browsers.pop(self._crawler, None)
        if task is None:
            return
        try:
            handler = await task
        except Exception as exc:  # it never started; the requests that needed it said why
            logger.debug("the browser handler had not started: %s", exc)
            return
        await handler.close()
