"""missed_urls: list pages and articles a crawl missed, fetched again by the next crawl

Revision ID: 0011_missed
Revises: 0012_delivery
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011_missed"
down_revision = "0012_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "missed_urls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("portal", sa.String(64), sa.ForeignKey("portals.name"), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("link_text", sa.Text(), nullable=True),
        sa.Column("link_date", sa.String(40), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("first_missed_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("last_missed_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("portal", "url", name="uq_missed_urls"),
    )


def downgrade() -> None:
    op.drop_table("missed_urls")
