"""``govwatch demo``: crawl the bundled portal, show its meetings, publish one more, re-crawl."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import yaml

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle, build_site
from crawler.exceptions import GovwatchError
from crawler.tables import format_table
from storage import Filters, Repository


def load_articles() -> tuple[SiteStyle, list[SiteArticle], list[SiteArticle]]:
    """The demo site's style, the articles it starts with, and those published later."""
    data = yaml.safe_load(
        resources.files("crawler.demo").joinpath("articles.yaml").read_text("utf-8")
    )
    style = SiteStyle(**data["site"])
    now: list[SiteArticle] = []
    later: list[SiteArticle] = []
    for entry in data["articles"]:
        is_later = entry.pop("later", False)
        article = SiteArticle(**{**entry, "paragraphs": tuple(entry["paragraphs"])})
        (later if is_later else now).append(article)
    return style, now, later


def publish(site: PortalSite, style: SiteStyle, articles: list[SiteArticle]) -> None:
    for path, page in build_site(style, articles).items():
        site.put(path, page)


def crawl(portals: Path, db: str) -> None:
    """One crawl in its own process, as the daemon runs them."""
    command = [
        sys.executable,
        "-m",
        "crawler.cli",
        "--quiet",
        "crawl",
        "--portals",
        str(portals),
        "--db",
        db,
    ]
    code = subprocess.run(command).returncode
    if code != 0:
        raise GovwatchError(f"the demo crawl failed (exit code {code}); see its log above")


def meetings_table(records: list[dict[str, Any]]) -> str:
    rows = [
        (
            r["meeting_date"],
            r["title"],
            r["presider"] or "",
            "duplicate" if r["duplicate_of"] else "",
        )
        for r in records
    ]
    return format_table(("meeting date", "title", "presided by", ""), rows)


ALERTS = {
    "admin": "ops@example.org",
    "subscriptions": [
        {"name": "demo-desk", "to": ["analyst@example.org"], "portals": ["demo"],
         "meetings_only": True, "mode": "instant"},
    ],
}  # fmt: skip


class PrintedMail:
    """A mailer for the demo: keeps what would be sent, to print it."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def describe(self) -> str:
        return "the demo's screen"

    @contextmanager
    def connect(self) -> Iterator[PrintedMail]:
        yield self

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def send_alerts(repo: Repository, alerts: Path) -> list[EmailMessage]:
    """One run of the daemon's sender: match new meetings, render and "send" their emails."""
    from crawler.configfiles.alerts import load_alerts
    from scheduler.delivery import Delivery
    from scheduler.settings import Settings

    mail = PrintedMail()
    Delivery(repo, Settings.from_env({}), load_alerts(alerts), mail).run()
    return mail.sent


def show_email(message: EmailMessage, out: TextIO) -> None:
    print(f"  To: {message['To']}\n  Subject: {message['Subject']}", file=out)
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    for line in text.strip().splitlines()[:12]:
        print(f"  | {line}", file=out)


def run_demo(workdir: Path, db: str | None, out: TextIO) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    if db is None:
        (workdir / "govwatch.db").unlink(missing_ok=True)  # every demo starts from nothing
        db = f"sqlite:///{workdir / 'govwatch.db'}"
    style, articles, later = load_articles()
    with PortalSite() as site:
        publish(site, style, articles)
        portals = workdir / "portals.yaml"
        entry = {
            "name": "demo",
            "title": style.title,
            "region": "陕西省宝鸡市渭滨区",
            "start_urls": [site.url(style.root + "index.html")],
            "schedule": "1m",
            # a local server: no need to be as gentle as with a real portal
            "settings": {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False},
        }
        portals.write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
        alerts = workdir / "alerts.yaml"
        alerts.write_text(yaml.safe_dump(ALERTS, allow_unicode=True), encoding="utf-8")
        print(f"demo portal at {site.base_url}{style.root}index.html", file=out)
        print(f"portal file {portals}, alert file {alerts}, database {db}\n", file=out)

        crawl(portals, db)
        repo = Repository.open(db)
        stored = list(repo.export(Filters(portal="demo")))
        meetings = [r for r in stored if r["is_meeting"]]
        print(
            f"first crawl (baseline): {len(stored)} announcements, {len(meetings)} meetings",
            file=out,
        )
        print(meetings_table(meetings), file=out)
        baseline = send_alerts(repo, alerts)
        print(
            f"alerts after the baseline: {len(baseline)} (a first crawl alerts nobody)\n", file=out
        )

        publish(site, style, later + articles)
        site.clear_hits()
        print(f"published on the demo portal: {later[0].title}", file=out)
        crawl(portals, db)
        hits = [h for h in site.hits_for() if h.path != "/robots.txt"]
        new = [
            r
            for r in repo.export(Filters(portal="demo"))
            if r["url"] not in {s["url"] for s in stored}
        ]
        print(
            f"incremental crawl: {len(hits)} requests "
            f"({', '.join(f'{h.path} {h.status}' for h in hits)}), {len(new)} new",
            file=out,
        )
        print(meetings_table(new), file=out)
        emails = send_alerts(repo, alerts)
        print(f"\nalerts: {len(emails)} email(s) for subscription demo-desk", file=out)
        for message in emails:
            show_email(message, out)
        repo.close()
    files = f"--db {db} --portals {portals} --alerts {alerts}"
    print(
        "\nnext:\n"
        f"  browse what it found:  govwatch serve {files}\n"
        "  add your own portal:   an entry (name, start_urls) in portals.yaml, then\n"
        "                         govwatch portal check NAME    (see docs/adding-a-portal.md)\n"
        "  crawl it once:         govwatch crawl NAME\n"
        "  watch it:              govwatch run   (the daemon; alerts.yaml for email)",
        file=out,
    )
    return 0
