"""The dedupe index: each announcement's LSH band keys and fingerprint key, kept in levels.

New keys go to the newest level; a level that outgrows its cap moves, in key order, into the
one before it (storage.models.AnnouncementBand says why).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql

from storage.base import Store, chunks, one_of
from storage.models import Announcement, AnnouncementBand
from storage.retry import retried

logger = logging.getLogger(__name__)

# each level's cap in keys, level 0 (no cap) first. Levels spare SQLite an index page
# rewritten per random key; PostgreSQL pays per row, so moving keys costs it more than it saves
BAND_LEVEL_CAPS: dict[str, tuple[int | None, ...]] = {
    "sqlite": (None, 400_000, 20_000),
    "postgresql": (None,),
}

_BAND_LOCK = 0x67766264  # "gvbd": PostgreSQL advisory lock of band level moves
# PostgreSQL: the advisory lock around deciding which copy is first, held to the commit. One
# lock, not one per fingerprint: a batch of 500 would take 500 slots of the shared lock table
_FIRST_COPY_LOCK = 0x67766663  # "gvfc"
_BAND_LEVEL_SIZE = (
    select(func.count())
    .select_from(AnnouncementBand)
    .where(AnnouncementBand.level == bindparam("level"))
)


def fingerprint_key(fingerprint: str) -> int:
    """The key a content fingerprint (sha1 hex) is kept under with the band keys: its first
    64 bits, signed. On PostgreSQL ``('x' || left(fingerprint, 16))::bit(64)::bigint``."""
    return int.from_bytes(bytes.fromhex(fingerprint[:16]), "big", signed=True)


def level_keys(record: Mapping[str, Any]) -> list[int]:
    """A record's keys in the band levels: its near-duplicate LSH band keys (crawler.dedupe,
    as "bands") and its fingerprint's key, which finds exact copies."""
    keys = list(record.get("bands") or ())
    if record.get("fingerprint"):
        keys.append(fingerprint_key(record["fingerprint"]))
    return list(dict.fromkeys(keys))


def _band_matches(dialect: str, levels: int) -> Select[int, int]:
    """(key, announcement id) of stored band keys among ``keys``, at every level: the primary
    key (level, key, …) serves each pair. PostgreSQL joins the keys unnested from one array,
    which its planner handles faster than ``= ANY`` of hundreds of keys."""
    bands = AnnouncementBand
    any_level = bands.level.in_(range(levels))
    if dialect != "postgresql":
        return select(bands.key, bands.announcement_id).where(
            any_level, one_of(bands.key, "keys", BigInteger, dialect)
        )
    keys = bindparam("keys", type_=postgresql.ARRAY(BigInteger))
    wanted = func.unnest(keys).table_valued("key").render_derived(name="wanted")
    return (
        select(bands.key, bands.announcement_id)
        .select_from(wanted)
        .join(bands, and_(any_level, bands.key == wanted.c.key))
    )


def _fingerprint_matches(dialect: str, levels: int) -> Select[str | None, str]:
    """(fingerprint, url) of announcements that are not copies whose fingerprint key is among
    ``keys``, earliest first: the band levels' primary key finds them, then each row by its
    id; the caller compares the whole fingerprint."""
    matches = _band_matches(dialect, levels).subquery()
    return (
        select(Announcement.fingerprint, Announcement.url)
        .join(matches, Announcement.id == matches.c.announcement_id)
        .where(Announcement.duplicate_of.is_(None))
        .order_by(Announcement.id)
    )


@dataclass(frozen=True)
class _Lookups:
    """Dedupe's lookups for a whole store batch, built once per dialect: building a
    statement and its cache key on every call costs more than the query."""

    first_with_fingerprints: Select[str | None, str]
    band_matches: Select[int, int]
    candidates: Select[int, str, str, str | None]
    copies: Select[str, str | None]


@cache
def _lookups(dialect: str, levels: int) -> _Lookups:
    return _Lookups(
        first_with_fingerprints=_fingerprint_matches(dialect, levels),
        band_matches=_band_matches(dialect, levels),
        candidates=select(
            Announcement.id, Announcement.url, Announcement.body, Announcement.duplicate_of
        ).where(one_of(Announcement.id, "ids", Integer, dialect)),
        copies=select(Announcement.url, Announcement.duplicate_of).where(
            one_of(Announcement.url, "urls", String, dialect),
            Announcement.duplicate_of.is_not(None),
        ),
    )


_ANNOUNCEMENTS = cast(Table, Announcement.__table__)
_RELINK = (
    update(_ANNOUNCEMENTS)
    .where(_ANNOUNCEMENTS.c.id == bindparam("b_id"))
    .values(duplicate_of=bindparam("b_first"))
)


