"""``govwatch export``: stored records to stdout as JSON lines or CSV.

It starts without Scrapy, pydantic, YAML, Alembic or the scheduler: only the store is loaded.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, TextIO

from crawler.cli.common import Commands, db_url, known_portal
from storage.zones import PORTAL_ZONE

# storage.BY, written out: the parser is built without loading SQLAlchemy
BY = ("seen", "published", "meeting")


def json_value(value: Any) -> Any:
    """A record's value as JSON shows it: datetimes in the portals' zone (+08:00), dates ISO."""
    if isinstance(value, datetime):
        return value.astimezone(PORTAL_ZONE).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_records(records: Iterable[Mapping[str, Any]], fmt: str, out: TextIO) -> int:
    """Write ``records`` as ``fmt`` (jsonl or csv; lists and ``why`` JSON-encoded in a CSV cell)."""
    from storage import EXPORT_FIELDS

    encode = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for record in records:
        row = {k: json_value(v) for k, v in record.items()}
        if writer:
            writer.writerow(
                {k: encode(v) if isinstance(v, list | dict) else v for k, v in row.items()}
            )
        else:
            out.write(encode(row) + "\n")
        count += 1
    return count


def cmd_export(args: argparse.Namespace) -> int:
    """Write stored records to stdout as JSON lines or CSV."""
    from storage import Filters, Repository

    filters = Filters(
        portal=args.portal,
        meetings_only=args.meetings_only,
        since=args.since,
        until=args.until,
        by=args.by,
    )
    repo = Repository.open(db_url(args))
    # what is loaded by now lives until the process exits: the collector need not walk it
    gc.freeze()
    try:
        if args.portal:
            known_portal(repo.portal_names(), args.portal, "--portal ")
        if args.bom and args.format == "csv":
            sys.stdout.write("\ufeff")  # Excel reads the CSV as UTF-8 with it
        count = write_records(repo.export(filters), args.format, sys.stdout)
    finally:
        repo.close()
    print(f"{count} records", file=sys.stderr)
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(commands: Commands) -> None:
    p = commands.add("export", cmd_export)
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="output format")
    p.add_argument("--portal", metavar="NAME", help="only this portal")
    p.add_argument("--meetings-only", action="store_true", help="only meeting announcements")
    p.add_argument(
        "--since",
        type=_date,
        metavar="DATE",
        help="only records of DATE (YYYY-MM-DD, an Asia/Shanghai day) or later, by --by",
    )
    p.add_argument(
        "--until",
        type=_date,
        metavar="DATE",
        help="only records of DATE (YYYY-MM-DD, an Asia/Shanghai day) or earlier, by --by",
    )
    p.add_argument(
        "--by",
        choices=BY,
        default="seen",
        help="the date --since and --until read: first seen (default), published, meeting",
    )
    p.add_argument(
        "--bom",
        action="store_true",
        help="with --format csv: begin with a UTF-8 byte order mark, for Excel",
    )
