"""Records as the pages, feeds and API show them, read generically from storage's FIELDS:
a field added to the record appears everywhere without a change here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.cli.export import json_value
from scheduler.times import local
from storage import EXPORT_FIELDS, FIELDS

WEEKDAYS = "一二三四五六日"
KINDS = {field.name: field.kind for field in FIELDS}
# shown above or below the table on a record's page, not in it
HEADLINE = ("title", "url", "why", "body")


def safe_href(url: Any) -> str | None:
    """``url`` when a browser may follow it (http or https with a host), else None: a
    portal's ``javascript:`` or ``data:`` link is shown as text, never as a link."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def local_time(value: datetime | None, zone: ZoneInfo) -> str:
    """A time on a page: in the display zone, which the page's footer names."""
    return local(value, zone)


def day_label(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value.isoformat()} 周{WEEKDAYS[value.weekday()]}"


def display(name: str, value: Any, zone: ZoneInfo) -> str:
    """A field's value as text for a page (the template escapes it)."""
    if value is None or value == [] or value == "":
        return ""
    kind = KINDS.get(name)
    if isinstance(value, datetime):
        return local_time(value, zone)
    if isinstance(value, date):
        return day_label(value)
    if isinstance(value, bool) or kind == "bool":
        return "yes" if value else "no"
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)


def field_rows(record: dict[str, Any], zone: ZoneInfo) -> list[tuple[str, str]]:
    """(name, text) of every exported field the record has, in the contract's order, then
    stored fields not exported but present (location, meeting_form, attachments)."""
    rows = [
        (name, display(name, record.get(name), zone)) for name in EXPORT_FIELDS if name in record
    ]
    rows += [
        (f.name, display(f.name, record[f.name], zone))
        for f in FIELDS
        if not f.exported
        and f.name in record
        and f.kind != "int"
        and f.name != "fingerprint"
        and record[f.name] not in (None, [], "")
    ]
    return [(name, text) for name, text in rows if name not in HEADLINE]


def exported(record: dict[str, Any]) -> dict[str, Any]:
    """The exported record's fields (and the row's ``id``) as JSON values."""
    item = {name: json_value(record.get(name)) for name in EXPORT_FIELDS if name in record}
    return {"id": record.get("id"), **item}


def export_row(record: dict[str, Any]) -> dict[str, Any]:
    """Only the exported fields: what crawler.cli.export.write_records writes."""
    return {name: record.get(name) for name in EXPORT_FIELDS}


def meeting_title(record: dict[str, Any]) -> str:
    return str(record.get("meeting_name") or record.get("title") or record.get("url") or "")
