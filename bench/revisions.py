"""Revisions: snapshot bytes per page (zlib against zstd, and on disk in SQLite and
PostgreSQL per 1,000 pages), a re-check's cost per unchanged article (requests, CPU), and
re-analysis pages per second."""

from __future__ import annotations

import logging
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import zstandard

from bench.analysis import trs_report_page
from bench.common import ROOT, Options, Result, fmt, median, optional_postgres
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle, build_site
from storage import Fetched, Repository, utcnow
from tests.eval.score import load_cases
from tests.support.portal import make_articles, portal_entry, serve, write_portals
from tests.support.postgres import create_database

logger = logging.getLogger(__name__)

NAME = "revisions"
STYLE = SiteStyle(per_page=20, pager="trs")
CODECS = {
    "zlib-6": lambda b: zlib.compress(b, 6),
    "zlib-9": lambda b: zlib.compress(b, 9),
    "zstd-3": zstandard.ZstdCompressor(level=3).compress,
    "zstd-10": zstandard.ZstdCompressor(level=10).compress,
    "zstd-19": zstandard.ZstdCompressor(level=19).compress,
}


def real_pages() -> list[bytes]:
    """The evaluation set's real portal pages, and a 20 KB TRS-style report."""
    pages = [case.html.encode("utf-8") for case in load_cases()]
    return [*pages, trs_report_page().encode("utf-8")]


def codecs(pages: list[bytes]) -> dict[str, dict[str, float]]:
    raw = sum(len(p) for p in pages)
    out = {}
    for name, compress in CODECS.items():
        start = time.process_time()
        size = sum(len(compress(p)) for p in pages)
        cpu = time.process_time() - start
        out[name] = {"bytes_per_page": size / len(pages), "ratio": raw / size,
                     "ms_per_page": 1000 * cpu / len(pages)}  # fmt: skip
    out["raw"] = {"bytes_per_page": raw / len(pages), "ratio": 1.0, "ms_per_page": 0.0}
    return out


def site_pages(count: int) -> list[tuple[str, bytes]]:
    articles = make_articles(count)
    built = build_site(STYLE, articles)
    return [(f"http://x.cn{STYLE.root}{a.slug}.html", built[f"{STYLE.root}{a.slug}.html"].encode())
            for a in articles]  # fmt: skip


def store_pages(url: str, pages: list[tuple[str, bytes]], snapshots: bool) -> Repository:
    repo = Repository.open(url)
    repo.ensure_portal("weibin")
    now = utcnow()
    records = [{"portal": "weibin", "url": u, "body": f"正文{i}"} for i, (u, _) in enumerate(pages)]
    shots = {
        u: Fetched(b, 200, {"Content-Type": "text/html; charset=utf-8"}, now) for u, b in pages
    }
    for start in range(0, len(records), 500):
        chunk = records[start : start + 500]
        repo.add_announcements(chunk, snapshots=shots if snapshots else None)
    return repo


def on_disk(workdir: Path, pages: list[tuple[str, bytes]]) -> dict[str, Any]:
    """Bytes on disk per 1,000 pages: SQLite (the file, with and without snapshots, after
    VACUUM) and PostgreSQL (the snapshot tables' total relation size)."""
    out: dict[str, Any] = {}
    sizes = {}
    for snapshots in (False, True):
        path = workdir / f"snap-{snapshots}.db"
        path.unlink(missing_ok=True)
        repo = store_pages(f"sqlite:///{path}", pages, snapshots)
        with repo.engine.connect() as connection:
            connection.exec_driver_sql("VACUUM")
        repo.close()
        sizes[snapshots] = path.stat().st_size
        path.unlink()
    out["sqlite_bytes_per_1000"] = (sizes[True] - sizes[False]) * 1000 / len(pages)
    with optional_postgres() as pg:
        if pg is not None:
            repo = store_pages(create_database(pg, "govwatch_snap"), pages, True)
            autocommit = repo.engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
                size = connection.exec_driver_sql(
                    "SELECT pg_total_relation_size('snapshot_blobs')"
                    " + pg_total_relation_size('snapshots')"
                ).scalar()
            repo.close()
            out["postgresql_bytes_per_1000"] = int(size or 0) * 1000 / len(pages)
    return out


