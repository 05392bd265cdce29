"""meeting facts: status (upcoming/held), time, agenda and why each record is (not) a meeting

Revision ID: 0008_meeting_facts
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_meeting_facts"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("meeting_time", sa.String(length=5), nullable=True))
        batch_op.add_column(
            sa.Column("agenda", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("why", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_column("why")
        batch_op.drop_column("agenda")
        batch_op.drop_column("meeting_time")
        batch_op.drop_column("meeting_status")
