"""Announcements: the crawl's lookups and batched inserts, counts and the export stream."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, String, Table, func, select
from sqlalchemy.exc import DBAPIError

from storage.base import chunks, dialect_insert, one_of
from storage.dedupe_index import DedupeIndex, level_keys
from storage.durations import utcnow
from storage.models import AlertEvent, Announcement, ForgottenAlert, PortalRow
from storage.record import EXPORT_FIELDS, INDEX_FIELDS
from storage.retry import retried
from storage.search import Filters, conditions, region_portals
from storage.snapshots import Fetched, Snapshots
from storage.textindex import TextIndex


@cache
def _known(dialect: str) -> Select[str]:
    """A list page's stored URLs: one statement per dialect, its cache key built once."""
    return select(Announcement.url).where(one_of(Announcement.url, "urls", String, dialect))


@cache
def _forgotten(dialect: str) -> Select[str]:
    return select(ForgottenAlert.url).where(one_of(ForgottenAlert.url, "urls", String, dialect))


@cache
def _insert_new(dialect: str) -> Any:
    """INSERT announcements whose URL is not stored yet, RETURNING (id, url, duplicate_of)."""
    table = cast(Table, Announcement.__table__)
    return (
        dialect_insert(dialect, table)
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(table.c.id, table.c.url, table.c.duplicate_of)
    )


