"""``govwatch crawl`` and ``govwatch portal list|check``."""

from __future__ import annotations

import argparse
import sys

from crawler.cli.common import Commands, portals_path, scrapy_settings, selected_portals


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl the named portals (all by default) once."""
    from crawler.crawl.process import crawl
    from crawler.crawl.run import CrawlRun

    portals = selected_portals(args, args.names)
    if not portals:
        print(f"no portals in {portals_path(args)}", file=sys.stderr)
        return 0
    crawlers = crawl(portals, scrapy_settings(args, GOVWATCH_FULL=args.full or None))
    failed = 0
    # each crawl reports its own run, not the newest in the store (a daemon may crawl too)
    for crawler in crawlers:
        name = crawler.spidercls.name
        run = CrawlRun.started(crawler)
        if run is None or run.run_id is None:
            failed += 1
            print(f"{name}: not started (see the error above)", file=sys.stderr)
        elif run.status is None:
            failed += 1
            print(f"{name}: run #{run.run_id} not recorded (see the error above)", file=sys.stderr)
        else:
            failed += run.status not in ("finished", "partial")
            print(f"{name}: {run.status}, {run.new_records} new", file=sys.stderr)
    begun = {crawler.spidercls.name for crawler in crawlers}
    for portal in portals:
        if portal.name not in begun:  # the crawl was stopped before it came to this one
            failed += 1
            print(f"{portal.name}: not run", file=sys.stderr)
    return 1 if failed else 0


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
    portal = find_portal(selected_portals(args), args.name)
    return check_portal(portal, scrapy_settings(args), args.articles, sys.stdout)


def register(commands: Commands) -> None:
    p = commands.add("crawl", cmd_crawl)
    p.add_argument("names", nargs="*", metavar="NAME", help="portals to crawl (default: all)")
    p.add_argument(
        "--full",
        action="store_true",
        help="walk every list page (stored articles are still not fetched again)",
    )
    portal = commands.group("portal", help="inspect portals")
    portal.add("list", cmd_portal_list)
    p = portal.add("check", cmd_portal_check)
    p.add_argument("name", nargs="?", metavar="NAME", help="the portal to check")
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
