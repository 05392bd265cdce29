"""One display zone for every time a person reads (GOVWATCH_TIMEZONE, Asia/Shanghai by
default), labelled; export keeps ISO 8601 in the portals' zone (+08:00)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from storage import BROKEN, Filters, Repository
from storage.models import Lease
from tests.support.portal import govwatch, portal_entry, write_portals
from tests.support.web import fetch, record, running_app, seed

FAILED_AT = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
ZONES = [(None, "2023-03-01 10:00", "Asia/Shanghai"), ("UTC", "2023-03-01 02:00", "UTC")]


@pytest.fixture
def failing(tmp_path: Path, sqlite_url: str) -> tuple[Path, str, int]:
    """A portal failing since 02:00 UTC, with one record published at that instant."""
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("weibin", "http://x.test/")])
    repo = Repository.open(sqlite_url)
    try:
        seed(
            repo,
            "weibin",
            "渭滨区人民政府",
            "陕西省",
            [record("weibin", 1, published_at=FAILED_AT)],
        )
        run = repo.start_run("weibin", full=False)
        repo.finish_run(run, "failed", message="HTTP 500")
        repo.record_health("weibin", BROKEN, "the crawl failed", run, FAILED_AT, lambda _: None)
        (item,) = repo.search(Filters(), None, 5).items
    finally:
        repo.close()
    return portals, sqlite_url, int(item["id"])


@pytest.mark.parametrize(("zone", "shown", "name"), ZONES)
def test_status_shows_times_in_the_display_zone_and_names_it(
    failing: tuple[Path, str, int],
    monkeypatch: pytest.MonkeyPatch,
    zone: str | None,
    shown: str,
    name: str,
) -> None:
    portals, db, _ = failing
    if zone:
        monkeypatch.setenv("GOVWATCH_TIMEZONE", zone)
    else:
        monkeypatch.delenv("GOVWATCH_TIMEZONE", raising=False)
    result = govwatch("status", "--portals", str(portals), "--db", db)
    assert result.returncode == 0, result.stderr
    assert f"weibin: failing since {shown}: the crawl failed" in result.stdout
    assert f"times in {name} (GOVWATCH_TIMEZONE)" in result.stdout
    # export keeps ISO 8601 in the portals' zone, whatever the display zone
    exported = json.loads(govwatch("export", "--db", db).stdout.splitlines()[0])
    assert exported["published_at"] == "2023-03-01T10:00:00+08:00"


def test_a_bad_zone_is_one_line_and_exit_2(
    failing: tuple[Path, str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    portals, db, _ = failing
    monkeypatch.setenv("GOVWATCH_TIMEZONE", "Mars/Olympus")
    result = govwatch("status", "--portals", str(portals), "--db", db)
    assert result.returncode == 2
    assert result.stderr.strip() == "govwatch: GOVWATCH_TIMEZONE='Mars/Olympus': unknown time zone"


@pytest.mark.parametrize(("zone", "shown", "name"), ZONES)
def test_web_pages_show_times_in_the_display_zone_and_name_it(
    failing: tuple[Path, str, int], tmp_path: Path, zone: str | None, shown: str, name: str
) -> None:
    portals, db, record_id = failing
    web = tmp_path / "web"
    web.mkdir()
    with running_app(db, web, portals=portals.read_text(), zone=zone) as base:
        _, _, page = fetch(f"{base}/a/{record_id}")
        _, _, status = fetch(f"{base}/portals")
    text, portal_page = page.decode(), status.decode()
    assert shown in text and f"times in {name}" in text
    assert f"failing since {shown}" in portal_page and f"times in {name}" in portal_page


@pytest.mark.parametrize(
    ("zone", "label"),
    [(None, "2023-03-01 10:00 +08:00 (Asia/Shanghai)"), ("UTC", "2023-03-01 02:00 +00:00 (UTC)")],
)
def test_record_history_and_a_busy_crawl_show_times_in_the_display_zone(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, zone: str | None, label: str
) -> None:
    if zone:
        monkeypatch.setenv("GOVWATCH_TIMEZONE", zone)
    else:
        monkeypatch.delenv("GOVWATCH_TIMEZONE", raising=False)
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("weibin", "http://x.test/")])
    url = record("weibin", 1)["url"]
    repo = Repository.open(sqlite_url)
    try:
        seed(repo, "weibin", "渭滨区人民政府", "陕西省", [record("weibin", 1)])
        for checked in (FAILED_AT - timedelta(days=1), FAILED_AT):  # gone twice: withdrawn
            repo.recheck_gone(url, "HTTP 404", checked)
        # another machine's crawl of the portal, since 02:00 UTC
        assert repo.acquire_lease("portal:weibin", "crawl host-b pid 42", 3600)
        with repo.session.begin() as session:
            session.execute(update(Lease).values(acquired_at=FAILED_AT))
    finally:
        repo.close()

    history = govwatch("record", "history", url, "--db", sqlite_url)
    assert history.returncode == 0, history.stderr
    assert f"revision 1: withdrawn at {label}" in history.stdout
    busy = govwatch("crawl", "--portals", str(portals), "--db", sqlite_url)
    assert busy.returncode == 4, busy.stderr
    assert f"weibin: busy (held by crawl host-b pid 42 since {label})" in busy.stderr
