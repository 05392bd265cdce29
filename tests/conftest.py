"""Fixtures: a mock portal site, a PostgreSQL server, database URLs for both backends."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import PortalSite
from storage import Repository
from tests.support.postgres import create_database, postgres_server

_databases = itertools.count()


@pytest.fixture
def site() -> Iterator[PortalSite]:
    """A mock portal on 127.0.0.1 that logs every request it answers."""
    with PortalSite() as portal_site:
        yield portal_site


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty PostgreSQL database."""
    return create_database(pg_server, f"govwatch_test_{next(_databases)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'govwatch.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend govwatch supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'govwatch.db'}"
    return create_database(
        request.getfixturevalue("pg_server"), f"govwatch_test_{next(_databases)}"
    )


@pytest.fixture
def repo(db_url: str) -> Iterator[Repository]:
    repository = Repository.open(db_url)
    yield repository
    repository.close()
