"""The schema check of storage.db.migrate: its heads agree with Alembic's, and a database
behind them is still upgraded by Alembic."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from storage import Repository
from storage.db import MIGRATIONS, connect, current_revisions, migration_heads, upgrade


def alembic_heads(location: Path) -> set[str]:
    return set(ScriptDirectory(str(location)).get_heads())


def test_heads_are_alembics():
    assert migration_heads() == alembic_heads(MIGRATIONS)
    assert len(migration_heads()) >= 1


def test_heads_of_branches_and_a_merge(tmp_path: Path):
    versions = tmp_path / "versions"
    versions.mkdir()
    scripts = {"a": None, "b": "a", "c": "a", "d": "a", "m": ("b", "c")}
    for revision, down in scripts.items():
        (versions / f"{revision}_step.py").write_text(
            f'"""{revision}"""\n\nrevision = {revision!r}\ndown_revision = {down!r}\n'
            "branch_labels = None\ndepends_on = None\n\n\n"
            "def upgrade() -> None:\n    pass\n"
        )
    assert migration_heads(versions) == {"d", "m"} == alembic_heads(tmp_path)


def test_a_database_behind_the_heads_is_upgraded(db_url: str):
    engine = connect(db_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
        with engine.connect() as connection:
            assert current_revisions(connection) == {"0001"}
            assert "alert_events" not in inspect(connection).get_table_names()
        Repository.open(db_url).close()
        with engine.connect() as connection:
            assert current_revisions(connection) == migration_heads()
            assert "alert_events" in inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_a_new_database_has_no_revision_until_migrated(sqlite_url: str):
    engine = connect(sqlite_url)
    try:
        with engine.connect() as connection:
            assert current_revisions(connection) is None
        Repository.open(sqlite_url).close()
        with engine.connect() as connection:
            assert current_revisions(connection) == migration_heads()
    finally:
        engine.dispose()


INSERT_ANNOUNCEMENT = text(
    "INSERT INTO announcements (id, portal, url, body, is_meeting, speakers, attendees,"
    " attachments, fingerprint, duplicate_of, first_seen_at)"
    " VALUES (:id, 'weibin', :url, '', false, '[]', '[]', '[]', :fingerprint, :copy, :now)"
)


def test_fingerprints_move_into_the_band_levels_and_back(db_url: str):
    """0006: stored fingerprints get their keys in the band levels, so exact copies of
    announcements stored before it are still found; its downgrade gives the index back."""
    engine = connect(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def alembic(step: Callable[[Config, str], None], revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    def fingerprint_indexes() -> list[str | None]:
        with engine.connect() as connection:
            indexes = inspect(connection).get_indexes("announcements")
        return [index["name"] for index in indexes if index["column_names"] == ["fingerprint"]]

    def band_rows() -> int:
        with engine.connect() as connection:
            return int(
                connection.execute(text("SELECT count(*) FROM announcement_bands")).scalar_one()
            )

    try:
        for head in ("0003", "0004", "0005"):
            alembic(command.upgrade, head)
        first, second, never = (hashlib.sha1(str(i).encode()).hexdigest() for i in range(3))
        now = datetime(2023, 2, 1)
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO portals (name, created_at) VALUES ('weibin', :now)"), {"now": now}
            )
            for id_, fingerprint, copy in (
                (1, first, None),
                (2, first, "http://x.cn/1.html"),  # a copy of 1
                (3, second, None),
                (4, None, None),  # too short to compare
            ):
                values = {"url": f"http://x.cn/{id_}.html", "fingerprint": fingerprint}
                connection.execute(
                    INSERT_ANNOUNCEMENT, {"id": id_, "copy": copy, "now": now, **values}
                )
        assert fingerprint_indexes() == ["ix_announcements_fingerprint"]
        repo = Repository.open(db_url)  # to the heads: 0006
        try:
            assert repo.first_with_fingerprints([first, second, never]) == {
                first: "http://x.cn/1.html",
                second: "http://x.cn/3.html",
            }
        finally:
            repo.close()
        assert fingerprint_indexes() == []
        assert band_rows() == 3
        alembic(command.downgrade, "0006-1")
        assert fingerprint_indexes() == ["ix_announcements_fingerprint"]
        assert band_rows() == 0
        with engine.connect() as connection:
            assert current_revisions(connection) == {"0003", "0004", "0005"}
    finally:
        engine.dispose()


def test_one_head():
    """Every migration continues the one before it: the issues that add migrations rebase."""
    assert len(alembic_heads(MIGRATIONS)) == 1 == len(migration_heads())


POPULATE_0001 = [
    "INSERT INTO portals (name, title, created_at) VALUES ('weibin', '渭滨区', '2026-01-01')",
    'INSERT INTO crawl_runs (id, portal, started_at, finished_at, status, "full", requests,'
    " new_records, errors) VALUES (1, 'weibin', '2026-01-01 08:00', '2026-01-01 08:05',"
    " 'finished', false, 12, 2, 0)",
    "INSERT INTO list_pages (url, portal, etag, last_modified, checked_at)"
    " VALUES ('http://w/list.html', 'weibin', '\"e1\"', 'Thu, 01 Jan 2026 00:00:00 GMT',"
    " '2026-01-01')",
    "INSERT INTO announcements (id, portal, url, title, body, is_meeting, meeting_date,"
    " speakers, attendees, attachments, fingerprint, first_seen_at, run_id) VALUES"
    " (1, 'weibin', 'http://w/1.html', '常务会议', '正文一', true, '2026-01-02', '[\"吴玉新\"]',"
    " '[]', '[]', 'ab' || '00000000000000000000000000000000000000', '2026-01-01 08:01', 1),"
    " (2, 'weibin', 'http://w/2.html', '工作动态', '正文二', false, NULL, '[]', '[]', '[]',"
    " NULL, '2026-01-01 08:02', 1)",
]
POPULATE_0003 = [
    "INSERT INTO alert_events (id, announcement_id, created_at) VALUES (1, 1, '2026-01-01')",
    "INSERT INTO alert_messages (id, key, kind, subscription, recipients, message_id, subject,"
    " text, html, status, attempts, created_at, queued_at, next_attempt_at) VALUES"
    " (1, 'instant:desk:1', 'instant', 'desk', '[\"a@example.org\"]', '<1@x>', 's', 't', 'h',"
    " 'pending', 0, '2026-01-01', '2026-01-01', '2026-01-01')",
    "INSERT INTO alert_deliveries (id, subscription, announcement_id, message, created_at)"
    " VALUES (1, 'desk', 1, 1, '2026-01-01')",
    "INSERT INTO portal_health (portal, state, reason, since, last_run_id, changes)"
    " VALUES ('weibin', 'broken', 'no links', '2026-01-01', 1, 1)",
]


def test_a_populated_database_is_upgraded_from_the_first_migration(db_url: str):
    """Rows written at 0001 (and the outbox's at 0003) are all there, and usable, at the head."""
    engine = connect(db_url)

    def to(revision: str, rows: list[str]) -> None:
        upgrade(engine, revision)
        with engine.begin() as connection:
            for statement in rows:
                connection.execute(text(statement))

    try:
        to("0001", POPULATE_0001)
        to("0003", POPULATE_0003)
    finally:
        engine.dispose()
    repo = Repository.open(db_url)
    try:
        with repo.engine.connect() as connection:
            assert current_revisions(connection) == migration_heads()
        records = list(repo.export())
        assert [(r["url"], r["title"], r["speakers"]) for r in records] == [
            ("http://w/1.html", "常务会议", ["吴玉新"]),
            ("http://w/2.html", "工作动态", []),
        ]
        assert str(records[0]["meeting_date"]) == "2026-01-02"
        (run,) = repo.runs("weibin")
        assert (run.status, run.requests, run.list_pages) == ("finished", 12, 0)
        assert repo.validators(["http://w/list.html"])["http://w/list.html"].etag == '"e1"'
        (message,) = repo.messages()
        assert (message.key, message.recipients) == ("instant:desk:1", ["a@example.org"])
        assert repo.unprocessed_events() == 1
        assert repo.health()["weibin"].state == "broken"
        # the old fingerprint is found through the dedupe index the later migrations built
        fingerprint = "ab" + "0" * 38
        assert repo.first_with_fingerprints([fingerprint]) == {fingerprint: "http://w/1.html"}
    finally:
        repo.close()
