"""Portal health at the end of every crawl, by hand or by the daemon: the same judgement
(scheduler.health) either way, and the reason a crawl that reached nothing exits non-zero."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from crawler.exceptions import ConfigError
from scheduler.alerts_file import AlertsConfig
from scheduler.exceptions import SettingsError
from scheduler.health import HealthMonitor, verdict
from scheduler.settings import Settings
from storage import LIST, Missed, Repository, StorageError, utcnow

logger = logging.getLogger(__name__)


def no_list_reason(failures: list[Missed]) -> str:
    """Why no list page could be read, naming the first one that failed and how."""
    pages = [page for page in failures if page.kind == LIST]
    if not pages:
        return "no list page could be read"
    first = pages[0]
    more = f" (and {len(pages) - 1} more)" if len(pages) > 1 else ""
    return f"no list page could be read: {first.url}: {first.error}{more}"


def alerts_for_health(path: str | None) -> AlertsConfig:
    """The alert file's admin and SMTP domain for health mail; none when there is no file
    (or it is broken: the daemon says so, the crawl carries on)."""
    from crawler.configfiles.alerts import load_alerts

    file = Path(path or os.environ.get("GOVWATCH_ALERTS") or "alerts.yaml")
    if not file.exists():
        return AlertsConfig()
    try:
        return load_alerts(file)
    except ConfigError as exc:
        logger.warning("health mail: %s", exc)
        return AlertsConfig()


def register_subscriptions(repo: Repository, alerts_path: str | None) -> None:
    """Record the start of each subscription of the alert file not seen before: one that
    exists when a crawl stores hears of what it stores (as when the daemon loads it)."""
    names = [sub.name for sub in alerts_for_health(alerts_path).subscriptions]
    if names:
        repo.subscription_starts(names, utcnow())


def judge_run(repo: Repository, portal: str, run_id: int, alerts_path: str | None) -> str | None:
    """Record ``portal``'s health after run ``run_id`` as the daemon does (the admin's mail
    on a change of state); returns what is wrong with that run, or None."""
    row = next((run for run in repo.runs(portal, limit=5) if run.id == run_id), None)
    if row is None:
        return None
    problem = verdict(row, lambda: repo.ever_had_links(portal, run_id))
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        logger.warning("portal %s: health not judged: %s", portal, exc)
        return problem
    monitor = HealthMonitor(repo, settings, alerts_for_health(alerts_path), utcnow)
    try:
        monitor.check(portal)
    except StorageError as exc:
        logger.error("portal %s: health not recorded: %s", portal, exc)
    return problem
