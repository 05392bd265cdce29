"""Hostile portals and secrets: markup arrives inert, scripts never run, escape sequences never
reach a terminal, the SMTP password never reaches a log or `govwatch status`."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle
from storage import Repository
from tests.faults.support import (
    LIST,
    STYLE,
    crawl_args,
    portals_file,
    run,
    send_alerts,
    wait_until,
)
from tests.support.alerts import meeting, write_alerts
from tests.support.portal import ROOT, last_run, portal_entry, serve, write_portals
from tests.support.smtp import SmtpServer

HOSTILE_TITLE = "<script>alert(1)</script><img src=x onerror=alert(2)>渭滨区召开第7次政府常务会议"
# what an email may contain: the layout of scheduler.emails, nothing else
EMAIL_TAGS = {"html", "head", "meta", "body", "h2", "h3", "table", "tr", "th", "td", "p", "hr"}
EMAIL_TAGS |= {"a", "ul", "li", "b", "br"}
PASSWORD = "smtp-pw-5b2d7a-never-shown"


class Markup(HTMLParser):
    """Tags, attributes and text of an HTML part."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def test_a_hostile_article_is_stored_as_text_mailed_inert_and_never_executed(
    site: PortalSite, tmp_path: Path, sqlite_url: str, smtp: SmtpServer
):
    written = tmp_path / "written-by-a-script"
    hostile = SiteArticle(**{**meeting("x7", 7).__dict__, "title": HOSTILE_TITLE})
    serve(site, STYLE, [hostile, meeting("m8", 8)])
    path = f"{STYLE.root}x7.html"
    script = (  # writes a file under Node, fetches under any browser, imports os under Python
        f"<script>try{{require('fs').writeFileSync('{written}','node')}}catch(e){{}}"
        "fetch('/ran?fetch');document.write('<img src=/ran?write>');"
        f"__import__('os').system('touch {written}')</script>"
        "<img src=/ran?img onerror=\"fetch('/ran?onerror')\">"
        "<iframe src=/ran?iframe></iframe><object data=/ran?object></object>"
    )
    page = site.pages[path].body.decode().replace('<div id="zoom"', script + '<div id="zoom"')
    site.put(path, page)
    portals = portals_file(site, tmp_path / "portals.yaml")

    crawled = run(crawl_args(portals, sqlite_url))
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    record = next(r for r in Repository.open(sqlite_url).export() if r["url"] == site.url(path))
    assert record["title"] == HOSTILE_TITLE  # kept as the text it is
    assert site.hits_for("/ran") == [] and not written.exists()  # nothing ran it
    run_ = last_run(sqlite_url, "weibin")
    assert run_ is not None and run_.rendering is None  # no browser was involved

    assert send_alerts(sqlite_url, smtp).sent == 2
    email = next(r for r in smtp.mailbox.all() if site.url(path) in r.part("plain"))
    assert HOSTILE_TITLE in email.part("plain")
    html = Markup(email.part("html"))
    assert html.tags <= EMAIL_TAGS
    assert not [name for name, _ in html.attributes if name.startswith("on")]
    links = [value or "" for name, value in html.attributes if name in ("href", "src")]
    assert links and all(link.startswith(("http://", "https://")) for link in links)
    assert HOSTILE_TITLE in "".join(html.text)  # shown, escaped, not dropped
    assert not written.exists()


def test_escape_sequences_from_a_portal_never_reach_the_terminal(site: PortalSite, tmp_path: Path):
    title = "渭滨区召开\x1b]0;owned\x07常务会议\x1b[2J\x9b31m"
    serve(site, STYLE, [SiteArticle(**{**meeting("e1", 1).__dict__, "title": title})])
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("esc", site.url(LIST))])
    checked = run(["portal", "check", "esc", "--portals", str(portals)])
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "常务会议" in checked.stdout
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in checked.stdout and control not in checked.stderr


def secret_forms(user: str, password: str) -> list[str]:
    """The password as it could leak: itself, and as AUTH PLAIN and AUTH LOGIN send it."""
    plain = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    return [password, plain, base64.b64encode(password.encode()).decode()]


def test_the_smtp_password_never_appears_in_logs_or_status(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    server = SmtpServer(login=("govwatch", "the-right-password")).start()
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "GOVWATCH_SMTP_PASSWORD": PASSWORD,  # not the right one: every login fails
        "GOVWATCH_SEND_INTERVAL": "1s",
        "GOVWATCH_RETRY_FIRST": "1s",
    }
    try:
        serve(site, STYLE, [meeting("m1", 1)])
        portals = write_portals(
            tmp_path / "portals.yaml",
            [portal_entry("weibin", site.url(LIST), schedule="6h", alert_on_first_crawl=True)],
        )
        alerts = write_alerts(
            tmp_path / "alerts.yaml",
            server.smtp_config(user="govwatch"),
            [{"name": "desk", "to": "a@example.org"}],
        )
        common = ["-v", "--portals", str(portals), "--alerts", str(alerts), "--db", sqlite_url]
        crawled = run(["crawl", *common[1:]], env)
        assert crawled.returncode == 0, crawled.stderr[-3000:]

        log_path = tmp_path / "daemon.log"
        with log_path.open("wb") as log:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", *common, "run"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        repo = Repository.open(sqlite_url)
        try:
            wait_until(
                lambda: any(m.attempts >= 2 for m in repo.messages()),
                60,
                "two failed sends",
            )
        finally:
            repo.close()
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(60)
        outputs = {"daemon log": log_path.read_text(encoding="utf-8", errors="replace")}
        assert "535" in outputs["daemon log"]  # the failure is logged, with the server's answer
        for command in (["status"], ["alerts", "pending"], ["alerts", "test", "b@example.org"]):
            done = run([*common, *command], env)
            outputs[" ".join(command)] = done.stdout + done.stderr
        assert "535" in outputs["alerts pending"] and "535" in outputs["alerts test b@example.org"]
    finally:
        server.stop()
    assert server.mailbox.all() == []
    for name, text in outputs.items():
        for form in secret_forms("govwatch", PASSWORD):
            assert form not in text, f"the SMTP password ({form}) in {name}"
