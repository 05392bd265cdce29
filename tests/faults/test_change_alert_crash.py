"""An "edited" alert whose sender is killed mid-send: sent again once after the restart, with
the same Message-ID, and never again (docs/revisions.md, alerts on change)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle
from storage import Repository
from tests.faults.test_sender_crash import Senders
from tests.support.alerts import root_logging, write_alerts  # noqa: F401  (a fixture)
from tests.support.portal import serve
from tests.support.smtp import Received, SmtpServer
from tests.test_revisions import STYLE, edited, portal, recheck  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("root_logging")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def is_edit(received: Received) -> bool:
    return received.subject.startswith("[govwatch] edited:")


def test_an_edited_alert_killed_mid_send_repeats_once_with_its_message_id(
    portal: tuple[PortalSite, Path, list[SiteArticle], str],  # noqa: F811
    smtp: SmtpServer,
    tmp_path: Path,
) -> None:
    site, portals, articles, db = portal
    serve(site, STYLE, [edited(articles[0]), *articles[1:]])
    recheck(portals, db)
    desk = {"name": "desk", "to": "a@example.org", "changes": True}
    alerts = write_alerts(tmp_path / "alerts.yaml", smtp.smtp_config(), [desk])
    # the server records the edit's DATA, then keeps its sender waiting for the answer
    smtp.mailbox.hold_if = is_edit
    smtp.mailbox.hold.set()
    senders = Senders(tmp_path, db, alerts)
    try:
        killed = senders.start()
        senders.wait_until(
            lambda: sum(map(is_edit, smtp.mailbox.all())) == 1, "the edit at the server"
        )
        killed.kill()
        killed.wait()
        smtp.mailbox.hold.clear()
        smtp.mailbox.release.set()
        for _ in range(2):  # the restart repeats it once; a second restart sends nothing
            senders.start()
            senders.finish()
    finally:
        senders.kill_all()

    edits = [r for r in smtp.mailbox.all() if is_edit(r)]
    assert len(edits) == 2, senders.log()
    assert edits[0].message_id == edits[1].message_id
    repo = Repository.open(db)
    try:
        (message,) = [m for m in repo.messages(("sent",)) if m.key.startswith("change:desk:")]
        assert (message.status, message.interrupted) == ("sent", 1)
    finally:
        repo.close()
