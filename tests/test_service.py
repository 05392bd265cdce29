"""The daemon's crawl services (scheduler/services.py, crawler/service): batches of portals
through long-lived `python -m crawler.service` processes, against mock portals on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crawler.configfiles.portals import Portal, load_portals
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from scheduler.runner import Outcome
from scheduler.services import KILLED_TWICE, ServiceRunner
from scheduler.settings import Settings
from storage import Repository
from tests.faults.support import wait_until
from tests.support.portal import ROOT, make_articles, portal_entry, serve, write_portals

STYLE = SiteStyle(per_page=20)
LIST = "/xwzx/zwdt/index.html"


@pytest.fixture
def sites() -> Iterator[list[PortalSite]]:
    started = [PortalSite().start() for _ in range(3)]
    for i, site in enumerate(started):
        serve(site, STYLE, make_articles(3, prefix=f"s{i}"))
    yield started
    for site in started:
        site.stop()


def make_runner(
    tmp_path: Path, db: str, sites: list[PortalSite], **extra: dict[str, str]
) -> tuple[ServiceRunner, dict[str, Portal], Repository]:
    entries = [
        portal_entry(f"p{i}", site.url(LIST), settings=extra.get(f"p{i}", {}))
        for i, site in enumerate(sites)
    ]
    path = write_portals(tmp_path / "portals.yaml", entries)
    portals = {p.name: p for p in load_portals(path)}
    repo = Repository.open(db)
    command = [sys.executable, "-m", "crawler.service", "--portals", str(path)]
    env = {**os.environ, "GOVWATCH_DB": db, "PYTHONPATH": str(ROOT)}
    settings = Settings(crawl_services=1, service_batch_window=1.0, kill_grace=2.0)
    runner = ServiceRunner(repo, settings, command, lambda p: p.model_dump(mode="json"), env=env)
    return runner, portals, repo


def run_together(runner: ServiceRunner, portals: list[Portal]) -> dict[str, Outcome]:
    """Every portal falls due at once, each waited for by its own thread (as the daemon's)."""
    with ThreadPoolExecutor(len(portals)) as pool:
        return {o.portal: o for o in pool.map(runner.run, portals)}


def test_an_unchanged_portal_is_one_conditional_request_and_a_recorded_run(
    tmp_path: Path, sqlite_url: str, sites: list[PortalSite]
):
    runner, portals, repo = make_runner(tmp_path, sqlite_url, sites)
    try:
        first = run_together(runner, list(portals.values()))
        assert {o.status for o in first.values()} == {"finished"}, first
        assert not any(o.unchanged for o in first.values())
        assert len(list(repo.export())) == 9
        for site in sites:
            site.clear_hits()
        pids = {s.pid for s in runner.services}
        second = run_together(runner, list(portals.values()))
        assert {o.status for o in second.values()} == {"finished"}, second
        assert {s.pid for s in runner.services} == pids  # the same process, batch after batch
        assert all(o.unchanged for o in second.values())  # the daemon skips judging these
        for name, site in zip(portals, sites, strict=True):
            pages = [h for h in site.hits if h.path != "/robots.txt"]
            assert [(h.path, h.status) for h in pages] == [(LIST, 304)], name
            last = repo.last_run(name)
            assert last is not None and last.status == "finished" and last.not_modified == 1
            site.clear_hits()
        run_together(runner, list(portals.values()))
        # robots.txt is kept across batches: the third check is the list page alone
        assert [[(h.path, h.status) for h in site.hits] for site in sites] == [[(LIST, 304)]] * 3
        assert len(repo.runs("p0")) == 3
    finally:
        runner.stop_all()
        repo.close()


def test_a_hanging_portal_is_timed_out_alone(
    tmp_path: Path, sqlite_url: str, sites: list[PortalSite]
):
    release = threading.Event()

    def hang(path: str, headers: dict[str, str]) -> None:
        release.wait(60)
        return None

    sites[1].handlers.append(hang)
    runner, portals, repo = make_runner(
        tmp_path, sqlite_url, sites, p1={"GOVWATCH_CRAWL_TIMEOUT": "4s"}
    )
    done: dict[str, Outcome] = {}
    try:
        threads = [
            threading.Thread(target=lambda p=p: done.update({p.name: runner.run(p)}))
            for p in portals.values()
        ]
        for thread in threads:
            thread.start()
        # the others end while p1 hangs, not after its deadline
        wait_until(lambda: "p0" in done and "p2" in done, timeout=60, what="results")
        assert "p1" not in done
        assert done["p0"].status == done["p2"].status == "finished"
        wait_until(lambda: "p1" in done, timeout=60, what="results")
        assert done["p1"].status == "failed"
        last = repo.last_run("p1")
        assert last is not None and last.status == "failed" and last.finished_at is not None
    finally:
        release.set()
        runner.stop_all()
        repo.close()


def test_a_killed_service_takes_no_result_with_it(
    tmp_path: Path, sqlite_url: str, sites: list[PortalSite]
):
    hit = threading.Event()
    release = threading.Event()

    def hold(path: str, headers: dict[str, str]) -> None:
        if path == LIST and not release.is_set():
            hit.set()
            release.wait(60)
        return None

    sites[2].handlers.append(hold)
    runner, portals, repo = make_runner(tmp_path, sqlite_url, sites)
    try:
        with ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(runner.run, p) for p in portals.values()]
            assert hit.wait(60)
            first = runner.services[0]
            os.killpg(first.pid, signal.SIGKILL)
            release.set()
            outcomes = {f.result().portal: f.result() for f in futures}
        assert {o.status for o in outcomes.values()} == {"finished"}, outcomes
        assert first.pid not in {s.pid for s in runner.services}
        urls = [r["url"] for r in list(repo.export())]
        assert len(urls) == len(set(urls)) == 9  # each stored once
    finally:
        release.set()
        runner.stop_all()
        repo.close()


def test_a_portal_that_kills_its_service_twice_is_run_alone_and_reported(
    tmp_path: Path, sqlite_url: str, sites: list[PortalSite]
):
    runner, portals, repo = make_runner(tmp_path, sqlite_url, sites)
    kills: list[int] = []

    def crash(path: str, headers: dict[str, str]) -> None:
        if path == LIST:  # the crawl of p1 brings its process down, every time
            for service in list(runner.services):
                if service.process.poll() is None and service.unfinished.get("p1"):
                    kills.append(service.pid)
                    os.killpg(service.pid, signal.SIGKILL)
        return None

    sites[1].handlers.append(crash)
    try:
        outcomes = run_together(runner, list(portals.values()))
        assert outcomes["p1"].status == "failed"
        assert KILLED_TWICE in (outcomes["p1"].problem or "")
        assert len(kills) == 3  # two shared services, then its own
        last = repo.last_run("p1")
        assert last is not None and KILLED_TWICE in (last.message or "")
        # the others were crawled, each once, whatever their service's fate
        for name in ("p0", "p2"):
            assert outcomes[name].status == "finished"
        urls = [r["url"] for r in list(repo.export())]
        assert len(urls) == len(set(urls)) == 6
    finally:
        runner.stop_all()
        repo.close()
