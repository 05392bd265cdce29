"""Storage: insert-with-dedupe and ``export --since`` with a million records already stored.

The million is bulk-loaded with plain SQL (executemany on SQLite, COPY on PostgreSQL) into
the schema the migrations build, indexes and all; only the timed part goes through govwatch:
each record signed as the analysis's sign stage (crawler.analysis) signs it, then in
batches of GOVWATCH_BATCH_SIZE, as StorePipeline writes, ``crawler.dedupe.Deduplicator``
links the batch with the repository's two lookups and ``Repository.add_announcements``
inserts it; and ``govwatch export --since`` for one day of records.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ROOT, Options, Result, fmt, median, optional_postgres, sqlite_values
from bench.simsite import article_paragraphs, vocabulary
from crawler.dedupe import Candidate, Deduplicator, Signature, sign
from crawler.settings import GOVWATCH_BATCH_SIZE
from storage import (
    BAND_LEVEL_CAPS,
    COLUMN_FIELDS,
    FIELDS,
    STORED_FIELDS,
    Filters,
    Repository,
    fingerprint_key,
)
from tests.support.postgres import create_database

logger = logging.getLogger(__name__)

NAME = "store"
PORTALS = 1000
DAYS = 200  # the million spans 200 days: 5,000 new records a day, ~3,000 portals' worth
BANDS = 10  # LSH band keys per announcement (crawler.dedupe: BINS // ROWS)
KEYS = BANDS + 1  # its keys in the band levels: the band keys and its fingerprint's
BANDS_PKEY = "pk_announcement_bands"  # migration 0005
INSERTS = 3_000  # records through the dedupe + store path per timed run
TARGET_RATE = 5000.0
TARGET_EXPORT = 1.0
# the announcements table's columns, in the order bulk_rows gives them
COLUMNS = ("id", *COLUMN_FIELDS, "run_id")
LIST_COLUMNS = {field.name for field in FIELDS if field.kind == "list"}  # JSON "[]" when empty


def portal_name(i: int) -> str:
    return f"p{i % PORTALS:04d}"


def url(i: int) -> str:
    return f"http://www.{portal_name(i)}.gov.cn/xwzx/zwdt/{i:07d}.html"


def signed64(rng: random.Random) -> int:
    return rng.getrandbits(64) - (1 << 63)


def bulk_fingerprint(i: int) -> str:
    return hashlib.sha1(str(i).encode()).hexdigest()


def bulk_rows(count: int, until: datetime, sqlite_text: bool) -> Iterator[tuple[Any, ...]]:
    """The million: distinct ~1.5 KB bodies, first seen in id order over DAYS days."""
    rng = random.Random(1)
    words = vocabulary(rng)
    bodies = ["\n".join(article_paragraphs(rng, words, i, 450)) for i in range(500)]
    start = until - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / count
    for i in range(1, count + 1):
        seen = start + step * i
        published = seen - timedelta(hours=3)
        meeting = i % 3 == 0
        row = {
            "id": i,
            "portal": portal_name(i),
            "url": url(i),
            "title": f"{portal_name(i)}召开第{i}次常务会议"
            if meeting
            else f"{portal_name(i)}工作动态{i}",
            "published_at": published,
            "source": "区政府办公室",
            "body": f"{bodies[i % len(bodies)]}（编号{i}）",
            "is_meeting": meeting,
            "meeting_date": published.date() if meeting else None,
            "meeting_name": f"第{i}次常务会议" if meeting else None,
            "fingerprint": bulk_fingerprint(i),
            "simhash": signed64(rng),
            "first_seen_at": seen,
            "extractor_version": 0,
        }
        values: tuple[Any, ...] = tuple(
            row.get(name, "[]" if name in LIST_COLUMNS else None) for name in COLUMNS
        )
        yield sqlite_values(values) if sqlite_text else values


def band_level(i: int, count: int, caps: tuple[int | None, ...]) -> int:
    """The level record ``i``'s band keys sit at in a store that grew to ``count`` records:
    each capped level half full, as it is on average (storage.BAND_LEVEL_CAPS)."""
    newer = count - i  # records stored after this one
    for level in range(len(caps) - 1, 0, -1):
        cap = caps[level]
        assert cap is not None
        half = cap // 2 // KEYS  # records
        if newer < half:
            return level
        newer -= half
    return 0


def band_rows(count: int, dialect: str) -> Iterator[tuple[int, int, int]]:
    rng = random.Random(2)
    caps = BAND_LEVEL_CAPS[dialect]
    for i in range(1, count + 1):
        level = band_level(i, count, caps)
        keys = {signed64(rng) for _ in range(BANDS)}
        keys.add(fingerprint_key(bulk_fingerprint(i)))
        for key in keys:
            yield level, key, i


def portal_rows(now: datetime) -> list[tuple[str, str, str]]:
    return [
        (portal_name(i), f"门户{i}", now.strftime("%Y-%m-%d %H:%M:%S.%f")) for i in range(PORTALS)
    ]


def load_sqlite(path: Path, count: int, until: datetime) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        tables = "'announcements', 'announcement_bands'"
        indexes = connection.execute(  # plain indexes: built once after the load, not per row
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({tables})"
        ).fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        with connection:
            connection.executemany(
                "INSERT INTO portals (name, title, created_at) VALUES (?, ?, ?)",
                portal_rows(until),
            )
            marks = ", ".join("?" * len(COLUMNS))
            connection.executemany(
                f"INSERT INTO announcements ({', '.join(COLUMNS)}) VALUES ({marks})",
                bulk_rows(count, until, sqlite_text=True),
            )
            # the keys in primary-key order, as a store's level moves leave them
            connection.execute("CREATE TEMP TABLE load_bands (level, key, announcement_id)")
            connection.executemany(
                "INSERT INTO load_bands VALUES (?, ?, ?)", band_rows(count, "sqlite")
            )
            connection.execute(
                "INSERT INTO announcement_bands (level, key, announcement_id)"
                " SELECT * FROM load_bands ORDER BY level, key, announcement_id"
            )
            connection.execute("DROP TABLE load_bands")
        for _, sql in indexes:
            connection.execute(sql)
        connection.execute("ANALYZE")
    finally:
        connection.close()


def load_postgres(db_url: str, count: int, until: datetime) -> None:
    import psycopg

    conninfo = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        naive = until.replace(tzinfo=None)
        cursor.execute(  # plain indexes: built once after the load, not per row
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN"
            " ('announcements', 'announcement_bands')"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        with cursor.copy("COPY portals (name, title, created_at) FROM STDIN") as copy:
            for i in range(PORTALS):
                copy.write_row((portal_name(i), f"门户{i}", naive))
        with cursor.copy(f"COPY announcements ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in bulk_rows(count, until.replace(tzinfo=None), sqlite_text=False):
                copy.write_row(row)
        cursor.execute(f"ALTER TABLE announcement_bands DROP CONSTRAINT {BANDS_PKEY}")
        copy_bands = "COPY announcement_bands (level, key, announcement_id) FROM STDIN"
        with cursor.copy(copy_bands) as copy:
            for row in band_rows(count, "postgresql"):
                copy.write_row(row)
        cursor.execute(
            f"ALTER TABLE announcement_bands ADD CONSTRAINT {BANDS_PKEY}"
            " PRIMARY KEY (level, key, announcement_id)"
        )
        cursor.execute("SELECT setval('announcements_id_seq', %s)", (count,))
        for _, sql in indexes:
            cursor.execute(sql)
        connection.commit()
    # what autovacuum does to a table that has had many inserts: statistics, and the
    # visibility map that lets the band lookups read the index alone (cannot run inside a
    # transaction)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def new_records(count: int, run: int, stored: int) -> list[dict[str, Any]]:
    """Records as the pipelines hand them to dedupe: 10% already stored (same URL), 5%
    exact copies of a record earlier in the run, 5% near copies (other boilerplate). Each
    store batch is one portal's, as a crawl's StorePipeline batch is."""
    rng = random.Random(100 + run)
    words = vocabulary(rng)
    records: list[dict[str, Any]] = []
    for i in range(count):
        kind = rng.random()
        body = "\n".join(article_paragraphs(rng, words, i, 450))
        portal = f"p{i // GOVWATCH_BATCH_SIZE % PORTALS:04d}"
        link = f"http://www.{portal}.gov.cn/new/{run}/{i:06d}.html"
        if kind < 0.10:
            link = url(rng.randint(1, stored))
        elif kind < 0.15 and records:
            body = rng.choice(records)["body"]
        elif kind < 0.20 and records:
            body = "【转载】" + rng.choice(records)["body"] + "\n（责任编辑：王明）"
        records.append({"portal": portal, "url": link, "body": body})
    return records


class Stopwatch:
    """Adds up the time spent in the functions it wraps."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


