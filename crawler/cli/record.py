"""``govwatch record history URL``: one record's revisions, oldest first, with their diffs."""

from __future__ import annotations

import argparse
import json

from crawler.cli.common import Commands, db_url, shown_time
from crawler.exceptions import GovwatchError


class NotStored(GovwatchError):
    exit_code = 1


def cmd_record_history(args: argparse.Namespace) -> int:
    """Print a stored record's revisions: what changed, field by field, and the body's diff."""
    from storage import Repository

    repo = Repository.open(db_url(args))
    try:
        revisions = repo.revisions(args.url)
    finally:
        repo.close()
    if revisions is None:
        raise NotStored(f"{args.url} is not stored")
    if not revisions:
        print(f"{args.url}: no revisions")
        return 0
    for revision in revisions:
        print(f"revision {revision.number}: {revision.kind} at {shown_time(revision.created_at)}")
        for name, (before, after) in revision.changes.items():
            if name == "body":
                continue  # the diff below shows it line by line
            print(f"  {name}: {json.dumps(before, ensure_ascii=False)}"
                  f" -> {json.dumps(after, ensure_ascii=False)}")  # fmt: skip
        if revision.diff:
            print("  " + revision.diff.replace("\n", "\n  "))
    return 0


def register(commands: Commands) -> None:
    record = commands.group("record", help="one stored record: its revisions")
    p = record.add("history", cmd_record_history)
    p.add_argument("url", metavar="URL", help="the record's URL, as exported")
