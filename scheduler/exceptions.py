"""Errors the scheduler raises on purpose.

SchedulerError           base; the CLI prints its message and exits with its exit_code
 +-- SettingsError       a GOVWATCH_* setting has a value that cannot be used (exit code 2)
 +-- MailError           an email could not be handed to the SMTP server
 +-- JobStoreUnavailable the database under APScheduler's job store failed (locked, full, gone)
"""

from __future__ import annotations


class SchedulerError(Exception):
    exit_code = 1


class SettingsError(SchedulerError):
    exit_code = 2


class MailError(SchedulerError):
    """The SMTP server could not be reached, refused us, or refused the message."""


class JobStoreUnavailable(SchedulerError):
    """A read or write of the stored jobs failed; the message names the database and the cause."""
