"""A crawl SIGKILLed before, inside and right after a batch write, then restarted: every record
stored once and whole, every alert sent once. The kill comes from tests/faults/crashing.py."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import PortalSite
from tests.faults.support import crawl_args, portals_file, publish, run, send_alerts, stored
from tests.support.portal import last_run
from tests.support.smtp import SmtpServer

BATCH = 3
KILLED_BATCH = 2
MEETINGS, NOTICES = 10, 2


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("stage", ["before-write", "mid-write", "after-write"])
def test_crawl_killed_at_a_batch_write_then_restarted_stores_and_mails_everything_once(
    site: PortalSite, tmp_path: Path, db_url: str, smtp: SmtpServer, stage: str
):
    urls = publish(site, MEETINGS, NOTICES)
    portals = portals_file(
        site,
        tmp_path / "portals.yaml",
        GOVWATCH_BATCH_SIZE=BATCH,
        CONCURRENT_REQUESTS_PER_DOMAIN=1,
        # the killed crawl holds the portal's lease until its TTL: the restart waits for it
        GOVWATCH_LEASE_TTL="2s",
        GOVWATCH_LEASE_HEARTBEAT="0.5s",
    )
    note = tmp_path / "killed-batch.txt"
    killed = run(
        crawl_args(portals, db_url),
        env={"GOVWATCH_TEST_KILL": f"{stage}:{KILLED_BATCH}", "GOVWATCH_TEST_KILL_NOTE": str(note)},
        module="tests.faults.crashing",
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    batch = note.read_text(encoding="utf-8").split()
    assert len(batch) == BATCH

    after_kill = stored(db_url)
    assert after_kill.half_written == []
    assert len(after_kill.urls) == len(after_kill.unique)
    if stage == "after-write":  # committed: the batch is there, queued for alerts
        assert set(batch) <= after_kill.unique
        assert len(after_kill.urls) == KILLED_BATCH * BATCH
    else:  # not committed: nothing of the batch is there
        assert not set(batch) & after_kill.unique
        assert len(after_kill.urls) == (KILLED_BATCH - 1) * BATCH
    run_left = last_run(db_url, "weibin")
    assert run_left is not None and run_left.status == "running"

    restarted = run([*crawl_args(portals, db_url), "--wait"])
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    after_restart = stored(db_url)
    assert sorted(after_restart.urls) == sorted(urls)  # every record, each once
    assert after_restart.half_written == []
    assert sum(after_restart.events.values()) == after_restart.originals == len(urls)

    assert send_alerts(db_url, smtp).sent == MEETINGS
    assert send_alerts(db_url, smtp).sent == 0
    received = smtp.mailbox.all()
    assert len(received) == MEETINGS == len({r.message_id for r in received})
    mailed = sorted(url for r in received for url in urls if url in r.part("plain"))
    assert mailed == sorted(url for url in urls if url.rsplit("/", 1)[1].startswith("m"))
