"""``python -m bench [--quick] [--only NAME…]``: run the benchmarks, write bench/results/*.json,
print one table. A run that is not --quick also rebuilds docs/performance.md's table from
every benchmark's latest results."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.common import RESULTS, ROOT, Options, Result, Row
from crawler.tables import format_table

logger = logging.getLogger(__name__)

# name → "module:function"; each returns a Result. Order: cheapest setup first.
BENCHMARKS = {
    "throughput": "bench.throughput:run",
    "incremental": "bench.incremental:run",
    "store": "bench.store:run",
    "footprint": "bench.daemon:run_footprint",
    "latency": "bench.daemon:run_latency",
    "daemon_cpu": "bench.daemon:run_cpu",
    "workers": "bench.workers:run",
    "render": "bench.render:run",
    "analysis": "bench.analysis:run",
    "web": "bench.web:run",
    "revisions": "bench.revisions:run",
}
# minutes even at small sizes: --quick leaves them out unless named with --only
NOT_QUICK = {"render", "daemon_cpu", "workers"}
DOCS = ROOT / "docs" / "performance.md"
TABLE_START, TABLE_END = "<!-- bench:table -->", "<!-- /bench:table -->"


def load(spec: str) -> Callable[[Options], Result] | None:
    module, _, func = spec.partition(":")
    try:
        found: Callable[[Options], Result] = getattr(importlib.import_module(module), func)
        return found
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None  # a benchmark another change has not landed yet


def table_rows(results: Sequence[Result], quick: bool) -> list[list[str]]:
    rows = []
    for result in results:
        if result.blocked:
            rows.append([result.name, "(not run)", result.blocked, "", "", ""])
            continue
        for row in result.rows:
            verdict = row.verdict if not quick or row.holds is None else "(quick)"
            rows.append([result.name, row.metric, row.value, row.target, verdict, row.note])
    return rows


HEADERS = ["bench", "metric", "median", "target", "holds", "how"]


def markdown(rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def saved_results(directory: Path) -> list[Result]:
    """The latest full result of every benchmark, from its JSON file, in BENCHMARKS order."""
    results = []
    for name in BENCHMARKS:
        path = directory / f"{name}.json"
        if not path.exists():
            continue
        saved = json.loads(path.read_text(encoding="utf-8"))
        result = Result(name, saved["title"], blocked=saved.get("blocked"))
        result.rows = [Row(**row) for row in saved["rows"]]
        result.data["finished_at"] = saved.get("finished_at", "")
        results.append(result)
    return results


def refresh_docs(results: Sequence[Result]) -> None:
    """Rewrite the table of docs/performance.md from the saved results."""
    if not DOCS.exists():
        return
    text = DOCS.read_text(encoding="utf-8")
    runs = ", ".join(f"{r.name} {str(r.data['finished_at'])[:16]}" for r in results)
    block = (
        f"{TABLE_START}\nMedians of three runs each, five pairs for throughput"
        f" (`bench/results/*.json`; runs: {runs}).\n\n"
        f"{markdown(table_rows(results, quick=False))}\n{TABLE_END}"
    )
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.S)
    if pattern.search(text):
        DOCS.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--repeat", type=int, default=None, help="runs per measurement (3)")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BENCHMARKS), metavar="NAME", help="these only"
    )
    parser.add_argument("--workdir", type=Path, help="scratch space (a temporary directory)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("alembic", "scrapy", "twisted", "mail.log", "crawler", "storage"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    repeat = args.repeat or (1 if args.quick else 3)
    names = args.only or [n for n in BENCHMARKS if not (args.quick and n in NOT_QUICK)]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="govwatch-bench-") as scratch:
        options = Options(
            quick=args.quick,
            repeat=repeat,
            workdir=args.workdir or Path(scratch),
            results=args.results,
        )
        for name in names:
            func = load(BENCHMARKS[name])
            if func is None:
                logger.info("%s: not in this checkout, skipped", name)
                continue
            logger.info("%s: running", name)
            started = time.perf_counter()
            result = func(options)
            logger.info("%s: done in %.0f s", name, time.perf_counter() - started)
            if not args.quick:  # the committed results are full runs
                result.write(options.results)
            results.append(result)
    print(format_table(HEADERS, table_rows(results, args.quick), limit=70))
    if not args.quick and options.results == RESULTS:
        refresh_docs(saved_results(RESULTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
