"""The outbox's messages: claimed for each attempt, sent, failed, held, requeued.

A sender claims a message in a transaction of its own before sending it, so two senders
never send the same message and every attempt is on record before it starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update

from storage.base import Store
from storage.models import AlertMessage
from storage.retry import retried

PENDING = "pending"
SENDING = "sending"  # claimed by one sender for one attempt, until its claim expires
SENT = "sent"
FAILED = "failed"  # given up: kept, visible in `govwatch alerts pending`, resent on request
HELD = "held"  # interrupted INTERRUPTED_LIMIT times: may have arrived that often; a person decides
UNSENT = (PENDING, SENDING, HELD, FAILED)  # what `govwatch alerts pending` lists
# attempts whose outcome is unknown before a message is held: the first may have arrived,
# the second is the one repeat the guarantee allows
INTERRUPTED_LIMIT = 2

_HELD_ERROR = (
    f"held: {INTERRUPTED_LIMIT} attempts were interrupted after the message went out, so it may"
    " have arrived already; `govwatch alerts resend` sends it again"
)


def _kind(channels: bool | None) -> list[Any]:
    if channels is None:
        return []
    return [AlertMessage.channel.is_not(None) if channels else AlertMessage.channel.is_(None)]


class Outbox(Store):
    """Messages from due to sent. ``sending`` is one sender's claim for one attempt; a claim
    that runs out (its sender died mid-send) makes that attempt *interrupted*: the message is
    sent once more, or held for a person after INTERRUPTED_LIMIT of them."""

    @retried("read due messages")
    def due_messages(self, now: datetime, limit: int = 100) -> list[AlertMessage]:
        stmt = (
            select(AlertMessage)
            .where(AlertMessage.status == PENDING, AlertMessage.next_attempt_at <= now)
            .order_by(AlertMessage.id)
            .limit(limit)
        )
        with self.session() as session:
            return list(session.scalars(stmt))

    @retried("claim a message")
    def claim_message(
        self, holder: str, now: datetime, ttl: float, channels: bool | None = None
    ) -> AlertMessage | None:
        """Take the oldest due message for one attempt of ``holder``'s, in a transaction of its
        own: ``sending`` until ``ttl`` seconds from now, its attempt counted before anything is
        sent. None when nothing is due. Of two senders only one gets a message: PostgreSQL
        skips a row another claim has locked (FOR UPDATE SKIP LOCKED) and re-checks one that
        changed; SQLite runs one writer at a time. ``channels``: only channel posts (True), only emails (False), or either (None)."""
        oldest = (
            select(AlertMessage.id)
            .where(AlertMessage.status == PENDING, AlertMessage.next_attempt_at <= now)
            .where(*_kind(channels))
            .order_by(AlertMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            update(AlertMessage)
            .where(AlertMessage.id == oldest, AlertMessage.status == PENDING)
            .values(
                status=SENDING,
                claimed_by=holder,
                claim_expires_at=now + timedelta(seconds=ttl),
                attempts=AlertMessage.attempts + 1,
            )
            .returning(AlertMessage)
            .execution_options(synchronize_session=False)
        )
        with self.session.begin() as session:
            return session.scalars(stmt).one_or_none()

    @retried("recover interrupted messages")
    def recover_interrupted(self, now: datetime) -> list[AlertMessage]:
        """Messages whose sender's claim ran out (it died or hung mid-send): that attempt
        counts as interrupted, for the server may have the message. Each is due again now, or
        held for a person once INTERRUPTED_LIMIT of its attempts were interrupted."""
        interrupted = AlertMessage.interrupted + 1
        held = interrupted >= INTERRUPTED_LIMIT
        stmt = (
            update(AlertMessage)
            .where(AlertMessage.status == SENDING, AlertMessage.claim_expires_at <= now)
            .values(
                status=case((held, HELD), else_=PENDING),
                interrupted=interrupted,
                next_attempt_at=now,
                claimed_by=None,
                claim_expires_at=None,
                last_error=case(
                    (held, _HELD_ERROR),
                    else_="the sender stopped mid-send: the server may have it",
                ),
            )
            .returning(AlertMessage)
            .execution_options(synchronize_session=False)
        )
        with self.session.begin() as session:
            return list(session.scalars(stmt))

    @retried("mark a message sent")
    def mark_sent(self, message_id: int, now: datetime) -> None:
        stmt = (
            update(AlertMessage)
            .where(AlertMessage.id == message_id)
            .values(
                status=SENT, sent_at=now, last_error=None, claimed_by=None, claim_expires_at=None
            )
        )
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("record a failed attempt")
    def release_message(
        self,
        message_id: int,
        holder: str,
        error: str,
        now: datetime,
        retry_at: datetime | None,
        uncertain: bool = False,
    ) -> str | None:
        """End ``holder``'s attempt that did not send: due again at ``retry_at``, or given up
        when it is None. ``uncertain``: the connection broke after the data went out, so the
        server may have it; that counts as interrupted (held at INTERRUPTED_LIMIT). Returns
        the message's new status; None when the claim was no longer ``holder``'s."""
        values: dict[str, Any] = {"last_error": error, "claimed_by": None, "claim_expires_at": None}
        status: Any = PENDING if retry_at is not None else FAILED
        if uncertain:
            interrupted = AlertMessage.interrupted + 1
            status = case((interrupted >= INTERRUPTED_LIMIT, HELD), else_=PENDING)
            values["interrupted"] = interrupted
            values["last_error"] = case(
                (interrupted >= INTERRUPTED_LIMIT, f"{_HELD_ERROR}; the last: {error}"),
                else_=error,
            )
            retry_at = retry_at or now
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        stmt = (
            update(AlertMessage)
            .where(
                AlertMessage.id == message_id,
                AlertMessage.status == SENDING,
                AlertMessage.claimed_by == holder,
            )
            .values(status=status, **values)
            .returning(AlertMessage.status)
            .execution_options(synchronize_session=False)
        )
        with self.session.begin() as session:
            return session.scalar(stmt)

    @retried("mark a message failed")
    def mark_failed(
        self, message_id: int, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record an attempt that failed before the message was claimed (no connection to
        the server): retry at ``retry_at``, or give up when it is None. A message another
        sender has claimed meanwhile is left to it."""
        values: dict[str, Any] = {"attempts": AlertMessage.attempts + 1, "last_error": error}
        if retry_at is None:
            values["status"] = FAILED
        else:
            values["next_attempt_at"] = retry_at
        stmt = (
            update(AlertMessage)
            .where(AlertMessage.id == message_id, AlertMessage.status == PENDING)
            .values(**values)
        )
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("read a message")
    def message(self, message_id: int) -> AlertMessage | None:
        with self.session() as session:
            return session.get(AlertMessage, message_id)

    @retried("read messages")
    def messages(self, statuses: Sequence[str] = UNSENT, limit: int = 1000) -> list[AlertMessage]:
        stmt = (
            select(AlertMessage)
            .where(AlertMessage.status.in_(statuses))
            .order_by(AlertMessage.id)
            .limit(limit)
        )
        with self.session() as session:
            return list(session.scalars(stmt))

    @retried("requeue a message")
    def requeue(self, message_id: int, now: datetime) -> AlertMessage | None:
        """Queue a message again (given up, held or sent), with a fresh give-up clock and no
        interrupted attempts; one a sender is sending now (its claim live) is left as it is."""
        stmt = (
            update(AlertMessage)
            .where(
                AlertMessage.id == message_id,
                or_(AlertMessage.status != SENDING, AlertMessage.claim_expires_at <= now),
            )
            .values(
                status=PENDING,
                queued_at=now,
                next_attempt_at=now,
                last_error=None,
                interrupted=0,
                claimed_by=None,
                claim_expires_at=None,
            )
        )
        with self.session.begin() as session:
            session.execute(stmt)
            return session.get(AlertMessage, message_id)

    @retried("count messages")
    def count_messages(self) -> dict[str, int]:
        stmt = select(AlertMessage.status, func.count(AlertMessage.id)).group_by(
            AlertMessage.status
        )
        with self.session() as session:
            return {status: count for status, count in session.execute(stmt).all()}
