"""revisions: what re-checks found changed (edits, withdrawals), and the record's state

Revision ID: 0019_revisions
Revises: 0018_snapshots
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0019_revisions"
down_revision = "0018_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("announcement_id", sa.Integer, sa.ForeignKey("announcements.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id")),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("alerted_at", UTCDateTime()),
        sa.UniqueConstraint("announcement_id", "number", name="uq_revisions"),
    )
    op.create_index("ix_revisions_announcement_id", "revisions", ["announcement_id"])
    op.create_index("ix_revisions_alerted_at", "revisions", ["alerted_at"])
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("revised_at", UTCDateTime()))
        batch.add_column(sa.Column("withdrawn_at", UTCDateTime()))
        batch.add_column(sa.Column("gone_since", UTCDateTime()))
        batch.add_column(
            sa.Column("extractor_version", sa.Integer, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        for name in ("extractor_version", "gone_since", "withdrawn_at", "revised_at"):
            batch.drop_column(name)
    op.drop_table("revisions")
