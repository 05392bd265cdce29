"""Where alerts go: a Channel is email (the SMTP mailer) or any Apprise URL.

An outbox message with no ``channel`` is an email; one with a channel is posted through
Apprise (webhooks and JSON posts, Slack, Telegram, Matrix, DingTalk, WeCom, Feishu/Lark) to
that URL, its ``${VAR}``s filled from the environment when it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from typing import Protocol

import apprise

from scheduler.channel_urls import ASSET, ChannelError, expand, idempotency_key, label, with_key
from scheduler.mailer import Mailer, MessageRefused
from storage import AlertMessage

logger = logging.getLogger(__name__)


class Link(Protocol):
    """An open way to a channel for a batch of messages; ``send`` raises MailError."""

    def send(self, message: AlertMessage) -> None: ...


class Channel(Protocol):
    channels: bool  # which outbox messages are its: channel posts (True) or emails (False)

    def connect(self) -> AbstractContextManager[Link]: ...

    def describe(self, message: AlertMessage) -> str: ...


class _EmailLink:
    def __init__(self, connection: object, build: Callable[[AlertMessage], EmailMessage]):
        self.connection = connection
        self.build = build

    def send(self, message: AlertMessage) -> None:
        self.connection.send(self.build(message))  # type: ignore[attr-defined]


class EmailChannel:
    """The outbox's emails, over one SMTP connection per batch."""

    channels = False

    def __init__(self, mailer: Mailer, build: Callable[[AlertMessage], EmailMessage]) -> None:
        self.mailer = mailer
        self.build = build

    @contextmanager
    def connect(self) -> Iterator[Link]:
        with self.mailer.connect() as connection:
            yield _EmailLink(connection, self.build)

    def describe(self, message: AlertMessage) -> str:
        return f"email #{message.id} to {', '.join(message.recipients)}"


class AppriseChannel:
    """The outbox's channel posts, each through Apprise to its URL. Apprise tells only
    whether a post went through, so every failure is retried (with the same key)."""

    channels = True

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    @contextmanager
    def connect(self) -> Iterator[Link]:
        yield self

    def describe(self, message: AlertMessage) -> str:
        return f"message #{message.id} to {label(message.channel or '', self.env)}"

    def send(self, message: AlertMessage) -> None:
        channel = message.channel or ""
        where = label(channel, self.env)
        try:
            url = expand(channel, self.env)
        except ChannelError as exc:
            raise MessageRefused(f"{where}: {exc}") from None
        post(
            with_key(url, idempotency_key(message.message_id)), message.subject, message.text, where
        )


def post(url: str, title: str, body: str, where: str) -> None:
    """Send one notification through Apprise; MessageRefused with Apprise's reason."""
    box = apprise.Apprise(asset=ASSET)
    if not box.add(url):
        raise MessageRefused(f"{where}: not a channel URL Apprise supports")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
        ok = box.notify(title=title, body=body, body_format=apprise.NotifyFormat.MARKDOWN)
    if not ok:
        lines = [line for line in str(logs.getvalue()).splitlines() if line.strip()]
        raise MessageRefused(f"{where}: {lines[-1] if lines else 'not delivered'}")
