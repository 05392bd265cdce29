"""The ``govwatch`` command: crawl, export, portal, demo, run, status, alerts (``--help``).

Each command imports what it needs when it runs: ``export`` starts without Scrapy, pydantic,
YAML, Alembic or the scheduler (docs/performance.md).
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from crawler.exceptions import GovwatchError

if TYPE_CHECKING:
    from crawler.portals import Portal
    from scheduler.config import AlertsConfig, Settings

logger = logging.getLogger(__name__)

DEFAULT_DB = "sqlite:///govwatch.db"
DEFAULT_PORTALS = "portals.yaml"
DEFAULT_ALERTS = "alerts.yaml"
# exported datetimes are in the contract's zone (crawler.extract.dates.SHANGHAI, the same
# object: ZoneInfo caches), named here so export does not import extraction's patterns
SHANGHAI = ZoneInfo("Asia/Shanghai")


# -- common options --------------------------------------------------------------


def db_url(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("GOVWATCH_DB") or DEFAULT_DB)


def portals_path(args: argparse.Namespace) -> Path:
    return Path(args.portals or os.environ.get("GOVWATCH_PORTALS") or DEFAULT_PORTALS)


def selected_portals(args: argparse.Namespace, names: Sequence[str] = ()) -> list[Portal]:
    from crawler.portals import find_portal, load_portals

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
    crawlers = crawl(portals, scrapy_settings(args, GOVWATCH_FULL=args.full or None))
    # a spider that could not even start (its database unavailable, say) recorded no run
    not_started = {c.spidercls.name for c in crawlers if c.spider is None}
    repo = Repository.open(db_url(args))
    failed = 0
    for portal in portals:
        if portal.name in not_started:
            failed += 1
            print(f"{portal.name}: not started (see the error above)", file=sys.stderr)
            continue
        run = repo.last_run(portal.name)
        status = run.status if run else "not run"
        failed += status not in ("finished", "partial")
        new = run.new_records if run else 0
        print(f"{portal.name}: {status}, {new} new", file=sys.stderr)
    return 1 if failed else 0


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_records(records: Any, fmt: str, out: TextIO) -> int:
    from storage import EXPORT_FIELDS

    # json.dumps(value, ensure_ascii=False), without building an encoder for every value
    encode = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for record in records:
        # only dates and datetimes change; every other value is written as it is
        row = {k: _json_value(v) if isinstance(v, date) else v for k, v in record.items()}
        if writer:
            writer.writerow({k: encode(v) if isinstance(v, list) else v for k, v in row.items()})
        else:
            out.write(encode(row) + "\n")
        count += 1
    return count


def cmd_export(args: argparse.Namespace) -> int:
    """Write stored records to stdout as JSON lines or CSV."""
    from storage import Repository

    repo = Repository.open(db_url(args))
    # what is loaded by now (SQLAlchemy, the driver, the schema) lives until the process
    # exits: frozen, the cyclic collector does not walk it again, as it did for ~0.1 s of
    # the interpreter's exit (docs/performance.md)
    gc.freeze()
    try:
        records = repo.export(
            portal=args.portal, meetings_only=args.meetings_only, since=args.since
        )
        count = write_records(records, args.format, sys.stdout)
    finally:
        repo.close()
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
    from crawler.portals import find_portal

    portal = find_portal(selected_portals(args), args.name)
    return check_portal(portal, scrapy_settings(args), args.articles, sys.stdout)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole loop offline against a bundled demo portal on 127.0.0.1."""
    from crawler.demo.run import run_demo

    return run_demo(Path(args.workdir), args.db, sys.stdout)


# -- the daemon and alerts (scheduler/) ---------------------------------------------


def alerts_path(args: argparse.Namespace) -> tuple[Path, bool]:
    """The alert file, and whether it was named (--alerts, GOVWATCH_ALERTS) or defaulted."""
    named = args.alerts or os.environ.get("GOVWATCH_ALERTS")
    return Path(named or DEFAULT_ALERTS), bool(named)


