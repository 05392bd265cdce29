"""Alert delivery: match new announcements, build digests, send due emails, retry failures.

How this adds up to exactly once is told in :class:`Delivery`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from scheduler import emails
from scheduler.alerts_file import AlertsConfig, Subscription
from scheduler.exceptions import MailError
from scheduler.mailer import Mailer, MessageRefused
from scheduler.settings import Settings
from scheduler.subscriptions import matching
from storage import AlertMessage, Item, Match, NewMessage, Repository, utcnow

logger = logging.getLogger(__name__)

BATCH = 100


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def backoff(attempts: int, settings: Settings) -> float:
    """Seconds to wait after the ``attempts``-th failure: doubling, capped."""
    return float(min(settings.retry_max, settings.retry_first * 2 ** max(0, attempts - 1)))


class Delivery:
    """Exactly once, step by step.

    The crawl writes an alert event with each new announcement, in the transaction that
    stores it. :meth:`expand` turns an event into deliveries and instant emails in one
    transaction, unique per (subscription, announcement). :meth:`send_due` sends each email
    and marks it sent right after: a crash in between repeats that one email, with the same
    Message-ID. Failures are retried after ``retry_first`` doubling up to ``retry_max``, and
    given up ``give_up_after`` after queueing (kept, listed by `govwatch alerts pending`).
    """

    def __init__(
        self,
        store: Repository,
        settings: Settings,
        alerts: AlertsConfig,
        mailer: Mailer | None,
        clock: Callable[[], datetime] = utcnow,
        stop: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.alerts = alerts
        self.mailer = mailer
        self.clock = clock
        self.stop = stop or threading.Event()
        self.domain = alerts.smtp.domain if alerts.smtp else "govwatch.invalid"

    # -- events → deliveries -------------------------------------------------------

    def _match(self, subscription: Subscription, item: Item) -> Match:
        if subscription.mode != "instant":
            return Match(subscription.name, None)  # waits for the digest
        message = emails.instant(
            subscription, item, self.settings.zone, self.alerts.admin, self.domain
        )
        return Match(subscription.name, message)

    def expand(self) -> int:
        """Match every new announcement against the subscriptions; returns emails queued."""
        queued = 0
        while not self.stop.is_set():
            events = self.store.pending_events(BATCH)
            for event_id, item in events:
                matches = [
                    self._match(sub, item)
                    for sub in matching(self.alerts.subscriptions, item.announcement, item.portal)
                ]
                queued += self.store.expand_event(
                    event_id, item.announcement.id, matches, self.clock()
                )
                if matches:
                    logger.info(
                        "%s: matches %s",
                        item.announcement.url,
                        ", ".join(m.subscription for m in matches),
                    )
            if len(events) < BATCH:
                break
        return queued

    # -- digests -------------------------------------------------------------------

    def build_digest(self, name: str, flush: bool = False) -> int | None:
        """Queue one email with everything subscription ``name`` collected; None when empty.

        Only digest subscriptions have digests, unless ``flush``: what waited for one before
        the subscription turned instant.
        """
        subscription = self.alerts.subscription(name)
        if subscription is None or (subscription.mode != "digest" and not flush):
            return None
        now = self.clock()

        def render(items: list[Item], first: int) -> NewMessage:
            return emails.digest(
                subscription,
                items,
                first,
                now,
                self.settings.zone,
                self.alerts.admin,
                self.domain,
            )

        message = self.store.build_digest(name, render, now)
        if message is not None:
            logger.info("digest %s: queued as email #%s", name, message)
        return message

    # -- sending -------------------------------------------------------------------

    def email(self, message: AlertMessage) -> EmailMessage:
        sender = self.alerts.smtp.sender if self.alerts.smtp else f"govwatch@{self.domain}"
        return emails.to_email(
            subject=message.subject,
            text=message.text,
            html=message.html,
            recipients=message.recipients,
            sender=sender,
            message_id=message.message_id,
            date=message.created_at,
            subscription=message.subscription,
            admin=self.alerts.admin,
        )

    def _failed(self, message: AlertMessage, error: str, report: SendReport) -> None:
        now = self.clock()
        attempts = message.attempts + 1
        give_up = now - message.queued_at >= timedelta(seconds=self.settings.give_up_after)
        retry_at = None if give_up else now + timedelta(seconds=backoff(attempts, self.settings))
        self.store.mark_failed(message.id, error, now, retry_at)
        if retry_at is None:
            report.gave_up += 1
            logger.error(
                "email #%s to %s: given up after %d attempts: %s "
                "(see `govwatch alerts pending`; `govwatch alerts resend %s` tries again)",
                message.id,
                ", ".join(message.recipients),
                attempts,
                error,
                message.id,
            )
        else:
            report.failed += 1
            logger.warning(
                "email #%s to %s: attempt %d failed: %s; next attempt at %s",
                message.id,
                ", ".join(message.recipients),
                attempts,
                error,
                retry_at.isoformat(timespec="seconds"),
            )

    def send_due(self) -> SendReport:
        """Send every due message over one connection; mark each sent as soon as it is."""
        report = SendReport()
        if self.mailer is None:
            return report
        due = self.store.due_messages(self.clock(), BATCH)
        if not due:
            return report
        remaining = list(due)
        try:
            with self.mailer.connect() as connection:
                while remaining and not self.stop.is_set():
                    message = remaining[0]
                    try:
                        connection.send(self.email(message))
                    except MessageRefused as exc:
                        remaining.pop(0)
                        self._failed(message, str(exc), report)
                        continue
                    remaining.pop(0)
                    self.store.mark_sent(message.id, self.clock())
                    report.sent += 1
                    logger.info(
                        "email #%s sent to %s: %s",
                        message.id,
                        ", ".join(message.recipients),
                        message.subject,
                    )
        except MailError as exc:
            # the server is unreachable or went away: every message left waits its turn
            for message in remaining:
                self._failed(message, str(exc), report)
        return report

    def flush_digests(self) -> None:
        """Send what waits for a digest of a subscription that has become instant."""
        for name in self.store.waiting():
            subscription = self.alerts.subscription(name)
            if subscription is not None and subscription.mode == "instant":
                self.build_digest(name, flush=True)

    def run(self) -> SendReport:
        """One sender run: expand new events, then send what is due."""
        self.expand()
        self.flush_digests()
        return self.send_due()
