"""The daemon's sender: one run at a time, no request lost, backoff after a database error."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler

from scheduler.delivery import Delivery
from storage import RetrySettings, StorageError, utcnow

logger = logging.getLogger(__name__)


class Sender:
    """Runs the current :class:`Delivery` in the scheduler's threads, never two at once.

    A call while a run is under way makes that run go round again; a database error is
    logged with its cause and the run tried again after a pause that doubles (the
    database's GOVWATCH_DB_BACKOFF, up to GOVWATCH_DB_BACKOFF_MAX). Nothing runs while
    ``halt`` is set (the daemon stops, or does not hold the scheduler lease).
    """

    def __init__(
        self,
        scheduler: BaseScheduler,
        jobstore: str,
        delivery: Callable[[], Delivery],
        halt: threading.Event,
        retry: RetrySettings,
    ) -> None:
        self.scheduler = scheduler
        self.jobstore = jobstore  # where requests are queued: in memory, never the database
        self.delivery = delivery
        self.halt = halt
        self.retry = retry
        self.lock = threading.Lock()  # held by a run, and by a digest being built
        self._again = threading.Event()
        self._failures = 0
        self._after = 0.0  # monotonic: backing off until then

    def request(self, delay: float = 0.0) -> None:
        """Have a run start now, or in ``delay`` seconds, in a thread of the scheduler's."""
        if self.halt.is_set():
            return
        if delay:
            when = utcnow() + timedelta(seconds=delay)
            self.scheduler.add_job(
                self.run, "date", run_date=when, jobstore=self.jobstore, name="send (again)"
            )
        else:
            self.scheduler.add_job(self.run, jobstore=self.jobstore, name="send (after a crawl)")

    def run(self) -> None:
        """Expand new events and send due emails, until no request is left."""
        self._again.set()
        while self._again.is_set() and not self.halt.is_set():
            if time.monotonic() < self._after:
                return  # backing off: the run that ends it is scheduled
            if not self.lock.acquire(blocking=False):
                return
            try:
                self._again.clear()
                self._once()
            finally:
                self.lock.release()

    def _once(self) -> None:
        try:
            self.delivery().run()
        except StorageError as exc:
            self._failures += 1
            pause = self.retry.wait(self._failures)
            self._after = time.monotonic() + pause
            logger.error("sender: %s; trying again in %gs", exc, pause)
            self.request(delay=pause)
            return
        if self._failures:
            logger.info("sender: the database works again after %d failures", self._failures)
            self._failures = 0
