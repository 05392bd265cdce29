"""Portals: each portals.yaml entry as last seen by a crawl, and the cookies a browser earned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update

from storage.base import Store
from storage.durations import utcnow
from storage.models import PortalRow
from storage.retry import retried


class Portals(Store):
    """The portals table: a row per portal name, written by every crawl of it."""

    @retried("record portal")
    def ensure_portal(self, name: str, title: str | None = None, region: str | None = None) -> None:
        """Record a portal, updating its title and region when they changed."""
        stmt = self._insert(PortalRow).values(
            name=name, title=title, region=region, created_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"], set_={"title": title, "region": region}
        )
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("read browser cookies")
    def browser_cookies(self, portal: str) -> list[dict[str, Any]]:
        """The cookies a browser last earned on ``portal`` (expired ones included)."""
        stmt = select(PortalRow.browser_cookies).where(PortalRow.name == portal)
        with self.session() as session:
            return list(session.scalar(stmt) or [])

    @retried("save browser cookies")
    def save_browser_cookies(self, portal: str, cookies: Sequence[Mapping[str, Any]]) -> None:
        stmt = (
            update(PortalRow)
            .where(PortalRow.name == portal)
            .values(browser_cookies=[dict(c) for c in cookies])
        )
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("list portals")
    def portal_names(self) -> list[str]:
        """The names of the portals any crawl has recorded, sorted."""
        with self.session() as session:
            return list(session.scalars(select(PortalRow.name).order_by(PortalRow.name)))
