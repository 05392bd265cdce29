"""`govwatch serve` over HTTP: search through the bigram index, keyset paging, feeds, the
calendar, downloads, and the security rules (methods, token, headers, escaping)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import feedparser
import icalendar
import pytest
from sqlalchemy import text

from crawler.exceptions import GovwatchError
from crawler.web.config import check_exposure
from crawler.web.context import today
from storage import Filters, Repository
from storage.db import upgrade
from storage.textindex import phrases, tokens
from tests.support.portal import ROOT
from tests.support.web import HOSTILE_TITLE, fetch, meeting, record, running_app, seed


def all_pages(repo: Repository, filters: Filters, limit: int) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = repo.search(filters, cursor, limit)
        ids += [item["id"] for item in page.items]
        if page.next is None:
            return ids
        cursor = page.next


def test_tokens_are_bigrams_of_cjk_runs_and_words_of_the_rest():
    assert tokens("区政府召开常务会议, GDP增长") == [
        "区政", "政府", "府召", "召开", "开常", "常务", "务会", "会议", "议", "gdp", "增长", "长",
    ]  # fmt: skip
    assert [p.tokens for p in phrases("常务 吴玉新 Standing")] == [
        ("常务",),
        ("吴玉", "玉新"),
        ("standing",),
    ]
    assert phrases("议")[0].prefix and phrases("，。") == []


def test_search_finds_two_characters_names_and_words_on_both_backends(repo: Repository):
    seed(repo, "weibin", "渭滨区人民政府", "陕西省宝鸡市渭滨区", [
        meeting("weibin", 1, date(2026, 3, 1), "吴玉新"),
        meeting("weibin", 2, date(2026, 3, 2), "王亚琴", speakers=["吴玉新"]),
        record("weibin", 3, title="Standing Committee meets", body="The mayor chaired it."),
        record("weibin", 4, body="常务副区长调研"),
        record("weibin", 5, title="常住人口统计", body="统计数据。"),
    ])  # fmt: skip
    seed(repo, "dalian", "大连市人民政府", "辽宁省大连市", [
        meeting("dalian", 6, date(2026, 3, 3), "陈绍旺"),
    ])  # fmt: skip

    def urls(**kwargs: object) -> list[str]:
        page = repo.search(Filters(**kwargs), None, 50)  # type: ignore[arg-type]
        return sorted(item["url"].rsplit("/", 1)[1] for item in page.items)

    assert urls(q="常务") == ["00001.html", "00002.html", "00004.html", "00006.html"]
    assert urls(q="常") == ["00001.html", "00002.html", "00004.html", "00005.html", "00006.html"]
    assert urls(q="务会议") == ["00001.html", "00002.html", "00006.html"]
    assert urls(q="standing committee") == ["00003.html"]
    assert urls(q="委员会") == []
    # presider or speaker; the name in a body alone is not enough
    assert urls(person="吴玉新") == ["00001.html", "00002.html"]
    assert urls(person="玉新") == ["00001.html", "00002.html"]  # a substring of the name
    assert urls(person="吴玉新王") == []  # no phrase from one name into the next
    assert urls(q="常务", region="辽宁") == ["00006.html"]
    assert urls(q="常务", portal="weibin", meetings_only=True) == ["00001.html", "00002.html"]
    assert urls(since=date(2026, 3, 2), by="meeting") == ["00002.html", "00006.html"]
    assert urls(until=date(2026, 3, 1), by="meeting") == ["00001.html"]


@pytest.mark.parametrize("dense", [5, 2000])
def test_common_words_are_checked_row_by_row_with_the_same_answers(
    repo: Repository, monkeypatch: pytest.MonkeyPatch, dense: int
):
    """More text matches than DENSE: the filters' own order, each row asked of the index."""
    monkeypatch.setattr("storage.search.DENSE", dense)
    seed(repo, "weibin", "渭滨区人民政府", "陕西省宝鸡市渭滨区", [
        meeting("weibin", i, date(2026, 3, 1 + i % 20), "吴玉新" if i % 4 else "苗坤")
        for i in range(40)
    ] + [record("weibin", 100 + i) for i in range(10)])  # fmt: skip
    assert len(all_pages(repo, Filters(q="常务"), 7)) == 40
    assert len(all_pages(repo, Filters(q="常务", person="苗坤", sort="meeting"), 3)) == 10
    assert len(all_pages(repo, Filters(q="工作", sort="published", order="asc"), 4)) == 50
    assert all_pages(repo, Filters(q="常务", portal="nowhere"), 5) == []


