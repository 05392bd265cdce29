"""``govwatch alerts test|pending|resend``: the alert emails and their outbox."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from crawler.cli.common import (
    Commands,
    alerts_config,
    alerts_path,
    db_url,
    local_time,
    scheduler_settings,
)
from crawler.exceptions import ConfigError, GovwatchError

if TYPE_CHECKING:
    from scheduler.settings import Settings
    from storage import AlertMessage


def _test_channel(url: str) -> int:
    """Post a test message to a channel URL through Apprise, now."""
    from scheduler.channel_urls import ChannelError, check, expand, label
    from scheduler.channels import post
    from scheduler.exceptions import MailError

    try:
        check(url, os.environ)
        where = label(url, os.environ)
        post(
            expand(url, os.environ),
            "[govwatch] test message",
            "This is a test message from govwatch: alerts reach this channel.",
            where,
        )
    except ChannelError as exc:
        raise ConfigError(f"{exc}") from None
    except MailError as exc:
        raise GovwatchError(f"{exc}") from None
    print(f"test message sent to {where}")
    return 0


def cmd_alerts_test(args: argparse.Namespace) -> int:
    """Send a test email to ADDRESS with the SMTP settings of alerts.yaml, or a test message
    to a channel URL (json://…, dingtalk://…)."""
    from scheduler.alerts_file import check_address
    from scheduler.daemon import make_mailer
    from scheduler.emails import test_message
    from storage import utcnow

    if "://" in args.address:
        return _test_channel(args.address)
    settings = scheduler_settings()
    alerts = alerts_config(args)
    mailer = make_mailer(alerts, settings, os.environ)
    if mailer is None:
        raise GovwatchError(f"{alerts_path(args)[0]}: no smtp section, so no mail can be sent")
    try:
        address = check_address(args.address)
    except ValueError as exc:
        raise GovwatchError(str(exc)) from None
    sender = alerts.smtp.sender if alerts.smtp else "govwatch@govwatch.invalid"
    message = test_message(address, sender, sender.rsplit("@", 1)[1], utcnow())
    with mailer.connect() as connection:
        connection.send(message)
    print(f"test email sent to {address} via {mailer.describe()}")
    return 0


def _next_try(message: AlertMessage, settings: Settings) -> str:
    """When the email is tried next: its due time, or when a sender's claim on it runs out."""
    from storage import PENDING, SENDING

    if message.status == PENDING:
        return local_time(message.next_attempt_at, settings)
    if message.status == SENDING and message.claim_expires_at is not None:
        return local_time(message.claim_expires_at, settings)
    return ""


def _to(message: AlertMessage) -> str:
    """Where a message goes: its addresses, or its channel with secrets masked."""
    from scheduler.channel_urls import label

    if message.channel is None:
        return ", ".join(message.recipients)
    return label(message.channel, os.environ)


def cmd_alerts_pending(args: argparse.Namespace) -> int:
    """List alert emails not sent yet, those held or given up, with their last error."""
    from crawler.tables import format_table
    from scheduler.status import outbox_status
    from scheduler.times import legend
    from storage import FAILED, HELD, Repository

    settings = scheduler_settings()
    repo = Repository.open(db_url(args))
    try:
        messages = repo.messages()
        outbox = outbox_status(repo)
    finally:
        repo.close()
    rows = [
        (
            m.id,
            "given up" if m.status == FAILED else m.status,
            _to(m),
            m.attempts,
            local_time(m.queued_at, settings),
            _next_try(m, settings),
            m.last_error or "",
            m.subject,
        )
        for m in messages
    ]
    headers = ("id", "status", "to", "attempts", "queued", "next try", "last error", "subject")
    if rows:
        print(format_table(headers, rows, limit=60))
        print(legend(settings.zone))
    else:
        print("no alert email is waiting")
    for m in messages:
        if m.status == HELD:
            what, key = ("email", "Message-ID") if m.channel is None else ("message", "key")
            print(
                f"{what} #{m.id} to {_to(m)} is held: its sending was interrupted"
                f" {m.interrupted} times after the message went out (the sender stopped mid-send,"
                " or the server went away before answering), so it may have arrived already"
                f" ({key} {m.message_id}); `govwatch alerts resend {m.id}` sends it once more"
            )
    if outbox.unmatched or outbox.waiting:
        waiting = ", ".join(f"{name}: {n}" for name, n in sorted(outbox.waiting.items()))
        print(
            f"{outbox.unmatched} new announcements not matched yet; "
            f"waiting for a digest: {waiting or 'none'}"
        )
    return 0


def cmd_alerts_resend(args: argparse.Namespace) -> int:
    """Queue alert email ID again (a held, given-up or sent one); the daemon sends it."""
    from storage import SENDING, Repository, utcnow

    settings = scheduler_settings()
    repo = Repository.open(db_url(args))
    try:
        message = repo.requeue(args.id, utcnow())
    finally:
        repo.close()
    if message is None:
        raise GovwatchError(f"no alert email #{args.id} (see `govwatch alerts pending`)")
    if message.status == SENDING:
        raise GovwatchError(f"email #{message.id} is being sent now, by {message.claimed_by}")
    what = "email" if message.channel is None else "message"
    print(
        f"{what} #{message.id} to {_to(message)} queued again: "
        f"a running daemon sends it within {settings.send_interval:g}s"
    )
    return 0


def register(commands: Commands) -> None:
    alerts = commands.group("alerts", help="alert emails: test, pending, resend")
    p = alerts.add("test", cmd_alerts_test)
    p.add_argument(
        "address",
        metavar="ADDRESS",
        help="an email address, or a channel URL (json://host/path, dingtalk://…): where to "
        "send a test message",
    )
    alerts.add("pending", cmd_alerts_pending)
    p = alerts.add("resend", cmd_alerts_resend)
    p.add_argument("id", type=int, metavar="ID", help="the email's id (alerts pending)")
