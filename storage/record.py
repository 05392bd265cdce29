"""The announcement record, defined once: each field, its kind, and where it goes.

The crawl's items, the repository's insert and export, the bench and the eval scorer derive
their field lists from :data:`FIELDS`; the export order is this order (a public contract).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "list", "date", "datetime", "bool", "int", "json"]


@dataclass(frozen=True)
class RecordField:
    """One field of an announcement record.

    ``stored``: the crawl hands it to the store with each record (``first_seen_at`` the store
    sets itself); ``exported``: in ``govwatch export`` in this order (ADDED_EXPORTS follow); ``extracted``: read from the page by
    extraction (what the eval scores); ``meeting``: a fact of the meeting, not the page.
    """

    name: str
    kind: Kind
    stored: bool = True
    exported: bool = True
    extracted: bool = False
    meeting: bool = False


FIELDS: tuple[RecordField, ...] = (
    RecordField("portal", "text"),
    RecordField("url", "text"),
    RecordField("title", "text", extracted=True),
    RecordField("published_at", "datetime", extracted=True),
    RecordField("source", "text", extracted=True),
    RecordField("is_meeting", "bool", extracted=True, meeting=True),
    # "upcoming" for a notice of a meeting to come, "held" for a report: the kind of document
    RecordField("meeting_status", "text", extracted=True, meeting=True),
    RecordField("meeting_date", "date", extracted=True, meeting=True),
    RecordField("meeting_time", "text", extracted=True, meeting=True),  # "HH:MM", Asia/Shanghai
    RecordField("meeting_name", "text", extracted=True, meeting=True),
    RecordField("presider", "text", extracted=True, meeting=True),
    RecordField("speakers", "list", extracted=True, meeting=True),
    RecordField("attendees", "list", extracted=True, meeting=True),
    RecordField("location", "text", extracted=True, meeting=True),
    RecordField("meeting_form", "text", extracted=True, meeting=True),
    RecordField("agenda", "list", extracted=True, meeting=True),
    # what decided is_meeting and the date: {"terms", "sentence", "meeting_rule", "date_rule"}
    RecordField("why", "json", meeting=True),
    RecordField("attachments", "list", exported=False, extracted=True),
    RecordField("body", "text", extracted=True),
    RecordField("first_seen_at", "datetime", stored=False),
    # the latest revision a re-check found (an edit or the withdrawal), and the withdrawal:
    # the store sets them (storage.revisions), the crawl never does
    RecordField("revised_at", "datetime", stored=False),
    RecordField("withdrawn_at", "datetime", stored=False),
    # crawler.analysis.EXTRACTOR_VERSION of the extraction that made the fields
    RecordField("extractor_version", "int", exported=False),
    RecordField("fingerprint", "text", exported=False),
    RecordField("simhash", "int", exported=False),
    RecordField("duplicate_of", "text"),
    # near-duplicate LSH keys: the repository writes them to the dedupe index, not a column
    RecordField("bands", "list", exported=False),
)

BY_NAME = {field.name: field for field in FIELDS}
STORED_FIELDS = tuple(field.name for field in FIELDS if field.stored)
# exported since the first release: after the rest, so a CSV's columns keep their places;
# the portal's title and region come from the portals table, not the record
ADDED_EXPORTS = ("attachments", "portal_title", "portal_region")
EXPORT_FIELDS = tuple(field.name for field in FIELDS if field.exported) + ADDED_EXPORTS
EXTRACTED_FIELDS = tuple(field.name for field in FIELDS if field.extracted)
MEETING_FIELDS = tuple(field.name for field in FIELDS if field.meeting)
# stored with the record, but in the dedupe index, not as a column of the announcements table
INDEX_FIELDS = ("bands",)
COLUMN_FIELDS = tuple(field.name for field in FIELDS if field.name not in INDEX_FIELDS)
