"""Page analysis in worker processes: the same records as in the crawl's own process, and a
worker that dies loses nothing (its page is fetched again by the next crawl)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.crawl.config import CrawlConfig
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from crawler.exceptions import ConfigError
from crawler.pipelines.workers import WorkerDied, Workers, default_workers
from tests.support.portal import (
    ROOT,
    crawl,
    last_run,
    make_articles,
    portal_entry,
    records,
    serve,
    stored,
    write_portals,
)

STYLE = SiteStyle(per_page=10, pager="next")
LIST = "/xwzx/zwdt/index.html"
# every page through the workers (none analysed in the crawl's process first)
IN_WORKERS = {"GOVWATCH_WORKERS": 1, "GOVWATCH_WORKERS_AFTER": 0}
IN_PROCESS = {"GOVWATCH_WORKERS": 0}


def test_workers_store_exactly_what_the_crawl_process_stores(site: PortalSite, tmp_path: Path):
    serve(site, STYLE, make_articles(25))
    results = {}
    for mode, settings in (("workers", IN_WORKERS), ("process", IN_PROCESS)):
        portals = write_portals(
            tmp_path / f"{mode}.yaml",
            [portal_entry("weibin", site.url(LIST), settings=settings)],
        )
        db = f"sqlite:///{tmp_path / mode}.db"
        log = crawl(portals, db).stderr
        results[mode] = records(db)
        assert last_run(db, "weibin").status == "finished"
        elsewhere, here = (25, 0) if mode == "workers" else (0, 25)
        assert f"weibin: {elsewhere} pages analysed in worker processes, {here} in the" in log
    assert len(results["workers"]) == 25
    assert results["workers"] == results["process"]
    assert any(r["is_meeting"] for r in results["workers"].values())


def test_a_worker_that_dies_loses_nothing(site: PortalSite, tmp_path: Path, sqlite_url: str):
    articles = make_articles(12)
    serve(site, STYLE, articles)
    urls = {site.url(f"{STYLE.root}{a.slug}.html") for a in articles}
    portals = write_portals(
        tmp_path / "portals.yaml",
        [portal_entry("weibin", site.url(LIST), settings=IN_WORKERS)],
    )
    # every worker dies on its first page; pages the crawl's process analyses itself (while
    # the workers are busy) are stored
    command = ["crawl", "--portals", str(portals), "--db", sqlite_url]
    result = subprocess.run(
        [sys.executable, "-m", "tests.faults.dying_worker", *command],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "GOVWATCH_TEST_POISON": STYLE.root},
    )
    lost = set(
        re.findall(
            r"portal weibin: an analysis worker process died \(exit code 70\) analysing (\S+)",
            result.stderr,
        )
    )
    assert lost and lost <= urls
    assert stored(sqlite_url) == urls - lost
    assert last_run(sqlite_url, "weibin").status == "partial"
    crawl(portals, sqlite_url)  # healthy workers: the next crawl fetches the lost pages again
    assert stored(sqlite_url) == urls
    assert last_run(sqlite_url, "weibin").status == "finished"


def test_the_pool_is_replaced_after_a_worker_dies():
    async def calls(workers: Workers) -> None:
        assert await workers.run(abs, -3) == 3
        with pytest.raises(WorkerDied, match="exit code 3"):
            await workers.run(os._exit, 3)
        assert await asyncio.gather(*(workers.run(abs, -n) for n in range(20))) == list(range(20))
        with pytest.raises(ZeroDivisionError):  # what the call raised, raised here
            await workers.run(divmod, 1, 0)
        assert workers.in_flight == 0

    workers = Workers(2)
    try:
        asyncio.run(calls(workers))
    finally:
        workers.close()


def test_worker_count_from_settings_and_environment(monkeypatch: pytest.MonkeyPatch):
    from scrapy.settings import Settings

    from crawler import settings as defaults

    def workers(**values) -> int:
        settings = Settings()
        settings.setmodule(defaults, priority="project")
        for name, value in values.items():
            settings.set(name, value, priority="cmdline")
        return CrawlConfig.from_settings(settings).workers

    monkeypatch.delenv("GOVWATCH_WORKERS", raising=False)
    assert workers() == default_workers() == max(0, len(os.sched_getaffinity(0)) - 1)
    assert workers(GOVWATCH_WORKERS=0) == 0
    monkeypatch.setenv("GOVWATCH_WORKERS", "3")
    assert workers() == 3
    monkeypatch.setenv("GOVWATCH_WORKERS", "many")
    with pytest.raises(ConfigError, match="GOVWATCH_WORKERS: not a number of processes"):
        workers()


def exit_when_told(fifo: str) -> None:
    """In a worker: wait for a byte on ``fifo``, then die as a crash would."""
    with open(fifo) as told:
        told.read(1)
    os._exit(3)


def test_calls_past_the_socket_wait_in_the_backlog_and_fail_with_their_worker(tmp_path: Path):
    from crawler.pipelines.workers import IN_PIPE_PER_WORKER, QUEUED_PER_WORKER

    async def calls(workers: Workers) -> None:
        many = 3 * IN_PIPE_PER_WORKER
        assert await asyncio.gather(*(workers.run(abs, -n) for n in range(many))) == list(
            range(many)
        )
        # a call cancelled while it waits is never sent; the others are answered
        waiting = [asyncio.ensure_future(workers.run(abs, -n)) for n in range(many)]
        await asyncio.sleep(0)
        waiting[-1].cancel()
        assert await asyncio.gather(*waiting[:-1]) == list(range(many - 1))
        assert workers.in_flight == 0
        # the worker dies holding a call: those written and those waiting all fail. It dies
        # only once every call is handed over (the FIFO), so none goes to its replacement
        fifo = tmp_path / "die"
        os.mkfifo(fifo)
        doomed = [asyncio.ensure_future(workers.run(exit_when_told, str(fifo)))]
        doomed += [asyncio.ensure_future(workers.run(abs, -n)) for n in range(many)]
        await asyncio.sleep(0)  # every task has written its call or queued it
        assert workers.in_flight == many + 1
        with fifo.open("w") as tell:
            tell.write("x")
        results = await asyncio.gather(*doomed, return_exceptions=True)
        assert all(isinstance(r, WorkerDied) for r in results)
        assert workers.in_flight == 0
        assert not workers.busy and QUEUED_PER_WORKER > IN_PIPE_PER_WORKER
        assert await workers.run(abs, -7) == 7  # and a new worker takes the next call

    workers = Workers(1)
    try:
        asyncio.run(calls(workers))
    finally:
        workers.close()
