"""``python -m tests.faults.crashing ARGS…``: ``govwatch ARGS…`` that SIGKILLs itself at one
point of its Nth batch of announcements. Test-only: production code has no fault hooks.

GOVWATCH_TEST_KILL is ``STAGE:N``:

- ``before-write``: the batch is fetched and extracted, and is about to be written;
- ``mid-write``: inside the transaction that writes the batch's announcements, its
  statements done, just before the database commits (SQLAlchemy's ``commit`` engine event,
  which runs before the DBAPI commit);
- ``after-write``: right after that transaction's DBAPI commit returned, before anything
  else (a second transaction of the same batch, say) can happen.

Before dying it writes the batch's URLs, one a line, to GOVWATCH_TEST_KILL_NOTE.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.default import DefaultDialect

from crawler import cli
from storage import Repository

STAGES = ("before-write", "mid-write", "after-write")
INSERTS = "govwatch_test_announcement_inserts"


def die(urls: Sequence[str]) -> None:
    note = os.environ.get("GOVWATCH_TEST_KILL_NOTE")
    if note:
        Path(note).write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)


def install(stage: str, batch: int) -> None:
    """Patch Repository.add_announcements and the dialects' commit; listen to every engine."""
    if stage not in STAGES:
        raise SystemExit(f"GOVWATCH_TEST_KILL: stage must be one of {', '.join(STAGES)}")
    original = Repository.add_announcements
    original_commit = DefaultDialect.do_commit
    calls = 0
    armed: list[str] = []  # the URLs of the batch being written, while it is the target
    committing: list[str] = []  # set while the target batch's transaction commits

    original_insert = Repository._insert_new_announcements

    def count_inserts(self: Repository, session: Any, rows: list[dict[str, Any]]) -> Any:
        # counted here, not by a cursor event: on PostgreSQL the rows go through the
        # driver's executemany, which SQLAlchemy's cursor events do not see
        new = original_insert(self, session, rows)
        info = session.connection().info
        info[INSERTS] = info.get(INSERTS, 0) + 1
        return new

    @event.listens_for(Engine, "commit")
    def before_commit(conn: Connection) -> None:
        if conn.info.pop(INSERTS, 0) and armed:
            if stage == "mid-write":
                die(armed)
            committing[:] = armed

    def do_commit(self: DefaultDialect, dbapi_connection: Any) -> None:
        original_commit(self, dbapi_connection)
        if committing:
            die(committing)

    def add_announcements(
        self: Repository,
        records: Sequence[Mapping[str, Any]],
        enqueue_alerts: bool = False,
        snapshots: Mapping[str, Any] | None = None,
    ) -> list[str]:
        nonlocal calls
        calls += bool(records)
        target = bool(records) and calls == batch
        urls = [str(record["url"]) for record in records]
        if target and stage == "before-write":
            die(urls)
        if target:
            armed[:] = urls
        try:
            return original(self, records, enqueue_alerts=enqueue_alerts, snapshots=snapshots)
        finally:
            armed.clear()

    Repository.add_announcements = add_announcements  # type: ignore[method-assign]
    Repository._insert_new_announcements = count_inserts  # type: ignore[method-assign]
    DefaultDialect.do_commit = do_commit  # type: ignore[method-assign]


def main() -> int:
    stage, _, batch = os.environ.get("GOVWATCH_TEST_KILL", "").partition(":")
    install(stage, int(batch or 1))
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
