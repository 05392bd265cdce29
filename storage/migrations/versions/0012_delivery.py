"""delivery: outbox claims and interrupted attempts

Revision ID: 0012_delivery
Revises: 0010_leases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0012_delivery"
down_revision = "0010_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(200), nullable=True))
        batch_op.add_column(
            sa.Column("claim_expires_at", storage.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("interrupted", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.drop_column("interrupted")
        batch_op.drop_column("claim_expires_at")
        batch_op.drop_column("claimed_by")
