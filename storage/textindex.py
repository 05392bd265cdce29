"""The search index: each announcement's text as character bigrams, kept by the store.

SQLite's FTS5 trigram tokenizer and PostgreSQL's pg_trgm need three characters; a Chinese
word is often two (常务, 会议). So the store writes each text as space-separated tokens of
its own: every run of CJK characters as its overlapping bigrams plus its last character,
every run of letters and digits as one word. SQLite keeps them in a contentless FTS5 table
(the ``ascii`` tokenizer splits only at the spaces); PostgreSQL as a tsvector with the
tokens' positions, under a GIN index. A query becomes phrases of the same tokens, so a
word of two characters or more is found where it occurs, as a substring (docs/web.md).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from storage.base import Store

TABLE = "announcement_text"  # SQLite: FTS5 (rowid = announcements.id); PostgreSQL: a table
# the text fields a search looks through; people too, so that a person filter can narrow
# by the index before it checks the columns
TEXT_FIELDS = ("title", "meeting_name", "presider", "speakers", "attendees", "body")
# tsvector limits: positions above 16,383 are stored as 16,383; 256 positions a lexeme
PG_MAX_POSITION = 16_383
PG_MAX_POSITIONS = 256

# Han (with extensions and compatibility ideographs), kana and Hangul: read as bigrams
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"([{_CJK}]+)|[^\W_{_CJK}]+")


@dataclass(frozen=True)
class Phrase:
    """Tokens that must follow each other; ``prefix``: the last one only begins a token."""

    tokens: tuple[str, ...]
    prefix: bool = False


def _runs(value: str) -> Iterable[tuple[str, bool]]:
    """(run, is_cjk) of ``value``, NFKC-normalised and case-folded (full-width letters and
    digits become ASCII ones)."""
    for match in _RUN.finditer(unicodedata.normalize("NFKC", value).casefold()):
        yield match.group(0), match.group(1) is not None


def tokens(value: str) -> list[str]:
    """The index's tokens of ``value``: a CJK run's bigrams and its last character (so that
    one character is found as a prefix), a word as itself."""
    found: list[str] = []
    for run, cjk in _runs(value):
        if cjk:
            found.extend(run[i : i + 2] for i in range(len(run) - 1))
            found.append(run[-1])
        else:
            found.append(run)
    return found


def phrases(query: str) -> list[Phrase]:
    """The phrases a query's text must all contain; empty when it has no word at all."""
    found = []
    for run, cjk in _runs(query):
        if cjk and len(run) == 1:
            found.append(Phrase((run,), prefix=True))
        elif cjk:
            found.append(Phrase(tuple(run[i : i + 2] for i in range(len(run) - 1))))
        else:
            found.append(Phrase((run,)))
    return list(dict.fromkeys(found))


def record_text(record: Mapping[str, Any]) -> str:
    """The searched text of a record (lists joined), one field a line."""
    parts: list[str] = []
    for name in TEXT_FIELDS:
        value = record.get(name)
        if isinstance(value, list):
            parts.extend(str(item) for item in value)
        elif value:
            parts.append(str(value))
    return "\n".join(parts)


# -- the dialects' forms ----------------------------------------------------------------


def fts5_query(found: Sequence[Phrase]) -> str:
    """An FTS5 MATCH expression: each phrase quoted (tokens are letters and digits only)."""
    return " AND ".join(f'"{" ".join(p.tokens)}"' + ("*" if p.prefix else "") for p in found)


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(found: Sequence[Phrase]) -> str:
    """A tsquery literal: each phrase as lexemes joined by ``<->`` (followed by)."""
    return " & ".join(
        "(" + " <-> ".join(_lexeme(t) for t in p.tokens) + (":*" if p.prefix else "") + ")"
        for p in found
    )


def tsvector(found: Sequence[str]) -> str:
    """A tsvector literal of tokens with their positions (1-based, within tsvector's limits)."""
    positions: dict[str, list[int]] = {}
    for index, token in enumerate(found, start=1):
        kept = positions.setdefault(token, [])
        if len(kept) < PG_MAX_POSITIONS:
            kept.append(min(index, PG_MAX_POSITION))
    return " ".join(
        f"{_lexeme(token)}:{','.join(map(str, sorted(set(where))))}"
        for token, where in positions.items()
    )


def write_index(connection: Any, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    """Index announcements, (id, record) each, on ``connection`` (a connection or a session)."""
    if not rows:
        return
    if _dialect(connection) == "postgresql":
        statement = text(
            f"INSERT INTO {TABLE} (announcement_id, grams)"
            " VALUES (:id, CAST(:grams AS tsvector)) ON CONFLICT DO NOTHING"
        )
        params = [{"id": id_, "grams": tsvector(tokens(record_text(r)))} for id_, r in rows]
    else:
        statement = text(f"INSERT INTO {TABLE} (rowid, grams) VALUES (:id, :grams)")
        params = [{"id": id_, "grams": " ".join(tokens(record_text(r)))} for id_, r in rows]
    connection.execute(statement, params)


def unindex(connection: Any, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    """Take announcements out of the index, each with the record it was indexed with (a
    contentless FTS5 table forgets a row only when told its tokens): for a change of a
    stored record's text, before :func:`write_index` of the new one."""
    if not rows:
        return
    if _dialect(connection) == "postgresql":
        connection.execute(
            text(f"DELETE FROM {TABLE} WHERE announcement_id = :id"),
            [{"id": id_} for id_, _ in rows],
        )
        return
    connection.execute(
        text(f"INSERT INTO {TABLE} ({TABLE}, rowid, grams) VALUES ('delete', :id, :grams)"),
        [{"id": id_, "grams": " ".join(tokens(record_text(r)))} for id_, r in rows],
    )


def _dialect(connection: Any) -> str:
    """The dialect of a connection, or of a session's bind."""
    dialect = getattr(connection, "dialect", None) or connection.get_bind().dialect
    return str(dialect.name)


class TextIndex(Store):
    """The store's side: new announcements indexed in the transaction that inserts them."""

    def _index_texts(self, session: Any, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        write_index(session, rows)


def _record(row: Any) -> dict[str, Any]:
    """A row of TEXT_FIELDS as a record: JSON lists read as SQLite returns them (text)."""
    record = dict(row._mapping)
    for name in ("speakers", "attendees"):
        if isinstance(record.get(name), str):
            record[name] = json.loads(record[name])
    return record


def index_all(connection: Any, chunk: int = 2000) -> int:
    """Index every stored announcement not indexed yet, by id, ``chunk`` at a time (the
    migration that creates the index, and a rebuild); returns how many were indexed."""
    postgresql = connection.dialect.name == "postgresql"
    indexed = (
        f"SELECT 1 FROM {TABLE} t WHERE t.announcement_id = a.id"
        if postgresql
        else f"SELECT 1 FROM {TABLE} t WHERE t.rowid = a.id"
    )
    select_rows = text(
        f"SELECT a.id, {', '.join('a.' + f for f in TEXT_FIELDS)} FROM announcements a"
        f" WHERE a.id > :last AND NOT EXISTS ({indexed}) ORDER BY a.id LIMIT :chunk"
    )
    done, last = 0, 0
    while True:
        rows = connection.execute(select_rows, {"last": last, "chunk": chunk}).all()
        if not rows:
            return done
        last = rows[-1].id
        write_index(connection, [(row.id, _record(row)) for row in rows])
        done += len(rows)
