"""The repository: every read and write govwatch makes, one class over the table groups."""

from __future__ import annotations

import os

from storage.alerts import Alerts
from storage.announcements import Announcements
from storage.browse import Browse
from storage.db import connect, migrate
from storage.forget import Forget
from storage.health import Health
from storage.leases import Leases
from storage.portals import Portals
from storage.retention import Retention
from storage.retry import RetrySettings
from storage.revisions import Revisions
from storage.runs import Runs
from storage.subscribers import Subscribers


class Repository(
    Announcements,
    Forget,
    Revisions,
    Runs,
    Portals,
    Health,
    Alerts,
    Leases,
    Retention,
    Browse,
    Subscribers,
):
    """All SQL of govwatch. Create one per process with :meth:`open`.

    Each table group is a class of its own module (announcements and the dedupe index,
    deleting records, runs and validators, portals, the alert outbox, portal health, leases, retention, the web
    UI's reads); this class is all of them on one engine. Each public method is one transaction, tried again
    while the database is unreachable or locked (storage.retry), then StorageUnavailable.
    """

    @classmethod
    def open(cls, url: str, retry: RetrySettings | None = None) -> Repository:
        """Connect to ``url`` and migrate its schema to the newest version."""
        retry = retry or RetrySettings.from_env(os.environ)
        engine = connect(url, busy_timeout=retry.busy_timeout)
        migrate(engine)
        return cls(engine, retry)

    def close(self) -> None:
        self.engine.dispose()
