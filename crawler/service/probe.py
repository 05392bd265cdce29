"""The cheap check of an unchanged portal: one conditional GET per start URL on a pooled
connection, robots.txt obeyed and cached per host for a day, per-host delays held (a host's
delay is the strictest of its portals'). Anything but 304 everywhere: a full crawl."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from protego import Protego
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, task
from twisted.web.client import Agent, HTTPConnectionPool, readBody
from twisted.web.http_headers import Headers

logger = logging.getLogger(__name__)

ROBOTS_TTL = 86400.0  # a day, as the big crawlers keep it


@dataclass
class Host:
    lock: defer.DeferredLock = field(default_factory=defer.DeferredLock)
    last: float = 0.0  # when its last request was sent
    delay: float = 0.0  # the strictest DOWNLOAD_DELAY of its portals
    robots: Protego | None = None
    robots_at: float = -ROBOTS_TTL


class Probe:
    def __init__(self, reactor: Any, user_agent: str, obey_robots: bool = True) -> None:
        self.reactor = reactor
        self.pool = HTTPConnectionPool(reactor, persistent=True)
        self.pool.maxPersistentPerHost = 4
        self.agent = Agent(reactor, pool=self.pool, connectTimeout=30)
        self.user_agent = user_agent
        self.obey_robots = obey_robots
        self.hosts: dict[str, Host] = {}
        self.requests = 0  # counted for tests and the benchmark

    async def unchanged(
        self, urls: dict[str, dict[str, str]], delay: float, timeout: float
    ) -> bool:
        """Whether every URL (→ its conditional headers) answers 304."""
        for url, headers in urls.items():
            if not headers or not await self._not_modified(url, headers, delay, timeout):
                return False
        return True

    async def _not_modified(
        self, url: str, headers: dict[str, str], delay: float, timeout: float
    ) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        host = self.hosts.setdefault(origin, Host())
        host.delay = max(host.delay, delay)
        await maybe_deferred_to_future(host.lock.acquire())
        try:
            if self.obey_robots and not await self._allowed(origin, host, url, timeout):
                return False  # the full crawl says why
            wait = host.last + host.delay - time.monotonic()
            if wait > 0:
                await maybe_deferred_to_future(task.deferLater(self.reactor, wait))
            host.last = time.monotonic()
            status, _ = await self._get(url, headers, timeout)
            return status == 304
        except Exception as exc:  # any failure: the full crawl retries and records it
            logger.debug("probe %s: %s", url, exc)
            return False
        finally:
            host.lock.release()

    async def _allowed(self, origin: str, host: Host, url: str, timeout: float) -> bool:
        if time.monotonic() - host.robots_at >= ROBOTS_TTL:
            try:
                status, body = await self._get(f"{origin}/robots.txt", {}, timeout)
                text = body.decode("utf-8", "replace") if 200 <= status < 300 else ""
            except Exception:  # as Scrapy: robots.txt that cannot be read allows all
                text = ""
            host.robots = Protego.parse(text)
            host.robots_at = time.monotonic()
        return host.robots is None or bool(host.robots.can_fetch(url, self.user_agent))

    async def _get(self, url: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        self.requests += 1
        raw = {name: [value] for name, value in {**headers, "User-Agent": self.user_agent}.items()}
        request = self.agent.request(b"GET", url.encode(), Headers(raw))
        request.addTimeout(timeout, self.reactor)
        response = await maybe_deferred_to_future(request)
        body = await maybe_deferred_to_future(readBody(response))
        return int(response.code), body
