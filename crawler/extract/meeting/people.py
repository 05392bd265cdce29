"""Who presided, spoke and attended: role phrases read sentence by sentence."""

from __future__ import annotations

import re

from crawler.extract.meeting.names import ZH_TITLE_RE, en_names, zh_name
from crawler.extract.meeting.patterns import (
    ATTEND_EN,
    ATTEND_LIST_ZH,
    ATTEND_ZH,
    PRESIDE_BY_EN,
    PRESIDE_BY_ZH,
    PRESIDE_EN,
    PRESIDE_ZH,
    ROLE_HINT_EN,
    SPEAK_EN,
    SPEAK_ZH,
    ZH_GROUP_PIECE,
)
from crawler.extract.meeting.text import ZH_PIECE


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


# every role in one pattern: one scan per sentence (the group's name says which role)
_ZH_ROLES = re.compile(
    "|".join(
        f"(?P<{kind}>{pattern.pattern})"
        for kind, pattern in (
            ("by", PRESIDE_BY_ZH),
            ("p", PRESIDE_ZH),
            ("s", SPEAK_ZH),
            ("list", ATTEND_LIST_ZH),  # before "a": "出席会议的有：" names those after it
            ("a", ATTEND_ZH),
        )
    )
)


def zh_people(sentences: list[str]) -> tuple[str | None, list[str], list[str]]:
    presider: str | None = None
    speakers: list[str] = []
    attendees: list[str] = []
    for sentence in sentences:
        joined = (-1, "")  # where the last role named ended, and whom: "主持座谈会并讲话"
        for match in _ZH_ROLES.finditer(sentence):  # one scan per sentence for every role
            kind = match.lastgroup
            if kind == "by":
                if presider is None:
                    presider = zh_name(match["who"])
                continue
            if kind == "a":
                attendees.extend(_zh_list(sentence[: match.start()]))
                continue
            if kind == "list":
                attendees.extend(_zh_list(sentence[match.end() :], backwards=False))
                continue
            name = zh_name(ZH_PIECE.split(sentence[: match.start()])[-1])
            if name is None and match.start() == joined[0] and match[0].startswith("并"):
                name = joined[1]
            if name is None:
                continue
            joined = (match.end(), name)
            if kind == "p" and presider is None:
                presider = name
            elif kind == "s":
                speakers.append(name)
    return presider, _unique(speakers), _unique(attendees)


def _zh_list(text: str, backwards: bool = True) -> list[str]:
    """Names in the run of list pieces just before an "出席会议" (or just after an "出席会议的
    有："), titles-only and group pieces skipped."""
    names: list[str] = []
    pieces = ZH_PIECE.split(text)
    for piece in reversed(pieces) if backwards else pieces:
        piece = piece.strip()
        if not piece:
            continue
        name = zh_name(piece)
        if name is not None:
            names.append(name)
        elif ZH_TITLE_RE.sub("", piece).strip() and not ZH_GROUP_PIECE.search(piece):
            break  # a piece that is neither a name, a title nor a group ends the list
    return names[::-1] if backwards else names


def en_people(sentences: list[str]) -> tuple[str | None, list[str], list[str]]:
    presider: str | None = None
    speakers: list[str] = []
    attendees: list[str] = []
    for sentence in sentences:
        if not ROLE_HINT_EN.search(sentence):
            continue
        if by := PRESIDE_BY_EN.search(sentence):
            found = en_names(by["who"])
            if found and presider is None:
                presider = found[0]
            if found:  # "presided over by X, and Y attended": X's span is no one's subject
                end = by.start("who") + by["who"].find(found[0]) + len(found[0])
                sentence = " " * end + sentence[end:]
        roles = sorted(
            [(m.start(), m.end(), "p") for m in PRESIDE_EN.finditer(sentence)]
            + [(m.start(), m.end(), "s") for m in SPEAK_EN.finditer(sentence)]
            + [(m.start(), m.end(), "a") for m in ATTEND_EN.finditer(sentence)]
        )
        start = 0
        subject_names: list[str] = []
        for begin, end, role in roles:
            subject = sentence[start:begin]
            names = en_names(subject) or subject_names  # "attended and spoke": the same people
            if role == "p" and presider is None and names:
                presider = names[0]
            elif role == "s":
                speakers.extend(names)
            elif role == "a":
                attendees.extend(names)
            subject_names = names
            start = end
    return presider, _unique(speakers), _unique(attendees)
