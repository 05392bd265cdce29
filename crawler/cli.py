"""The ``govwatch`` command: crawl, export, portal list/check, demo (see ``govwatch --help``)."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from crawler.exceptions import GovwatchError
from crawler.portals import Portal, find_portal, load_portals
from storage.exceptions import StorageError

logger = logging.getLogger(__name__)

DEFAULT_DB = "sqlite:///govwatch.db"
DEFAULT_PORTALS = "portals.yaml"


# -- common options --------------------------------------------------------------


def db_url(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("GOVWATCH_DB") or DEFAULT_DB)


def portals_path(args: argparse.Namespace) -> Path:
    return Path(args.portals or os.environ.get("GOVWATCH_PORTALS") or DEFAULT_PORTALS)


def selected_portals(args: argparse.Namespace, names: Sequence[str] = ()) -> list[Portal]:
    portals = load_portals(portals_path(args))
    if not names:
        return portals
    return [find_portal(portals, name) for name in names]


def scrapy_settings(args: argparse.Namespace, **extra: Any) -> Any:
    from crawler.crawling import project_settings

    return project_settings(
        GOVWATCH_DB=db_url(args),
        GOVWATCH_PORTALS=str(portals_path(args)),
        LOG_LEVEL="DEBUG" if args.verbose else ("WARNING" if args.quiet else "INFO"),
        **extra,
    )


# -- commands ----------------------------------------------------------------------


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl the named portals (all by default) once."""
    from crawler.crawling import crawl
    from storage import Repository

    portals = selected_portals(args, args.names)
    if not portals:
        print(f"no portals in {portals_path(args)}", file=sys.stderr)
        return 0
    crawl(portals, scrapy_settings(args, GOVWATCH_FULL=args.full or None))
    repo = Repository.open(db_url(args))
    failed = 0
    for portal in portals:
        run = repo.last_run(portal.name)
        status = run.status if run else "not run"
        failed += status not in ("finished", "partial")
        new = run.new_records if run else 0
        print(f"{portal.name}: {status}, {new} new", file=sys.stderr)
    return 1 if failed else 0


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        from crawler.extract.dates import SHANGHAI

        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_records(records: Any, fmt: str, out: TextIO) -> int:
    from storage.repository import EXPORT_FIELDS

    count = 0
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for record in records:
        row = {key: _json_value(value) for key, value in record.items()}
        if writer:
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                    for k, v in row.items()
                }
            )
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def cmd_export(args: argparse.Namespace) -> int:
    """Write stored records to stdout as JSON lines or CSV."""
    from storage import Repository

    repo = Repository.open(db_url(args))
    records = repo.export(portal=args.portal, meetings_only=args.meetings_only, since=args.since)
    count = write_records(records, args.format, sys.stdout)
    print(f"{count} records", file=sys.stderr)
    return 0


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
    from crawler.check import check_portal

    portal = find_portal(selected_portals(args), args.name)
    return check_portal(portal, scrapy_settings(args), args.articles, sys.stdout)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole loop offline against a bundled demo portal on 127.0.0.1."""
    from crawler.demo.run import run_demo

    return run_demo(Path(args.workdir), args.db, sys.stdout)


# -- parser --------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def common_options(top: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name."""
    # after the command, an option left out must not erase one given before it
    unset: Any = None if top else argparse.SUPPRESS
    flag: Any = False if top else argparse.SUPPRESS
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--portals",
        metavar="FILE",
        default=unset,
        help="portal file (default: $GOVWATCH_PORTALS or portals.yaml)",
    )
    common.add_argument(
        "--alerts",
        metavar="FILE",
        default=unset,
        help="alert file (default: $GOVWATCH_ALERTS or alerts.yaml)",
    )
    common.add_argument(
        "--db",
        metavar="URL",
        default=unset,
        help="database URL (default: $GOVWATCH_DB or sqlite:///govwatch.db)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=flag, help="log debug messages"
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=flag, help="log warnings and errors only"
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options(top=False)
    parser = argparse.ArgumentParser(
        prog="govwatch",
        description="Watch government portals for new meeting announcements.",
        parents=[common_options(top=True)],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], **kw: Any
    ) -> argparse.ArgumentParser:
        help_text = (func.__doc__ or "").strip().splitlines()[0]
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common], **kw)
        p.set_defaults(func=func)
        return p

    p = add("crawl", cmd_crawl)
    p.add_argument("names", nargs="*", metavar="NAME", help="portals to crawl (default: all)")
    p.add_argument(
        "--full",
        action="store_true",
        help="walk every list page (stored articles are still not fetched again)",
    )

    p = add("export", cmd_export)
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="output format")
    p.add_argument("--portal", metavar="NAME", help="only this portal")
    p.add_argument("--meetings-only", action="store_true", help="only meeting announcements")
    p.add_argument(
        "--since",
        type=_date,
        metavar="DATE",
        help="only records first seen on or after DATE (YYYY-MM-DD)",
    )

    portal = sub.add_parser(
        "portal", help="inspect portals", description="Inspect portals.", parents=[common]
    )
    portal_sub = portal.add_subparsers(dest="portal_command", required=True, metavar="COMMAND")
    p = portal_sub.add_parser(
        "list", help=cmd_portal_list.__doc__, description=cmd_portal_list.__doc__, parents=[common]
    )
    p.set_defaults(func=cmd_portal_list)
    p = portal_sub.add_parser(
        "check",
        help=cmd_portal_check.__doc__,
        description=cmd_portal_check.__doc__,
        parents=[common],
    )
    p.set_defaults(func=cmd_portal_check)
    p.add_argument("name", metavar="NAME", help="the portal to check")
    p.add_argument(
        "--articles",
        type=int,
        default=3,
        metavar="N",
        help="articles to fetch and extract (default: 3)",
    )

    p = add("demo", cmd_demo)
    p.add_argument(
        "--workdir",
        default="govwatch-demo",
        metavar="DIR",
        help="where the demo writes its portal file and database (default: govwatch-demo)",
    )
    return parser


class _LibraryNoise(logging.Filter):
    """Scrapy's and Alembic's info lines (middleware lists, stats dumps) only with --verbose."""

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.startswith(("scrapy", "alembic", "twisted", "py.warnings"))
        return not library or record.levelno >= logging.WARNING


def setup_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    if not verbose:
        handler.addFilter(_LibraryNoise())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except GovwatchError as exc:
        print(f"govwatch: {exc}", file=sys.stderr)
        return exc.exit_code
    except StorageError as exc:
        print(f"govwatch: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
