"""Re-checks on a mock portal: edits become revisions, gone pages are withdrawn on the
second check, unchanged pages cost one 304 each; snapshots kept; re-analysis is quiet."""

from __future__ import annotations

import dataclasses
import itertools
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle
from storage import Repository, Revision
from tests.support.portal import (
    ROOT,
    crawl,
    govwatch,
    make_articles,
    portal_entry,
    records,
    serve,
    write_portals,
)
from tests.support.web import fetch, running_app
from tests.test_crawl import wait_for

STYLE = SiteStyle(per_page=20, pager="trs")


def recheck(portals: Path, db: str) -> None:
    result = govwatch("crawl", "--recheck", "--portals", str(portals), "--db", db)
    assert result.returncode == 0, result.stderr[-4000:]


def path_of(article: SiteArticle) -> str:
    return f"{STYLE.root}{article.slug}.html"


def edited(article: SiteArticle) -> SiteArticle:
    """The same article with its presiding official renamed and its date corrected."""
    first, second = article.paragraphs
    return dataclasses.replace(
        article,
        paragraphs=(first.replace("3月28日", "3月27日"), second.replace("吴玉新", "李明")),
    )


class Faults:
    """Per-path answers for the mock portal: 404s, redirects home, one 500."""

    def __init__(self, site: PortalSite) -> None:
        self.missing: set[str] = set()
        self.home: set[str] = set()
        self.fail_once: set[str] = set()
        self.lock = threading.Lock()
        site.handlers.append(self.answer)
        self.base = site.base_url

    def answer(
        self, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        with self.lock:
            if path in self.fail_once:
                self.fail_once.discard(path)
                return 500, {"Content-Type": "text/plain"}, b"busy"
        if path in self.missing:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        if path in self.home:
            return 302, {"Location": self.base + "/"}, b""
        return None


@pytest.fixture
def portal(site: PortalSite, tmp_path: Path) -> tuple[PortalSite, Path, list[SiteArticle], str]:
    articles = make_articles(6)
    serve(site, STYLE, articles)
    home = (
        "<html><head><title>首页</title></head><body><h1>首页</h1><p>欢迎访问。</p></body></html>"
    )
    site.put("/", home)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"))]
    )
    db = f"sqlite:///{tmp_path / 'g.db'}"
    crawl(portals, db)
    return site, portals, articles, db


def test_edits_withdrawals_and_outages(
    portal: tuple[PortalSite, Path, list[SiteArticle], str],
) -> None:
    site, portals, articles, db = portal
    faults = Faults(site)
    changed, missing, moved, flaky, blip = (path_of(a) for a in articles[:5])
    serve(site, STYLE, [edited(articles[0]), *articles[1:]])
    faults.missing.update({missing, blip})
    faults.home.add(moved)
    faults.fail_once.add(flaky)
    site.clear_hits()
    recheck(portals, db)

    url = site.url
    first = records(db)
    assert first[url(changed)]["revised_at"] is not None
    assert "李明" in first[url(changed)]["body"]
    assert str(first[url(changed)]["meeting_date"]) == "2023-03-27"
    # once gone is no withdrawal: one outage does not count
    assert all(first[url(p)]["withdrawn_at"] is None for p in (missing, moved, blip, flaky))
    assert first[url(flaky)]["revised_at"] is None
    # the unchanged articles cost one 304 each, no body
    for article in articles[5:]:
        hits = site.hits_for(path_of(article))
        assert [h.status for h in hits] == [304]

    faults.missing.discard(blip)  # back after one outage
    recheck(portals, db)
    second = records(db)
    assert second[url(missing)]["withdrawn_at"] is not None
    assert second[url(moved)]["withdrawn_at"] is not None
    assert second[url(blip)]["withdrawn_at"] is None
    assert second[url(flaky)]["revised_at"] is None

    repo = Repository.open(db)
    try:
        history = repo.revisions(url(changed))
        assert history is not None and [r.kind for r in history] == ["edited"]
        assert set(history[0].changes) == {"body", "meeting_date", "speakers"}
        assert history[0].changes["meeting_date"] == ["2023-03-28", "2023-03-27"]
        assert "李明" in history[0].diff and "吴玉新" in history[0].diff
        assert [r.kind for r in repo.revisions(url(missing)) or []] == ["withdrawn"]
        assert repo.revisions(url(flaky)) == []
        sizes = repo.snapshot_sizes()
        assert sizes["snapshots"] == 7  # six first fetches, the edited page once more
    finally:
        repo.close()

    with running_app(db, portals.parent / "web") as base:
        status, _, page = fetch(f"{base}/a/{history[0].announcement_id}")
    text = page.decode()
    assert status == 200 and "Revision 1: edited" in text
    assert '<td class="before">吴玉新</td><td class="after">李明</td>' in text
    assert '<span class="added">+3月27日上午' in text

    shown = govwatch("record", "history", url(changed), "--db", db)
    assert shown.returncode == 0 and "revision 1: edited" in shown.stdout
    assert "meeting_date" in shown.stdout and "+" in shown.stdout
    exported = [json.loads(line) for line in govwatch("export", "--db", db).stdout.splitlines()]
    assert {"revised_at", "withdrawn_at"} <= set(exported[0])