def load_alerts(path: Path) -> AlertsConfig:
    """The alert file, validated like the portal file: errors name file, entry and field."""
    from crawler.configfile import entry_label, read_yaml, unique_names, validate_entry
    from crawler.exceptions import ConfigError
    from scheduler.config import AlertsConfig, Subscription

    data = read_yaml(path)
    if data is None:
        return AlertsConfig()
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping (smtp, admin, subscriptions), got {type(data).__name__}"
        )
    entries = data.get("subscriptions") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: field 'subscriptions': expected a list of subscriptions")
    subscriptions = [
        validate_entry(Subscription, path, entry_label(i, entry), entry)
        for i, entry in enumerate(entries)
    ]
    unique_names(path, [s.name for s in subscriptions], "subscription")
    top = validate_entry(AlertsConfig, path, "top level", {**data, "subscriptions": []})
    return top.model_copy(update={"subscriptions": subscriptions})


def alerts_config(args: argparse.Namespace) -> AlertsConfig:
    """The alert file's configuration; none at the default path means no alerts."""
    from scheduler.config import AlertsConfig

    path, named = alerts_path(args)
    if not named and not path.exists():
        logger.info("no %s: no subscriptions, no admin", path)
        return AlertsConfig()
    return load_alerts(path)


def scheduler_settings() -> Settings:
    from scheduler.config import Settings

    return Settings.from_env(os.environ)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the daemon: schedule every portal, crawl, send alerts, until stopped."""
    from crawler.portals import load_portals
    from scheduler.daemon import Daemon
    from storage import Repository

    settings = scheduler_settings()
    portals = portals_path(args).resolve()
    crawl = [sys.executable, "-m", "crawler.cli", "--portals", str(portals)]
    if args.verbose or args.quiet:
        crawl.append("--verbose" if args.verbose else "--quiet")
    repo = Repository.open(db_url(args))
    try:
        daemon = Daemon(
            settings,
            repo,
            load_portals=lambda: load_portals(portals),
            load_alerts=lambda: alerts_config(args),
            crawl_command=lambda name: [*crawl, "crawl", name],
            watched=[portals, alerts_path(args)[0].resolve()],
            # crawls get the database URL in their environment: a password stays out of `ps`
            env={**os.environ, "GOVWATCH_DB": db_url(args)},
        )
        return daemon.run()
    finally:
        repo.close()


def _local(value: datetime | None, settings: Settings) -> str:
    return value.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M") if value else ""


def cmd_status(args: argparse.Namespace) -> int:
    """Show each portal's health, last and next run, last new meeting, and the outbox."""
    from crawler.tables import format_table
    from scheduler.status import outbox_status, portal_status
    from storage import Repository

    settings = scheduler_settings()
    portals = selected_portals(args)
    repo = Repository.open(db_url(args))
    try:
        rows = portal_status(repo, portals, settings.zone)
        outbox = outbox_status(repo)
    finally:
        repo.close()
    headers = ("portal", "health", "last run", "next run", "last meeting", "stored", "meetings")
    table = [
        (
            r.name,
            r.health,
            r.last_run,
            _local(r.next_run, settings),
            _local(r.last_meeting, settings),
            r.announcements,
            r.meetings,
        )
        for r in rows
    ]
    print(format_table(headers, table))
    for r in rows:
        if r.problem:
            print(f"\n{r.name}: {r.problem}")
    counts = outbox.messages
    print(
        f"\nalert emails: {counts.get('pending', 0)} pending, {counts.get('failed', 0)} given up, "
        f"{counts.get('sent', 0)} sent; {outbox.unmatched} new announcements not matched yet; "
        f"{sum(outbox.waiting.values())} waiting for a digest"
    )
    return 0


