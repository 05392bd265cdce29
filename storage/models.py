"""SQLAlchemy 2 models: portals, announcements, list-page validators and crawl runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Portal(Base):
    """One entry of portals.yaml, as last seen by a crawl."""

    __tablename__ = "portals"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


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
    meeting_date: Mapped[date | None]
    meeting_name: Mapped[str | None] = mapped_column(Text)
    presider: Mapped[str | None] = mapped_column(String(200))
    speakers: Mapped[list[str]] = mapped_column(default=list)
    attendees: Mapped[list[str]] = mapped_column(default=list)
    location: Mapped[str | None] = mapped_column(String(400))
    meeting_form: Mapped[str | None] = mapped_column(String(100))
    attachments: Mapped[list[str]] = mapped_column(default=list)
    # sha1 of the normalised body (None when too short to compare): exact copies share it
    fingerprint: Mapped[str | None] = mapped_column(String(40), index=True)
    # 64-bit simhash of the body's shingles, stored signed; near copies differ in a few bits
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    duplicate_of: Mapped[str | None] = mapped_column(String(2048))
    first_seen_at: Mapped[datetime] = mapped_column(index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))


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
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # running | finished | failed  (a run left "running" by a killed process counts as failed)
    status: Mapped[str] = mapped_column(String(20), default="running")
    full: Mapped[bool] = mapped_column(default=False)
    requests: Mapped[int] = mapped_column(default=0)
    new_records: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
