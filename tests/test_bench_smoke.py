"""The benchmarks still run (``python -m bench --quick``); their timings are never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(240)
def test_quick_benchmarks_run_and_print_their_table(tmp_path: Path) -> None:
    pytest.importorskip("aiosmtpd")
    from bench.nginx import nginx_binary

    try:
        nginx_binary()
    except RuntimeError:
        pytest.skip("nginx is not installed (make bench installs it)")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--workdir",
            str(tmp_path),
            "--results",
            str(tmp_path / "results"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=230,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    for name in ("throughput", "incremental", "store", "footprint", "latency", "analysis", "web"):
        assert name in table
    assert "pages/s" in table and "records/s" in table
    assert "article fetches on re-crawl" in table
    assert "CPU per article analysed" in table
    assert "search, 2 characters, p95" in table
