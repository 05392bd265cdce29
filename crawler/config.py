"""govwatch's own settings, read once from Scrapy settings and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

ENV_OVERRIDABLE = ("GOVWATCH_DB", "GOVWATCH_PORTALS")


def _get(settings: BaseSettings, name: str) -> str:
    """A command-line or per-spider value wins, then the environment, then the default."""
    explicit = (settings.getpriority(name) or 0) > SETTINGS_PRIORITIES["project"]
    if not explicit and name in ENV_OVERRIDABLE and os.environ.get(name):
        return os.environ[name]
    return str(settings.get(name))


@dataclass(frozen=True)
class GovwatchSettings:
    db_url: str
    portals_path: str
    full: bool
    batch_size: int
    max_list_pages: int
    progress_interval: float
    check_articles: int  # >0: `portal check` mode, fetch this many articles of page one

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> GovwatchSettings:
        return cls(
            db_url=_get(settings, "GOVWATCH_DB"),
            portals_path=_get(settings, "GOVWATCH_PORTALS"),
            full=settings.getbool("GOVWATCH_FULL"),
            batch_size=max(1, settings.getint("GOVWATCH_BATCH_SIZE")),
            max_list_pages=max(1, settings.getint("GOVWATCH_MAX_LIST_PAGES")),
            progress_interval=settings.getfloat("GOVWATCH_PROGRESS_INTERVAL"),
            check_articles=settings.getint("GOVWATCH_CHECK_ARTICLES"),
        )
