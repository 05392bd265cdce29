"""LSH band keys kept in levels (storage.models.AnnouncementBand): new keys land in the newest
level, a level past its cap moves into the one before it, and lookups find keys at any level."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from storage import AnnouncementBand, Repository, dedupe_index
from storage.db import MIGRATIONS, connect

KEYS = 5  # band keys per record here; crawler.dedupe gives 10


def record(i: int) -> dict[str, object]:
    return {
        "portal": "a",
        "url": f"http://a/{i}",
        "body": f"正文{i}",
        "is_meeting": False,
        "bands": [i * 100 + k for k in range(KEYS)],
    }


def level_sizes(repo: Repository) -> Counter[int]:
    with repo.engine.connect() as connection:
        return Counter(connection.execute(select(AnnouncementBand.level)).scalars())


def test_levels_move_when_full_and_every_key_is_still_found(
    repo: Repository, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setitem(dedupe_index.BAND_LEVEL_CAPS, repo.engine.dialect.name, (None, 30, 10))
    repo.ensure_portal("a")
    seen: set[int] = set()
    caplog.set_level(logging.INFO, logger="storage.dedupe_index")
    for i in range(40):
        assert repo.add_announcements([record(i)]) == [f"http://a/{i}"]
        sizes = level_sizes(repo)
        assert sizes[2] <= 10 and sizes[1] <= 30
        assert sum(sizes.values()) == KEYS * (i + 1)
        seen.update(level for level, size in sizes.items() if size)
    assert seen == {0, 1, 2}
    assert "band keys from level 2 to level 1" in caplog.text
    assert "band keys from level 1 to level 0" in caplog.text
    # one key of each record, wherever its keys are now: each finds its own record only
    found = repo.near_duplicate_candidates([[i * 100 + 3] for i in range(40)])
    assert [[url for url, _, _ in rows] for rows in found] == [[f"http://a/{i}"] for i in range(40)]
    # a record already stored adds no keys, and the levels stay within their caps
    assert repo.add_announcements([record(39)]) == []
    assert sum(level_sizes(repo).values()) == KEYS * 40


def test_a_level_moved_on_demand(repo: Repository, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(dedupe_index.BAND_LEVEL_CAPS, repo.engine.dialect.name, (None, 1000, 100))
    repo.ensure_portal("a")
    repo.add_announcements([record(1), record(2)])
    assert level_sizes(repo) == {2: 2 * KEYS}
    assert repo.move_band_level(2) == 2 * KEYS
    assert repo.move_band_level(1) == 2 * KEYS
    assert level_sizes(repo) == {0: 2 * KEYS}
    assert repo.move_band_level(1) == 0
    with pytest.raises(ValueError, match="band level 0"):
        repo.move_band_level(0)


def test_band_lookup_and_moves_use_the_primary_key(sqlite_url: str):
    queries = {
        "lookup": "SELECT key, announcement_id FROM announcement_bands"
        " WHERE level IN (0, 1, 2) AND key IN (1, 2)",
        "size": "SELECT count(*) FROM announcement_bands WHERE level = 2",
        "move": "UPDATE announcement_bands SET level = 1 WHERE level = 2",
    }
    repo = Repository.open(sqlite_url)
    with repo.engine.connect() as connection:
        plans = {
            name: " ".join(
                str(row) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            )
            for name, sql in queries.items()
        }
    repo.close()
    assert "USING PRIMARY KEY (level=? AND key=?)" in plans["lookup"]
    assert "USING PRIMARY KEY (level=?)" in plans["size"]
    assert "USING PRIMARY KEY (level=?)" in plans["move"]
    assert not any("SCAN" in plan for plan in plans.values())


def test_migration_0005_puts_stored_keys_at_level_0_and_back(db_url: str):
    engine = connect(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def to(revision: str, down: bool = False) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)

    try:
        to("0002")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO portals (name, created_at) VALUES ('a', '2026-01-01')")
            )
            for i in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO announcements (id, portal, url, body, is_meeting, speakers,"
                        " attendees, attachments, first_seen_at) VALUES (:id, 'a', :url, '',"
                        " false, '[]', '[]', '[]', '2026-01-01')"
                    ),
                    {"id": i, "url": f"http://a/{i}"},
                )
            connection.execute(
                text("INSERT INTO announcement_bands (announcement_id, key) VALUES (:i, :k)"),
                [{"i": 1, "k": 7}, {"i": 1, "k": -8}, {"i": 2, "k": 7}],
            )
        to("0005")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT level, key, announcement_id FROM announcement_bands")
            ).all()
        assert sorted(rows) == [(0, -8, 1), (0, 7, 1), (0, 7, 2)]
        repo = Repository.open(db_url)  # the other branches' heads: nothing else moves
        try:
            found = repo.near_duplicate_candidates([[7], [-8]])
            assert [[url for url, _, _ in rows] for rows in found] == [
                ["http://a/1", "http://a/2"],
                ["http://a/1"],
            ]
        finally:
            repo.close()
        to("0002", down=True)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT announcement_id, key FROM announcement_bands")
            ).all()
        assert sorted(rows) == [(1, -8), (1, 7), (2, 7)]
    finally:
        engine.dispose()


def test_keys_another_crawl_adds_are_counted_in_time(
    repo: Repository, db_url: str, monkeypatch: pytest.MonkeyPatch
):
    """Each repository counts the newest level at least every quarter of its cap of its own
    keys, so with two writers the level outgrows its cap by at most that much each."""
    monkeypatch.setitem(dedupe_index.BAND_LEVEL_CAPS, repo.engine.dialect.name, (None, 1000, 40))
    repo.ensure_portal("a")
    other = Repository.open(db_url)
    try:
        for i in range(60):
            (repo if i % 2 else other).add_announcements([record(i)])
            sizes = level_sizes(repo)
            assert sizes[2] <= 40 + 2 * (40 // 4 + KEYS)
            assert sum(sizes.values()) == KEYS * (i + 1)
        assert sizes[1] > 0
    finally:
        other.close()


def test_the_default_levels_of_each_backend(repo: Repository):
    """With the shipped caps, SQLite's keys land in a newest level that moves on once full;
    PostgreSQL keeps every key at level 0 and has no level to move."""
    wide = 1000  # keys per record, so the newest level fills in a few records
    repo.ensure_portal("a")

    def add(i: int) -> None:
        repo.add_announcements([{**record(i), "bands": [i * wide + k for k in range(wide)]}])

    if repo.engine.dialect.name == "postgresql":
        for i in range(3):
            add(i)
        assert level_sizes(repo) == {0: 3 * wide}
        with pytest.raises(ValueError, match="band level 1"):
            repo.move_band_level(1)
    else:
        newest = repo.band_level_caps[-1]
        assert newest is not None
        records = newest // wide
        for i in range(records):
            add(i)
        assert level_sizes(repo) == {2: records * wide}  # full, not past its cap
        add(records)
        add(records + 1)  # past the cap; counted within a quarter of it, then moved
        for i in range(records + 2, records + 2 + newest // 4 // wide):
            add(i)
        sizes = level_sizes(repo)
        assert sizes[1] > newest and sizes[2] <= newest and not sizes[0]
    found = repo.near_duplicate_candidates([[wide + 3], [2 * wide + 999]])
    assert [[url for url, _, _ in rows] for rows in found] == [["http://a/1"], ["http://a/2"]]
