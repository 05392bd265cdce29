"""Rendering cost: a list page rendered in Chromium against the same page over plain HTTP,
and the browser's memory over 200 rendered list pages.

Each case is a real ``govwatch crawl`` (its own process) of a mock portal on 127.0.0.1 whose
list pages link to the next one: page N+1 is asked for only once page N is parsed, so the
time between two list-page requests is what one list page costs the crawl. Memory is the
proportional set size (PSS: shared pages split between processes) of the crawl's process
tree, sampled while it runs: Python, Playwright's driver and every Chromium process.
Run as ``python -m bench.render [--quick]``; writes bench/results/render.json.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from bench.common import RESULTS, ROOT, Options, Result, fmt, median, percentile
from crawler.demo.server import PortalSite
from crawler.tables import format_table
from tests.support.cms import NAV, serve_articles
from tests.support.portal import make_articles, portal_entry, write_portals

logger = logging.getLogger(__name__)

NAME = "render"
LINKS = 3  # articles per list page
MEMORY_PAGES = 200
MAX_GROWTH = 0.25  # browser peak memory, last quarter of the pages against the first
SAMPLE_SECONDS = 0.2
RENDER = {"render": "js"}
LIST = {"list_links": "ul.list li a"}  # Chromium waits for it instead of the network idling

STATIC_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政务动态</title></head>
<body>{nav}<div class="main"><ul class="list">{rows}</ul><div class="pager">{next}</div></div>
</body></html>"""
FETCH_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政务动态</title></head>
<body>{nav}<div class="main"><ul class="list" id="list"></ul><div class="pager" id="pager"></div></div>
<script>
fetch("{api}").then((r) => r.json()).then((data) => {{
  document.getElementById("list").innerHTML = data.rows;
  document.getElementById("pager").innerHTML = data.next;
}});
</script></body></html>"""


@dataclass
class ListClock:
    """A site handler that notes when each list page was asked for (the mock serves each\n    page of a crawl once, so every note is one list page)."""

    prefix: str
    times: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, path: str, headers: dict[str, str]) -> None:
        if path.startswith(self.prefix):
            with self.lock:
                self.times.append(time.monotonic())

    def count(self) -> int:
        with self.lock:
            return len(self.times)

    def intervals(self) -> list[float]:
        with self.lock:
            return [b - a for a, b in zip(self.times, self.times[1:], strict=False)]


def build(site: PortalSite, pages: int) -> None:
    """/static/N.html (links in the HTML) and /fetched/N.html (links fetch()ed as JSON),
    each list page with its own LINKS articles."""
    articles = make_articles(pages * LINKS)
    paths = [f"/art/{a.slug}.html" for a in articles]
    serve_articles(site, articles, paths)
    for n in range(pages):
        rows = "".join(
            f'<li><a href="{paths[i]}" title="{escape(articles[i].title)}">'
            f"{escape(articles[i].title)}</a><span>{articles[i].published[:10]}</span></li>"
            for i in range(n * LINKS, (n + 1) * LINKS)
        )
        following = f'<a href="{n + 1}.html">下一页</a>' if n + 1 < pages else ""
        site.put(f"/static/{n}.html", STATIC_PAGE.format(nav=NAV, rows=rows, next=following))
        site.put(f"/fetched/{n}.html", FETCH_PAGE.format(nav=NAV, api=f"/api/{n}.json"))
        body = {"rows": rows, "next": following}
        site.put(f"/api/{n}.json", _json(body), "application/json; charset=utf-8")


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def tree_pss(root: int) -> tuple[int, int]:
    """(bytes of the Python process, bytes of its descendants: Playwright's node, Chromium)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    descendants, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        descendants.append(pid)
        todo.extend(children.get(pid, []))
    return _pss(root), sum(_pss(pid) for pid in descendants)


def _pss(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class Crawl:
    wall: float
    intervals: list[float]
    samples: list[tuple[int, int, int]]  # (list pages asked for so far, python, browser)
    first_page: float  # from the process's start to its first list-page request


def run_crawl(
    site: PortalSite, work: Path, name: str, path: str, extra: dict[str, Any], pages: int
) -> Crawl:
    clock = ListClock(path)
    site.handlers.insert(0, clock)
    entry = portal_entry(
        name,
        site.url(f"{path}0.html"),
        settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "GOVWATCH_MAX_LIST_PAGES": pages},
        **extra,
    )
    portals = write_portals(work / f"{name}.yaml", [entry])
    command = [sys.executable, "-m", "crawler.cli", "-q", "crawl", "--portals", str(portals)]
    command += ["--db", f"sqlite:///{work / (name + '.db')}"]
    samples: list[tuple[int, int, int]] = []
    start = time.monotonic()
    with (work / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        while process.poll() is None:
            python, browser = tree_pss(process.pid)
            samples.append((clock.count(), python, browser))
            time.sleep(SAMPLE_SECONDS)
    wall = time.monotonic() - start
    site.handlers.remove(clock)
    if process.returncode != 0 or clock.count() != pages:
        raise RuntimeError(
            f"{name}: exit {process.returncode}, {clock.count()}/{pages} list pages; see {work}/{name}.log"
        )
    return Crawl(wall, clock.intervals(), samples, clock.times[0] - start)


def peak_between(samples: list[tuple[int, int, int]], first: int, last: int) -> int:
    """The browser's peak memory while list pages ``first``..``last`` were being rendered."""
    return max((b for pages, _, b in samples if first <= pages <= last and b), default=0)


def run(options: Options) -> Result:
    pages = 20 if options.quick else 40
    memory_pages = 40 if options.quick else MEMORY_PAGES
    result = Result(NAME, "Rendering cost: list pages in Chromium against plain HTTP")
    work = options.workdir / NAME
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # label: (list pages, the portal entry's extra keys)
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "plain HTTP, links in the HTML": ("/static/", {}),
        "Chromium, links in the HTML": ("/static/", RENDER),
        "Chromium, links fetch()ed as JSON": ("/fetched/", RENDER),
        "Chromium, fetch()ed, list_links selector": ("/fetched/", {**RENDER, "selectors": LIST}),
    }
    with PortalSite() as site:
        build(site, max(pages, memory_pages))
        crawls: dict[str, Crawl] = {}
        for i, (label, (path, extra)) in enumerate(cases.items()):
            crawls[label] = run_crawl(site, work, f"case{i}", path, extra, pages)
            logger.info("%s: %.1f s", label, crawls[label].wall)
        memory = run_crawl(site, work, "memory", "/fetched/", RENDER, memory_pages)
    plain = median(crawls["plain HTTP, links in the HTML"].intervals)
    for label, crawl in crawls.items():
        per_page = median(crawl.intervals)
        result.add(
            f"list page: {label}",
            f"{fmt(per_page * 1000)} ms",
            note=f"p90 {fmt(percentile(crawl.intervals, 0.9) * 1000)} ms, "
            f"{fmt(per_page / plain, 1)}× plain; first page after {fmt(crawl.first_page, 1)} s",
        )
    quarter = memory_pages // 4
    at = {
        page: peak_between(memory.samples, page - quarter + 1, page)
        for page in range(quarter, memory_pages + 1, quarter)
    }
    for page, size in at.items():
        result.add(
            f"browser memory, pages {page - quarter + 1}–{page}",
            f"{fmt(size / 2**20)} MiB",
            note="peak PSS",
        )
    first, last = at[quarter], at[memory_pages]
    growth = (last - first) / first if first else float("nan")
    result.add(
        f"browser memory growth, first quarter → last ({memory_pages} pages)",
        f"{fmt(growth * 100)} %",
        f"< {fmt(MAX_GROWTH * 100)} %",
        growth < MAX_GROWTH,
        note=f"crawler process {fmt(max(p for _, p, _ in memory.samples) / 2**20)} MiB",
    )
    result.data.update(
        pages=pages,
        memory_pages=memory_pages,
        cases={
            label: {"wall": c.wall, "first_page": c.first_page, "intervals": c.intervals}
            for label, c in crawls.items()
        },
        memory={"wall": memory.wall, "samples": memory.samples, "at": at},
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer pages: a smoke test")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"), help="where crawls write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    result = run(Options(quick=args.quick, workdir=args.workdir))
    path = result.write(RESULTS)
    rows = [(row.metric, row.value, row.target, row.verdict, row.note) for row in result.rows]
    print(result.title)
    print(format_table(("metric", "value", "target", "holds", "note"), rows, limit=100))
    print(f"written to {path}")
    return 0 if all(row.holds is not False for row in result.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
