"""The query string every view shares (pages, feeds, calendar, API), read into a Filters.

Parameters are strings, read here rather than by FastAPI's validation: an HTML form sends
``since=`` when a field is left empty, which means no filter, not a bad date.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query

from storage import BadQuery, Filters

TRUE = ("1", "true", "on", "yes")
DEFAULT_LIMIT = 50
PARAMS = (
    "q",
    "portal",
    "region",
    "person",
    "meetings_only",
    "kind",
    "since",
    "until",
    "by",
    "sort",
    "order",
)


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _date(name: str, value: str | None) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadQuery(f"{name} must be a date (YYYY-MM-DD), not {text!r}") from None


@dataclass(frozen=True)
class ViewQuery:
    """The query string as given: what links and forms repeat."""

    q: str | None = None
    portal: str | None = None
    region: str | None = None
    person: str | None = None
    meetings_only: str | None = None
    kind: str | None = None
    since: str | None = None
    until: str | None = None
    by: str | None = None
    sort: str | None = None
    order: str | None = None

    def filters(self, **overrides: Any) -> Filters:
        """The store's view; BadQuery names a parameter it cannot read."""
        values: dict[str, Any] = {
            "q": _text(self.q) or "",
            "portal": _text(self.portal),
            "region": _text(self.region),
            "person": _text(self.person),
            "meetings_only": (self.meetings_only or "").lower() in TRUE,
            "kind": _text(self.kind),
            "since": _date("since", self.since),
            "until": _date("until", self.until),
            "by": _text(self.by) or "seen",
            "sort": _text(self.sort) or "seen",
            "order": _text(self.order) or "desc",
        }
        values.update(overrides)
        return Filters(**values)

    def pairs(self, **changes: str | None) -> list[tuple[str, str]]:
        """The non-empty parameters, with ``changes``, for a link."""
        current = replace(self, **{k: v for k, v in changes.items() if k in PARAMS})
        out = [(f.name, getattr(current, f.name)) for f in fields(current)]
        extra = [(k, v) for k, v in changes.items() if k not in PARAMS]
        return [(k, str(v)) for k, v in [*out, *extra] if v not in (None, "")]

    def link(self, path: str, **changes: str | None) -> str:
        encoded = urlencode(self.pairs(**changes))
        return f"{path}?{encoded}" if encoded else path

    @property
    def empty(self) -> bool:
        return not self.pairs()


def view_query(
    q: Annotated[
        str | None, Query(description="words in the title or body (Chinese or English)")
    ] = None,
    portal: Annotated[str | None, Query(description="a portal's name")] = None,
    region: Annotated[str | None, Query(description="a substring of the portal's region")] = None,
    person: Annotated[str | None, Query(description="presider, speaker or attendee")] = None,
    meetings_only: Annotated[str | None, Query(description="1: meeting announcements only")] = None,
    kind: Annotated[str | None, Query(description="meeting_status: upcoming or held")] = None,
    since: Annotated[str | None, Query(description="from this day (YYYY-MM-DD)")] = None,
    until: Annotated[str | None, Query(description="to this day, inclusive (YYYY-MM-DD)")] = None,
    by: Annotated[
        str | None, Query(description="which date since/until read: seen, published, meeting")
    ] = None,
    sort: Annotated[str | None, Query(description="seen (default), published or meeting")] = None,
    order: Annotated[str | None, Query(description="desc (default) or asc")] = None,
) -> ViewQuery:
    """FastAPI's dependency: the shared parameters, documented in the OpenAPI schema."""
    return ViewQuery(q, portal, region, person, meetings_only, kind, since, until, by, sort, order)


def read_limit(value: str | None, default: int = DEFAULT_LIMIT, most: int = 1000) -> int:
    if not _text(value):
        return default
    try:
        limit = int(str(value))
    except ValueError:
        raise BadQuery(f"limit must be a whole number, not {value!r}") from None
    if not 1 <= limit <= most:
        raise BadQuery(f"limit must be between 1 and {most}, not {limit}")
    return limit
