"""Reads for the web UI's pages: the meetings page, one record with its copies, the
announcements a subscription hears of, the portals stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from storage.models import AlertDelivery, AlertEvent, Announcement, CrawlRun, PortalRow
from storage.retry import retried
from storage.search import Search, _base_columns, original

_table = Announcement.__table__
_portals = PortalRow.__table__


@dataclass(frozen=True)
class Meetings:
    """The meetings page: those on ``today`` or later (soonest first) and the latest held."""

    upcoming: list[dict[str, Any]]
    held: list[dict[str, Any]]


@dataclass
class RecordPage:
    """One announcement: every column, its portal, the crawl run that first stored it, the
    first copy it duplicates and the copies that duplicate it."""

    record: dict[str, Any]
    portal: PortalRow | None
    run: CrawlRun | None
    original: dict[str, Any] | None = None
    copies: list[dict[str, Any]] = field(default_factory=list)


class Browse(Search):
    @retried("read the meetings")
    def meetings(self, today: date, upcoming: int = 200, held: int = 100) -> Meetings:
        """Meetings dated ``today`` or later, soonest first, then the latest held, newest
        first; copies of a meeting stored before are left out (they are on its page)."""
        base = select(*_base_columns()).join_from(
            _table, _portals, _portals.c.name == _table.c.portal
        )
        base = base.where(
            _table.c.is_meeting.is_(True),
            _table.c.meeting_date.is_not(None),
            original(self.dialect),
        )
        coming = base.where(_table.c.meeting_date >= today).order_by(
            _table.c.meeting_date, _table.c.id
        )
        past = base.where(_table.c.meeting_date < today).order_by(
            _table.c.meeting_date.desc(), _table.c.id.desc()
        )
        with self.engine.connect() as connection:
            return Meetings(
                [dict(r) for r in connection.execute(coming.limit(upcoming)).mappings()],
                [dict(r) for r in connection.execute(past.limit(held)).mappings()],
            )

    @retried("read a record")
    def record_page(self, id_: int) -> RecordPage | None:
        """The announcement ``id_`` with all its columns, or None."""
        brief = (_table.c.id, _table.c.url, _table.c.portal, _table.c.title)
        with self.engine.connect() as connection:
            row = connection.execute(select(_table).where(_table.c.id == id_)).mappings().first()
            if row is None:
                return None
            record = dict(row)
            original = None
            if record.get("duplicate_of"):
                found = connection.execute(
                    select(*brief).where(_table.c.url == record["duplicate_of"])
                ).mappings()
                original = next((dict(r) for r in found), {"url": record["duplicate_of"]})
            copies = connection.execute(
                select(*brief).where(_table.c.duplicate_of == record["url"]).order_by(_table.c.id)
            ).mappings()
            page = RecordPage(record, None, None, original, [dict(r) for r in copies])
        with self.session() as session:
            page.portal = session.get(PortalRow, record["portal"])
            if record.get("run_id") is not None:
                page.run = session.get(CrawlRun, record["run_id"])
        return page

    @retried("read what a subscription hears of")
    def alert_candidates(
        self, subscription: str, limit: int = 500
    ) -> list[tuple[Announcement, PortalRow, bool]]:
        """The newest announcements ``subscription`` was matched with (True) or that wait to
        be matched against every subscription (False): (announcement, portal, matched)."""
        delivered = select(AlertDelivery.announcement_id).where(
            AlertDelivery.subscription == subscription
        )
        waiting = select(AlertEvent.announcement_id).where(AlertEvent.processed_at.is_(None))
        stmt = (
            select(Announcement, PortalRow, Announcement.id.in_(delivered))
            .join(PortalRow, PortalRow.name == Announcement.portal)
            .where(or_(Announcement.id.in_(delivered), Announcement.id.in_(waiting)))
            .order_by(Announcement.id.desc())
            .limit(limit)
        )
        with self.session() as session:
            return [(row[0], row[1], bool(row[2])) for row in session.execute(stmt)]

    @retried("read the portals")
    def portal_rows(self) -> list[PortalRow]:
        """Every portal a crawl has stored, by name."""
        with self.session() as session:
            return list(session.scalars(select(PortalRow).order_by(PortalRow.name)))
