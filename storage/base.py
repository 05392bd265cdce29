"""What every table group shares: the engine, its sessions, the retry settings, the dialect."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import sessionmaker

from storage.db import safe_url
from storage.exceptions import StorageUnavailable
from storage.retry import RetrySettings

# SQLite allows 32766 bound parameters; stay far below it on every backend
CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dialect_insert(dialect: str, model: Any) -> Any:
    """An INSERT of a mapped class or a table in the dialect's own form, which has ON CONFLICT."""
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise StorageUnavailable(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")


def one_of(column: Any, name: str, item_type: Any, dialect: str) -> Any:
    """``column IN`` the list bound as ``name``. On PostgreSQL ``= ANY`` of one array: an
    expanding IN is a new statement for each list length, which psycopg parses afresh."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(item_type)))
    return column.in_(bindparam(name, expanding=True))


class Store:
    """The base of every table group: one engine, and every public method of a group one
    transaction, decorated with :func:`storage.retry.retried`."""

    def __init__(self, engine: Engine, retry: RetrySettings | None = None) -> None:
        self.engine = engine
        self.session = sessionmaker(engine, expire_on_commit=False)
        self.retry = retry or RetrySettings.from_env(os.environ)

    @property
    def url(self) -> str:
        """The database, password hidden, for messages and logs."""
        return safe_url(str(self.engine.url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def array_chunk(self) -> int:
        """Values per lookup bound as one list: PostgreSQL binds one array, of any length;
        SQLite one parameter each, and it allows 32,766."""
        return 1 << 30 if self.dialect == "postgresql" else CHUNK

    def _insert(self, model: Any) -> Any:
        """An INSERT of a mapped class or a table in the dialect that has ON CONFLICT."""
        return dialect_insert(self.dialect, model)
