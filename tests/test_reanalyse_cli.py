"""`govwatch reanalyse` as a person runs it: a progress bar on a terminal (none when stderr
is not one), `--dry-run` printing what would change and writing nothing, and `--since DATE`
read as a day in Asia/Shanghai."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle
from storage import Announcement, Repository
from tests.support.portal import ROOT, govwatch
from tests.test_revisions import portal  # noqa: F401  (a fixture)

Portal = tuple[PortalSite, Path, list[SiteArticle], str]


def set_rows(db: str, values: dict[str, object], ids: list[int]) -> None:
    repo = Repository.open(db)
    try:
        with repo.session.begin() as session:
            session.execute(update(Announcement).where(Announcement.id.in_(ids)).values(**values))
    finally:
        repo.close()


def titles(db: str) -> dict[int, str | None]:
    repo = Repository.open(db)
    try:
        with repo.session() as session:
            rows = session.execute(select(Announcement.id, Announcement.title))
            return {id_: title for id_, title in rows}
    finally:
        repo.close()


def on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run govwatch with its stderr on a pseudo-terminal; (exit code, stdout, the terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal's other side closed: the process has ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.stdout is not None
    out = process.stdout.read().decode()
    return process.wait(timeout=60), out, shown.decode(errors="replace")


def test_reanalyse_shows_a_progress_bar_on_a_terminal_and_a_dry_run_writes_nothing(
    portal: Portal,  # noqa: F811
) -> None:
    _, portals, articles, db = portal
    set_rows(db, {"title": "旧标题"}, [1, 2])  # what an older extraction got wrong
    common = ("--db", db, "--portals", str(portals))
    code, out, terminal = on_a_terminal("reanalyse", "--dry-run", *common)
    assert code == 0, terminal
    total = len(articles)
    assert f"] {total}/{total}" in terminal and "\r[" in terminal and "#" * 30 in terminal
    changed = [json.loads(line) for line in out.splitlines()]
    assert [c["changes"]["title"][0] for c in changed] == ["旧标题", "旧标题"]
    assert f"{total} records re-analysed" in terminal and "would change 2" in terminal
    assert [titles(db)[id_] for id_ in (1, 2)] == ["旧标题", "旧标题"]  # nothing written

    result = govwatch("reanalyse", *common)  # stderr not a terminal: no bar
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "[#" not in result.stderr
    assert "changed 2" in result.stderr and result.stdout == ""
    assert "旧标题" not in titles(db).values()


def test_reanalyse_since_a_day_in_shanghai(portal: Portal) -> None:  # noqa: F811
    db = portal[3]
    # 20:00 UTC on 1 March is 04:00 on 2 March in Shanghai; 15:00 UTC is 23:00 on 1 March
    set_rows(db, {"first_seen_at": datetime(2024, 3, 1, 20, 0, tzinfo=UTC)}, [1, 2])
    set_rows(db, {"first_seen_at": datetime(2024, 3, 1, 15, 0, tzinfo=UTC)}, [3, 4, 5, 6])
    for day, seen in (("2024-03-02", 2), ("2024-03-01", 6), ("2024-03-03", 0)):
        result = govwatch("reanalyse", "--dry-run", "--since", day, "--db", db)
        assert result.returncode == 0, result.stderr
        assert f"{seen} records re-analysed" in result.stderr, (day, result.stderr)