def test_api_pages_through_a_thousand_records_once_each_while_more_are_stored(
    repo: Repository,
):
    records = [
        record("p", i, published_at=None) if i % 7 == 0 else record("p", i) for i in range(1000)
    ]
    seed(repo, "p", "P", "R", records)
    for sort in ("seen", "published"):
        for order in ("desc", "asc"):
            filters = Filters(sort=sort, order=order)
            seen: list[int] = []
            cursor = None
            while True:
                page = repo.search(filters, cursor, 37)
                seen += [item["id"] for item in page.items]
                if page.next is None:
                    break
                cursor = page.next
                if len(seen) == 370:  # stored meanwhile: found after, never doubled
                    repo.add_announcements([record("p", 5000 + len(seen) + len(sort) + len(order))])
            assert len(seen) == len(set(seen)), (sort, order)
            assert set(range(1, 1001)) <= set(seen), (sort, order)


def test_the_api_pages_through_a_thousand_records_with_no_repeat_and_none_missed(
    sqlite_url: str, tmp_path: Path
):
    repo = Repository.open(sqlite_url)
    seed(repo, "p", "P", "R", [record("p", i) for i in range(1000)])
    with running_app(sqlite_url, tmp_path) as base:
        urls: list[str] = []
        link = "/api/announcements?" + urlencode({"q": "工作", "limit": 97})
        while link:
            page = json.loads(fetch(base + link)[2])
            urls += [item["url"] for item in page["items"]]
            repo.add_announcements([record("p", 2000 + len(urls))])  # stored meanwhile
            cursor = page["next"]
            link = (
                "/api/announcements?" + urlencode({"q": "工作", "limit": 97, "cursor": cursor})
                if cursor
                else ""
            )
    repo.close()
    assert len(urls) == len(set(urls))
    assert {record("p", i)["url"] for i in range(1000)} <= set(urls)


def test_the_index_of_records_stored_before_the_migration_is_built_by_it(db_url: str):
    from sqlalchemy import create_engine

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO portals (name, title, created_at) VALUES ('w', 'W', '2026-01-01')")
        )
        connection.execute(
            text(
                "INSERT INTO announcements (portal, url, title, body, is_meeting, speakers,"
                " attendees, attachments, first_seen_at) VALUES ('w', 'http://w/1', '常务会议',"
                " '吴玉新主持', true, '[\"苗坤\"]', '[]', '[]', '2026-01-01')"
            )
        )
    engine.dispose()
    repo = Repository.open(db_url)
    try:
        assert [i["url"] for i in repo.search(Filters(q="常务"), None, 5).items] == ["http://w/1"]
        assert len(repo.search(Filters(person="苗坤"), None, 5).items) == 1
    finally:
        repo.close()


# -- over HTTP ----------------------------------------------------------------------------

ALERTS = """
subscriptions:
  - name: desk
    to: [a@example.org]
    people: [吴玉新]
    meetings_only: true
"""


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path):
    repo = Repository.open(sqlite_url)
    soon = today() + timedelta(days=3)
    seed(repo, "weibin", "渭滨区人民政府", "陕西省宝鸡市渭滨区", [
        meeting("weibin", 1, soon, "吴玉新"),
        meeting("weibin", 2, soon + timedelta(days=1), "王亚琴"),
        meeting("weibin", 3, today() - timedelta(days=30), "吴玉新"),
        record("weibin", 4, title=HOSTILE_TITLE, url="javascript:alert(1)"),
    ])  # fmt: skip
    # stored with alerts queued, as a crawl after the baseline stores them
    repo.add_announcements(
        [
            meeting("weibin", 5, soon + timedelta(days=2), "吴玉新"),
            meeting("weibin", 6, soon, "王亚琴"),
            meeting(
                "weibin", 7, soon, "吴玉新", duplicate_of=meeting("weibin", 5, soon, "")["url"]
            ),
        ],
        enqueue_alerts=True,
    )
    repo.close()
    with running_app(sqlite_url, tmp_path, alerts=ALERTS) as base:
        yield base


def test_the_feed_has_one_entry_per_record_with_the_url_as_its_id(served: str):
    status, headers, body = fetch(served + "/feed.atom?" + urlencode({"q": "常务"}))
    assert status == 200 and headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo
    ids = [entry.id for entry in feed.entries]
    assert len(ids) == 6 == len(set(ids))
    assert all(i.startswith("http://www.weibin.gov.cn/") for i in ids)


def test_a_subscription_feed_is_what_the_subscription_mails(served: str):
    from scheduler.subscriptions import matches

    _, _, body = fetch(served + "/feed.atom?subscription=desk")
    feed = feedparser.parse(body)
    # of the three queued, 5 matches (吴玉新, a meeting); 6 is 王亚琴's; 7 is a copy
    assert [e.id.rsplit("/", 1)[1] for e in feed.entries] == ["00005.html"]
    assert matches  # the feed goes through scheduler.subscriptions.matches
    status, _, _ = fetch(served + "/feed.atom?subscription=nobody")
    assert status == 400


