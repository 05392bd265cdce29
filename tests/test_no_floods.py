"""No floods: a new subscription, a repaired portal and a back-fill mail nothing of the past;
a genuinely new announcement still mails once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle
from storage import PENDING, Repository
from tests.support.alerts import (
    meeting,
    root_logging,  # noqa: F401  (a fixture)
)
from tests.support.portal import (
    crawl,
    govwatch,
    make_articles,
    portal_entry,
    serve,
    stored,
    write_portals,
)
from tests.test_alerts_outbox import Clock, delivery, record, seed
from tests.test_alerts_outbox import smtp as smtp

pytestmark = pytest.mark.usefixtures("root_logging")

DESK = {"name": "desk", "to": ["a@example.org"]}


def test_a_new_subscription_on_a_full_database_hears_only_what_comes_after(repo, smtp):
    # a portal repaired while nobody was subscribed: its past waits as alert events
    seed(repo, [record(f"http://w/{i}.html", f"第{i}次常务会议") for i in range(8)])
    alerts = {"smtp": smtp.smtp_config(), "subscriptions": [DESK]}
    box = delivery(repo, alerts, Clock(), long_ago=False)
    assert box.run().sent == 0
    assert smtp.mailbox.all() == []

    seed(repo, [record("http://w/new.html", "第九次常务会议")])
    assert box.run().sent == 1
    assert box.run().sent == 0
    (email,) = smtp.mailbox.all()
    assert "第九次常务会议" in email.subject

    # a renamed subscription is a new one: it hears nothing of the above
    renamed = {"smtp": smtp.smtp_config(), "subscriptions": [{**DESK, "name": "desk2"}]}
    assert delivery(repo, renamed, Clock(), long_ago=False).run().sent == 0
    assert len(smtp.mailbox.all()) == 1


def test_max_age_drops_old_announcements_but_never_undated_ones(repo):
    now = datetime.now(UTC)
    alerts = {"subscriptions": [{**DESK, "max_age": "7d"}]}
    box = delivery(repo, alerts, Clock(now), long_ago=False)
    box.register()
    seed(
        repo,
        [
            record("http://w/old.html", "旧会议", published_at=now - timedelta(days=30)),
            record("http://w/fresh.html", "新会议", published_at=now - timedelta(days=2)),
            record("http://w/undated.html", "无日期会议", published_at=None),
        ],
    )
    assert box.expand() == 2
    subjects = " ".join(message.subject for message in repo.messages((PENDING,)))
    assert "新会议" in subjects and "无日期会议" in subjects and "旧会议" not in subjects


def events(db: str) -> set[str]:
    repo = Repository.open(db)
    try:
        return {item.announcement.url for _, item in repo.pending_events()}
    finally:
        repo.close()


def test_a_repaired_portal_does_not_mail_its_past(tmp_path: Path, sqlite_url):
    style = SiteStyle(per_page=20)
    with PortalSite() as site:
        # the portal as it was: a list page that lists nothing (a script would build it)
        site.put(style.root + "index.html", b"<html><body><p>...</p></body></html>", "text/html")
        portals = write_portals(
            tmp_path / "portals.yaml", [portal_entry("fixed", site.url(style.root + "index.html"))]
        )
        crawl(portals, sqlite_url)
        assert stored(sqlite_url) == set()

        past = [meeting(f"m{i}", i, day=i) for i in range(1, 9)]
        serve(site, style, past)  # repaired: the first crawl that stores articles is the baseline
        crawl(portals, sqlite_url)
        assert len(stored(sqlite_url)) == 8
        assert events(sqlite_url) == set()

        serve(site, style, [meeting("new", 20, day=20), *past])
        crawl(portals, sqlite_url)
        assert events(sqlite_url) == {site.url(style.root + "new.html")}


def test_a_backfill_stores_without_alerting_within_its_bounds(tmp_path: Path, sqlite_url):
    style = SiteStyle(per_page=2)
    articles = [meeting(f"m{i}", i, day=28 - i) for i in range(8)]  # four list pages
    with PortalSite() as site:
        serve(site, style, articles)
        start = site.url(style.root + "index.html")
        portals = write_portals(
            tmp_path / "portals.yaml", [portal_entry("deep", start, max_list_pages=1)]
        )
        crawl(portals, sqlite_url)  # the baseline, bounded by the portal's max_list_pages
        assert len(stored(sqlite_url)) == 2

        args = ("crawl", "--portals", str(portals), "--db", sqlite_url)
        result = govwatch(*args, "--max-list-pages", "2")
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(stored(sqlite_url)) == 4
        result = govwatch(*args, "--backfill-since", "2023-02-23")
        assert result.returncode == 0, result.stderr[-3000:]
        # m0..m5 were published on 02-28..02-23; m6, m7 are older than the bound
        assert stored(sqlite_url) == {site.url(f"{style.root}m{i}.html") for i in range(6)}
        result = govwatch(*args, "--full")
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(stored(sqlite_url)) == 8
        assert events(sqlite_url) == set()  # a back-fill stores without alerting


def test_only_a_page_of_older_dated_links_ends_a_backfill(tmp_path: Path, sqlite_url):
    style = SiteStyle(per_page=20)
    pinned = SiteArticle("pinned", "关于网站改版的公告", "2020-01-01 09:00", ("网站改版。",))
    articles = [pinned, *make_articles(49)]  # newest first after the pinned one: 03-28 back
    with PortalSite() as site:
        serve(site, style, articles)
        start = site.url(style.root + "index.html")
        entry = portal_entry("pinned", start, backfill_since="2023-03-05")
        crawl(write_portals(tmp_path / "portals.yaml", [entry]), sqlite_url)
        # page 1 (pinned old link, 19 new) and page 2 (03-09..03-05 new, then older) are
        # walked; page 3, all older, ends it
        assert len(stored(sqlite_url)) == 19 + 5
        assert site.url(style.root + "pinned.html") not in stored(sqlite_url)


def test_an_undated_list_keeps_to_max_list_pages(tmp_path: Path, sqlite_url):
    style = SiteStyle(per_page=20, pager="next")
    with PortalSite() as site:
        serve(site, style, make_articles(50))
        for path in ("index.html", "list_2.html", "list_3.html"):  # the list shows no dates
            page = site.pages[style.root + path].body.decode()
            site.put(style.root + path, re.sub(r'<span class="date">[^<]*</span>', "", page))
        start = site.url(style.root + "index.html")
        entry = portal_entry("undated", start, backfill_since="2030-01-01", max_list_pages=2)
        crawl(write_portals(tmp_path / "portals.yaml", [entry]), sqlite_url)
        assert len(stored(sqlite_url)) == 40
