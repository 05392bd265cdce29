"""Every crawl records its portal's health, by hand as by the daemon: a crawl that reached no
list page, or whose list pages emptied, exits non-zero with the reason, `status` shows it,
and the admin's mail names the cause, the URL and times with their zone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from storage import BROKEN, Repository
from tests.support.alerts import meeting
from tests.support.portal import crawl, govwatch, portal_entry, serve, write_portals
from tests.support.postgres import free_port

FAILED = 1


def status(portals: Path, db: str) -> str:
    result = govwatch("status", "--portals", str(portals), "--db", db)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_a_crawl_of_a_portal_whose_host_is_down_fails_and_says_why(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
):
    url = f"http://127.0.0.1:{free_port()}/xwzx/index.html"  # nobody listens there
    portals = write_portals(
        tmp_path / "portals.yaml",
        [portal_entry("down", url, settings={"RETRY_TIMES": 0})],
    )
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(yaml.safe_dump({"admin": "ops@example.org"}), encoding="utf-8")
    monkeypatch.setenv("GOVWATCH_ALERTS", str(alerts))
    monkeypatch.setenv("GOVWATCH_HEALTH_FAILURES", "1")  # the admin hears at once

    result = crawl(portals, sqlite_url, expect=FAILED)
    assert "down: failed" in result.stderr
    assert url in result.stderr and "refused" in result.stderr.lower()

    shown = status(portals, sqlite_url)
    assert "failing" in shown and url in shown

    repo = Repository.open(sqlite_url)
    try:
        state = repo.portal_health("down")
        assert state is not None and state.state == BROKEN and url in (state.reason or "")
        (mail,) = [m for m in repo.messages() if m.recipients == ["ops@example.org"]]
        assert url in mail.text and "+08:00 (Asia/Shanghai)" in mail.text
    finally:
        repo.close()


def test_list_pages_emptied_where_there_were_links_fail_the_crawl(tmp_path: Path, sqlite_url: str):
    style = SiteStyle(per_page=20)
    with PortalSite() as site:
        serve(site, style, [meeting("m1", 1), meeting("m2", 2)])
        start = site.url(style.root + "index.html")
        portals = write_portals(tmp_path / "portals.yaml", [portal_entry("emptied", start)])
        crawl(portals, sqlite_url)
        assert "failing" not in status(portals, sqlite_url)

        # a layout change: the list page answers, with no article link on it
        site.put(
            style.root + "index.html", b"<html><body><p>new look</p></body></html>", "text/html"
        )
        result = crawl(portals, sqlite_url, full=True, expect=FAILED)
        assert "no article links on its list pages" in result.stderr
        assert "failing" in status(portals, sqlite_url)
