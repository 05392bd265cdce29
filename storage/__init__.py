"""govwatch's SQL store: models, migrations and the repository (all SQL lives here)."""

from __future__ import annotations

from storage.alerts import Item, Match, NewMessage
from storage.browse import Meetings, RecordPage
from storage.db import (
    DEFAULT_DB_URL,
    SQLITE_BUSY_TIMEOUT,
    connect,
    migrate,
    not_sqlite,
    safe_url,
    sqlite_file,
    url_problem,
)
from storage.dedupe_index import BAND_LEVEL_CAPS, fingerprint_key
from storage.durations import is_duration, parse_duration, utcnow
from storage.exceptions import StorageError, StorageUnavailable
from storage.health import BROKEN, OK, PortalSummary
from storage.leases import LeaseInfo, WorkerInfo, holder_name
from storage.models import (
    AlertDelivery,
    AlertEvent,
    AlertMessage,
    Announcement,
    AnnouncementBand,
    CrawlRun,
    PortalHealth,
    PortalRow,
    Revision,
    Snapshot,
    SnapshotBlob,
)
from storage.outbox import FAILED, HELD, INTERRUPTED_LIMIT, PENDING, SENDING, SENT, UNSENT
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
from storage.revisions import EDITED, WITHDRAWN, Due, RevisionInfo, body_diff, changes
from storage.runs import ARTICLE, LIST, RESET, Missed, Validators
from storage.search import BY, SORTS, BadQuery, Filters, Page
from storage.snapshots import (
    ALL,
    FIRST_LAST,
    KEPT_HEADERS,
    Fetched,
    Stored,
    check_policy,
    decompress,
)

__all__ = [
    "ALL",
    "ARTICLE",
    "BAND_LEVEL_CAPS",
    "BROKEN",
    "BY",
    "COLUMN_FIELDS",
    "DEFAULT_DB_URL",
    "EDITED",
    "EXPORT_FIELDS",
    "EXTRACTED_FIELDS",
    "FAILED",
    "FIELDS",
    "FIRST_LAST",
    "HELD",
    "INTERRUPTED_LIMIT",
    "KEPT_HEADERS",
    "LIST",
    "MEETING_FIELDS",
    "OK",
    "PENDING",
    "RESET",
    "SENDING",
    "SENT",
    "SORTS",
    "SQLITE_BUSY_TIMEOUT",
    "STORED_FIELDS",
    "UNSENT",
    "WITHDRAWN",
    "AlertDelivery",
    "AlertEvent",
    "AlertMessage",
    "Announcement",
    "AnnouncementBand",
    "BadQuery",
    "CrawlRun",
    "Due",
    "Fetched",
    "Filters",
    "Item",
    "LeaseInfo",
    "Match",
    "Meetings",
    "Missed",
    "NewMessage",
    "Page",
    "PortalHealth",
    "PortalRow",
    "PortalSummary",
    "RecordField",
    "RecordPage",
    "Repository",
    "RetrySettings",
    "Revision",
    "RevisionInfo",
    "Snapshot",
    "SnapshotBlob",
    "StorageError",
    "StorageUnavailable",
    "Stored",
    "Validators",
    "WorkerInfo",
    "body_diff",
    "changes",
    "check_policy",
    "connect",
    "decompress",
    "fingerprint_key",
    "holder_name",
    "is_duration",
    "migrate",
    "not_sqlite",
    "parse_duration",
    "safe_url",
    "sqlite_file",
    "url_problem",
    "utcnow",
]