def test_the_calendar_has_one_event_per_upcoming_meeting(served: str):
    status, headers, body = fetch(served + "/calendar.ics")
    assert status == 200 and headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    # 1, 2, 5, 6 are upcoming; 3 was held; 7 is a copy of 5
    assert len(events) == 4
    assert sorted(str(e["dtstart"].dt) for e in events) == sorted(
        str(today() + timedelta(days=d)) for d in (3, 4, 5, 3)
    )
    assert {e.get("url") for e in events} >= {meeting("weibin", 1, today(), "")["url"]}
    _, _, narrowed = fetch(served + "/calendar.ics?" + urlencode({"person": "吴玉新"}))
    assert len(icalendar.Calendar.from_ical(narrowed).walk("VEVENT")) == 2


def test_csv_with_a_bom_and_jsonl_downloads_of_a_view(served: str):
    _, headers, body = fetch(
        served + "/api/announcements?" + urlencode({"q": "常务", "format": "csv", "bom": "1"})
    )
    assert body.startswith("\ufeff".encode()) and "attachment" in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 6 and rows[0]["title"].startswith("区政府召开")
    _, _, lines = fetch(
        served + "/api/announcements?format=jsonl&person=" + "%E5%90%B4%E7%8E%89%E6%96%B0"
    )
    assert {json.loads(line)["presider"] for line in lines.decode().splitlines()} == {"吴玉新"}


def test_api_and_openapi(served: str):
    _, _, body = fetch(served + "/api/announcements?limit=2")
    page = json.loads(body)
    assert len(page["items"]) == 2 and page["next"]
    assert {"url", "title", "is_meeting", "meeting_date", "duplicate_of"} <= set(page["items"][0])
    status, _, body = fetch(served + "/api/announcements?cursor=garbage")
    assert status == 400 and "cursor" in json.loads(body)["error"]
    _, _, body = fetch(served + "/api/portals")
    assert json.loads(body)["portals"][0]["name"] == "weibin"
    _, _, body = fetch(served + "/api/openapi.json")
    paths = json.loads(body)["paths"]
    assert {"/api/announcements", "/api/portals", "/feed.atom", "/calendar.ics"} <= set(paths)


def test_hostile_strings_are_escaped_and_unsafe_links_are_text(served: str):
    _, headers, body = fetch(served + "/search?" + urlencode({"q": "会议"}))
    page = body.decode()
    assert "<script>window.pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]


def test_a_malformed_portal_file_is_one_message_on_the_page(sqlite_url: str, tmp_path: Path):
    Repository.open(sqlite_url).close()
    with running_app(sqlite_url, tmp_path, portals="- name: Bad Name!\n") as base:
        status, _, body = fetch(base + "/portals")
        assert status == 500 and "portals.yaml" in body.decode()
        assert "Traceback" not in body.decode()
        assert fetch(base + "/")[0] == 200  # the rest still serves


def test_only_get_and_head(served: str):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, _, _ = fetch(served + "/", method=method)
        assert status == 405, method
    status, _, _ = fetch(served + "/login", method="POST", data=b"token=x")
    assert status == 405  # no token set: no login
    status, headers, body = fetch(served + "/search", method="HEAD")
    assert status == 200 and body == b"" and headers["content-type"].startswith("text/html")


def test_a_token_guards_every_page_by_bearer_or_login_cookie(sqlite_url: str, tmp_path: Path):
    Repository.open(sqlite_url).close()
    with running_app(sqlite_url, tmp_path, token="s3cret") as base:
        assert fetch(base + "/api/portals")[0] == 401
        assert fetch(base + "/feed.atom")[0] == 401
        status, headers, _ = fetch(base + "/search?q=x")
        assert status == 303 and headers["location"].startswith("/login?next=")
        assert fetch(base + "/api/portals", headers={"Authorization": "Bearer s3cret"})[0] == 200
        assert fetch(base + "/api/portals", headers={"Authorization": "Bearer nope"})[0] == 401
        bad = fetch(base + "/login", "POST", data=b"token=nope&next=/portals")
        assert bad[0] == 401
        status, headers, _ = fetch(base + "/login", "POST", data=b"token=s3cret&next=//evil.org")
        assert status == 303 and headers["location"] == "/"
        cookie = headers["set-cookie"]
        assert "httponly" in cookie.lower() and "s3cret" not in cookie
        session = cookie.split(";", 1)[0]
        assert fetch(base + "/portals", headers={"Cookie": session})[0] == 200


def test_a_host_other_machines_reach_needs_a_token_or_public():
    check_exposure("127.0.0.1", None, False)
    check_exposure("::1", None, False)
    check_exposure("0.0.0.0", "t", False)
    check_exposure("0.0.0.0", None, True)
    with pytest.raises(GovwatchError, match="GOVWATCH_UI_TOKEN"):
        check_exposure("0.0.0.0", None, False)
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "serve", "--host", "0.0.0.0", "--db", "sqlite://"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 1 and "GOVWATCH_UI_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr
