"""Rendering settings (GOVWATCH_CHROMIUM, GOVWATCH_RENDER_*), read and checked once."""

from __future__ import annotations

import os
from dataclasses import dataclass

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings


@dataclass(frozen=True)
class RenderConfig:
    chromium: str  # the browser binary; $GOVWATCH_CHROMIUM unless a setting names one
    timeout: float  # seconds for a page to load and its list to appear
    challenge_visits: int  # browser visits per crawl to pass JS challenges; then "blocked"
    render_articles: bool  # articles through the browser too (else only when challenged)
    user_agent: str  # the browser's, so that cookies it earns fit plain requests

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RenderConfig:
        explicit = (settings.getpriority("GOVWATCH_CHROMIUM") or 0) > SETTINGS_PRIORITIES["project"]
        chromium = settings.get("GOVWATCH_CHROMIUM")
        if not explicit and os.environ.get("GOVWATCH_CHROMIUM"):
            chromium = os.environ["GOVWATCH_CHROMIUM"]
        timeout = settings.getfloat("GOVWATCH_RENDER_TIMEOUT")
        if timeout <= 0:
            raise ValueError(f"GOVWATCH_RENDER_TIMEOUT must be positive, not {timeout}")
        return cls(
            chromium=str(chromium),
            timeout=timeout,
            challenge_visits=max(0, settings.getint("GOVWATCH_RENDER_CHALLENGE_VISITS")),
            render_articles=settings.getbool("GOVWATCH_RENDER_ARTICLES"),
            user_agent=str(settings.get("USER_AGENT")),
        )

    @property
    def timeout_ms(self) -> float:
        return self.timeout * 1000
