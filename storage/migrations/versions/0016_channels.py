"""channels: an outbox message is an email (channel NULL) or a post to an Apprise channel URL

The URL is kept as alerts.yaml writes it, ``${VAR}`` unexpanded, so no secret is stored.

Revision ID: 0016_channels
Revises: 0009_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_channels"
down_revision = "0009_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_messages", schema=None) as batch_op:
        batch_op.drop_column("channel")
