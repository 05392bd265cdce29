"""one head: join the alerts, rendering and dedupe branches

From here every migration revises the one before it (tests/test_migrations.py checks that
there is one head). Changes no table.

Revision ID: 0007
Revises: 0003, 0004, 0006
"""

from __future__ import annotations

revision = "0007"
down_revision = ("0003", "0004", "0006")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
