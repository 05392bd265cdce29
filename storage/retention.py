"""Retention: run history and sent alerts older than a period are pruned, in short chunks.

Kept whatever their age: each portal's latest run, its latest completed run (the baseline
decision reads it) and its latest run that found links (portal health reads it), runs still
running, runs an announcement names, and every outbox row not yet sent (docs/running.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.orm import Session

from storage.base import CHUNK, Store
from storage.models import AlertDelivery, AlertEvent, AlertMessage, Announcement, CrawlRun
from storage.outbox import SENT
from storage.retry import retried

logger = logging.getLogger(__name__)

COMPLETED = ("finished", "partial")
RUNNING = "running"


@dataclass
class PruneReport:
    """Rows pruned (or, in a dry run, that would be) per table, older than ``cutoff``."""

    cutoff: datetime
    dry_run: bool = False
    deleted: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("crawl_runs", "alert_messages", "alert_deliveries", "alert_events"), 0
        )
    )

    @property
    def total(self) -> int:
        return sum(self.deleted.values())

    def describe(self) -> str:
        counts = ", ".join(f"{count} {table}" for table, count in self.deleted.items())
        verb = "would prune" if self.dry_run else "pruned"
        return f"{verb} {counts} (older than {self.cutoff.isoformat(timespec='seconds')})"


def _every(ids: Sequence[int], _session: Session) -> list[int]:
    return list(ids)


@dataclass(frozen=True)
class Walk:
    """Old rows to prune: ``query`` selects their ids (``key``), ``choose`` drops the kept
    ones from each chunk, and each ``(table, column)`` of ``targets`` loses the rows whose
    ``column`` is one of the rest."""

    query: Select[Any]
    key: Any
    targets: Sequence[tuple[Any, Any]]
    choose: Callable[[Sequence[int], Session], list[int]] = _every


class Retention(Store):
    """Prunes crawl_runs and the sent part of the outbox. Each chunk of at most ``CHUNK``
    rows is one transaction, so SQLite's write lock is never held for long."""

    def prune(self, cutoff: datetime, dry_run: bool = False, chunk: int = CHUNK) -> PruneReport:
        """Delete what is older than ``cutoff`` and not kept (see the module docstring)."""
        report = PruneReport(cutoff, dry_run)
        self._prune_runs(cutoff, report, chunk)
        self._prune_sent_messages(cutoff, report, chunk)
        self._prune_events(cutoff, report, chunk)
        logger.debug("retention: %s", report.describe())
        return report

    # -- crawl runs --------------------------------------------------------------------

    @retried("read the runs retention keeps")
    def kept_runs(self) -> set[int]:
        """Runs kept at any age: per portal the latest, the latest completed, the latest
        that found article links; and every run still running."""
        latest = select(func.max(CrawlRun.id)).group_by(CrawlRun.portal)
        queries = (
            latest,
            latest.where(CrawlRun.status.in_(COMPLETED)),
            latest.where(CrawlRun.list_pages > CrawlRun.empty_list_pages),
            select(CrawlRun.id).where(CrawlRun.status == RUNNING),
        )
        with self.session() as session:
            return {id_ for query in queries for id_ in session.scalars(query)}

    def _prune_runs(self, cutoff: datetime, report: PruneReport, chunk: int) -> None:
        kept = self.kept_runs()
        old = CrawlRun.started_at < cutoff
        # runs are numbered as they start: the newest old run bounds the walk by id
        bound = self._scalar(
            select(CrawlRun.id).where(old).order_by(CrawlRun.started_at.desc()).limit(1)
        )
        if bound is None:
            return

        def candidates(ids: Sequence[int], session: Session) -> list[int]:
            named = set(
                session.scalars(
                    select(Announcement.run_id).where(Announcement.run_id.in_(ids)).distinct()
                )
            )
            return [id_ for id_ in ids if id_ not in kept and id_ not in named]

        query = select(CrawlRun.id).where(old, CrawlRun.id <= bound)
        walk = Walk(query, CrawlRun.id, [(CrawlRun, CrawlRun.id)], candidates)
        report.deleted["crawl_runs"] = self._walk(walk, report.dry_run, chunk)[0]

    # -- the outbox --------------------------------------------------------------------

    def _prune_sent_messages(self, cutoff: datetime, report: PruneReport, chunk: int) -> None:
        query = select(AlertMessage.id).where(
            AlertMessage.status == SENT, AlertMessage.sent_at < cutoff
        )
        # a message's deliveries go with it: they name it
        targets = [(AlertDelivery, AlertDelivery.message), (AlertMessage, AlertMessage.id)]
        walk = Walk(query, AlertMessage.id, targets)
        deliveries, messages = self._walk(walk, report.dry_run, chunk)
        report.deleted["alert_messages"] = messages
        report.deleted["alert_deliveries"] = deliveries

    def _prune_events(self, cutoff: datetime, report: PruneReport, chunk: int) -> None:
        """Events matched before ``cutoff`` whose every delivery went out in a sent email."""
        undelivered = (
            select(AlertDelivery.id)
            .outerjoin(AlertMessage, AlertMessage.id == AlertDelivery.message)
            .where(
                AlertDelivery.announcement_id == AlertEvent.announcement_id,
                AlertDelivery.message.is_(None) | (AlertMessage.status != SENT),
            )
        )
        query = select(AlertEvent.id).where(AlertEvent.processed_at < cutoff, ~exists(undelivered))
        walk = Walk(query, AlertEvent.id, [(AlertEvent, AlertEvent.id)])
        report.deleted["alert_events"] = self._walk(walk, report.dry_run, chunk)[0]

    # -- chunks ------------------------------------------------------------------------

    @retried("read for retention")
    def _scalar(self, query: Select[Any]) -> Any:
        with self.session() as session:
            return session.scalar(query)

    def _walk(self, walk: Walk, dry_run: bool, chunk: int) -> list[int]:
        """Walk ``walk.query``'s ids in order, ``chunk`` at a time; of each chunk delete the
        ids ``walk.choose`` keeps from every ``(table, column)`` of ``walk.targets``, in that
        order. Returns the rows deleted (or found, in a dry run) per target."""
        totals = [0] * len(walk.targets)
        after = 0
        while True:
            done, after, counts = self._prune_chunk(walk, dry_run, chunk, after)
            totals = [total + count for total, count in zip(totals, counts, strict=True)]
            if done:
                return totals

    @retried("prune old rows")
    def _prune_chunk(
        self, walk: Walk, dry_run: bool, chunk: int, after: int
    ) -> tuple[bool, int, list[int]]:
        """One chunk, one transaction: whether it was the last, the id to go on after, the
        rows deleted per target."""
        counts = [0] * len(walk.targets)
        key = walk.key
        with self.session.begin() as session:
            ids = list(session.scalars(walk.query.where(key > after).order_by(key).limit(chunk)))
            if not ids:
                return True, after, counts
            doomed = walk.choose(ids, session)
            if doomed:
                for index, (table, column) in enumerate(walk.targets):
                    if dry_run:
                        counted = select(func.count()).select_from(table).where(column.in_(doomed))
                        counts[index] = session.scalar(counted) or 0
                    else:
                        deleted = session.execute(
                            delete(table)
                            .where(column.in_(doomed))
                            .execution_options(synchronize_session=False)
                        )
                        counts[index] = int(deleted.rowcount)  # type: ignore[attr-defined]
            return len(ids) < chunk, ids[-1], counts
