"""govwatch's SQL store: models, migrations and the repository (all SQL lives here)."""

from __future__ import annotations

from storage.db import connect, migrate
from storage.exceptions import StorageError, StorageUnavailable
from storage.repository import Repository

__all__ = ["Repository", "StorageError", "StorageUnavailable", "connect", "migrate"]
