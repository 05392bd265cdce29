"""Everything that touches Playwright: the shared Chromium, its download handler, and what
happens on every page rendered in it. Imported only by crawls that render a page.

One Playwright driver and one Chromium per process, started by the first page that needs
them and closed with the last crawl that used them. Each crawl (one portal) gets its own
browser context from scrapy-playwright, so cookies never cross portals.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as PlaywrightRequest
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.crawler import Crawler
from scrapy.exceptions import NotSupported
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.provider import PlaywrightBrowserProvider

from crawler.extract.patterns import JS_CHALLENGES
from crawler.extract.select import is_xpath
from crawler.rendering.config import RenderConfig
from crawler.rendering.page import PageReport

if TYPE_CHECKING:
    from scrapy_playwright.handler import Config

logger = logging.getLogger(__name__)

# What a list never needs: aborted before it is fetched (PLAYWRIGHT_ABORT_REQUEST).
ABORTED_RESOURCES = frozenset({"image", "font", "media"})
# A challenge reloads its page once or twice; more top-level navigations than this is a loop.
MAX_NAVIGATIONS = 4
CHALLENGE_STATUSES = frozenset(status for status, _, _ in JS_CHALLENGES)
DOCUMENT_STATUS = """() => {
  const entry = performance.getEntriesByType("navigation")[0];
  return entry && entry.responseStatus ? entry.responseStatus : 0;
}"""


class BrowserUnavailable(RuntimeError):
    """Chromium is not installed where GOVWATCH_CHROMIUM says."""


# -- on every page ------------------------------------------------------------------

_navigations: WeakKeyDictionary[Page, int] = WeakKeyDictionary()


def _local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


def reaches_elsewhere_locally(url: str, page_url: str) -> bool:
    """A page's script reaching another service on this machine or its network: another
    port of 127.0.0.1, a private address. Public CDNs and sibling hosts stay allowed."""
    target = _origin(url)
    if target[0] not in ("http", "https"):
        return target[0] not in ("data", "blob", "about")
    if not _local(target[1]) or page_url.startswith("about:"):
        return False
    return target != _origin(page_url)


def abort_request(request: PlaywrightRequest) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: images, fonts and media, requests to other local services,
    and a page reloading in a loop."""
    if request.resource_type in ABORTED_RESOURCES or request.url.endswith("/favicon.ico"):
        return True
    try:
        page_url = request.frame.page.url
    except PlaywrightError:  # a service worker's request
        page_url = "about:blank"
    if reaches_elsewhere_locally(request.url, page_url):
        logger.warning("%s: a script on %s reached for it; refused", request.url, page_url)
        return True
    if not request.is_navigation_request():
        return False
    try:
        frame = request.frame
    except PlaywrightError:  # a service worker's request
        return False
    if frame.parent_frame is not None:
        return False
    page = frame.page
    _navigations[page] = count = _navigations.get(page, 0) + 1
    if count > MAX_NAVIGATIONS:
        logger.warning("%s: navigation %d in one page, a reload loop; stopped", request.url, count)
        return True
    return False


def _playwright_selector(selector: str) -> str:
    return f"xpath={selector}" if is_xpath(selector) else selector


async def _wait_for_list(page: Page, selector: str | None, timeout_ms: float) -> None:
    try:
        if selector:
            await page.wait_for_selector(
                _playwright_selector(selector), state="attached", timeout=timeout_ms
            )
        else:
            await page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        logger.info(
            "%s: no list after %.0f s; reading the page as it is", page.url, timeout_ms / 1000
        )


async def _document_status(page: Page) -> int:
    for _ in range(2):
        try:
            return int(await page.evaluate(DOCUMENT_STATUS))
        except PlaywrightError:  # navigating: the old document's context is gone
            with suppress(PlaywrightError):
                await page.wait_for_load_state("load")
    return 0


async def settle(page: Page, selector: str | None, timeout_ms: float) -> PageReport:
    """A page method: wait for the list (``selector``, else the network going idle),
    through a challenge's reloads; report the final status and the cookies earned."""
    status = 0
    for _ in range(MAX_NAVIGATIONS):
        await _wait_for_list(page, selector, timeout_ms)
        status = await _document_status(page)
        if status not in CHALLENGE_STATUSES or _navigations.get(page, 0) >= MAX_NAVIGATIONS:
            break
        try:  # a challenge that reloads after a delay: wait for the next document
            await page.wait_for_event("load", timeout=timeout_ms)
        except PlaywrightTimeoutError:
            break
    return PageReport(status, [dict(cookie) for cookie in await page.context.cookies()])


