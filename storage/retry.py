"""Retrying a transaction while the database is unreachable or locked, then a clear error.

Every public repository method is one transaction, so running it again after an OperationalError
(a lost connection, a restarting server, SQLite's "database is locked" past its busy timeout)
repeats the whole of it or nothing. After the last attempt the error becomes
:class:`~storage.exceptions.StorageUnavailable`, naming the database without its password.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from storage.db import SQLITE_BUSY_TIMEOUT
from storage.durations import parse_duration
from storage.exceptions import StorageError, StorageUnavailable

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class RetrySettings:
    """GOVWATCH_DB_* settings, read once per repository (docs/reliability.md)."""

    attempts: int = 6  # tries of one transaction, the first included
    backoff: float = 1.0  # seconds before the second try; doubles after each failure
    backoff_max: float = 15.0  # the longest wait between two tries
    busy_timeout: float = SQLITE_BUSY_TIMEOUT  # SQLite: one try's wait for a writer's lock

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RetrySettings:
        values: dict[str, int | float] = {}
        for item in fields(cls):
            variable = f"GOVWATCH_DB_{item.name.upper()}"
            raw = env.get(variable, "").strip()
            if not raw:
                continue
            try:
                value = int(raw) if item.name == "attempts" else parse_duration(raw).total_seconds()
            except ValueError as exc:
                raise StorageError(f"{variable}={raw!r}: {exc}") from None
            if value <= 0:
                raise StorageError(f"{variable}={raw!r}: must be more than 0")
            values[item.name] = value
        return cls(**values)  # type: ignore[arg-type]

    def wait(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed try."""
        return float(min(self.backoff_max, self.backoff * 2 ** (failures - 1)))


def unavailable(exc: Exception) -> bool:
    """Whether ``exc`` means the database is unreachable or busy (worth another try)."""
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def reason(exc: DBAPIError) -> str:
    """The driver's message, first line only: SQLAlchemy's own carries the statement and
    every parameter of the batch."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


class Retrying(Protocol):
    """What :func:`retried` needs of the object whose methods it wraps."""

    retry: RetrySettings

    @property
    def url(self) -> str: ...  # the database, password hidden


R = TypeVar("R", bound=Retrying)


def retried(
    what: str,
) -> Callable[[Callable[Concatenate[R, P], T]], Callable[Concatenate[R, P], T]]:
    """Run the decorated method, one transaction, again while the database is unavailable."""

    def decorate(method: Callable[Concatenate[R, P], T]) -> Callable[Concatenate[R, P], T]:
        @functools.wraps(method)
        def wrapper(self: R, *args: P.args, **kwargs: P.kwargs) -> T:
            # an argument that reads only once (a generator of URLs) must last every try
            once = tuple(list(arg) if isinstance(arg, Iterator) else arg for arg in args)
            settings = self.retry
            failures = 0
            while True:
                try:
                    return method(self, *once, **kwargs)  # type: ignore[arg-type]
                except DBAPIError as exc:
                    if not unavailable(exc):
                        raise
                    failures += 1
                    if failures >= settings.attempts:
                        raise StorageUnavailable(
                            f"database {self.url}: cannot {what} after {failures} attempts: "
                            f"{reason(exc)}"
                        ) from exc
                    pause = settings.wait(failures)
                    logger.warning(
                        "database %s: cannot %s (%s); attempt %d of %d in %gs",
                        self.url,
                        what,
                        reason(exc),
                        failures + 1,
                        settings.attempts,
                        pause,
                    )
                    time.sleep(pause)

        wrapper.retried = what  # type: ignore[attr-defined]  # tests/test_storage.py checks it
        return wrapper

    return decorate
