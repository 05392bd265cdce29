"""The outbox: enqueued with the record, expanded once, sent once, retried, given up, resent.

A real SMTP server (aiosmtpd) on 127.0.0.1; time is a controlled clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crawler.cli import main
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from crawler.items import AnnouncementItem
from scheduler.alerts_file import AlertsConfig
from scheduler.delivery import Delivery, backoff
from scheduler.mailer import SmtpMailer
from scheduler.settings import Settings
from storage import AlertDelivery, AlertEvent, AlertMessage, Repository
from tests.support.alerts import (
    meeting,
    notice,
    root_logging,  # noqa: F401  (a fixture)
    subscribed_long_ago,
)
from tests.support.portal import crawl, portal_entry, serve, write_portals
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("root_logging")

START = datetime(2023, 2, 22, 2, 0, tzinfo=UTC)
SETTINGS = Settings(retry_first=60, retry_max=600, give_up_after=3600)


class Clock:
    """A controlled clock: time moves only when the test says so."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def record(url: str, title: str, is_meeting: bool = True, **fields) -> dict:
    values = {
        "portal": "weibin",
        "url": url,
        "title": title,
        "meeting_name": title if is_meeting else None,
        "meeting_date": date(2023, 2, 20) if is_meeting else None,
        "body": f"{title}。区长吴玉新主持会议。",
        "is_meeting": is_meeting,
        "presider": "吴玉新" if is_meeting else None,
        **fields,
    }
    return AnnouncementItem(**values).record()


def seed(repo: Repository, records: list[dict], enqueue: bool = True) -> list[str]:
    for name in {r["portal"] for r in records}:
        title = {"weibin": "渭滨区人民政府", "jintai": "金台区人民政府"}.get(name)
        repo.ensure_portal(name, title, "陕西省宝鸡市")
    return repo.add_announcements(records, enqueue_alerts=enqueue)


def delivery(
    repo: Repository,
    alerts: dict,
    clock: Clock,
    settings: Settings = SETTINGS,
    long_ago: bool = True,
) -> Delivery:
    """A sender; ``long_ago``: its subscriptions started before anything was stored."""
    config = AlertsConfig.model_validate(alerts)
    if long_ago:
        subscribed_long_ago(repo, config)
    mailer = SmtpMailer(config.smtp, None) if config.smtp else None
    return Delivery(repo, settings, config, mailer, clock)


def count(repo: Repository, model) -> int:
    with repo.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


# -- enqueued in the store's transaction --------------------------------------------


def test_store_enqueues_new_announcements_in_its_transaction(repo: Repository):
    records = [
        record("http://w/1.html", "渭滨区召开常务会议"),
        record("http://w/2.html", "关于森林防火的通告", is_meeting=False),
        record("http://w/3.html", "渭滨区召开常务会议", duplicate_of="http://w/1.html"),
    ]
    assert len(seed(repo, records)) == 3
    # the copy too: delivery sends one per subscription per cluster of copies
    assert count(repo, AlertEvent) == 3
    assert seed(repo, records) == []  # stored already: nothing new, no new event
    seed(repo, [record("http://w/4.html", "基线会议")], enqueue=False)  # a baseline crawl
    assert count(repo, AlertEvent) == 3

    # a batch that fails stores nothing and queues nothing
    bad = [record("http://w/5.html", "会议"), record("http://w/6.html", "会议", portal="nowhere")]
    with pytest.raises(IntegrityError):
        repo.add_announcements(bad, enqueue_alerts=True)
    assert count(repo, AlertEvent) == 3
    assert repo.known_urls(["http://w/5.html"]) == set()


