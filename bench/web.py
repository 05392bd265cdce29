"""The web UI at scale: p95 of the meetings page, searches (three characters, two, filtered,
a person) and a search's Atom feed, with 1,000,000 records stored, SQLite and PostgreSQL.

The records are bulk-loaded with plain SQL into the schema as it was before the search index
(migration 0007); the timed migration to the head (0009_search) builds the index, whose
size is reported. The built databases are kept in bench/.cache/ (git-ignored) and reused by
the next run. Requests go over HTTP to `govwatch serve`'s app (uvicorn, in a thread).
GOVWATCH_BENCH_WEB_RECORDS sets another size.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import ROOT, Options, Result, fmt, percentile, sqlite_values
from bench.simsite import article_paragraphs, vocabulary
from storage import FIELDS
from storage.db import connect, upgrade
from tests.support.postgres import PostgresCluster, _as_postgres, _bin, create_database, free_port
from tests.support.web import running_app

logger = logging.getLogger(__name__)

NAME = "web"
CACHE = ROOT / "bench" / ".cache"
RECORDS = 1_000_000
QUICK_RECORDS = 3_000
PORTALS = 1000
DAYS = 200  # first seen over 200 days, 5,000 a day at a million
TARGET_MS = 150.0
REQUESTS = 40  # per query kind and run; p95 over them
BEFORE_INDEX = "0007"  # the head before 0009_search
LAYOUT = 3  # the generated data's version: a change rebuilds the cache
REGIONS = ("辽宁省大连市", "陕西省宝鸡市", "浙江省杭州市", "四川省成都市", "广东省深圳市")
TOPICS = ("常务会议", "项目建设推进会", "安全生产工作会议", "乡村振兴调研", "招商引资座谈会")
OTHER = ("森林防火通告", "政务公开工作动态", "惠民政策解读", "重点项目观摩")
LIST_COLUMNS = {f.name for f in FIELDS if f.kind == "list"}
COLUMNS = (
    "id", "portal", "url", "title", "published_at", "source", "body", "is_meeting",
    "meeting_date", "meeting_name", "presider", "speakers", "attendees", "attachments",
    "first_seen_at",
)  # fmt: skip
# the views timed: (metric, path, variants of the query string)
QUERIES: tuple[tuple[str, str, tuple[dict[str, str], ...]], ...] = (
    ("meetings page", "/", ({},)),
    ("search, 3 characters", "/search", ({"q": "常务会"}, {"q": "座谈会"}, {"q": "防火通"})),
    ("search, 2 characters", "/search", ({"q": "常务"}, {"q": "调研"}, {"q": "观摩"})),
    ("search, 2 characters, filtered", "/search", (
        {"q": "常务", "region": "大连", "meetings_only": "1"},
        {"q": "会议", "portal": "p0007"},
        {"q": "调研", "since": "2026-01-01", "by": "published", "sort": "published"},
    )),
    ("search by person", "/search", ({"person": "周建国"}, {"person": "李明华"})),
    ("Atom feed of a search", "/feed.atom", ({"q": "常务"}, {"q": "招商", "meetings_only": "1"})),
)  # fmt: skip
PEOPLE = ("周建国", "李明华", "王海燕", "陈立新", "刘志强", "张卫东", "杨秀英", "赵文博")


def portal_name(i: int) -> str:
    return f"p{i % PORTALS:04d}"


def rows(count: int, now: datetime, sqlite_text: bool) -> Iterator[tuple[Any, ...]]:
    """``count`` announcements over DAYS days up to ``now``; a third are meetings, dated
    around their publication, the newest a few days ahead (the meetings page's upcoming)."""
    rng = random.Random(7)
    words = vocabulary(rng)
    bodies = ["".join(article_paragraphs(rng, words, i, 420)) for i in range(500)]
    start = now - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / count
    for i in range(1, count + 1):
        seen = start + step * i
        published = seen - timedelta(hours=3)
        portal = portal_name(i)
        meeting = i % 3 == 0
        person = PEOPLE[i % len(PEOPLE)] if meeting else None
        topic = TOPICS[i % len(TOPICS)] if meeting else OTHER[i % len(OTHER)]
        lead = f"区长{person}主持召开第{i}次{topic}。" if meeting else f"{topic}（第{i}期）。"
        row: dict[str, Any] = {
            "id": i,
            "portal": portal,
            "url": f"http://www.{portal}.gov.cn/xwzx/{i:07d}.html",
            "title": f"{REGIONS[i % len(REGIONS)][-3:]}召开第{i}次{topic}" if meeting else topic,
            "published_at": published,
            "source": "区政府办公室",
            "body": lead + bodies[i % len(bodies)],
            "is_meeting": meeting,
            "meeting_date": (published + timedelta(days=rng.randint(-3, 6))).date()
            if meeting
            else None,
            "meeting_name": f"第{i}次{topic}" if meeting else None,
            "presider": person,
            "first_seen_at": seen,
        }
        values = tuple(row.get(c, "[]" if c in LIST_COLUMNS else None) for c in COLUMNS)
        yield sqlite_values(values) if sqlite_text else values


def portals(now: datetime) -> list[tuple[str, str, str, datetime]]:
    return [(portal_name(i), f"门户{i}", REGIONS[i % len(REGIONS)], now) for i in range(PORTALS)]


def load_sqlite(path: Path, count: int, now: datetime) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        with connection:
            connection.executemany(
                "INSERT INTO portals (name, title, region, created_at) VALUES (?, ?, ?, ?)",
                [(*p[:3], p[3].strftime("%Y-%m-%d %H:%M:%S.%f")) for p in portals(now)],
            )
            marks = ", ".join("?" * len(COLUMNS))
            connection.executemany(
                f"INSERT INTO announcements ({', '.join(COLUMNS)}) VALUES ({marks})",
                rows(count, now, sqlite_text=True),
            )
        connection.execute("ANALYZE")
    finally:
        connection.close()


def load_postgres(url: str, count: int, now: datetime) -> None:
    import psycopg

    naive = now.replace(tzinfo=None)
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO portals (name, title, region, created_at) VALUES (%s, %s, %s, %s)",
                [(*p[:3], naive) for p in portals(now)],
            )
            with cursor.copy(f"COPY announcements ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(count, now, sqlite_text=False):
                    copy.write_row(
                        [v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row]
                    )
            cursor.execute("SELECT setval('announcements_id_seq', %s)", (count,))
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")


class CachedCluster(PostgresCluster):
    """A PostgreSQL cluster whose data directory is kept in bench/.cache between runs."""

    def __init__(self, datadir: Path) -> None:  # no super(): it would initdb a temporary one
        self.datadir = str(datadir)
        self.port = free_port()
        self.server = None
        if not (datadir / "PG_VERSION").exists():
            shutil.rmtree(datadir, ignore_errors=True)
            datadir.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(datadir, "postgres", "postgres")
            subprocess.run(
                _as_postgres([_bin("initdb"), "-D", str(datadir), "-A", "trust", "-U", "govwatch",
                              "-E", "UTF8"]),
                check=True,
                capture_output=True,
            )  # fmt: skip


def build(dialect: str, url: str, count: int, marker: Path) -> dict[str, float]:
    """Load the records and migrate to the head, timed; the facts are kept in ``marker``."""
    now = datetime.now(UTC)
    engine = connect(url)
    try:
        upgrade(engine, BEFORE_INDEX)
    finally:
        engine.dispose()
    started = time.perf_counter()
    (load_sqlite(Path(url.removeprefix("sqlite:///")), count, now) if dialect == "sqlite"
     else load_postgres(url, count, now))  # fmt: skip
    loaded = time.perf_counter() - started
    before = size(dialect, url)
    engine = connect(url)
    started = time.perf_counter()
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    facts = {
        "load_s": loaded,
        "index_s": time.perf_counter() - started,
        "index_bytes": size(dialect, url) - before,
        "before_bytes": before,
        "built_at": now.timestamp(),
    }
    marker.write_text(repr(facts), encoding="utf-8")
    return facts


def size(dialect: str, url: str) -> float:
    """Bytes of the database (SQLite's file, PostgreSQL's database), to compare before/after."""
    if dialect == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        return float(sum(p.stat().st_size for p in path.parent.glob(path.name + "*")))
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        found = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        return float(found[0]) if found else 0.0


def time_views(base: str, repeat: int, requests: int) -> dict[str, list[float]]:
    """Milliseconds per request of each view, warm (one untimed pass first)."""
    times: dict[str, list[float]] = {}
    for metric, path, variants in QUERIES:
        links = [path + ("?" + urlencode(v) if v else "") for v in variants]
        for link in links:
            fetch(base + link)
        found = times.setdefault(metric, [])
        for n in range(requests * repeat):
            link = links[n % len(links)]
            started = time.perf_counter()
            fetch(base + link)
            found.append((time.perf_counter() - started) * 1000)
    return times


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return bytes(response.read())


def measure(
    dialect: str, url: str, options: Options, result: Result, facts: dict[str, Any], count: int
) -> None:
    label = "SQLite" if dialect == "sqlite" else "PostgreSQL"
    with tempfile.TemporaryDirectory() as tmp, running_app(url, Path(tmp)) as base:
        requests = 5 if options.quick else REQUESTS
        times = time_views(base, options.repeat, requests)
    for metric, values in times.items():
        p95 = percentile(values, 0.95)
        result.add(
            f"{label}: {metric}, p95 ({count:,} stored)",
            f"{fmt(p95, 0)} ms",
            f"< {TARGET_MS:.0f} ms",
            p95 < TARGET_MS,
            f"median {fmt(percentile(values, 0.5), 0)} ms over {len(values)} requests",
        )
    result.add(
        f"{label}: search index size",
        f"{fmt(facts['index_bytes'] / 2**20, 0)} MiB",
        note=f"what migration 0009_search adds to the database; the records alone {fmt(facts['before_bytes'] / 2**20, 0)} MiB",
    )
    result.add(
        f"{label}: search index build (migration 0009_search)",
        f"{fmt(facts['index_s'], 0)} s",
        note=f"{fmt(count / facts['index_s'], 0)} records/s; bulk load before it {fmt(facts['load_s'], 0)} s",
    )
    result.data[dialect] = {"times_ms": times, **facts}


def run(options: Options) -> Result:
    count = (
        QUICK_RECORDS
        if options.quick
        else int(os.environ.get("GOVWATCH_BENCH_WEB_RECORDS", RECORDS))
    )
    result = Result(NAME, f"web UI with {count:,} records stored")
    cache = options.workdir / "web-cache" if options.quick else CACHE
    cache.mkdir(parents=True, exist_ok=True)
    tag = f"{count}-v{LAYOUT}"
    # SQLite
    path = cache / f"web-{tag}.sqlite"
    marker = cache / f"web-{tag}.sqlite.built"
    url = f"sqlite:///{path}"
    if not marker.exists():
        for stale in cache.glob(f"web-{tag}.sqlite*"):
            stale.unlink()
        logger.info("web: building the SQLite store of %s records", f"{count:,}")
        build("sqlite", url, count, marker)
    measure("sqlite", url, options, result, _facts(marker), count)
    # PostgreSQL, in a cluster kept beside it (a throwaway one for --quick)
    cluster = PostgresCluster() if options.quick else CachedCluster(cache / f"web-{tag}.pg")
    cluster.start()
    try:
        url = f"{cluster.url}/govwatch_web"
        marker = cache / f"web-{tag}.pg.built"
        if not marker.exists():
            logger.info("web: building the PostgreSQL store of %s records", f"{count:,}")
            fresh_database(cluster.url, "govwatch_web")
            build("postgresql", url, count, marker)
        measure("postgresql", url, options, result, _facts(marker), count)
    finally:
        cluster.remove() if options.quick else cluster.stop()
    if options.quick:
        shutil.rmtree(cache, ignore_errors=True)
    return result


def fresh_database(server: str, name: str) -> None:
    """An empty database ``name``: one a build left half done is dropped first."""
    import psycopg

    conninfo = server.replace("+psycopg", "") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    create_database(server, name)


def _facts(marker: Path) -> dict[str, Any]:
    import ast

    facts: dict[str, Any] = ast.literal_eval(marker.read_text(encoding="utf-8"))
    return facts
