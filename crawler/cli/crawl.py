"""``govwatch crawl`` and ``govwatch portal list|check``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING

from crawler.cli.common import (
    Commands,
    alerts_path,
    db_url,
    known_portal,
    portals_path,
    scrapy_settings,
    selected_portals,
    shown_time,
)

if TYPE_CHECKING:
    from scrapy.settings import Settings as ScrapySettings

    from crawler.configfiles.portals import Portal
    from crawler.crawl.run import CrawlRun


def outcome(run: CrawlRun) -> str:
    """A run's end in a few words: "finished, 3 new" (and pages refused as not articles)."""
    refused = f", {run.not_articles} not articles (not stored)" if run.not_articles else ""
    return f"{run.status}, {run.new_records} new{refused}"


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl the named portals (all by default) once; exit 0 finished, 3 partial, 1 failed,
    4 busy (the worst of the portals'), 2 for a user error."""
    from crawler.crawl.process import crawl
    from crawler.crawl.run import BUSY, EXIT_CODES, FAILED, CrawlRun

    portals = selected_portals(args, args.names)
    if not portals:
        print(f"no portals in {portals_path(args)}", file=sys.stderr)
        return 0
    backfill = args.full or args.backfill_since is not None or args.max_list_pages is not None
    settings = scrapy_settings(
        args,
        GOVWATCH_FULL=backfill or None,
        GOVWATCH_WAIT=args.wait or None,
        GOVWATCH_RECHECK=args.recheck or None,
        GOVWATCH_BACKFILL=backfill or None,
        GOVWATCH_BACKFILL_SINCE=args.backfill_since and args.backfill_since.isoformat(),
        GOVWATCH_BACKFILL_PAGES=args.max_list_pages,
        GOVWATCH_ALERTS=str(alerts_path(args)[0]),  # the admin, for portal health mail
    )
    for portal in portals:  # a setting in error is a user error (2), found before crawling
        check_settings(settings, portal)
    crawlers = crawl(portals, settings)
    ends: list[str] = []
    # each crawl reports its own run, not the newest in the store (a daemon may crawl too)
    for crawler in crawlers:
        name = crawler.spidercls.name
        run = CrawlRun.started(crawler)
        if run is not None and run.status == BUSY and run.busy is not None:
            ends.append(BUSY)
            holder = run.busy
            print(
                f"{name}: busy (held by {holder.holder} since {shown_time(holder.acquired_at)})",
                file=sys.stderr,
            )
        elif run is None or run.run_id is None:
            ends.append(FAILED)
            print(f"{name}: not started (see the error above)", file=sys.stderr)
        elif run.status is None:
            ends.append(FAILED)
            print(f"{name}: run #{run.run_id} not recorded (see the error above)", file=sys.stderr)
        elif run.problem:  # no list page read, or empty where there were links before
            ends.append(FAILED)
            print(f"{name}: {outcome(run)}: {run.problem}", file=sys.stderr)
        else:
            ends.append(run.status)
            print(f"{name}: {outcome(run)}", file=sys.stderr)
    begun = {crawler.spidercls.name for crawler in crawlers}
    for portal in portals:
        if portal.name not in begun:  # the crawl was stopped before it came to this one
            ends.append(FAILED)
            print(f"{portal.name}: not run", file=sys.stderr)
    worst = next((end for end in EXIT_CODES if end in ends), None)
    return EXIT_CODES[worst] if worst is not None else 0


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2025-01-31: {value!r}") from None


def check_settings(settings: ScrapySettings, portal: Portal) -> None:
    """Read the GOVWATCH_* settings as ``portal``'s crawl will; ConfigError names it."""
    from crawler.crawl.config import CrawlConfig
    from crawler.exceptions import ConfigError

    own = settings.copy()
    own.setdict(portal.settings, priority="spider")
    try:
        CrawlConfig.from_settings(own)
    except ConfigError as exc:
        raise ConfigError(f"portal {portal.name}: {exc}") from None


def cmd_portal_list(args: argparse.Namespace) -> int:
    """List the portals of the portal file."""
    for portal in selected_portals(args):
        extras = [f"schedule {portal.schedule}"]
        if portal.render:
            extras.append("rendered")
        print(f"{portal.name}\t{portal.title or ''}\t{portal.start_urls[0]}\t{', '.join(extras)}")
    return 0


def cmd_portal_check(args: argparse.Namespace) -> int:
    """Fetch a portal once and show what would be extracted; nothing is stored."""
    from crawler.configfiles.portals import find_portal
    from crawler.crawl.check import check_all, check_portal

    if args.all == (args.name is not None):
        print("govwatch portal check: name one portal, or give --all", file=sys.stderr)
        return 2
    if args.all:
        return check_all(selected_portals(args), scrapy_settings(args), args.parallel, sys.stdout)
    if "://" in args.name:
        return check_url(args, args.name)
    portal = find_portal(selected_portals(args), args.name)
    return check_portal(portal, scrapy_settings(args), args.articles, sys.stdout)


def check_url(args: argparse.Namespace, url: str) -> int:
    """`portal check URL`: a portal of defaults for ``url``, in a portal file of its own
    (the spiders are built from a file); the user's portal file is neither read nor
    changed. A URL a portal entry refuses is a user error (exit 2)."""
    import tempfile
    from pathlib import Path

    import yaml

    from crawler.configfiles.portals import Portal
    from crawler.configfiles.reader import validate_entry
    from crawler.crawl.check import check_portal

    entry = {"name": "adhoc", "start_urls": [url]}
    portal = validate_entry(Portal, Path("(command line)"), f"URL {url}", entry)
    with tempfile.TemporaryDirectory(prefix="govwatch-check-") as folder:
        path = Path(folder) / "portals.yaml"
        path.write_text(yaml.safe_dump([entry]), encoding="utf-8")
        args.portals = str(path)
        return check_portal(portal, scrapy_settings(args), args.articles, sys.stdout)


def cmd_portal_reset(args: argparse.Namespace) -> int:
    """Forget a portal's list-page validators and missed URLs: its next crawl walks every
    list page (stored articles are still not fetched again)."""
    from storage import Repository

    repo = Repository.open(db_url(args))
    try:
        known_portal(repo.portal_names(), args.name)
        pages, missed = repo.reset_portal(args.name)
    finally:
        repo.close()
    print(
        f"{args.name}: forgot {pages} list-page validators and {missed} missed URLs; "
        "the next crawl walks every list page"
    )
    return 0


def cmd_portal_remove(args: argparse.Namespace) -> int:
    """Forget the crawl state of a portal deleted from the portal file (--purge: its records).

    storage.forget says what goes; the portal file is never edited."""
    from crawler.configfiles.portals import load_portals, portals_exist
    from crawler.exceptions import ConfigError
    from storage import Repository

    path = portals_path(args)
    if portals_exist(path) and any(p.name == args.name for p in load_portals(path)):
        raise ConfigError(
            f"portal {args.name} is still in {path}: delete its entry first "
            "(govwatch never edits the portal file)"
        )
    repo = Repository.open(db_url(args))
    try:
        known_portal(repo.portal_names(), args.name)
        holder = repo.lease_holder(f"portal:{args.name}")
        if holder is not None:
            print(f"{args.name}: a crawl of it is running ({holder.holder}); try again when it "
                  "ends", file=sys.stderr)  # fmt: skip
            return 4
        deleted = repo.remove_portal(args.name, purge=args.purge)
    finally:
        repo.close()
    if args.purge:
        print(f"{args.name}: removed with {deleted.describe()}")
    else:
        print(f"{args.name}: removed its crawl state ({deleted.counts()}); "
              "its records and runs stay (--purge deletes them)")  # fmt: skip
    return 0


def register(commands: Commands) -> None:
    p = commands.add("crawl", cmd_crawl)
    p.add_argument("names", nargs="*", metavar="NAME", help="portals to crawl (default: all)")
    p.add_argument(
        "--full",
        action="store_true",
        help="walk every list page (stored articles are still not fetched again); "
        "a back-fill: what it stores is not alerted",
    )
    p.add_argument(
        "--backfill-since",
        type=_iso_date,
        metavar="DATE",
        help="back-fill: walk every list page down to articles listed as of DATE "
        "(YYYY-MM-DD); stores without alerting",
    )
    p.add_argument(
        "--max-list-pages",
        type=int,
        metavar="N",
        help="back-fill: walk at most N list pages per list; stores without alerting",
    )
    p.add_argument(
        "--recheck",
        action="store_true",
        help="re-check recent articles now (conditionally), whatever recheck_every says",
    )
    p.add_argument(
        "--wait",
        action="store_true",
        help="wait for another crawl of a portal to end, instead of exiting 4 (busy)",
    )
    portal = commands.group("portal", help="inspect portals")
    portal.add("list", cmd_portal_list)
    p = portal.add("check", cmd_portal_check)
    p.add_argument(
        "name",
        nargs="?",
        metavar="NAME|URL",
        help="the portal to check, or a list page's URL (no portal file needed)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="page one of every portal, a summary line each; exit 1 if any failed",
    )
    p.add_argument(
        "--parallel",
        type=int,
        default=16,
        metavar="N",
        help="with --all: portals checked at once (default: 16)",
    )
    p.add_argument(
        "--articles",
        type=int,
        default=3,
        metavar="N",
        help="articles to fetch and extract (default: 3)",
    )
    p = portal.add("reset", cmd_portal_reset)
    p.add_argument("name", metavar="NAME", help="the portal to reset")
    p = portal.add("remove", cmd_portal_remove)
    p.add_argument("name", metavar="NAME", help="a portal no longer in the portal file")
    p.add_argument("--purge", action="store_true", help="delete its records and crawl runs too")
