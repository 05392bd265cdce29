"""``govwatch run`` (the daemon) and ``govwatch status``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crawler.cli.common import (
    Commands,
    alerts_config,
    alerts_path,
    db_url,
    local_time,
    portals_path,
    scheduler_settings,
    selected_portals,
)
from crawler.cli.worker import add_broker_option, broker_url
from crawler.exceptions import GovwatchError

if TYPE_CHECKING:
    from scheduler.broker import QueueInfo
    from scheduler.settings import Settings
    from scheduler.status import OutboxStatus, PortalStatus
    from storage import WorkerInfo


def cmd_run(args: argparse.Namespace) -> int:
    """Run the daemon: schedule every portal, crawl, send alerts, until stopped."""
    from crawler.configfiles.portals import load_portals, portal_files
    from scheduler.daemon import Daemon
    from storage import Repository

    settings = scheduler_settings()
    broker = broker_url(args)
    portals = portals_path(args).resolve()
    alerts = alerts_path(args)[0].resolve()
    crawl = [sys.executable, "-m", "crawler.cli", "--portals", str(portals)]
    service = [sys.executable, "-m", "crawler.service", "--portals", str(portals)]
    if args.verbose or args.quiet:
        crawl.append("--verbose" if args.verbose else "--quiet")
        service.append(crawl[-1])
    if args.log_file:  # the crawls log to the daemon's file too (appends, line by line)
        crawl += ["--log-file", os.path.abspath(args.log_file)]
    repo = Repository.open(db_url(args, create=True))
    try:
        daemon = Daemon(
            settings,
            repo,
            load_portals=lambda: load_portals(portals),
            load_alerts=lambda: alerts_config(args),
            crawl_command=lambda name: [*crawl, "crawl", name],
            # batches of loaded entries (a reloaded file reaches it) to long-lived crawls
            service=(service, lambda portal: portal.model_dump(mode="json")),  # type: ignore[attr-defined]
            # every portal file (a directory's or a glob's, listed again at each check)
            watched=lambda: [*portal_files(portals), alerts],
            # crawls get the database URL in their environment: a password stays out of `ps`
            env={
                **os.environ,
                "GOVWATCH_DB": db_url(args, create=True),
                "GOVWATCH_ALERTS": str(alerts),
            },
            broker=broker,  # due portals to `govwatch worker`s instead of local crawl services
        )
        return daemon.run()
    finally:
        repo.close()


def cmd_status(args: argparse.Namespace) -> int:
    """Show each portal's health, last and next run, last new meeting, and the outbox."""
    from crawler.tables import format_table
    from scheduler.status import outbox_status, portal_status, scheduler_status
    from scheduler.times import legend
    from storage import Repository

    settings = scheduler_settings()
    portals = selected_portals(args)
    broker = broker_url(args)
    repo = Repository.open(db_url(args))
    try:
        rows = portal_status(repo, portals, settings.zone)
        outbox = outbox_status(repo)
        active = scheduler_status(repo, settings.zone)
        workers = repo.workers()
    finally:
        repo.close()
    queues = broker_queues(broker, settings, portals, workers) if broker else []
    failing = [r.name for r in rows if r.health == "failing"]
    code = 1 if args.check and failing else 0
    if args.json:
        found = status_json(rows, outbox, active, settings)
        found["workers"] = [{**asdict(w), "live": live(w, settings)} for w in workers]
        found["queues"] = [asdict(q) for q in queues]
        print(json.dumps(found, ensure_ascii=False, indent=2, default=str))
        return code
    headers = ("portal", "health", "last run", "next run", "last meeting", "stored", "meetings")
    table = [
        (
            r.name,
            r.health,
            r.last_run,
            local_time(r.next_run, settings),
            r.last_meeting.isoformat() if r.last_meeting else "",
            r.announcements,
            r.meetings,
        )
        for r in rows
    ]
    print(active + "\n")
    print(format_table(headers, table))
    for r in rows:
        if r.problem:
            print(f"\n{r.name}: {r.problem}")
    counts = outbox.messages
    print(
        f"\nalert emails: {counts.get('pending', 0) + counts.get('sending', 0)} pending, "
        f"{counts.get('held', 0)} held, {counts.get('failed', 0)} given up, "
        f"{counts.get('sent', 0)} sent; {outbox.unmatched} new announcements not matched yet; "
        f"{sum(outbox.waiting.values())} waiting for a digest"
    )
    print_workers(workers, queues, settings)
    print(legend(settings.zone))
    if code:
        print(f"\nfailing: {', '.join(failing)}", file=sys.stderr)
    return code


def live(worker: WorkerInfo, settings: Settings) -> bool:
    """Whether a worker has reported within three heartbeats."""
    from storage import utcnow

    return (utcnow() - worker.heartbeat_at).total_seconds() < 3 * settings.lease_heartbeat


def broker_queues(
    broker: str, settings: Settings, portals: Sequence[Any], workers: Sequence[WorkerInfo]
) -> list[QueueInfo]:
    """The default queue, the portals' and the workers' queues, as the broker has them."""
    from scheduler.broker import DEFAULT_QUEUE, make_app, portal_queue, queue_status

    names = {DEFAULT_QUEUE, *(portal_queue(p) for p in portals)}
    names.update(q for w in workers for q in w.queues)
    try:
        return queue_status(make_app(broker, settings), names)
    except Exception as exc:  # the broker's error, whatever its kind: said in one line
        raise GovwatchError(f"--broker / GOVWATCH_BROKER: cannot read the queues: {exc}") from None


def print_workers(
    workers: Sequence[WorkerInfo], queues: Sequence[QueueInfo], settings: Settings
) -> None:
    """The workers (`govwatch worker`) and the queues, when there are any."""
    from crawler.tables import format_table
    from storage import utcnow

    now = utcnow()
    if workers:
        table = [
            (
                w.name,
                w.host,
                ",".join(w.queues),
                f"{local_time(w.heartbeat_at, settings)} "
                f"({(now - w.heartbeat_at).total_seconds():.0f}s ago)",
                "live" if live(w, settings) else "gone",
                w.batches,
            )
            for w in workers
        ]
        headers = ("worker", "host", "queues", "last heartbeat", "state", "batches")
        print("\n" + format_table(headers, table, limit=60))
    for q in queues:
        oldest = ""
        if q.oldest is not None:
            oldest = f", the oldest queued {(now - q.oldest).total_seconds():.0f}s ago"
        depth = "?" if q.depth is None else q.depth
        print(f"queue {q.name}: {depth} batches waiting{oldest}")


def status_json(
    rows: Sequence[PortalStatus], outbox: OutboxStatus, active: str, settings: Settings
) -> dict[str, Any]:
    """`status --json`: the same facts, times ISO 8601 in the display zone (with offset)."""

    def iso(value: datetime | None) -> str | None:
        return value.astimezone(settings.zone).isoformat() if value else None

    return {
        "scheduler": active.removeprefix("scheduler: "),
        "portals": [
            {
                **asdict(r),
                "next_run": iso(r.next_run),
                "last_meeting": r.last_meeting.isoformat() if r.last_meeting else None,
            }
            for r in rows
        ],
        "outbox": asdict(outbox),
    }


def register(commands: Commands) -> None:
    p = commands.add("run", cmd_run)
    add_broker_option(p, "due portals become batches for `govwatch worker`s")
    p = commands.add("status", cmd_status)
    add_broker_option(p, "also show its queues")
    p.add_argument("--json", action="store_true", help="the same, as one JSON object")
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a portal is failing (for monitors; with or without --json)",
    )
