"""Is it a meeting: a report of one held, or a notice of one to come (title first, then lead)."""

from __future__ import annotations

import re

from crawler.extract.meeting.text import EN_SENTENCE, LEAD_CHARS, ZH_SENTENCE, is_chinese
from crawler.extract.patterns import (
    MEETING_HELD_EN,
    MEETING_HELD_ZH,
    MEETING_TERMS_EN,
    MEETING_TERMS_ZH,
    NOT_MEETING_TERMS_ZH,
    NOT_MEETING_TITLE,
)

# the meeting terms as one alternation (its match is the first term)
_MEETING_TERM_ZH = re.compile("|".join(map(re.escape, MEETING_TERMS_ZH)))
_EN_SPIRIT = re.compile(r"spirit of (?:the )?[^.]{0,80}?", re.IGNORECASE)


def _zh_term(text: str) -> int:
    """Where the first meeting term of a Chinese title is, or -1."""
    text = NOT_MEETING_TERMS_ZH.sub(lambda m: "□" * len(m[0]), text)
    found = _MEETING_TERM_ZH.search(text)  # where the first of the terms starts
    return found.start() if found else -1


def _title_says_meeting(title: str) -> bool | None:
    """True or False when the title decides; None when it names no meeting at all."""
    if is_chinese(title):
        term = _zh_term(title)
        held = MEETING_HELD_ZH.search(title)
    else:
        stripped = _EN_SPIRIT.sub(" ", title)
        found = MEETING_TERMS_EN.search(stripped)
        term = found.start() if found else -1
        held = MEETING_HELD_EN.search(title)
    if term < 0:
        return None
    veto = NOT_MEETING_TITLE.search(title)
    if veto is None:
        return True
    # "召开…督查工作推进会" is a meeting; "到XX调研并召开座谈会" is an inspection
    return bool(held and held.start() < veto.start())


def is_meeting(title: str | None, body: str) -> bool:
    """A report of a meeting held, or a notice of one to come."""
    title = " ".join((title or "").split())
    if title:
        decided = _title_says_meeting(title)
        if decided is not None:
            return decided
        if NOT_MEETING_TITLE.search(title):
            return False
    # a title without a meeting term: the first sentence must report one being held
    first = ZH_SENTENCE.split(body[:LEAD_CHARS], 1)[0] if body else ""
    if not first:
        return False
    if is_chinese(first):
        held = MEETING_HELD_ZH.search(first)
        term = _zh_term(first[held.end() :]) if held else -1
        return term >= 0 and not NOT_MEETING_TITLE.search(first[: held.start()] if held else "")
    sentence = EN_SENTENCE.split(first, 1)[0]
    return bool(MEETING_HELD_EN.search(sentence) and MEETING_TERMS_EN.search(sentence))