def cmd_alerts_test(args: argparse.Namespace) -> int:
    """Send a test email to ADDRESS with the SMTP settings of alerts.yaml."""
    from scheduler.config import check_address
    from scheduler.daemon import make_mailer
    from scheduler.emails import test_message

    settings = scheduler_settings()
    alerts = alerts_config(args)
    mailer = make_mailer(alerts, settings, os.environ)
    if mailer is None:
        raise GovwatchError(f"{alerts_path(args)[0]}: no smtp section, so no mail can be sent")
    try:
        address = check_address(args.address)
    except ValueError as exc:
        raise GovwatchError(str(exc)) from None
    sender = alerts.smtp.sender if alerts.smtp else "govwatch@govwatch.invalid"
    message = test_message(address, sender, sender.rsplit("@", 1)[1], datetime.now(UTC))
    with mailer.connect() as connection:
        connection.send(message)
    print(f"test email sent to {address} via {mailer.describe()}")
    return 0


def cmd_alerts_pending(args: argparse.Namespace) -> int:
    """List alert emails not sent yet, and those given up, with their last error."""
    from crawler.tables import format_table
    from scheduler.status import outbox_status
    from storage import Repository

    settings = scheduler_settings()
    repo = Repository.open(db_url(args))
    try:
        messages = repo.messages()
        outbox = outbox_status(repo)
    finally:
        repo.close()
    rows = [
        (
            m.id,
            "given up" if m.status == "failed" else m.status,
            ", ".join(m.recipients),
            m.attempts,
            _local(m.queued_at, settings),
            _local(m.next_attempt_at, settings) if m.status == "pending" else "",
            m.last_error or "",
            m.subject,
        )
        for m in messages
    ]
    headers = ("id", "status", "to", "attempts", "queued", "next try", "last error", "subject")
    if rows:
        print(format_table(headers, rows, limit=60))
    else:
        print("no alert email is waiting")
    if outbox.unmatched or outbox.waiting:
        waiting = ", ".join(f"{name}: {n}" for name, n in sorted(outbox.waiting.items()))
        print(
            f"{outbox.unmatched} new announcements not matched yet; "
            f"waiting for a digest: {waiting or 'none'}"
        )
    return 0


def cmd_alerts_resend(args: argparse.Namespace) -> int:
    """Queue alert email ID again (a given-up or a sent one); the daemon sends it."""
    from storage import Repository

    settings = scheduler_settings()
    repo = Repository.open(db_url(args))
    try:
        message = repo.requeue(args.id, datetime.now(UTC))
    finally:
        repo.close()
    if message is None:
        raise GovwatchError(f"no alert email #{args.id} (see `govwatch alerts pending`)")
    print(
        f"email #{message.id} to {', '.join(message.recipients)} queued again: "
        f"a running daemon sends it within {settings.send_interval:g}s"
    )
    return 0


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

    add("run", cmd_run)
    add("status", cmd_status)
    alerts = sub.add_parser(
        "alerts",
        help="alert emails: test, pending, resend",
        description="Alert emails.",
        parents=[common],
    )
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="COMMAND")
    for name, func in (
        ("test", cmd_alerts_test),
        ("pending", cmd_alerts_pending),
        ("resend", cmd_alerts_resend),
    ):
        help_text = (func.__doc__ or "").strip()
        p = alerts_sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.set_defaults(func=func)
        if name == "test":
            p.add_argument("address", metavar="ADDRESS", help="where to send the test email")
        elif name == "resend":
            p.add_argument("id", type=int, metavar="ID", help="the email's id (alerts pending)")
    return parser


class _LibraryNoise(logging.Filter):
    """Scrapy's and Alembic's info lines (middleware lists, stats dumps) only with --verbose."""

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.startswith(
            ("scrapy", "alembic", "twisted", "py.warnings", "apscheduler")
        )
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


def _raised(exc: Exception, module: str, name: str) -> bool:
    """Whether ``exc`` is a ``module.name``, without importing ``module``: nothing can have
    raised one when nothing imported it (storage and scheduler are imported by the commands
    that use them)."""
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


if __name__ == "__main__":
    sys.exit(main())
