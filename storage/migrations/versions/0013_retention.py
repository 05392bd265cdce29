"""retention: indexes the pruning of old runs and sent alerts walks

crawl_runs by start time (the old ones), announcements by run (a run an announcement names
is kept; PostgreSQL's foreign key check on deleting a run looks there too), alert_messages
by send time, alert_deliveries by message and by announcement (they go with their message;
an alert event goes once every delivery of its announcement is sent).

Revision ID: 0013_retention
Revises: 0011_missed
"""

from __future__ import annotations

from alembic import op

revision = "0013_retention"
down_revision = "0011_missed"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_crawl_runs_started_at", "crawl_runs", ["started_at"]),
    ("ix_announcements_run_id", "announcements", ["run_id"]),
    ("ix_alert_messages_sent_at", "alert_messages", ["sent_at"]),
    ("ix_alert_deliveries_message", "alert_deliveries", ["message"]),
    ("ix_alert_deliveries_announcement_id", "alert_deliveries", ["announcement_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
