"""Errors a user can cause: one line on stderr, no traceback, an exit code, what to do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from tests.support.portal import (
    ROOT,
    crawl,
    govwatch,
    make_articles,
    portal_entry,
    serve,
    write_portals,
)


def one_line(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The single stderr line of a refused command, checked."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("govwatch.db", "write sqlite:///govwatch.db"),
        ("postgres://u@127.0.0.1/govwatch", "write postgresql://u@127.0.0.1/govwatch"),
        ("sqlite://x.db", "write sqlite:///x.db (three slashes)"),
        ("mysql://u@127.0.0.1/govwatch", "unsupported database 'mysql'"),
    ],
)
def test_a_db_that_is_no_usable_url_is_one_line(url: str, said: str, tmp_path: Path):
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("x", "http://x.cn/")])
    here = tmp_path / "here"
    here.mkdir()
    for command in (["export"], ["crawl", "--portals", str(portals)]):
        line = one_line(govwatch(*command, "--db", url, cwd=here))
        assert line.startswith("govwatch: --db / GOVWATCH_DB: ") and said in line
    assert not list(here.iterdir())  # nothing created


def test_a_file_that_is_no_database_is_refused(tmp_path: Path):
    notes = tmp_path / "notes.db"
    notes.write_text("meeting notes, not a database\n")
    line = one_line(govwatch("export", "--db", f"sqlite:///{notes}"))
    assert f"{notes} is not a SQLite database" in line
    assert notes.read_text() == "meeting notes, not a database\n"


def test_a_mistyped_sqlite_path_names_the_databases_there(tmp_path: Path, sqlite_url: str):
    subprocess.run(  # a real database beside the mistyped name
        [sys.executable, "-c", f"from storage import Repository; Repository.open({sqlite_url!r})"],
        check=True,
        cwd=ROOT,
    )
    typo = tmp_path / "govwach.db"
    for command in (["export"], ["db", "prune"], ["alerts", "pending"]):
        line = one_line(govwatch(*command, "--db", f"sqlite:///{typo}"))
        assert f"no database at {typo}" in line, command
        assert f"did you mean {sqlite_url}?" in line
        assert not typo.exists()  # no empty database made
    alone = tmp_path / "empty" / "x.db"
    alone.parent.mkdir()
    line = one_line(govwatch("export", "--db", f"sqlite:///{alone}"))
    assert "`govwatch crawl` creates one" in line and not alone.exists()


def test_version():
    result = govwatch("--version")
    assert result.returncode == 0 and result.stdout.startswith("govwatch 0."), result


@pytest.fixture
def crawled(site: PortalSite, tmp_path: Path, sqlite_url: str) -> tuple[Path, str]:
    serve(site, SiteStyle(per_page=10, pager="next"), make_articles(3))
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"))]
    )
    crawl(portals, sqlite_url)
    return portals, sqlite_url


def test_export_of_an_unknown_portal_names_the_known(crawled: tuple[Path, str]):
    _portals, db = crawled
    line = one_line(govwatch("export", "--db", db, "--portal", "weibn"))
    assert line == ("govwatch: --portal weibn: no such portal in the database; known: weibin")


def test_export_into_a_closed_pipe_ends_quietly(crawled: tuple[Path, str]):
    _portals, db = crawled
    export = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "export", "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    assert export.stdout is not None and export.stderr is not None
    export.stdout.close()  # like `| head` that has read enough
    stderr = export.stderr.read()
    assert export.wait(timeout=60) == 0
    assert stderr == "", stderr


def test_unknown_keys_say_which_was_meant(tmp_path: Path):
    portals = tmp_path / "portals.yaml"
    portals.write_text(yaml.safe_dump([{"name": "weibin", "start_url": ["http://x.cn/"]}]))
    line = one_line(govwatch("portal", "list", "--portals", str(portals)))
    assert "field 'start_url': unknown key; did you mean 'start_urls'?" in line
    entry = {"name": "weibin", "start_urls": ["http://x.cn/"], "selectors": {"titel": "h1"}}
    portals.write_text(yaml.safe_dump([entry]))
    line = one_line(govwatch("portal", "list", "--portals", str(portals)))
    assert "field 'selectors.titel': unknown key; did you mean 'title'?" in line
    alerts = tmp_path / "alerts.yaml"
    smtp = {"host": "127.0.0.1", "sender": "gw@example.org", "password": "hunter2"}
    alerts.write_text(yaml.safe_dump({"smtp": smtp}))
    line = one_line(govwatch("alerts", "test", "analyst@example.org", "--alerts", str(alerts)))
    assert "field 'smtp.password': unknown key" in line
    assert "GOVWATCH_SMTP_PASSWORD" in line and "hunter2" not in line


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://127.0.0.1:9/list/", "(connection refused): http://127.0.0.1:9/list/"),
        ("http://nosuch.invalid/list/", "(host not found): http://nosuch.invalid/list/"),
    ],
)
def test_portal_check_of_a_dead_host_is_a_summary(url: str, said: str, tmp_path: Path):
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("dead", url)])
    result = govwatch("portal", "check", "dead", "--portals", str(portals))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"no list page could be fetched {said}" in result.stdout


class _Hanging(ThreadingHTTPServer):
    """A portal whose pages answer only once released."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/robots.txt":
                    server.asked.set()
                    server.release.wait(60)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def hanging() -> Iterator[_Hanging]:
    server = _Hanging()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def test_ctrl_c_on_a_crawl_says_at_once_what_it_keeps(
    hanging: _Hanging, tmp_path: Path, sqlite_url: str
):
    url = f"http://127.0.0.1:{hanging.server_address[1]}/list/"
    portals = write_portals(tmp_path / "portals.yaml", [portal_entry("slow", url)])
    log = tmp_path / "stderr.log"
    command = ["crawl", "--portals", str(portals), "--db", sqlite_url]
    with log.open("w") as stderr:
        crawl_process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", *command],
            stderr=stderr,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert hanging.asked.wait(60), log.read_text()
            crawl_process.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 10
            while "stopping" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            said = log.read_text()
            assert "govwatch: SIGINT: stopping after the pages in flight; the records stored" in (
                said
            ), said
            assert hanging.release.is_set() is False  # said while the page still hung
            hanging.release.set()
            crawl_process.wait(timeout=60)
        finally:
            if crawl_process.poll() is None:
                crawl_process.kill()
    assert "Traceback" not in log.read_text()
