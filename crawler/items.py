"""The item a portal spider yields and the pipelines fill in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crawler.extract.meeting import MeetingFacts
from storage import (  # the fields written to the store; the rest is working state
    STORED_FIELDS,
    Fetched,
)

if TYPE_CHECKING:
    from crawler.dedupe import Signature


@dataclass
class AnnouncementItem(MeetingFacts):
    """A page and what was read from it; the meeting fields are :class:`MeetingFacts`'."""

    portal: str
    url: str
    html: str = field(default="", repr=False)  # the page: too long for a log line
    list_title: str | None = None
    list_date: datetime | None = None
    title: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    body: str = ""
    attachments: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    simhash: int | None = None
    duplicate_of: str | None = None
    bands: list[int] = field(default_factory=list)
    signature: Signature | None = field(default=None, repr=False)  # dedupe's, until stored
    extractor_version: int = 0
    # the page as fetched (a snapshot), and whether this fetch is a re-check of a stored one
    fetched: Fetched | None = field(default=None, repr=False)
    recheck: bool = False

    def record(self) -> dict[str, Any]:
        """The row to store."""
        return {name: getattr(self, name) for name in STORED_FIELDS}
