"""Alert channels besides email (Apprise): config, and delivery to a json:// receiver on
127.0.0.1 with the outbox's guarantees — once per channel, retried while it is down, given
up and listed, a repeat after an unclean stop carrying the same Idempotency-Key.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.configfiles.alerts import load_alerts
from crawler.exceptions import ConfigError
from scheduler.alerts_file import AlertsConfig
from storage import Repository, utcnow
from tests.support.alerts import root_logging, write_alerts  # noqa: F401  (a fixture)
from tests.support.portal import ROOT
from tests.support.smtp import SmtpServer
from tests.support.webhook import Webhook
from tests.test_alerts_outbox import SETTINGS, Clock, delivery, record, seed

pytestmark = pytest.mark.usefixtures("root_logging")

VENDORS = [
    "dingtalk://${DING_TOKEN}/",
    "wecombot://${WECOM_KEY}",
    "feishu://${FEISHU_TOKEN}/",
    "lark://${FEISHU_TOKEN}",
    "slack://T1JJ3T3L2/A1BRTD4JD/${SLACK_TOKEN}",
    "tgram://123456789:${TG_TOKEN}/12315544/",
    "matrix://govwatch:${MATRIX_PASSWORD}@matrix.example.org/#newsroom",
    "json://hooks.example.org/govwatch",
]
SECRETS = {
    "DING_TOKEN": "abcdefg0123456789abcdef",
    "WECOM_KEY": "abcdefghijklmnopqrstuvwxyz0123456789",
    "FEISHU_TOKEN": "abcdefghijklmnopq",
    "SLACK_TOKEN": "TIiajkdnlazkcOXrIdevi7FQ",
    "TG_TOKEN": "abcdefg_hijklmnop",
    "MATRIX_PASSWORD": "s3cret",
}


@pytest.fixture
def hook() -> Iterator[Webhook]:
    receiver = Webhook().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


# -- config --------------------------------------------------------------------------


def test_vendor_urls_are_accepted_with_secrets_from_the_environment(monkeypatch, tmp_path):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    path = write_alerts(tmp_path / "alerts.yaml", None, [{"name": "news", "notify": VENDORS}])
    (subscription,) = load_alerts(path).subscriptions
    assert subscription.notify == VENDORS and subscription.to == []

    # a missing variable names the subscription and the variable
    monkeypatch.delenv("WECOM_KEY")
    with pytest.raises(ConfigError) as error:
        load_alerts(path)
    assert "entry 1 (news), field '(entry)': subscription news: notify:" in str(error.value)
    assert "${WECOM_KEY} in wecombot:// is not set in the environment" in str(error.value)


@pytest.mark.parametrize(
    ("subscription", "expected"),
    [
        ({"name": "a", "notify": ["nosuch://x"]}, "nosuch:// is not a channel Apprise supports"),
        ({"name": "a", "notify": ["hooks.example.org"]}, "not a channel URL"),
        ({"name": "a", "notify": []}, "give to: (email addresses) or notify: (channel URLs)"),
        ({"name": "a"}, "give to: (email addresses) or notify: (channel URLs)"),
    ],
)
def test_bad_channel_urls_are_config_errors(tmp_path, subscription, expected):
    path = write_alerts(tmp_path / "alerts.yaml", None, [subscription])
    with pytest.raises(ConfigError, match="entry 1 \\(a\\)") as error:
        load_alerts(path)
    assert expected in str(error.value)


# -- delivery ------------------------------------------------------------------------


def test_each_channel_of_a_subscription_gets_each_alert_once(
    sqlite_url: str, hook: Webhook, smtp: SmtpServer
):
    repo = Repository.open(sqlite_url)
    seed(repo, [record("http://w/1.html", "渭滨区召开第1次政府常务会议")])
    alerts = {
        "smtp": smtp.smtp_config(),
        "subscriptions": [
            {"name": "desk", "to": "a@example.org", "notify": [hook.url(), hook.url("/other")]}
        ],
    }
    box = delivery(repo, alerts, Clock())
    assert box.run().sent == 3
    assert box.run().sent == 0
    assert len(smtp.mailbox.all()) == 1
    assert sorted(post.path for post in hook.posts) == ["/hook", "/other"]
    keys = {post.key for post in hook.posts}
    assert len(keys) == 2 and None not in keys  # one key per channel
    post = hook.posts[0]
    assert post.body["title"] == "[govwatch] 渭滨区召开第1次政府常务会议"
    message = post.body["message"]
    for part in ("渭滨区人民政府 (陕西省宝鸡市)", "2023-02-20", "http://w/1.html"):
        assert part in message
    repo.close()


def test_a_digest_goes_to_each_channel_in_one_post(sqlite_url: str, hook: Webhook):
    repo = Repository.open(sqlite_url)
    seed(repo, [record(f"http://w/{i}.html", f"第{i}次常务会议") for i in (1, 2)])
    alerts = {
        "subscriptions": [
            {"name": "morning", "notify": hook.url(), "mode": "digest", "digest_at": "08:00"}
        ]
    }
    box = delivery(repo, alerts, Clock())
    box.expand()
    assert box.build_digest("morning") is not None
    assert box.send_due().sent == 1
    (post,) = hook.posts
    assert "morning · 2 new meetings" in post.body["title"]
    assert "第1次常务会议" in post.body["message"] and "第2次常务会议" in post.body["message"]
    repo.close()


def test_a_channel_that_is_down_is_retried_with_backoff_and_gets_it_once(
    sqlite_url: str, hook: Webhook, capsys
):
    repo = Repository.open(sqlite_url)
    seed(repo, [record("http://w/1.html", "渭滨区召开常务会议")])
    box = delivery(repo, {"subscriptions": [{"name": "desk", "notify": hook.url()}]}, Clock())
    hook.stop()  # refusing connections
    report = box.run()
    assert (report.sent, report.failed) == (0, 1)
    (message,) = repo.messages()
    assert message.next_attempt_at == box.clock() + timedelta(seconds=SETTINGS.retry_first)
    assert "Connection error" in (message.last_error or "")

    hook.failures = 2  # up again, answering 500 twice
    hook.start()
    waits = []
    while not hook.posts and len(waits) < 5:
        (message,) = repo.messages()
        waits.append((message.next_attempt_at - box.clock()).total_seconds())
        assert box.run().sent == 0  # not due yet: nothing is posted before its time
        box.clock.advance(waits[-1])  # type: ignore[attr-defined]
        box.run()
    assert waits == [60, 120, 240]  # doubling from GOVWATCH_RETRY_FIRST
    assert len(hook.posts) == 1 and len(hook.seen) == 3
    assert len({post.key for post in hook.seen}) == 1  # every attempt with one key
    assert box.run().sent == 0

    # down for longer than GOVWATCH_GIVE_UP_AFTER: given up, and listed
    seed(repo, [record("http://w/2.html", "渭滨区召开第二次常务会议")])
    hook.stop()
    box.run()
    box.clock.advance(SETTINGS.give_up_after)  # type: ignore[attr-defined]
    assert box.run().gave_up == 1
    assert main(["alerts", "pending", "--db", sqlite_url]) == 0
    out = capsys.readouterr().out
    assert "given up" in out and "json://127.0.0.1" in out and "Connection error" in out
    repo.close()


def test_alerts_test_posts_to_a_channel_url(hook: Webhook, capsys, monkeypatch):
    monkeypatch.setenv("HOOK_PATH", "hook")
    url = hook.url("/${HOOK_PATH}")
    assert main(["alerts", "test", url]) == 0
    assert "test message sent to json://127.0.0.1" in capsys.readouterr().out
    assert [post.path for post in hook.posts] == ["/hook"]
    hook.stop()
    assert main(["alerts", "test", url]) == 1  # as for an SMTP server that is down
    assert "Connection error" in capsys.readouterr().err
    monkeypatch.delenv("HOOK_PATH")
    assert main(["alerts", "test", url]) == 2
    assert "${HOOK_PATH} in json:// is not set" in capsys.readouterr().err


def test_a_sender_killed_mid_post_repeats_it_once_with_the_same_key(
    sqlite_url: str, hook: Webhook, tmp_path: Path
):
    repo = Repository.open(sqlite_url)
    seed(repo, [record("http://w/1.html", "渭滨区召开常务会议")])
    alerts = write_alerts(tmp_path / "alerts.yaml", None, [{"name": "desk", "notify": hook.url()}])
    hook.hold.set()  # the receiver takes the post and never answers
    log = tmp_path / "sender.log"
    with log.open("wb") as out:
        sender = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.sender", sqlite_url, str(alerts)],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        hook.wait_seen(1, timeout=60)
    finally:
        sender.kill()
        sender.wait()
    (message,) = repo.messages()
    assert message.status == "sending", log.read_text()
    hook.hold.clear()
    hook.release.set()

    # the next sender finds the claim run out: the post is repeated once, with its key
    config = AlertsConfig.model_validate(
        {"subscriptions": [{"name": "desk", "notify": hook.url()}]}
    )
    later = Clock(utcnow() + timedelta(seconds=SETTINGS.send_claim + 1))
    box = delivery(repo, config.model_dump(), later)
    assert box.run().sent == 1
    assert len(hook.seen) == 2 and len(hook.posts) == 1
    assert hook.seen[0].key == hook.seen[1].key is not None
    (message,) = repo.messages(("sent",))
    assert (message.attempts, message.interrupted) == (2, 1)
    deadline = time.monotonic() + 5
    while box.run().sent and time.monotonic() < deadline:
        pass
    assert len(hook.seen) == 2  # nothing more
    repo.close()
