"""The same meeting on two portals: one first copy, and one email per subscription per
cluster of copies, through the first copy that matches the subscription's filters.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from crawler.dedupe import Deduplicator
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle
from crawler.items import AnnouncementItem
from storage import AlertDelivery, Repository
from tests.support.alerts import body, meeting, root_logging  # noqa: F401  (a fixture)
from tests.support.portal import crawl, portal_entry, serve, write_portals
from tests.support.smtp import SmtpServer
from tests.test_alerts_outbox import Clock, delivery
from tests.test_alerts_outbox import count as count_rows

pytestmark = pytest.mark.usefixtures("root_logging")

PORTALS = {"weibin": "渭滨区人民政府", "jintai": "金台区人民政府"}
SUBSCRIPTIONS = [
    {"name": "everything", "to": "all@example.org"},
    {"name": "weibin-desk", "to": "w@example.org", "portals": ["weibin"]},
    {"name": "jintai-desk", "to": "j@example.org", "portals": ["jintai"]},
]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def one_email_each(smtp: SmtpServer) -> dict[str, list[str]]:
    """The subjects each subscriber received, after checking it is one each, and that the
    subscriber to jintai only heard of the meeting through jintai's copy."""
    found: dict[str, list[str]] = {}
    for received in smtp.mailbox.all():
        for address in received.recipients:
            found.setdefault(address, []).append(received.subject)
    assert {address: len(subjects) for address, subjects in found.items()} == {
        "all@example.org": 1,
        "w@example.org": 1,
        "j@example.org": 1,
    }
    assert PORTALS["jintai"] in found["j@example.org"][0]
    return found


def signed_copy(repo: Repository, portal: str, url: str, text: str) -> dict[str, Any]:
    """The record a crawl of ``portal`` stores: linked by dedupe against committed rows."""
    signature = Deduplicator.for_repository(repo).check(url, text)
    item = AnnouncementItem(
        portal=portal,
        url=url,
        title="渭滨区召开第7次政府常务会议",
        body=text,
        is_meeting=True,
        meeting_date=date(2023, 2, 20),
        meeting_name="第7次政府常务会议",
        presider="吴玉新",
        fingerprint=signature.fingerprint,
        simhash=signature.simhash,
        bands=signature.bands,
        duplicate_of=signature.duplicate_of,
    )
    return item.record()


def hold_at_barrier_in_the_store(repo: Repository, barrier: threading.Barrier) -> None:
    """Make ``repo``'s next batch wait for the other store's inside its transaction: on
    PostgreSQL after its rows are inserted (both uncommitted at once); on SQLite before its
    first write, the last point two SQLite writers can both reach (the write lock serialises
    them from there)."""
    postgresql = repo.dialect == "postgresql"
    marker = "INSERT INTO announcement_bands" if postgresql else "INSERT INTO announcements"
    when = "after_cursor_execute" if postgresql else "before_cursor_execute"

    def wait(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(marker) and not barrier.broken:
            barrier.wait()

    event.listen(repo.engine, when, wait)


def test_two_crawls_storing_the_same_meeting_at_once_make_one_first_copy(
    db_url: str, smtp: SmtpServer
):
    repos = [Repository.open(db_url), Repository.open(db_url)]
    for name, title in PORTALS.items():
        repos[0].ensure_portal(name, title, "陕西省宝鸡市")
    text = "".join(body(7, "2月20日上午，区长吴玉新主持召开第7次区政府常务会议。"))
    urls = {"weibin": "http://weibin.example/7.html", "jintai": "http://jintai.example/7.html"}
    # each crawl looks for stored copies first: there is none yet, for either
    records = [
        signed_copy(repo, portal, urls[portal], text)
        for repo, portal in zip(repos, urls, strict=True)
    ]
    assert [r["duplicate_of"] for r in records] == [None, None]
    assert records[0]["fingerprint"] == records[1]["fingerprint"] is not None

    barrier = threading.Barrier(2, timeout=30)
    for repo in repos:
        hold_at_barrier_in_the_store(repo, barrier)
    errors: list[BaseException] = []

    def store(repo: Repository, record: dict[str, Any]) -> None:
        try:
            repo.add_announcements([record], enqueue_alerts=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=store, args=pair) for pair in zip(repos, records, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not barrier.broken, "the two stores did not meet inside their transactions"

    stored = {r["url"]: r["duplicate_of"] for r in repos[0].export()}
    firsts = [url for url, first in stored.items() if first is None]
    assert len(firsts) == 1, stored
    (copy,) = set(stored) - set(firsts)
    assert stored[copy] == firsts[0]

    alerts = {"smtp": smtp.smtp_config(), "subscriptions": SUBSCRIPTIONS}
    box = delivery(repos[0], alerts, Clock())
    assert box.run().sent == 3
    received = one_email_each(smtp)
    assert PORTALS["weibin"] in received["w@example.org"][0]
    for repo in repos:
        repo.close()


def test_a_copy_crawled_later_reaches_those_who_follow_only_its_portal(
    tmp_path: Path, sqlite_url: str, smtp: SmtpServer
):
    style = SiteStyle(per_page=20)
    report = meeting("m7", 7)
    copy = SiteArticle(**{**report.__dict__, "slug": "copy7", "source": "金台区"})
    with PortalSite() as weibin, PortalSite() as jintai:
        serve(weibin, style, [report])
        serve(jintai, style, [copy])
        portals = write_portals(
            tmp_path / "portals.yaml",
            [
                portal_entry(
                    name,
                    site.url("/xwzx/zwdt/index.html"),
                    title=PORTALS[name],
                    alert_on_first_crawl=True,
                )
                for name, site in (("weibin", weibin), ("jintai", jintai))
            ],
        )
        alerts = {"smtp": smtp.smtp_config(), "subscriptions": SUBSCRIPTIONS}
        repo = Repository.open(sqlite_url)
        clock = Clock()
        crawl(portals, sqlite_url, "weibin")
        assert delivery(repo, alerts, clock).run().sent == 2  # everything, weibin-desk
        crawl(portals, sqlite_url, "jintai")
        assert delivery(repo, alerts, clock).run().sent == 1  # jintai-desk, through the copy
        stored = {r["url"]: r["duplicate_of"] for r in repo.export()}
        assert stored == {
            weibin.url("/xwzx/zwdt/m7.html"): None,
            jintai.url("/xwzx/zwdt/copy7.html"): weibin.url("/xwzx/zwdt/m7.html"),
        }
        one_email_each(smtp)
        assert jintai.url("/xwzx/zwdt/copy7.html") in smtp.mailbox.all()[-1].part("plain")
        assert count_rows(repo, AlertDelivery) == 3
        repo.close()
