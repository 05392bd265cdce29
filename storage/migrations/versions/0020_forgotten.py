"""forgotten: records forgotten by hand after they were alerted (not alerted again)

Revision ID: 0020_forgotten
Revises: 0015_ops
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0020_forgotten"
down_revision = "0015_ops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forgotten_alerts",
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("portal", sa.String(64), nullable=False),
        sa.Column("forgotten_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_forgotten_alerts_portal", "forgotten_alerts", ["portal"])


def downgrade() -> None:
    op.drop_table("forgotten_alerts")
