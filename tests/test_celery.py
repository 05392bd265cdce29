"""Scale-out on Celery (scheduler/broker.py, `govwatch worker`, `govwatch run --broker`):
batches grouped by queue and host, the host lease, then real parts on 127.0.0.1 started once
for the module: Debian's redis-server, PostgreSQL, three `govwatch worker` processes (two on
the default queue, one on `cn-east`) and mock portals. Every TTL is seconds here."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crawler.configfiles.portals import Portal
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from scheduler.broker import DEFAULT_QUEUE, BatchWorker, BrokerRunner, make_app, queue_status
from scheduler.runner import Outcome
from scheduler.settings import Settings
from storage import Repository
from tests.support import daemon as support
from tests.support.alerts import meeting, notice, write_alerts
from tests.support.daemon import INTERVAL, Daemon, publish, runs, wait_until
from tests.support.portal import (
    ROOT,
    govwatch,
    make_articles,
    portal_entry,
    serve,
    write_portals,
)
from tests.support.postgres import create_database
from tests.support.redis import RedisServer
from tests.support.smtp import SmtpServer

daemons, smtp = support.daemons, support.smtp  # fixtures

STYLE = SiteStyle(per_page=20)
LIST = "/xwzx/zwdt/index.html"
FAST = Settings(
    broker_visibility_timeout=6.0,
    lease_ttl=3.0,
    lease_heartbeat=1.0,
    service_batch_window=0.5,
    crawl_timeout=60.0,
    kill_grace=2.0,
)
WORKER_ENV = {
    "GOVWATCH_BROKER_VISIBILITY_TIMEOUT": "6s",
    "GOVWATCH_LEASE_TTL": "3s",
    "GOVWATCH_LEASE_HEARTBEAT": "1s",
    "GOVWATCH_KILL_GRACE": "2s",
}
# the portal's own lease as short, for a crawl left behind by a killed worker
PORTAL_LEASE = {"GOVWATCH_LEASE_TTL": "3s", "GOVWATCH_LEASE_HEARTBEAT": "1s", "RETRY_TIMES": 0}


def portal(name: str, url: str, **extra: Any) -> Portal:
    settings = {**PORTAL_LEASE, **extra.pop("settings", {})}
    return Portal.model_validate(portal_entry(name, url, settings=settings, **extra))


def entry(p: Any) -> dict[str, Any]:
    return p.model_dump(mode="json")  # type: ignore[no-any-return]


# -- batching, without a broker ---------------------------------------------------------


@dataclass
class Sent:
    id: str


@dataclass
class FakeApp:
    """send_task and the result backend of a Celery app: every batch finishes at once."""

    batches: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    error: str | None = None  # every task raises this instead

    def send_task(self, name: str, args: list[Any], queue: str) -> Sent:
        self.batches.append((queue, args[0]))
        return Sent(args[0]["id"])

    @property
    def backend(self) -> FakeApp:
        return self

    def get_task_meta(self, task_id: str) -> dict[str, Any]:
        if self.error:
            return {"status": "FAILURE", "result": self.error}
        message = next(m for _, m in self.batches if m["id"] == task_id)
        results = [
            {"portal": p["entry"]["name"], "status": "finished", "code": 0, "error": None}
            for p in message["portals"]
        ]
        return {"status": "SUCCESS", "result": results}


def test_due_portals_go_in_one_batch_per_queue_and_host_at_the_strictest_delay(
    sqlite_url: str,
):
    portals = [
        portal("a1", "http://a.example/1/", settings={"DOWNLOAD_DELAY": 2}),
        portal("a2", "http://a.example/2/", settings={"DOWNLOAD_DELAY": 5}),
        portal("b1", "http://b.example/1/"),
        portal("a3", "http://a.example/3/", queue="cn-east"),
    ]
    app = FakeApp()
    repo = Repository.open(sqlite_url)
    runner = BrokerRunner(repo, FAST, app, entry, poll=0.05)  # type: ignore[arg-type]
    try:
        with ThreadPoolExecutor(len(portals)) as pool:
            outcomes = list(pool.map(runner.run, portals))
    finally:
        runner.stop_all()
        repo.close()
    assert [o.status for o in outcomes] == ["finished"] * 4
    batches = {(q, m["host"]): [p["entry"] for p in m["portals"]] for q, m in app.batches}
    assert len(app.batches) == 3
    assert sorted(e["name"] for e in batches[(DEFAULT_QUEUE, "a.example")]) == ["a1", "a2"]
    # one host's limit is the strictest of its portals'
    assert {e["settings"]["DOWNLOAD_DELAY"] for e in batches[(DEFAULT_QUEUE, "a.example")]} == {5.0}
    assert [e["name"] for e in batches[(DEFAULT_QUEUE, "b.example")]] == ["b1"]
    assert [e["name"] for e in batches[("cn-east", "a.example")]] == ["a3"]


def test_a_batch_that_failed_on_its_worker_is_recorded_as_failed_runs(sqlite_url: str):
    repo = Repository.open(sqlite_url)
    runner = BrokerRunner(repo, FAST, FakeApp(error="ValidationError: queue"), entry, poll=0.05)  # type: ignore[arg-type]
    try:
        outcome = runner.run(portal("broken", "http://a.example/1/"))
        assert outcome.status == "failed" and "ValidationError" in (outcome.problem or "")
        last = repo.last_run("broken")
        assert last is not None and last.status == "failed"
        assert "ValidationError" in (last.message or "")
    finally:
        runner.stop_all()
        repo.close()


class FakeRunner:
    def __init__(self) -> None:
        self.ran: list[str] = []

    def run(self, portal: Any) -> Outcome:
        self.ran.append(portal.name)
        return Outcome(portal.name, 0, None)


def test_a_batch_whose_host_is_crawled_elsewhere_is_skipped(sqlite_url: str):
    repo = Repository.open(sqlite_url)
    runner = FakeRunner()
    worker = BatchWorker(repo, FAST, runner, Portal.model_validate, [DEFAULT_QUEUE])
    message = {
        "id": "b1",
        "host": "a.example",
        "portals": [
            {"entry": entry(portal(n, f"http://a.example/{n}/")), "timeout": 60}
            for n in ("a1", "a2")
        ],
    }
    try:
        assert repo.acquire_lease("host:a.example", "worker elsewhere pid 1 batch b1", 60)
        skipped = worker.run_batch(message)  # a redelivered batch whose first run is alive
        assert [(r["portal"], r["status"]) for r in skipped] == [("a1", "busy"), ("a2", "busy")]
        assert runner.ran == []
        repo.release_lease("host:a.example", "worker elsewhere pid 1 batch b1")
        done = worker.run_batch(message)
        assert [(r["portal"], r["status"]) for r in done] == [
            ("a1", "finished"),
            ("a2", "finished"),
        ]
        assert runner.ran == ["a1", "a2"]  # one host's portals one after another
        assert repo.lease_holder("host:a.example") is None
        [me] = repo.workers()
        assert me.name == worker.name and me.batches == 1
    finally:
        repo.close()


def test_a_worker_refuses_sqlite(sqlite_url: str):
    result = govwatch("worker", "--broker", "redis://127.0.0.1:1/0", "--db", sqlite_url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PostgreSQL" in lines[0], result.stderr


# -- real parts --------------------------------------------------------------------------


class Worker:
    def __init__(self, tmp: Path, index: int, broker: str, db: str, queues: list[str]) -> None:
        self.log_path = tmp / f"worker{index}.log"
        self.command = [
            sys.executable,
            "-m",
            "crawler.cli",
            "worker",
            "--broker",
            broker,
            "--db",
            db,
            "--concurrency",
            "2",
            *[a for q in queues for a in ("--queue", q)],
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), **WORKER_ENV}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Cluster:
    redis: RedisServer
    db: str
    workers: list[Worker]
    repo: Repository

    def ensure(self) -> None:
        """Every worker running (a test may have killed one), each seen in the workers table."""
        for worker in self.workers:
            if not worker.alive():
                worker.start()
        wait_until(
            lambda: (
                {f"pid {w.pid}" for w in self.workers}
                <= {n.name[n.name.rindex("pid") :] for n in self.repo.workers()}
            ),
            timeout=60,
            what="workers reporting",
        )

    def runner(self) -> BrokerRunner:
        return BrokerRunner(self.repo, FAST, make_app(self.redis.url, FAST), entry, poll=0.2)

    def worker_of(self, pid: int) -> Worker:
        return next(w for w in self.workers if w.pid == pid)


@pytest.fixture(scope="module")
def cluster(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("celery")
    redis = RedisServer().start()
    db = create_database(pg_server, "govwatch_celery")
    repo = Repository.open(db)  # the schema first, then the workers
    workers = [
        Worker(tmp, 1, redis.url, db, []),
        Worker(tmp, 2, redis.url, db, []),
        Worker(tmp, 3, redis.url, db, ["cn-east"]),
    ]
    found = Cluster(redis, db, workers, repo)
    try:
        found.ensure()
        yield found
    finally:
        for worker in workers:
            worker.stop()
        repo.close()
        redis.remove()


class Held:
    """Holds the list page of a site until released, counting requests in flight at once."""

    def __init__(self, site: PortalSite) -> None:
        self.hit = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        site.handlers.append(self)

    def __call__(self, path: str, headers: dict[str, str]) -> None:
        if not path.startswith(LIST):
            return None
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        self.hit.set()
        self.release.wait(60)
        with self.lock:
            self.now -= 1
        return None


@pytest.fixture
def sites() -> Iterator[list[PortalSite]]:
    started = [PortalSite().start() for _ in range(2)]
    for i, site in enumerate(started):
        serve(site, STYLE, make_articles(3, prefix=f"c{i}"))
    yield started
    for site in started:
        site.stop()


def urls_of(repo: Repository, name: str) -> list[str]:
    return [r["url"] for r in repo.export() if r["portal"] == name]


def host_holder_pid(repo: Repository, site: PortalSite) -> int | None:
    host = site.url("/").split("//")[1].rstrip("/")
    lease = repo.lease_holder(f"host:{host}")
    found = re.search(r"pid (\d+)", lease.holder) if lease else None
    return int(found.group(1)) if found else None


def test_a_queued_portal_is_taken_only_by_a_worker_of_its_queue(
    cluster: Cluster, sites: list[PortalSite]
):
    cluster.ensure()
    plain = portal("route_plain", sites[0].url(LIST))
    east = portal("route_east", sites[1].url(LIST), queue="cn-east")
    runner = cluster.runner()
    try:
        with ThreadPoolExecutor(2) as pool:
            outcomes = {o.portal: o for o in pool.map(runner.run, [plain, east])}
    finally:
        runner.stop_all()
    assert {o.status for o in outcomes.values()} == {"finished"}, outcomes
    east_log = cluster.workers[2].log()
    assert "route_east finished" in east_log and "route_plain" not in east_log
    assert all("route_east" not in w.log() for w in cluster.workers[:2])
    assert len(urls_of(cluster.repo, "route_east")) == 3


def crawl_through_a_fault(
    cluster: Cluster, site: PortalSite, name: str, fault: Callable[[], None]
) -> Outcome:
    """Crawl ``name`` on ``site`` through the workers; ``fault()`` while its list page is
    held, then it is let go. Afterwards: each record stored once, never two crawls at once,
    every run recorded with its end."""
    held = Held(site)
    runner = cluster.runner()
    outcome: list[Outcome] = []
    try:
        thread = threading.Thread(
            target=lambda: outcome.append(runner.run(portal(name, site.url(LIST))))
        )
        thread.start()
        assert held.hit.wait(60)
        fault()
        held.release.set()
        thread.join(120)
        assert outcome, "no result"
    finally:
        held.release.set()
        runner.stop_all()
    assert outcome[0].status in ("finished", "busy"), outcome
    urls = urls_of(cluster.repo, name)
    assert len(urls) == len(set(urls)) == 3
    assert held.most == 1  # never crawled by two at once
    for run in cluster.repo.runs(name):
        assert run.status in ("finished", "partial", "failed"), run
        assert run.finished_at is not None, run
    return outcome[0]


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    cluster: Cluster, sites: list[PortalSite]
):
    cluster.ensure()
    killed: list[Worker] = []

    def kill() -> None:
        pid = wait_until(lambda: host_holder_pid(cluster.repo, sites[0]), 30, what="host lease")
        victim = cluster.worker_of(pid)
        os.kill(victim.pid, signal.SIGKILL)  # its crawl service, left alone, ends its batch
        victim.process.wait()  # type: ignore[union-attr]
        killed.append(victim)

    # the batch comes back after the visibility timeout and another worker runs it
    crawl_through_a_fault(cluster, sites[0], "killed", kill)
    others = [w for w in cluster.workers if w is not killed[0]]
    assert any("killed" in w.log() for w in others), "not run again by another worker"


def test_redis_restarted_mid_run(cluster: Cluster, sites: list[PortalSite]):
    cluster.ensure()
    pids = [w.pid for w in cluster.workers]

    def restart() -> None:
        cluster.redis.stop()
        cluster.redis.start()

    crawl_through_a_fault(cluster, sites[1], "restarted", restart)
    # the workers lived through it and take batches again
    assert [w.pid for w in cluster.workers if w.alive()] == pids
    second = cluster.runner()
    try:
        assert second.run(portal("restarted", sites[1].url(LIST))).status == "finished"
    finally:
        second.stop_all()


def test_status_shows_the_workers_and_the_queues(cluster: Cluster, tmp_path: Path):
    cluster.ensure()
    app = make_app(cluster.redis.url, FAST)
    app.send_task(
        "govwatch.nothing", args=[{"enqueued": "2026-01-01T00:00:00+00:00"}], queue="idle"
    )
    [idle] = queue_status(app, ["idle"])
    assert idle.depth == 1 and idle.oldest is not None and idle.oldest.year == 2026
    portals = write_portals(
        tmp_path / "portals.yaml",
        [portal_entry("east", "http://east.example/", queue="cn-east")],
    )
    result = govwatch(
        "status", "--db", cluster.db, "--broker", cluster.redis.url, "--portals", str(portals)
    )
    assert result.returncode == 0, result.stderr
    for worker in cluster.workers:
        assert f"pid {worker.pid}" in result.stdout
    assert "queue govwatch: 0 batches waiting" in result.stdout
    assert "queue cn-east: 0 batches waiting" in result.stdout


def test_the_active_scheduler_killed_another_takes_over_and_each_alert_goes_once(
    cluster: Cluster, tmp_path: Path, smtp: SmtpServer, daemons: list[Daemon]
):
    cluster.ensure()
    site = PortalSite().start()
    try:
        old = [meeting("t1", 1), notice("tn1", 1)]
        publish(site, old)
        portals = write_portals(
            tmp_path / "portals.yaml",
            [portal_entry("takeover", site.url(LIST), title="渭滨区人民政府", schedule="1m")],
        )
        alerts = write_alerts(
            tmp_path / "alerts.yaml", smtp.smtp_config(), [{"name": "desk", "to": "a@example.org"}]
        )
        env = {
            "GOVWATCH_BROKER": cluster.redis.url,
            "GOVWATCH_SCHEDULER_LEASE_TTL": "4s",
            "GOVWATCH_SCHEDULER_LEASE_HEARTBEAT": "1s",
            **WORKER_ENV,
        }
        first = Daemon(tmp_path, portals, alerts, cluster.db, **env).start()
        daemons.append(first)
        wait_until(lambda: runs(cluster.repo, "takeover", "finished"), 60, "the baseline", first)
        second = Daemon(tmp_path, portals, alerts, cluster.db, **env).start()
        daemons.append(second)
        wait_until(lambda: "waiting to take over" in second.log(), 60, "the second waiting")

        # the first email is taken by the server, whose answer never reaches the first daemon
        smtp.mailbox.hold.set()
        new = [meeting(f"tnew{i}", 20 + i, day=21) for i in range(3)]
        publish(site, [*new, *old])
        wait_until(smtp.mailbox.holding.is_set, INTERVAL + 60, "the first email", first)
        first.signal(signal.SIGKILL)
        first.wait()
        smtp.mailbox.hold.clear()
        smtp.mailbox.release.set()
        wait_until(
            lambda: "now the active one" in second.log(), 30, "the second taking over", second
        )
        wait_until(
            lambda: cluster.repo.count_messages().get("sent") == 3, 60, "three emails", second
        )
        ids = [r.message_id for r in smtp.mailbox.all()]
        assert len(set(ids)) == 3 and len(ids) <= 4  # at most one repeat...
        assert ids.count(ids[0]) == len(ids) - 2  # ...and only of the one in flight
        urls = urls_of(cluster.repo, "takeover")
        assert len(urls) == len(set(urls)) == 5
        for run in cluster.repo.runs("takeover", limit=100):
            assert run.finished_at is not None and run.status != "failed", run
        # the crawls were the workers': the daemons started no crawl service of their own
        assert "crawl service" not in first.log() + second.log()
    finally:
        smtp.mailbox.release.set()
        site.stop()
