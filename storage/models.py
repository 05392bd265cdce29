"""SQLAlchemy 2 models: portals, announcements, list-page validators, crawl runs and what
they missed, alerts, leases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class PortalRow(Base):
    """One entry of portals.yaml, as last seen by a crawl."""

    __tablename__ = "portals"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # cookies a browser earned passing the portal's JS challenge, reused by plain requests
    # until they expire: Playwright's dicts (name, value, domain, path, expires)
    browser_cookies: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class Announcement(Base):
    """One announcement, stored once per canonical URL."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal: Mapped[str] = mapped_column(ForeignKey("portals.name"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    source: Mapped[str | None] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text, default="")
    is_meeting: Mapped[bool] = mapped_column(default=False, index=True)
    # "upcoming" (a notice of a meeting to come) or "held" (a report); None for no meeting
    meeting_status: Mapped[str | None] = mapped_column(String(20))
    meeting_date: Mapped[date | None] = mapped_column(index=True)
    meeting_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", Asia/Shanghai
    meeting_name: Mapped[str | None] = mapped_column(Text)
    presider: Mapped[str | None] = mapped_column(String(200))
    speakers: Mapped[list[str]] = mapped_column(default=list)
    attendees: Mapped[list[str]] = mapped_column(default=list)
    location: Mapped[str | None] = mapped_column(String(400))
    meeting_form: Mapped[str | None] = mapped_column(String(100))
    agenda: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    # what decided is_meeting and the date: terms, sentence, meeting_rule, date_rule
    why: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attachments: Mapped[list[str]] = mapped_column(default=list)
    # sha1 of the normalised body (None when too short to compare): exact copies share it.
    # Found through its key in the band levels (storage.dedupe_index), not an index of its own
    fingerprint: Mapped[str | None] = mapped_column(String(40))
    # 64-bit simhash of the body's shingles, stored signed; near copies differ in a few bits
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    duplicate_of: Mapped[str | None] = mapped_column(String(2048), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    # the article's HTTP validators, for the conditional GET of its re-checks
    etag: Mapped[str | None] = mapped_column(String(400))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[datetime | None]  # its last re-check (None: not re-checked yet)
    # the last revision's time (an edit or the withdrawal), and the withdrawal's
    revised_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    # a re-check found it gone (404/410, or moved to a page that is no article); a second
    # such check withdraws it, a good one clears this: one outage does not count
    gone_since: Mapped[datetime | None]
    extractor_version: Mapped[int] = mapped_column(default=0, server_default="0")


class AnnouncementBand(Base):
    """One LSH band key of an announcement's MinHash (near copies share one) or the key of
    its content fingerprint (exact copies share it): the dedupe index (storage.dedupe_index).

    On SQLite the keys are kept in levels, like a log-structured merge tree: new keys go to
    the small newest level, and a level that outgrows its cap moves into the next, larger
    one in key order (``BAND_LEVEL_CAPS``). The primary key leads with the level, so a
    batch's random keys dirty a few pages of a small level, not one page each of a big one.
    """

    __tablename__ = "announcement_bands"
    # SQLite: the primary key is the table (no rowid table, no second index)
    __table_args__ = ({"sqlite_with_rowid": False},)

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # no foreign key: rows are written only with their announcement, in its transaction, and
    # announcements are not deleted; a foreign key would cost PostgreSQL a trigger per key
    announcement_id: Mapped[int] = mapped_column(primary_key=True)


class ListPage(Base):
    """HTTP validators of a list page, for conditional GET on the next crawl."""

    __tablename__ = "list_pages"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    portal: Mapped[str] = mapped_column(ForeignKey("portals.name"), index=True)
    etag: Mapped[str | None] = mapped_column(String(400))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[datetime]


class CrawlRun(Base):
    """One crawl of one portal: when, how it ended, and what it cost."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_portal_started", "portal", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal: Mapped[str] = mapped_column(ForeignKey("portals.name"))
    started_at: Mapped[datetime] = mapped_column(index=True)  # retention's walk
    finished_at: Mapped[datetime | None]
    # running | finished | failed  (a run left "running" by a killed process counts as failed)
    status: Mapped[str] = mapped_column(String(20), default="running")
    full: Mapped[bool] = mapped_column(default=False)
    requests: Mapped[int] = mapped_column(default=0)
    new_records: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    # what portal health looks at: list pages parsed, those without a single article link,
    # those answered 304, and responses that look like a block (HTTP 403/412/521)
    list_pages: Mapped[int] = mapped_column(default=0, server_default="0")
    empty_list_pages: Mapped[int] = mapped_column(default=0, server_default="0")
    not_modified: Mapped[int] = mapped_column(default=0, server_default="0")
    blocked: Mapped[int] = mapped_column(default=0, server_default="0")
    # why this run needed Chromium (render: js, a JS challenge, an empty list shell), or None
    rendering: Mapped[str | None] = mapped_column(Text)


# -- alerts (written by storage.alerts and storage.health) ---------------------------


class AlertEvent(Base):
    """A new announcement to match against subscriptions, written with the announcement."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), unique=True)
    created_at: Mapped[datetime]
    processed_at: Mapped[datetime | None] = mapped_column(index=True)


class AlertMessage(Base):
    """One email in the outbox, rendered once; its key makes it unique, its Message-ID fixed."""

    __tablename__ = "alert_messages"
    __table_args__ = (Index("ix_alert_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # instant:<subscription>:<announcement id> | digest:<subscription>:<first delivery id>
    # | health:<portal>:<change number>
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # instant | digest | health
    subscription: Mapped[str | None] = mapped_column(String(100))
    recipients: Mapped[list[str]]
    message_id: Mapped[str] = mapped_column(String(200))  # the Message-ID header
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # None: an email; else the Apprise channel URL as alerts.yaml writes it (``${VAR}``
    # unexpanded: secrets stay in the environment)
    channel: Mapped[str | None] = mapped_column(Text)
    # pending | sending (claimed for one attempt) | sent | failed (given up) | held (a person
    # decides: see storage.alerts)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)  # counted when claimed, before sending
    # the sender whose attempt it is while ``sending``, and when another may take it over
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claim_expires_at: Mapped[datetime | None]
    # attempts that may have reached the server without being recorded as sent (the sender
    # stopped mid-send, or the connection broke after the data went out)
    interrupted: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]
    queued_at: Mapped[datetime]  # creation, or the last `alerts resend`: gives up from here
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)  # retention's walk
    last_error: Mapped[str | None] = mapped_column(Text)


class AlertDelivery(Base):
    """One announcement for one subscription: unique, so nobody hears of it twice."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription", "announcement_id", name="uq_alert_deliveries"),
        Index("ix_alert_deliveries_waiting", "subscription", "message"),
        # one delivery per subscription and duplicate cluster: copies of one meeting on
        # several portals reach a subscription once, through the first copy it matches
        Index("uq_alert_deliveries_cluster", "subscription", "cluster_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription: Mapped[str] = mapped_column(String(100))
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), index=True)
    # the id of the cluster's first copy (the announcement's own id when it is one)
    cluster_id: Mapped[int | None]
    # the email that carries it; None while it waits for its subscription's digest
    message: Mapped[int | None] = mapped_column(ForeignKey("alert_messages.id"), index=True)
    created_at: Mapped[datetime]


class PortalHealth(Base):
    """A portal's health as last judged from its crawl runs; ``changes`` counts transitions."""

    __tablename__ = "portal_health"

    portal: Mapped[str] = mapped_column(ForeignKey("portals.name"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))  # ok | broken
    reason: Mapped[str | None] = mapped_column(Text)
    since: Mapped[datetime]
    last_run_id: Mapped[int | None]
    changes: Mapped[int] = mapped_column(default=0)


class Lease(Base):
    """Who holds one "only one at a time" (the active scheduler, a portal's crawl, delivery)
    and until when: a holder that stops renewing loses it at ``expires_at``."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. "portal:weibin"
    holder: Mapped[str] = mapped_column(String(200))  # e.g. "daemon host-a pid 4242"
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class WorkerRow(Base):
    """A `govwatch worker` as it last reported itself (its heartbeat), for `govwatch status`."""

    __tablename__ = "workers"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # "worker host pid 4242"
    host: Mapped[str] = mapped_column(String(200))
    queues: Mapped[str] = mapped_column(String(500))  # comma-separated
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    batches: Mapped[int] = mapped_column(default=0)  # batches done since it started


class MissedUrl(Base):
    """A list page or article a crawl could not read: the next crawl of its portal fetches
    it again, whatever its list pages' 304s say, and forgets it once it is read and stored."""

    __tablename__ = "missed_urls"
    __table_args__ = (UniqueConstraint("portal", "url", name="uq_missed_urls"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal: Mapped[str] = mapped_column(ForeignKey("portals.name"))
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(10))  # list | article
    page: Mapped[int | None]  # a list page's place in its walk (1: a start URL)
    # what the list showed for an article: its title and date (ISO 8601), hints for extraction
    link_text: Mapped[str | None] = mapped_column(Text)
    link_date: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(default=1)  # crawls that missed it
    last_error: Mapped[str | None] = mapped_column(Text)
    first_missed_at: Mapped[datetime]
    last_missed_at: Mapped[datetime]


# -- snapshots and revisions (storage.snapshots, storage.revisions) ----------------------


class SnapshotBlob(Base):
    """The compressed bytes of one distinct page content, stored once (by its sha256)."""

    __tablename__ = "snapshot_blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    codec: Mapped[str] = mapped_column(String(10))  # zlib | none
    size: Mapped[int]  # the raw page's bytes
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Snapshot(Base):
    """One fetch of an article page: its status, the headers that matter, when, and its bytes."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), index=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("snapshot_blobs.id"), index=True)
    status: Mapped[int] = mapped_column(SmallInteger)
    # Content-Type, ETag, Last-Modified, the final URL after redirects, the encoding used,
    # and the list's hints (its link text and date) that extraction reads
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime]


class Revision(Base):
    """A change a re-check found: an edit (fields and a body diff) or the withdrawal."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("announcement_id", "number", name="uq_revisions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), index=True)
    number: Mapped[int]  # 1, 2, ... per announcement
    kind: Mapped[str] = mapped_column(String(20))  # edited | withdrawn
    # field → [before, after] (JSON values); for a withdrawal {"reason": [null, "HTTP 404"]}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    diff: Mapped[str] = mapped_column(Text, default="")  # unified diff of the body
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    created_at: Mapped[datetime]
    # matched against the subscriptions with `changes: true` (None: not yet)
    alerted_at: Mapped[datetime | None] = mapped_column(index=True)


class SubscriptionStart(Base):
    """When the daemon first loaded a subscription (by name): it hears only of announcements
    first seen after that, so a new subscription on a full database mails nothing of the past."""

    __tablename__ = "subscription_starts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime]


class ForgottenAlert(Base):
    """A record forgotten by hand (`govwatch record forget`) after it was alerted: stored
    again by a later crawl, it is not alerted again (storage.forget)."""

    __tablename__ = "forgotten_alerts"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    # no foreign key: `portal remove --purge` may drop the portal row; it deletes these too
    portal: Mapped[str] = mapped_column(String(64), index=True)
    forgotten_at: Mapped[datetime]
