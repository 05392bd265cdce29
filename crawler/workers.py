"""Worker processes for CPU-bound page analysis, shared by every crawl of one process.

A crawl's process is busy with Scrapy itself (downloads, middlewares, the engine); page
analysis (crawler.analysis) is pure CPU work that another core can do meanwhile. The pool
starts on first use and is stopped when the process exits; a worker that dies is replaced.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class WorkerDied(RuntimeError):
    """A worker process died (a crash, the OOM killer) while it held the task."""


def default_workers() -> int:
    """One fewer than the CPUs this process may use: the crawl's own process needs one."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(0, cpus - 1)


# calls queued or running per worker before :attr:`Workers.busy`: enough to keep a worker
# fed between two turns of the crawl's event loop, few enough that a busy pool does not
# hold pages back from a caller who can analyse them itself
QUEUED_PER_WORKER = 2


class Workers:
    """A process pool (``spawn``: nothing of the crawl's process, its reactor and threads,
    is copied into a worker). :meth:`run` awaits one call in a worker."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.in_flight = 0
        self._pool: ProcessPoolExecutor | None = None

    @property
    def busy(self) -> bool:
        """Every worker has its share of calls queued: do the next piece of work yourself."""
        return self.in_flight >= self.size * QUEUED_PER_WORKER

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            logger.debug("starting %d analysis worker process(es)", self.size)
            self._pool = ProcessPoolExecutor(
                self.size, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        pool = self._executor()
        self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, func, *args)
        except BrokenProcessPool as exc:
            if self._pool is pool:  # the first task to notice replaces the pool
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise WorkerDied("an analysis worker process died") from exc
        finally:
            self.in_flight -= 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_shared: dict[int, Workers] = {}


def shared(size: int) -> Workers:
    """The process's pool of ``size`` workers (one pool per size; made once)."""
    if size not in _shared:
        _shared[size] = Workers(size)
        if len(_shared) == 1:
            atexit.register(close_all)
    return _shared[size]


def close_all() -> None:
    for workers in _shared.values():
        workers.close()
