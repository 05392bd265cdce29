"""What every command shares: the common options, the files and database they name, logging."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import settings
from crawler.exceptions import ConfigError

if TYPE_CHECKING:
    from scrapy.settings import Settings as ScrapySettings

    from crawler.configfiles.portals import Portal
    from scheduler.alerts_file import AlertsConfig
    from scheduler.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_ALERTS = "alerts.yaml"

Command = Callable[[argparse.Namespace], int]


def db_url(args: argparse.Namespace, create: bool = False) -> str:
    """The database URL of --db, GOVWATCH_DB or the default. A malformed or unsupported one,
    a file that is no database, or (unless ``create``: crawl, run, demo) a SQLite file that
    does not exist is a user error (exit code 2), said as what to do, not a traceback."""
    from storage import not_sqlite, sqlite_file, url_problem

    url = str(args.db or os.environ.get("GOVWATCH_DB") or settings.GOVWATCH_DB)
    problem = url_problem(url)
    if problem:
        raise ConfigError(f"--db / GOVWATCH_DB: {problem}")
    path = sqlite_file(url)
    if path is None:
        return url
    if path.is_dir() or not_sqlite(path):
        raise ConfigError(f"--db / GOVWATCH_DB: {path} is not a SQLite database")
    if not create and not path.exists():
        raise ConfigError(f"--db / GOVWATCH_DB: no database at {path}; {_databases_here(path)}")
    return url


def _databases_here(missing: Path) -> str:
    """Where the existing databases are, for a mistyped path: *.db beside the one named."""
    from storage import not_sqlite

    found = sorted(p for p in missing.parent.glob("*.db") if p.is_file() and not not_sqlite(p))
    if not found:
        return "`govwatch crawl` creates one (this command does not create an empty one)"
    names = ", ".join(f"sqlite:///{p}" for p in found[:5])
    return f"did you mean {names}? (this command does not create an empty one)"


def known_portal(names: list[str], name: str, option: str = "") -> None:
    """``name`` is among the stored portals; else a user error naming those there are."""
    from crawler.exceptions import UnknownPortal

    if name not in names:
        known = ", ".join(names) if names else "none yet (run govwatch crawl)"
        raise UnknownPortal(f"{option}{name}: no such portal in the database; known: {known}")


def portals_path(args: argparse.Namespace) -> Path:
    return Path(args.portals or os.environ.get("GOVWATCH_PORTALS") or settings.GOVWATCH_PORTALS)


def selected_portals(args: argparse.Namespace, names: Sequence[str] = ()) -> list[Portal]:
    from crawler.configfiles.portals import find_portal, load_portals

    portals = load_portals(portals_path(args))
    if not names:
        return portals
    return [find_portal(portals, name) for name in names]


def scrapy_settings(args: argparse.Namespace, **extra: Any) -> ScrapySettings:
    from crawler.crawl.process import project_settings

    return project_settings(
        GOVWATCH_DB=db_url(args, create=True),
        GOVWATCH_PORTALS=str(portals_path(args)),
        LOG_LEVEL="DEBUG" if args.verbose else ("WARNING" if args.quiet else "INFO"),
        **extra,
    )


def alerts_path(args: argparse.Namespace) -> tuple[Path, bool]:
    """The alert file, and whether it was named (--alerts, GOVWATCH_ALERTS) or defaulted."""
    named = args.alerts or os.environ.get("GOVWATCH_ALERTS")
    return Path(named or DEFAULT_ALERTS), bool(named)


def alerts_config(args: argparse.Namespace) -> AlertsConfig:
    """The alert file's configuration; none at the default path means no alerts."""
    from crawler.configfiles.alerts import load_alerts
    from scheduler.alerts_file import AlertsConfig

    path, named = alerts_path(args)
    if not named and not path.exists():
        logger.info("no %s: no subscriptions, no admin", path)
        return AlertsConfig()
    return load_alerts(path)


def scheduler_settings() -> Settings:
    from scheduler.settings import Settings

    return Settings.from_env(os.environ)


def local_time(value: datetime | None, settings: Settings) -> str:
    """A stored time as a person reads it: the display zone, to the minute (a table's legend
    names the zone: scheduler.times.legend)."""
    from scheduler.times import local

    return local(value, settings.zone)


def shown_time(value: datetime) -> str:
    """A time on its own line, in the display zone (GOVWATCH_TIMEZONE) and labelled."""
    from scheduler.settings import display_zone
    from scheduler.times import zoned

    return zoned(value, display_zone(os.environ))


# -- the parser ------------------------------------------------------------------------


def common_options(top: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name."""
    # after the command, an option left out must not erase one given before it
    unset: Any = None if top else argparse.SUPPRESS
    flag: Any = False if top else argparse.SUPPRESS
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--portals",
        metavar="PATH",
        default=unset,
        help="portal file, directory of them or glob (default: $GOVWATCH_PORTALS or portals.yaml)",
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
        help=f"database URL (default: $GOVWATCH_DB or {settings.GOVWATCH_DB})",
    )
    common.add_argument(
        "--log-file",
        metavar="PATH",
        default=unset,
        help="also log to PATH, reopened when logrotate moves it (default: stderr only)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=flag, help="log debug messages"
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=flag, help="log warnings and errors only"
    )
    return common


class Commands:
    """One level of subcommands; every command is added the same way, its help from the
    first line of its function's docstring."""

    def __init__(self, parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
        self.sub = parser.add_subparsers(required=True, metavar="COMMAND")
        self.common = common

    def add(
        self, name: str, func: Command | None = None, help: str = ""
    ) -> argparse.ArgumentParser:
        text = help or (func.__doc__ or "").strip().split("\n", 1)[0]
        parser = self.sub.add_parser(name, help=text, description=text, parents=[self.common])
        if func is not None:
            parser.set_defaults(func=func)
        return parser

    def group(self, name: str, help: str) -> Commands:
        """A command with subcommands of its own (``portal list``, ``alerts test``)."""
        return Commands(self.add(name, help=help), self.common)


# -- logging -----------------------------------------------------------------------


class _LibraryNoise(logging.Filter):
    """Scrapy's and Alembic's info lines (middleware lists, stats dumps) and their
    tracebacks (a refused connection is one line, not fifty) only with --verbose."""

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.startswith(
            ("scrapy", "alembic", "twisted", "py.warnings", "apscheduler")
        )
        if library and record.exc_info:
            record.exc_info = record.exc_text = None
        return not library or record.levelno >= logging.WARNING


def setup_logging(verbose: bool, quiet: bool, log_file: str | None = None) -> None:
    """Log to stderr and, with ``log_file``, to that file too. The file's handler is a
    WatchedFileHandler: logrotate renames the file and govwatch opens a new one (no
    copytruncate, no signal); several processes (the daemon's crawls) may share it."""
    import logging.handlers

    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file:
        try:
            handlers.append(logging.handlers.WatchedFileHandler(log_file, encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"--log-file {log_file}: cannot open: {exc.strerror}") from None
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
        if not verbose:
            handler.addFilter(_LibraryNoise())
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
