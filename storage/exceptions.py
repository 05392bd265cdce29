"""Storage errors, translated from SQLAlchemy's so callers need not import it.

StorageError              base of everything storage raises on purpose
 +-- StorageUnavailable   the database cannot be reached or stays locked after retries
"""

from __future__ import annotations


class StorageError(Exception):
    """A storage operation failed; the message names the database (without its password)."""


class StorageUnavailable(StorageError):
    """The database could not be reached, or stayed busy, after the configured retries."""
