"""Is it a meeting: a report of one held, or a notice of one to come (title first, then lead)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.extract.meeting.patterns import (
    MEETING_HELD_EN,
    MEETING_HELD_ZH,
    MEETING_TERMS_EN,
    MEETING_TERMS_ZH,
    NOT_MEETING_TERMS_ZH,
    NOT_MEETING_TITLE,
)
from crawler.extract.meeting.text import EN_SENTENCE, LEAD_CHARS, is_chinese, sentences

# the meeting terms as one alternation, longest first (its match is the first term)
_MEETING_TERM_ZH = re.compile(
    "|".join(map(re.escape, sorted(MEETING_TERMS_ZH, key=len, reverse=True)))
)
_EN_SPIRIT = re.compile(r"spirit of (?:the )?[^.]{0,80}?", re.IGNORECASE)
LEAD_SENTENCES = 3  # a meeting held is reported in the lead's first sentences


@dataclass(frozen=True)
class Verdict:
    """is_meeting, and why: the terms matched, the sentence read and the rule that decided."""

    is_meeting: bool
    rule: str
    sentence: str = ""
    terms: list[str] = field(default_factory=list)
    in_lead: bool = False  # the sentence is the body's (the title decided otherwise)


def _zh_term(text: str) -> re.Match[str] | None:
    """The first meeting term of a Chinese text (会议室, 委员会, 会议精神… are none)."""
    return _MEETING_TERM_ZH.search(NOT_MEETING_TERMS_ZH.sub(lambda m: "□" * len(m[0]), text))


def _en_term(text: str) -> re.Match[str] | None:
    return MEETING_TERMS_EN.search(_EN_SPIRIT.sub(lambda m: " " * len(m[0]), text))


def _title(title: str) -> Verdict | None:
    """The title's verdict, or None when it names no meeting at all."""
    chinese = is_chinese(title)
    term = _zh_term(title) if chinese else _en_term(title)
    held = (MEETING_HELD_ZH if chinese else MEETING_HELD_EN).search(title)
    if term is None:
        return None
    terms = [term[0]]
    veto = NOT_MEETING_TITLE.search(title)
    if veto is None:
        return Verdict(True, "the title names a meeting", title, terms)
    # "召开…督查工作推进会" is a meeting; "到XX调研并召开座谈会" is an inspection
    if held and held.start() < veto.start():
        return Verdict(True, "the title holds a meeting before its other word", title, terms)
    return Verdict(False, f"the title's {veto[0]!r} is no meeting", title, [*terms, veto[0]])


def _held_zh(sentence: str) -> Verdict | None:
    """A Chinese sentence that reports a meeting being held: 召开/举行 with a meeting term."""
    held = MEETING_HELD_ZH.search(sentence)
    term = _zh_term(sentence)
    if held is None or term is None:
        return None
    if NOT_MEETING_TITLE.search(sentence[: min(held.start(), term.start())]):
        return None  # "到XX调研，并召开座谈会"
    return Verdict(True, "the lead reports a meeting held", sentence, [term[0], held[0]], True)


def _held_en(sentence: str) -> Verdict | None:
    held = MEETING_HELD_EN.search(sentence)
    term = _en_term(sentence)
    if held is None or term is None or NOT_MEETING_TITLE.search(sentence):
        return None
    return Verdict(True, "the lead reports a meeting held", sentence, [term[0], held[0]], True)


def classify(title: str | None, body: str) -> Verdict:
    """A report of a meeting held, or a notice of one to come; and why."""
    title = " ".join((title or "").split())
    if title:
        decided = _title(title)
        if decided is not None:
            return decided
        veto = NOT_MEETING_TITLE.search(title)
        if veto:
            return Verdict(False, f"the title's {veto[0]!r} is no meeting", title, [veto[0]])
    # a title without a term: a sentence of the lead must report one being held
    chinese = is_chinese(body[:200] or title)
    if chinese:
        lead = sentences(body[:LEAD_CHARS], chinese=True)[:LEAD_SENTENCES]
    else:
        lead = [s for s in EN_SENTENCE.split(body[:LEAD_CHARS]) if s.strip()][:1]
    for sentence in lead:
        found = _held_zh(sentence) if chinese else _held_en(sentence)
        if found is not None:
            return found
    return Verdict(False, "neither the title nor the lead names a meeting held")


def is_meeting(title: str | None, body: str) -> bool:
    """A report of a meeting held, or a notice of one to come."""
    return classify(title, body).is_meeting
