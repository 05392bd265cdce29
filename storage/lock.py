"""One daemon per database: a lock its `govwatch run` holds for its lifetime.

SQLite: an flock on ``<database>.daemon.lock``; PostgreSQL: a session advisory lock. The
operating system or the server releases either when the process dies.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from sqlalchemy import Connection, text

from storage.base import Store
from storage.exceptions import StorageError
from storage.retry import retried

_PG_KEY = "hashtext('govwatch daemon')"


class DaemonRunning(StorageError):
    """Another `govwatch run` holds this database."""


class HeldLock:
    """The daemon lock, held until :meth:`release` or the end of a ``with`` block."""

    def __init__(self, connection: Connection | None = None, handle: IO[str] | None = None):
        self._connection = connection
        self._handle = handle

    def release(self) -> None:
        if self._connection is not None:
            self._connection.execute(text(f"SELECT pg_advisory_unlock({_PG_KEY})"))
            self._connection.commit()
            self._connection.close()
            self._connection = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> HeldLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


class DaemonLock(Store):
    """Refuses a second daemon on the same database."""

    @retried("take the daemon lock")
    def daemon_lock(self) -> HeldLock:
        """Take the lock now (DaemonRunning when another process holds it): ``with
        repo.daemon_lock():`` holds it for the block."""
        if self.dialect == "postgresql":
            connection = self.engine.connect()
            try:
                if not connection.scalar(text(f"SELECT pg_try_advisory_lock({_PG_KEY})")):
                    raise DaemonRunning(f"another govwatch daemon is running on {self.url}")
                connection.commit()
            except BaseException:
                connection.close()
                raise
            return HeldLock(connection=connection)
        database = self.engine.url.database
        if not database or database == ":memory:":
            return HeldLock()
        path = Path(f"{database}.daemon.lock")
        handle: IO[str] = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DaemonRunning(
                f"another govwatch daemon is running on {self.url} ({path} is locked)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return HeldLock(handle=handle)
