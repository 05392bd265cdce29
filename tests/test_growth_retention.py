"""Retention on SQLite and PostgreSQL: old runs and sent alerts pruned in chunks, the rows
something still needs kept, counts reported; `govwatch db prune` and the daemon's job."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update

from crawler.cli import main
from scheduler.daemon import Daemon
from scheduler.settings import Settings
from storage import (
    AlertDelivery,
    AlertEvent,
    AlertMessage,
    Announcement,
    CrawlRun,
    Match,
    NewMessage,
    Repository,
    utcnow,
)

NOW = utcnow()
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=2)
CUTOFF = NOW - timedelta(days=30)


def record(url: str, run_id: int | None = None) -> dict:
    return {
        "portal": "a",
        "url": url,
        "title": "区政府召开常务会议",
        "body": "正文" * 40,
        "is_meeting": True,
        "meeting_date": date(2023, 2, 20),
        "speakers": [],
        "attendees": [],
        "attachments": [],
        "fingerprint": None,
        "published_at": datetime(2023, 2, 22, 3, 33, tzinfo=UTC),
        "run_id": run_id,
    }


def run(repo: Repository, portal: str, status: str, started: datetime, links: bool) -> int:
    run_id = repo.start_run(portal, full=False)
    if status != "running":
        repo.finish_run(run_id, status, list_pages=1, empty_list_pages=0 if links else 1)
    with repo.session.begin() as session:
        session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(started_at=started))
    return run_id


def message(key: str, kind: str = "instant") -> NewMessage:
    return NewMessage(key, kind, "desk", ["a@example.org"], f"<{key}@x>", key, "text", "<p>")


def set_message(repo: Repository, message_id: int, **values) -> None:
    with repo.session.begin() as session:
        session.execute(update(AlertMessage).where(AlertMessage.id == message_id).values(**values))


def populate(repo: Repository) -> dict[str, int]:
    """Rows of every kind retention meets, each named for what must become of it."""
    for name in ("a", "b"):
        repo.ensure_portal(name)
    ids = {
        "run_named": run(repo, "a", "finished", OLD, links=True),
        "run_old_finished": run(repo, "a", "finished", OLD, links=True),
        "run_old_failed": run(repo, "a", "failed", OLD, links=False),
        "run_running": run(repo, "a", "running", OLD, links=False),
        "run_recent": run(repo, "a", "finished", RECENT, links=True),
        # b's daemon was off for weeks: every run is old
        "run_b_links": run(repo, "b", "failed", OLD, links=True),
        "run_b_completed": run(repo, "b", "finished", OLD, links=False),
        "run_b_old_failed": run(repo, "b", "failed", OLD, links=False),
        "run_b_latest": run(repo, "b", "failed", OLD, links=False),
    }
    urls = ["http://a/x.html", "http://a/y.html", "http://a/z.html", "http://a/v.html"]
    repo.add_announcements([record(urls[0], ids["run_named"])], enqueue_alerts=True)
    repo.add_announcements([record(url) for url in urls[1:]], enqueue_alerts=True)
    repo.add_announcements([record("http://a/w.html")], enqueue_alerts=True)  # not matched yet
    with repo.session() as session:
        announcement = dict(session.execute(select(Announcement.url, Announcement.id)).all())
        event = dict(session.execute(select(AlertEvent.announcement_id, AlertEvent.id)).all())
    x, y, z, v = (announcement[url] for url in urls)
    # x: an instant email sent long ago; y: waits for a digest; z: matched nobody;
    # v: its email still pending after 40 days
    repo.expand_event(event[x], x, [Match("desk", message("instant:desk:x"))], OLD)
    repo.expand_event(event[y], y, [Match("digest-desk", None)], OLD)
    repo.expand_event(event[z], z, [], OLD)
    repo.expand_event(event[v], v, [Match("desk", message("instant:desk:v"))], OLD)
    messages = {m.key: m.id for m in repo.messages(("pending",))}
    set_message(repo, messages["instant:desk:x"], status="sent", sent_at=OLD)
    recent = repo.add_message(message("instant:desk:recent"), RECENT)
    health = repo.add_message(message("health:a:1", "health"), OLD)
    failed = repo.add_message(message("instant:desk:failed"), OLD)
    assert recent and health and failed
    set_message(repo, recent, status="sent", sent_at=RECENT)
    set_message(repo, health, status="sent", sent_at=OLD)
    set_message(repo, failed, status="failed")
    resent = repo.add_message(message("instant:desk:resent"), OLD)  # sent, then `alerts resend`
    assert resent
    set_message(repo, resent, status="sent", sent_at=OLD)
    repo.requeue(resent, NOW)
    ids.update(
        message_old=messages["instant:desk:x"],
        message_pending=messages["instant:desk:v"],
        message_recent=recent,
        message_health=health,
        message_failed=failed,
        message_resent=resent,
        event_x=event[x],
        event_y=event[y],
        event_z=event[z],
        event_v=event[v],
        event_w=event[announcement["http://a/w.html"]],
    )
    return ids


def remaining(repo: Repository, model) -> set[int]:
    with repo.session() as session:
        return set(session.scalars(select(model.id)))


def count(repo: Repository, model) -> int:
    with repo.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


PRUNED = {
    "crawl_runs": {"run_old_finished", "run_old_failed", "run_b_old_failed"},
    "alert_messages": {"message_old", "message_health"},
    "alert_events": {"event_x", "event_z"},
}


def test_prune_deletes_what_is_old_keeps_what_is_needed_and_counts(repo: Repository):
    ids = populate(repo)
    before = {model: remaining(repo, model) for model in (CrawlRun, AlertMessage, AlertEvent)}
    deliveries = count(repo, AlertDelivery)

    dry = repo.prune(CUTOFF, dry_run=True, chunk=2)
    assert {model: remaining(repo, model) for model in before} == before  # nothing deleted
    report = repo.prune(CUTOFF, chunk=2)  # chunks of two: the walk goes on past kept rows

    expected = {table: len(names) for table, names in PRUNED.items()}
    assert report.deleted == dry.deleted == {**expected, "alert_deliveries": 1}
    assert "3 crawl_runs" in report.describe() and "would prune" in dry.describe()
    for model, table in ((CrawlRun, "crawl_runs"), (AlertMessage, "alert_messages")):
        gone = {ids[name] for name in PRUNED[table]}
        assert remaining(repo, model) == before[model] - gone
    assert remaining(repo, AlertEvent) == before[AlertEvent] - {ids["event_x"], ids["event_z"]}
    assert count(repo, AlertDelivery) == deliveries - 1
    # kept: named by an announcement, running, recent; b's latest, latest completed and
    # latest with links;
    # the pending and failed emails and what waits for them or for a digest
    kept = remaining(repo, CrawlRun)
    names = ("run_named", "run_running", "run_recent", "run_b_links", "run_b_completed")
    for name in (*names, "run_b_latest"):
        assert ids[name] in kept, name
    assert repo.has_completed_run("b") and repo.last_run("b").id == ids["run_b_latest"]
    assert repo.ever_had_links("b", ids["run_b_latest"])
    messages = ("message_pending", "message_failed", "message_recent", "message_resent")
    assert {ids[name] for name in messages} <= remaining(repo, AlertMessage)
    assert {ids[e] for e in ("event_y", "event_v", "event_w")} <= remaining(repo, AlertEvent)
    assert repo.waiting() == {"digest-desk": 1}

    again = repo.prune(CUTOFF)
    assert again.total == 0


def test_db_prune_command_reports_counts_and_dry_run_keeps_everything(
    db_url: str, capsys, monkeypatch
):
    repo = Repository.open(db_url)
    try:
        populate(repo)
        runs = count(repo, CrawlRun)
    finally:
        repo.close()
    monkeypatch.setenv("GOVWATCH_RETENTION", "30d")
    assert main(["db", "prune", "--dry-run", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "would prune 3 crawl_runs, 2 alert_messages, 1 alert_deliveries, 2 alert_events" in out
    repo = Repository.open(db_url)
    try:
        assert count(repo, CrawlRun) == runs
        assert main(["db", "prune", "--db", db_url]) == 0
        assert "pruned 3 crawl_runs" in capsys.readouterr().out
        assert count(repo, CrawlRun) == runs - 3
        monkeypatch.setenv("GOVWATCH_RETENTION", "1d")  # now the recent run is old too
        assert main(["db", "prune", "--db", db_url]) == 0
        assert "pruned 0 crawl_runs" in capsys.readouterr().out  # a's latest: kept
        monkeypatch.setenv("GOVWATCH_RETENTION", "a month")
        assert main(["db", "prune", "--db", db_url]) == 2  # a settings error
        assert "GOVWATCH_RETENTION='a month'" in capsys.readouterr().err
    finally:
        repo.close()


def test_the_daemon_schedules_the_prune_job_and_it_prunes(sqlite_url: str):
    repo = Repository.open(sqlite_url)
    try:
        populate(repo)
        settings = Settings(retention=30 * 86400.0, prune_every=3600.0)
        daemon = Daemon(settings, repo, lambda: [], lambda: None, lambda name: [])  # type: ignore[arg-type,return-value]
        job = daemon.wanted_jobs()["prune"]
        assert job["func"] == "scheduler.jobs:prune"
        fire = job["trigger"].get_next_fire_time(None, NOW)
        assert NOW <= fire <= NOW + timedelta(hours=1)
        runs = count(repo, CrawlRun)
        daemon.prune()
        assert count(repo, CrawlRun) == runs - 3
    finally:
        repo.close()
