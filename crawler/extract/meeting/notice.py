"""A notice's labelled sections: 一、会议时间 … 二、会议地点 … 三、参会人员 … 四、会议议程 …

Notices of meetings to come put their facts under headings, numbered or not, with the value
on the heading's line ("一、会议时间：2月16日下午3:00", "时间：…") or on the lines after it
("一、会议时间" then "2023年2月16日（星期四）下午3:00"). The labels are data in
:mod:`crawler.extract.patterns` (``SECTION_LABELS``, ``ITEM_NUMBER``).
"""

from __future__ import annotations

import re

from crawler.extract.meeting.patterns import ITEM_END, ITEM_NUMBER, SECTION_HEADING, SECTION_LABELS

# where a run-on item list ("（一）…；（二）…", "1.…；2.…") is cut: before each number
_RUN_ON = re.compile(rf"(?<=[；;。，,.])\s*(?={ITEM_NUMBER.pattern.removeprefix('^')})")


def _kind(label: str) -> str | None:
    folded = label.casefold()
    for kind, labels in SECTION_LABELS.items():
        if folded in labels:
            return kind
    return None


def _style(line: str) -> str | None:
    """The numbering style of an item line ("一、", "（一）", "1.", "（1）"), or None."""
    found = ITEM_NUMBER.match(line)
    if not found:
        return None
    number = found.group(0).strip()
    digits = "0" if any(c.isdigit() for c in number) else "一"
    return re.sub(r"[0-9]+|[一二三四五六七八九十]+", digits, number)


def sections(body: str) -> dict[str, str]:
    """The text of each labelled section (``time``, ``place``, ``people``, ``agenda``,
    ``form``), the first of each kind; an agenda keeps its item lines one a line."""
    lines = [line.strip() for line in body.split("\n")]
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        heading = SECTION_HEADING.match(line)
        if not heading:
            continue
        kind = _kind(heading["label"])
        if kind is None or kind in found:
            continue
        rest = heading["rest"].strip()
        if kind == "agenda" and not rest:
            items = _item_lines(lines[i + 1 :])
            if items:  # else "四、会议议程" then "会议议程：一是…", or a table
                found[kind] = "\n".join(items)
        elif rest:
            found[kind] = rest
        elif i + 1 < len(lines) and not SECTION_HEADING.match(lines[i + 1]):
            found[kind] = lines[i + 1]  # "一、会议时间" with its value on the next line
    return found


def _item_lines(lines: list[str]) -> list[str]:
    """The item lines under an agenda heading: those numbered in the first one's style."""
    items: list[str] = []
    style = None
    for line in lines:
        if not line:
            continue
        current = _style(line)
        if current is None or (style is not None and current != style):
            break
        style = style or current
        items.append(line)
    return items


def agenda_items(text: str) -> list[str]:
    """The items of an agenda section, numbering and closing punctuation stripped."""
    pieces: list[str] = []
    for line in text.split("\n"):
        parts = [p for p in _RUN_ON.split(line) if p.strip()]
        pieces.extend(parts if len(parts) > 1 or ITEM_NUMBER.match(line) else [line])
    items = []
    for piece in pieces:
        item = ITEM_END.sub("", ITEM_NUMBER.sub("", piece.strip(), count=1)).strip()
        if item:
            items.append(item)
    return items
