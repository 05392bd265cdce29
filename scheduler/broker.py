"""Scale-out on Celery (docs/scaling.md, "Scale-out on Celery"): with a broker the daemon's
due portals become Celery tasks, one task a batch, and `govwatch worker` processes on any
machine run them.

- :func:`make_app` is the one Celery configuration: late acks, a task lost with its worker
  goes back to the queue, one task prefetched, the broker's visibility timeout a setting.
- :class:`BrokerRunner` is the daemon's runner (``run(portal)`` as CrawlRunner's): it gathers
  what falls due within the batch window, groups it by queue and host, sends each group as
  one batch and hands each waiting crawl job its portal's result.
- :class:`BatchWorker` runs a batch in a worker: under the host's lease (one batch per host
  at a time, across machines), each portal in turn through the worker's crawl service.

scheduler may not import crawler: the worker's crawl service is a command, and the portal
entries are parsed by a function the CLI passes in.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from celery import Celery

from scheduler.portal import PortalSpec
from scheduler.runner import ENDS, Outcome, record_failure
from scheduler.services import Pending, gather
from scheduler.settings import Settings
from storage import Repository, StorageError, holder_name, utcnow

logger = logging.getLogger(__name__)

TASK = "govwatch.batch"
DEFAULT_QUEUE = "govwatch"  # portals without a `queue:` of their own
BUSY = 4  # ENDS: another crawl held it, nothing recorded
# politeness settings a host's batch holds at the strictest of its portals' values
STRICTEST: dict[str, Callable[[Iterable[Any]], Any]] = {
    "DOWNLOAD_DELAY": max,
    "CONCURRENT_REQUESTS_PER_DOMAIN": min,
}


def make_app(url: str, settings: Settings) -> Celery:
    """The Celery app of the scheduler and the workers: the broker at ``url`` (redis:// or
    amqp://), results through the same Redis or, with RabbitMQ, its RPC replies."""
    backend = url if url.startswith(("redis://", "rediss://")) else "rpc://"
    app = Celery("govwatch", broker=url, backend=backend, set_as_current=False)
    visibility = settings.broker_visibility_timeout
    transport = {
        "visibility_timeout": visibility,
        # Redis: look for batches of lost workers a few times per visibility timeout
        "unacked_restore_interval": min(10, max(1, int(visibility / 5))),
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_acks_late=True,  # acknowledged when done: a batch lost with its worker is run again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds no batch it has not started
        task_default_queue=DEFAULT_QUEUE,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=max(3600, int(visibility) * 2),
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def portal_queue(portal: PortalSpec) -> str:
    return getattr(portal, "queue", None) or DEFAULT_QUEUE


def portal_host(portal: PortalSpec) -> str:
    """The host (and port) of the portal's first start URL: its politeness unit."""
    urls: list[str] = list(getattr(portal, "start_urls", None) or [])
    return urlsplit(urls[0]).netloc.lower() if urls else portal.name


def strictest(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries with each politeness setting at the strictest value any of them sets."""
    held: dict[str, Any] = {}
    for name, pick in STRICTEST.items():
        values = [e["settings"][name] for e in entries if name in (e.get("settings") or {})]
        if values:
            held[name] = pick(float(v) if name == "DOWNLOAD_DELAY" else int(v) for v in values)
    if not held:
        return entries
    return [{**e, "settings": {**(e.get("settings") or {}), **held}} for e in entries]


# -- the scheduler's side ----------------------------------------------------------------


def batch_message(
    host: str, queue_name: str, portals: list[tuple[dict[str, Any], float]]
) -> dict[str, Any]:
    """A batch as a task carries it: the host's portal entries (at the host's strictest
    limits), each with its deadline in seconds."""
    entries = strictest([entry for entry, _ in portals])
    return {
        "id": uuid.uuid4().hex,
        "host": host,
        "queue": queue_name,
        "enqueued": utcnow().isoformat(),
        "portals": [
            {"entry": e, "timeout": timeout}
            for e, (_, timeout) in zip(entries, portals, strict=True)
        ],
    }


@dataclass
class Sent:
    """A batch on the broker: its waiting crawl jobs, when it was queued, until when its
    result is waited for."""

    group: list[Pending]
    since: datetime
    deadline: float  # time.monotonic()


class BrokerRunner:
    """The daemon's runner with a broker: crawl jobs wait here for their portal's result
    while the batches run on workers. The workers record the runs; here only a batch that
    failed as a whole (its task raised) is recorded as a failed run of each portal."""

    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        app: Celery,
        entry: Callable[[PortalSpec], dict[str, Any]],
        poll: float = 0.5,
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.app = app
        self.entry = entry
        self.poll = poll
        self.stopping = threading.Event()
        self.queue: queue.Queue[Pending] = queue.Queue()
        self.sent: dict[str, Sent] = {}  # by task id
        self.lock = threading.Lock()
        threading.Thread(target=self._dispatch, name="batches", daemon=True).start()
        threading.Thread(target=self._collect, name="results", daemon=True).start()

    def running(self) -> list[str]:
        with self.lock:
            return sorted(w.portal.name for s in self.sent.values() for w in s.group)

    def run(self, portal: PortalSpec) -> Outcome:
        name = portal.name
        if self.stopping.is_set():
            return Outcome(name, None, "not started: the daemon is stopping")
        waiting = Pending(portal, self.entry(portal), self.settings.crawl_timeout_for(portal))
        self.queue.put(waiting)
        while not waiting.done.wait(self.poll):
            if self.stopping.is_set():
                break
        outcome = waiting.outcome or Outcome(name, None, "stopped at daemon shutdown")
        log = logger.warning if outcome.problem else logger.info
        log("crawl %s: %s", name, outcome.problem or outcome.status)
        return outcome

    def _dispatch(self) -> None:
        """Gather what falls due within the batch window; send one batch per queue and host."""
        while True:
            batch = gather(self.queue, self.settings)
            groups: dict[tuple[str, str], list[Pending]] = {}
            for w in batch:
                groups.setdefault((portal_queue(w.portal), portal_host(w.portal)), []).append(w)
            for (name, host), group in groups.items():
                self._send(name, host, group)

    def _send(self, queue_name: str, host: str, group: list[Pending]) -> None:
        message = batch_message(host, queue_name, [(w.entry, w.timeout) for w in group])
        try:
            sent = self.app.send_task(TASK, args=[message], queue=queue_name)
        except Exception as exc:  # the broker's error, whatever its kind: these are not run
            logger.error("batch for %s not queued (%s): %s", host, queue_name, exc)
            for w in group:
                w.outcome = Outcome(w.portal.name, None, f"not queued: {exc}")
                w.done.set()
            return
        logger.info("batch %s: %d portals of %s to queue %s", sent.id, len(group), host, queue_name)
        # its portals run one after another; a lost worker's batch comes back after the
        # visibility timeout. Past this its jobs stop waiting (it may still run).
        wait = (
            sum(w.timeout for w in group)
            + self.settings.broker_visibility_timeout
            + self.settings.lease_ttl
        )
        with self.lock:
            self.sent[sent.id] = Sent(group, utcnow(), time.monotonic() + wait)

    def _collect(self) -> None:
        """Poll the result backend for the batches sent (one thread: no result consumer
        shared between threads)."""
        while not self.stopping.wait(self.poll):
            with self.lock:
                ids = list(self.sent)
            for task_id in ids:
                try:
                    meta = self.app.backend.get_task_meta(task_id)
                except Exception as exc:  # the broker away: asked again next time
                    logger.warning("results not read: %s", exc)
                    break
                status = meta.get("status")
                with self.lock:
                    sent = self.sent[task_id]
                    if status in ("SUCCESS", "FAILURE") or time.monotonic() > sent.deadline:
                        del self.sent[task_id]
                    else:
                        continue
                if status == "SUCCESS":
                    self._deliver(sent.group, meta.get("result") or [])
                elif status == "FAILURE":
                    self._failed(sent, f"its batch failed on the worker: {meta.get('result')}")
                else:
                    for w in sent.group:  # not recorded: a worker may still be at it
                        logger.warning("crawl %s: no result from a worker in time", w.portal.name)
                        w.outcome = Outcome(w.portal.name, None, "no result from a worker in time")
                        w.done.set()

    def _deliver(self, group: list[Pending], results: list[Any]) -> None:
        found = {r["portal"]: r for r in results if isinstance(r, dict)}
        for w in group:
            result = found.get(w.portal.name, {"code": None, "error": "not in its batch's result"})
            code = result.get("code")
            problem = None if code in ENDS else result.get("error") or f"code {code}"
            w.outcome = Outcome(w.portal.name, code, problem)
            w.done.set()

    def _failed(self, sent: Sent, problem: str) -> None:
        """The batch's task ended in an error: nothing of it runs any more, so each
        portal's run left running, or a new one, is recorded as failed."""
        for w in sent.group:
            w.outcome = Outcome(w.portal.name, None, problem)
            try:
                record_failure(self.repo, w.portal, sent.since, w.outcome)
            except StorageError as exc:
                logger.error("crawl %s: failure not recorded: %s", w.portal.name, exc)
            w.done.set()

    def stop_all(self) -> None:
        """At shutdown the batches sent stay queued or running on their workers."""
        self.stopping.set()
        with self.lock:
            batches = list(self.sent.values())
        for sent in batches:
            for w in sent.group:
                w.outcome = Outcome(w.portal.name, None, "stopped at daemon shutdown")
                w.done.set()


# -- the worker's side -------------------------------------------------------------------


class PortalRunner(Protocol):
    def run(self, portal: PortalSpec) -> Outcome: ...


class BatchWorker:
    """Runs batches in a `govwatch worker`: the host's lease, then each portal in turn."""

    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        runner: PortalRunner,
        parse: Callable[[dict[str, Any]], PortalSpec],
        queues: list[str],
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.runner = runner
        self.parse = parse
        self.queues = queues
        self.name = holder_name("worker")
        self.host = self.name.split(" ")[1]
        self.started = utcnow()
        self.batch_ids = itertools.count(1)
        self.stopping = threading.Event()
        self._beat: threading.Thread | None = None

    def start(self) -> None:
        """Report itself now and every lease heartbeat (`govwatch status`)."""
        self._report(0)
        self._beat = threading.Thread(target=self._heartbeat, name="worker heartbeat", daemon=True)
        self._beat.start()

    def stop(self) -> None:
        self.stopping.set()

    def _heartbeat(self) -> None:
        while not self.stopping.wait(self.settings.lease_heartbeat):
            self._report(0)

    def _report(self, batches: int) -> None:
        try:
            self.repo.worker_beat(self.name, self.host, self.queues, self.started, batches)
        except StorageError as exc:
            logger.error("worker heartbeat not recorded: %s", exc)

    def run_batch(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """One result per portal: {"portal", "status", "code", "error"}."""
        lease = f"host:{message['host']}"
        holder = f"{self.name} batch {message['id']}"
        portals = [(self.parse(p["entry"]), float(p["timeout"])) for p in message["portals"]]
        names = [p.name for p, _ in portals]
        if not self.repo.acquire_lease(lease, holder, self.settings.lease_ttl):
            # a batch of this host runs elsewhere (or this one, redelivered, still does)
            other = self.repo.lease_holder(lease)
            why = f"host {message['host']} is being crawled by {other.holder if other else '?'}"
            logger.info("batch %s skipped: %s", message["id"], why)
            return [{"portal": n, "status": "busy", "code": BUSY, "error": why} for n in names]
        lost = threading.Event()
        done = threading.Event()
        beat = threading.Thread(
            target=self._hold, args=(lease, holder, done, lost), name=f"lease {lease}", daemon=True
        )
        beat.start()
        results: list[dict[str, Any]] = []
        try:
            for portal, _ in portals:
                if self.stopping.is_set() or lost.is_set():
                    why = "the worker is stopping" if self.stopping.is_set() else "host lease lost"
                    results.append(
                        {"portal": portal.name, "status": "failed", "code": None, "error": why}
                    )
                    continue
                outcome = self.runner.run(portal)
                results.append(
                    {
                        "portal": portal.name,
                        "status": outcome.status,
                        "code": outcome.exit_code,
                        "error": outcome.problem,
                    }
                )
        finally:
            done.set()
            beat.join()
            try:
                self.repo.release_lease(lease, holder)
            except StorageError as exc:  # it expires after its TTL
                logger.error("lease %s not released: %s", lease, exc)
        self._report(1)
        logger.info(
            "batch %s done: %s",
            message["id"],
            ", ".join(f"{r['portal']} {r['status']}" for r in results),
        )
        return results

    def _hold(self, lease: str, holder: str, done: threading.Event, lost: threading.Event) -> None:
        while not done.wait(self.settings.lease_heartbeat):
            try:
                if self.repo.renew_lease(lease, holder, self.settings.lease_ttl):
                    continue
            except StorageError as exc:
                logger.error("lease %s not renewed: %s", lease, exc)
                continue  # held until its expiry; the next renewal may pass
            logger.error("lease %s lost: the rest of the batch is not crawled", lease)
            lost.set()
            return


def register(app: Celery, worker: BatchWorker) -> None:
    """The batch task, run by ``worker`` (a worker process has one)."""

    @app.task(name=TASK, acks_late=True, reject_on_worker_lost=True)
    def batch(message: dict[str, Any]) -> list[dict[str, Any]]:
        return worker.run_batch(message)


# -- govwatch status ---------------------------------------------------------------------


@dataclass(frozen=True)
class QueueInfo:
    name: str
    depth: int | None  # None: the broker could not say
    oldest: datetime | None  # when the oldest waiting batch was queued (Redis only)


def queue_status(app: Celery, names: Iterable[str]) -> list[QueueInfo]:
    """Each queue's waiting batches and the oldest one's age, asked of the broker."""
    found = []
    with app.connection_for_read() as connection:
        channel: Any = connection.default_channel
        for name in sorted(set(names)):
            try:
                depth: int | None = int(
                    channel.queue_declare(queue=name, passive=True).message_count
                )
            except Exception:  # a queue nobody has used yet does not exist
                depth = 0
            oldest = _oldest(channel, name) if depth else None
            found.append(QueueInfo(name, depth, oldest))
    return found


def _oldest(channel: Any, name: str) -> datetime | None:
    client = getattr(channel, "client", None)  # Redis: the queue is a list, oldest last
    if client is None:
        return None
    try:
        raw = client.lindex(name, -1)
        body = json.loads(base64.b64decode(json.loads(raw)["body"]))
        return datetime.fromisoformat(body[0][0]["enqueued"]).astimezone(UTC)
    except Exception:  # not one of ours, or not readable: no age
        return None
