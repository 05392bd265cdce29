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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from storage.base import Store

TABLE = "announcement_text"  # SQLite: FTS5 (rowid = announcements.id); PostgreSQL: a table
# the text fields a search looks through; people too, so that a person filter can narrow
# by the index before it checks the columns
TEXT_FIELDS = ("title", "meeting_name", "presider", "speakers", "attendees", "body")
# what a record's index entry is made of (its text and its facets): see document()
INDEXED_FIELDS = ("portal", "is_meeting", *TEXT_FIELDS)
# tsvector limits: positions above 16,383 are stored as 16,383; 256 positions a lexeme
PG_MAX_POSITION = 16_383
PG_MAX_POSITIONS = 256

# Han (with extensions), kana and Hangul: read as bigrams. Compatibility ideographs
# (U+F900-FAFF) and half-width kana are words to NFKC, which turns them into these.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\U00020000-\U0003134f"
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


@dataclass(frozen=True)
class Phrase:
    """Tokens that must follow each other; ``prefix``: the last one only begins a token."""

    tokens: tuple[str, ...]
    prefix: bool = False


def _runs(value: str) -> list[tuple[str, bool]]:
    """(run, is_cjk) of ``value``, NFKC-normalised and case-folded (full-width letters and
    digits become ASCII ones). Only the runs NFKC changes are normalised (normalising the
    whole text, for its full-width punctuation, cost more than the tokenising)."""
    runs: list[tuple[str, bool]] = []
    for cjk, word in _RUN.findall(value):
        if cjk:  # unified ideographs, kana, Hangul: NFKC keeps them
            runs.append((cjk, True))
        elif word.isascii():
            runs.append((word.lower(), False))
        else:
            normal = unicodedata.normalize("NFKC", word).casefold()
            runs.extend((c or w, bool(c)) for c, w in _RUN.findall(normal))
    return runs


def tokens(value: str) -> list[str]:
    """The index's tokens of ``value``: a CJK run's bigrams and its last character (so that
    one character is found as a prefix), a word as itself."""
    found: list[str] = []
    for run, cjk in _runs(value):
        if cjk:
            found += [run[i : i + 2] for i in range(len(run) - 1)]
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


def facet(name: str, value: str) -> Phrase:
    """A token of a record's filterable fact (``portal:weibin``, ``meeting:1``): indexed
    with its text, so that a common word in one portal is one AND of the index (a word of
    a query never has a colon)."""
    return Phrase((f"{name}:{value}",))


PEOPLE = ("presider", "speakers", "attendees")
PERSON = "p:"  # the prefix of a person's tokens


def person_phrases(name: str) -> list[Phrase]:
    """What a presider, speaker or attendee containing ``name`` has in the index."""
    return [Phrase(tuple(PERSON + t for t in p.tokens), p.prefix) for p in phrases(name)]


def document(record: Mapping[str, Any]) -> list[str]:
    """The tokens indexed for a record: its text's, its facets', and each person's name
    again as person tokens (``p:吴玉 p:玉新 p:新``: a name's last character ends it, so a
    phrase never runs from one name into the next)."""
    found = tokens(record_text(record))
    found.append(facet("portal", str(record["portal"])).tokens[0])
    if record.get("is_meeting"):
        found.append(facet("meeting", "1").tokens[0])
    for field in PEOPLE:
        value = record.get(field)
        for name in value if isinstance(value, list) else [value] if value else []:
            found.extend(PERSON + token for token in tokens(str(name)))
    return found


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


Clauses = Sequence[Sequence[Phrase]]  # every clause must hold: one of its phrases


def fts5_query(clauses: Clauses) -> str:
    """An FTS5 MATCH expression: each phrase quoted (tokens are letters, digits, ``:``, ``_``)."""

    def one(p: Phrase) -> str:
        return f'"{" ".join(p.tokens)}"' + ("*" if p.prefix else "")

    return " AND ".join("(" + " OR ".join(one(p) for p in clause) + ")" for clause in clauses)


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(clauses: Clauses) -> str:
    """A tsquery literal: each phrase as lexemes joined by ``<->`` (followed by)."""

    def one(p: Phrase) -> str:
        return "(" + " <-> ".join(_lexeme(t) for t in p.tokens) + (":*" if p.prefix else "") + ")"

    return " & ".join("(" + " | ".join(one(p) for p in clause) + ")" for clause in clauses)


