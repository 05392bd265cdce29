"""A crash loop: the sender is killed mid-send again and again, while the SMTP server holds
its answer to one email's DATA. That email arrives at most twice, with one Message-ID, then
waits in `govwatch alerts pending` for a person; the rest of the queue arrives once each.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.cli import main
from storage import Repository
from tests.support.alerts import root_logging, write_alerts  # noqa: F401  (a fixture)
from tests.support.portal import ROOT
from tests.support.smtp import SmtpServer
from tests.test_alerts_outbox import Clock, delivery, record, seed

pytestmark = pytest.mark.usefixtures("root_logging")

CLAIM = "1s"  # GOVWATCH_SEND_CLAIM: how long a dead sender's claim holds its email


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


class Senders:
    """``python -m tests.faults.sender`` processes, one after the other, each with its log."""

    def __init__(self, tmp_path: Path, db: str, alerts: Path) -> None:
        self.tmp_path, self.db, self.alerts = tmp_path, db, alerts
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = self.tmp_path / f"sender-{len(self.started) + 1}.log"
        env = {**os.environ, "GOVWATCH_SEND_CLAIM": CLAIM, "PYTHONUNBUFFERED": "1"}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.sender", self.db, str(self.alerts)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.started.append((process, log))
        return process

    def log(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()}" for _, log in self.started)

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
        process = self.started[-1][0]
        deadline = time.monotonic() + timeout
        while not condition():
            assert process.poll() is None, f"the sender ended before {what}:\n{self.log()}"
            assert time.monotonic() < deadline, f"no {what} within {timeout}s:\n{self.log()}"
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> None:
        process = self.started[-1][0]
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError(f"the sender did not finish the queue:\n{self.log()}") from None
        assert code == 0, self.log()

    def kill_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_a_sender_killed_mid_send_again_and_again_sends_that_email_at_most_twice(
    tmp_path: Path, db_url: str, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
):
    repo = Repository.open(db_url)
    seed(repo, [record(f"http://w/{i}.html", f"第{i}次常务会议") for i in range(4)])
    alerts = write_alerts(
        tmp_path / "alerts.yaml", smtp.smtp_config(), [{"name": "desk", "to": "a@example.org"}]
    )
    delivery(repo, {"subscriptions": [{"name": "desk", "to": "a@example.org"}]}, Clock()).expand()
    head, *rest = repo.messages()
    assert len(rest) == 3
    # the server records the head email's DATA, then keeps its sender waiting for the answer
    smtp.mailbox.hold_if = lambda received: received.message_id == head.message_id
    smtp.mailbox.hold.set()
    senders = Senders(tmp_path, db_url, alerts)
    try:
        for copies in (1, 2):  # killed while the server holds the answer: twice
            process = senders.start()
            senders.wait_until(
                lambda n=copies: smtp.mailbox.copies(head.message_id) == n,
                f"copy {copies} of the head email at the server",
            )
            process.kill()
            process.wait()
        for _ in range(2):  # two more restarts: the head is held, the rest goes out once
            senders.start()
            senders.finish()
    finally:
        senders.kill_all()

    received = smtp.mailbox.all()
    assert smtp.mailbox.copies(head.message_id) == 2, senders.log()
    assert [smtp.mailbox.copies(m.message_id) for m in rest] == [1, 1, 1], senders.log()
    assert len(received) == 5
    message = repo.message(head.id)
    assert message is not None
    assert (message.status, message.attempts, message.interrupted) == ("held", 2, 2)
    assert repo.count_messages() == {"held": 1, "sent": 3}
    assert "held, for its sending was interrupted twice" in senders.log()

    assert main(["alerts", "pending", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert f"email #{head.id} to a@example.org is held" in out
    assert "may have arrived already" in out
    assert f"`govwatch alerts resend {head.id}`" in out

    # a person decides to send it once more
    smtp.mailbox.hold.clear()
    assert main(["alerts", "resend", str(head.id), "--db", db_url]) == 0
    senders.start()
    senders.finish()
    assert smtp.mailbox.copies(head.message_id) == 3
    assert repo.count_messages() == {"sent": 4}
    repo.close()
