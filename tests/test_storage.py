"""The repository on SQLite and PostgreSQL: uniqueness, batches, validators, runs, export."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from storage import EXPORT_FIELDS, Filters, Repository, Validators


def record(url: str, **extra):
    return {
        "portal": "weibin",
        "url": url,
        "title": "区政府召开常务会议",
        "body": "正文" * 40,
        "is_meeting": True,
        "meeting_date": date(2023, 2, 20),
        "speakers": ["吴玉新"],
        "attendees": [],
        "attachments": [],
        "fingerprint": None,
        "published_at": datetime(2023, 2, 22, 3, 33, tzinfo=UTC),
        **extra,
    }


def test_schema_is_migrated_once_and_again_is_a_no_op(repo: Repository, db_url: str):
    tables = set(inspect(repo.engine).get_table_names())
    assert {"portals", "announcements", "list_pages", "crawl_runs", "alembic_version"} <= tables
    Repository.open(db_url).close()  # a second upgrade to head changes nothing


def test_batch_insert_skips_stored_urls(repo: Repository):
    repo.ensure_portal("weibin", "渭滨区人民政府", "陕西省宝鸡市渭滨区")
    first = repo.add_announcements([record(f"http://x.cn/{i}.html") for i in range(120)])
    assert len(first) == 120
    again = repo.add_announcements([record("http://x.cn/5.html"), record("http://x.cn/new.html")])
    assert again == ["http://x.cn/new.html"]
    assert repo.count() == 121
    assert repo.known_urls(["http://x.cn/5.html", "http://x.cn/nope.html"]) == {
        "http://x.cn/5.html"
    }


def test_known_urls_handles_more_than_one_chunk(repo: Repository):
    repo.ensure_portal("weibin")
    urls = [f"http://x.cn/{i}.html" for i in range(1200)]
    repo.add_announcements([record(u) for u in urls[:700]])
    assert repo.known_urls(urls) == set(urls[:700])


def test_round_trip_of_export_fields(repo: Repository):
    repo.ensure_portal("weibin")
    repo.add_announcements([record("http://x.cn/a.html", duplicate_of="http://y.cn/a.html")])
    (row,) = repo.export()
    assert tuple(row) == EXPORT_FIELDS
    assert row["published_at"] == datetime(2023, 2, 22, 3, 33, tzinfo=UTC)
    assert row["meeting_date"] == date(2023, 2, 20)
    assert row["speakers"] == ["吴玉新"] and row["duplicate_of"] == "http://y.cn/a.html"
    assert row["first_seen_at"].tzinfo is not None


def test_export_filters(repo: Repository):
    repo.ensure_portal("weibin")
    repo.ensure_portal("other")
    repo.add_announcements(
        [
            record("http://x.cn/m.html"),
            record("http://x.cn/n.html", is_meeting=False),
            record("http://o.cn/m.html", portal="other"),
        ]
    )
    assert {r["url"] for r in repo.export(Filters(portal="other"))} == {"http://o.cn/m.html"}
    assert {r["url"] for r in repo.export(Filters(meetings_only=True))} == {
        "http://x.cn/m.html",
        "http://o.cn/m.html",
    }
    # days are Asia/Shanghai days: from 16:00 UTC, UTC's tomorrow is Shanghai's today
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    assert list(repo.export(Filters(since=tomorrow))) == []
    assert len(list(repo.export(Filters(since=date(2020, 1, 1))))) == 3


def test_validators_upsert(repo: Repository):
    repo.ensure_portal("weibin")
    repo.save_validators("weibin", {"http://x.cn/list": Validators('"abc"', None)})
    repo.save_validators(
        "weibin", {"http://x.cn/list": Validators('"def"', "Wed, 22 Feb 2023 03:33:00 GMT")}
    )
    assert repo.validators(["http://x.cn/list", "http://x.cn/other"]) == {
        "http://x.cn/list": Validators('"def"', "Wed, 22 Feb 2023 03:33:00 GMT")
    }


def test_crawl_runs(repo: Repository):
    repo.ensure_portal("weibin")
    run = repo.start_run("weibin", full=True)
    assert repo.last_run("weibin").status == "running"
    repo.finish_run(run, "finished", requests=5, new_records=3, errors=0)
    last = repo.last_run("weibin")
    assert (last.status, last.requests, last.new_records, last.full) == ("finished", 5, 3, True)
    assert last.finished_at is not None and last.finished_at >= last.started_at
    assert repo.last_run("other") is None


def test_first_with_fingerprint_ignores_copies(repo: Repository):
    repo.ensure_portal("weibin")
    repo.add_announcements(
        [
            record("http://a.cn/1", fingerprint="f" * 40),
            record("http://b.cn/1", fingerprint="f" * 40, duplicate_of="http://a.cn/1"),
            record("http://c.cn/1", fingerprint="e" * 40),
            record("http://c.cn/2", fingerprint="e" * 40),  # a later original: not the first
        ]
    )
    found = repo.first_with_fingerprints(["f" * 40, "0" * 40, "e" * 40, "f" * 40])
    assert found == {"f" * 40: "http://a.cn/1", "e" * 40: "http://c.cn/1"}
    assert repo.first_with_fingerprints([]) == {}


def test_a_batch_with_an_unknown_portal_fails_whole_as_sqlalchemy_raises_it(repo: Repository):
    repo.ensure_portal("weibin")
    batch = [record("http://x.cn/1.html"), record("http://x.cn/2.html", portal="nowhere")]
    with pytest.raises(IntegrityError):
        repo.add_announcements(batch)
    assert repo.count() == 0
    assert repo.add_announcements(batch[:1]) == ["http://x.cn/1.html"]


def test_a_connection_lost_mid_insert_is_retried_and_stores_each_row_once(pg_url: str):
    """PostgreSQL: the server ends the session in the middle of a batch's INSERT (a trigger
    that terminates its own backend once: sequences are not rolled back); the repository
    writes the batch again on a new connection."""
    repo = Repository.open(pg_url)
    try:
        repo.ensure_portal("weibin")
        with repo.engine.begin() as connection:
            connection.exec_driver_sql("CREATE SEQUENCE cuts")
            connection.exec_driver_sql(
                "CREATE FUNCTION cut() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " IF NEW.url LIKE '%%/7.html' AND nextval('cuts') = 1 THEN"
                " PERFORM pg_terminate_backend(pg_backend_pid()); END IF;"
                " RETURN NEW; END $$"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER cut BEFORE INSERT ON announcements"
                " FOR EACH ROW EXECUTE FUNCTION cut()"
            )
        urls = [f"http://x.cn/{i}.html" for i in range(20)]
        assert sorted(repo.add_announcements([record(u) for u in urls])) == sorted(urls)
        assert repo.count() == 20
        with repo.engine.connect() as connection:  # the trigger did fire
            assert connection.exec_driver_sql("SELECT last_value FROM cuts").scalar() == 2
    finally:
        repo.close()
