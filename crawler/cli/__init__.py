"""The ``govwatch`` command: one module per command group, each adding its parsers.

Each command imports what it needs when it runs, so ``export`` or ``--help`` starts without
Scrapy or the scheduler.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from crawler.cli import alerts, crawl, daemon, db, demo, export, reanalyse, record, serve
from crawler.cli.common import Commands, common_options, setup_logging
from crawler.exceptions import GovwatchError

# in the order `govwatch --help` lists them
COMMAND_GROUPS = (crawl, export, record, reanalyse, demo, daemon, serve, alerts, db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govwatch",
        description="Watch government portals for new meeting announcements.",
        parents=[common_options(top=True)],
    )
    commands = Commands(parser, common_options(top=False))
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def _raised(exc: Exception, module: str, name: str) -> bool:
    """Whether ``exc`` is a ``module.name``, without importing ``module``: nothing can have
    raised one when nothing imported it."""
    imported = sys.modules.get(module)
    return imported is not None and isinstance(exc, getattr(imported, name))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except GovwatchError as exc:
        print(f"govwatch: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if _raised(exc, "storage.exceptions", "StorageError"):
            print(f"govwatch: {exc}", file=sys.stderr)
            return 1
        if _raised(exc, "scheduler.exceptions", "SchedulerError"):
            print(f"govwatch: {exc}", file=sys.stderr)
            return int(getattr(exc, "exit_code", 1))
        raise
