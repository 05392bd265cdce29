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
from storage.db import MIGRATIONS, connect, current_revisions, migration_heads


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
