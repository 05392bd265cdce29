"""``python -m tests.faults.sender DB ALERTS``: the daemon's sender alone, in a process a test
can kill mid-send. It runs ``Delivery.run`` until nothing is due or being sent, then exits 0.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

from crawler.configfiles.alerts import load_alerts
from scheduler.daemon import make_mailer
from scheduler.delivery import Delivery
from scheduler.settings import Settings
from storage import PENDING, SENDING, Repository
from tests.support.alerts import subscribed_long_ago

ROUND = 0.05  # seconds between two sender runs: the daemon's GOVWATCH_SEND_INTERVAL, shrunk


def main(db: str, alerts_file: str) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(os.environ)
    alerts = load_alerts(Path(alerts_file))
    repo = Repository.open(db)
    subscribed_long_ago(repo, alerts)
    delivery = Delivery(repo, settings, alerts, make_mailer(alerts, settings, os.environ))
    idle = threading.Event()
    while True:
        delivery.run()
        if not repo.messages((PENDING, SENDING)):
            return 0
        idle.wait(ROUND)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
