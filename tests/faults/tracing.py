"""``python -m tests.faults.tracing ARGS…``: ``govwatch ARGS…`` that writes a line to stderr
as each batch's INSERT of announcements starts, so a test sees a write begin under a lock.
Test-only: production code has no fault hooks."""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from crawler import cli

INSERTING = "test: inserting announcements"


def install() -> None:
    @event.listens_for(Engine, "before_cursor_execute")
    def trace(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("INSERT INTO announcements "):
            print(INSERTING, file=sys.stderr, flush=True)


if __name__ == "__main__":
    install()
    sys.exit(cli.main(sys.argv[1:]))
