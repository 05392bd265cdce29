"""Job functions the SQL job store keeps by reference ("scheduler.jobs:crawl"), with plain
arguments; they hand the work to the daemon running in this process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.daemon import Daemon

logger = logging.getLogger(__name__)

CRAWL = "scheduler.jobs:crawl"
DIGEST = "scheduler.jobs:digest"
PRUNE = "scheduler.jobs:prune"

_daemon: Daemon | None = None


def attach(daemon: Daemon | None) -> None:
    """Make ``daemon`` the one stored jobs run in (None detaches it)."""
    global _daemon
    _daemon = daemon


def _current() -> Daemon:
    if _daemon is None:
        raise RuntimeError("no govwatch daemon is running in this process")
    return _daemon


def crawl(portal: str) -> None:
    _current().crawl(portal)


def digest(subscription: str) -> None:
    _current().digest(subscription)


def prune() -> None:
    _current().prune()
