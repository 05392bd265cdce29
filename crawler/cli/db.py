"""``govwatch db prune|copy``: retention by hand, and moving a store to another database."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from crawler.cli.common import Commands, db_url, scheduler_settings


def cmd_db_prune(args: argparse.Namespace) -> int:
    """Prune run history and sent alerts older than GOVWATCH_RETENTION (default 30d)."""
    from storage import Repository, utcnow

    settings = scheduler_settings()
    cutoff = utcnow() - timedelta(seconds=settings.retention)
    repo = Repository.open(db_url(args))
    try:
        report = repo.prune(cutoff, dry_run=args.dry_run)
    finally:
        repo.close()
    print(report.describe())
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    """Copy every record, run, outbox and health row to another database, checked by counts."""
    from crawler.tables import format_table
    from storage import Repository
    from storage.copy import copy_store

    source = Repository.open(db_url(args))
    try:
        target = Repository.open(args.to)
        try:
            copied = copy_store(source, target, force=args.force, progress=_progress)
        finally:
            target.close()
    finally:
        source.close()
    rows = [(table.name, table.source, table.target) for table in copied.tables]
    print(format_table(("table", "source rows", "copied rows"), rows))
    for name in copied.skipped:
        print(f"not copied: {name}")
    print(f"copied {copied.total} rows to {target.url}; the counts of every table agree")
    return 0


def _progress(table: str, rows: int) -> None:
    print(f"{table}: {rows} rows copied", file=sys.stderr)


def register(commands: Commands) -> None:
    db = commands.group("db", help="maintain the database: retention, copies")
    p = db.add("prune", cmd_db_prune)
    p.add_argument(
        "--dry-run", action="store_true", help="count what would be pruned, delete nothing"
    )
    p = db.add("copy", cmd_db_copy)
    p.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the database to copy into (an empty one; migrated first)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="empty the target's govwatch tables first, if it has rows",
    )
