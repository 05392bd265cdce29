"""band levels: LSH band keys kept in levels, the primary key (level, key, announcement)

The keys of 0002's table move to level 0 in key order. The new table's primary key is its
only index (on SQLite the table itself: WITHOUT ROWID), where 0002 had three b-trees, and it
has no foreign key (storage.models.AnnouncementBand says why).

Revision ID: 0005
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

NEW = "announcement_bands_levels"


def upgrade() -> None:
    op.create_table(
        NEW,
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("level", "key", "announcement_id", name="pk_announcement_bands"),
        sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO {NEW} (level, key, announcement_id)"
        " SELECT 0, key, announcement_id FROM announcement_bands ORDER BY key, announcement_id"
    )
    op.drop_index("ix_announcement_bands_key", table_name="announcement_bands")
    op.drop_table("announcement_bands")
    op.rename_table(NEW, "announcement_bands")


def downgrade() -> None:
    op.create_table(
        NEW,
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("announcement_id", "key"),
    )
    op.execute(
        f"INSERT INTO {NEW} (announcement_id, key)"
        " SELECT DISTINCT announcement_id, key FROM announcement_bands"
    )
    op.drop_table("announcement_bands")
    op.rename_table(NEW, "announcement_bands")
    op.create_index("ix_announcement_bands_key", "announcement_bands", ["key"], unique=False)
