"""govwatch's SQL store: models, migrations and the repository (all SQL lives here)."""

from __future__ import annotations

from storage.alerts import FAILED, PENDING, SENT, Item, Match, NewMessage
from storage.browse import Meetings, RecordPage
from storage.db import DEFAULT_DB_URL, SQLITE_BUSY_TIMEOUT, connect, migrate, safe_url
from storage.dedupe_index import BAND_LEVEL_CAPS, fingerprint_key
from storage.durations import is_duration, parse_duration, utcnow
from storage.exceptions import StorageError, StorageUnavailable
from storage.health import BROKEN, OK, PortalSummary
from storage.lock import DaemonRunning
from storage.models import (
    AlertDelivery,
    AlertEvent,
    AlertMessage,
    Announcement,
    AnnouncementBand,
    CrawlRun,
    PortalHealth,
    PortalRow,
)
from storage.record import (
    COLUMN_FIELDS,
    EXPORT_FIELDS,
    EXTRACTED_FIELDS,
    FIELDS,
    MEETING_FIELDS,
    STORED_FIELDS,
    RecordField,
)
from storage.repository import Repository
from storage.retry import RetrySettings
from storage.runs import Validators
from storage.search import BY, SORTS, BadQuery, Filters, Page

__all__ = [
    "BAND_LEVEL_CAPS",
    "BROKEN",
    "BY",
    "COLUMN_FIELDS",
    "DEFAULT_DB_URL",
    "EXPORT_FIELDS",
    "EXTRACTED_FIELDS",
    "FAILED",
    "FIELDS",
    "MEETING_FIELDS",
    "OK",
    "PENDING",
    "SENT",
    "SORTS",
    "SQLITE_BUSY_TIMEOUT",
    "STORED_FIELDS",
    "AlertDelivery",
    "AlertEvent",
    "AlertMessage",
    "Announcement",
    "AnnouncementBand",
    "BadQuery",
    "CrawlRun",
    "DaemonRunning",
    "Filters",
    "Item",
    "Match",
    "Meetings",
    "NewMessage",
    "Page",
    "PortalHealth",
    "PortalRow",
    "PortalSummary",
    "RecordField",
    "RecordPage",
    "Repository",
    "RetrySettings",
    "StorageError",
    "StorageUnavailable",
    "Validators",
    "connect",
    "fingerprint_key",
    "is_duration",
    "migrate",
    "parse_duration",
    "safe_url",
    "utcnow",
]
