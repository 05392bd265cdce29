"""`govwatch run`: schedule every portal, crawl, judge health, send alerts, until stopped.

Crawl and digest jobs live in the database (APScheduler's SQL job store); one daemon per
database is active, the holder of the scheduler lease (scheduler/leadership.py); see
:class:`Daemon`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger

from scheduler import jobs
from scheduler.alerts_file import AlertsConfig
from scheduler.delivery import Delivery
from scheduler.exceptions import SchedulerError
from scheduler.health import HealthMonitor
from scheduler.leadership import Leadership
from scheduler.loop import DurableJobStore, DurableScheduler
from scheduler.mailer import FakeMailer, Mailer, SmtpMailer
from scheduler.portal import PortalSpec
from scheduler.runner import CrawlRunner
from scheduler.sender import Sender
from scheduler.services import ServiceRunner, crawl_threads, make_runner
from scheduler.settings import Settings
from scheduler.triggers import ANCHOR, crawl_trigger, digest_trigger, restart_time
from storage import Repository, StorageError, utcnow

if TYPE_CHECKING:
    from scheduler.broker import BrokerRunner

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
STORED = "default"  # crawl and digest jobs, in the database
MEMORY = "memory"  # the sender, rebuilt at every start
CRAWLS = "crawls"  # the executor crawls run in: at most max_crawls threads, one process each


@dataclass(frozen=True)
class Config:
    """One consistent configuration: what is scheduled and who is told."""

    portals: dict[str, PortalSpec]
    alerts: AlertsConfig
    mailer: Mailer | None


def make_mailer(alerts: AlertsConfig, settings: Settings, env: Mapping[str, str]) -> Mailer | None:
    if settings.mail_fake:
        return FakeMailer()
    if alerts.smtp is None:
        return None
    return SmtpMailer.from_env(alerts.smtp, env)


def make_scheduler(repo: Repository, settings: Settings) -> DurableScheduler:
    return DurableScheduler(
        repo.retry,
        jobstores={
            STORED: DurableJobStore(repo.engine, JOBS_TABLE),
            MEMORY: MemoryJobStore(),
        },
        executors={
            "default": ThreadPoolExecutor(4),
            CRAWLS: ThreadPoolExecutor(crawl_threads(settings)),
        },
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(settings.misfire_grace),
        },
        timezone=settings.zone,
    )


class Daemon:
    """APScheduler 3 in a background thread; jobs in the same database survive restarts.

    ``coalesce``, ``max_instances=1`` and a misfire grace time apply to every job. The main
    thread waits for signals and watches: SIGHUP, or a changed portals.yaml or alerts.yaml,
    reloads (a malformed file is logged and the last good configuration kept); SIGTERM and
    SIGINT stop new crawls, stop running ones and leave the outbox consistent (each of its
    steps is a transaction); a thread of its own that died (the scheduler's loop, the lease
    heartbeat) stops the daemon with exit code 1, for its supervisor to start it again.

    One daemon per database is active: it holds the scheduler lease. A second one waits and
    takes over when the first stops renewing it; a daemon that loses the lease neither
    crawls nor sends (``halt`` is set) until it takes it again.
    """

    def __init__(
        self,
        settings: Settings,
        repo: Repository,
        load_portals: Callable[[], Sequence[PortalSpec]],
        load_alerts: Callable[[], AlertsConfig],
        crawl_command: Callable[[str], Sequence[str]],
        # the crawl service's command and a portal's entry as sent to it (docs/scaling.md)
        service: tuple[Sequence[str], Callable[[PortalSpec], dict[str, Any]]] | None = None,
        # the configuration files, or a function listing them now (a directory of portal files)
        watched: Sequence[Path] | Callable[[], Sequence[Path]] = (),
        env: Mapping[str, str] | None = None,  # of the crawl processes; the SMTP password
        clock: Callable[[], datetime] = utcnow,
        broker: str | None = None,  # a Celery broker's URL: batches go to workers instead
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.load_portals = load_portals
        self.load_alerts = load_alerts
        self.watched = watched
        self.env = dict(os.environ if env is None else env)
        self.clock = clock
        self.runner: CrawlRunner | ServiceRunner | BrokerRunner
        if broker and service is not None:
            from scheduler.broker import BrokerRunner, make_app

            self.runner = BrokerRunner(repo, settings, make_app(broker, settings), service[1])
        else:
            self.runner = make_runner(repo, settings, crawl_command, service, clock, self.env)
        self.stopping = threading.Event()
        # set while the daemon must not crawl or send: stopping, or without the lease
        self.halt = threading.Event()
        self.leadership = Leadership(repo, settings, self.stopping)
        self.leadership.on_lost = self._lease_lost
        self.leadership.on_taken = self._lease_taken
        self._wake = threading.Event()
        self._reload_requested = False
        self._resync = False  # the lease was taken again: sync the jobs, then resume
        self.config = Config({}, AlertsConfig(), None)
        self.delivery = Delivery(repo, settings, self.config.alerts, None, clock, self.halt)
        self.health = HealthMonitor(repo, settings, self.config.alerts, clock)
        self.scheduler = make_scheduler(repo, settings)
        self.sender = Sender(self.scheduler, MEMORY, lambda: self.delivery, self.halt, repo.retry)

    # -- configuration ----------------------------------------------------------------

    def load(self) -> Config:
        """Read portals.yaml and alerts.yaml; raises whatever their loaders raise."""
        portals = {portal.name: portal for portal in self.load_portals()}
        alerts = self.load_alerts()
        for subscription in alerts.subscriptions:
            for name in subscription.portals or ():
                if name not in portals:
                    logger.warning(
                        "subscription %s names portal %r, which portals.yaml does not define",
                        subscription.name,
                        name,
                    )
        return Config(portals, alerts, make_mailer(alerts, self.settings, self.env))

    def apply(self, config: Config, startup: bool = False) -> None:
        """Make ``config`` current: swap the delivery and health monitor, sync the jobs
        (without the lease, when it is taken again: the jobs are the active daemon's)."""
        self.config = config
        self.delivery = Delivery(
            self.repo,
            self.settings,
            config.alerts,
            config.mailer,
            self.clock,
            self.halt,
            env=self.env,
        )
        self.health = HealthMonitor(self.repo, self.settings, config.alerts, self.clock)
        self.delivery.register()  # a new subscription starts now: no mail about the past
        if not self.halt.is_set():
            self.sync_jobs(startup)

    def reload(self) -> bool:
        """Load the configuration again; on any error keep the last good one."""
        try:
            config = self.load()
        except Exception as exc:  # a config loader's error, whatever its type: log, carry on
            logger.error("%s; keeping the last good configuration", exc)
            return False
        try:
            self.apply(config)
        except (StorageError, SchedulerError) as exc:
            logger.error("configuration not applied: %s; trying again shortly", exc)
            self._reload_requested = True
            return False
        logger.info(
            "configuration reloaded: %d portals, %d subscriptions",
            len(config.portals),
            len(config.alerts.subscriptions),
        )
        return True

    def _stamps(self) -> list[tuple[Path, int, int] | None]:
        stamps: list[tuple[Path, int, int] | None] = []
        paths = self.watched() if callable(self.watched) else self.watched
        for path in paths:
            try:
                stat = path.stat()
                stamps.append((path, stat.st_mtime_ns, stat.st_size))
            except OSError:
                stamps.append(None)
        return stamps

    # -- jobs ----------------------------------------------------------------------------

    def wanted_jobs(self) -> dict[str, dict[str, Any]]:
        """Every stored job the configuration asks for, by id, as add_job arguments."""
        wanted: dict[str, dict[str, Any]] = {}
        for portal in self.config.portals.values():
            wanted[f"crawl:{portal.name}"] = {
                "func": jobs.CRAWL,
                "trigger": crawl_trigger(portal, self.settings),
                "args": [portal.name],
                "name": f"crawl {portal.name} ({portal.schedule})",
                "executor": CRAWLS,
            }
        for subscription in self.config.alerts.subscriptions:
            if subscription.mode != "digest":
                continue
            when = subscription.digest_at or f"every {subscription.digest_every}"
            wanted[f"digest:{subscription.name}"] = {
                "func": jobs.DIGEST,
                "trigger": digest_trigger(subscription, self.settings),
                "args": [subscription.name],
                "name": f"digest {subscription.name} ({when})",
            }
        # retention: from a fixed anchor, so a restart or reload keeps its phase
        every = self.settings.prune_every
        wanted["prune"] = {
            "func": jobs.PRUNE,
            "trigger": IntervalTrigger(seconds=every, start_date=ANCHOR, timezone=UTC),
            "name": f"prune (every {every:g}s)",
        }
        return wanted

    def sync_jobs(self, startup: bool = False) -> None:
        """Add, reschedule and remove stored jobs to match the configuration.

        An unchanged job keeps its next run time; at startup, one that fell due while the
        daemon was down is spread over ``start_spread`` instead of all firing at once.
        """
        wanted = self.wanted_jobs()
        existing = {job.id: job for job in self.scheduler.get_jobs(jobstore=STORED)}
        for job_id in existing.keys() - wanted.keys():
            self.scheduler.remove_job(job_id, jobstore=STORED)
            logger.info("job %s removed", job_id)
        now = self.clock()
        for job_id, spec in wanted.items():
            job = existing.get(job_id)
            if (
                job is not None
                and job.name == spec["name"]
                and repr(job.trigger) == repr(spec["trigger"])
            ):
                overdue = job.next_run_time is not None and job.next_run_time < now
                if startup and overdue and spec["func"] == jobs.CRAWL:
                    schedule = self.config.portals[spec["args"][0]].schedule
                    job.modify(next_run_time=restart_time(job_id, schedule, self.settings, now))
                continue
            added = self.scheduler.add_job(
                jobstore=STORED, id=job_id, replace_existing=True, **spec
            )
            logger.info(
                "job %s %s, next run %s",
                job_id,
                "rescheduled" if job is not None else "added",
                added.next_run_time.isoformat(timespec="seconds")
                if added.next_run_time
                else "never",
            )

    def crawl(self, name: str) -> None:
        """A crawl job: run the crawl, judge the portal's health, wake the sender."""
        portal = self.config.portals.get(name)
        if portal is None or self.halt.is_set():
            return
        unchanged = False
        try:
            unchanged = self.runner.run(portal).unchanged
        except StorageError as exc:  # the run's end not recorded: the next crawl walks all
            logger.error("crawl %s: %s", name, exc)
        if self.halt.is_set():
            return
        if unchanged and self.health.recently_ok(name):
            return  # a 304 from a healthy portal: nothing to judge, nothing new to send
        try:
            self.health.check(name)
        except StorageError as exc:
            logger.error("portal %s: health not judged: %s", name, exc)
        self.request_delivery()

    def digest(self, name: str) -> None:
        """A digest job: match what is new, then collect it into the digest email."""
        if self.halt.is_set():
            return
        try:
            with self.sender.lock:
                self.delivery.expand()
                self.delivery.build_digest(name)
        except StorageError as exc:  # what it would hold waits for the next digest
            logger.error("digest %s: not built: %s", name, exc)
        self.request_delivery()

    def prune(self) -> None:
        """The retention job: prune run history and sent alerts older than the retention."""
        if self.halt.is_set():
            return
        cutoff = self.clock() - timedelta(seconds=self.settings.retention)
        try:
            logger.info("retention: %s", self.repo.prune(cutoff).describe())
        except StorageError as exc:  # what is left is pruned next time
            logger.error("retention: not pruned: %s", exc)

    def request_delivery(self) -> None:
        """Have the sender run now, in its own thread (never in a crawl's)."""
        self.sender.request()

    def deliver(self) -> None:
        """One sender run (see :class:`Sender`)."""
        self.sender.run()

    def _job_missed(self, event: JobExecutionEvent) -> None:
        # errors are logged by APScheduler with their traceback; the job runs again next time
        logger.warning(
            "job %s missed its time %s (the daemon was busy or asleep)",
            event.job_id,
            event.scheduled_run_time,
        )

    # -- the process ----------------------------------------------------------------------

    def _signal(self, signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            self._reload_requested = True
        else:
            if self.stopping.is_set():
                logger.warning("stopping already; waiting for running crawls to end")
            self.stopping.set()
            self.halt.set()
        self._wake.set()

    def _lease_lost(self, _why: str) -> None:
        self.halt.set()
        self.scheduler.pause()  # no job of the shared store runs here meanwhile

    def _lease_taken(self) -> None:
        self._resync = True
        self._wake.set()

    def run(self) -> int:
        """Run until SIGTERM or SIGINT; returns the exit code (1: a thread of its own died)."""
        config = self.load()  # no last good configuration yet: errors end the command
        previous = {
            sig: signal.signal(sig, self._signal)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
        }
        jobs.attach(self)
        self.halt.set()
        try:
            if not self.leadership.take():
                logger.info("stopped before this daemon became the active one")
                return 0
            if self.leadership.waited:  # the files may have changed while it waited
                config = self._reread(config)
            self.halt.clear()
            return self._serve(config)
        finally:
            self.leadership.release()
            jobs.attach(None)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _reread(self, config: Config) -> Config:
        try:
            return self.load()
        except Exception as exc:  # a config loader's error, whatever its type: log, carry on
            logger.error("%s; keeping the configuration read at start", exc)
            return config

    def _serve(self, config: Config) -> int:
        self.scheduler.add_listener(self._job_missed, EVENT_JOB_MISSED)
        self.scheduler.start(paused=True)
        try:
            self.leadership.start()  # renewing already while the jobs are synced
            self._start(config)
            return self._watch()
        finally:
            self.shutdown()

    def _start(self, config: Config) -> None:
        self.apply(config, startup=True)
        self.scheduler.add_job(
            self.sender.run,
            "interval",
            seconds=self.settings.send_interval,
            id="send",
            name="send",
            jobstore=MEMORY,
            next_run_time=self.clock(),
        )
        if not self.halt.is_set():  # else resumed when the lease is taken again
            self.scheduler.resume()
        mail = config.mailer.describe() if config.mailer else "nowhere (no smtp in alerts.yaml)"
        logger.info(
            "govwatch daemon started: %d portals, %d subscriptions, mail via %s",
            len(config.portals),
            len(config.alerts.subscriptions),
            mail,
        )

    def _watch(self) -> int:
        """Until stopped: keep watch over the threads and the lease; reload on SIGHUP or when
        a configuration file changes. Returns the exit code."""
        stamps = self._stamps()
        tick = min(self.settings.reload_check, self.settings.scheduler_lease_heartbeat)
        while not self.stopping.is_set():
            self._wake.wait(tick)
            self._wake.clear()
            if self.stopping.is_set():
                break
            dead = self._dead_threads()
            if dead:
                logger.critical(
                    "the %s thread has died (its error is above); stopping with exit code 1 "
                    "for the supervisor to start govwatch again",
                    " and ".join(dead),
                )
                return 1
            self.leadership.check()
            if self._resync:
                self._resume()
            current = self._stamps()
            if self._reload_requested or current != stamps:
                why = "SIGHUP" if self._reload_requested else "a configuration file changed"
                logger.info("reloading the configuration (%s)", why)
                self._reload_requested = False
                stamps = current
                self.reload()
        return 0

    def _dead_threads(self) -> list[str]:
        """The daemon's own threads that have died: a stalled daemon would look alive."""
        threads = {
            "scheduler": self.scheduler.thread_alive(),
            "lease heartbeat": self.leadership.thread_alive(),
        }
        return [name for name, alive in threads.items() if not alive]

    def _resume(self) -> None:
        """The lease taken again: the jobs to this configuration (another daemon may have
        changed them meanwhile), then crawls and emails."""
        if not self.leadership.holds():
            return
        try:
            self.sync_jobs(startup=True)
        except (StorageError, SchedulerError) as exc:
            logger.error("jobs not synced after taking the lease again: %s; trying again", exc)
            return
        self._resync = False
        self.halt.clear()
        self.scheduler.resume()

    def shutdown(self) -> None:
        logger.info("stopping: no new crawls; running crawls are stopped")
        self.stopping.set()
        self.halt.set()
        self.scheduler.pause()
        self.runner.stop_all()
        self.scheduler.shutdown(wait=True)
        logger.info("govwatch daemon stopped")
