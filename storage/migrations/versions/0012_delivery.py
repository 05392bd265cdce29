"""delivery: outbox claims and interrupted attempts; one delivery per duplicate cluster

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
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
    # every delivery so far was of a first copy: its cluster is its announcement
    op.execute("UPDATE alert_deliveries SET cluster_id = announcement_id")
    op.create_index(
        "uq_alert_deliveries_cluster",
        "alert_deliveries",
        ["subscription", "cluster_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_alert_deliveries_cluster", table_name="alert_deliveries")
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_column("cluster_id")
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.drop_column("interrupted")
        batch_op.drop_column("claim_expires_at")
        batch_op.drop_column("claimed_by")
