"""``govwatch worker``: runs the batches a ``govwatch run --broker`` schedules, on any machine
(docs/scaling.md, "Scale-out on Celery"); and the ``--broker`` option of run and status."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import replace
from typing import Any

from crawler.cli.common import Commands, db_url, scheduler_settings
from crawler.exceptions import ConfigError

logger = logging.getLogger(__name__)

BROKER_EXAMPLE = "redis://host:6379/0"
RESTARTS = 5  # of Celery's worker in this process after an error; then exit 1 for a supervisor


def add_broker_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--broker",
        metavar="URL",
        help=f"Celery broker ({BROKER_EXAMPLE}, or amqp://…): {what} (default: $GOVWATCH_BROKER)",
    )


def broker_url(args: argparse.Namespace) -> str | None:
    """--broker, GOVWATCH_BROKER, or None (no broker: one machine, as without Celery)."""
    url = (getattr(args, "broker", None) or os.environ.get("GOVWATCH_BROKER") or "").strip()
    if url and not url.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
        raise ConfigError(f"--broker / GOVWATCH_BROKER: {url!r} is not a redis:// or amqp:// URL")
    return url or None


def cmd_worker(args: argparse.Namespace) -> int:
    """Run batches of portals from the broker (needs --broker and a PostgreSQL --db)."""
    from storage import sqlite_file

    broker = broker_url(args)
    if broker is None:
        raise ConfigError(
            f"--broker / GOVWATCH_BROKER: a worker needs the broker ({BROKER_EXAMPLE})"
        )
    if args.concurrency < 1:
        raise ConfigError(f"--concurrency {args.concurrency}: at least 1 batch at once")
    url = db_url(args, create=True)  # SQLite is refused below, whether or not it exists
    if sqlite_file(url) is not None:
        raise ConfigError(
            "--db / GOVWATCH_DB: a worker needs the scheduler's PostgreSQL database "
            "(postgresql://user@host/govwatch), not a SQLite file of one machine"
        )
    from crawler.configfiles.portals import Portal
    from scheduler.broker import DEFAULT_QUEUE, BatchWorker, make_app, register
    from scheduler.services import ServiceRunner
    from storage import Repository

    # the batch is the worker's unit already: its portals go to the crawl service at once
    settings = replace(scheduler_settings(), service_batch_window=0.01)
    queues = args.queue or [DEFAULT_QUEUE]
    # the entries come with each batch: the crawl service reads no portal file of its own
    empty = tempfile.mkdtemp(prefix="govwatch-worker-")
    service = [sys.executable, "-m", "crawler.service", "--portals", empty]
    if args.verbose or args.quiet:
        service.append("--verbose" if args.verbose else "--quiet")
    repo = Repository.open(url)
    runner = ServiceRunner(
        repo,
        settings,
        service,
        lambda portal: portal.model_dump(mode="json"),  # type: ignore[attr-defined]
        env={**os.environ, "GOVWATCH_DB": url},  # a password stays out of `ps`
    )
    worker = BatchWorker(repo, settings, runner, Portal.model_validate, queues)
    app = make_app(broker, settings)
    register(app, worker)
    worker.start()
    logger.info(
        "govwatch worker %s: queues %s, %d at once",
        worker.name,
        ", ".join(queues),
        args.concurrency,
    )
    try:
        return consume(app, args, queues)
    finally:
        worker.stop()
        runner.stop_all()
        repo.close()
        shutil.rmtree(empty, ignore_errors=True)


def consume(app: Any, args: argparse.Namespace, queues: list[str]) -> int:
    """Celery's worker until SIGTERM / SIGINT (batches under way are finished first). Its
    consumer can die of the broker's restart (kombu closing a dead connection, the batch
    under way redelivered): it is started again here, a few times, not the crawl service."""
    from celery.worker import state

    for attempt in range(1, RESTARTS + 2):
        celery_worker = app.Worker(
            hostname=f"govwatch{os.getpid()}@%h",
            pool_cls="threads",
            concurrency=args.concurrency,
            queues=queues,
            loglevel="DEBUG" if args.verbose else "WARNING" if args.quiet else "INFO",
            without_gossip=True,
            without_mingle=True,
            without_heartbeat=True,
            quiet=True,
        )
        celery_worker.start()
        code = int(celery_worker.exitcode or 0)
        signalled = state.should_stop is not None or state.should_terminate is not None
        if code == 0 or signalled or attempt > RESTARTS:
            return code
        logger.error(
            "the Celery worker stopped on an error (above); starting it again (%d of %d)",
            attempt,
            RESTARTS,
        )
    return 1


def register(commands: Commands) -> None:
    p = commands.add("worker", cmd_worker)
    add_broker_option(p, "where the scheduler queues batches")
    p.add_argument(
        "--queue",
        action="append",
        metavar="NAME",
        help="take batches of this queue only (repeatable; default: govwatch, the queue of "
        "portals without a `queue:`)",
    )
    p.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help="batches at once (default 4)"
    )
