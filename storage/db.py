"""Engines and migrations: SQLite (WAL, busy timeout) by default, PostgreSQL by URL."""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage.exceptions import StorageUnavailable

logger = logging.getLogger(__name__)

DEFAULT_DB_URL = "sqlite:///govwatch.db"  # GOVWATCH_DB and --db when not given
MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # Alembic's default; migrations/env.py keeps it
SQLITE_BUSY_TIMEOUT = 30.0  # seconds; GOVWATCH_DB_BUSY_TIMEOUT (storage.retry.RetrySettings)
WAL_AUTOCHECKPOINT_PAGES = 10_000  # ten times SQLite's default of 1,000 pages
CACHE_KIB = 32 * 1024  # SQLite's page cache per connection, 16 times its default
MIGRATION_LOCK = "hashtext('govwatch migrate')"  # PostgreSQL: the advisory lock's key
PG_CONNECT_TIMEOUT = 10  # seconds; an unreachable server fails one attempt, not forever


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
DIALECTS = ("sqlite", "postgresql")


def url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as a govwatch database, said as what to write instead;
    None when it is a URL of a supported database (whether it exists is not asked here)."""
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        path = url if "://" not in url else url.split("://", 1)[1]
        return f"{url!r} is not a database URL: write sqlite:///{path} for a SQLite file"
    backend = parsed.get_backend_name()
    if backend == "postgres":
        rest = url.split("://", 1)[1]
        return f"write postgresql://{rest} (postgres:// is not a name SQLAlchemy knows)"
    if backend not in DIALECTS:
        return (
            f"unsupported database {backend!r}: govwatch stores in SQLite "
            "(sqlite:///govwatch.db) or PostgreSQL (postgresql://user@host/dbname)"
        )
    if backend == "sqlite" and parsed.host:
        name = parsed.host + (f"/{parsed.database}" if parsed.database else "")
        return f"{url!r} names a host, not a file: write sqlite:///{name} (three slashes)"
    return None


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def not_sqlite(path: Path) -> bool:
    """Whether ``path`` holds something other than a SQLite database (an empty file is one
    SQLite will make into a database)."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return bool(head) and head != SQLITE_MAGIC


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # checkpoint the WAL seldom: each checkpoint is an fsync and a rewrite of the index
        # pages that every batch dirties again
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


def connect(url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> Engine:
    """An engine for ``url``; SQLite files get WAL and a busy timeout (seconds one
    transaction waits for another writer's lock)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":  # psycopg 3 is the driver we ship
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout})
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        return engine
    connect_args = (
        {} if "connect_timeout" in parsed.query else {"connect_timeout": PG_CONNECT_TIMEOUT}
    )
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


def migration_heads(versions: Path = MIGRATIONS / "versions") -> frozenset[str]:
    """The newest revisions of the migration scripts: those no other script revises.

    Read from the scripts' ``revision`` and ``down_revision`` lines without importing them
    or Alembic (tests/test_storage.py checks the answer against Alembic's own)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in versions.glob("*.py"):
        if script.name.startswith(("_", ".")):
            continue
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target = node.targets[0]
            name = target.id if isinstance(target, ast.Name) else None
            if name not in ("revision", "down_revision"):
                continue
            value = ast.literal_eval(node.value)
            values = [] if value is None else [value] if isinstance(value, str) else list(value)
            (revisions if name == "revision" else revised).update(values)
    return frozenset(revisions - revised)


def current_revisions(connection: Connection) -> frozenset[str] | None:
    """The revisions the database was migrated to, or None before its first migration."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return frozenset(rows.scalars())


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Run Alembic's upgrade of ``engine``'s schema to ``revision``, one process at a time.

    The upgrade is one transaction that first takes the database's write lock (SQLite's
    BEGIN IMMEDIATE; a transaction-level advisory lock on PostgreSQL, freed with the
    transaction): a second process opening a new database waits, then finds it migrated.
    SQLite's foreign keys are off meanwhile: a batch migration copies a table and drops the
    old one, which rows referencing it would refuse (the pragma works outside a transaction)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if sqlite:
                    # pysqlite would begin only at the first INSERT, and DDL before it would
                    # run unlocked, each statement its own transaction
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is already there).

    A schema already at the newest revisions costs one query; Alembic, slow to import, is
    loaded only when there is something to upgrade."""
    try:
        with engine.connect() as connection:
            if current_revisions(connection) == migration_heads():
                return
        upgrade(engine)
    except OperationalError as exc:
        raise StorageUnavailable(f"cannot migrate {safe_url(str(engine.url))}: {exc.orig}") from exc
