"""The alert outbox's SQL: events → deliveries → messages, portal health, the daemon lock.

Each step is one transaction guarded by a unique constraint, so repeating it changes nothing.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.exceptions import StorageError
from storage.models import (
    AlertDelivery,
    AlertEvent,
    AlertMessage,
    Announcement,
    CrawlRun,
    Portal,
    PortalHealth,
)
from storage.repository import Repository

logger = logging.getLogger(__name__)

PENDING = "pending"
SENT = "sent"
FAILED = "failed"  # given up: kept, visible in `govwatch alerts pending`, resent on request
OK = "ok"
BROKEN = "broken"


class DaemonRunning(StorageError):
    """Another `govwatch run` holds this database."""


class _Taken(Exception):
    """Another process built the same digest meanwhile; the transaction rolls back."""


@dataclass(frozen=True)
class NewMessage:
    """A rendered email for the outbox; ``key`` makes it unique (see AlertMessage.key)."""

    key: str
    kind: str
    subscription: str | None
    recipients: list[str]
    message_id: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Match:
    """A subscription an announcement matched; ``message`` is None when it waits for a digest."""

    subscription: str
    message: NewMessage | None


@dataclass(frozen=True)
class Item:
    """An announcement with its portal, as rendered into an email."""

    announcement: Announcement
    portal: Portal


@dataclass(frozen=True)
class PortalSummary:
    announcements: int
    meetings: int
    last_meeting_at: datetime | None


class AlertStore:
    """The outbox tables, on a :class:`Repository`'s engine.

    An alert event per new announcement (written with it by
    ``Repository.add_announcements``), a delivery per (subscription, announcement), a message
    per key: matching and rendering happen in ``scheduler``, this class only stores.
    """

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.session = repo.session

    # -- events → deliveries (and instant messages) --------------------------------

    def pending_events(self, limit: int = 100) -> list[tuple[int, Item]]:
        """Alert events not yet matched against subscriptions, oldest first."""
        stmt = (
            select(AlertEvent.id, Announcement, Portal)
            .join(Announcement, Announcement.id == AlertEvent.announcement_id)
            .join(Portal, Portal.name == Announcement.portal)
            .where(AlertEvent.processed_at.is_(None))
            .order_by(AlertEvent.id)
            .limit(limit)
        )
        with self.session() as session:
            return [(row[0], Item(row[1], row[2])) for row in session.execute(stmt)]

    def expand_event(
        self, event_id: int, announcement_id: int, matches: Sequence[Match], now: datetime
    ) -> int:
        """In one transaction: a delivery per match, the instant messages, the event done.

        Returns the number of messages created (0 when another process got there first).
        """
        created = 0
        with self.session.begin() as session:
            for match in matches:
                message_id = None
                if match.message is not None:
                    message_id = self._add_message(session, match.message, now)
                    created += message_id is not None
                    if message_id is None:
                        continue  # expanded before: its delivery exists too
                session.execute(
                    self.repo._insert(AlertDelivery)
                    .values(
                        subscription=match.subscription,
                        announcement_id=announcement_id,
                        message=message_id,
                        created_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["subscription", "announcement_id"])
                )
            session.execute(
                update(AlertEvent)
                .where(AlertEvent.id == event_id, AlertEvent.processed_at.is_(None))
                .values(processed_at=now)
            )
        return created

    def _add_message(self, session: Session, message: NewMessage, now: datetime) -> int | None:
        """Insert a message unless its key exists; its id, or None when it existed."""
        stmt = (
            self.repo._insert(AlertMessage)
            .values(
                key=message.key,
                kind=message.kind,
                subscription=message.subscription,
                recipients=list(message.recipients),
                message_id=message.message_id,
                subject=message.subject,
                text=message.text,
                html=message.html,
                status=PENDING,
                attempts=0,
                created_at=now,
                queued_at=now,
                next_attempt_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(AlertMessage.id)
        )
        return session.scalar(stmt)

    def add_message(self, message: NewMessage, now: datetime) -> int | None:
        with self.session.begin() as session:
            return self._add_message(session, message, now)

    # -- digests ---------------------------------------------------------------------

    def waiting(self, subscription: str | None = None) -> dict[str, int]:
        """Deliveries waiting for a digest, per subscription."""
        stmt = (
            select(AlertDelivery.subscription, func.count(AlertDelivery.id))
            .where(AlertDelivery.message.is_(None))
            .group_by(AlertDelivery.subscription)
        )
        if subscription is not None:
            stmt = stmt.where(AlertDelivery.subscription == subscription)
        with self.session() as session:
            return {name: count for name, count in session.execute(stmt).all()}

    def build_digest(
        self,
        subscription: str,
        render: Callable[[list[Item], int], NewMessage],
        now: datetime,
    ) -> int | None:
        """Collect a subscription's waiting deliveries into one message, in one transaction.

        ``render(items, first_delivery_id)`` makes the message. Returns its id, or None when
        nothing was waiting (an empty period sends nothing).
        """
        stmt = (
            select(AlertDelivery.id, Announcement, Portal)
            .join(Announcement, Announcement.id == AlertDelivery.announcement_id)
            .join(Portal, Portal.name == Announcement.portal)
            .where(AlertDelivery.subscription == subscription, AlertDelivery.message.is_(None))
            .order_by(AlertDelivery.id)
        )
        try:
            with self.session.begin() as session:
                rows = session.execute(stmt).all()
                if not rows:
                    return None
                ids = [row[0] for row in rows]
                message = render([Item(row[1], row[2]) for row in rows], ids[0])
                message_id = self._add_message(session, message, now)
                if message_id is None:
                    raise _Taken(message.key)
                claimed = session.execute(
                    update(AlertDelivery)
                    .where(AlertDelivery.id.in_(ids), AlertDelivery.message.is_(None))
                    .values(message=message_id)
                ).rowcount  # type: ignore[attr-defined]
                if claimed != len(ids):
                    raise _Taken(message.key)
                return message_id
        except (_Taken, IntegrityError):
            logger.info("digest %s: built by another process meanwhile", subscription)
            return None

    # -- messages ----------------------------------------------------------------------

    def due_messages(self, now: datetime, limit: int = 100) -> list[AlertMessage]:
        stmt = (
            select(AlertMessage)
            .where(AlertMessage.status == PENDING, AlertMessage.next_attempt_at <= now)
            .order_by(AlertMessage.id)
            .limit(limit)
        )
        with self.session() as session:
            return list(session.scalars(stmt))

    def mark_sent(self, message_id: int, now: datetime) -> None:
        stmt = (
            update(AlertMessage)
            .where(AlertMessage.id == message_id)
            .values(status=SENT, sent_at=now, attempts=AlertMessage.attempts + 1, last_error=None)
        )
        with self.session.begin() as session:
            session.execute(stmt)

    def mark_failed(
        self, message_id: int, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt: retry at ``retry_at``, or give up when it is None."""
        values: dict[str, Any] = {"attempts": AlertMessage.attempts + 1, "last_error": error}
        if retry_at is None:
            values["status"] = FAILED
        else:
            values["next_attempt_at"] = retry_at
        stmt = update(AlertMessage).where(AlertMessage.id == message_id).values(**values)
        with self.session.begin() as session:
            session.execute(stmt)

    def message(self, message_id: int) -> AlertMessage | None:
        with self.session() as session:
            return session.get(AlertMessage, message_id)

    def messages(
        self, statuses: Sequence[str] = (PENDING, FAILED), limit: int = 1000
    ) -> list[AlertMessage]:
        stmt = (
            select(AlertMessage)
            .where(AlertMessage.status.in_(statuses))
            .order_by(AlertMessage.id)
            .limit(limit)
        )
        with self.session() as session:
            return list(session.scalars(stmt))

    def requeue(self, message_id: int, now: datetime) -> AlertMessage | None:
        """Queue a message again (failed or sent), with a fresh give-up clock."""
        stmt = (
            update(AlertMessage)
            .where(AlertMessage.id == message_id)
            .values(status=PENDING, queued_at=now, next_attempt_at=now, last_error=None)
        )
        with self.session.begin() as session:
            session.execute(stmt)
        return self.message(message_id)

    def count_messages(self) -> dict[str, int]:
        stmt = select(AlertMessage.status, func.count(AlertMessage.id)).group_by(
            AlertMessage.status
        )
        with self.session() as session:
            return {status: count for status, count in session.execute(stmt).all()}

    def unprocessed_events(self) -> int:
        stmt = select(func.count(AlertEvent.id)).where(AlertEvent.processed_at.is_(None))
        with self.session() as session:
            return session.scalar(stmt) or 0

    # -- portal health -----------------------------------------------------------------

    def health(self) -> dict[str, PortalHealth]:
        with self.session() as session:
            return {row.portal: row for row in session.scalars(select(PortalHealth))}

    def portal_health(self, portal: str) -> PortalHealth | None:
        with self.session() as session:
            return session.get(PortalHealth, portal)

    def record_health(
        self,
        portal: str,
        state: str,
        reason: str | None,
        run_id: int,
        now: datetime,
        render: Callable[[int], NewMessage | None],
    ) -> bool:
        """Store a portal's judged state after run ``run_id``, in one transaction.

        A change of state counts one more transition and queues ``render(change number)``
        (the health email, or None); judging the same run twice changes nothing. Returns
        whether the state changed.
        """
        with self.session.begin() as session:
            row = session.get(PortalHealth, portal, with_for_update=True)
            if row is None:
                row = PortalHealth(
                    portal=portal, state=OK, reason=None, since=now, last_run_id=None, changes=0
                )
                session.add(row)
            if row.last_run_id is not None and row.last_run_id >= run_id:
                return False
            row.last_run_id = run_id
            if row.state == state:
                row.reason = reason if state != OK else None
                return False
            row.state, row.reason, row.since = state, reason, now
            row.changes += 1
            session.flush()
            message = render(row.changes)
            if message is not None:
                self._add_message(session, message, now)
            return True

    def ever_had_links(self, portal: str, before_run: int) -> bool:
        """Whether a run of ``portal`` before ``before_run`` found article links on a list page."""
        stmt = select(CrawlRun.id).where(
            CrawlRun.portal == portal,
            CrawlRun.id < before_run,
            CrawlRun.list_pages > CrawlRun.empty_list_pages,
        )
        with self.session() as session:
            return session.scalar(stmt.limit(1)) is not None

    # -- status ------------------------------------------------------------------------

    def portal_summaries(self) -> dict[str, PortalSummary]:
        """Per portal: announcements stored, meetings among them, when the last meeting came."""
        original = Announcement.duplicate_of.is_(None)
        meeting = and_(Announcement.is_meeting.is_(True), original)
        stmt = select(
            Announcement.portal,
            func.count(Announcement.id),
            func.count(Announcement.id).filter(meeting),
            func.max(Announcement.first_seen_at).filter(meeting),
        ).group_by(Announcement.portal)
        with self.session() as session:
            return {
                name: PortalSummary(total, meetings, last)
                for name, total, meetings, last in session.execute(stmt).all()
            }

    # -- one daemon per database -------------------------------------------------------

    @contextmanager
    def daemon_lock(self) -> Iterator[None]:
        """Held for a daemon's lifetime; a second daemon on the same database is refused.

        SQLite: an flock on ``<database>.daemon.lock``; PostgreSQL: a session advisory lock.
        The operating system or the server releases either when the process dies.
        """
        engine = self.repo.engine
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                key = "hashtext('govwatch daemon')"
                if not connection.scalar(text(f"SELECT pg_try_advisory_lock({key})")):
                    raise DaemonRunning(f"another govwatch daemon is running on {self.repo.url}")
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(text(f"SELECT pg_advisory_unlock({key})"))
                    connection.commit()
            return
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        path = Path(f"{database}.daemon.lock")
        handle: IO[str] = path.open("a+")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DaemonRunning(
                    f"another govwatch daemon is running on {self.repo.url} ({path} is locked)"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.close()