def tsvector(found: Sequence[str]) -> str:
    """A tsvector literal of tokens with their positions (1-based, within tsvector's limits).
    Tokens are letters, digits, ``:`` and ``_`` (runs and facets): nothing needs quoting."""
    positions: dict[str, list[int]] = {}
    for index, token in enumerate(found, start=1):
        where = positions.get(token)
        if where is None:
            positions[token] = [index]
        elif len(where) < PG_MAX_POSITIONS:
            where.append(index)
    if len(found) > PG_MAX_POSITION:  # positions past the limit all read as the limit
        positions = {t: sorted({min(p, PG_MAX_POSITION) for p in w}) for t, w in positions.items()}
    return " ".join(f"'{token}':{','.join(map(str, where))}" for token, where in positions.items())


def write_index(connection: Any, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    """Index announcements, (id, record) each, on ``connection`` (a connection or a session)."""
    if not rows:
        return
    if _dialect(connection) == "postgresql":
        statement = text(
            f"INSERT INTO {TABLE} (announcement_id, grams)"
            " VALUES (:id, CAST(:grams AS tsvector)) ON CONFLICT DO NOTHING"
        )
        params = [{"id": id_, "grams": tsvector(document(r))} for id_, r in rows]
    else:
        statement = text(f"INSERT INTO {TABLE} (rowid, grams) VALUES (:id, :grams)")
        params = [{"id": id_, "grams": " ".join(document(r))} for id_, r in rows]
    connection.execute(statement, params)


def _dialect(connection: Any) -> str:
    """The dialect of a connection, or of a session's bind."""
    dialect = getattr(connection, "dialect", None) or connection.get_bind().dialect
    return str(dialect.name)


class TextIndex(Store):
    """The store's side: new announcements indexed in the transaction that inserts them."""

    def _index_texts(self, session: Any, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        write_index(session, rows)


def indexed_record(row: Any) -> dict[str, Any]:
    """A row of TEXT_FIELDS as a record: JSON lists read as SQLite returns them (text)."""
    record = dict(row._mapping)
    for name in ("speakers", "attendees"):
        if isinstance(record.get(name), str):
            record[name] = json.loads(record[name])
    return record


def index_all(connection: Any, chunk: int = 2000) -> int:
    """Index every stored announcement, by id, ``chunk`` at a time, into the empty index
    the migration has just created; returns how many were indexed. PostgreSQL gets the
    rows by COPY, a third of the time of INSERTs."""
    postgresql = connection.dialect.name == "postgresql"
    select_rows = text(
        f"SELECT a.id, a.portal, a.is_meeting, {', '.join('a.' + f for f in TEXT_FIELDS)}"
        " FROM announcements a"
        " WHERE a.id > :last ORDER BY a.id LIMIT :chunk"
    )
    done, last = 0, 0
    while True:
        rows = connection.execute(select_rows, {"last": last, "chunk": chunk}).all()
        if not rows:
            return done
        last = rows[-1].id
        if postgresql:
            cursor = connection.connection.dbapi_connection.cursor()
            with cursor.copy(f"COPY {TABLE} (announcement_id, grams) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((row.id, tsvector(document(indexed_record(row)))))
            cursor.close()
        else:
            write_index(connection, [(row.id, indexed_record(row)) for row in rows])
        done += len(rows)


def rewrite_index(
    connection: Any, id_: int, old: Mapping[str, Any], new: Mapping[str, Any]
) -> None:
    """Index an announcement's new text in place of its old (a revision, a re-analysis)."""
    unindex(connection, [(id_, old)])
    write_index(connection, [(id_, new)])


def unindex(connection: Any, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    """Take announcements, (id, the record as indexed) each, out of the index. SQLite's
    contentless FTS5 forgets a row only when told the tokens it was given."""
    if not rows:
        return
    if _dialect(connection) == "postgresql":
        connection.execute(
            text(f"DELETE FROM {TABLE} WHERE announcement_id = :id"), [{"id": i} for i, _ in rows]
        )
    else:
        connection.execute(
            text(f"INSERT INTO {TABLE} ({TABLE}, rowid, grams) VALUES ('delete', :id, :grams)"),
            [{"id": id_, "grams": " ".join(document(record))} for id_, record in rows],
        )