class DedupeIndex(Store):
    """Finds a new body's stored copies (exact and near) and keeps the band levels settled."""

    # the newest band level's size when last counted, and keys added since (an estimate
    # that saves a count per batch: see _settle_band_levels)
    _newest_keys: int | None = None
    _uncounted_keys = 0

    @property
    def band_level_caps(self) -> tuple[int | None, ...]:
        """This database's band levels' caps, level 0 (no cap) first (BAND_LEVEL_CAPS)."""
        return BAND_LEVEL_CAPS[self.dialect]

    @property
    def _newest_band_level(self) -> int:
        return len(self.band_level_caps) - 1

    @property
    def _dedupe_lookups(self) -> _Lookups:
        return _lookups(self.dialect, len(self.band_level_caps))

    @retried("look up fingerprints")
    def first_with_fingerprints(self, fingerprints: Iterable[str]) -> dict[str, str]:
        """For each stored content fingerprint among ``fingerprints``, the URL of its earliest
        announcement that is not itself a copy. One indexed lookup per chunk of fingerprints,
        through their keys in the band levels (:func:`fingerprint_key`)."""
        wanted = set(fingerprints)
        keys = list({fingerprint_key(digest) for digest in wanted})
        found: dict[str, str] = {}
        with self.session() as session:
            for chunk in chunks(keys, self.array_chunk):
                rows = session.execute(
                    self._dedupe_lookups.first_with_fingerprints, {"keys": list(chunk)}
                )
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
        lookups = self._dedupe_lookups
        matches: dict[int, list[int]] = {}
        chosen: list[list[int]] = []
        rows: dict[int, tuple[str, str, str | None]] = {}
        with self.session() as session:
            for chunk in chunks(wanted, self.array_chunk):
                for key, announcement_id in session.execute(
                    lookups.band_matches, {"keys": list(chunk)}
                ):
                    matches.setdefault(key, []).append(announcement_id)
            for keys in key_sets:
                shared = Counter(i for key in set(keys) for i in matches.get(key, ()))
                chosen.append(sorted(shared, key=lambda i: (-shared[i], i))[:limit])
            ids = list({i for top in chosen for i in top})
            for chunk in chunks(ids):
                for row in session.execute(lookups.candidates, {"ids": list(chunk)}):
                    rows[row.id] = (row.url, row.body, row.duplicate_of)
        # (a key whose announcement was deleted by hand finds nothing)
        return [[rows[i] for i in top if i in rows] for top in chosen]

    def _settle_first_copies(
        self, session: Any, firsts: Mapping[str, str], new: Sequence[tuple[int, str, str | None]]
    ) -> None:
        """Decide, in the store's transaction, which copy is first. ``firsts`` (url →
        fingerprint) are this batch's rows the crawl took for first copies; ``new`` is (id,
        url, duplicate_of) of every row the batch inserted.

        The crawl looked for copies before this transaction, among committed rows only: a
        crawl of another portal may have stored the same text since. Each such row becomes a
        copy of that one, and this batch's copies of it follow; a copy pointing at a stored
        copy points at its first copy. Runs after the transaction's first write: on SQLite it
        holds the write lock, so nothing commits in between; on PostgreSQL an advisory lock,
        held to the commit, makes a second store wait here, then see what the first stored.
        """
        lookups = self._dedupe_lookups
        moved: dict[str, str] = {}  # url → the first copy it is a copy of
        if firsts:
            keys = list({fingerprint_key(digest) for digest in firsts.values()})
            if self.dialect == "postgresql":
                session.execute(
                    text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _FIRST_COPY_LOCK}
                )
            ours = {url for _, url, _ in new}
            stored: dict[str, str] = {}
            for chunk in chunks(keys, self.array_chunk):
                for digest, url in session.execute(
                    lookups.first_with_fingerprints, {"keys": list(chunk)}
                ):
                    if url not in ours:
                        stored.setdefault(digest, url)
            moved = {url: stored[digest] for url, digest in firsts.items() if digest in stored}
        targets = list({dup for _, _, dup in new if dup is not None and dup not in moved})
        for chunk in chunks(targets, self.array_chunk):
            for url, first in session.execute(lookups.copies, {"urls": list(chunk)}):
                moved[url] = first
        relinked = [
            {"b_id": id_, "b_first": moved[url] if url in moved else moved[str(dup)]}
            for id_, url, dup in new
            if url in moved or (dup is not None and dup in moved)
        ]
        if relinked:
            session.execute(_RELINK, relinked)
            logger.info(
                "%d new announcements linked to first copies stored meanwhile", len(relinked)
            )

    @retried("move band keys")
    def move_band_level(self, level: int) -> int:
        """Move every band key of ``level`` into the level before it now, as a store does
        when the level outgrows its cap (bench/store.py times it). Returns the keys moved."""
        if not 0 < level <= self._newest_band_level:
            raise ValueError(f"band level {level} has no level before it to move into")
        with self.session.begin() as session:
            return self._move_band_level(session, level)

    def _insert_bands(self, session: Any, rows: Sequence[tuple[int, int]]) -> None:
        """New band keys, (key, announcement id) pairs, into the newest level, in the caller's
        transaction: plain integers through the driver, without a parameter dict for each;
        on PostgreSQL one INSERT of two arrays, not a round trip per row."""
        connection = session.connection()
        newest = self._newest_band_level
        if self.dialect == "postgresql":
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

    def _delete_bands(self, session: Any, ids: Any) -> int:
        """Delete the keys of the announcements ``ids`` (a list or a SELECT of ids), at every
        level, in the caller's transaction. The primary key leads with the level and key,
        so this reads the whole index once: a deletion is rare, a lookup by key is not."""
        deleted = session.execute(
            delete(AnnouncementBand)
            .where(AnnouncementBand.announcement_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        return int(deleted.rowcount)

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

    def _move_band_level(self, session: Any, level: int) -> int:
        """One UPDATE: the database reads the level in key order and inserts into the bigger
        level in that order, many keys per index page, where a batch of new keys in a big
        level would each have dirtied a page of their own."""
        if self.dialect == "postgresql":
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
