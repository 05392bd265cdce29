"""Leases: one row per "only one at a time", with a holder, a heartbeat and an expiry.

The active scheduler, each portal's crawl and alert delivery take a lease by name. A lease
is the holder's while it renews it before ``expires_at``; a holder that crashed or lost the
database loses it then, and a holder whose renewal fails must treat it as lost until it
takes it again. Times are the holders' clocks (UTC): keep them in sync (NTP).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from storage.base import Store
from storage.durations import utcnow
from storage.models import Lease, WorkerRow
from storage.retry import retried


def holder_name(role: str, pid: int | None = None) -> str:
    """How a process names itself as a holder: its role, host and process id (``pid``: a
    child's, whose leases its parent releases once it saw it die)."""
    return f"{role} {socket.gethostname()} pid {os.getpid() if pid is None else pid}"


@dataclass(frozen=True)
class LeaseInfo:
    name: str
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return self.expires_at > now


@dataclass(frozen=True)
class WorkerInfo:
    """A `govwatch worker` as it last reported itself."""

    name: str
    host: str
    queues: list[str]
    started_at: datetime
    heartbeat_at: datetime
    batches: int


class Leases(Store):
    @retried("take a lease")
    def acquire_lease(self, name: str, holder: str, ttl: float) -> bool:
        """Take ``name`` for ``holder`` for ``ttl`` seconds, if it is free, expired or
        already ``holder``'s (so a retried call after a lost answer succeeds too)."""
        now = utcnow()
        expires = now + timedelta(seconds=ttl)
        with self.session.begin() as session:
            # RETURNING says what happened: psycopg gives no rowcount for ON CONFLICT
            inserted = session.scalar(
                self._insert(Lease)
                .values(
                    name=name, holder=holder, acquired_at=now, heartbeat_at=now, expires_at=expires
                )
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(Lease.name)
            )
            if inserted is not None:
                return True
            # one conditional UPDATE: of two racing takers the database lets one match
            taken = session.scalar(
                update(Lease)
                .where(Lease.name == name, (Lease.expires_at <= now) | (Lease.holder == holder))
                .values(holder=holder, acquired_at=now, heartbeat_at=now, expires_at=expires)
                .returning(Lease.name)
                .execution_options(synchronize_session=False)
            )
            return taken is not None

    @retried("renew a lease")
    def renew_lease(self, name: str, holder: str, ttl: float) -> bool:
        """Extend ``holder``'s live lease; False when it expired or another took it (the
        caller has lost it and must stop what the lease guards, or take it again)."""
        now = utcnow()
        with self.session.begin() as session:
            renewed = session.scalar(
                update(Lease)
                .where(Lease.name == name, Lease.holder == holder, Lease.expires_at > now)
                .values(heartbeat_at=now, expires_at=now + timedelta(seconds=ttl))
                .returning(Lease.name)
                .execution_options(synchronize_session=False)
            )
            return renewed is not None

    @retried("release a lease")
    def release_lease(self, name: str, holder: str) -> None:
        """Give ``name`` up, if ``holder`` still holds it."""
        with self.session.begin() as session:
            session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))

    @retried("read leases")
    def leases(self, prefix: str = "") -> list[LeaseInfo]:
        """Every lease whose name starts with ``prefix``, live or expired, by name."""
        with self.session() as session:
            rows = session.scalars(
                select(Lease)
                .where(Lease.name.startswith(prefix, autoescape=True))
                .order_by(Lease.name)
            )
            return [
                LeaseInfo(r.name, r.holder, r.acquired_at, r.heartbeat_at, r.expires_at)
                for r in rows
            ]

    @retried("read a lease")
    def lease_holder(self, name: str) -> LeaseInfo | None:
        """Who holds ``name`` now, or None when it is free or expired."""
        with self.session() as session:
            lease = session.get(Lease, name)
            if lease is None or lease.expires_at <= utcnow():
                return None
            return LeaseInfo(
                lease.name, lease.holder, lease.acquired_at, lease.heartbeat_at, lease.expires_at
            )

    @retried("record a worker's heartbeat")
    def worker_beat(
        self, name: str, host: str, queues: list[str], started: datetime, batches: int = 0
    ) -> None:
        """The worker ``name`` is alive now; ``batches`` more batches done since its last beat."""
        now = utcnow()
        with self.session.begin() as session:
            insert = self._insert(WorkerRow).values(
                name=name,
                host=host,
                queues=",".join(queues),
                started_at=started,
                heartbeat_at=now,
                batches=batches,
            )
            session.execute(
                insert.on_conflict_do_update(
                    index_elements=["name"],
                    set_={"heartbeat_at": now, "batches": WorkerRow.batches + batches},
                )
            )

    @retried("read the workers")
    def workers(self) -> list[WorkerInfo]:
        """Every worker that has run on this database, the latest heartbeat first."""
        with self.session() as session:
            rows = session.scalars(select(WorkerRow).order_by(WorkerRow.heartbeat_at.desc()))
            return [
                WorkerInfo(
                    r.name,
                    r.host,
                    [q for q in r.queues.split(",") if q],
                    r.started_at,
                    r.heartbeat_at,
                    r.batches,
                )
                for r in rows
            ]
