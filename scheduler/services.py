"""The daemon's crawl services: a small pool of long-lived ``python -m crawler.service``
processes (scheduler may not import crawler: they are started by command). Portals that fall
due together go in one batch; each caller of :meth:`ServiceRunner.run` waits for its own
portal's result line.

A service that dies takes no other portal's result with it: the unfinished portals of its
batches are sent again to a fresh service; a portal that was in two services that died is
run alone, in a service of its own, and its run says so (``govwatch status``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import queue
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from scheduler.portal import PortalSpec
from scheduler.runner import ENDS, CrawlRunner, Outcome, record_failure
from scheduler.settings import Settings
from storage import Repository, StorageError, holder_name, utcnow

logger = logging.getLogger(__name__)

KILLED_TWICE = "its crawl service died twice with it in the batch; now crawled alone"


@dataclass
class Pending:
    portal: PortalSpec
    entry: dict[str, Any]
    timeout: float
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None
    deaths: int = 0  # services that died with this portal unfinished

    @property
    def alone(self) -> bool:
        return self.deaths >= 2


def gather(waiting: queue.Queue[Pending], settings: Settings) -> list[Pending]:
    """The next portal due and those falling due within the batch window, up to the batch
    size: one batch."""
    batch = [waiting.get()]
    while len(batch) < settings.service_batch_size:
        try:
            batch.append(waiting.get(timeout=settings.service_batch_window))
        except queue.Empty:
            break
    return batch


class Service:
    """One service process and the portals sent to it that have no result yet."""

    def __init__(self, runner: ServiceRunner, alone: bool) -> None:
        self.runner = runner
        self.alone = alone
        self.process = subprocess.Popen(
            list(runner.command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
            env=runner.env,
            text=True,
        )
        self.unfinished: dict[str, Pending] = {}
        self.lock = threading.Lock()
        self.dead = False
        threading.Thread(target=self._read, name=f"service-{self.process.pid}", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, batch: int, pendings: list[Pending]) -> bool:
        line = {
            "batch": batch,
            "portals": [{"entry": p.entry, "timeout": p.timeout} for p in pendings],
        }
        with self.lock:
            if self.dead:
                return False
            for p in pendings:
                self.unfinished[p.portal.name] = p
        try:
            stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
            stdin.write(json.dumps(line, ensure_ascii=False) + "\n")
            stdin.flush()
        except (OSError, ValueError):
            return True  # the reader sees it die and sends them again
        return True

    def _read(self) -> None:
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        for line in stdout:
            try:
                result = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                pending = self.unfinished.pop(result.get("portal", ""), None)
            if pending is not None:
                self.runner.finish(pending, result)
        code = self.process.wait()
        with self.lock:
            self.dead = True
            left = list(self.unfinished.values())
            self.unfinished.clear()
        self.runner.died(self, code, left)

    def close(self) -> None:
        """No more batches: it ends once those under way are done."""
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()  # type: ignore[union-attr]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            import os

            os.killpg(self.process.pid, sig)


class ServiceRunner:
    """``run(portal)`` as CrawlRunner's, with the crawl done in a pooled service."""

    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        command: Sequence[str],
        entry: Callable[[PortalSpec], dict[str, Any]],
        clock: Callable[[], datetime] = utcnow,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.command = command
        self.entry = entry
        self.clock = clock
        self.env = dict(env) if env is not None else None
        self.stopping = threading.Event()
        self.queue: queue.Queue[Pending] = queue.Queue()
        self.services: list[Service] = []
        self.lock = threading.Lock()
        self.batches = itertools.count(1)
        self.turn = itertools.count()
        threading.Thread(target=self._dispatch, name="batches", daemon=True).start()

    def running(self) -> list[str]:
        with self.lock:
            services = list(self.services)
        return sorted(name for s in services for name in list(s.unfinished))

    def run(self, portal: PortalSpec) -> Outcome:
        name = portal.name
        if self.stopping.is_set():
            return Outcome(name, None, "not started: the daemon is stopping")
        since = self.clock()
        timeout = self.settings.crawl_timeout_for(portal)
        pending = Pending(portal, self.entry(portal), timeout)
        self.queue.put(pending)
        # the service keeps the deadline; this is for a service that stopped answering
        backstop = timeout + self.settings.service_batch_window + 2 * self.settings.kill_grace + 30
        while not pending.done.wait(backstop):
            if pending.deaths == 0 or self.stopping.is_set():
                break
        outcome = pending.outcome or Outcome(name, None, f"no result after {backstop:g}s")
        record_failure(self.repo, portal, since, outcome)
        log = logger.warning if outcome.problem else logger.info
        log("crawl %s: %s", name, outcome.problem or outcome.status)
        return outcome

    def finish(self, pending: Pending, result: dict[str, Any]) -> None:
        code = result.get("code")
        problem = None if code in ENDS or result.get("status") == "failed" else result.get("error")
        if result.get("status") == "failed" and result.get("error"):
            problem = result["error"]  # nothing recorded by the crawl: the runner records it
            code = None
        unchanged = bool(result.get("unchanged")) and problem is None
        pending.outcome = Outcome(pending.portal.name, code, problem, unchanged)
        pending.done.set()

    def died(self, service: Service, code: int | None, left: list[Pending]) -> None:
        with self.lock:
            if service in self.services:
                self.services.remove(service)
        if not left:
            return
        # it is dead for certain (its parent saw it end): its portals' leases can go now
        holder = holder_name("crawl", service.pid)
        for p in left:
            try:
                self.repo.release_lease(f"portal:{p.portal.name}", holder)
            except StorageError as exc:  # it expires after its TTL
                logger.error("portal %s: lease not released: %s", p.portal.name, exc)
        if self.stopping.is_set():
            for p in left:
                p.outcome = Outcome(p.portal.name, None, "stopped at daemon shutdown")
                p.done.set()
            return
        names = ", ".join(p.portal.name for p in left)
        logger.error("crawl service %s died (code %s); running again: %s", service.pid, code, names)
        for p in left:
            p.deaths += 1
            if service.alone and p.alone:
                p.outcome = Outcome(p.portal.name, None, f"{KILLED_TWICE}, and died alone too")
                p.done.set()
            else:
                if p.alone:
                    logger.error("portal %s: %s", p.portal.name, KILLED_TWICE)
                self.queue.put(p)

    def _dispatch(self) -> None:
        """Gather what falls due within the batch window, up to the batch size, and send it."""
        while True:
            batch = gather(self.queue, self.settings)
            for p in [p for p in batch if p.alone]:
                self._send([p], alone=True)
            shared = [p for p in batch if not p.alone]
            if shared:
                self._send(shared, alone=False)

    def _send(self, pendings: list[Pending], alone: bool) -> None:
        if self.stopping.is_set():
            for p in pendings:
                p.outcome = Outcome(p.portal.name, None, "not started: the daemon is stopping")
                p.done.set()
            return
        service = self._service(alone)
        if service is None or not service.send(next(self.batches), pendings):
            for p in pendings:
                self.queue.put(p)
        if alone and service is not None:
            service.close()

    def _service(self, alone: bool) -> Service | None:
        try:
            with self.lock:
                shared = [s for s in self.services if not s.alone and not s.dead]
                if alone or len(shared) < self.settings.crawl_services:
                    service = Service(self, alone)
                    self.services.append(service)
                    return service
                return shared[next(self.turn) % len(shared)]
        except OSError as exc:
            logger.error("could not start the crawl service %s: %s", self.command[0], exc)
            return None

    def stop_all(self) -> None:
        self.stopping.set()
        with self.lock:
            services = list(self.services)
        for service in services:
            for name in sorted(service.unfinished):
                logger.info("crawl %s: stopping (daemon shutdown)", name)
            service.kill(signal.SIGTERM)
        for service in services:
            try:
                service.process.wait(timeout=self.settings.kill_grace)
            except subprocess.TimeoutExpired:
                service.kill()


def make_runner(
    repo: Repository,
    settings: Settings,
    crawl_command: Callable[[str], Sequence[str]],
    service: tuple[Sequence[str], Callable[[PortalSpec], dict[str, Any]]] | None,
    clock: Callable[[], datetime],
    env: Mapping[str, str] | None,
) -> CrawlRunner | ServiceRunner:
    """Crawl services when the daemon has their command and GOVWATCH_CRAWL_SERVICES > 0,
    else a process per crawl."""
    if service is not None and settings.crawl_services > 0:
        return ServiceRunner(repo, settings, service[0], service[1], clock, env)
    return CrawlRunner(repo, settings, crawl_command, clock, env)


def crawl_threads(settings: Settings) -> int:
    """The daemon's crawl job threads: with services a job's thread only waits for its line."""
    return max(settings.max_crawls, settings.service_batch_size if settings.crawl_services else 0)
