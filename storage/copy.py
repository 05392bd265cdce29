"""Copying a store to another database (SQLite → PostgreSQL, or any to any), checked by counts.

Table by table in the order their foreign keys need, in chunks, primary keys kept; both
stores are migrated to the same schema first (Repository.open). Leases are not copied: who
holds what belongs to the processes of the old store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, Table, delete, func, inspect, select, text
from sqlalchemy.engine import make_url

from storage.base import CHUNK, Store
from storage.db import VERSION_TABLE
from storage.dedupe_index import BAND_LEVEL_CAPS
from storage.exceptions import StorageError
from storage.models import AnnouncementBand, Base

logger = logging.getLogger(__name__)

# not copied: live coordination (leases); rebuilt by their owners: the migration version,
# the daemon's schedule (APScheduler's job table, made again from portals.yaml at start)
NOT_COPIED = frozenset({"leases", VERSION_TABLE, "apscheduler_jobs"})


class CopyRefused(StorageError):
    """The copy would overwrite data or copy a database onto itself."""


@dataclass(frozen=True)
class TableCount:
    name: str
    source: int
    target: int


@dataclass
class Copied:
    tables: list[TableCount] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # source tables govwatch does not copy

    @property
    def total(self) -> int:
        return sum(table.target for table in self.tables)


def copied_tables() -> list[Table]:
    """The tables a copy carries, parents before the tables whose foreign keys name them."""
    return [table for table in Base.metadata.sorted_tables if table.name not in NOT_COPIED]


def same_database(a: Engine, b: Engine) -> bool:
    """Whether two engines reach one database (a SQLite file by its resolved path)."""
    first, second = make_url(str(a.url)), make_url(str(b.url))
    if first.get_backend_name() != second.get_backend_name():
        return False
    if first.get_backend_name() == "sqlite":
        paths = [url.database or ":memory:" for url in (first, second)]
        if ":memory:" in paths:
            return False
        return Path(paths[0]).resolve() == Path(paths[1]).resolve()
    port = 5432
    return (first.host or "localhost", first.port or port, first.database) == (
        second.host or "localhost",
        second.port or port,
        second.database,
    )


def copy_store(
    source: Store,
    target: Store,
    force: bool = False,
    chunk: int = CHUNK,
    progress: Callable[[str, int], None] | None = None,
) -> Copied:
    """Copy every govwatch table of ``source`` into ``target``; raises CopyRefused when the
    target has rows (unless ``force``: they are deleted first) or is the source, and
    StorageError when a table's counts differ afterwards."""
    if same_database(source.engine, target.engine):
        raise CopyRefused(f"{target.url} is the database being copied")
    tables = copied_tables()
    filled = [table.name for table in tables if _count(target.engine, table)]
    if filled and not force:
        raise CopyRefused(
            f"{target.url} is not empty ({', '.join(filled)} have rows): copy into an empty "
            "database, or pass --force to delete its rows first"
        )
    if filled:
        with target.engine.begin() as connection:
            for table in reversed(tables):
                connection.execute(delete(table))
        logger.warning("copy: deleted the rows of %s in %s", ", ".join(filled), target.url)
    copied = Copied(skipped=_unknown_tables(source.engine, tables))
    for table in tables:
        rows = _copy_table(source.engine, target.engine, table, chunk)
        if progress is not None:
            progress(table.name, rows)
    if target.dialect == "postgresql":
        _reset_sequences(target.engine, tables)
    for table in tables:
        counts = TableCount(table.name, _count(source.engine, table), _count(target.engine, table))
        if counts.source != counts.target:
            raise StorageError(
                f"copy to {target.url} incomplete: {table.name} has {counts.source} rows in "
                f"{source.url} and {counts.target} in the copy (was the source written meanwhile?)"
            )
        copied.tables.append(counts)
    return copied


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _unknown_tables(engine: Engine, tables: list[Table]) -> list[str]:
    names = set(inspect(engine).get_table_names())
    known = {table.name for table in tables} | NOT_COPIED
    return sorted(name for name in names - known if not name.startswith("sqlite_"))


def _copy_table(source: Engine, target: Engine, table: Table, chunk: int) -> int:
    """Stream ``table`` out of ``source`` in primary-key order into ``target``, one
    transaction per chunk; returns the rows copied."""
    adapt = _band_levels(target) if table.name == AnnouncementBand.__tablename__ else None
    copied = 0
    query = select(table).order_by(*table.primary_key.columns)
    with source.connect() as reading:
        result = reading.execution_options(stream_results=True, yield_per=chunk).execute(query)
        for part in result.partitions(chunk):
            rows = [dict(row._mapping) for row in part]
            if adapt is not None:
                rows = [adapt(row) for row in rows]
            with target.begin() as writing:
                writing.execute(table.insert(), rows)
            copied += len(rows)
    return copied


def _band_levels(target: Engine) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Band keys into the levels the target looks in: SQLite keeps three, PostgreSQL one
    (storage.dedupe_index); a key of a level the target lacks goes to its newest."""
    newest = len(BAND_LEVEL_CAPS[target.dialect.name]) - 1

    def adapt(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "level": min(row["level"], newest)}

    return adapt


def _reset_sequences(engine: Engine, tables: list[Table]) -> None:
    """PostgreSQL: each serial key's sequence past the largest key copied, so the next
    insert does not collide with a copied row."""
    with engine.begin() as connection:
        for table in tables:
            keys = list(table.primary_key.columns)
            if len(keys) != 1 or not isinstance(keys[0].type, Integer):
                continue
            column = keys[0].name
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table.name}"
                ),
                {"table": table.name, "column": column},
            )
