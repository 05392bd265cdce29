"""Snapshots: the raw bytes of every article page fetched, compressed once per distinct
content, with the status, headers and time of each fetch; retention by policy."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.orm import Session

from storage.base import Store, chunks
from storage.durations import parse_duration
from storage.models import Announcement, Revision, Snapshot, SnapshotBlob
from storage.retry import retried

# zlib at level 9: on real portal pages as small as zstd at 10 and as fast (zstd only wins
# at 19, at ten times the CPU); docs/revisions.md has the measurements. "none" is kept too
CODEC = "zlib"
# the response headers a snapshot keeps: what decoding and re-checking need
KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Date", "Location")
# retention: every distinct content, the first and the latest, or those of the last N days
ALL, FIRST_LAST = "all", "first-last"


def check_policy(value: str) -> str:
    """A snapshot retention setting, or ValueError saying what is allowed."""
    if value in (ALL, FIRST_LAST):
        return value
    try:
        parse_duration(value)
    except ValueError:
        raise ValueError(
            f"snapshots: all, first-last or a duration like 30d, not {value!r}"
        ) from None
    return value


def compress(data: bytes, codec: str = CODEC) -> bytes:
    if codec == "zlib":
        return zlib.compress(data, 9)
    return data


def decompress(data: bytes, codec: str) -> bytes:
    if codec == "zlib":
        return zlib.decompress(data)
    return data


@dataclass(frozen=True)
class Fetched:
    """One article page as fetched: its bytes, status, kept headers and when; ``meta`` the
    rest that reading it again needs (final URL, encoding, the list's link text and date)."""

    body: bytes
    status: int
    headers: Mapping[str, str]
    fetched_at: datetime
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("Last-Modified")


@dataclass(frozen=True)
class Stored:
    """A stored snapshot, read back: its announcement, fetch and bytes."""

    announcement_id: int
    url: str
    portal: str
    status: int
    headers: dict[str, Any]
    fetched_at: datetime
    body: bytes


class Snapshots(Store):
    """Writes snapshots inside the announcements' and revisions' transactions; reads them
    back for re-analysis and the web UI."""

    def _add_snapshots(
        self, session: Session, fetched: Sequence[tuple[int, Fetched]]
    ) -> dict[int, int]:
        """Store (announcement id, fetch) pairs, each content once; announcement id → the
        new snapshot's id. A fetch whose content is the announcement's latest adds nothing."""
        if not fetched:
            return {}
        blobs = {f.sha256: f for _, f in fetched}
        ids = self._blob_ids(session, list(blobs))
        missing = [
            {"sha256": h, "codec": CODEC, "size": len(f.body), "data": compress(f.body)}
            for h, f in blobs.items()
            if h not in ids
        ]
        for chunk in chunks(missing, 100):
            session.execute(
                self._insert(SnapshotBlob).on_conflict_do_nothing(index_elements=["sha256"]),
                list(chunk),
            )
        if missing:
            ids = self._blob_ids(session, list(blobs))
        latest = self._latest_blobs(session, [id_ for id_, _ in fetched])
        made: dict[int, int] = {}
        for announcement_id, f in fetched:
            blob = ids[f.sha256]
            if latest.get(announcement_id) == blob:
                continue  # the same content again: one row per distinct content in a row
            made[announcement_id] = session.scalar(
                self._insert(Snapshot)
                .values(
                    announcement_id=announcement_id,
                    blob_id=blob,
                    status=f.status,
                    headers={**f.headers, **f.meta},
                    fetched_at=f.fetched_at,
                )
                .returning(Snapshot.id)
            )
            latest[announcement_id] = blob
        return made

    def _blob_ids(self, session: Session, hashes: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunks(hashes):
            stmt = select(SnapshotBlob.sha256, SnapshotBlob.id).where(
                SnapshotBlob.sha256.in_(list(chunk))
            )
            found.update({h: i for h, i in session.execute(stmt)})
        return found

    def _latest_blobs(self, session: Session, announcement_ids: list[int]) -> dict[int, int]:
        latest = (
            select(Snapshot.announcement_id, func.max(Snapshot.id).label("id"))
            .where(Snapshot.announcement_id.in_(announcement_ids))
            .group_by(Snapshot.announcement_id)
            .subquery()
        )
        stmt = select(Snapshot.announcement_id, Snapshot.blob_id).join(
            latest, and_(latest.c.id == Snapshot.id)
        )
        return {a: b for a, b in session.execute(stmt)}

    def _prune_snapshots(
        self, session: Session, announcement_id: int, policy: str, now: datetime
    ) -> int:
        """Apply the retention ``policy`` to one announcement's snapshots; the first and the
        latest always stay, and a revision's own snapshot does too. Returns rows removed."""
        if policy == ALL:
            return 0
        rows = session.execute(
            select(Snapshot.id, Snapshot.blob_id, Snapshot.fetched_at)
            .where(Snapshot.announcement_id == announcement_id)
            .order_by(Snapshot.id)
        ).all()
        if len(rows) <= 2:
            return 0
        middle = rows[1:-1]
        if policy != FIRST_LAST:
            cutoff = now - parse_duration(policy)
            middle = [row for row in middle if row.fetched_at < cutoff]
        kept = set(
            session.scalars(
                select(Revision.snapshot_id).where(Revision.announcement_id == announcement_id)
            )
        )
        doomed = [row for row in middle if row.id not in kept]
        if not doomed:
            return 0
        session.execute(delete(Snapshot).where(Snapshot.id.in_([row.id for row in doomed])))
        self._drop_unused_blobs(session, {row.blob_id for row in doomed})
        return len(doomed)

    def _delete_snapshots(self, session: Session, ids: Any) -> tuple[int, int]:
        """Delete every snapshot of the announcements ``ids`` (a list or a SELECT of ids),
        and the contents no other snapshot shares. Returns (snapshots, contents) deleted."""
        blobs = set(
            session.scalars(select(Snapshot.blob_id).where(Snapshot.announcement_id.in_(ids)))
        )
        deleted = session.execute(
            delete(Snapshot)
            .where(Snapshot.announcement_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        return int(deleted.rowcount), self._drop_unused_blobs(session, blobs)  # type: ignore[attr-defined]

    def _drop_unused_blobs(self, session: Session, blobs: set[int]) -> int:
        """Delete the contents among ``blobs`` that no snapshot names any more."""
        dropped = 0
        for chunk in chunks(sorted(blobs)):
            result = session.execute(
                delete(SnapshotBlob)
                .where(
                    SnapshotBlob.id.in_(list(chunk)),
                    ~exists().where(Snapshot.blob_id == SnapshotBlob.id),
                )
                .execution_options(synchronize_session=False)
            )
            dropped += int(result.rowcount)  # type: ignore[attr-defined]
        return dropped

    @retried("read snapshots")
    def latest_snapshots(
        self,
        portal: str | None = None,
        since: datetime | None = None,
        after_id: int = 0,
        limit: int = 200,
    ) -> list[Stored]:
        """The latest snapshot of each announcement with an id above ``after_id``, by id."""
        latest = select(func.max(Snapshot.id)).group_by(Snapshot.announcement_id).subquery()
        stmt = (
            select(Announcement.id, Announcement.url, Announcement.portal, Snapshot, SnapshotBlob)
            .join(Snapshot, Snapshot.announcement_id == Announcement.id)
            .join(SnapshotBlob, SnapshotBlob.id == Snapshot.blob_id)
            .where(Snapshot.id.in_(select(latest)), Announcement.id > after_id)
            .order_by(Announcement.id)
            .limit(limit)
        )
        if portal:
            stmt = stmt.where(Announcement.portal == portal)
        if since:
            stmt = stmt.where(Announcement.first_seen_at >= since)
        with self.session() as session:
            return [
                Stored(a, url, p, s.status, dict(s.headers), s.fetched_at,
                       decompress(b.data, b.codec))
                for a, url, p, s, b in session.execute(stmt)
            ]  # fmt: skip

    @retried("count records without snapshots")
    def without_snapshots(self, portal: str | None = None, since: datetime | None = None) -> int:
        stmt = select(func.count(Announcement.id)).where(
            ~exists().where(Snapshot.announcement_id == Announcement.id)
        )
        if portal:
            stmt = stmt.where(Announcement.portal == portal)
        if since:
            stmt = stmt.where(Announcement.first_seen_at >= since)
        with self.session() as session:
            return session.scalar(stmt) or 0

    @retried("measure snapshots")
    def snapshot_sizes(self) -> dict[str, int]:
        """Snapshot rows, distinct contents, their raw and their stored bytes."""
        with self.session() as session:
            rows = session.scalar(select(func.count(Snapshot.id))) or 0
            blobs, raw, stored = session.execute(
                select(
                    func.count(SnapshotBlob.id),
                    func.coalesce(func.sum(SnapshotBlob.size), 0),
                    func.coalesce(func.sum(func.length(SnapshotBlob.data)), 0),
                )
            ).one()
        return {"snapshots": rows, "contents": blobs, "raw_bytes": raw, "stored_bytes": stored}
