"""Handing emails to an SMTP server (smtplib: plain, STARTTLS or SSL), or to the log.

The password only from GOVWATCH_SMTP_PASSWORD; GOVWATCH_MAIL_FAKE=1 logs instead of sending.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

from scheduler.alerts_file import Smtp
from scheduler.exceptions import MailError, SchedulerError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

logger = logging.getLogger(__name__)

PASSWORD_VARIABLE = "GOVWATCH_SMTP_PASSWORD"


class MessageRefused(MailError):
    """The server refused this one message; the connection is good for the next."""


class MaybeSent(MailError):
    """The connection broke after the message went out (DATA): the server may have it."""


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Mailer(Protocol):
    """Opens a connection for a batch of emails; ``send`` raises MailError on failure."""

    def connect(self) -> AbstractContextManager[Connection]: ...

    def describe(self) -> str: ...


def _smtp_error(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return f"{exc.smtp_code} {' '.join(text.split())}"


class _Smtp(smtplib.SMTP):
    """An SMTP client that notes when a message's DATA begins: a connection that breaks
    after that leaves it unknown whether the server took the message."""

    in_data = False

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        self.in_data = True
        return super().data(msg)


class _SmtpSsl(_Smtp, smtplib.SMTP_SSL):
    pass


class SmtpConnection:
    def __init__(self, client: smtplib.SMTP, where: str) -> None:
        self.client = client
        self.where = where

    def send(self, message: EmailMessage) -> None:
        client = self.client
        if isinstance(client, _Smtp):
            client.in_data = False
        try:
            refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MessageRefused(
                f"{self.where}: every recipient refused: {', '.join(exc.recipients)}"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise MessageRefused(f"{self.where}: {_smtp_error(exc)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{exc or type(exc).__name__}"
            if isinstance(exc, smtplib.SMTPServerDisconnected):
                error = f"disconnected: {error}"
            if getattr(client, "in_data", False):
                raise MaybeSent(f"{self.where}: {error}, after the message went out") from exc
            raise MailError(f"{self.where}: {error}") from exc
        if refused:
            # the other recipients have it: sending again would double it for them
            logger.warning(
                "email %s refused for %s", message["Message-ID"], ", ".join(sorted(refused))
            )


class SmtpMailer:
    """One SMTP connection per batch; STARTTLS or SSL verify the server's certificate."""

    def __init__(self, smtp: Smtp, password: str | None) -> None:
        self.smtp = smtp
        self.password = password

    @classmethod
    def from_env(cls, smtp: Smtp, env: Mapping[str, str]) -> SmtpMailer:
        password = env.get(PASSWORD_VARIABLE) or None
        if smtp.user and password is None:
            raise SchedulerError(
                f"alerts.yaml names SMTP user {smtp.user!r}: set its password in {PASSWORD_VARIABLE}"
            )
        return cls(smtp, password)

    def describe(self) -> str:
        mode = "ssl" if self.smtp.ssl else "starttls" if self.smtp.starttls else "plain"
        return f"{self.smtp.host}:{self.smtp.effective_port} ({mode})"

    def _open(self) -> smtplib.SMTP:
        smtp = self.smtp
        context = ssl.create_default_context(cafile=smtp.ca_file)
        client: smtplib.SMTP
        if smtp.ssl:
            client = _SmtpSsl(smtp.host, smtp.effective_port, timeout=smtp.timeout, context=context)
        else:
            client = _Smtp(smtp.host, smtp.effective_port, timeout=smtp.timeout)
        try:
            client.ehlo()
            if smtp.starttls:
                client.starttls(context=context)
                client.ehlo()
            if smtp.user:
                client.login(smtp.user, self.password or "")
        except BaseException:
            client.close()
            raise
        return client

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        where = self.describe()
        try:
            client = self._open()
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"{where}: {_smtp_error(exc)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{where}: {exc or type(exc).__name__}") from exc
        try:
            yield SmtpConnection(client, where)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


class FakeConnection:
    def send(self, message: EmailMessage) -> None:
        logger.info(
            "fake email to %s: %s (Message-ID %s)",
            message["To"],
            message["Subject"],
            message["Message-ID"],
        )


class FakeMailer:
    """Logs every email instead of sending it."""

    def describe(self) -> str:
        return "fake mode (GOVWATCH_MAIL_FAKE: emails are logged, not sent)"

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield FakeConnection()
