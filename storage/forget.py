"""Deleting records, with everything that hangs off them, and removing a portal's state.

`govwatch record forget URL` deletes a record so the next crawl fetches and stores it again;
`govwatch portal remove NAME [--purge]` forgets a portal (and with ``--purge`` its records).
What goes with a record, in the one transaction that deletes it: its dedupe keys, search
index entry, revisions, snapshots (a content another record shares stays), missed URL,
alert event and deliveries, and the outbox messages about it not yet sent. Sent messages
(and those being sent, or held for a person) are history and stay. Records that named it as
their first copy point at the earliest of them instead (docs/running.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, not_, or_, select, update
from sqlalchemy.orm import Session

from storage.base import CHUNK, chunks
from storage.durations import utcnow
from storage.models import (
    AlertDelivery,
    AlertEvent,
    AlertMessage,
    Announcement,
    CrawlRun,
    ForgottenAlert,
    Lease,
    ListPage,
    MissedUrl,
    PortalHealth,
    PortalRow,
    Revision,
)
from storage.outbox import FAILED, PENDING
from storage.retry import retried
from storage.revisions import Revisions
from storage.runs import ARTICLE
from storage.textindex import INDEXED_FIELDS, indexed_record, unindex

# outbox messages deleted with their record: never sent. Sending, held (may have arrived)
# and sent ones stay, and a record one of them told of counts as alerted
DROPPED = (PENDING, FAILED)
FORGOTTEN = "forgotten by hand (govwatch record forget): fetched again"


@dataclass
class Deleted:
    """What a deletion removed: the records' URLs and the rows per kind."""

    urls: list[str] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)

    def counts(self) -> str:
        """The rows per kind, those there were: "2 revisions, 1 snapshots", or "nothing"."""
        parts = [f"{count} {kind}" for kind, count in self.rows.items() if count]
        return ", ".join(parts) or "nothing"

    def describe(self) -> str:
        return f"{len(self.urls)} records ({self.counts()})"


