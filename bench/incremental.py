"""Incremental cost: re-crawling 1,000 unchanged portals with ``govwatch crawl``.

1,000 virtual portals live on one nginx under their own paths (/p0000/…, /p0001/…), each a
TRS-style list of 10 articles over 2 list pages. A first crawl stores their baseline; each
timed crawl after it must cost one conditional GET per portal (plus robots.txt) and fetch no
article. Requests are counted by nginx, not by the crawler.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Options, Result, fmt, median
from bench.nginx import Nginx, nginx_server
from bench.simsite import write_site
from crawler.demo.site import SiteStyle
from storage import Repository
from tests.support.portal import make_articles, portal_entry, write_portals

logger = logging.getLogger(__name__)

NAME = "incremental"
ARTICLES = 10  # per portal
PER_PAGE = 5  # so each portal has two list pages
TARGET_SECONDS = 60.0


def style(index: int) -> SiteStyle:
    return SiteStyle(root=f"/p{index:04d}/xwzx/zwdt/", per_page=PER_PAGE)


def build(root: Path, portals: int) -> None:
    for i in range(portals):
        write_site(root, style(i), make_articles(ARTICLES, prefix=f"p{i}x"))


def crawl(portals: Path, db: str, log: Path) -> float:
    """``govwatch crawl`` of every portal, as a user runs it; returns its wall time."""
    started = time.perf_counter()
    with log.open("wb") as err:
        done = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "--portals", str(portals), "--db", db],
            stdout=subprocess.DEVNULL,
            stderr=err,
            timeout=3600,
            check=False,
        )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"govwatch crawl exited {done.returncode}:\n{log.read_text()[-3000:]}")
    return wall


def counts(server: Nginx) -> dict[str, Any]:
    requests = server.requests()
    lists = [r for r in requests if "/index" in r[1]]
    robots = [r for r in requests if r[1] == "/robots.txt"]
    return {
        "requests": len(requests),
        "list_requests": len(lists),
        "not_modified": sum(1 for status, _ in lists if status == 304),
        "robots": len(robots),
        "article_fetches": len(requests) - len(lists) - len(robots),
    }


def run(options: Options) -> Result:
    portals = 10 if options.quick else int(os.environ.get("BENCH_PORTALS", 1000))
    result = Result(NAME, f"Incremental cost: {portals:,} unchanged portals")
    work = options.workdir / NAME
    shutil.rmtree(work, ignore_errors=True)
    root = work / "site"
    root.mkdir(parents=True)
    build(root, portals)
    db_path = work / "govwatch.db"
    db = f"sqlite:///{db_path}"
    with nginx_server(root) as server:
        path = write_portals(
            work / "portals.yaml",
            [
                portal_entry(f"p{i:04d}", f"{server.base_url}{style(i).root}index.html")
                for i in range(portals)
            ],
        )
        server.clear_log()
        first = crawl(path, db, work / "first.log")
        first_counts = counts(server)
        repo = Repository.open(db)
        try:
            stored = repo.count()
        finally:
            repo.close()
        logger.info("first crawl: %.1f s, %s", first, first_counts)
        runs = []
        for i in range(options.repeat):
            server.clear_log()
            wall = crawl(path, db, work / f"again-{i}.log")
            runs.append({"wall": wall, **counts(server)})
            logger.info("unchanged crawl %d: %.1f s, %s", i + 1, wall, runs[-1])
    result.data.update(
        portals=portals,
        articles_per_portal=ARTICLES,
        first_crawl={"wall": first, "stored": stored, **first_counts},
        runs=runs,
    )
    wall = median([r["wall"] for r in runs])
    fetched = max(r["article_fetches"] for r in runs)
    requests = median([r["requests"] for r in runs])
    target = TARGET_SECONDS * portals / 1000
    result.add(
        f"first crawl, {portals:,} portals × {ARTICLES} articles",
        f"{fmt(first, 1)} s",
        note=f"{stored:,} stored, {first_counts['requests']:,} requests",
    )
    result.add(
        f"re-crawl of {portals:,} unchanged portals",
        f"{fmt(wall, 1)} s",
        f"< {fmt(target)} s",
        wall < target,
        note="`govwatch crawl`, whole command",
    )
    result.add(
        "requests per unchanged re-crawl",
        f"{fmt(requests)}",
        note=f"{fmt(requests / portals, 2)} per portal (robots.txt + 1 conditional GET)",
    )
    result.add("article fetches on re-crawl", str(fetched), "0", fetched == 0)
    return result
