"""Alert delivery: match new announcements, build digests, send due emails, retry failures.

How this adds up to each alert once is told in :class:`Delivery`.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from scheduler import chat, emails
from scheduler.alerts_file import AlertsConfig, Subscription
from scheduler.changes import queue_changes
from scheduler.channels import AppriseChannel, Channel, EmailChannel, Link
from scheduler.exceptions import MailError
from scheduler.mailer import Mailer, MaybeSent, MessageRefused
from scheduler.settings import Settings
from scheduler.subscriptions import matching
from storage import HELD, AlertMessage, Item, Match, NewMessage, Repository, holder_name, utcnow

logger = logging.getLogger(__name__)

BATCH = 100
_senders = itertools.count(1)  # tells apart the senders of one process in their claims


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    held: int = 0  # interrupted twice: waits for a person (`govwatch alerts pending`)


def backoff(attempts: int, settings: Settings) -> float:
    """Seconds to wait after the ``attempts``-th failure: doubling, capped."""
    return float(min(settings.retry_max, settings.retry_first * 2 ** max(0, attempts - 1)))


class Delivery:
    """Each alert once; after an unclean stop at most one repeat, with the same Message-ID.

    The crawl writes an alert event with each new announcement, in the transaction that
    stores it. :meth:`expand` turns an event into deliveries and instant emails in one
    transaction, unique per (subscription, cluster of copies). :meth:`send_due` claims each
    email in a transaction of its own (``sending``, its attempt counted), sends it and marks
    it sent: of two senders only one has it. A sender that dies mid-send leaves its claim to
    run out (``send_claim``); the attempt then counts as interrupted and the email is sent
    once more with the same Message-ID; after a second interrupted attempt it is held for a
    person (`govwatch alerts pending`, `govwatch alerts resend`). Failures are retried after
    ``retry_first`` doubling up to ``retry_max``, and given up ``give_up_after`` after
    queueing (kept, listed by `govwatch alerts pending`).
    """

    def __init__(
        self,
        store: Repository,
        settings: Settings,
        alerts: AlertsConfig,
        mailer: Mailer | None,
        clock: Callable[[], datetime] = utcnow,
        stop: threading.Event | None = None,
        holder: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.env = os.environ if env is None else env  # the ${VAR}s of channel URLs
        self.holder = holder or f"{holder_name('sender')} #{next(_senders)}"
        self.settings = settings
        self.alerts = alerts
        self.mailer = mailer
        self.clock = clock
        self.stop = stop or threading.Event()
        self.domain = alerts.smtp.domain if alerts.smtp else "govwatch.invalid"

    # -- events → deliveries -------------------------------------------------------

    def register(self) -> dict[str, datetime]:
        """Record each subscription's start the first time it is loaded (the store's clock,
        as first_seen_at is): it is told only of announcements first seen after that."""
        names = [sub.name for sub in self.alerts.subscriptions]
        return self.store.subscription_starts(names, utcnow()) if names else {}

    def _match(self, subscription: Subscription, item: Item) -> Match:
        if subscription.mode != "instant":
            return Match(subscription.name, None)  # waits for the digest
        zone = self.settings.zone
        messages = [
            chat.instant(subscription, item, zone, url, self.domain) for url in subscription.notify
        ]
        if subscription.to:
            messages.insert(
                0, emails.instant(subscription, item, zone, self.alerts.admin, self.domain)
            )
        return Match(subscription.name, messages[0], messages[1:])

    def expand(self) -> int:
        """Match every new announcement against the subscriptions; returns emails queued."""
        queued = 0
        subscriptions = self.alerts.subscriptions
        starts = self.register()
        while not self.stop.is_set():
            events = self.store.pending_events(BATCH)
            for event_id, item in events:
                wanted = matching(
                    subscriptions, item.announcement, item.portal, starts, self.clock()
                )
                matches = [self._match(sub, item) for sub in wanted]
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

        def render(items: list[Item], first: int) -> list[NewMessage]:
            zone = self.settings.zone
            messages = [
                chat.digest(subscription, items, first, now, zone, url, self.domain)
                for url in subscription.notify
            ]
            if subscription.to:
                messages.insert(
                    0,
                    emails.digest(
                        subscription, items, first, now, zone, self.alerts.admin, self.domain
                    ),
                )
            return messages

        message = self.store.build_digest(name, render, now)
        if message is not None:
            logger.info("digest %s: queued as message #%s", name, message)
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

    def _what(self, message: AlertMessage) -> str:
        """``email #3 to a@example.org`` or ``message #4 to json://host/path``."""
        if message.channel is None:
            return f"email #{message.id} to {', '.join(message.recipients)}"
        return AppriseChannel(self.env).describe(message)

    def _failed(
        self, message: AlertMessage, error: str, report: SendReport, claimed: bool = True
    ) -> None:
        """An attempt that did not send: retried after a backoff, or given up. ``claimed``:
        this sender's claimed attempt (counted); else the connection failed before it."""
        now = self.clock()
        attempts = message.attempts if claimed else message.attempts + 1
        give_up = now - message.queued_at >= timedelta(seconds=self.settings.give_up_after)
        retry_at = None if give_up else now + timedelta(seconds=backoff(attempts, self.settings))
        if claimed:
            self.store.release_message(message.id, self.holder, error, now, retry_at)
        else:
            self.store.mark_failed(message.id, error, now, retry_at)
        if retry_at is None:
            report.gave_up += 1
            logger.error(
                "%s: given up after %d attempts: %s "
                "(see `govwatch alerts pending`; `govwatch alerts resend %s` tries again)",
                self._what(message),
                attempts,
                error,
                message.id,
            )
        else:
            report.failed += 1
            logger.warning(
                "%s: attempt %d failed: %s; next attempt at %s",
                self._what(message),
                attempts,
                error,
                retry_at.isoformat(timespec="seconds"),
            )

    def _interrupted(self, message: AlertMessage, status: str | None, report: SendReport) -> None:
        """Log an attempt whose outcome is unknown: the message is repeated once, then held."""
        key = "Message-ID" if message.channel is None else "key"
        if status == HELD:
            report.held += 1
            logger.error(
                "%s: held, for its sending was interrupted twice and it may have "
                "arrived already (%s %s); see `govwatch alerts pending`, "
                "`govwatch alerts resend %s` sends it again",
                self._what(message),
                key,
                message.message_id,
                message.id,
            )
        elif status is not None:
            logger.warning(
                "%s: its sending was interrupted (%s); sending it once more, with the same %s %s",
                self._what(message),
                message.last_error,
                key,
                message.message_id,
            )

    def _send(self, link: Link, message: AlertMessage, report: SendReport) -> None:
        """Send one claimed message and record how it went; MailError when the link broke."""
        try:
            link.send(message)
        except MessageRefused as exc:
            self._failed(message, str(exc), report)
            return
        except MaybeSent as exc:
            now = self.clock()
            retry_at = now + timedelta(seconds=backoff(message.attempts, self.settings))
            status = self.store.release_message(
                message.id, self.holder, str(exc), now, retry_at, uncertain=True
            )
            message.last_error = str(exc)
            self._interrupted(message, status, report)
            raise
        except MailError as exc:
            self._failed(message, str(exc), report)
            raise
        self.store.mark_sent(message.id, self.clock())
        report.sent += 1
        logger.info("%s sent: %s", self._what(message), message.subject)

    def channels(self) -> list[Channel]:
        """Emails through the mailer (when there is one), channel posts through Apprise."""
        found: list[Channel] = [AppriseChannel(self.env)]
        if self.mailer is not None:
            found.insert(0, EmailChannel(self.mailer, self.email))
        return found

    def send_due(self) -> SendReport:
        """Send every due message, emails over one connection, each claimed before it is
        sent and marked sent as soon as it is."""
        report = SendReport()
        for message in self.store.recover_interrupted(self.clock()):
            self._interrupted(message, message.status, report)
        due = self.store.due_messages(self.clock(), BATCH)
        for channel in self.channels():
            mine = [message for message in due if (message.channel is not None) == channel.channels]
            if mine:
                self._send_batch(channel, mine, report)
        return report

    def _send_batch(self, channel: Channel, due: list[AlertMessage], report: SendReport) -> None:
        tried: set[int] = set()
        try:
            with channel.connect() as link:
                while len(tried) < BATCH and not self.stop.is_set():
                    claimed = self.store.claim_message(
                        self.holder, self.clock(), self.settings.send_claim, channel.channels
                    )
                    if claimed is None:
                        break
                    tried.add(claimed.id)
                    self._send(link, claimed, report)
        except MailError as exc:
            # the server is unreachable or went away: what this sender has not tried waits
            # its turn (what another sender has claimed meanwhile is left to it)
            for message in due:
                if message.id not in tried:
                    self._failed(message, str(exc), report, claimed=False)

    def flush_digests(self) -> None:
        """Send what waits for a digest of a subscription that has become instant."""
        for name in self.store.waiting():
            subscription = self.alerts.subscription(name)
            if subscription is not None and subscription.mode == "instant":
                self.build_digest(name, flush=True)

    def run(self) -> SendReport:
        """One sender run: expand new events, then send what is due."""
        self.expand()
        queue_changes(self.store, self.alerts, self.domain)  # revisions: scheduler.changes
        self.flush_digests()
        return self.send_due()
