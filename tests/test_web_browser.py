"""`govwatch serve` in Debian's Chromium (Playwright), over the database `govwatch demo`
leaves: the meetings page, a search by a two-character word and by a person, a filter, a
record, its feed, and a hostile title. Screenshots go to screenshots/ (git-ignored)."""

from __future__ import annotations

import os
import re
import shlex
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

from crawler.web.context import today
from storage import Repository
from tests.support.portal import ROOT, govwatch
from tests.support.web import HOSTILE_TITLE, meeting, record, running_app, seed

SHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("GOVWATCH_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo's database (its printed `govwatch serve` command's --db), with a second
    portal's upcoming meetings and a hostile title added."""
    workdir = tmp_path_factory.mktemp("demo")
    done = govwatch("demo", "--workdir", str(workdir / "demo"))
    assert done.returncode == 0, done.stderr
    command = next(line for line in done.stdout.splitlines() if "govwatch serve" in line)
    argv = shlex.split(command.split(":", 1)[1])
    db = argv[argv.index("--db") + 1]
    repo = Repository.open(db)
    soon = today() + timedelta(days=2)
    seed(repo, "dalian", "大连市人民政府", "辽宁省大连市", [
        meeting("dalian", 1, soon, "陈绍旺"),
        meeting("dalian", 2, soon + timedelta(days=1), "陈绍旺"),
        record("dalian", 3, title=HOSTILE_TITLE, url="javascript:alert(document.domain)",
               body='<a href="javascript:alert(1)">点击</a> onerror=alert(1)'),
    ])  # fmt: skip
    repo.close()
    yield db, workdir


@pytest.fixture(scope="module")
def base(demo: tuple[str, Path]) -> Iterator[str]:
    db, workdir = demo
    with running_app(db, workdir / "serve", portals=None) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
    assert not errors, errors  # no script error, no CSP violation


def shot(tab: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def stored(db: str) -> list[dict[str, Any]]:
    repo = Repository.open(db)
    try:
        return list(repo.export())
    finally:
        repo.close()


def titles(tab: Any) -> list[str]:
    return [t.strip() for t in tab.locator("td.title > a").all_inner_texts()]


def test_the_meetings_page_lists_the_demo_portals_meetings(base: str, demo: Any, page: Any):
    page.goto(base + "/")
    meetings = [r for r in stored(demo[0]) if r["is_meeting"] and r["meeting_date"]]
    demo_meetings = {
        r["title"] for r in meetings if r["portal"] == "demo" and not r["duplicate_of"]
    }
    assert demo_meetings and demo_meetings <= set(titles(page))
    upcoming = page.locator("section.upcoming")
    assert upcoming.locator("td.title > a").all_inner_texts()[:1] == ["区政府召开第1次常务会议"]
    assert "渭滨区人民政府" in page.locator("section.held").inner_text()
    shot(page, "meetings")


def test_search_for_two_characters_and_a_person_then_narrow_open_and_subscribe(
    base: str, demo: Any, page: Any
):
    records = stored(demo[0])
    page.goto(base + "/search")
    page.fill("form.filters input[name=q]", "常务")
    page.click("form.filters button[type=submit]")
    expected = {
        r["title"] for r in records if "常务" in f"{r['title']} {r['meeting_name']} {r['body']}"
    }
    assert len(expected) >= 4 and set(titles(page)) == expected
    shot(page, "search")

    page.select_option("form.filters select[name=portal]", "demo")  # app.js resubmits
    page.wait_for_url(re.compile(r"portal=demo"))
    narrowed = {r["title"] for r in records if r["title"] in expected and r["portal"] == "demo"}
    assert set(titles(page)) == narrowed and narrowed < expected

    page.goto(base + "/search")
    page.fill("form.filters input[name=person]", "吴玉新")
    page.click("form.filters button[type=submit]")
    people = {
        r["title"] for r in records if "吴玉新" in [r["presider"], *r["speakers"], *r["attendees"]]
    }
    assert people and set(titles(page)) == people

    # the record: its facts and its source
    target = next(r for r in records if r["presider"] == "吴玉新" and r["meeting_date"])
    page.click(f"td.title > a:text-is('{target['title']}')")
    assert page.locator("h1").inner_text() == target["title"]
    assert page.locator("td.field-presider").inner_text() == "吴玉新"
    assert (
        page.locator("td.field-meeting_date").inner_text().startswith(str(target["meeting_date"]))
    )
    assert page.locator("p.source a").get_attribute("href") == target["url"]
    assert "crawl run #" in page.locator("section.provenance").inner_text()
    shot(page, "record")

    # subscribe: the search's feed, as a reader reads it
    page.go_back()
    href = page.locator("p.actions a", has_text="Atom feed").get_attribute("href")
    with urllib.request.urlopen(base + href, timeout=30) as response:
        feed = feedparser.parse(response.read())
    assert {e.title for e in feed.entries} == people
    assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_a_hostile_title_shows_as_text(base: str, page: Any):
    page.goto(base + "/search?q=%E7%82%B9%E5%87%BB")  # 点击, in the hostile body
    assert page.evaluate("window.pwned") is None
    assert titles(page) == [HOSTILE_TITLE]
    page.click("td.title > a")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert page.locator("p.source a").count() == 0  # javascript: shown as text
    assert page.locator("span.unsafe").inner_text() == "javascript:alert(document.domain)"
    assert page.evaluate("window.pwned") is None


def test_the_portals_page(base: str, page: Any):
    page.goto(base + "/portals")
    text = page.locator("table.status").first.inner_text()
    assert "渭滨区人民政府" in text and "大连市人民政府" in text
    shot(page, "portals")
