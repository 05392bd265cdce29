"""Portal health, judged from crawl runs: failing, blocked, or emptied by a layout change.

The admin gets one email per change of state (broken, recovered), never one per run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from scheduler import emails
from scheduler.alerts_file import AlertsConfig
from scheduler.settings import Settings
from storage import BROKEN, OK, RESET, CrawlRun, NewMessage, Repository

logger = logging.getLogger(__name__)

RUNNING = "running"
# runs the daemon's own shutdown ended (Scrapy's close reason, the runner's message) say
# nothing about the portal
STOPPED = ("shutdown", "stopped at daemon shutdown")
REJUDGE_AFTER = 600.0  # seconds an ok verdict spares unchanged checks from being judged


def _judged(run: CrawlRun) -> bool:
    """Whether ``run`` tells of the portal: ended, not by a shutdown, not a reset by hand."""
    return run.status not in (RUNNING, RESET) and run.message not in STOPPED


def verdict(run: CrawlRun, had_links: Callable[[], bool]) -> str | None:
    """None when ``run`` shows a working portal, else what is wrong."""
    if run.status == "failed":
        return f"the crawl failed ({run.message or 'no reason recorded'})"
    reached = run.list_pages + run.not_modified
    if not reached and run.blocked:
        return f"blocked: {run.blocked} answers with HTTP 403, 412 or 521 and no list page"
    if not reached and run.errors:
        return "no list page could be fetched"
    if run.list_pages and run.empty_list_pages >= run.list_pages and had_links():
        return "no article links on its list pages, where there used to be some (layout change?)"
    return None


def judge(
    runs: Sequence[CrawlRun], threshold: int, had_links: Callable[[int], bool]
) -> tuple[str, str | None] | None:
    """(state, reason) from ``runs`` (newest first), or None while undecided."""
    done = [run for run in runs if _judged(run)]
    if not done:
        return None
    reasons = []
    for run in done[:threshold]:
        reason = verdict(run, partial(had_links, run.id))
        if reason is None:
            break
        reasons.append(reason)
    if not reasons:
        return OK, None
    if len(reasons) >= threshold:
        runs_text = f"{threshold} runs in a row" if threshold > 1 else "last run"
        return BROKEN, f"{reasons[0]}; {runs_text}"
    return None  # bad, but not yet often enough to call it broken


class HealthMonitor:
    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        alerts: AlertsConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.alerts = alerts
        self.clock = clock
        # portal -> when (monotonic) it was last judged ok here; another process (a crawl by
        # hand) may judge it since, so a verdict is trusted for REJUDGE_AFTER only
        self._ok_at: dict[str, float] = {}

    def recently_ok(self, portal: str) -> bool:
        """Whether this monitor judged ``portal`` ok within REJUDGE_AFTER: an unchanged check
        (a 304) then needs no judging."""
        judged = self._ok_at.get(portal)
        return judged is not None and time.monotonic() - judged < REJUDGE_AFTER

    def check(self, portal: str) -> bool:
        """Judge ``portal`` after a run; queue the admin's email on a change. Returns whether
        its state changed."""
        threshold = self.settings.health_failures
        runs = self.repo.runs(portal, limit=threshold + 5)
        judged = judge(runs, threshold, lambda run_id: self.repo.ever_had_links(portal, run_id))
        self._ok_at.pop(portal, None)
        if judged is None:
            return False
        state, reason = judged
        latest = next(r for r in runs if _judged(r))
        now = self.clock()
        admin = self.alerts.admin

        def render(change: int) -> NewMessage | None:
            if admin is None:
                return None
            domain = self.alerts.smtp.domain if self.alerts.smtp else "govwatch.invalid"
            return emails.health(
                portal,
                state == BROKEN,
                reason,
                change,
                latest,
                admin,
                now,
                self.settings.zone,
                domain,
            )

        changed = self.repo.record_health(portal, state, reason, latest.id, now, render)
        if state == OK:
            self._ok_at[portal] = time.monotonic()
        if changed and state == BROKEN:
            logger.warning("portal %s is failing: %s", portal, reason)
        elif changed:
            logger.info("portal %s has recovered", portal)
        if changed and admin is None:
            logger.warning("no admin in alerts.yaml: nobody is told that portal %s changed", portal)
        return changed
