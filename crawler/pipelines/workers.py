"""Worker processes for CPU-bound page analysis, shared by every crawl of one process.

A crawl's process is busy with Scrapy itself (downloads, middlewares, the engine); page
analysis (crawler.analysis) is pure CPU work that another core can do meanwhile. Each worker
is a ``spawn``ed process (nothing of the crawl's reactor or threads is copied into it) on one
end of a socket pair; the crawl's event loop writes calls to it and reads the answers when
they are there, with no thread of its own that would contend for the interpreter lock.
Workers start on first use and stop when the process exits; one that dies is replaced.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar, cast

logger = logging.getLogger(__name__)

T = TypeVar("T")

# calls written to a worker's socket and not yet answered: enough to keep it fed between two
# turns of the crawl's event loop, few enough to fit in the socket's buffer (~25 KB a page),
# so writing one never waits for the worker; more wait in the worker's backlog, and each
# answer read sends the next
IN_PIPE_PER_WORKER = 8
# calls held per worker (written or waiting) before :attr:`Workers.busy`. Pages come in
# bursts (a list page's twenty articles at once): the crawl's process, the busier of the two,
# should not analyse a page itself while its worker will soon be idle; past this many, the
# workers are the slower side and the caller helps (docs/performance.md)
QUEUED_PER_WORKER = 48


class WorkerDied(RuntimeError):
    """A worker process died (a crash, the OOM killer) while it held the call."""


def default_workers() -> int:
    """One fewer than the CPUs this process may use: the crawl's own process needs one."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(0, cpus - 1)


def _serve(connection: Connection) -> None:
    """The worker's loop: (call id, function, arguments) in, (call id, ok, result) out."""
    # Ctrl-C reaches the whole process group: the crawl's process decides when to stop, and
    # its worker ends when it reads the end of the socket
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            call_id, func, args = connection.recv()
        except EOFError:  # the crawl's process closed its end, or died
            return
        try:
            answer = (call_id, True, func(*args))
        except Exception as exc:  # the caller re-raises it (a bug in the analysis, say)
            answer = (call_id, False, exc)
        connection.send(answer)


class _Worker:
    """One worker process, its end of the socket pair, and the calls it holds."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()
        self.connection = ours
        self.loop = loop
        # every call held, written or not, until it is answered
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.written = 0  # of them, written to the socket
        self.backlog: deque[tuple[int, Callable[..., Any], tuple[Any, ...]]] = deque()
        loop.add_reader(ours.fileno(), self._answers)

    def call(self, call_id: int, func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        future = self.loop.create_future()
        self.pending[call_id] = future
        self.backlog.append((call_id, func, args))
        try:
            self._write()
        except OSError as exc:  # it died before we wrote: this call raises, the rest fail
            self.pending.pop(call_id, None)
            self._died()
            raise WorkerDied(f"an analysis worker process died ({exc})") from exc
        return future

    def _write(self) -> None:
        """Write waiting calls while fewer than IN_PIPE_PER_WORKER are unanswered."""
        while self.backlog and self.written < IN_PIPE_PER_WORKER:
            call = self.backlog.popleft()
            future = self.pending[call[0]]
            if future.done():  # cancelled while it waited: never sent
                del self.pending[call[0]]
                continue
            self.connection.send(call)
            self.written += 1

    def _answers(self) -> None:
        try:
            while self.connection.poll():
                call_id, ok, result = self.connection.recv()
                self.written -= 1
                future = self.pending.pop(call_id)
                if future.done():  # cancelled meanwhile
                    continue
                if ok:
                    future.set_result(result)
                else:
                    future.set_exception(result)
            self._write()
        except (EOFError, OSError):
            self._died()

    def _died(self) -> None:
        self.close()
        code = self.process.exitcode
        for future in self.pending.values():
            if not future.done():
                future.set_exception(
                    WorkerDied(f"an analysis worker process died (exit code {code})")
                )
        self.pending.clear()
        self.backlog.clear()

    @property
    def alive(self) -> bool:
        return not self.connection.closed

    def close(self) -> None:
        if not self.connection.closed:
            self.loop.remove_reader(self.connection.fileno())
            self.connection.close()  # the worker reads EOF and returns
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class Workers:
    """``size`` worker processes; :meth:`run` awaits one call in the least busy of them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._workers: list[_Worker] = []
        self._ids = itertools.count()

    @property
    def in_flight(self) -> int:
        return sum(len(w.pending) for w in self._workers)

    @property
    def busy(self) -> bool:
        """Every worker has its share of calls queued: do the next piece of work yourself."""
        return self.in_flight >= self.size * QUEUED_PER_WORKER

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in a worker (both picklable, ``func`` by its module's name);
        raises what it raised, or WorkerDied when its worker died with the call."""
        worker = self._least_busy(asyncio.get_running_loop())
        return cast(T, await worker.call(next(self._ids), func, args))

    def _least_busy(self, loop: asyncio.AbstractEventLoop) -> _Worker:
        self._workers = [w for w in self._workers if w.alive]
        if len(self._workers) < self.size:
            logger.debug("starting an analysis worker process")
            self._workers.append(_Worker(loop))
        return min(self._workers, key=lambda w: len(w.pending))

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers = []


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
