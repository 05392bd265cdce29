"""Reads for the web UI: search with filters and keyset paging, the meetings page, a record.

A text query is answered through the bigram index (storage.textindex), which also holds the
portal and meeting facets and the people's names: how, for rare and common words, is told
at ``Search._text_plan`` and in docs/web.md.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.sql import ColumnElement

from storage.base import Store
from storage.models import Announcement, PortalRow
from storage.record import EXPORT_FIELDS
from storage.retry import retried
from storage.textindex import (
    TABLE,
    Clauses,
    Phrase,
    facet,
    fts5_query,
    person_phrases,
    phrases,
    tsquery,
)
from storage.zones import PORTAL_ZONE

SORTS = ("seen", "published", "meeting")  # first seen (the id's order), published, meeting date
BY = ("seen", "published", "meeting")  # which date since/until read, as `govwatch export`
DENSE = 2000  # SQLite: text matches fetched at most; more means common words (_text_plan)
MAX_LIMIT = 1000

_table = Announcement.__table__
_portals = PortalRow.__table__


class BadQuery(ValueError):
    """A filter or cursor the store cannot read; the message says which."""


@dataclass(frozen=True)
class Filters:
    """A view of the store: the text and the filters of a search, its sort and order."""

    q: str = ""
    portal: str | None = None
    region: str | None = None  # a substring of the portal's region, as in alerts.yaml
    person: str | None = None  # presider, speaker or attendee (a substring)
    meetings_only: bool = False
    kind: str | None = None  # meeting_status: upcoming | held
    since: date | None = None
    until: date | None = None
    by: str = "seen"
    sort: str = "seen"
    order: str = "desc"
    originals_only: bool = False  # leave out copies of announcements stored before
    meeting_from: date | None = None  # meetings dated this day or later (the calendar's)

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise BadQuery(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        if self.by not in BY:
            raise BadQuery(f"by must be one of {', '.join(BY)}, not {self.by!r}")
        if self.order not in ("asc", "desc"):
            raise BadQuery(f"order must be asc or desc, not {self.order!r}")


@dataclass
class Page:
    """One page of a view: records (exported fields, plus id and the portal's title and
    region) and the cursor of the next page, or None after the last."""

    items: list[dict[str, Any]] = field(default_factory=list)
    next: str | None = None


def _base_columns() -> list[Any]:
    """What a view shows of a record: its id, exported fields, crawl run and portal."""
    exported = [_table.c[name] for name in EXPORT_FIELDS if name in _table.c]
    return [
        _table.c.id,
        *exported,
        _table.c.run_id,
        _portals.c.title.label("portal_title"),
        _portals.c.region.label("portal_region"),
    ]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), PORTAL_ZONE).astimezone(UTC)


def _contains(column: Any, needle: str) -> ColumnElement[bool]:
    """``needle`` in ``column`` as a substring, ignoring ASCII case, LIKE's wildcards escaped."""
    return func.lower(column).contains(needle.lower(), autoescape=True)


_KEY_NAMES = {"seen": "id", "published": "published_at", "meeting": "meeting_date"}


def original(dialect: str) -> ColumnElement[bool]:
    """Not a copy of an announcement stored before. On SQLite not ``duplicate_of IS NULL``:
    with that it reads nearly every row through the duplicate_of index (most are NULL);
    PostgreSQL's statistics know, and misjudge the other form."""
    if dialect == "postgresql":
        return _table.c.duplicate_of.is_(None)
    return func.coalesce(_table.c.duplicate_of, "") == ""


def _key_column(sort: str) -> Any:
    return _table.c[_KEY_NAMES[sort]]


