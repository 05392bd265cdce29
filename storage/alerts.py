"""The alert outbox: events → deliveries → messages, and digests.

Each step is one transaction guarded by a unique constraint, so repeating it changes nothing.
Sending the messages is storage.outbox's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from storage.models import (
    AlertDelivery,
    AlertEvent,
    AlertMessage,
    Announcement,
    PortalRow,
    Revision,
)
from storage.outbox import PENDING, Outbox
from storage.retry import retried

logger = logging.getLogger(__name__)


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
    channel: str | None = None  # None: an email; else an Apprise URL (AlertMessage.channel)


@dataclass(frozen=True)
class Match:
    """A subscription an announcement matched; ``message`` is None when it waits for a digest.
    ``more``: the same alert for the subscription's other channels (queued with it)."""

    subscription: str
    message: NewMessage | None
    more: Sequence[NewMessage] = ()


@dataclass(frozen=True)
class Item:
    """An announcement with its portal, as rendered into an email."""

    announcement: Announcement
    portal: PortalRow


class Alerts(Outbox):
    """The outbox tables: an alert event per new announcement (written with it by
    ``add_announcements``), a delivery per (subscription, duplicate cluster), a message per key.
    Matching and rendering happen in ``scheduler``; this class only stores.
    """

    # -- events → deliveries (and instant messages) --------------------------------

    @retried("read alert events")
    def pending_events(self, limit: int = 100) -> list[tuple[int, Item]]:
        """Alert events not yet matched against subscriptions, oldest first."""
        stmt = (
            select(AlertEvent.id, Announcement, PortalRow)
            .join(Announcement, Announcement.id == AlertEvent.announcement_id)
            .join(PortalRow, PortalRow.name == Announcement.portal)
            .where(AlertEvent.processed_at.is_(None))
            .order_by(AlertEvent.id)
            .limit(limit)
        )
        with self.session() as session:
            return [(row[0], Item(row[1], row[2])) for row in session.execute(stmt)]

    @retried("expand an alert event")
    def expand_event(
        self, event_id: int, announcement_id: int, matches: Sequence[Match], now: datetime
    ) -> int:
        """In one transaction: a delivery per match, the instant messages, the event done.

        A delivery is unique per (subscription, duplicate cluster): a copy of an announcement
        the subscription already heard of (through another portal's copy) gets none.
        Returns the number of messages created (0 when another process got there first).
        """
        created = 0
        with self.session.begin() as session:
            cluster = session.scalar(_cluster_of, {"id": announcement_id})
            for match in matches:
                # the delivery first: when it exists (this cluster was delivered to this
                # subscription, or another process expanded the event) nothing is rendered
                delivery = session.scalar(
                    self._insert(AlertDelivery)
                    .values(
                        subscription=match.subscription,
                        announcement_id=announcement_id,
                        cluster_id=cluster,
                        created_at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(AlertDelivery.id)
                )
                if delivery is None or match.message is None:
                    continue  # a digest's delivery waits for it without a message
                for other in match.more:
                    created += self._add_message(session, other, now) is not None
                message_id = self._add_message(session, match.message, now)
                if message_id is None:  # rendered before, by a run whose answer was lost
                    message_id = session.scalar(
                        select(AlertMessage.id).where(AlertMessage.key == match.message.key)
                    )
                else:
                    created += 1
                session.execute(
                    update(AlertDelivery)
                    .where(AlertDelivery.id == delivery)
                    .values(message=message_id)
                    .execution_options(synchronize_session=False)
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
            self._insert(AlertMessage)
            .values(
                key=message.key,
                kind=message.kind,
                subscription=message.subscription,
                recipients=list(message.recipients),
                message_id=message.message_id,
                subject=message.subject,
                text=message.text,
                html=message.html,
                channel=message.channel,
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

    @retried("queue change alerts")
    def add_change_messages(
        self, revision_id: int, messages: Sequence[NewMessage], now: datetime
    ) -> int:
        """A revision's change alerts queued and the revision marked alerted, in one
        transaction: each message once by its key, however often this runs."""
        created = 0
        with self.session.begin() as session:
            for message in messages:
                created += self._add_message(session, message, now) is not None
            session.execute(
                update(Revision)
                .where(Revision.id == revision_id, Revision.alerted_at.is_(None))
                .values(alerted_at=now)
            )
        return created

    @retried("queue a message")
    def add_message(self, message: NewMessage, now: datetime) -> int | None:
        with self.session.begin() as session:
            return self._add_message(session, message, now)

    # -- digests ---------------------------------------------------------------------

    @retried("count waiting deliveries")
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

    @retried("build a digest")
    def build_digest(
        self,
        subscription: str,
        render: Callable[[list[Item], int], Sequence[NewMessage]],
        now: datetime,
    ) -> int | None:
        """Collect a subscription's waiting deliveries into one message per channel, in one
        transaction.

        ``render(items, first_delivery_id)`` makes the messages; the deliveries name the first.
        Returns its id, or None when nothing was waiting (an empty period sends nothing).
        """
        stmt = (
            select(AlertDelivery.id, Announcement, PortalRow)
            .join(Announcement, Announcement.id == AlertDelivery.announcement_id)
            .join(PortalRow, PortalRow.name == Announcement.portal)
            .where(AlertDelivery.subscription == subscription, AlertDelivery.message.is_(None))
            .order_by(AlertDelivery.id)
        )
        try:
            with self.session.begin() as session:
                rows = session.execute(stmt).all()
                if not rows:
                    return None
                ids = [row[0] for row in rows]
                first, *more = render([Item(row[1], row[2]) for row in rows], ids[0])
                message_id = self._add_message(session, first, now)
                if message_id is None:
                    raise _Taken(first.key)
                for other in more:
                    if self._add_message(session, other, now) is None:
                        raise _Taken(other.key)
                claimed = session.execute(
                    update(AlertDelivery)
                    .where(AlertDelivery.id.in_(ids), AlertDelivery.message.is_(None))
                    .values(message=message_id)
                ).rowcount  # type: ignore[attr-defined]
                if claimed != len(ids):
                    raise _Taken(first.key)
                return message_id
        except (_Taken, IntegrityError):
            logger.info("digest %s: built by another process meanwhile", subscription)
            return None

    @retried("count alert events")
    def unprocessed_events(self) -> int:
        stmt = select(func.count(AlertEvent.id)).where(AlertEvent.processed_at.is_(None))
        with self.session() as session:
            return session.scalar(stmt) or 0


# the id of an announcement's cluster: its first copy's (by duplicate_of), else its own
_first = aliased(Announcement)
_cluster_of = (
    select(func.coalesce(_first.id, Announcement.id))
    .select_from(Announcement)
    .outerjoin(_first, _first.url == Announcement.duplicate_of)
    .where(Announcement.id == bindparam("id"))
)
