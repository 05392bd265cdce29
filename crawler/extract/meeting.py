"""Meeting classification and facts: is it a meeting, when, who presided, who spoke."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from crawler.extract.dates import to_date
from crawler.extract.patterns import MEETING_WORDS, NOT_MEETING_WORDS

# "2月20日", "20日" (Chinese reports date the meeting relative to the publish date)
CN_MONTH_DAY = re.compile(r"(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日")


@dataclass
class MeetingFacts:
    is_meeting: bool = False
    meeting_date: date | None = None
    meeting_name: str | None = None
    presider: str | None = None
    speakers: list[str] = field(default_factory=list)
    attendees: list[str] = field(default_factory=list)
    location: str | None = None
    meeting_form: str | None = None


def is_meeting(title: str | None, body: str) -> bool:
    """A report of a meeting held, or a notice of one to come."""
    text = (title or body[:120]).lower()
    if any(word in text for word in NOT_MEETING_WORDS):
        return False
    return any(word in text for word in MEETING_WORDS)


def resolve_day(text: str, published: datetime | None) -> date | None:
    """The first "M月D日" / "D日" in ``text``, placed in the year (and month) of publication."""
    reference = to_date(published)
    if reference is None:
        return None
    match = CN_MONTH_DAY.search(text)
    if not match:
        return None
    month = int(match["m"]) if match["m"] else reference.month
    day = int(match["d"])
    year = reference.year
    if (month, day) > (reference.month, reference.day):
        year -= 1  # published 2023-01-03 about 12月30日 → 2022-12-30
    try:
        return date(year, month, day)
    except ValueError:
        return None


def meeting_facts(title: str | None, body: str, published: datetime | None) -> MeetingFacts:
    facts = MeetingFacts(is_meeting=is_meeting(title, body))
    if facts.is_meeting:
        facts.meeting_name = title
        facts.meeting_date = resolve_day(body[:300], published)
    return facts
