"""When each subscription started: it is told only of announcements first seen after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from storage.base import Store, chunks
from storage.models import SubscriptionStart
from storage.retry import retried


class Subscribers(Store):
    """The subscription_starts table, keyed by name (a renamed subscription is a new one)."""

    @retried("record subscription starts")
    def subscription_starts(self, names: Iterable[str], now: datetime) -> dict[str, datetime]:
        """Each of ``names``' start; one never seen before starts ``now``."""
        wanted = list(dict.fromkeys(names))
        with self.session.begin() as session:
            for name in wanted:
                stmt = self._insert(SubscriptionStart).values(name=name, started_at=now)
                session.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
            starts: dict[str, datetime] = {}
            for chunk in chunks(wanted):
                rows = session.execute(
                    select(SubscriptionStart.name, SubscriptionStart.started_at).where(
                        SubscriptionStart.name.in_(chunk)
                    )
                )
                starts.update({name: started for name, started in rows})
            return starts
