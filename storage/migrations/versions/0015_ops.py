"""ops: subscription_starts, when the daemon first loaded each subscription (by name)

Revision ID: 0015_ops
Revises: 0019_revisions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0015_ops"
down_revision = "0019_revisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscription_starts",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("started_at", storage.types.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subscription_starts")
