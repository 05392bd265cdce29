"""What the routes share: the configuration, the repository, the templates."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from crawler.web import records
from crawler.web.config import ServeConfig
from storage import Repository
from storage.zones import PORTAL_ZONE

HERE = Path(__file__).parent
CHOICES_TTL = 60.0  # seconds the search form's list of portals is kept


@dataclass
class Portal:
    """A stored portal as the status table reads one, when portals.yaml is not at hand."""

    name: str
    title: str | None
    region: str | None
    schedule: str = ""
    settings: dict[str, Any] | None = None


class Web:
    """What the routes share: the configuration, the repository, the templates."""

    def __init__(self, config: ServeConfig, repo: Repository) -> None:
        self.config = config
        self.repo = repo
        env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every portal string is hostile input
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            href=records.safe_href,
            local_time=lambda value: records.local_time(value, config.tz),
            day=records.day_label,
            display=lambda value, name="": records.display(name, value, config.tz),
        )
        env.globals.update(
            meeting_title=records.meeting_title,
            token_set=bool(config.token),
            zone_name=config.zone,
        )
        self.templates = Jinja2Templates(env=env)
        self._choices: tuple[float, list[tuple[str, str]]] | None = None

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def portal_choices(self) -> list[tuple[str, str]]:
        """(name, title) of every stored portal, for the search form; read at most once a
        minute (a thousand portals cost more than the search)."""
        now = time.monotonic()
        if self._choices is None or now - self._choices[0] > CHOICES_TTL:
            rows = sorted((p.name, p.title or p.name) for p in self.repo.portal_rows())
            self._choices = (now, rows)
        return self._choices[1]

    def portals(self) -> list[Any]:
        """portals.yaml's entries, or the portals stored when there is no portal file."""
        if self.config.portals.exists():
            from crawler.configfiles.portals import load_portals

            return list(load_portals(self.config.portals))
        return [Portal(p.name, p.title, p.region) for p in self.repo.portal_rows()]

    def alerts(self) -> Any:
        from crawler.configfiles.alerts import load_alerts
        from scheduler.alerts_file import AlertsConfig

        if not self.config.alerts_named and not self.config.alerts.exists():
            return AlertsConfig()
        return load_alerts(self.config.alerts)


def today() -> date:
    return datetime.now(PORTAL_ZONE).date()
