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

if TYPE_CHECKING:
    from scheduler.settings import Settings
    from scheduler.status import OutboxStatus, PortalStatus


def cmd_run(args: argparse.Namespace) -> int:
    """Run the daemon: schedule every portal, crawl, send alerts, until stopped."""
    from crawler.configfiles.portals import load_portals, portal_files
    from scheduler.daemon import Daemon
    from storage import Repository

    settings = scheduler_settings()
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
    repo = Repository.open(db_url(args))
    try:
        rows = portal_status(repo, portals, settings.zone)
        outbox = outbox_status(repo)
        active = scheduler_status(repo, settings.zone)
    finally:
        repo.close()
    failing = [r.name for r in rows if r.health == "failing"]
    code = 1 if args.check and failing else 0
    if args.json:
        print(json.dumps(status_json(rows, outbox, active, settings), ensure_ascii=False, indent=2))
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
    print(legend(settings.zone))
    if code:
        print(f"\nfailing: {', '.join(failing)}", file=sys.stderr)
    return code


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
    commands.add("run", cmd_run)
    p = commands.add("status", cmd_status)
    p.add_argument("--json", action="store_true", help="the same, as one JSON object")
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a portal is failing (for monitors; with or without --json)",
    )
