"""Celery workers: checks per hour and CPU per unchanged check with one and with two
`govwatch worker` processes (docs/scaling.md, "Scale-out on Celery").

The incremental benchmark's virtual portals, spread over several nginx servers on 127.0.0.1
(one "host" each: a host's portals go in one batch, crawled one after another under its
lease); their baseline crawled into PostgreSQL first. Redis is the broker. For each worker
count: the workers start and report, a warm-up round of every portal (crawl services
started, robots.txt fetched) is not measured, then ``rounds`` rounds, each every host's
batch queued at once and waited for, are timed. The CPU is the workers' and their crawl
services' from /proc (live and waited-for descendants), divided by the checks done.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import incremental
from bench.common import ROOT, Options, Result, fmt
from bench.daemon import _children, _cpu, govwatch_ready, virtual_portals
from bench.nginx import nginx_server
from crawler.configfiles.portals import load_portals
from scheduler.broker import DEFAULT_QUEUE, TASK, batch_message, make_app
from scheduler.settings import Settings
from storage import Repository
from tests.support.portal import portal_entry, write_portals
from tests.support.postgres import create_database, postgres_server
from tests.support.redis import RedisServer

logger = logging.getLogger(__name__)

NAME = "workers"
TARGET_OVERHEAD = 0.10  # two workers: CPU per check within 10 % of one worker's
CONCURRENCY = 4  # batches at once per worker


def start_workers(count: int, broker: str, db: str, work: Path) -> list[subprocess.Popen[bytes]]:
    started = []
    for i in range(count):
        log = (work / f"worker{count}-{i}.log").open("ab")
        started.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crawler.cli",
                    "-q",
                    "worker",
                    "--broker",
                    broker,
                    "--db",
                    db,
                    "--concurrency",
                    str(CONCURRENCY),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        )
        log.close()
    return started


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        process.terminate()
    for process in workers:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def one_round(app: Any, batches: dict[str, list[dict[str, Any]]], timeout: float) -> int:
    """Every host's batch queued at once; the finished checks once all have answered."""
    sent = [
        app.send_task(
            TASK,
            args=[batch_message(host, DEFAULT_QUEUE, [(e, 60.0) for e in entries])],
            queue=DEFAULT_QUEUE,
        )
        for host, entries in batches.items()
    ]
    deadline = time.monotonic() + timeout
    while not all(s.ready() for s in sent):
        if time.monotonic() > deadline:
            raise RuntimeError(f"batches not done within {timeout:g}s")
        time.sleep(0.1)
    return sum(1 for s in sent for r in s.get() if r["status"] == "finished")


def measure(
    count: int,
    app: Any,
    broker: str,
    db: str,
    batches: dict[str, list[dict[str, Any]]],
    rounds: int,
    work: Path,
) -> dict[str, Any]:
    workers = start_workers(count, broker, db, work)
    try:
        repo = Repository.open(db)
        try:
            deadline = time.monotonic() + 120
            while len([w for w in repo.workers() if w.heartbeat_at]) < count:
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not report")
                time.sleep(0.2)
        finally:
            repo.close()
        # warm-up, not measured: every worker's crawl service started, robots.txt fetched
        for _ in range(10):
            one_round(app, batches, 600)
            if all(_children(w.pid) for w in workers):
                break
        cpu_before = sum(_cpu(w.pid) for w in workers)
        started = time.perf_counter()
        checks = sum(one_round(app, batches, 600) for _ in range(rounds))
        wall = time.perf_counter() - started
        cpu = sum(_cpu(w.pid) for w in workers) - cpu_before
    finally:
        stop_workers(workers)
    return {
        "workers": count,
        "checks": checks,
        "wall_s": wall,
        "cpu_s": cpu,
        "checks_per_hour": checks / wall * 3600,
        "ms_per_check": 1000 * cpu / max(1, checks),
    }


def run(options: Options) -> Result:
    result = Result(NAME, "Celery workers: unchanged checks per hour, one and two workers")
    if not govwatch_ready("worker"):
        result.blocked = "`govwatch worker` is not in this checkout yet"
        return result
    portals = 40 if options.quick else int(os.environ.get("BENCH_PORTALS", 1000))
    hosts = 4 if options.quick else 20
    rounds = 1 if options.quick else 3
    work, root, _ = virtual_portals(options.workdir / NAME, portals)
    runs: list[dict[str, Any]] = []
    with ExitStack() as stack:
        servers = [stack.enter_context(nginx_server(root)) for _ in range(hosts)]
        entries = [
            portal_entry(
                f"p{i:04d}",
                f"{servers[i % hosts].base_url}{incremental.style(i).root}index.html",
            )
            for i in range(portals)
        ]
        path = write_portals(work / "portals.yaml", entries)
        pg = stack.enter_context(postgres_server())
        redis = RedisServer().start()
        stack.callback(redis.remove)
        settings = Settings()
        app = make_app(redis.url, settings)
        for count in (1, 2):
            db = create_database(pg, f"bench_workers_{count}")
            incremental.crawl(path, db, work / f"baseline-{count}.log")
            batches: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for portal in load_portals(path):
                host = portal.start_urls[0].split("/")[2]
                batches[host].append(portal.model_dump(mode="json"))
            runs.append(measure(count, app, redis.url, db, batches, rounds, work))
            logger.info("workers: %s", runs[-1])
    result.data.update(portals=portals, hosts=hosts, rounds=rounds, runs=runs)
    one, two = runs
    for r in runs:
        result.add(
            f"{r['workers']} worker{'s' if r['workers'] > 1 else ''} (concurrency "
            f"{CONCURRENCY}): unchanged checks per hour",
            f"{r['checks_per_hour']:,.0f}",
            note=f"{r['checks']} checks in {fmt(r['wall_s'])} s, {portals} portals on {hosts} hosts",
        )
        result.add(
            f"{r['workers']} worker{'s' if r['workers'] > 1 else ''}: CPU per unchanged check",
            f"{fmt(r['ms_per_check'])} ms",
            note="workers and their crawl services, from /proc",
        )
    overhead = two["ms_per_check"] / max(one["ms_per_check"], 1e-9) - 1
    result.add(
        "two workers' CPU per check against one's",
        f"{overhead:+.0%}",
        f"≤ +{TARGET_OVERHEAD:.0%}",
        overhead <= TARGET_OVERHEAD,
    )
    return result
