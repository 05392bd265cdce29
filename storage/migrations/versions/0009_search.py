"""search: the bigram text index of every announcement, and the indexes the web pages sort by

SQLite: a contentless FTS5 table, ``announcement_text`` (rowid = announcements.id, the
``ascii`` tokenizer: the store writes the tokens, space-separated, and the facets
portal:NAME and meeting:1). PostgreSQL: a table of
(announcement_id, tsvector) with a GIN index, built after the rows. Every stored
announcement is indexed here; the store indexes new ones as it inserts them
(storage.textindex). meeting_date (the meetings page, sorting) and duplicate_of (a record's
copies) get indexes.

Revision ID: 0009_search
Revises: 0013_retention
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.textindex import TABLE, index_all

revision = "0009_search"
down_revision = "0013_retention"
branch_labels = None
depends_on = None

GIN = "ix_announcement_text_grams"


def upgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        op.execute(
            # no foreign key, as announcement_bands: written only with its announcement
            f"CREATE TABLE {TABLE} (announcement_id BIGINT PRIMARY KEY, grams TSVECTOR NOT NULL)"
        )
    else:
        # columnsize=0: no per-row token counts, which only ranking (bm25) reads; the
        # driver's SQL, where ':_' is no bind parameter
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(grams, content='', columnsize=0,"
            " tokenize=\"ascii tokenchars ':_'\")"
        )
    # the index is built with the store's own tokeniser: the queries use the same one
    index_all(connection)
    if postgresql:
        op.execute(f"CREATE INDEX {GIN} ON {TABLE} USING gin (grams)")
        # the planner's statistics of the lexemes now, not at autovacuum's next visit:
        # without them it expects two matches of any word and sorts thousands. Bigrams are
        # many: the statistics keep the 10,000 most common (100 by default gives 1,000)
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN grams SET STATISTICS 1000")
        op.execute(f"ANALYZE {TABLE}")
    op.create_index("ix_announcements_meeting_date", "announcements", ["meeting_date"])
    op.create_index("ix_announcements_duplicate_of", "announcements", ["duplicate_of"])


def downgrade() -> None:
    op.drop_index("ix_announcements_duplicate_of", table_name="announcements")
    op.drop_index("ix_announcements_meeting_date", table_name="announcements")
    op.execute(sa.text(f"DROP TABLE {TABLE}"))