@cache
def _one_row_insert(
    dialect: Any, names: tuple[str, ...]
) -> tuple[str, list[tuple[str, Any]]] | None:
    """The driver's SQL of :func:`_insert_new` for one row of these columns, and each
    parameter's bind processor (None where the value goes to the driver as it is), as
    SQLAlchemy would convert them: UTCDateTime to naive UTC, the JSON columns to text.
    None when the row leaves a column with a default out (StorePipeline's rows have every
    stored field)."""
    compiled = _insert_new(dialect.name).values(dict.fromkeys(names)).compile(dialect=dialect)
    if set(compiled.params) != set(names):
        return None  # columns left to their defaults, which SQLAlchemy fills in
    columns = Announcement.__table__.c
    return compiled.string, [
        (name, columns[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in compiled.params
    ]


class Announcements(DedupeIndex, TextIndex, Snapshots):
    """One row per canonical URL; each new row's keys go to the dedupe index with it, and
    its text to the search index (storage.textindex)."""

    @property
    def _insert_chunk(self) -> int:
        """Announcements per INSERT: on SQLite a multi-row INSERT of 100; on PostgreSQL a
        whole batch in one pipelined executemany."""
        return 1 << 30 if self.dialect == "postgresql" else 100

    @retried("look up stored URLs")
    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The subset of ``urls`` already stored."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        known = _known(self.dialect)
        with self.engine.connect() as connection:  # one query per list page: Core, no session
            for chunk in chunks(wanted, self.array_chunk):
                found.update(connection.execute(known, {"urls": list(chunk)}).scalars())
        return found

    @retried("store announcements")
    def add_announcements(
        self,
        records: Sequence[Mapping[str, Any]],
        enqueue_alerts: bool = False,
        snapshots: Mapping[str, Fetched] | None = None,
    ) -> list[str]:
        """Insert a batch in one transaction; URLs already stored are skipped, not doubled.

        Copies are decided here too: a record the crawl took for a first copy whose content
        fingerprint another crawl stored meanwhile becomes a copy of that one
        (:meth:`_settle_first_copies`). With ``enqueue_alerts`` each new announcement, copy
        or not, gets its alert event (see storage.alerts) in the same transaction: stored
        means queued for alerts; delivery sends one per subscription per cluster of copies.
        ``snapshots`` (url → the page as fetched) are stored with the new rows.
        Returns the URLs that were new.
        """
        if not records:
            return []
        now = utcnow()
        keys = {record["url"]: level_keys(record) for record in records}
        fingerprints = {record["url"]: record.get("fingerprint") for record in records}
        by_url = {record["url"]: record for record in reversed(records)}  # the first of each URL
        rows = [
            {"first_seen_at": now, **{k: v for k, v in record.items() if k not in INDEX_FIELDS}}
            for record in records
        ]
        new: list[tuple[int, str, str | None]] = []
        added = 0  # keys in the dedupe index
        with self.session.begin() as session:
            # one executemany per run of rows with the same columns, on the table, not the
            # mapped class: the ORM's bulk path costs more than the SQL
            for _, same in itertools.groupby(rows, key=lambda row: row.keys()):
                for chunk in chunks(list(same), self._insert_chunk):
                    inserted = self._insert_new_announcements(session, list(chunk))
                    new.extend(inserted)
                    # searchable at once: the text index is written with the rows
                    self._index_texts(session, [(id_, by_url[url]) for id_, url, _ in inserted])
                    band_rows = [
                        (key, id_) for id_, url, _ in inserted for key in keys.get(url, ())
                    ]
                    if band_rows:
                        self._insert_bands(session, band_rows)
                        added += len(band_rows)
            firsts = {url: fingerprints[url] for _, url, dup in new if dup is None}
            self._settle_first_copies(session, {u: f for u, f in firsts.items() if f}, new)
            if enqueue_alerts and new:
                for chunk in chunks(self._not_alerted_before(session, new)):
                    session.execute(
                        self._insert(AlertEvent.__table__)
                        .values(
                            [{"announcement_id": id_, "created_at": now} for id_, _, _ in chunk]
                        )
                        .on_conflict_do_nothing(index_elements=["announcement_id"])
                    )
            if added:
                self._settle_band_levels(session, added)
            if snapshots:
                fetched = [(id_, snapshots[url]) for id_, url, _ in new if url in snapshots]
                self._add_snapshots(session, fetched)
        return [url for _, url, _ in new]

    def _not_alerted_before(
        self, session: Any, new: Sequence[tuple[int, str, str | None]]
    ) -> list[tuple[int, str, str | None]]:
        """The new rows to alert: not those forgotten by hand after an alert
        (storage.forget), which a crawl has stored again."""
        told: set[str] = set()
        for chunk in chunks([url for _, url, _ in new], self.array_chunk):
            told.update(session.execute(_forgotten(self.dialect), {"urls": list(chunk)}).scalars())
        return [row for row in new if row[1] not in told]

    def _insert_new_announcements(
        self, session: Any, rows: list[dict[str, Any]]
    ) -> Sequence[tuple[int, str, str | None]]:
        """Insert announcements (rows with the same columns) whose URL is not stored yet;
        (id, url, duplicate_of) of each one inserted.

        SQLite: SQLAlchemy's executemany of a multi-row INSERT. PostgreSQL: psycopg's
        pipelined executemany of the one-row INSERT, each row's RETURNING read back, because
        psycopg parses SQLAlchemy's multi-row INSERT afresh on every call (docs/performance.md).
        That path runs on the driver's cursor: SQLAlchemy's cursor events do not see it."""
        dialect = self.engine.dialect
        one_row = _one_row_insert(dialect, tuple(rows[0])) if dialect.name == "postgresql" else None
        if one_row is None:
            stmt = _insert_new(dialect.name)
            return [(id_, url, dup) for id_, url, dup in session.execute(stmt, rows)]
        sql, processors = one_row
        params = [
            {name: process(row[name]) if process else row[name] for name, process in processors}
            for row in rows
        ]
        connection = session.connection()
        driver = connection.connection.dbapi_connection
        cursor = driver.cursor()
        try:
            cursor.executemany(sql, params, returning=True)
            new: list[tuple[int, str, str | None]] = []
            while True:
                new.extend(cursor.fetchall())
                if not cursor.nextset():
                    return new
        except dialect.loaded_dbapi.Error as exc:
            # raised as SQLAlchemy raises a driver's error, a lost connection invalidated, so
            # storage.retry tries the batch again on a new one
            lost = dialect.is_disconnect(exc, driver, cursor)
            if lost:
                connection.invalidate(exc)
            raise DBAPIError.instance(
                sql, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=lost
            ) from exc
        finally:
            cursor.close()

    @retried("export announcements")
    def export(self, filters: Filters | None = None) -> Iterator[dict[str, Any]]:
        """Stored announcements in the view ``filters`` (the web's, without its text or
        sort) as export records, oldest first, streamed.

        The query runs (and is retried) here; the rows stream as the caller reads them.
        Plain columns through SQLAlchemy Core: an ORM object per row costs several times
        the query."""
        filters = filters or Filters()
        table = Announcement.__table__
        portals = PortalRow.__table__
        columns = [
            table.c[name] if name in table.c else portals.c[_PORTAL_COLUMNS[name]]
            for name in EXPORT_FIELDS
        ]
        stmt: Select[Any] = select(*columns).select_from(
            table.outerjoin(portals, portals.c.name == table.c.portal)
        )
        connection = self.engine.connect()
        try:
            region = region_portals(connection, filters)
            stmt = stmt.where(*conditions(filters, region, self.dialect))
            if filters.since is not None and filters.by == "seen":
                # the same order (ids are given as records are first seen), but one SQLite
                # reads from the first_seen_at index; ORDER BY id alone scanned the table
                stmt = stmt.order_by(table.c.first_seen_at, table.c.id)
            else:
                stmt = stmt.order_by(table.c.id)
            rows = connection.execute(stmt.execution_options(yield_per=1000))
        except BaseException:
            connection.close()
            raise
        return _stream(connection, rows)

    @retried("count announcements")
    def count(self, portal: str | None = None) -> int:
        stmt = select(func.count(Announcement.id))
        if portal:
            stmt = stmt.where(Announcement.portal == portal)
        with self.session() as session:
            return session.scalar(stmt) or 0


_PORTAL_COLUMNS = {"portal_title": "title", "portal_region": "region"}  # exported from portals


def _stream(connection: Any, rows: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Export records from ``rows``; the connection closes when the stream ends or is dropped."""
    try:
        for row in rows:
            yield dict(zip(EXPORT_FIELDS, row, strict=True))
    finally:
        connection.close()
