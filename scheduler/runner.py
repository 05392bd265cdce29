"""The crawl runner: one process per crawl (Twisted's reactor cannot restart), bounded in time.

A crawl past its timeout gets SIGTERM, then SIGKILL; its run is recorded as failed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from scheduler.portal import PortalSpec
from scheduler.settings import Settings
from storage import Repository, utcnow

logger = logging.getLogger(__name__)

# exit codes of a crawl that recorded its own end, or that another crawl held the portal
# (docs/reliability.md, "One table of outcomes"); any other code is a failure
ENDS = {0: "finished", 3: "partial", 4: "busy"}


@dataclass(frozen=True)
class Outcome:
    portal: str
    exit_code: int | None  # None: killed, or never started
    problem: str | None  # why the run counts as failed, when the crawl could not say so
    unchanged: bool = False  # answered 304 to the cheap check: nothing stored, nothing new

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def status(self) -> str:
        """finished, partial, busy (another crawl held the portal: nothing recorded), failed."""
        return ENDS.get(self.exit_code, "failed") if self.exit_code is not None else "failed"


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    """Signal the crawl and its children (a browser, say); gone already is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


class CrawlRunner:
    """Runs crawls as ``command(portal)`` processes, each in its own session: a Ctrl-C at the
    daemon's terminal reaches them only through the daemon's orderly shutdown."""

    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        command: Callable[[str], Sequence[str]],
        clock: Callable[[], datetime] = utcnow,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.command = command
        self.clock = clock
        self.env = dict(env) if env is not None else None  # None: this process's
        self.stopping = threading.Event()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def running(self) -> list[str]:
        with self._lock:
            return sorted(self._processes)

    def run(self, portal: PortalSpec) -> Outcome:
        """Crawl ``portal`` in a child process and wait for it, at most its timeout."""
        name = portal.name
        if self.stopping.is_set():
            return Outcome(name, None, "not started: the daemon is stopping")
        timeout = self.settings.crawl_timeout_for(portal)
        since = self.clock()
        command = list(self.command(name))
        logger.info("crawl %s: started (timeout %gs)", name, timeout)
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, start_new_session=True, env=self.env
            )
        except OSError as exc:
            outcome = Outcome(name, None, f"could not start {command[0]}: {exc}")
            self._record(portal, since, outcome)
            return outcome
        with self._lock:
            self._processes[name] = process
        try:
            try:
                code: int | None = process.wait(timeout=timeout)
                problem = None
            except subprocess.TimeoutExpired:
                logger.warning("crawl %s: still running after %gs, stopping it", name, timeout)
                self._terminate(process)
                code, problem = None, f"killed after its timeout of {timeout:g}s"
        finally:
            with self._lock:
                self._processes.pop(name, None)
        if problem is None and code not in ENDS:
            stopped = self.stopping.is_set()
            problem = "stopped at daemon shutdown" if stopped else f"crawl exited with code {code}"
        outcome = Outcome(name, code, problem)
        self._record(portal, since, outcome)
        log = logger.warning if problem else logger.info
        log("crawl %s: %s", name, problem or outcome.status)
        return outcome

    def _terminate(self, process: subprocess.Popen[bytes]) -> None:
        """SIGTERM to the crawl's process group, SIGKILL after the grace period."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            _signal_group(process, sig)
            try:
                process.wait(timeout=self.settings.kill_grace)
                return
            except subprocess.TimeoutExpired:
                continue
        process.wait()

    def _record(self, portal: PortalSpec, since: datetime, outcome: Outcome) -> None:
        record_failure(self.repo, portal, since, outcome)

    def stop_all(self) -> None:
        """At shutdown: no new crawls; running ones get SIGTERM, then SIGKILL."""
        self.stopping.set()
        with self._lock:
            processes = list(self._processes.items())
        for name, process in processes:
            logger.info("crawl %s: stopping (daemon shutdown)", name)
            _signal_group(process, signal.SIGTERM)
        for _, process in processes:
            try:
                process.wait(timeout=self.settings.kill_grace)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)


def record_failure(repo: Repository, portal: PortalSpec, since: datetime, outcome: Outcome) -> None:
    """Mark a run the crawl left "running" as failed, or add one when it left none."""
    if outcome.problem is None:
        return
    name = portal.name
    if repo.fail_unfinished_runs(name, since, outcome.problem):
        return
    last = repo.last_run(name)
    if last is not None and last.started_at >= since:
        return  # the crawl recorded its own ending (a failed run exits with code 1)
    repo.ensure_portal(name, portal.title, portal.region)
    run_id = repo.start_run(name, full=False)
    repo.finish_run(run_id, status="failed", message=outcome.problem)
