"""The "scheduler" lease: one active daemon per database (storage/leases.py).

The daemon takes it at start, waiting while another holds it, and renews it every
``scheduler_lease_heartbeat``. It counts the lease as lost ``scheduler_lease_ttl - scheduler_lease_heartbeat`` after the
start of its last good renewal (a heartbeat before the lease's expiry, as a margin for a send
in flight and clocks a little apart), or at once when a renewal finds another holder; then it
stops crawling and sending until it takes the lease again. A waiting daemon takes over once
the holder has stopped renewing for ``scheduler_lease_ttl``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from scheduler.settings import Settings
from scheduler.times import zoned
from storage import Repository, StorageError, holder_name

logger = logging.getLogger(__name__)

SCHEDULER = "scheduler"  # the lease's name
# how long a stopping daemon waits for a renewal under way before releasing the lease
STOP_WAIT = 5.0


class Leadership:
    """Takes, renews and releases the scheduler lease; says whether it is held now.

    ``on_lost(why)`` and ``on_taken()`` are called when the lease is lost, and taken again
    after a loss, from the thread that noticed (the heartbeat or the caller of :meth:`check`).
    """

    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        stopping: threading.Event,
        holder: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repo = repo
        self.ttl = settings.scheduler_lease_ttl
        self.heartbeat = settings.scheduler_lease_heartbeat
        self.zone = settings.zone
        self.stopping = stopping
        self.holder = holder or holder_name("daemon")
        self.clock = clock
        self.on_lost: Callable[[str], None] = lambda why: None
        self.on_taken: Callable[[], None] = lambda: None
        self.waited = False  # whether take() had to wait for another daemon
        self._held = False
        self._confirmed: float | None = None  # start of the last good take or renewal
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def grace(self) -> float:
        """Seconds after a good renewal began until the lease counts as lost."""
        return self.ttl - self.heartbeat

    def holds(self) -> bool:
        """Whether this daemon holds the lease now, by its own clock."""
        with self._lock:
            return self._held and self._fresh()

    def _fresh(self) -> bool:
        return self._confirmed is not None and self.clock() - self._confirmed < self.grace

    def take(self) -> bool:
        """Take the lease, waiting while another daemon holds it; False when stopped first.

        A database error ends the wait (StorageError): the daemon has not started anything."""
        while not self.stopping.is_set():
            started = self.clock()
            if self.repo.acquire_lease(SCHEDULER, self.holder, self.ttl):
                with self._lock:
                    self._held, self._confirmed = True, started
                if self.waited:
                    logger.info("took the scheduler lease: this daemon is now the active one")
                return True
            if not self.waited:
                logger.warning(
                    "another govwatch daemon is active on %s (%s); waiting to take over",
                    self.repo.url,
                    self._describe_holder(),
                )
                self.waited = True
            self.stopping.wait(self.heartbeat)
        return False

    def _describe_holder(self) -> str:
        try:
            lease = self.repo.lease_holder(SCHEDULER)
        except StorageError as exc:
            return f"its holder unknown: {exc}"
        if lease is None:
            return "its lease just expired"
        return f"{lease.holder}, its lease renewed at {zoned(lease.heartbeat_at, self.zone)}"

    def start(self) -> threading.Thread:
        """Renew the lease every heartbeat in a thread of its own, until stopping."""
        self._thread = threading.Thread(target=self._beat, name="lease heartbeat", daemon=True)
        self._thread.start()
        return self._thread

    def thread_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _beat(self) -> None:
        while not self.stopping.wait(self.heartbeat):
            self.check()
            with self._lock:
                held = self._held
            started = self.clock()
            try:
                if held:
                    ok = self.repo.renew_lease(SCHEDULER, self.holder, self.ttl)
                else:
                    ok = self.repo.acquire_lease(SCHEDULER, self.holder, self.ttl)
            except StorageError as exc:
                if held:
                    self._lose(f"it could not be renewed: {exc}")
                else:
                    logger.error("scheduler lease: cannot take it again: %s", exc)
                continue
            if ok:
                self._confirm(started)
            elif held:
                self._lose(f"taken by {self._describe_holder()}")

    def _confirm(self, started: float) -> None:
        with self._lock:
            if self._confirmed is None or started > self._confirmed:
                self._confirmed = started
            if self._held or not self._fresh() or self.stopping.is_set():
                return  # still held; or this answer came too late to count
            self._held = True
        logger.info("scheduler lease taken again: crawls and emails resume")
        self.on_taken()

    def check(self) -> None:
        """Count the lease as lost once it has gone unrenewed for :attr:`grace`."""
        with self._lock:
            stale = self._held and not self._fresh()
        if stale:
            self._lose(f"it has not been renewed for {self.grace:g}s")

    def _lose(self, why: str) -> None:
        with self._lock:
            if not self._held:
                return
            self._held = False
        if self.stopping.is_set():
            return
        logger.error(
            "scheduler lease lost (%s): no crawls and no emails until this daemon takes it again",
            why,
        )
        self.on_lost(why)

    def release(self) -> None:
        """At stop: end the lease now, with one try (when that fails it simply expires). Its
        row stays, for `govwatch status` to tell when the scheduler last ran."""
        if self._thread is not None:
            self._thread.join(STOP_WAIT)
        with self._lock:
            if self._confirmed is None:
                return  # never taken
            self._held = False
        once = Repository(self.repo.engine, replace(self.repo.retry, attempts=1))
        try:
            once.renew_lease(SCHEDULER, self.holder, 0)
        except StorageError as exc:
            logger.warning(
                "scheduler lease not released (%s); another daemon can take it %gs after "
                "its last renewal",
                exc,
                self.ttl,
            )
