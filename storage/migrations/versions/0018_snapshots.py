"""snapshots: every article page fetched, its bytes compressed once per distinct content;
the article's validators for conditional re-checks

Revision ID: 0018_snapshots
Revises: 0016_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0018_snapshots"
down_revision = "0016_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_blobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("codec", sa.String(10), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("announcement_id", sa.Integer, sa.ForeignKey("announcements.id"), nullable=False),
        sa.Column("blob_id", sa.Integer, sa.ForeignKey("snapshot_blobs.id"), nullable=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_snapshots_announcement_id", "snapshots", ["announcement_id"])
    op.create_index("ix_snapshots_blob_id", "snapshots", ["blob_id"])
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("etag", sa.String(400)))
        batch.add_column(sa.Column("last_modified", sa.String(100)))
        batch.add_column(sa.Column("checked_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("checked_at")
        batch.drop_column("last_modified")
        batch.drop_column("etag")
    op.drop_table("snapshots")
    op.drop_table("snapshot_blobs")