def _encode_cursor(filters: Filters, phase: int, key: Any, id_: int | None) -> str:
    value = key.isoformat() if isinstance(key, date) else key
    raw = json.dumps([filters.sort, filters.order, phase, value, id_], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, filters: Filters) -> tuple[int, Any, int | None]:
    """(phase, key, id) of a cursor made for the same sort and order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort, order, phase, value, id_ = json.loads(raw)
        if (sort, order) != (filters.sort, filters.order) or phase not in (0, 1):
            raise ValueError("made for another sort")
        key: Any = value
        if sort == "published" and value is not None:
            key = datetime.fromisoformat(value)
        elif sort == "meeting" and value is not None:
            key = date.fromisoformat(value)
        return phase, key, None if id_ is None else int(id_)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise BadQuery(f"not a cursor of this view: {cursor!r}") from exc


@dataclass
class _Plan:
    """How a view is read: its conditions, and whether the text index drives the scan (its
    matches in id order, each row then checked against the other conditions)."""

    where: list[ColumnElement[bool]]
    driven: bool = False


_fts = table(TABLE, column("rowid"))  # SQLite's FTS5 table, as a FROM
# a region of more portals is checked by the portal column, not as facets in the text index
# (PostgreSQL's planner reads a long OR of lexemes as too costly for the GIN index)
MANY_PORTALS = {"sqlite": 300, "postgresql": 20}


def region_portals(connection: Any, filters: Filters) -> list[str] | None:
    """The portals of the filters' region (None without one): a planner estimates an IN
    list, not a LIKE."""
    if not filters.region:
        return None
    stmt = select(_portals.c.name).where(_contains(_portals.c.region, filters.region))
    return list(connection.execute(stmt).scalars())


def conditions(
    filters: Filters, region: Sequence[str] | None, dialect: str
) -> list[ColumnElement[bool]]:
    """The filters but the text as conditions on the announcements table: one definition
    for the web's views and ``govwatch export``. Dates are Asia/Shanghai days."""
    where: list[ColumnElement[bool]] = []
    if filters.portal:
        where.append(_table.c.portal == filters.portal)
    if region is not None:
        where.append(_table.c.portal.in_(region) if region else _table.c.id.is_(None))
    if filters.meetings_only:
        where.append(_table.c.is_meeting.is_(True))
    if filters.kind:
        where.append(_table.c["meeting_status"] == filters.kind)
    if filters.meeting_from:
        where.append(_table.c.meeting_date >= filters.meeting_from)
    if filters.originals_only:
        where.append(original(dialect))
    column = {
        "seen": _table.c.first_seen_at,
        "published": _table.c.published_at,
        "meeting": _table.c.meeting_date,
    }[filters.by]
    if filters.since:
        since = filters.since if filters.by == "meeting" else _day_start(filters.since)
        where.append(column >= since)
    if filters.until:
        if filters.by == "meeting":
            where.append(column <= filters.until)
        else:
            where.append(column < _day_start(filters.until + timedelta(days=1)))
    return where


