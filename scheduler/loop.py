"""APScheduler's loop made to outlive a failing job store (the database locked, full or gone).

APScheduler 3 lets an error of the job store's write after a job started (``update_job``)
out of its loop, which ends the scheduler's thread for good. Here a pass that fails is
logged with its cause and tried again with backoff, and a next run time that could not be
written is kept and written first, so the job that started does not start a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from scheduler.exceptions import JobStoreUnavailable
from storage import RetrySettings, safe_url

logger = logging.getLogger(__name__)


def cause(exc: DBAPIError) -> str:
    """The driver's message, first line only (SQLAlchemy's own adds the statement)."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


class DurableJobStore(SQLAlchemyJobStore):
    """APScheduler's SQL job store; a database error becomes :class:`JobStoreUnavailable`, and
    a job whose update failed is held and written before the store is read again.

    Every call comes from the scheduler under its job store lock: no lock of its own."""

    def __init__(self, engine: Engine, tablename: str) -> None:
        super().__init__(engine=engine, tablename=tablename)
        self.url = safe_url(str(engine.url))
        self._unsaved: dict[str, Job] = {}

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            raise JobStoreUnavailable(f"job store {self.url}: cannot {what}: {cause(exc)}") from exc

    def flush(self) -> None:
        """Write the jobs whose update failed; raises JobStoreUnavailable while it fails."""
        for job_id, job in list(self._unsaved.items()):
            # a job removed meanwhile has nothing left to save
            with self._translated(f"save the next run of {job_id}"), suppress(JobLookupError):
                super().update_job(job)
            del self._unsaved[job_id]

    def update_job(self, job: Job) -> None:
        self._unsaved[job.id] = job
        try:
            with self._translated(f"save the next run of {job.id}"):
                super().update_job(job)
        except JobLookupError:
            del self._unsaved[job.id]
            raise
        del self._unsaved[job.id]

    def add_job(self, job: Job) -> None:
        with self._translated(f"add {job.id}"):
            super().add_job(job)

    def remove_job(self, job_id: str) -> None:
        self._unsaved.pop(job_id, None)
        with self._translated(f"remove {job_id}"):
            super().remove_job(job_id)

    def remove_all_jobs(self) -> None:
        self._unsaved.clear()
        with self._translated("remove the jobs"):
            super().remove_all_jobs()

    def lookup_job(self, job_id: str) -> Job | None:
        self.flush()
        with self._translated(f"read {job_id}"):
            return super().lookup_job(job_id)

    def get_due_jobs(self, now: datetime) -> list[Job]:
        self.flush()
        with self._translated("read the due jobs"):
            return super().get_due_jobs(now)

    def get_next_run_time(self) -> datetime | None:
        self.flush()
        with self._translated("read the next run time"):
            return super().get_next_run_time()

    def get_all_jobs(self) -> list[Job]:
        self.flush()
        with self._translated("read the jobs"):
            return super().get_all_jobs()


class DurableScheduler(BackgroundScheduler):
    """A background scheduler whose loop survives any error of a pass over its jobs."""

    def __init__(self, retry: RetrySettings, **options: Any) -> None:
        super().__init__(**options)
        self.retry = retry  # the database's backoff (GOVWATCH_DB_BACKOFF, _BACKOFF_MAX)
        self.failures = 0  # passes failed in a row

    def thread_alive(self) -> bool:
        """Whether the loop's thread runs (False before start and after it died)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def _process_jobs(self) -> float | None:
        if self.state == STATE_PAUSED:
            return None
        try:
            with self._jobstores_lock:
                for store in self._jobstores.values():
                    if isinstance(store, DurableJobStore):
                        store.flush()
            wait: float | None = super()._process_jobs()
        except Exception as exc:  # the loop must outlive any one pass
            self.failures += 1
            pause = self.retry.wait(self.failures)
            if isinstance(exc, JobStoreUnavailable):
                logger.error("scheduler: %s; trying again in %gs", exc, pause)
            else:
                logger.exception(
                    "scheduler: a pass over the jobs failed; trying again in %gs", pause
                )
            return pause
        if self.failures:
            logger.info("scheduler: the job store works again after %d failures", self.failures)
            self.failures = 0
        return wait
