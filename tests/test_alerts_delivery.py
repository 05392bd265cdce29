"""Sending: each email claimed before it is sent, so two senders never send it twice; an
attempt whose outcome is unknown is repeated once, then held for a person.

A real SMTP server (aiosmtpd) on 127.0.0.1; time is a controlled clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text

from storage import AlertMessage, Repository
from tests.support.alerts import root_logging  # noqa: F401  (a fixture)
from tests.support.smtp import SmtpServer
from tests.test_alerts_outbox import SETTINGS, START, Clock, delivery, record, seed

pytestmark = pytest.mark.usefixtures("root_logging")

DESK = {"name": "desk", "to": "a@example.org"}


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def queue(repo: Repository, count: int) -> list[AlertMessage]:
    """``count`` meetings stored and expanded into instant emails for "desk"; the emails."""
    seed(repo, [record(f"http://w/{i}.html", f"第{i}次常务会议") for i in range(count)])
    delivery(repo, {"subscriptions": [DESK]}, Clock()).expand()
    messages = repo.messages()
    assert len(messages) == count
    return messages


def run_together(*calls: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            results[i] = calls[i]()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a sender hung"
    assert not errors, errors
    return results


# -- two senders --------------------------------------------------------------------------


def test_two_senders_that_read_the_same_queue_send_each_email_once(db_url: str, smtp: SmtpServer):
    """Two daemons after a restart, or a scheduler and a worker: both read the queue, both
    hold at a barrier, then both send. Each email is claimed by one of them."""
    first, second = Repository.open(db_url), Repository.open(db_url)
    messages = queue(first, 12)
    barrier = threading.Barrier(2, timeout=60)
    seen: list[int] = []
    for repo in (first, second):
        read = repo.due_messages

        def due_then_wait(now, limit=100, read=read):  # type: ignore[no-untyped-def]
            due = read(now, limit)
            seen.append(len(due))
            barrier.wait()  # both have read every due email before either sends one
            return due

        repo.due_messages = due_then_wait  # type: ignore[method-assign]
    alerts = {"smtp": smtp.smtp_config(), "subscriptions": [DESK]}
    clock = Clock()
    boxes = [delivery(repo, alerts, clock) for repo in (first, second)]
    reports = run_together(boxes[0].send_due, boxes[1].send_due)

    assert seen == [12, 12]
    received = smtp.mailbox.all()
    assert sorted(r.message_id for r in received) == sorted(m.message_id for m in messages)
    assert sum(report.sent for report in reports) == 12  # type: ignore[attr-defined]
    assert first.count_messages() == {"sent": 12}
    assert {m.attempts for m in first.messages(("sent",))} == {1}
    first.close()
    second.close()


def test_postgresql_claims_skip_an_email_another_sender_is_claiming(pg_url: str):
    """FOR UPDATE SKIP LOCKED: a claim does not wait for a row another claim has locked."""
    repo = Repository.open(pg_url)
    head, nxt = queue(repo, 2)
    with repo.engine.connect() as other:  # another sender, inside its claim's transaction
        other.execute(
            text("SELECT id FROM alert_messages WHERE id = :id FOR UPDATE"), {"id": head.id}
        )
        claimed = run_together(lambda: repo.claim_message("b", START, 60))[0]
        assert isinstance(claimed, AlertMessage) and claimed.id == nxt.id
        assert claimed.status == "sending" and claimed.claimed_by == "b" and claimed.attempts == 1
        other.rollback()
    assert repo.message(head.id).status == "pending"  # type: ignore[union-attr]
    repo.close()


# -- attempts whose outcome is unknown ---------------------------------------------------


def test_a_server_that_takes_the_data_and_never_answers_gets_it_at_most_twice(
    sqlite_url: str, smtp: SmtpServer
):
    """The server records the head email's DATA and never answers; the sender times out.
    It may have the email, so that attempt counts as interrupted: one repeat, then held."""
    repo = Repository.open(sqlite_url)
    head, *rest = queue(repo, 3)
    smtp.mailbox.hold_if = lambda received: received.message_id == head.message_id
    smtp.mailbox.hold.set()
    alerts = {"smtp": smtp.smtp_config(timeout=1), "subscriptions": [DESK]}
    clock = Clock()
    box = delivery(repo, alerts, clock)

    report = box.run()  # the head times out; the connection is gone, the rest waits
    assert (report.sent, report.held, smtp.mailbox.copies(head.message_id)) == (0, 0, 1)
    message = repo.message(head.id)
    assert message is not None
    assert (message.status, message.attempts, message.interrupted) == ("pending", 1, 1)
    assert "after the message went out" in (message.last_error or "")

    clock.advance(SETTINGS.retry_max)
    report = box.run()  # the one repeat, interrupted again: held
    assert (report.held, smtp.mailbox.copies(head.message_id)) == (1, 2)
    for _ in range(3):
        clock.advance(SETTINGS.retry_max)
        box.run()
    assert smtp.mailbox.copies(head.message_id) == 2
    assert [smtp.mailbox.copies(m.message_id) for m in rest] == [1, 1]
    message = repo.message(head.id)
    assert message is not None and message.status == "held"
    assert repo.count_messages() == {"held": 1, "sent": 2}
    repo.close()


def test_a_claim_left_by_a_dead_sender_is_repeated_once_after_it_runs_out_then_held(
    sqlite_url: str, smtp: SmtpServer
):
    repo = Repository.open(sqlite_url)
    once, twice = queue(repo, 2)
    alerts = {"smtp": smtp.smtp_config(), "subscriptions": [DESK]}
    clock = Clock()
    box = delivery(repo, alerts, clock)
    claim = SETTINGS.send_claim

    # a sender killed mid-send leaves its claim, the attempt counted; nobody else sends it
    # until the claim runs out, then the attempt counts as interrupted and it is repeated
    dead = repo.claim_message("dead sender 1", clock(), claim)
    assert dead is not None and dead.id == once.id
    assert box.run().sent == 1  # the other one
    assert smtp.mailbox.copies(once.message_id) == 0
    clock.advance(claim)
    assert box.run().sent == 1
    message = repo.message(once.id)
    assert message is not None
    assert (message.status, message.attempts, message.interrupted) == ("sent", 2, 1)

    # interrupted twice (the repeat's sender was killed too): held, not sent a third time
    repo.requeue(twice.id, clock())
    for n in (2, 3):
        if n == 3:  # the next sender finds the claim run out, and dies sending the repeat
            (recovered,) = repo.recover_interrupted(clock())
            assert (recovered.status, recovered.interrupted) == ("pending", 1)
        dead = repo.claim_message(f"dead sender {n}", clock(), claim)
        assert dead is not None and dead.id == twice.id
        assert box.run().sent == 0
        clock.advance(claim)
    report = box.run()
    assert (report.sent, report.held) == (0, 1)
    message = repo.message(twice.id)
    assert message is not None
    assert (message.status, message.attempts, message.interrupted) == ("held", 3, 2)

    # a person decides: `alerts resend` releases it
    repo.requeue(twice.id, clock())
    assert box.run().sent == 1
    assert smtp.mailbox.copies(twice.message_id) == 2  # once before, once on request
    repo.close()
