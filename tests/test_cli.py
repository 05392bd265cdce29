"""The govwatch command: help everywhere, export formats, portal check, scrapy list, the demo."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from crawler.cli import build_parser, main
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from storage import EXPORT_FIELDS, Repository
from tests.support.portal import (
    ROOT,
    crawl,
    govwatch,
    make_articles,
    portal_entry,
    serve,
    write_portals,
)

STYLE = SiteStyle(per_page=10, pager="next")


def commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from commands(sub, (*prefix, name))


def test_every_command_has_help(capsys):
    found = list(commands(build_parser()))
    assert {("crawl",), ("export",), ("portal", "list"), ("portal", "check"), ("demo",)} <= set(
        found
    )
    for command in found:
        with pytest.raises(SystemExit) as done:
            main([*command, "--help"])
        assert done.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: govwatch") and len(out.splitlines()) > 3, command
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert all(choice.help for choice in sub._choices_actions)


@pytest.fixture
def crawled(site: PortalSite, tmp_path: Path, sqlite_url: str):
    articles = make_articles(12)
    # one announcement that is no meeting, for --meetings-only to leave out
    articles[5] = replace(
        articles[5],
        title="渭滨区开展春季植树活动",
        paragraphs=("3月23日，渭滨区干部群众在渭河沿岸栽下樱花、银杏等苗木一千余株。",),
    )
    serve(site, STYLE, articles)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"))]
    )
    crawl(portals, sqlite_url)
    return portals, sqlite_url


def test_export_jsonl(crawled):
    _, db = crawled
    result = govwatch("export", "--format", "jsonl", "--db", db)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 12
    assert all(tuple(row) == EXPORT_FIELDS for row in rows)
    row = next(r for r in rows if r["url"].endswith("/a0000.html"))
    assert row["published_at"] == "2023-03-28T10:00:00+08:00"
    assert row["first_seen_at"].endswith("+08:00")
    assert row["is_meeting"] is True and row["meeting_date"] == "2023-03-28"
    assert row["title"] == "渭滨区召开第a0次常务会议"


def test_export_csv_with_filters(crawled):
    _, db = crawled

    def csv_rows(*args: str) -> list[dict[str, str]]:
        result = govwatch("export", "--format", "csv", "--db", db, *args)
        assert result.returncode == 0, result.stderr
        return list(csv.DictReader(io.StringIO(result.stdout)))

    everything = csv_rows()
    assert len(everything) == 12 and tuple(everything[0]) == EXPORT_FIELDS
    meetings = {r["url"] for r in everything if r["is_meeting"] == "True"}
    assert 0 < len(meetings) < 12 and not any(url.endswith("/a0005.html") for url in meetings)
    chosen = csv_rows("--meetings-only", "--portal", "weibin", "--since", "2020-01-01")
    assert {r["url"] for r in chosen} == meetings
    assert any(json.loads(r["speakers"]) == ["吴玉新"] for r in chosen)  # lists JSON-encoded
    assert govwatch("export", "--db", db, "--portal", "nosuch").returncode == 2
    assert csv_rows("--since", (date.today() + timedelta(days=2)).isoformat()) == []
    assert govwatch("export", "--db", db, "--since", "yesterday").returncode == 2


def test_portal_list(crawled):
    portals, _ = crawled
    result = govwatch("portal", "list", "--portals", str(portals))
    assert result.stdout.startswith("weibin\t")


def test_portal_check_shows_links_and_fields_and_stores_nothing(site: PortalSite, tmp_path: Path):
    serve(site, STYLE, make_articles(12))
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"))]
    )
    db = tmp_path / "never.db"
    result = govwatch(
        "portal",
        "check",
        "weibin",
        "--portals",
        str(portals),
        "--db",
        f"sqlite:///{db}",
        "--articles",
        "2",
    )
    assert result.returncode == 0, result.stderr
    assert "10 article links" in result.stdout
    assert result.stdout.count("渭滨区召开第a") >= 10
    assert "published_at  2023-03-28 10:00 +08:00 (Asia/Shanghai)" in result.stdout
    assert "is_meeting    True" in result.stdout
    assert "meeting_status held" in result.stdout
    assert "why           the title names a meeting [" in result.stdout
    assert not db.exists()
    assert len(site.hits_for("/xwzx/zwdt/a")) == 2


def test_unknown_portal(crawled):
    portals, db = crawled
    result = govwatch("crawl", "nosuch", "--portals", str(portals), "--db", db)
    assert result.returncode == 2 and "no portal named 'nosuch'" in result.stderr


def test_scrapy_list_and_a_hand_written_override(tmp_path: Path, site: PortalSite):
    portals = write_portals(
        tmp_path / "portals.yaml",
        [
            portal_entry("weibin", site.url("/a/")),
            portal_entry("odd", site.url("/b/")),
        ],
    )
    module = tmp_path / "myspiders"
    module.mkdir()
    (module / "__init__.py").write_text("")
    (module / "odd.py").write_text(
        "from spiders.base import PortalSpider\n\n"
        "class OddSpider(PortalSpider):\n    name = 'odd'\n    marker = 'hand-written'\n"
    )
    env = {**os.environ, "GOVWATCH_PORTALS": str(portals), "PYTHONPATH": f"{tmp_path}:{ROOT}"}
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout.split() == ["odd", "weibin"]
    code = (
        "from scrapy.spiderloader import get_spider_loader\n"
        "from crawler.crawl.process import project_settings\n"
        "s = project_settings(SPIDER_MODULES=['spiders', 'myspiders'])\n"
        "loader = get_spider_loader(s)\n"
        "odd = loader.load('odd')\n"
        "print(odd.marker, odd.portal.name, odd.allowed_domains, loader.load('weibin').portal.name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.split() == ["hand-written", "odd", "['127.0.0.1']", "weibin"], out.stderr


def test_demo_runs_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GOVWATCH_CHROMIUM", str(tmp_path / "no-chromium"))  # it needs none
    result = govwatch("demo", "--workdir", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "first crawl (baseline): 20 announcements" in out
    assert "incremental crawl: 2 requests" in out and "1 new" in out
    assert "区政府召开第十二次常务会议" in out.split("incremental crawl")[1]
    assert "alerts after the baseline: 0" in out
    assert "alerts: 1 email(s) for subscription demo-desk" in out
    assert "Subject: [govwatch] 渭滨区人民政府 · " in out and "Presided by: 吴玉新" in out
    next_steps = out.split("\nnext:\n", 1)[1]
    for command in ("govwatch serve --db", "govwatch portal check NAME", "govwatch run"):
        assert command in next_steps


def test_errors_of_the_packages_commands_import_are_reported(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys
):
    """storage and scheduler are imported by the commands that use them, not by the CLI's
    start; their errors are still one line and the exit code."""
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("weibin", "http://x.cn/")])
    Repository.open(sqlite_url).close()  # export reads an existing database only
    monkeypatch.setenv("GOVWATCH_DB_ATTEMPTS", "0")
    assert main(["export", "--db", sqlite_url]) == 1
    assert capsys.readouterr().err.startswith("govwatch: GOVWATCH_DB_ATTEMPTS='0'")
    monkeypatch.delenv("GOVWATCH_DB_ATTEMPTS")
    monkeypatch.setenv("GOVWATCH_MAX_CRAWLS", "0")
    assert main(["status", "--portals", str(portals), "--db", sqlite_url]) == 2
    assert capsys.readouterr().err.startswith("govwatch: GOVWATCH_MAX_CRAWLS")
