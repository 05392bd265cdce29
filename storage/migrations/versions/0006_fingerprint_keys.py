"""fingerprint keys: exact copies found through the band levels, not an index of their own

Each announcement's content fingerprint gets a key in announcement_bands, level 0, beside its
LSH band keys (storage.dedupe_index.fingerprint_key: the fingerprint's first 64 bits, signed),
and the fingerprint's own index goes. A random fingerprint cost every stored announcement a
page of that index rewritten; in the levels it costs a place in the small newest one
(docs/performance.md).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEX = "ix_announcements_fingerprint"
CHUNK = 10_000
# band levels a store may have (storage.dedupe_index.BAND_LEVEL_CAPS has three at most)
LEVELS = "0, 1, 2, 3, 4, 5, 6, 7"


def pg_key(column: str) -> str:
    """The key in PostgreSQL's SQL; SQLite has no cast from hex digits, so Python computes it."""
    return f"('x' || left({column}, 16))::bit(64)::bigint"


def key(fingerprint: str) -> int:  # storage.dedupe_index.fingerprint_key, frozen here
    return int.from_bytes(bytes.fromhex(fingerprint[:16]), "big", signed=True)


def fingerprint_keys(connection: sa.Connection) -> Iterator[list[dict[str, int]]]:
    """(key, announcement id) of every fingerprint, CHUNK at a time, by id."""
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, fingerprint FROM announcements"
                " WHERE fingerprint IS NOT NULL AND id > :last ORDER BY id LIMIT :chunk"
            ),
            {"last": last, "chunk": CHUNK},
        ).all()
        if not rows:
            return
        last = rows[-1].id
        yield [{"key": key(row.fingerprint), "id": row.id} for row in rows]


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute(
            "INSERT INTO announcement_bands (level, key, announcement_id)"
            f" SELECT 0, {pg_key('fingerprint')}, id FROM announcements WHERE fingerprint IS NOT NULL"
            " ORDER BY 2, 3 ON CONFLICT DO NOTHING"
        )
    else:
        insert = sa.text(
            "INSERT OR IGNORE INTO announcement_bands (level, key, announcement_id)"
            " VALUES (0, :key, :id)"
        )
        for rows in fingerprint_keys(connection):
            connection.execute(insert, sorted(rows, key=lambda row: (row["key"], row["id"])))
    op.drop_index(INDEX, table_name="announcements")


def downgrade() -> None:
    op.create_index(INDEX, "announcements", ["fingerprint"], unique=False)
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute(
            "DELETE FROM announcement_bands AS b USING announcements AS a"
            f" WHERE b.announcement_id = a.id AND b.key = {pg_key('a.fingerprint')}"
        )
    else:
        delete = sa.text(
            "DELETE FROM announcement_bands"
            f" WHERE level IN ({LEVELS}) AND key = :key AND announcement_id = :id"
        )
        for rows in fingerprint_keys(connection):
            connection.execute(delete, rows)
