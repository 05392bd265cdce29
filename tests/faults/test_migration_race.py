"""Several processes open a new database at the same moment: one migrates, the others wait for
it and find the schema done (before, 1 in 2 failed: ``table alembic_version already exists``)."""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.synchronize import Barrier

from storage import Repository
from storage.db import connect, current_revisions, migration_heads

PROCESSES = 6


def open_at_once(url: str, barrier: Barrier, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    barrier.wait()
    try:
        Repository.open(url).close()
        results.put("ok")
    except BaseException:
        results.put(traceback.format_exc())


def test_processes_opening_a_new_database_at_once_all_succeed(db_url: str):
    context = multiprocessing.get_context("spawn")  # new interpreters, as separate commands are
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=open_at_once, args=(db_url, barrier, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert [o for o in outcomes if o != "ok"] == []
    engine = connect(db_url)
    try:
        with engine.connect() as connection:
            assert current_revisions(connection) == migration_heads()
    finally:
        engine.dispose()
