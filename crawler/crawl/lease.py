"""One crawl per portal at a time: the lease "portal:<name>" in the store (storage.leases).

Taken when a run opens, renewed on a heartbeat while it crawls, released at its end. A
crawl that cannot renew it has lost it (another may crawl the portal now) and stops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from storage import LeaseInfo, Repository, StorageError, holder_name

logger = logging.getLogger(__name__)


class PortalLease:
    def __init__(
        self,
        repo: Repository,
        portal: str,
        ttl: float,
        heartbeat: float,
        on_lost: Callable[[str], None],
    ) -> None:
        self.repo = repo
        self.portal = portal
        self.name = f"portal:{portal}"
        self.holder = holder_name("crawl")
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.on_lost = on_lost
        self.held = False
        self._beat: task.LoopingCall | None = None

    def take(self) -> LeaseInfo | None:
        """Take the lease: None when taken, else who holds it."""
        while not self.repo.acquire_lease(self.name, self.holder, self.ttl):
            holder = self.repo.lease_holder(self.name)
            if holder is not None:
                return holder
            # it expired or was released between the two calls: try again
        self.held = True
        self._start()
        return None

    async def wait(self, stopped: Callable[[], bool]) -> bool:
        """Take the lease once its holder lets go, looking every heartbeat; False when the
        crawl was stopped first (Ctrl-C, SIGTERM)."""
        from twisted.internet import reactor  # the one Scrapy installed, not a default

        while not stopped():
            if self.take() is None:
                return True
            await maybe_deferred_to_future(task.deferLater(reactor, self.heartbeat))
        return False

    def release(self) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        if self.held:
            self.held = False
            self.repo.release_lease(self.name, self.holder)

    def _start(self) -> None:
        self._beat = task.LoopingCall(self._renew)
        self._beat.start(self.heartbeat, now=False).addErrback(
            lambda failure: logger.error(
                "portal %s: lease heartbeat: %s", self.portal, failure.getErrorMessage()
            )
        )

    def _renew(self) -> None:
        try:
            renewed = self.repo.renew_lease(self.name, self.holder, self.ttl)
            # it expired while the database was away, say: lost, unless nobody took it
            retaken = not renewed and self.repo.acquire_lease(self.name, self.holder, self.ttl)
            reason = None if renewed else "another crawl took it, or it expired"
        except StorageError as exc:
            renewed, retaken, reason = False, False, f"could not renew it: {exc}"
        if retaken:
            logger.warning("portal %s: lease %s expired, taken again", self.portal, self.name)
        if renewed or retaken:
            return
        self.held = False
        assert self._beat is not None
        self._beat.stop()
        logger.error("portal %s: lease %s lost (%s); stopping", self.portal, self.name, reason)
        self.on_lost(f"lease lost: {reason}")