# -- the shared browser -------------------------------------------------------------


class _Lease:
    """The shared browser as one download handler sees it: close() only lets go of it."""

    def __init__(self, browser: Browser, pool: _Pool) -> None:
        self._browser = browser
        self._pool = pool
        self._listeners: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def on(self, event: str, handler: Any) -> None:
        self._listeners.append((event, handler))
        self._browser.on(event, handler)  # type: ignore[call-overload]

    async def close(self, **_: Any) -> None:
        for event, handler in self._listeners:
            self._browser.remove_listener(event, handler)
        self._listeners.clear()
        await self._pool.release(self._browser)


class _Pool:
    """The process's one Chromium, counted out to download handlers."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self._provider: PlaywrightBrowserProvider | None = None
        self._browser: Browser | None = None
        self._leases = 0

    async def lease(self, config: Config) -> Browser:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop: nothing of the old one is usable
            self._loop, self._lock = loop, asyncio.Lock()
            self._provider, self._browser, self._leases = None, None, 0
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                await self._shutdown()
                self._browser = await self._launch(config)
                self._leases = 0
            self._leases += 1
            return cast(Browser, _Lease(self._browser, self))

    async def release(self, browser: Browser) -> None:
        async with self._lock:
            if browser is not self._browser:
                return  # a lease on a browser that is already gone
            self._leases -= 1
            if self._leases <= 0:
                await self._shutdown()

    async def _launch(self, config: Config) -> Browser:
        executable = config.launch_options.get("executable_path")
        remote = config.cdp_url or config.connect_url
        if not remote and executable and not Path(executable).exists():
            raise BrowserUnavailable(
                f"no Chromium at {executable}: install Debian's chromium package "
                "(apt-get install chromium) or set GOVWATCH_CHROMIUM"
            )
        provider = PlaywrightBrowserProvider(config)
        await provider.start()
        try:
            browser = await provider.launch_browser()
        except Exception:
            await provider.close()
            raise
        self._provider = provider
        logger.info("Chromium %s started (%s)", browser.version, remote or executable)
        return browser

    async def _shutdown(self) -> None:
        browser, provider = self._browser, self._provider
        self._browser = self._provider = None
        if browser is not None and browser.is_connected():
            with suppress(PlaywrightError):
                await browser.close()
            logger.info("Chromium closed")
        if provider is not None:
            with suppress(PlaywrightError):
                await provider.close()


_POOL = _Pool()


class SharedChromium(PlaywrightBrowserProvider):
    """PLAYWRIGHT_BROWSER_PROVIDER: nothing starts until a page is rendered, and every
    crawl in the process renders in the same Chromium."""

    async def start(self) -> None:
        """Nothing yet: Playwright starts with the process's first browser."""

    async def launch_browser(self) -> Browser:
        return await _POOL.lease(self.config)

    async def launch_persistent_context(self, context_kwargs: dict[str, Any]) -> BrowserContext:
        raise NotSupported("govwatch renders in one shared browser, not in persistent contexts")

    async def close(self) -> None:
        """Nothing: the shared browser closes when its last lease is let go."""


class ChromiumHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, launching Debian's Chromium (GOVWATCH_CHROMIUM) through
    :class:`SharedChromium`; crawler.rendering.handler creates it on first need."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        render = RenderConfig.from_settings(crawler.settings)
        args = list(self.config.launch_options.get("args") or [])
        if os.geteuid() == 0 and "--no-sandbox" not in args:
            # Chromium refuses to start as root with its sandbox; as any other user it keeps it
            args.append("--no-sandbox")
        self.config.launch_options = {
            **self.config.launch_options,
            "executable_path": render.chromium,
            "args": args,
        }

    @classmethod
    async def start(cls, crawler: Crawler) -> ChromiumHandler:
        """A started handler. scrapy-playwright starts its own on engine_started, which has
        passed by the time a crawl first needs the browser; ``_launch`` is that start (with
        SharedChromium it only creates the provider: Chromium launches with the first page)."""
        handler = cls(crawler)
        await handler._launch()
        return handler