class Forget(Revisions):
    """Deletes records and portal state; each public method one transaction."""

    @retried("forget records")
    def forget_records(self, urls: Iterable[str]) -> Deleted:
        """Delete the records of ``urls`` (those stored) so the next crawl of each portal
        fetches them again, as it fetches what a crawl missed. A record already alerted
        is remembered, so that stored again it is not alerted again."""
        wanted = list(dict.fromkeys(urls))
        deleted = Deleted()
        with self.session.begin() as session:
            for chunk in chunks(wanted):
                self._delete_records(session, Announcement.url.in_(list(chunk)), deleted, True)
        return deleted

    @retried("remove a portal")
    def remove_portal(self, portal: str, purge: bool = False) -> Deleted:
        """Forget ``portal``'s crawl state: list-page validators, missed URLs, health, its
        crawl lease, its unsent health alerts. With ``purge`` also its records, its crawl
        runs and its row; without, those stay (the records name the row and their runs)."""
        deleted = Deleted()
        with self.session.begin() as session:
            if purge:
                self._delete_records(session, Announcement.portal == portal, deleted, False)
            state: list[tuple[str, Any]] = [
                ("list-page validators", delete(ListPage).where(ListPage.portal == portal)),
                ("missed URLs", delete(MissedUrl).where(MissedUrl.portal == portal)),
                ("health", delete(PortalHealth).where(PortalHealth.portal == portal)),
                ("leases", delete(Lease).where(Lease.name == f"portal:{portal}")),
                (
                    "unsent alerts",
                    delete(AlertMessage).where(
                        AlertMessage.key.startswith(f"health:{portal}:", autoescape=True),
                        AlertMessage.status.in_(DROPPED),
                    ),
                ),
            ]
            if purge:
                state += [
                    (
                        "forgotten",
                        delete(ForgottenAlert).where(ForgottenAlert.portal == portal),
                    ),
                    ("runs", delete(CrawlRun).where(CrawlRun.portal == portal)),
                    ("portals", delete(PortalRow).where(PortalRow.name == portal)),
                ]
            for kind, stmt in state:
                result = session.execute(stmt.execution_options(synchronize_session=False))
                deleted.rows[kind] += int(result.rowcount)  # type: ignore[attr-defined]
        return deleted

    # -- one transaction's parts -------------------------------------------------------

    def _delete_records(
        self, session: Session, where: ColumnElement[bool], deleted: Deleted, remember: bool
    ) -> None:
        """Delete the records ``where`` selects and all that hangs off them; ``remember``:
        ask the next crawl for each again, and keep which were alerted."""
        # the dedupe index first, in one statement: it is read whole (DedupeIndex._delete_bands)
        deleted.rows["dedupe keys"] += self._delete_bands(
            session, select(Announcement.id).where(where)
        )
        columns = [getattr(Announcement, name) for name in INDEXED_FIELDS]
        query = select(Announcement.id, Announcement.url, *columns).where(where)
        after = 0
        while True:
            rows = session.execute(
                query.where(Announcement.id > after).order_by(Announcement.id).limit(CHUNK)
            ).all()
            if not rows:
                return
            after = rows[-1].id
            ids = [row.id for row in rows]
            urls = [row.url for row in rows]
            if remember:
                self._remember(session, rows)
            self._delete_alerts(session, ids, deleted)
            self._delete_dependants(session, ids, deleted)
            unindex(session, [(row.id, indexed_record(row)) for row in rows])
            deleted.rows["copies relinked"] += self._relink_copies(session, urls, where)
            if not remember:
                session.execute(delete(MissedUrl).where(MissedUrl.url.in_(urls)))
            session.execute(
                delete(Announcement)
                .where(Announcement.id.in_(ids))
                .execution_options(synchronize_session=False)
            )
            deleted.urls += urls

    def _remember(self, session: Session, rows: Sequence[Any]) -> None:
        """Before ``rows`` are deleted: each becomes a missed article of its portal (the next
        crawl fetches it whatever its list pages' 304s say), with the list's hints its
        snapshot kept; each that was alerted goes to forgotten_alerts."""
        now = utcnow()
        ids = [row.id for row in rows]
        hints = self._latest_headers(session, ids)
        alerted = set(
            session.scalars(
                select(AlertDelivery.announcement_id)
                .join(AlertMessage, AlertMessage.id == AlertDelivery.message)
                .where(AlertDelivery.announcement_id.in_(ids), AlertMessage.status.not_in(DROPPED))
            )
        )
        session.execute(delete(MissedUrl).where(MissedUrl.url.in_([row.url for row in rows])))
        session.execute(
            self._insert(MissedUrl),
            [
                {
                    "portal": row.portal,
                    "url": row.url,
                    "kind": ARTICLE,
                    "link_text": hints.get(row.id, {}).get("link_text"),
                    "link_date": hints.get(row.id, {}).get("link_date"),
                    "attempts": 0,
                    "last_error": FORGOTTEN,
                    "first_missed_at": now,
                    "last_missed_at": now,
                }
                for row in rows
            ],
        )
        told = [
            {"url": row.url, "portal": row.portal, "forgotten_at": now}
            for row in rows
            if row.id in alerted
        ]
        if told:
            session.execute(
                self._insert(ForgottenAlert).on_conflict_do_nothing(index_elements=["url"]), told
            )

    def _delete_alerts(self, session: Session, ids: list[int], deleted: Deleted) -> None:
        """The records' alert events and deliveries, and the unsent messages about them:
        an instant alert (every channel's), a digest carrying one (its other records wait
        for the next digest) and a change alert of one of their revisions."""
        keys = session.scalars(
            select(AlertMessage.key)
            .join(AlertDelivery, AlertDelivery.message == AlertMessage.id)
            .where(AlertDelivery.announcement_id.in_(ids))
        )
        # a message's key, and its other channels' the same key and ">channel"
        bases = {key.split(">")[0] for key in keys}
        revisions = session.scalars(select(Revision.id).where(Revision.announcement_id.in_(ids)))
        # change:<subscription>:<revision id>, for each channel too
        changes = [f":{id_}" for id_ in revisions]
        doomed: set[int] = set()
        for chunk in chunks(sorted(bases), 100):
            matches = [
                or_(
                    AlertMessage.key == base,
                    AlertMessage.key.startswith(base + ">", autoescape=True),
                )
                for base in chunk
            ]
            doomed.update(self._unsent(session, or_(*matches)))
        for chunk in chunks(changes, 100):
            matches = [
                or_(AlertMessage.key.endswith(end), AlertMessage.key.contains(end + ">"))
                for end in chunk
            ]
            doomed.update(self._unsent(session, AlertMessage.kind == "change", or_(*matches)))
        doomed_ids = sorted(doomed)
        for chunk in chunks(doomed_ids):
            session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.message.in_(list(chunk)))
                .values(message=None)
                .execution_options(synchronize_session=False)
            )
        for model, column in ((AlertDelivery, AlertDelivery.announcement_id),
                              (AlertEvent, AlertEvent.announcement_id)):  # fmt: skip
            session.execute(
                delete(model).where(column.in_(ids)).execution_options(synchronize_session=False)
            )
        for chunk in chunks(doomed_ids):
            session.execute(
                delete(AlertMessage)
                .where(AlertMessage.id.in_(list(chunk)))
                .execution_options(synchronize_session=False)
            )
        deleted.rows["unsent alerts"] += len(doomed_ids)

    @staticmethod
    def _unsent(session: Session, *where: ColumnElement[bool]) -> list[int]:
        stmt = select(AlertMessage.id).where(AlertMessage.status.in_(DROPPED), *where)
        return list(session.scalars(stmt))

    def _delete_dependants(self, session: Session, ids: list[int], deleted: Deleted) -> None:
        """Revisions, then the snapshots they name, then contents nobody else shares."""
        result = session.execute(
            delete(Revision)
            .where(Revision.announcement_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        deleted.rows["revisions"] += int(result.rowcount)  # type: ignore[attr-defined]
        snapshots, contents = self._delete_snapshots(session, ids)
        deleted.rows["snapshots"] += snapshots
        deleted.rows["snapshot contents"] += contents

    @staticmethod
    def _relink_copies(session: Session, urls: list[str], where: ColumnElement[bool]) -> int:
        """Records kept that name one of ``urls`` as their first copy: the earliest of each
        cluster becomes its first copy, the others its copies. Returns the records changed."""
        copies = session.execute(
            select(Announcement.id, Announcement.url, Announcement.duplicate_of)
            .where(Announcement.duplicate_of.in_(urls), not_(where))
            .order_by(Announcement.id)
        ).all()
        first: dict[str, str] = {}
        for id_, url, gone in copies:
            new_first = first.setdefault(str(gone), url)
            session.execute(
                update(Announcement)
                .where(Announcement.id == id_)
                .values(duplicate_of=None if new_first == url else new_first)
                .execution_options(synchronize_session=False)
            )
        return len(copies)