def insert_with_dedupe(repo: Repository, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What the sign stage and StorePipeline do with each record, timed; ``db_s`` is the
    time spent in the store (each batch's dedupe lookups and its insert)."""
    db = Stopwatch()
    dedupe = Deduplicator(
        db.wrap(repo.first_with_fingerprints),
        db.wrap(
            lambda key_sets: [
                [Candidate(*row) for row in rows]
                for rows in repo.near_duplicate_candidates(key_sets)
            ]
        ),
    )
    add = db.wrap(repo.add_announcements)
    started = time.perf_counter()
    inserted = duplicates = 0
    batch: list[tuple[dict[str, Any], Signature]] = []

    def flush() -> int:
        dedupe.link([(row["url"], row["body"], signature) for row, signature in batch])
        for row, signature in batch:
            row["duplicate_of"] = signature.duplicate_of
        return len(add([row for row, _ in batch]))

    for record in records:
        signature = sign(record["body"])  # crawler.analysis.signature
        row: dict[str, Any] = dict.fromkeys(STORED_FIELDS)
        row.update(
            portal=record["portal"],
            url=record["url"],
            title=record["body"][:20],
            body=record["body"],
            is_meeting=False,
            speakers=[],
            attendees=[],
            agenda=[],
            attachments=[],
            extractor_version=0,
            fingerprint=signature.fingerprint,
            simhash=signature.simhash,
            bands=signature.bands,
        )
        batch.append((row, signature))
        if len(batch) >= GOVWATCH_BATCH_SIZE:  # StorePipeline.flush
            inserted += flush()
            duplicates += sum(row["duplicate_of"] is not None for row, _ in batch)
            batch = []
    inserted += flush()
    duplicates += sum(row["duplicate_of"] is not None for row, _ in batch)
    elapsed = time.perf_counter() - started
    return {
        "records": len(records),
        "inserted": inserted,
        "duplicates": duplicates,
        "seconds": elapsed,
        "db_s": db.seconds,
        "per_s": len(records) / elapsed,
        "db_per_s": len(records) / db.seconds,
    }


def signatures_only(records: Sequence[dict[str, Any]]) -> float:
    """The CPU part of the same path (shingles, MinHash, simhash) with the store left out."""
    started = time.perf_counter()
    for record in records:
        sign(record["body"])
    return time.perf_counter() - started


def export_day(repo: Repository, day: date) -> tuple[float, int]:
    from crawler.cli.export import write_records

    started = time.perf_counter()
    count = write_records(repo.export(Filters(since=day)), "jsonl", io.StringIO())
    return time.perf_counter() - started, count


def export_cli(db_url: str, day: date, work: Path) -> float:
    started = time.perf_counter()
    with (work / "export.err").open("wb") as err:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "crawler.cli",
                "export",
                "--since",
                day.isoformat(),
                "--db",
                db_url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=ROOT,
            check=True,
            timeout=600,
        )
    return time.perf_counter() - started


def measure(
    backend: str,
    db_url: str,
    load: Callable[[int, datetime], None],
    options: Options,
    work: Path,
) -> dict[str, Any]:
    count = 5_000 if options.quick else int(os.environ.get("BENCH_RECORDS", 1_000_000))
    inserts = 200 if options.quick else INSERTS
    repo = Repository.open(db_url)  # the schema, by the migrations
    until = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    load(count, until)
    loaded = time.perf_counter() - started
    # the load's gigabytes written back now, not under the timed part (SQLite's checkpoint
    # fsyncs the database file, and waited for them: runs varied by 1.5×)
    os.sync()
    logger.info("%s: %s records bulk-loaded in %.0f s", backend, f"{count:,}", loaded)
    day = (until - timedelta(days=1)).date()  # the last full day of the million
    out: dict[str, Any] = {"records": count, "bulk_load_s": loaded, "export": [], "cli": []}
    try:
        for _ in range(options.repeat):
            seconds, exported = export_day(repo, day)
            out["export"].append({"seconds": seconds, "records": exported})
            out["cli"].append(export_cli(db_url, day, work))
        out["inserts"] = []
        out["signature_s"] = []
        for run in range(options.repeat):
            records = new_records(inserts, run, count)
            out["signature_s"].append(signatures_only(records))
            out["inserts"].append(insert_with_dedupe(repo, records))
            logger.info("%s insert run %d: %s", backend, run + 1, out["inserts"][-1])
        # the rare big step of the band levels, not met by a few thousand inserts: level 1
        # moving into level 0 (every BAND_LEVEL_CAPS[1] keys, ~40,000 records), timed here
        # and charged to the records whose keys it moved (fewer than it is really spread over)
        if len(repo.band_level_caps) > 1:
            started = time.perf_counter()
            moved = repo.move_band_level(1)
            out["level_move"] = {"seconds": time.perf_counter() - started, "keys": moved}
            logger.info("%s: level 1 → 0: %s", backend, out["level_move"])
    finally:
        repo.close()
    return out


def run(options: Options) -> Result:
    result = Result(NAME, "Storage: insert with dedupe and export at a million records")
    work = options.workdir / NAME
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    backends: dict[str, Any] = {}
    sqlite_path = work / "govwatch.db"
    sqlite_url = f"sqlite:///{sqlite_path}"
    backends["SQLite"] = measure(
        "SQLite",
        sqlite_url,
        lambda count, until: load_sqlite(sqlite_path, count, until),
        options,
        work,
    )
    sqlite_path.unlink(missing_ok=True)
    with optional_postgres() as pg:
        if pg is not None:
            pg_url = create_database(pg, "govwatch_bench")
            backends["PostgreSQL"] = measure(
                "PostgreSQL",
                pg_url,
                lambda count, until: load_postgres(pg_url, count, until),
                options,
                work,
            )
    result.data.update(backends=backends, days=DAYS, batch_size=GOVWATCH_BATCH_SIZE)
    for backend, out in backends.items():
        move = out.get("level_move")  # None with one level (PostgreSQL)
        per_record = move["seconds"] / max(move["keys"] / KEYS, 1) if move else 0.0
        rate = median(
            [r["records"] / (r["db_s"] + r["records"] * per_record) for r in out["inserts"]]
        )
        whole = median(
            [r["records"] / (r["seconds"] + r["records"] * per_record) for r in out["inserts"]]
        )
        export = median([e["seconds"] for e in out["export"]])
        cli = median(out["cli"])
        day_records = out["export"][0]["records"]
        size = f"{out['records']:,} stored"
        result.add(
            f"{backend}: insert with dedupe ({size}), store side",
            f"{fmt(rate)} records/s",
            f"≥ {fmt(TARGET_RATE)}/s",
            rate >= TARGET_RATE,
            note=f"dedupe lookups + batched inserts of {GOVWATCH_BATCH_SIZE}"
            + (", level moves included" if move else ", one band level"),
        )
        if move:
            result.add(
                f"{backend}: band level 1 → 0 move ({move['keys']:,} keys)",
                f"{fmt(move['seconds'], 1)} s",
                note=f"{fmt(per_record * 1e6)} µs a record, charged above",
            )
        result.add(
            f"{backend}: the same with dedupe's signatures (CPU)",
            f"{fmt(whole)} records/s",
            note="shingles, MinHash, simhash and text checks included",
        )
        result.add(
            f"{backend}: export --since one day ({day_records:,} records)",
            f"{fmt(cli, 2)} s",
            f"< {fmt(TARGET_EXPORT)} s",
            cli < TARGET_EXPORT,
            note=f"whole command; the query and JSON alone {fmt(export, 2)} s",
        )
        result.add(
            f"{backend}: bulk load of the {out['records']:,} (plain SQL)",
            f"{fmt(out['bulk_load_s'])} s",
        )
    return result