def test_change_alerts_once_per_revision(
    portal: tuple[PortalSite, Path, list[SiteArticle], str],
) -> None:
    from scheduler.alerts_file import AlertsConfig, Subscription
    from scheduler.changes import queue_changes

    site, portals, articles, db = portal
    faults = Faults(site)
    serve(site, STYLE, [edited(articles[0]), *articles[1:]])
    faults.missing.add(path_of(articles[1]))
    recheck(portals, db)
    recheck(portals, db)  # the second 404: withdrawn
    alerts = AlertsConfig(
        subscriptions=[
            Subscription(name="desk", to=["a@x.org"], meetings_only=False, changes=True),
            Subscription(name="quiet", to=["b@x.org"], meetings_only=False),
        ]
    )
    repo = Repository.open(db)
    try:
        assert queue_changes(repo, alerts, "x.org") == 2
        assert queue_changes(repo, alerts, "x.org") == 0  # once per revision
        messages = {m.subject: m for m in repo.messages()}
        # subjects lead with the announcement's title, as every alert email does
        edited_subject = "[govwatch] edited: 渭滨区召开第a0次常务会议"
        assert set(messages) == {
            edited_subject,
            "[govwatch] withdrawn: 渭滨区召开第a1次项目建设推进会",
        }
        edit = messages[edited_subject]
        assert edit.recipients == ["a@x.org"] and edit.key.startswith("change:desk:")
        assert 'meeting_date: "2023-03-28" -> "2023-03-27"' in edit.text
        assert "+3月27日上午" in edit.text and "-3月28日上午" in edit.text
    finally:
        repo.close()


