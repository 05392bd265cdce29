"""The ``govwatch`` command: one module per command group, each adding its parsers.

Each command imports what it needs when it runs, so ``export`` or ``--help`` starts without
Scrapy or the scheduler.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from crawler.cli import (
    alerts,
    crawl,
    daemon,
    db,
    demo,
    export,
    reanalyse,
    record,
    serve,
    worker,
)
from crawler.cli.common import Commands, common_options, setup_logging
from crawler.exceptions import GovwatchError

# in the order `govwatch --help` lists them
COMMAND_GROUPS = (crawl, export, record, reanalyse, demo, daemon, worker, serve, alerts, db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govwatch",
        description="Watch government portals for new meeting announcements.",
        parents=[common_options(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"govwatch {_version()}")
    commands = Commands(parser, common_options(top=False))
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("govwatch")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _closed_pipe() -> int:
    """The reader of stdout went away (``govwatch export | head``): end quietly. Python
    would flush stdout again at exit and complain, so it is pointed at /dev/null first."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


def _raised(exc: Exception, module: str, name: str) -> bool:
    """Whether ``exc`` is a ``module.name``, without importing ``module``: nothing can have
    raised one when nothing imported it."""
    imported = sys.modules.get(module)
    return imported is not None and isinstance(exc, getattr(imported, name))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        setup_logging(args.verbose, args.quiet, args.log_file)
    except GovwatchError as exc:
        print(f"govwatch: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
        return code
    except GovwatchError as exc:
        print(f"govwatch: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _closed_pipe()
    except Exception as exc:
        if _raised(exc, "storage.exceptions", "StorageError"):
            print(f"govwatch: {exc}", file=sys.stderr)
            return 1
        if _raised(exc, "scheduler.exceptions", "SchedulerError"):
            print(f"govwatch: {exc}", file=sys.stderr)
            return int(getattr(exc, "exit_code", 1))
        raise
