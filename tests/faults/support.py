"""What the crash and storage fault tests share: a crawl process, the store's integrity, a sender."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle
from scheduler.alerts_file import AlertsConfig
from scheduler.delivery import Delivery, SendReport
from scheduler.mailer import SmtpMailer
from scheduler.settings import Settings
from storage import AlertEvent, Announcement, AnnouncementBand, Repository, connect
from tests.support.alerts import meeting, notice, subscribed_long_ago
from tests.support.portal import ROOT, portal_entry, serve, write_portals
from tests.support.smtp import SmtpServer

STYLE = SiteStyle(per_page=5)  # a few list pages: an incremental walk could stop early
LIST = "/xwzx/zwdt/index.html"


def publish(site: PortalSite, meetings: int, notices: int = 0, first: int = 100) -> list[str]:
    """``meetings`` distinct meeting reports and ``notices`` non-meetings on ``site``; their URLs."""
    articles: list[SiteArticle] = [
        meeting(f"m{first + i}", first + i, day=1 + i % 20) for i in range(meetings)
    ]
    articles += [notice(f"n{first + i}", first + i) for i in range(notices)]
    serve(site, STYLE, articles)
    return [site.url(f"{STYLE.root}{a.slug}.html") for a in articles]


def portals_file(site: PortalSite, path: Path, **settings: Any) -> Path:
    """One portal, ``weibin``, whose every stored record is queued for alerts (no baseline)."""
    entry = portal_entry(
        "weibin",
        site.url(LIST),
        title="渭滨区人民政府",
        alert_on_first_crawl=True,
        settings={"RETRY_TIMES": 0, **settings},
    )
    return write_portals(path, [entry])


def run(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    module: str = "crawler.cli",
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` in its own process, as the daemon runs crawls."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        check=False,
    )


def crawl_args(portals: Path, db: str) -> list[str]:
    return ["crawl", "--portals", str(portals), "--db", db]


@dataclass(frozen=True)
class Stored:
    urls: list[str]  # every stored announcement's URL, duplicates included
    originals: int  # announcements that are no copy of another
    events: Counter[int]  # alert events per announcement id
    half_written: list[str]  # URLs of records missing a part written with them

    @property
    def unique(self) -> set[str]:
        return set(self.urls)


def stored(db: str) -> Stored:
    """What ``db`` holds. A record is half written when its title or body is empty, when it
    has no alert event although it is an original (every test portal queues alerts), or when
    its near-duplicate band keys are missing although its body is long enough to have some."""
    repo = Repository.open(db)
    try:
        with repo.session() as session:
            rows = session.execute(
                select(
                    Announcement.id,
                    Announcement.url,
                    Announcement.title,
                    Announcement.body,
                    Announcement.duplicate_of,
                    Announcement.fingerprint,
                )
            ).all()
            events = Counter(session.scalars(select(AlertEvent.announcement_id)))
            banded = set(
                session.scalars(
                    select(AnnouncementBand.announcement_id).group_by(
                        AnnouncementBand.announcement_id
                    )
                )
            )
            count = session.scalar(select(func.count(Announcement.id))) or 0
    finally:
        repo.close()
    assert count == len(rows)
    half = [
        row.url
        for row in rows
        if not row.title
        or not row.body
        or (row.duplicate_of is None and events[row.id] != 1)
        or (row.fingerprint is not None and row.id not in banded)
    ]
    originals = sum(row.duplicate_of is None for row in rows)
    return Stored([row.url for row in rows], originals, events, half)


def send_alerts(db: str, smtp: SmtpServer) -> SendReport:
    """One sender run (match, then send what is due) against ``smtp``, as the daemon does."""
    alerts = AlertsConfig.model_validate(
        {"smtp": smtp.smtp_config(), "subscriptions": [{"name": "desk", "to": "a@example.org"}]}
    )
    assert alerts.smtp is not None
    repo = Repository.open(db)
    subscribed_long_ago(repo, alerts)
    try:
        delivery = Delivery(
            repo,
            Settings(),
            alerts,
            SmtpMailer(alerts.smtp, None),
            lambda: datetime.now(UTC),
        )
        return delivery.run()
    finally:
        repo.close()


class Crawl:
    """A ``govwatch crawl`` process running in the background; its log goes to a file."""

    def __init__(
        self,
        args: Sequence[str],
        log: Path,
        env: Mapping[str, str] | None = None,
        module: str = "crawler.cli",
    ):
        self.log_path = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float = 120) -> int:
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        if self.running():
            self.process.kill()
            self.process.wait()


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {timeout}s")


def count(db: str) -> int:
    """Announcements in ``db``, 0 before it has any table; cheap enough to poll."""
    engine = connect(db)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count(Announcement.id))) or 0
    except DBAPIError:
        return 0
    finally:
        engine.dispose()


def slow_articles(site: PortalSite, seconds: float) -> None:
    """Every article answers after ``seconds``: the crawl lasts long enough to be disturbed."""

    def handler(path: str, headers: dict[str, str]) -> None:
        if path.startswith(STYLE.root) and "index" not in path:
            time.sleep(seconds)

    site.handlers.append(handler)


class WriteLock:
    """Another process's write transaction on a SQLite database (BEGIN IMMEDIATE)."""

    def __init__(self, db: str) -> None:
        path = make_url(db).database
        assert path
        self.connection = sqlite3.connect(path, isolation_level=None)

    def __enter__(self) -> WriteLock:
        self.connection.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()
