"""``govwatch reanalyse``: the current extraction over stored snapshots. It updates records'
fields and extractor_version; it never makes a revision, sets revised_at or alerts."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time
from typing import Any

from crawler.cli.common import Commands, db_url, portals_path
from crawler.exceptions import ConfigError

CHUNK = 200  # snapshots read (and records written) at a time


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _selectors(args: argparse.Namespace) -> dict[str, Any]:
    """Each portal's selectors from the portal file, when there is one to read."""
    from crawler.configfiles.portals import load_portals

    path = portals_path(args)
    if not path.exists():
        return {}
    try:
        return {p.name: p.selectors for p in load_portals(path)}
    except ConfigError:
        return {}


def reanalysed(stored: Any, selectors: Any) -> dict[str, Any] | None:
    """A snapshot read again by the current extraction: the record's new fields."""
    from w3lib.encoding import html_to_unicode

    from crawler.analysis import analyse
    from crawler.items import AnnouncementItem

    headers = stored.headers
    encoding = headers.get("encoding")
    if encoding:
        html = stored.body.decode(encoding, errors="replace")
    else:
        html = html_to_unicode(headers.get("Content-Type"), stored.body)[1]
    link_date = headers.get("link_date")
    item = AnnouncementItem(
        portal=stored.portal,
        url=stored.url,
        html=html,
        list_title=headers.get("link_text"),
        list_date=datetime.fromisoformat(link_date) if link_date else None,
    )
    done = analyse(item, selectors)
    return None if done is None else done.record()


def cmd_reanalyse(args: argparse.Namespace) -> int:
    """Re-run the current extraction over stored snapshots and update the records' fields."""
    from crawler.analysis import EXTRACTOR_VERSION
    from storage import Repository, changes
    from storage.zones import PORTAL_ZONE

    # the day the user names begins at the portals' midnight, as export --since's does
    since = datetime.combine(args.since, time(), PORTAL_ZONE) if args.since else None
    selectors = _selectors(args)
    repo = Repository.open(db_url(args))
    try:
        skipped = repo.without_snapshots(args.portal, since)
        bar = Progress(repo.count(args.portal) - skipped)
        last, seen, changed = 0, 0, 0
        while batch := repo.latest_snapshots(args.portal, since, after_id=last, limit=CHUNK):
            last = batch[-1].announcement_id
            current = repo.current_fields([s.announcement_id for s in batch])
            updates = []
            for stored in batch:
                record = reanalysed(stored, selectors.get(stored.portal))
                seen += 1
                if record is None:
                    continue
                old = current[stored.announcement_id]
                found = changes(old, record)
                if found and args.dry_run:
                    print(json.dumps({"url": stored.url, "changes": found}, ensure_ascii=False))
                if found or old.get("extractor_version") != EXTRACTOR_VERSION:
                    changed += bool(found)
                    updates.append((stored.announcement_id, record))
            if not args.dry_run and updates:
                repo.reanalysed(updates)
            bar.update(seen)
        bar.done()
    finally:
        repo.close()
    verb = "would change" if args.dry_run else "changed"
    print(
        f"{seen} records re-analysed (extractor version {EXTRACTOR_VERSION}); {verb} {changed};"
        f" {skipped} skipped (stored before snapshots)",
        file=sys.stderr,
    )
    return 0


class Progress:
    """A progress bar on stderr, only when it is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.shown = sys.stderr.isatty()

    def update(self, done: int) -> None:
        if self.shown:
            filled = 30 * min(done, self.total) // self.total
            bar = "#" * filled + "-" * (30 - filled)
            print(f"\r[{bar}] {done}/{self.total}", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def register(commands: Commands) -> None:
    p = commands.add("reanalyse", cmd_reanalyse)
    p.add_argument("--portal", metavar="NAME", help="only this portal")
    p.add_argument(
        "--since", type=_date, metavar="DATE", help="only records first seen on or after DATE"
    )
    p.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
