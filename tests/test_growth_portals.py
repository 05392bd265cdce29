"""Portal files at scale: a directory or glob of them, names unique across files, the
daemon's reload watching each file, and `govwatch portal check --all`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from crawler.configfiles.portals import load_portals, portal_files
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from crawler.exceptions import ConfigError
from tests.support.portal import (
    ROOT,
    crawl,
    govwatch,
    make_articles,
    portal_entry,
    serve,
    stored,
    write_portals,
)

STYLE = SiteStyle(per_page=10, pager="next")
LIST = "/xwzx/zwdt/index.html"


def entries(*names: str, url: str = "http://127.0.0.1:9/list.html") -> list[dict]:
    return [portal_entry(name, url) for name in names]


def test_a_directory_or_glob_of_portal_files_loads_every_entry_in_name_order(tmp_path: Path):
    folder = tmp_path / "portals"
    folder.mkdir()
    write_portals(folder / "b_shaanxi.yml", entries("weibin", "jintai"))
    write_portals(folder / "a_liaoning.yaml", entries("shenhe"))
    (folder / "README.txt").write_text("not a portal file")
    (folder / "empty.yaml").write_text("")

    assert [p.name for p in load_portals(folder)] == ["shenhe", "weibin", "jintai"]
    assert [p.name for p in load_portals(f"{folder}/*.yaml")] == ["shenhe"]
    assert [f.name for f in portal_files(folder)] == [
        "a_liaoning.yaml",
        "b_shaanxi.yml",
        "empty.yaml",
    ]
    listed = govwatch("portal", "list", "--portals", f"{folder}/*.y*ml")
    assert listed.returncode == 0, listed.stderr
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [
        "shenhe",
        "weibin",
        "jintai",
    ]

    write_portals(folder / "c_more.yaml", entries("dongling", "weibin"))
    with pytest.raises(ConfigError) as raised:
        load_portals(folder)
    message = str(raised.value)
    assert str(folder / "c_more.yaml") in message and str(folder / "b_shaanxi.yml") in message
    assert "'weibin'" in message
    refused = govwatch("portal", "list", "--portals", str(folder))
    assert refused.returncode != 0 and "b_shaanxi.yml" in refused.stderr
    assert "Traceback" not in refused.stderr

    with pytest.raises(ConfigError, match="no portal file matches"):
        load_portals(f"{tmp_path}/nowhere/*.yaml")


def test_a_crawl_reads_its_portal_from_a_directory(site: PortalSite, tmp_path: Path):
    serve(site, STYLE, make_articles(12))
    folder = tmp_path / "portals"
    folder.mkdir()
    write_portals(folder / "other.yaml", entries("jintai"))
    write_portals(folder / "shaanxi.yaml", [portal_entry("weibin", site.url(LIST))])
    db = f"sqlite:///{tmp_path / 'govwatch.db'}"
    crawl(folder, db, "weibin")
    assert len(stored(db)) == 12


def test_the_daemon_reloads_when_a_portal_file_is_added_or_changed(tmp_path: Path):
    folder = tmp_path / "portals"
    folder.mkdir()
    write_portals(folder / "a.yaml", entries("weibin"))
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text("subscriptions: []\n")
    log_path = tmp_path / "daemon.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "GOVWATCH_RELOAD_CHECK": "0.2s"}
    command = [sys.executable, "-m", "crawler.cli", "run", "--portals", str(folder)]
    command += ["--alerts", str(alerts), "--db", f"sqlite:///{tmp_path / 'govwatch.db'}"]
    with log_path.open("wb") as log:
        daemon = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if text in log_path.read_text(errors="replace"):
                return
            assert daemon.poll() is None, log_path.read_text(errors="replace")
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} in the log:\n{log_path.read_text(errors='replace')}")

    try:
        wait_for("govwatch daemon started: 1 portals")
        write_portals(folder / "b.yaml", entries("jintai"))  # a new file
        wait_for("configuration reloaded: 2 portals")
        with (folder / "b.yaml").open("a") as more:  # an edit in place of a file added later
            more.write(yaml.safe_dump(entries("dongling"), allow_unicode=True))
        wait_for("configuration reloaded: 3 portals")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)


def test_portal_check_all_previews_page_one_of_every_portal(site: PortalSite, tmp_path: Path):
    serve(site, STYLE, make_articles(25))
    portals = write_portals(
        tmp_path / "portals.yaml",
        [
            portal_entry("weibin", site.url(LIST)),
            portal_entry("broken", site.url("/gone/index.html")),
        ],
    )
    result = govwatch("portal", "check", "--all", "--parallel", "2", "--portals", str(portals))
    assert result.returncode == 1, result.stderr
    lines = {line.split(":", 1)[0]: line for line in result.stdout.splitlines()}
    assert lines["weibin"] == ("weibin: 10 links on page 1, next page found, no rendering; ok"), (
        result.stdout
    )
    assert lines["broken"].startswith("broken: 0 links on page 1")
    assert "FAILED: no list page could be read (HTTP 404)" in lines["broken"]
    assert result.stdout.splitlines()[-1] == "2 portals checked: 1 ok, 1 failed: broken"
    # page one only: no article, no second list page fetched
    assert site.hits_for("/xwzx/zwdt/a") == []
    assert len(site.hits_for(LIST)) == 1 and site.hits_for("/xwzx/zwdt/list_2") == []

    fine = write_portals(tmp_path / "fine.yaml", [portal_entry("weibin", site.url(LIST))])
    ok = govwatch("portal", "check", "--all", "--portals", str(fine))
    assert ok.returncode == 0 and ok.stdout.splitlines()[-1] == "1 portals checked: 1 ok"
    both = govwatch("portal", "check", "weibin", "--all", "--portals", str(fine))
    assert both.returncode == 2 and "name one portal, or give --all" in both.stderr
