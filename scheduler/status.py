"""What `govwatch status` and `govwatch alerts pending` show, read from the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect

from scheduler.daemon import JOBS_TABLE
from scheduler.health import RUNNING, verdict
from scheduler.leadership import SCHEDULER
from scheduler.portal import PortalSpec
from scheduler.times import local
from storage import BROKEN, LeaseInfo, Repository, utcnow


@dataclass(frozen=True)
class PortalStatus:
    name: str
    health: str  # ok | failing | not crawled yet
    problem: str | None  # since when and why, when failing
    last_run: str
    next_run: datetime | None
    last_meeting: date | None  # the meeting's own date
    announcements: int
    meetings: int


@dataclass(frozen=True)
class OutboxStatus:
    unmatched: int  # new announcements not yet matched against subscriptions
    waiting: dict[str, int]  # deliveries waiting for their digest, per subscription
    messages: dict[str, int]  # emails per status: pending, sent, failed


def next_runs(repo: Repository) -> dict[str, datetime]:
    """Next run time of every stored job, by job id (``crawl:NAME``, ``digest:NAME``)."""
    if not inspect(repo.engine).has_table(JOBS_TABLE):
        return {}
    store = SQLAlchemyJobStore(engine=repo.engine, tablename=JOBS_TABLE)
    return {job.id: job.next_run_time for job in store.get_all_jobs() if job.next_run_time}


def portal_status(
    repo: Repository, portals: Sequence[PortalSpec], zone: ZoneInfo
) -> list[PortalStatus]:
    """One row per portal of portals.yaml (times in ``zone``)."""
    health = repo.health()
    summaries = repo.portal_summaries()
    upcoming = next_runs(repo)
    rows = []
    for portal in portals:
        state = health.get(portal.name)
        run = repo.last_run(portal.name)
        problem = None
        # the last run's own problem, before it has happened often enough to mail the admin
        latest = verdict(run, partial(repo.ever_had_links, portal.name, run.id)) if run else None
        if state is not None and state.state == BROKEN:
            judged = "failing"
            problem = f"failing since {local(state.since, zone)}: {state.reason}"
        elif latest is not None and run is not None and run.status != RUNNING:
            judged = "failing"
            problem = f"last run ({local(run.started_at, zone)}): {latest}"
        else:
            judged = "ok" if run is not None else "not crawled yet"
        last = (
            f"{local(run.started_at, zone)} {run.status}, {run.new_records} new"
            if run is not None
            else "never"
        )
        missed = len(repo.missed(portal.name))
        if missed:  # a partial run's, fetched by the next crawl
            last += f", {missed} missed"
        if repo.lease_holder(f"portal:{portal.name}") is not None:
            last += " (crawling now)"  # another `govwatch crawl` of it would be busy
        summary = summaries.get(portal.name)
        rows.append(
            PortalStatus(
                name=portal.name,
                health=judged,
                problem=problem,
                last_run=last,
                next_run=upcoming.get(f"crawl:{portal.name}"),
                last_meeting=summary.last_meeting if summary else None,
                announcements=summary.announcements if summary else 0,
                meetings=summary.meetings if summary else 0,
            )
        )
    return rows


def outbox_status(repo: Repository) -> OutboxStatus:
    return OutboxStatus(repo.unprocessed_events(), repo.waiting(), repo.count_messages())


def scheduler_status(repo: Repository, zone: ZoneInfo) -> str:
    """Which daemon is active and when its scheduler last renewed its lease (its heartbeat,
    sent while its threads run and the database takes writes)."""
    lease: LeaseInfo | None = next((x for x in repo.leases(SCHEDULER) if x.name == SCHEDULER), None)
    if lease is None:
        return "scheduler: no daemon has run on this database"
    seen = lease.heartbeat_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    if lease.live(utcnow()):
        since = local(lease.acquired_at, zone)
        return f"scheduler: {lease.holder}, active since {since}, last ran {seen}"
    return f"scheduler: no daemon is running; the last, {lease.holder}, last ran {seen}"
