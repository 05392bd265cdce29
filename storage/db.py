"""Engines and migrations: SQLite (WAL, busy timeout) by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage.exceptions import StorageUnavailable

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT = 30.0  # seconds; GOVWATCH_DB_BUSY_TIMEOUT (storage.retry.RetrySettings)
WAL_AUTOCHECKPOINT_PAGES = 10_000  # SQLite's default is 1,000 pages of 4 KB
CACHE_KIB = 32 * 1024  # SQLite's page cache per connection (its default: 2 MB)
PG_CONNECT_TIMEOUT = 10  # seconds; an unreachable server fails one attempt, not forever


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # checkpoint the WAL every ~40 MB, not every 4 MB: each checkpoint is an fsync and
        # a rewrite of the index pages that every batch dirties again (docs/performance.md)
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


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is already there)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")  # independent branches may each add a head
    except OperationalError as exc:
        raise StorageUnavailable(f"cannot migrate {safe_url(str(engine.url))}: {exc.orig}") from exc
