"""`govwatch status --json` and `--check`, for monitors."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from storage import BROKEN, OK, Repository
from tests.support.portal import govwatch, portal_entry, write_portals
from tests.test_alerts_outbox import record, seed


def test_status_json_and_check_exit_non_zero_while_a_portal_fails(tmp_path: Path, sqlite_url: str):
    portals = write_portals(
        tmp_path / "portals.yaml",
        [
            portal_entry("good", "http://127.0.0.1:9/a/"),
            portal_entry("bad", "http://127.0.0.1:9/b/"),
        ],
    )
    repo = Repository.open(sqlite_url)
    try:
        for name in ("good", "bad"):
            repo.ensure_portal(name)
        run = repo.start_run("bad", full=False)
        repo.finish_run(run, "failed", message="HTTP 500")
        when = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
        repo.record_health("bad", BROKEN, "the crawl failed (HTTP 500)", run, when, lambda _: None)
    finally:
        repo.close()
    common = ("--portals", str(portals), "--db", sqlite_url)
    assert govwatch("status", *common).returncode == 0  # as before: a report, not a check
    checked = govwatch("status", "--check", *common)
    assert checked.returncode == 1 and checked.stderr.strip().endswith("failing: bad")
    result = govwatch("status", "--json", "--check", *common)
    assert result.returncode == 1, result.stderr
    status = json.loads(result.stdout)
    health = {p["name"]: p["health"] for p in status["portals"]}
    assert health == {"good": "not crawled yet", "bad": "failing"}
    bad = next(p for p in status["portals"] if p["name"] == "bad")
    assert "failing since 2023-03-01 10:00" in bad["problem"]  # Asia/Shanghai
    assert set(status["outbox"]) == {"unmatched", "waiting", "messages"}
    assert status["scheduler"] == "no daemon has run on this database"
    # all well: --check exits 0
    repo = Repository.open(sqlite_url)
    try:
        run = repo.start_run("bad", full=False)
        repo.finish_run(run, "finished")
        repo.record_health("bad", OK, None, run, when, lambda _: None)
    finally:
        repo.close()
    assert govwatch("status", "--check", *common).returncode == 0


def test_status_last_meeting_is_the_meetings_date_not_when_it_was_seen(
    tmp_path: Path, sqlite_url: str
):
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("weibin", "http://x.test/")])
    repo = Repository.open(sqlite_url)
    try:
        seed(
            repo,
            [
                record("http://x.test/a.html", "常务会议", meeting_date=date(2023, 2, 20)),
                record("http://x.test/b.html", "推进会", meeting_date=date(2023, 3, 2)),
                record("http://x.test/c.html", "通告", is_meeting=False),
            ],
        )
    finally:
        repo.close()
    common = ("--portals", str(portals), "--db", sqlite_url)
    shown = json.loads(govwatch("status", "--json", *common).stdout)
    assert shown["portals"][0]["last_meeting"] == "2023-03-02"
    table = govwatch("status", *common).stdout
    row = next(line for line in table.splitlines() if line.startswith("weibin"))
    assert "2023-03-02" in row
