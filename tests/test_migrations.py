"""The schema check of storage.db.migrate: its heads agree with Alembic's, and a database
behind them is still upgraded by Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

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
