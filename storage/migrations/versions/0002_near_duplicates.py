"""near duplicates: LSH band keys of each announcement's MinHash, indexed

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcement_bands",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("announcement_id", "key"),
    )
    with op.batch_alter_table("announcement_bands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_bands_key"), ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("announcement_bands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_bands_key"))
    op.drop_table("announcement_bands")
