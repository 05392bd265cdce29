"""Schedule logic on a controlled clock, job sync and reload, health judgement, the runner."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crawler.configfiles.portals import Portal
from crawler.exceptions import ConfigError
from crawler.items import AnnouncementItem
from scheduler import jobs
from scheduler.alerts_file import AlertsConfig, Subscription
from scheduler.daemon import STORED, Daemon
from scheduler.health import judge
from scheduler.runner import CrawlRunner
from scheduler.settings import Settings
from scheduler.triggers import (
    check_schedule,
    crawl_trigger,
    crontab_weekdays,
    digest_trigger,
    restart_time,
)
from storage import BROKEN, OK, CrawlRun, Repository
from tests.support.alerts import root_logging  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("root_logging")

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 1, 6, 3, 0, tzinfo=UTC)  # a Saturday, 11:00 in Shanghai


@dataclass(frozen=True)
class P:
    """A portals.yaml entry as the scheduler sees it."""

    name: str
    schedule: str = "30m"
    title: str | None = None
    region: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)


# -- triggers ---------------------------------------------------------------------------


def test_interval_portals_keep_a_stable_phase_of_their_own():
    settings = Settings(jitter=0)
    first = crawl_trigger(P("weibin"), settings).get_next_fire_time(None, NOW)
    assert first is not None and NOW <= first < NOW + timedelta(minutes=30)
    # the same portal lands on the same slot after a restart or a reload
    again = crawl_trigger(P("weibin"), settings).get_next_fire_time(None, NOW)
    assert again == first
    later = crawl_trigger(P("weibin"), settings).get_next_fire_time(None, first + timedelta(1))
    assert later is not None and (later - first) % timedelta(minutes=30) == timedelta(0)


def test_a_thousand_portals_do_not_fire_in_the_same_second():
    settings = Settings(jitter=0)
    seconds = Counter(
        int(crawl_trigger(P(f"portal_{i}"), settings).get_next_fire_time(None, NOW).timestamp())  # type: ignore[union-attr]
        for i in range(1000)
    )
    assert max(seconds.values()) <= 6
    assert len(seconds) > 600  # spread over the 1800 s of the interval


def test_jitter_delays_a_run_but_never_the_ones_after_it():
    settings = Settings(jitter=120)
    trigger = crawl_trigger(P("weibin", "1h"), settings)
    start = trigger.get_next_fire_time(None, NOW)
    assert start is not None
    slot = crawl_trigger(P("weibin", "1h"), Settings(jitter=0)).get_next_fire_time(None, NOW)
    assert slot is not None
    previous = start
    for run in range(1, 200):
        fire = trigger.get_next_fire_time(previous, previous)
        assert fire is not None
        expected = slot + timedelta(hours=run)
        assert expected <= fire <= expected + timedelta(seconds=120)
        previous = fire
    # at most a tenth of the interval for short intervals
    short = crawl_trigger(P("weibin", "5m"), settings)
    assert short.jitter == 30


def test_time_scale_shrinks_interval_schedules():
    trigger = crawl_trigger(P("weibin", "1m"), Settings(time_scale=0.1, jitter=0))
    first = trigger.get_next_fire_time(None, NOW)
    second = trigger.get_next_fire_time(first, first)
    assert first is not None and second is not None
    assert second - first == timedelta(seconds=6)


def test_cron_lines_read_as_in_crontab():
    assert crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_weekdays("0,7") == "sun"
    assert crontab_weekdays("*/2") == "sun,tue,thu,sat"
    assert crontab_weekdays("mon-fri") == "mon-fri"
    settings = Settings(jitter=0)
    weekdays = crawl_trigger(P("weibin", "0 9 * * 1-5"), settings)
    monday = weekdays.get_next_fire_time(None, NOW)
    assert monday == datetime(2024, 1, 8, 9, 0, tzinfo=SHANGHAI)
    sunday = crawl_trigger(P("weibin", "30 8 * * 0"), settings).get_next_fire_time(None, NOW)
    assert sunday == datetime(2024, 1, 7, 8, 30, tzinfo=SHANGHAI)
    jittered = crawl_trigger(P("weibin", "*/30 * * * *"), Settings(jitter=90))
    fire = jittered.get_next_fire_time(None, NOW + timedelta(minutes=1))
    assert fire is not None
    assert NOW + timedelta(minutes=30) <= fire <= NOW + timedelta(minutes=30, seconds=90)


def fire_times(trigger: Any, count: int, now: datetime = NOW) -> list[datetime]:
    """The next ``count`` fire times from ``now``, as APScheduler would compute them."""
    times: list[datetime] = []
    previous = None
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, previous or now)
        assert fire is not None
        times.append(fire)
        previous = fire
    return times


def test_day_of_week_lists_and_ranges_read_as_in_crontab():
    assert crontab_weekdays("7") == "sun"
    assert crontab_weekdays("5-7") == "fri,sat,sun"
    assert crontab_weekdays("1,7") == "mon,sun"
    assert crontab_weekdays("6-7,0") == "sat,sun"
    assert crontab_weekdays("1/2") == "mon,wed,fri,sun"  # 1-7/2
    assert crontab_weekdays("0-7/7") == "sun"
    for bad in ("8", "7-1", "1-8", "*/0"):
        with pytest.raises(ValueError):
            crontab_weekdays(bad)


def test_a_portal_on_sunday_7_fires_on_sundays_at_eight_in_shanghai():
    portal = Portal(name="weibin", start_urls=["http://x.org/"], schedule="0 8 * * 7")
    settings = Settings(jitter=0)
    sundays = fire_times(crawl_trigger(portal, settings), 4)
    assert sundays == [datetime(2024, 1, d, 8, 0, tzinfo=SHANGHAI) for d in (7, 14, 21, 28)]
    assert all(t.astimezone(SHANGHAI).weekday() == 6 for t in sundays)  # Python: 6 is Sunday
    zero = Portal(name="weibin", start_urls=["http://x.org/"], schedule="0 8 * * 0")
    assert fire_times(crawl_trigger(zero, settings), 4) == sundays
    weekend = fire_times(crawl_trigger(P("weibin", "0 8 * * 5-7"), settings), 3)
    assert [t.weekday() for t in weekend] == [6, 4, 5]  # from Saturday 11:00: sun, fri, sat


def test_a_bad_cron_line_is_refused_with_the_reason():
    assert check_schedule("0 8 * * 7") == "0 8 * * 7"
    assert check_schedule("1.5h") == "1.5h"
    with pytest.raises(ValueError) as error:
        check_schedule("0 8 * * 8")
    assert str(error.value) == (
        "not a cron line or an interval like 30m: '0 8 * * 8' (day of week out of range: '8')"
    )
    with pytest.raises(ValueError, match="shorter than one minute"):
        check_schedule("30s")


def test_decimal_intervals_schedule_as_written():
    trigger = crawl_trigger(P("weibin", "1.5h"), Settings(jitter=0))
    first, second = fire_times(trigger, 2)
    assert second - first == timedelta(minutes=90)


def test_digest_times():
    settings = Settings()
    daily = Subscription(name="d", to=["a@x.org"], mode="digest", digest_at="08:00")
    assert digest_trigger(daily, settings).get_next_fire_time(None, NOW) == datetime(
        2024, 1, 7, 8, 0, tzinfo=SHANGHAI
    )
    hourly = Subscription(name="h", to=["a@x.org"], mode="digest", digest_every="1h")
    fire = digest_trigger(hourly, settings).get_next_fire_time(None, NOW + timedelta(minutes=1))
    assert fire == NOW + timedelta(hours=1)


def test_crawls_overdue_after_a_restart_are_spread():
    settings = Settings(start_spread=300)
    times = [restart_time(f"crawl:portal_{i}", "30m", settings, NOW) for i in range(500)]
    assert all(NOW <= t < NOW + timedelta(seconds=300) for t in times)
    assert max(Counter(int(t.timestamp()) for t in times).values()) <= 6
    short = restart_time("crawl:weibin", "1m", Settings(time_scale=0.1), NOW)
    assert short < NOW + timedelta(seconds=6)


# -- job sync and reload ------------------------------------------------------------


class Files:
    """What the loaders read: a test changes it, or makes it malformed."""

    def __init__(self) -> None:
        self.portals: list[P] = [P("weibin", "30m"), P("jintai", "0 9 * * 1-5")]
        self.alerts = AlertsConfig(
            subscriptions=[
                Subscription(name="am", to=["a@x.org"], mode="digest", digest_at="08:00")
            ]
        )
        self.broken: str | None = None

    def load_portals(self) -> list[P]:
        if self.broken:
            raise ConfigError(self.broken)
        return self.portals


@pytest.fixture
def daemon(sqlite_url):
    repo = Repository.open(sqlite_url)
    files = Files()
    clock = [NOW]
    instance = Daemon(
        Settings(),
        repo,
        load_portals=files.load_portals,
        load_alerts=lambda: files.alerts,
        crawl_command=lambda name: [sys.executable, "-c", "pass"],
        clock=lambda: clock[0],
    )
    instance.scheduler.start(paused=True)
    yield instance, files, clock
    instance.scheduler.shutdown(wait=False)
    repo.close()


def stored_jobs(daemon: Daemon) -> dict[str, Any]:
    return {job.id: job for job in daemon.scheduler.get_jobs(jobstore=STORED)}


def test_reload_adds_reschedules_and_removes_jobs(daemon, caplog):
    instance, files, _ = daemon
    instance.apply(instance.load(), startup=True)
    jobs = stored_jobs(instance)
    assert set(jobs) == {"crawl:weibin", "crawl:jintai", "digest:am", "prune"}
    assert jobs["crawl:weibin"].executor == "crawls"
    kept = jobs["crawl:jintai"].next_run_time
    pruning = jobs["prune"].next_run_time

    files.portals = [P("weibin", "1h"), P("jintai", "0 9 * * 1-5"), P("new_one", "2h")]
    files.alerts = AlertsConfig()
    assert instance.reload()
    jobs = stored_jobs(instance)
    assert set(jobs) == {"crawl:weibin", "crawl:jintai", "crawl:new_one", "prune"}
    assert jobs["crawl:weibin"].name == "crawl weibin (1h)"
    assert jobs["crawl:jintai"].next_run_time == kept  # unchanged: keeps its time
    assert jobs["prune"].next_run_time == pruning

    files.broken = "portals.yaml: entry 2 (x), field 'schedule': not a cron line"
    with caplog.at_level(logging.ERROR, logger="scheduler.daemon"):
        assert not instance.reload()
    assert "field 'schedule': not a cron line; keeping the last good configuration" in caplog.text
    assert set(stored_jobs(instance)) == {"crawl:weibin", "crawl:jintai", "crawl:new_one", "prune"}
    assert set(instance.config.portals) == {"weibin", "jintai", "new_one"}


def test_restart_spreads_crawls_that_fell_due_while_down(daemon):
    instance, _, clock = daemon
    instance.apply(instance.load(), startup=True)
    due = stored_jobs(instance)["crawl:weibin"].next_run_time
    clock[0] = due + timedelta(hours=3)  # the daemon was down for three hours
    instance.apply(instance.load(), startup=True)
    after = stored_jobs(instance)["crawl:weibin"].next_run_time
    assert clock[0] <= after < clock[0] + timedelta(seconds=Settings().start_spread)


def test_stored_jobs_reach_the_daemon_by_reference(daemon):
    instance, _, _ = daemon
    instance.apply(instance.load())
    repo = instance.repo
    repo.ensure_portal("weibin", "渭滨区人民政府", None)
    records = [
        AnnouncementItem(
            portal="weibin",
            url=f"http://w/{i}.html",
            title=f"第{i}次常务会议",
            body="会议",
            is_meeting=True,
        ).record()
        for i in range(3)
    ]
    repo.add_announcements(records, enqueue_alerts=True)
    job = stored_jobs(instance)["digest:am"]
    assert (job.func_ref, job.args) == ("scheduler.jobs:digest", ("am",))
    jobs.attach(instance)
    try:
        jobs.digest("am")  # what the stored job calls at 08:00
        assert repo.count_messages() == {"pending": 1}
        jobs.digest("am")  # nothing new: no second digest
        assert repo.count_messages() == {"pending": 1}
        wakes = len(instance.scheduler.get_jobs(jobstore="memory"))
        jobs.crawl("weibin")  # a crawl job: the crawl command runs, the sender is woken
        assert repo.last_run("weibin") is None  # `python -c pass` crawled nothing
        assert len(instance.scheduler.get_jobs(jobstore="memory")) == wakes + 1
    finally:
        jobs.attach(None)


def test_the_first_configuration_must_be_good(daemon):
    instance, files, _ = daemon
    files.broken = "portals.yaml: file not found"
    with pytest.raises(ConfigError):
        instance.load()


def test_no_two_senders_overlap_and_no_request_is_lost(daemon):
    instance, _, _ = daemon
    runs = []

    class Recorder:
        def run(self) -> None:
            runs.append(len(runs))
            if len(runs) == 1:
                instance.deliver()  # a request while running: returns at once, runs again after

    instance.delivery = Recorder()  # type: ignore[assignment]
    instance.deliver()
    assert runs == [0, 1]


# -- health --------------------------------------------------------------------------


def run(
    run_id: int, status: str = "finished", message: str | None = None, **counts: int
) -> CrawlRun:
    values = {"list_pages": 1, "empty_list_pages": 0, "not_modified": 0, "blocked": 0, "errors": 0}
    return CrawlRun(id=run_id, status=status, message=message, requests=3, **{**values, **counts})


def newest_first(*runs: CrawlRun) -> list[CrawlRun]:
    return sorted(runs, key=lambda r: r.id, reverse=True)


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([run(1)], (OK, None)),
        ([run(1), run(2, "failed")], None),  # one bad run is not yet broken
        ([run(1, "failed"), run(2, "failed")], (BROKEN, "the crawl failed")),
        ([run(1, "failed"), run(2, "failed"), run(3)], (OK, None)),
        ([run(1), run(2, "running")], (OK, None)),
        ([run(1, "failed"), run(2, "failed", "shutdown")], None),  # our own stop is no failure
        ([run(1), run(2, "failed", "stopped at daemon shutdown")], (OK, None)),
        ([run(1, list_pages=0, blocked=2), run(2, list_pages=0, blocked=1)], (BROKEN, "blocked")),
        (
            [run(1, list_pages=0, errors=1), run(2, list_pages=0, errors=1)],
            (BROKEN, "no list page"),
        ),
        ([run(1, list_pages=0, not_modified=1), run(2, list_pages=0, not_modified=1)], (OK, None)),
        ([run(1, empty_list_pages=1), run(2, empty_list_pages=1)], (BROKEN, "no article links")),
        (
            [run(1, list_pages=2, empty_list_pages=1), run(2, list_pages=2, empty_list_pages=1)],
            (OK, None),
        ),
    ],
)
def test_judge(runs, expected):
    judged = judge(newest_first(*runs), 2, lambda run_id: True)
    if expected is None or expected[1] is None:
        assert judged == expected
    else:
        assert judged is not None and judged[0] == expected[0]
        assert expected[1] in (judged[1] or "")


def test_empty_list_pages_on_a_portal_that_never_had_links_are_no_layout_change():
    runs = newest_first(run(1, empty_list_pages=1), run(2, empty_list_pages=1))
    assert judge(runs, 2, lambda run_id: False) == (OK, None)


# -- the runner ---------------------------------------------------------------------------


def test_a_hanging_crawl_is_killed_at_its_timeout_and_recorded_as_failed(sqlite_url):
    repo = Repository.open(sqlite_url)
    hang = [sys.executable, "-c", "import time; time.sleep(120)"]
    runner = CrawlRunner(repo, Settings(crawl_timeout=60, kill_grace=1), lambda name: hang)
    started = datetime.now(UTC)
    outcome = runner.run(P("weibin", settings={"GOVWATCH_CRAWL_TIMEOUT": "1s"}))
    assert datetime.now(UTC) - started < timedelta(seconds=30)
    assert outcome.exit_code is None and outcome.problem == "killed after its timeout of 1s"
    last = repo.last_run("weibin")
    assert last is not None and last.status == "failed"
    assert last.message == "killed after its timeout of 1s"

    crash = [sys.executable, "-c", "raise SystemExit(5)"]
    outcome = CrawlRunner(repo, Settings(), lambda name: crash).run(P("weibin"))
    assert outcome.problem == "crawl exited with code 5"
    assert [r.status for r in repo.runs("weibin")] == ["failed", "failed"]
    repo.close()