def test_expansion_is_exactly_once_even_when_two_senders_race(repo: Repository):
    seed(repo, [record(f"http://w/{i}.html", f"第{i}次常务会议") for i in range(20)])
    alerts = {
        "subscriptions": [
            {"name": "desk", "to": ["a@example.org"]},
            {"name": "morning", "to": ["b@example.org"], "mode": "digest", "digest_at": "08:00"},
            {"name": "nobody", "to": ["c@example.org"], "keywords": ["防汛"]},
        ]
    }
    clock = Clock()
    boxes = [delivery(repo, alerts, clock) for _ in range(3)]
    threads = [threading.Thread(target=box.expand) for box in boxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert boxes[0].expand() == 0
    assert count(repo, AlertMessage) == 20  # one instant email per meeting for "desk"
    assert count(repo, AlertDelivery) == 40  # and 20 waiting for "morning"'s digest
    assert repo.waiting() == {"morning": 20}
    assert repo.unprocessed_events() == 0

    # uniqueness is the database's: a second delivery of the same pair cannot be written
    with pytest.raises(IntegrityError), repo.session.begin() as session:
        first = session.scalars(select(AlertDelivery).limit(1)).one()
        session.add(
            AlertDelivery(
                subscription=first.subscription,
                announcement_id=first.announcement_id,
                created_at=clock(),
            )
        )


# -- digests --------------------------------------------------------------------------


def test_digest_three_meetings_make_one_email_an_empty_period_none(sqlite_url, smtp):
    repo = Repository.open(sqlite_url)
    seed(
        repo,
        [
            record("http://w/1.html", "第一次常务会议"),
            record("http://w/2.html", "项目推进会"),
            record("http://j/3.html", "金台区安全生产会议", portal="jintai"),
            record("http://w/4.html", "森林防火通告", is_meeting=False),
        ],
    )
    alerts = {
        "smtp": smtp.smtp_config(),
        "subscriptions": [
            {"name": "morning", "to": ["a@example.org"], "mode": "digest", "digest_every": "1h"}
        ],
    }
    clock = Clock()
    box = delivery(repo, alerts, clock)
    box.run()
    assert smtp.mailbox.all() == []  # digest subscribers get nothing instantly
    assert box.build_digest("morning") is not None
    assert box.run().sent == 1
    (email,) = smtp.mailbox.all()
    assert email.subject == "[govwatch] morning · 3 new meetings · 2023-02-22"
    text = email.part("plain")
    assert text.index("渭滨区人民政府 (陕西省宝鸡市)") < text.index("金台区人民政府 (陕西省宝鸡市)")
    for title in ("第一次常务会议", "项目推进会", "金台区安全生产会议"):
        assert title in text
    assert "森林防火通告" not in text

    clock.advance(3600)
    assert box.build_digest("morning") is None  # an empty period sends nothing
    assert box.run().sent == 0
    assert len(smtp.mailbox.all()) == 1
    repo.close()


def test_what_waited_for_a_digest_is_sent_when_the_subscription_turns_instant(sqlite_url, smtp):
    repo = Repository.open(sqlite_url)
    seed(repo, [record("http://w/1.html", "常务会议"), record("http://w/2.html", "推进会")])
    digest = {"name": "desk", "to": "a@x.org", "mode": "digest", "digest_at": "08:00"}
    clock = Clock()
    assert (
        delivery(repo, {"smtp": smtp.smtp_config(), "subscriptions": [digest]}, clock).run().sent
        == 0
    )
    instant = {"name": "desk", "to": "a@x.org"}
    box = delivery(repo, {"smtp": smtp.smtp_config(), "subscriptions": [instant]}, clock)
    assert box.run().sent == 1
    (email,) = smtp.mailbox.all()
    assert email.subject.startswith("[govwatch] desk · 2 new meetings")
    assert box.run().sent == 0
    repo.close()


# -- failures ---------------------------------------------------------------------------


def test_smtp_down_for_several_runs_then_up_delivers_each_alert_once(sqlite_url, smtp):
    repo = Repository.open(sqlite_url)
    seed(repo, [record(f"http://w/{i}.html", f"第{i}次常务会议") for i in range(3)])
    alerts = {"smtp": smtp.smtp_config(), "subscriptions": [{"name": "desk", "to": "a@x.org"}]}
    clock = Clock()
    box = delivery(repo, alerts, clock)
    smtp.stop()
    for attempt in range(1, 5):  # four sender runs, each when the retries fall due
        report = box.run()
        assert report.failed == 3 and report.sent == 0
        pending = repo.messages()
        assert {m.attempts for m in pending} == {attempt}
        assert all("Connection refused" in (m.last_error or "") for m in pending)
        assert box.run().failed == 0  # not due again before its backoff
        clock.advance(backoff(attempt, SETTINGS))

    smtp.start()
    assert box.run().sent == 3
    clock.advance(SETTINGS.retry_max)
    assert box.run().sent == 0
    received = smtp.mailbox.all()
    assert len(received) == 3 == len({r.message_id for r in received})
    assert sorted(r.subject for r in received) == [
        f"[govwatch] 渭滨区人民政府 · 第{i}次常务会议 · 2023-02-20" for i in range(3)
    ]
    assert repo.count_messages() == {"sent": 3}
    repo.close()


def test_given_up_is_kept_visible_and_can_be_resent(sqlite_url, smtp, capsys):
    repo = Repository.open(sqlite_url)
    seed(repo, [record("http://w/1.html", "常务会议")])
    alerts = {"smtp": smtp.smtp_config(), "subscriptions": [{"name": "desk", "to": "a@x.org"}]}
    clock = Clock()
    box = delivery(repo, alerts, clock)
    smtp.stop()
    gave_up = 0
    while not gave_up:
        gave_up = box.run().gave_up
        clock.advance(SETTINGS.retry_max)
    assert clock() - START >= timedelta(seconds=SETTINGS.give_up_after)

    assert main(["alerts", "pending", "--db", sqlite_url]) == 0
    out = capsys.readouterr().out
    assert "given up" in out and "Connection refused" in out and "a@x.org" in out
    (message,) = repo.messages()
    assert message.status == "failed"

    smtp.start()
    clock.advance(SETTINGS.retry_max)
    assert box.run().sent == 0  # given up: not retried by itself
    assert main(["alerts", "resend", str(message.id), "--db", sqlite_url]) == 0
    assert f"email #{message.id} to a@x.org queued again" in capsys.readouterr().out
    clock.now = datetime.now(UTC)
    assert box.run().sent == 1
    assert len(smtp.mailbox.all()) == 1
    assert main(["alerts", "resend", "999", "--db", sqlite_url]) == 1
    repo.close()


def test_crash_between_send_and_mark_repeats_that_message_with_its_message_id(sqlite_url, smtp):
    repo = Repository.open(sqlite_url)
    seed(repo, [record("http://w/1.html", "常务会议"), record("http://w/2.html", "推进会")])
    alerts = {"smtp": smtp.smtp_config(), "subscriptions": [{"name": "desk", "to": "a@x.org"}]}
    box = delivery(repo, alerts, Clock())
    box.expand()
    first, _second = repo.due_messages(START)
    # what a sender killed right after the server said 250 leaves behind: sent, not marked
    assert box.mailer is not None
    with box.mailer.connect() as connection:
        connection.send(box.email(first))
    # the restarted sender
    assert delivery(repo, alerts, Clock()).run().sent == 2
    received = smtp.mailbox.all()
    assert len(received) == 3
    ids = [r.message_id for r in received]
    assert ids.count(first.message_id) == 2 and len(set(ids)) == 2
    repo.close()


# -- the crawl side: baseline ----------------------------------------------------------


def test_baseline_crawl_queues_nothing_unless_the_portal_asks(tmp_path: Path, sqlite_url):
    style = SiteStyle(per_page=20)
    with PortalSite() as quiet, PortalSite() as eager:
        serve(quiet, style, [meeting("q1", 1), notice("q2", 2)])
        serve(eager, style, [meeting("e1", 11), notice("e2", 12)])
        portals = write_portals(
            tmp_path / "portals.yaml",
            [
                portal_entry("quiet", quiet.url("/xwzx/zwdt/index.html")),
                portal_entry(
                    "eager", eager.url("/xwzx/zwdt/index.html"), alert_on_first_crawl=True
                ),
            ],
        )
        crawl(portals, sqlite_url)
        repo = Repository.open(sqlite_url)
        urls = {item.announcement.url for _, item in repo.pending_events()}
        assert urls == {eager.url("/xwzx/zwdt/e1.html"), eager.url("/xwzx/zwdt/e2.html")}

        serve(quiet, style, [meeting("q3", 3), meeting("q1", 1), notice("q2", 2)])
        crawl(portals, sqlite_url, "quiet")
        urls = {item.announcement.url for _, item in repo.pending_events()}
        assert quiet.url("/xwzx/zwdt/q3.html") in urls and len(urls) == 3
        repo.close()
