"""Revisions: re-checks of recent articles, what changed field by field, withdrawals, the
record's history, and re-analysis's quiet updates."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.dedupe_index import DedupeIndex, level_keys
from storage.models import Announcement, PortalRow, Revision, Snapshot
from storage.record import EXTRACTED_FIELDS
from storage.retry import retried
from storage.snapshots import Fetched, Snapshots
from storage.textindex import rewrite_index

EDITED, WITHDRAWN = "edited", "withdrawn"
# what a revision compares: what extraction reads from the page (attachments are links,
# not text; their order moves with furniture)
COMPARED = tuple(name for name in EXTRACTED_FIELDS if name != "attachments")
# what a record's update writes: the fields and what depends on them
UPDATED = (*COMPARED, "why", "fingerprint", "simhash", "extractor_version")


def _plain(value: Any) -> Any:
    """A field's value as JSON, whitespace runs made one space: what a revision compares."""
    if isinstance(value, datetime):  # one instant, whatever zone it was read in
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _bare(value: Any) -> Any:
    """A compared value without any whitespace: spaces between Chinese characters, a line
    broken elsewhere or an indent are layout, not an edit."""
    if isinstance(value, str):
        return "".join(value.split())
    if isinstance(value, list):
        return [_bare(v) for v in value]
    return value


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field → [before, after] of each compared field that differs beyond whitespace."""
    found = {}
    for name in (name for name in COMPARED if name in new):  # what the new reading has
        before, after = _plain(old.get(name)), _plain(new.get(name))
        if before in ("", []):
            before = None
        if after in ("", []):
            after = None
        if _bare(before) != _bare(after):
            found[name] = [before, after]
    return found


def body_diff(old: str, new: str, context: int = 1) -> str:
    """A unified diff of two bodies, line by line (each line's whitespace made one space)."""
    before = [" ".join(line.split()) for line in old.splitlines() if line.strip()]
    after = [" ".join(line.split()) for line in new.splitlines() if line.strip()]
    lines = difflib.unified_diff(before, after, "before", "after", n=context, lineterm="")
    return "\n".join(lines)


@dataclass(frozen=True)
class Due:
    """An article to re-check, with its validators for the conditional GET."""

    url: str
    etag: str | None
    last_modified: str | None
    # the list's hints its first fetch had (link text, ISO date): extraction reads them
    link_text: str | None = None
    link_date: str | None = None


@dataclass(frozen=True)
class RevisionInfo:
    """A revision as read back, with its announcement's url, title and portal."""

    id: int
    announcement_id: int
    url: str
    portal: str
    title: str | None
    number: int
    kind: str
    changes: dict[str, Any]
    diff: str
    created_at: datetime


def _hints(headers: Mapping[str, Any]) -> tuple[str | None, str | None]:
    return headers.get("link_text"), headers.get("link_date")


class Revisions(DedupeIndex, Snapshots):
    """Re-checks' reads and writes; each method one transaction."""

    @retried("list articles to re-check")
    def due_rechecks(
        self, portal: str, now: datetime, days: timedelta, every: timedelta, limit: int
    ) -> list[Due]:
        """Articles first seen within ``days``, not withdrawn, whose last check (or first
        fetch) is ``every`` old or more: the oldest checks first."""
        last = func.coalesce(Announcement.checked_at, Announcement.first_seen_at)
        stmt = (
            select(Announcement.id, Announcement.url, Announcement.etag, Announcement.last_modified)
            .where(
                Announcement.portal == portal,
                Announcement.withdrawn_at.is_(None),
                Announcement.first_seen_at >= now - days,
                last <= now - every,
            )
            .order_by(last, Announcement.id)
            .limit(limit)
        )
        with self.session() as session:
            rows = session.execute(stmt).all()
            hints = self._latest_headers(session, [row[0] for row in rows])
            return [
                Due(url, etag, modified, *_hints(hints.get(id_, {})))
                for id_, url, etag, modified in rows
            ]

    def _latest_headers(self, session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
        latest = (
            select(func.max(Snapshot.id))
            .where(Snapshot.announcement_id.in_(ids))
            .group_by(Snapshot.announcement_id)
        )
        stmt = select(Snapshot.announcement_id, Snapshot.headers).where(Snapshot.id.in_(latest))
        return {a: dict(h) for a, h in session.execute(stmt)}

    @retried("record unchanged articles")
    def recheck_unchanged(self, urls: Sequence[str], now: datetime) -> None:
        """Articles answered 304 (or the same content): checked now, not gone."""
        if not urls:
            return
        with self.session.begin() as session:
            session.execute(
                update(Announcement)
                .where(Announcement.url.in_(list(urls)))
                .values(checked_at=now, gone_since=None)
            )

    @retried("record a missing article")
    def recheck_gone(self, url: str, reason: str, now: datetime) -> str | None:
        """A re-check found the article gone: the first time noted, the second time (the
        next check) withdrawn, with a revision. Returns "gone", "withdrawn" or None."""
        with self.session.begin() as session:
            row = session.scalars(
                select(Announcement).where(Announcement.url == url).with_for_update()
            ).first()
            if row is None or row.withdrawn_at is not None:
                return None
            row.checked_at = now
            if row.gone_since is None:
                row.gone_since = now
                return "gone"
            row.withdrawn_at = row.revised_at = now
            self._add_revision(
                session, row.id, WITHDRAWN, {"reason": [None, reason]}, "", None, now
            )
            return WITHDRAWN

    @retried("record a re-fetched article")
    def recheck_fetched(
        self, record: Mapping[str, Any], fetched: Fetched, policy: str, now: datetime
    ) -> int | None:
        """A re-fetched article: its snapshot stored; when its fields differ beyond
        whitespace, the record updated and a revision made. Returns the revision's number."""
        with self.session.begin() as session:
            row = session.scalars(
                select(Announcement).where(Announcement.url == record["url"]).with_for_update()
            ).first()
            if row is None:
                return None
            snapshot = self._add_snapshots(session, [(row.id, fetched)]).get(row.id)
            old = {name: getattr(row, name) for name in (*COMPARED, "portal", "is_meeting")}
            found = changes(old, record)
            row.checked_at = now
            row.gone_since = None
            row.etag, row.last_modified = fetched.etag, fetched.last_modified
            number = None
            if found:
                diff = body_diff(old.get("body") or "", record.get("body") or "")
                number = self._add_revision(session, row.id, EDITED, found, diff, snapshot, now)
                self._update_fields(session, row, old, record)
                row.revised_at = now
            self._prune_snapshots(session, row.id, policy, now)
            return number

    def _update_fields(
        self, session: Session, row: Announcement, old: Mapping[str, Any], record: Mapping[str, Any]
    ) -> None:
        for name in UPDATED:
            if name in record:
                setattr(row, name, record[name])
        session.flush()
        rewrite_index(session, row.id, old, {**old, **record, "portal": row.portal})
        if "bands" in record or "fingerprint" in record:
            # the dedupe index keeps the latest text's keys, as search does: a new copy
            # of the edited text finds it (docs/revisions.md)
            self._delete_bands(session, [row.id])
            keys = level_keys(record)
            if keys:
                self._insert_bands(session, [(key, row.id) for key in keys])
                self._settle_band_levels(session, len(keys))

    def _add_revision(
        self,
        session: Session,
        announcement_id: int,
        kind: str,
        found: Mapping[str, Any],
        diff: str,
        snapshot: int | None,
        now: datetime,
    ) -> int:
        number = (
            session.scalar(
                select(func.max(Revision.number)).where(Revision.announcement_id == announcement_id)
            )
            or 0
        ) + 1
        session.add(
            Revision(
                announcement_id=announcement_id,
                number=number,
                kind=kind,
                changes=dict(found),
                diff=diff,
                snapshot_id=snapshot,
                created_at=now,
            )
        )
        return number

    # -- reading ---------------------------------------------------------------------

    @retried("read revisions")
    def revisions(self, url: str) -> list[RevisionInfo] | None:
        """An announcement's revisions, oldest first; None when the URL is not stored."""
        with self.session() as session:
            found = session.scalar(select(Announcement.id).where(Announcement.url == url))
            if found is None:
                return None
            return self._revision_infos(session, [Revision.announcement_id == found])

    @retried("read revisions")
    def revisions_of(self, announcement_id: int) -> list[RevisionInfo]:
        with self.session() as session:
            return self._revision_infos(session, [Revision.announcement_id == announcement_id])

    @retried("read revisions to alert")
    def pending_revisions(self, limit: int = 100) -> list[RevisionInfo]:
        """Revisions not yet matched against the subscriptions that want changes."""
        with self.session() as session:
            return self._revision_infos(session, [Revision.alerted_at.is_(None)], limit)

    def _revision_infos(
        self, session: Session, where: Iterable[Any], limit: int | None = None
    ) -> list[RevisionInfo]:
        stmt = (
            select(Revision, Announcement.url, Announcement.portal, Announcement.title)
            .join(Announcement, Announcement.id == Revision.announcement_id)
            .where(*where)
            .order_by(Revision.id)
            .limit(limit)
        )
        return [
            RevisionInfo(
                r.id, r.announcement_id, url, portal, title, r.number, r.kind,
                dict(r.changes), r.diff, r.created_at,
            )
            for r, url, portal, title in session.execute(stmt)
        ]  # fmt: skip

    @retried("read an announcement")
    def announcement_with_portal(self, announcement_id: int) -> tuple[Announcement, PortalRow]:
        with self.session() as session:
            row = session.execute(
                select(Announcement, PortalRow)
                .join(PortalRow, PortalRow.name == Announcement.portal)
                .where(Announcement.id == announcement_id)
            ).one()
            return row[0], row[1]

    # -- re-analysis -----------------------------------------------------------------

    @retried("read records for re-analysis")
    def current_fields(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        columns = [getattr(Announcement, name) for name in (*UPDATED, "portal", "is_meeting")]
        names = [c.key for c in columns]
        with self.session() as session:
            rows = session.execute(
                select(Announcement.id, *columns).where(Announcement.id.in_(list(ids)))
            )
            return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}

    @retried("update re-analysed records")
    def reanalysed(self, updates: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """New fields from a re-analysis: no revision, no ``revised_at``, no alert."""
        with self.session.begin() as session:
            for announcement_id, record in updates:
                row = session.get(Announcement, announcement_id)
                if row is None:
                    continue
                old = {name: getattr(row, name) for name in (*UPDATED, "portal", "is_meeting")}
                self._update_fields(session, row, old, record)

    @retried("mark revisions alerted")
    def revisions_alerted(self, ids: Sequence[int], now: datetime) -> None:
        with self.session.begin() as session:
            session.execute(
                update(Revision)
                .where(Revision.id.in_(list(ids)), Revision.alerted_at.is_(None))
                .values(alerted_at=now)
            )


__all__ = ["EDITED", "WITHDRAWN", "Due", "RevisionInfo", "Revisions", "body_diff", "changes"]
