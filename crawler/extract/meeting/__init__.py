"""Meeting classification and facts: is it a meeting, when, where, who presided, spoke, attended.

Chinese reports ("2月20日上午，…召开…，区长吴玉新主持会议并讲话") and English mirrors ("On the
22nd, … Wang Zhongkun … presided over the meeting") are read by the same rules; the keyword
lists and patterns are data in :mod:`crawler.extract.patterns`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crawler.extract.meeting.classify import classify, is_meeting
from crawler.extract.meeting.dates import is_upcoming, meeting_date, meeting_when
from crawler.extract.meeting.details import (
    form_in,
    location_in,
    meeting_form,
    meeting_location,
    meeting_name,
    section_location,
)
from crawler.extract.meeting.names import en_names, zh_name
from crawler.extract.meeting.notice import agenda_items, sections
from crawler.extract.meeting.people import en_people, zh_people
from crawler.extract.meeting.tables import table_agenda, table_attendees
from crawler.extract.meeting.text import head_and_tail, is_chinese, sentences, without_furniture

WHY_SENTENCE_CHARS = 300  # the sentence that decided, cut for a readable record

__all__ = [
    "MeetingFacts",
    "classify",
    "en_names",
    "is_chinese",
    "is_meeting",
    "meeting_date",
    "meeting_facts",
    "meeting_form",
    "meeting_location",
    "meeting_name",
    "zh_name",
]


@dataclass(kw_only=True)
class MeetingFacts:
    """The record's meeting fields (storage's ``MEETING_FIELDS``, in its order; a test holds
    them to it). The crawl's item inherits them, so they are declared here only."""

    is_meeting: bool = False
    meeting_status: str | None = None  # "upcoming" (a notice) or "held" (a report)
    meeting_date: date | None = None
    meeting_time: str | None = None  # "HH:MM"
    meeting_name: str | None = None
    presider: str | None = None
    speakers: list[str] = field(default_factory=list)
    attendees: list[str] = field(default_factory=list)
    location: str | None = None
    meeting_form: str | None = None
    agenda: list[str] = field(default_factory=list)
    why: dict[str, Any] = field(default_factory=dict)


def meeting_facts(title: str | None, body: str, published: datetime | None) -> MeetingFacts:
    """Classify the announcement; for a meeting, read its date, name, place, form and people."""
    body = without_furniture(body)
    verdict = classify(title, body)
    facts = MeetingFacts(is_meeting=verdict.is_meeting)
    why = {
        "terms": verdict.terms,
        "sentence": verdict.sentence[:WHY_SENTENCE_CHARS],
        "meeting_rule": verdict.rule,
        "date_rule": None,
    }
    facts.why = why
    if not facts.is_meeting:
        return facts
    chinese = is_chinese(body[:200] or title or "")
    upcoming = is_upcoming(title, body)
    facts.meeting_status = "upcoming" if upcoming else "held"
    when = meeting_when(title, body, published, upcoming)
    facts.meeting_date, facts.meeting_time = when.day, when.time
    why["date_rule"] = when.rule
    facts.meeting_name = meeting_name(title, body, verdict.sentence if verdict.in_lead else "")
    read = head_and_tail(body)
    said = sentences(read, chinese)
    if title and not chinese:  # a subtitle like "Wang Zhongkun hosted and delivered a speech"
        said = sentences(title, chinese) + said
    people = zh_people(said) if chinese else en_people(said)
    facts.presider, facts.speakers, attendees = people
    if chinese:
        attendees += table_attendees(read)
    # who presided or spoke is told as such; attendees are the others named as present
    named = {n.casefold() for n in [facts.presider or "", *facts.speakers]}
    facts.attendees = [a for a in attendees if a.casefold() not in named]
    parts = sections(read)
    facts.location = section_location(parts.get("place")) or location_in(read)
    facts.meeting_form = form_in(title, read)
    facts.agenda = agenda_items(parts["agenda"]) if "agenda" in parts else table_agenda(read)
    return facts
