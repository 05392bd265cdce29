"""Tables in a body: attendees ("出席会议的县领导" 姓名/职务) and agendas (序号/议题/汇报单位).

The body gives a table one cell a line (as the walk reads ``<td>``s) or one row a line with the
cells joined by a space (GUIDE.md's body convention); both are read. A header row is a run of
``TABLE_HEADERS`` words; the rows follow, as many cells each, until a line that is no cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extract.meeting.names import zh_name
from crawler.extract.meeting.patterns import (
    AGENDA_COLUMNS,
    ATTEND_CAPTION,
    NOT_A_CELL,
    PERSON_COLUMNS,
    TABLE_HEADERS,
)

MAX_CELL = 80  # a longer line is prose, not a cell


@dataclass(frozen=True)
class Table:
    caption: str  # the line before the header ("出席会议的县领导", "请以下同志准时参加：")
    header: list[str]
    rows: list[list[str]]

    def column(self, names: tuple[str, ...]) -> list[str]:
        """The cells of the first column whose header is one of ``names``."""
        for name in names:
            if name in self.header:
                at = self.header.index(name)
                return [row[at] for row in self.rows]
        return []


def _is_cell(line: str) -> bool:
    return bool(line) and len(line) <= MAX_CELL and NOT_A_CELL.search(line) is None


def _header(lines: list[str], i: int) -> tuple[list[str], bool] | None:
    """The header starting at line ``i`` and whether its rows are one a line, or None."""
    words = lines[i].split()
    if len(words) > 1 and all(w in TABLE_HEADERS for w in words):
        return words, True
    header = []
    for line in lines[i:]:
        if line not in TABLE_HEADERS:
            break
        header.append(line)
    return (header, False) if len(header) > 1 else None


def tables(body: str) -> list[Table]:
    """The body's tables, in order."""
    lines = [line.strip() for line in body.split("\n")]
    lines = [line for line in lines if line]
    found: list[Table] = []
    i = 0
    while i < len(lines):
        head = _header(lines, i)
        if head is None:
            i += 1
            continue
        header, joined = head
        caption = lines[i - 1] if i else ""
        i += 1 if joined else len(header)
        rows: list[list[str]] = []
        while i < len(lines):
            row = lines[i].split() if joined else lines[i : i + len(header)]
            if len(row) != len(header) or not all(map(_is_cell, row)):
                break
            rows.append(row)
            i += 1 if joined else len(header)
        if rows:
            found.append(Table(caption, header, rows))
    return found


def table_attendees(body: str) -> list[str]:
    """The names in the people tables of those who attend (their caption or column says so)."""
    names: list[str] = []
    for table in tables(body):
        cells = table.column(PERSON_COLUMNS)
        if cells and ATTEND_CAPTION.search(table.caption + "".join(table.header)):
            names.extend(name for cell in cells if (name := zh_name(cell, titled=True)) is not None)
    return names


def table_agenda(body: str) -> list[str]:
    """The topic cells of the first agenda table (序号 / 议题 / 汇报单位…), or []."""
    for table in tables(body):
        if items := table.column(AGENDA_COLUMNS):
            return items
    return []
