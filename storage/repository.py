"""The repository: every read and write govwatch makes, in batches, behind one class."""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Engine,
    Integer,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from storage.db import connect, migrate, safe_url
from storage.exceptions import StorageUnavailable
from storage.models import AlertEvent, Announcement, AnnouncementBand, CrawlRun, ListPage, Portal
from storage.retry import RetrySettings, retried

logger = logging.getLogger(__name__)

# SQLite allows 32766 bound parameters; stay far below it on every backend
CHUNK = 500
# LSH band keys are kept in levels (storage.models.AnnouncementBand): new keys go to the last
# level; a level holding more keys than its cap moves, in key order, into the one before it.
# Level 0 has no cap. On SQLite each random key cost a page rewritten in the WAL, and with
# levels the store took a third less time; PostgreSQL's cost is per row, so moving each key
# twice more cost it more than it saved: one level there (docs/performance.md).
BAND_LEVEL_CAPS: dict[str, tuple[int | None, ...]] = {
    "sqlite": (None, 400_000, 20_000),
    "postgresql": (None,),
}

EXPORT_FIELDS = (
    "portal",
    "url",
    "title",
    "published_at",
    "source",
    "is_meeting",
    "meeting_date",
    "meeting_name",
    "presider",
    "speakers",
    "attendees",
    "body",
    "first_seen_at",
    "duplicate_of",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_BAND_LOCK = 0x67766264  # "gvbd": PostgreSQL advisory lock of band level moves
_BAND_LEVEL_SIZE = (
    select(func.count())
    .select_from(AnnouncementBand)
    .where(AnnouncementBand.level == bindparam("level"))
)


def _one_of(column: Any, name: str, item_type: Any, dialect: str) -> Any:
    """``column IN`` the list bound as ``name``. On PostgreSQL ``= ANY`` of one array: an
    expanding IN is a new statement for each list length, which psycopg parses afresh."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(item_type)))
    return column.in_(bindparam(name, expanding=True))


@dataclass(frozen=True)
class _Lookups:
    """The crawl's lookups (a list page's stored URLs, dedupe's for a whole store batch),
    built once per dialect: constructing a statement and its cache key on every call cost
    more than the query (docs/performance.md)."""

    known: Select[str]
    first_with_fingerprints: Select[str | None, str]
    band_matches: Select[int, int]
    candidates: Select[int, str, str, str | None]


def _band_matches(dialect: str, levels: int) -> Select[int, int]:
    """(key, announcement id) of stored band keys among ``keys``, at every level: the primary
    key (level, key, …) serves each pair. PostgreSQL joins the keys unnested from one array
    (its planner spent longer on ``= ANY`` of 500 keys than the index did)."""
    bands = AnnouncementBand
    any_level = bands.level.in_(range(levels))
    if dialect != "postgresql":
        return select(bands.key, bands.announcement_id).where(
            any_level, _one_of(bands.key, "keys", BigInteger, dialect)
        )
    keys = bindparam("keys", type_=postgresql.ARRAY(BigInteger))
    wanted = func.unnest(keys).table_valued("key").render_derived(name="wanted")
    return (
        select(bands.key, bands.announcement_id)
        .select_from(wanted)
        .join(bands, and_(any_level, bands.key == wanted.c.key))
    )


def _dialect_insert(dialect: str, model: Any) -> Any:
    """An INSERT of a mapped class or a table in the dialect's own form, which has ON CONFLICT."""
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise StorageUnavailable(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")


@cache
def _insert_new(dialect: str) -> Any:
    """INSERT announcements whose URL is not stored yet, RETURNING (id, url, duplicate_of)."""
    table = cast(Table, Announcement.__table__)
    return (
        _dialect_insert(dialect, table)
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


def fingerprint_key(fingerprint: str) -> int:
    """The key a content fingerprint (sha1 hex) is kept under with the band keys: its first
    64 bits, signed. On PostgreSQL ``('x' || left(fingerprint, 16))::bit(64)::bigint``."""
    return int.from_bytes(bytes.fromhex(fingerprint[:16]), "big", signed=True)


def _level_keys(record: Mapping[str, Any]) -> list[int]:
    """A record's keys in the band levels: its near-duplicate LSH band keys (crawler.dedupe,
    as "bands") and its fingerprint's key, which finds exact copies."""
    keys = list(record.get("bands") or ())
    if record.get("fingerprint"):
        keys.append(fingerprint_key(record["fingerprint"]))
    return list(dict.fromkeys(keys))


def _fingerprint_matches(dialect: str, levels: int) -> Select[str | None, str]:
    """(fingerprint, url) of announcements that are not copies whose fingerprint key is among
    ``keys``, earliest first: the band levels' primary key finds them (migration 0006), then
    each row by its id; the caller compares the whole fingerprint."""
    matches = _band_matches(dialect, levels).subquery()
    return (
        select(Announcement.fingerprint, Announcement.url)
        .join(matches, Announcement.id == matches.c.announcement_id)
        .where(Announcement.duplicate_of.is_(None))
        .order_by(Announcement.id)
    )


@cache
def _lookups(dialect: str, levels: int) -> _Lookups:
    return _Lookups(
        known=select(Announcement.url).where(_one_of(Announcement.url, "urls", String, dialect)),
        first_with_fingerprints=_fingerprint_matches(dialect, levels),
        band_matches=_band_matches(dialect, levels),
        candidates=select(
            Announcement.id, Announcement.url, Announcement.body, Announcement.duplicate_of
        ).where(_one_of(Announcement.id, "ids", Integer, dialect)),
    )


@dataclass(frozen=True)
class Validators:
    """HTTP validators remembered for one list page."""

    etag: str | None
    last_modified: str | None


class Repository:
    """All SQL of govwatch. Create one per process with :meth:`open`.

    Each method is one transaction, tried again while the database is unreachable or locked
    (storage.retry; GOVWATCH_DB_ATTEMPTS and friends, read once here), then StorageUnavailable.
    """

    def __init__(self, engine: Engine, retry: RetrySettings | None = None) -> None:
        self.engine = engine
        self.session = sessionmaker(engine, expire_on_commit=False)
        self.retry = retry or RetrySettings.from_env(os.environ)
        # the newest band level's size when last counted, and keys added since (an estimate
        # that saves a count per batch: see _settle_band_levels)
        self._newest_keys: int | None = None
        self._uncounted_keys = 0

    @classmethod
    def open(cls, url: str, retry: RetrySettings | None = None) -> Repository:
        """Connect to ``url`` and migrate its schema to the newest version."""
        retry = retry or RetrySettings.from_env(os.environ)
        engine = connect(url, busy_timeout=retry.busy_timeout)
        migrate(engine)
        return cls(engine, retry)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return safe_url(str(self.engine.url))

    @property
    def band_level_caps(self) -> tuple[int | None, ...]:
        """This database's band levels' caps, level 0 (no cap) first (BAND_LEVEL_CAPS)."""
        return BAND_LEVEL_CAPS[self.engine.dialect.name]

    @property
    def _newest_band_level(self) -> int:
        return len(self.band_level_caps) - 1

    @property
    def _array_chunk(self) -> int:
        """Values per lookup bound as one list: PostgreSQL binds one array, of any length;
        SQLite one parameter each, and it allows 32,766."""
        return 1 << 30 if self.engine.dialect.name == "postgresql" else CHUNK

    @property
    def _insert_chunk(self) -> int:
        """Announcements per INSERT: on SQLite a multi-row INSERT of 100 (of 500 it measured
        slower); on PostgreSQL a whole batch in one pipelined executemany."""
        return 1 << 30 if self.engine.dialect.name == "postgresql" else 100

    @property
    def _lookups(self) -> _Lookups:
        return _lookups(self.engine.dialect.name, len(self.band_level_caps))

    def _insert_bands(self, session: Any, rows: Sequence[tuple[int, int]]) -> None:
        """New band keys, (key, announcement id) pairs, into the newest level: plain integers
        through the driver, without SQLAlchemy building a parameter dict for each; on
        PostgreSQL one INSERT of two arrays, not a round trip per row (docs/performance.md)."""
        connection = session.connection()
        newest = self._newest_band_level
        if self.engine.dialect.name == "postgresql":
            keys, ids = zip(*rows, strict=True)
            connection.exec_driver_sql(
                "INSERT INTO announcement_bands (level, key, announcement_id)"
                " SELECT %s, k, i FROM unnest(%s::bigint[], %s::integer[]) AS t(k, i)",
                (newest, list(keys), list(ids)),
            )
        else:
            connection.exec_driver_sql(
                "INSERT INTO announcement_bands (level, key, announcement_id) VALUES (?, ?, ?)",
                [(newest, key, announcement_id) for key, announcement_id in rows],
            )

    def _insert_new_announcements(
        self, session: Any, rows: list[dict[str, Any]]
    ) -> Sequence[tuple[int, str, str | None]]:
        """Insert announcements (rows with the same columns) whose URL is not stored yet;
        (id, url, duplicate_of) of each one inserted.

        SQLite: SQLAlchemy's executemany of a multi-row INSERT. PostgreSQL: psycopg's
        executemany of the one-row INSERT, pipelined, each row's RETURNING read back. The
        multi-row INSERT of 100 rows is a 55 KB statement that psycopg re-parses for every
        call (it caches statements of at most 4 KB and 50 parameters): ~8 ms per 100 rows, more
        than the server spent inserting them (docs/performance.md). That path runs on the
        driver's cursor: SQLAlchemy's cursor events do not see it."""
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

    def _insert(self, model: Any) -> Any:
        """An INSERT of a mapped class or a table in the dialect that has ON CONFLICT."""
        return _dialect_insert(self.engine.dialect.name, model)

    # -- portals ---------------------------------------------------------------

    @retried("record portal")
    def ensure_portal(self, name: str, title: str | None = None, region: str | None = None) -> None:
        """Record a portal, updating its title and region when they changed."""
        stmt = self._insert(Portal).values(
            name=name, title=title, region=region, created_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"], set_={"title": title, "region": region}
        )
        with self.session.begin() as session:
            session.execute(stmt)

    # -- announcements ---------------------------------------------------------

    @retried("look up stored URLs")
    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The subset of ``urls`` already stored."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        with self.engine.connect() as connection:  # one query per list page: Core, no session
            for chunk in _chunks(wanted, self._array_chunk):
                found.update(
                    connection.execute(self._lookups.known, {"urls": list(chunk)}).scalars()
                )
        return found

    @retried("look up fingerprints")
    def first_with_fingerprints(self, fingerprints: Iterable[str]) -> dict[str, str]:
        """For each stored content fingerprint among ``fingerprints``, the URL of its earliest
        announcement that is not itself a copy. One indexed lookup per CHUNK fingerprints,
        through their keys in the band levels (:func:`fingerprint_key`)."""
        wanted = set(fingerprints)
        keys = list({fingerprint_key(digest) for digest in wanted})
        found: dict[str, str] = {}
        with self.session() as session:
            for chunk in _chunks(keys, self._array_chunk):
                rows = session.execute(self._lookups.first_with_fingerprints, {"keys": list(chunk)})
                for digest, url in rows:
                    if digest in wanted:  # not another body whose first 64 bits are the same
                        found.setdefault(digest, url)
        return found

    @retried("look up near duplicates")
    def near_duplicate_candidates(
        self, key_sets: Sequence[Sequence[int]], limit: int = 20
    ) -> list[list[tuple[str, str, str | None]]]:
        """For each record's LSH band keys, the (url, body, duplicate_of) of at most ``limit``
        stored announcements sharing a key: most shared keys first, then the earliest.

        Two indexed lookups for the whole batch (the band keys, then the chosen bodies).
        """
        wanted = list(dict.fromkeys(key for keys in key_sets for key in keys))
        if not wanted:
            return [[] for _ in key_sets]
        matches: dict[int, list[int]] = {}
        chosen: list[list[int]] = []
        rows: dict[int, tuple[str, str, str | None]] = {}
        with self.session() as session:
            for chunk in _chunks(wanted, self._array_chunk):
                for key, announcement_id in session.execute(
                    self._lookups.band_matches, {"keys": list(chunk)}
                ):
                    matches.setdefault(key, []).append(announcement_id)
            for keys in key_sets:
                shared = Counter(i for key in set(keys) for i in matches.get(key, ()))
                chosen.append(sorted(shared, key=lambda i: (-shared[i], i))[:limit])
            ids = list({i for top in chosen for i in top})
            for chunk in _chunks(ids):
                for row in session.execute(self._lookups.candidates, {"ids": list(chunk)}):
                    rows[row.id] = (row.url, row.body, row.duplicate_of)
        # (a key whose announcement was deleted by hand finds nothing)
        return [[rows[i] for i in top if i in rows] for top in chosen]

    @retried("store announcements")
    def add_announcements(
        self, records: Sequence[Mapping[str, Any]], enqueue_alerts: bool = False
    ) -> list[str]:
        """Insert a batch in one transaction; URLs already stored are skipped, not doubled.

        With ``enqueue_alerts`` each new announcement that is not a duplicate gets its alert
        event (see storage.outbox) in the same transaction: stored means queued for alerts.
        Returns the URLs that were new.
        """
        if not records:
            return []
        now = utcnow()
        bands = {record["url"]: _level_keys(record) for record in records}
        rows = [
            {"first_seen_at": now, **{k: v for k, v in record.items() if k != "bands"}}
            for record in records
        ]
        inserted: list[str] = []
        added = 0  # band keys
        with self.session.begin() as session:
            # one executemany per run of rows with the same columns: the INSERT is compiled
            # for the first row's keys (records normally all have every stored field), on the
            # table, not the mapped class: the ORM's bulk path costs more than the SQL
            for _, same in itertools.groupby(rows, key=lambda row: row.keys()):
                for chunk in _chunks(list(same), self._insert_chunk):
                    new = self._insert_new_announcements(session, list(chunk))
                    inserted.extend(url for _, url, _ in new)
                    band_rows = [(key, id_) for id_, url, _ in new for key in bands.get(url, ())]
                    if band_rows:
                        self._insert_bands(session, band_rows)
                        added += len(band_rows)
                    events = [
                        {"announcement_id": id_, "created_at": now}
                        for id_, _, duplicate_of in new
                        if enqueue_alerts and duplicate_of is None
                    ]
                    if events:
                        session.execute(
                            self._insert(AlertEvent.__table__)
                            .values(events)
                            .on_conflict_do_nothing(index_elements=["announcement_id"])
                        )
            if added:
                self._settle_band_levels(session, added)
        return inserted

    def _settle_band_levels(self, session: Any, added: int) -> None:
        """Move each band level that outgrew its cap into the level before it, newest first,
        in the caller's transaction.

        The newest level is counted when the keys this repository added since it last
        counted could have filled it, and at least every quarter of its cap: other crawls'
        keys go uncounted in between, so the level may outgrow its cap by a few batches."""
        caps, newest = self.band_level_caps, self._newest_band_level
        if newest == 0:
            return  # one level, nothing to move
        cap = caps[newest]
        assert cap is not None  # only level 0 is unbounded
        self._uncounted_keys += added
        if (
            self._newest_keys is not None
            and self._uncounted_keys < cap // 4
            and self._newest_keys + self._uncounted_keys <= cap
        ):
            return
        for level in range(newest, 0, -1):
            cap = caps[level]
            assert cap is not None
            size = session.execute(_BAND_LEVEL_SIZE, {"level": level}).scalar_one()
            if level == newest:
                self._newest_keys, self._uncounted_keys = size, 0
            if size <= cap:
                return
            self._move_band_level(session, level)
            if level == newest:
                self._newest_keys = 0

    @retried("move band keys")
    def move_band_level(self, level: int) -> int:
        """Move every band key of ``level`` into the level before it now, as a store does
        when the level outgrows its cap (bench/store.py times it). Returns the keys moved."""
        if not 0 < level <= self._newest_band_level:
            raise ValueError(f"band level {level} has no level before it to move into")
        with self.session.begin() as session:
            return self._move_band_level(session, level)

    def _move_band_level(self, session: Any, level: int) -> int:
        """One UPDATE: the database reads the level in key order and inserts into the bigger
        level in that order, many keys per index page, where a batch of new keys in a big
        level would each have dirtied a page of their own (docs/performance.md)."""
        if self.engine.dialect.name == "postgresql":
            # one mover at a time; a crawl that waited here moves nothing twice: its UPDATE
            # sees the rows at their new level
            session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _BAND_LOCK})
        started = time.perf_counter()
        moved: int = session.execute(
            update(AnnouncementBand)
            .where(AnnouncementBand.level == level)
            .values(level=level - 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        logger.info(
            "moved %d band keys from level %d to level %d in %.1f s",
            moved,
            level,
            level - 1,
            time.perf_counter() - started,
        )
        return moved

    def export(
        self,
        portal: str | None = None,
        meetings_only: bool = False,
        since: date | datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stored announcements as export records, oldest first, streamed.

        Plain columns through SQLAlchemy Core: loading each row as an ORM object cost
        several times the query (docs/performance.md)."""
        table = Announcement.__table__
        stmt: Select[Any] = select(*(table.c[field] for field in EXPORT_FIELDS))
        if portal:
            stmt = stmt.where(table.c.portal == portal)
        if meetings_only:
            stmt = stmt.where(table.c.is_meeting.is_(True))
        if since is None:
            stmt = stmt.order_by(table.c.id)
        else:
            if not isinstance(since, datetime):
                since = datetime(since.year, since.month, since.day, tzinfo=UTC)
            # the same order (ids are given as records are first seen), but one SQLite reads
            # from the first_seen_at index; ORDER BY id alone made it scan the whole table
            stmt = stmt.where(table.c.first_seen_at >= since)
            stmt = stmt.order_by(table.c.first_seen_at, table.c.id)
        with self.engine.connect() as connection:
            for row in connection.execute(stmt.execution_options(yield_per=1000)):
                yield dict(zip(EXPORT_FIELDS, row, strict=True))

    @retried("count announcements")
    def count(self, portal: str | None = None) -> int:
        stmt = select(func.count(Announcement.id))
        if portal:
            stmt = stmt.where(Announcement.portal == portal)
        with self.session() as session:
            return session.scalar(stmt) or 0

    # -- list-page validators --------------------------------------------------

    @retried("read list-page validators")
    def validators(self, urls: Iterable[str]) -> dict[str, Validators]:
        wanted = list(dict.fromkeys(urls))
        found: dict[str, Validators] = {}
        with self.session() as session:
            for chunk in _chunks(wanted):
                for row in session.scalars(select(ListPage).where(ListPage.url.in_(chunk))):
                    found[row.url] = Validators(row.etag, row.last_modified)
        return found

    @retried("save list-page validators")
    def save_validators(self, portal: str, pages: Mapping[str, Validators]) -> None:
        if not pages:
            return
        now = utcnow()
        with self.session.begin() as session:
            for url, v in pages.items():
                stmt = self._insert(ListPage).values(
                    url=url,
                    portal=portal,
                    etag=v.etag,
                    last_modified=v.last_modified,
                    checked_at=now,
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["url"],
                    set_={"etag": v.etag, "last_modified": v.last_modified, "checked_at": now},
                )
                session.execute(stmt)

    # -- crawl runs ------------------------------------------------------------

    @retried("start a crawl run")
    def start_run(self, portal: str, full: bool) -> int:
        with self.session.begin() as session:
            run = CrawlRun(portal=portal, started_at=utcnow(), full=full, status="running")
            session.add(run)
            session.flush()
            return run.id

    @retried("finish a crawl run")
    def finish_run(
        self,
        run_id: int,
        status: str,
        requests: int = 0,
        new_records: int = 0,
        errors: int = 0,
        message: str | None = None,
        list_pages: int = 0,
        empty_list_pages: int = 0,
        not_modified: int = 0,
        blocked: int = 0,
    ) -> None:
        """Record how a run ended, with the counters portal health reads (scheduler.health)."""
        stmt = (
            update(CrawlRun)
            .where(CrawlRun.id == run_id)
            .values(
                finished_at=utcnow(),
                status=status,
                requests=requests,
                new_records=new_records,
                errors=errors,
                message=message,
                list_pages=list_pages,
                empty_list_pages=empty_list_pages,
                not_modified=not_modified,
                blocked=blocked,
            )
        )
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("read the last crawl run")
    def last_run(self, portal: str, exclude: int | None = None) -> CrawlRun | None:
        stmt = select(CrawlRun).where(CrawlRun.portal == portal)
        if exclude is not None:
            stmt = stmt.where(CrawlRun.id != exclude)
        with self.session() as session:
            return session.scalar(stmt.order_by(CrawlRun.id.desc()).limit(1))

    @retried("mark a run rendered")
    def mark_rendered(self, run_id: int, reason: str) -> None:
        """Record why a run needed a browser (portal health: the portal needs rendering)."""
        stmt = update(CrawlRun).where(CrawlRun.id == run_id).values(rendering=reason)
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("read browser cookies")
    def browser_cookies(self, portal: str) -> list[dict[str, Any]]:
        """The cookies a browser last earned on ``portal`` (expired ones included)."""
        stmt = select(Portal.browser_cookies).where(Portal.name == portal)
        with self.session() as session:
            return list(session.scalar(stmt) or [])

    @retried("save browser cookies")
    def save_browser_cookies(self, portal: str, cookies: Sequence[Mapping[str, Any]]) -> None:
        stmt = (
            update(Portal)
            .where(Portal.name == portal)
            .values(browser_cookies=[dict(c) for c in cookies])
        )
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("read crawl runs")
    def has_completed_run(self, portal: str) -> bool:
        """Whether a crawl of ``portal`` ever got to its end (finished or partial)."""
        stmt = select(CrawlRun.id).where(
            CrawlRun.portal == portal, CrawlRun.status.in_(("finished", "partial"))
        )
        with self.session() as session:
            return session.scalar(stmt.limit(1)) is not None

    @retried("fail unfinished runs")
    def fail_unfinished_runs(self, portal: str, since: datetime, message: str) -> int:
        """Mark runs of ``portal`` started at or after ``since`` and still running as failed
        (their process was killed); returns how many."""
        stmt = (
            update(CrawlRun)
            .where(
                CrawlRun.portal == portal,
                CrawlRun.status == "running",
                CrawlRun.started_at >= since,
            )
            .values(status="failed", finished_at=utcnow(), message=message)
        )
        with self.session.begin() as session:
            return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    @retried("read crawl runs")
    def runs(self, portal: str | None = None, limit: int = 20) -> list[CrawlRun]:
        stmt = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
        if portal:
            stmt = stmt.where(CrawlRun.portal == portal)
        with self.session() as session:
            return list(session.scalars(stmt))
