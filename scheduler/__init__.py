"""The daemon: APScheduler loop, crawl runner, alert outbox, mailer and portal health."""

from __future__ import annotations
