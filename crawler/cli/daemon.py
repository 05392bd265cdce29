"""``govwatch run`` (the daemon) and ``govwatch status``."""

from __future__ import annotations

import argparse
import os
import sys

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


def cmd_run(args: argparse.Namespace) -> int:
    """Run the daemon: schedule every portal, crawl, send alerts, until stopped."""
    from crawler.configfiles.portals import load_portals, portal_files
    from scheduler.daemon import Daemon
    from storage import Repository

    settings = scheduler_settings()
    portals = portals_path(args).resolve()
    alerts = alerts_path(args)[0].resolve()
    crawl = [sys.executable, "-m", "crawler.cli", "--portals", str(portals)]
    if args.verbose or args.quiet:
        crawl.append("--verbose" if args.verbose else "--quiet")
    repo = Repository.open(db_url(args))
    try:
        daemon = Daemon(
            settings,
            repo,
            load_portals=lambda: load_portals(portals),
            load_alerts=lambda: alerts_config(args),
            crawl_command=lambda name: [*crawl, "crawl", name],
            # every portal file (a directory's or a glob's, listed again at each check)
            watched=lambda: [*portal_files(portals), alerts],
            # crawls get the database URL in their environment: a password stays out of `ps`
            env={**os.environ, "GOVWATCH_DB": db_url(args), "GOVWATCH_ALERTS": str(alerts)},
        )
        return daemon.run()
    finally:
        repo.close()


def cmd_status(args: argparse.Namespace) -> int:
    """Show each portal's health, last and next run, last new meeting, and the outbox."""
    from crawler.tables import format_table
    from scheduler.status import outbox_status, portal_status, scheduler_status
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
    headers = ("portal", "health", "last run", "next run", "last meeting", "stored", "meetings")
    table = [
        (
            r.name,
            r.health,
            r.last_run,
            local_time(r.next_run, settings),
            local_time(r.last_meeting, settings),
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
    return 0


def register(commands: Commands) -> None:
    commands.add("run", cmd_run)
    commands.add("status", cmd_status)