def test_reanalysis_updates_fields_quietly(
    portal: tuple[PortalSite, Path, list[SiteArticle], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import crawler.analysis
    from crawler.cli import main
    from scheduler.alerts_file import AlertsConfig, Subscription
    from scheduler.changes import queue_changes

    site, portals, articles, db = portal
    repo = Repository.open(db)
    try:  # a record from before snapshots: skipped and counted
        repo.add_announcements([{"portal": "weibin", "url": "http://x.cn/old.html", "body": "旧"}])
    finally:
        repo.close()
    facts = crawler.analysis.meeting_facts

    def new_rule(title: str | None, body: str, published: object) -> object:
        found = facts(title, body, published)  # type: ignore[arg-type]
        return dataclasses.replace(found, location="区政府常务会议室", is_meeting=True)

    monkeypatch.setattr(crawler.analysis, "meeting_facts", new_rule)
    monkeypatch.setattr(crawler.analysis, "EXTRACTOR_VERSION", 2)
    before = records(db)
    assert main(["reanalyse", "--dry-run", "--db", db, "--portals", str(portals)]) == 0
    out = capsys.readouterr()
    assert out.out.count("区政府常务会议室") == len(articles)
    assert "skipped 1" not in out.err and "1 skipped" in out.err
    assert records(db) == before  # a dry run changes nothing

    assert main(["reanalyse", "--db", db, "--portals", str(portals)]) == 0
    after = records(db)
    for article in articles:
        record = after[site.url(path_of(article))]
        assert record["location"] == "区政府常务会议室" and record["revised_at"] is None
    repo = Repository.open(db)
    try:
        fields = repo.current_fields(list(range(1, 8))).values()
        # the record from before snapshots keeps its version (0); the others have 2
        assert sorted(f["extractor_version"] for f in fields) == [0, 2, 2, 2, 2, 2, 2]
        alerts = AlertsConfig(
            subscriptions=[Subscription(name="desk", to=["a@x.org"], changes=True)]
        )
        assert queue_changes(repo, alerts, "x.org") == 0
        assert repo.pending_revisions() == [] and repo.pending_events() == []
        assert repo.messages() == []
    finally:
        repo.close()


def revision_count(db: str) -> int:
    repo = Repository.open(db)
    try:
        with repo.session() as session:
            return int(session.scalar(select(func.count(Revision.id))) or 0)
    finally:
        repo.close()


def test_recheck_killed_halfway_loses_and_doubles_nothing(site: PortalSite, tmp_path: Path) -> None:
    articles = make_articles(30)
    serve(site, STYLE, articles)
    # the killed crawl keeps the portal's lease until its TTL has passed: --wait below
    settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "GOVWATCH_LEASE_TTL": "3s",
                "GOVWATCH_LEASE_HEARTBEAT": "1s"}  # fmt: skip
    entry = portal_entry("weibin", site.url("/xwzx/zwdt/index.html"), settings=settings)
    portals = write_portals(tmp_path / "portals.yaml", [entry])
    db = f"sqlite:///{tmp_path / 'g.db'}"
    crawl(portals, db)
    serve(site, STYLE, [edited(a) for a in articles])
    # past the 10th re-check the portal stops answering, so the crawl is surely killed halfway
    gate = threading.Event()
    served = itertools.count(1)

    def stall_halfway(path: str, headers: dict[str, str]) -> None:
        if "/zwdt/a" in path and next(served) > 10:
            gate.wait(60)

    site.handlers.append(stall_halfway)
    command = [sys.executable, "-m", "crawler.cli", "-q", "crawl", "--recheck",
               "--portals", str(portals), "--db", db]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: revision_count(db) >= 3, process)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        gate.set()
    assert 3 <= revision_count(db) <= 10
    site.handlers.clear()
    result = govwatch("crawl", "--recheck", "--wait", "--portals", str(portals), "--db", db)
    assert result.returncode == 0, result.stderr[-3000:]
    repo = Repository.open(db)
    try:
        for article in articles:
            history = repo.revisions(site.url(path_of(article)))
            assert history is not None and [r.number for r in history] == [1]
    finally:
        repo.close()
    assert all("李明" in r["body"] for r in records(db).values())


def test_reanalysis_keeps_to_its_portal_and_since(
    portal: tuple[PortalSite, Path, list[SiteArticle], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from datetime import date, timedelta

    from crawler.cli import main

    _, portals, articles, db = portal
    later = (date.today() + timedelta(days=2)).isoformat()  # after any zone's today
    for chosen, seen in ((["--portal", "jintai"], 0), (["--since", later], 0),
                         (["--portal", "weibin", "--since", "2020-01-01"], len(articles))):  # fmt: skip
        assert main(["reanalyse", "--dry-run", "--db", db, "--portals", str(portals), *chosen]) == 0
        assert f"{seen} records re-analysed" in capsys.readouterr().err
