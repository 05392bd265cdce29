"""rendering: why a crawl run needed a browser; the cookies a browser earned per portal

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rendering", sa.Text(), nullable=True))
    with op.batch_alter_table("portals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("browser_cookies", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portals", schema=None) as batch_op:
        batch_op.drop_column("browser_cookies")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("rendering")