class Search(Store):
    """The web UI's reads (all SQL stays in storage)."""

    # -- the text index ---------------------------------------------------------------

    def _match(self, clauses: Clauses) -> tuple[str, str]:
        """(condition on the text index's table, the query) in this dialect."""
        if self.dialect == "postgresql":
            return "grams @@ CAST(:text_q AS tsquery)", tsquery(clauses)
        return f"{TABLE} MATCH :text_q", fts5_query(clauses)

    def _text_ids(self, connection: Any, query: str, limit: int) -> list[int]:
        """Ids of up to ``limit`` announcements that match, newest first (SQLite)."""
        stmt = text(
            f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :text_q ORDER BY rowid DESC"
            " LIMIT :limit"
        )
        return list(connection.execute(stmt, {"text_q": query, "limit": limit}).scalars())

    def _clauses(self, filters: Filters, region: Sequence[str] | None) -> Clauses | None:
        """What the text index is asked: the words, the person's name, and the facets of
        the filters that have one (portal, meetings only, the portals of the region, when
        they are few); None without words or a person."""
        found: list[list[Phrase]] = [[p] for p in phrases(filters.q)]
        if filters.person:
            found += [[p] for p in person_phrases(filters.person)]
        if not found:
            return None
        if filters.portal:
            found.append([facet("portal", filters.portal)])
        if filters.meetings_only:
            found.append([facet("meeting", "1")])
        if region is not None and len(region) <= MANY_PORTALS[self.dialect]:
            found.append([facet("portal", name) for name in region])
        return found

    def _text_plan(
        self, connection: Any, filters: Filters, region: Sequence[str] | None, plan: _Plan
    ) -> None:
        """Add the text condition to ``plan``.

        PostgreSQL: a semi-join the planner places by the lexemes' statistics (the GIN
        bitmap for rare words, the sort's order and a check per row for common ones).
        SQLite: up to DENSE matches, their ids. More: by id the index's matches drive the
        scan; by another sort that sort's index does, the matches read once into a set
        (``+id``: the id not taken as a way in, only as a membership)."""
        clauses = self._clauses(filters, region)
        if clauses is None:
            return
        condition, query = self._match(clauses)
        if self.dialect == "postgresql":
            # the planner takes a match for cheap, where it reads a whole tsvector: a
            # sequential scan of the index's table would read every one
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            matches = text(f"SELECT announcement_id FROM {TABLE} WHERE {condition}")
            plan.where.append(_table.c.id.in_(matches.bindparams(text_q=query)))
            return
        ids = self._text_ids(connection, query, DENSE + 1)
        if len(ids) <= DENSE:
            plan.where.append(_table.c.id.in_(ids) if ids else _table.c.id.is_(None))
        elif filters.sort == "seen":
            plan.where.append(text(condition).bindparams(text_q=query))  # type: ignore[arg-type]
            plan.driven = True
        else:
            matches = text(f"SELECT rowid FROM {TABLE} WHERE {condition}")
            plan.where.append(
                literal_column("+announcements.id").in_(matches.bindparams(text_q=query))
            )

    # -- views ------------------------------------------------------------------------

    def _plan(self, connection: Any, filters: Filters) -> _Plan:
        region = region_portals(connection, filters)
        plan = _Plan(conditions(filters, region, self.dialect))
        self._text_plan(connection, filters, region, plan)
        return plan

    @retried("search announcements")
    def search(self, filters: Filters, cursor: str | None = None, limit: int = 50) -> Page:
        """One page of the view ``filters``, after ``cursor`` (keyset paging: a page's
        cursor still leads to the rows after it when others have been stored meanwhile).

        Rows without a sort key (no published date, no meeting date) come after the rest,
        newest first: phase 0 pages through the keyed rows, phase 1 through the others."""
        limit = max(1, min(limit, MAX_LIMIT))
        phase, key, after = _decode_cursor(cursor, filters) if cursor else (0, None, None)
        page = Page()
        with self.engine.connect() as connection:
            plan = self._plan(connection, filters)
            while True:
                wanted = limit - len(page.items)
                stmt = self._keyset(plan, filters, phase, key, after)
                rows = connection.execute(stmt.limit(wanted + 1)).mappings().all()
                page.items.extend(dict(row) for row in rows[:wanted])
                if len(rows) > wanted:
                    last = page.items[-1]
                    keyed = filters.sort != "seen" and phase == 0
                    last_key = last[_KEY_NAMES[filters.sort]] if keyed else None
                    page.next = _encode_cursor(filters, phase, last_key, last["id"])
                    return page
                if filters.sort == "seen" or phase == 1:
                    return page
                phase, key, after = 1, None, None
                if len(page.items) == limit:  # full at the end of phase 0: is there more?
                    more = self._keyset(plan, filters, 1, None, None).limit(1)
                    if connection.execute(more).first() is not None:
                        page.next = _encode_cursor(filters, 1, None, None)
                    return page

    def _keyset(
        self, plan: _Plan, filters: Filters, phase: int, key: Any, after: int | None
    ) -> Select[Any]:
        """The rows of ``phase`` after (key, id), in the view's order."""
        desc = filters.order == "desc"
        stmt = self._base(plan)
        # driven by the text index, its rowid (the id) is the order it reads in
        id_ = _fts.c.rowid if plan.driven else _table.c.id
        if filters.sort == "seen" or phase == 1:
            if filters.sort != "seen":
                stmt = stmt.where(_key_column(filters.sort).is_(None))
            if after is not None:
                stmt = stmt.where(id_ < after if desc else id_ > after)
            return stmt.order_by(id_.desc() if desc else id_)
        column = _key_column(filters.sort)
        stmt = stmt.where(column.is_not(None))
        if key is not None and after is not None:
            stmt = stmt.where(
                and_(column <= key, or_(column < key, id_ < after))
                if desc
                else and_(column >= key, or_(column > key, id_ > after))
            )
        return stmt.order_by(*((column.desc(), id_.desc()) if desc else (column, id_)))

    def _base(self, plan: _Plan) -> Select[Any]:
        stmt = select(*_base_columns())
        if plan.driven:
            stmt = stmt.select_from(_fts).join(_table, _table.c.id == _fts.c.rowid)
            stmt = stmt.join(_portals, _portals.c.name == _table.c.portal)
        else:
            stmt = stmt.join_from(_table, _portals, _portals.c.name == _table.c.portal)
        return stmt.where(*plan.where)
