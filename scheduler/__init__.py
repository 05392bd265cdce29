"""The daemon: APScheduler loop, crawl runner, alert delivery, mailer and portal health."""

from __future__ import annotations
