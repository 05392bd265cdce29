"""What every benchmark shares: repeated runs and medians, result files, the summary table."""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().with_name("results")


@dataclass(frozen=True)
class Options:
    """How a benchmark run is sized: ``quick`` for the smoke test, ``repeat`` runs each."""

    quick: bool = False
    repeat: int = 3
    workdir: Path = Path("/tmp")
    results: Path = RESULTS


@dataclass
class Row:
    """One line of the summary table: a measured value and, where there is one, its target."""

    metric: str
    value: str
    target: str = ""
    holds: bool | None = None  # None: informational, no target
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "MISSED", None: ""}[self.holds]


@dataclass
class Result:
    """A benchmark's outcome: table rows plus every raw measurement, for the JSON file."""

    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    blocked: str | None = None  # why the benchmark could not run at all

    def add(
        self, metric: str, value: str, target: str = "", holds: bool | None = None, note: str = ""
    ) -> None:
        self.rows.append(Row(metric, value, target, holds, note))

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.json"
        payload = {
            "name": self.name,
            "title": self.title,
            "blocked": self.blocked,
            "machine": machine(),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "rows": [asdict(row) for row in self.rows],
            "data": self.data,
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
        return path


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a small sample."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return float(ordered[min(rank, len(ordered)) - 1])


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def python_module(module: str, *args: str, timeout: float, log: Path) -> dict[str, Any]:
    """Run ``python -m module args`` with the venv's interpreter; its last stdout line is JSON.

    Its stderr (logs) goes to ``log``; a failure raises with the log's tail.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0"}
    with log.open("wb") as err:
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=ROOT,
            env=env,
            timeout=timeout,
            check=False,
        )
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{module} {' '.join(args)} exited {done.returncode}:\n{tail}")
    return dict(json.loads(lines[-1]))


def sqlite_values(values: Sequence[Any]) -> tuple[Any, ...]:
    """Values as SQLAlchemy writes them to SQLite: DateTime, Date and Boolean as text and
    integers (for bulk loads with plain SQL)."""
    return tuple(
        v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, datetime)
        else v.isoformat()
        if isinstance(v, date)
        else int(v)
        if isinstance(v, bool)
        else v
        for v in values
    )


def fmt(value: float, digits: int = 0) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.{digits}f}"


def optional_postgres() -> AbstractContextManager[str | None]:
    """A PostgreSQL server for the benchmark (its URL), or None where there are no binaries."""
    from tests.support.postgres import postgres_server

    try:
        return postgres_server()
    except RuntimeError as exc:  # pragma: no cover - no PostgreSQL binaries
        logger.warning("PostgreSQL skipped: %s", exc)
        return nullcontext(None)
