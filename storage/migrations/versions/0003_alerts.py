"""alerts: event outbox, deliveries, messages, portal health; health counters on crawl runs

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

RUN_COUNTERS = ("list_pages", "empty_list_pages", "not_modified", "blocked")


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        for column in RUN_COUNTERS:
            batch_op.add_column(
                sa.Column(column, sa.Integer(), nullable=False, server_default=sa.text("0"))
            )

    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("processed_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcements.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("announcement_id"),
    )
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_events_processed_at"), ["processed_at"], unique=False
        )

    op.create_table(
        "alert_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subscription", sa.String(length=100), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("queued_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.create_index("ix_alert_messages_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription", sa.String(length=100), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcements.id"]),
        sa.ForeignKeyConstraint(["message"], ["alert_messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription", "announcement_id", name="uq_alert_deliveries"),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_deliveries_waiting", ["subscription", "message"], unique=False
        )

    op.create_table(
        "portal_health",
        sa.Column("portal", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("since", storage.types.UTCDateTime(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["portal"], ["portals.name"]),
        sa.PrimaryKeyConstraint("portal"),
    )


def downgrade() -> None:
    op.drop_table("portal_health")
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_deliveries_waiting")
    op.drop_table("alert_deliveries")
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_messages_due")
    op.drop_table("alert_messages")
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_events_processed_at"))
    op.drop_table("alert_events")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        for column in reversed(RUN_COUNTERS):
            batch_op.drop_column(column)
