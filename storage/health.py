"""Portal health as judged from crawl runs, and the per-portal summaries `govwatch status` shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select

from storage.alerts import Alerts, NewMessage
from storage.models import Announcement, PortalHealth
from storage.retry import retried

OK = "ok"
BROKEN = "broken"


@dataclass(frozen=True)
class PortalSummary:
    announcements: int
    meetings: int
    last_meeting: date | None  # the latest meeting_date among its meetings


class Health(Alerts):
    """The portal_health table; a change of state queues its email in the outbox."""

    @retried("read portal health")
    def health(self) -> dict[str, PortalHealth]:
        with self.session() as session:
            return {row.portal: row for row in session.scalars(select(PortalHealth))}

    @retried("read portal health")
    def portal_health(self, portal: str) -> PortalHealth | None:
        with self.session() as session:
            return session.get(PortalHealth, portal)

    @retried("record portal health")
    def record_health(
        self,
        portal: str,
        state: str,
        reason: str | None,
        run_id: int,
        now: datetime,
        render: Callable[[int], NewMessage | None],
    ) -> bool:
        """Store a portal's judged state after run ``run_id``, in one transaction.

        A change of state counts one more transition and queues ``render(change number)``
        (the health email, or None); judging the same run twice changes nothing. Returns
        whether the state changed.
        """
        with self.session.begin() as session:
            row = session.get(PortalHealth, portal, with_for_update=True)
            if row is None:
                row = PortalHealth(
                    portal=portal, state=OK, reason=None, since=now, last_run_id=None, changes=0
                )
                session.add(row)
            if row.last_run_id is not None and row.last_run_id >= run_id:
                return False
            row.last_run_id = run_id
            if row.state == state:
                row.reason = reason if state != OK else None
                return False
            row.state, row.reason, row.since = state, reason, now
            row.changes += 1
            session.flush()
            message = render(row.changes)
            if message is not None:
                self._add_message(session, message, now)
            return True

    @retried("summarise portals")
    def portal_summaries(self) -> dict[str, PortalSummary]:
        """Per portal: announcements stored, meetings among them, the date of the last meeting
        (its meeting_date, not when it was seen)."""
        original = Announcement.duplicate_of.is_(None)
        meeting = and_(Announcement.is_meeting.is_(True), original)
        stmt = select(
            Announcement.portal,
            func.count(Announcement.id),
            func.count(Announcement.id).filter(meeting),
            func.max(Announcement.meeting_date).filter(meeting),
        ).group_by(Announcement.portal)
        with self.session() as session:
            return {
                name: PortalSummary(total, meetings, last)
                for name, total, meetings, last in session.execute(stmt).all()
            }