def crawl_cpu(*args: str) -> float:
    """CPU seconds (user + system) of one `govwatch crawl` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "crawler.cli", "-q", "crawl", *args],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def recheck_cost(workdir: Path, count: int, repeat: int) -> dict[str, Any]:
    """A re-check of ``count`` unchanged articles against an incremental crawl without one:
    requests per article and CPU per article (the difference of the two)."""
    db = f"sqlite:///{workdir / 'recheck.db'}"
    (workdir / "recheck.db").unlink(missing_ok=True)
    with PortalSite() as site:
        serve(site, STYLE, make_articles(count))
        portals = write_portals(
            workdir / "portals.yaml",
            [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"), recheck_budget=count)],
        )
        common = ("--portals", str(portals), "--db", db)
        crawl_cpu(*common)
        plain, rechecked, hits = [], [], []
        for _ in range(repeat):
            plain.append(crawl_cpu(*common))
            site.clear_hits()
            rechecked.append(crawl_cpu("--recheck", *common))
            articles = [h for h in site.hits_for(STYLE.root) if "/a" in h.path]
            hits.append((len(articles), sum(h.status == 304 for h in articles)))
    extra = median(rechecked) - median(plain)
    return {"articles": count, "requests_per_article": hits[-1][0] / count,
            "not_modified_share": hits[-1][1] / max(hits[-1][0], 1),
            "cpu_ms_per_article": 1000 * extra / count,
            "plain_cpu_s": plain, "recheck_cpu_s": rechecked}  # fmt: skip


def reanalysis_rate(workdir: Path, pages: list[tuple[str, bytes]]) -> dict[str, Any]:
    path = workdir / "reanalyse.db"
    path.unlink(missing_ok=True)
    store_pages(f"sqlite:///{path}", pages, True).close()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "crawler.cli", "-q", "reanalyse", "--db",
                    f"sqlite:///{path}", "--portals", str(workdir / "none.yaml")],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)  # fmt: skip
    seconds = time.perf_counter() - start
    path.unlink()
    return {"pages": len(pages), "seconds": seconds, "pages_per_second": len(pages) / seconds}


def run(options: Options) -> Result:
    result = Result(NAME, "Revisions: snapshots, re-checks, re-analysis")
    count = 50 if options.quick else 1000
    measured = codecs(real_pages())
    chosen = measured["zstd-10"]
    for name, m in measured.items():
        result.add(f"snapshot bytes/page, {name}", fmt(m["bytes_per_page"]),
                   note=f"ratio {m['ratio']:.1f}, {m['ms_per_page']:.2f} ms/page")  # fmt: skip
    pages = site_pages(count)
    disk = on_disk(options.workdir, pages)
    result.add(
        "snapshots on disk per 1,000 pages, SQLite",
        fmt(disk["sqlite_bytes_per_1000"] / 1e6, 2) + " MB",
    )
    if "postgresql_bytes_per_1000" in disk:
        result.add("snapshots on disk per 1,000 pages, PostgreSQL",
                   fmt(disk["postgresql_bytes_per_1000"] / 1e6, 2) + " MB")  # fmt: skip
    cost = recheck_cost(
        options.workdir, 20 if options.quick else 500, 1 if options.quick else options.repeat
    )
    result.add("re-check requests per unchanged article", fmt(cost["requests_per_article"], 2),
               "1", cost["requests_per_article"] == 1 and cost["not_modified_share"] == 1)  # fmt: skip
    result.add("re-check CPU per unchanged article", fmt(cost["cpu_ms_per_article"], 2) + " ms")
    rate = reanalysis_rate(options.workdir, pages)
    result.add("re-analysis pages/s", fmt(rate["pages_per_second"]), note="one process, SQLite")
    result.data.update(codecs=measured, chosen="zstd-10", chosen_bytes=chosen, disk=disk,
                       recheck=cost, reanalysis=rate)  # fmt: skip
    return result
