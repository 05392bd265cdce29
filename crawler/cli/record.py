"""``govwatch record history URL`` (a record's revisions, oldest first, with their diffs) and
``govwatch record forget URL...`` (records deleted, so the next crawl stores them again)."""

from __future__ import annotations

import argparse
import json

from crawler.cli.common import Commands, db_url, shown_time
from crawler.exceptions import GovwatchError


class NotStored(GovwatchError):
    exit_code = 1


class UnknownRecord(GovwatchError):
    exit_code = 2


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


def cmd_record_forget(args: argparse.Namespace) -> int:
    """Delete stored records, so that the next crawl fetches and stores them again.

    All that hangs off a record goes with it (storage.forget). A URL not stored is a user
    error (exit 2), and then nothing is forgotten."""
    from storage import Repository

    urls = list(dict.fromkeys(args.urls))
    repo = Repository.open(db_url(args))
    try:
        unknown = [url for url in urls if url not in repo.known_urls(urls)]
        if unknown:
            raise UnknownRecord(f"not stored, nothing forgotten: {' '.join(unknown)}")
        deleted = repo.forget_records(urls)
    finally:
        repo.close()
    for url in deleted.urls:
        print(f"forgot {url}")
    print(f"forgot {deleted.describe()}; the next crawl of each portal fetches them again")
    return 0


def register(commands: Commands) -> None:
    record = commands.group("record", help="one stored record: its revisions, forgetting it")
    p = record.add("history", cmd_record_history)
    p.add_argument("url", metavar="URL", help="the record's URL, as exported")
    p = record.add("forget", cmd_record_forget)
    p.add_argument(
        "urls",
        nargs="+",
        metavar="URL",
        help="records to delete, so the next crawl stores them again",
    )
