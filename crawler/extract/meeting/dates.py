"""The day (and clock time) a meeting was or will be held, placed against the publish date.

A report looks back and a notice looks forward: a day told without its year or month is the
nearest such day on or before the publish date (a report) or on or after it (a notice).
Relative days (昨天, 本周一, "last Friday") count from the publish date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from crawler.extract.dates import now_shanghai, to_date
from crawler.extract.meeting.notice import sections
from crawler.extract.meeting.patterns import (
    CN_DAY,
    CN_DAY_NUMERALS,
    EN_CLOCK,
    EN_DAY,
    EN_RELATIVE,
    EN_WEEKDAYS,
    MEETING_TIME_LABEL,
    UPCOMING,
    VAGUE_DAY,
    ZH_CLOCK,
    ZH_RELATIVE,
    ZH_RELATIVE_DAYS,
    ZH_WEEKDAYS,
)
from crawler.extract.meeting.text import LEAD_CHARS, is_chinese, sentences
from crawler.extract.patterns import MONTHS

MAX_AHEAD = timedelta(days=366)  # a notice announces a meeting a year ahead at most
LEAD_SENTENCES = 3
# a notice's month-day a few weeks before its publish date is one put online late, not next
# year's ("2月20日" in a notice published 3月1日)
LATE, FAR = timedelta(days=31), timedelta(days=300)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ZH_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_ZH_DIGITS.update({"八": 8, "九": 9})
_AFTERNOON = ("下午", "晚上", "晚")


@dataclass(frozen=True)
class Told:
    """A day as the text tells it: (year?, month?, day), or an offset from the publish date."""

    start: int
    end: int
    text: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    offset: int | None = None  # days from the publish date (昨天 = -1)
    weekday: tuple[int, int] | None = None  # (week offset: 0 this week, -1 last; weekday)
    nearest_weekday: int | None = None  # "on Friday": the nearest on the document's side


@dataclass(frozen=True)
class When:
    day: date | None
    time: str | None
    rule: str


def _zh_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 三十一 → 31; 二〇二三 → 2023."""
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _ZH_DIGITS.get(ch, 0)
        return value
    tens, _, ones = text.partition("十")
    return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _months_from(reference: date, step: int) -> tuple[int, int]:
    month = reference.month - 1 + step
    return reference.year + month // 12, month % 12 + 1


def _nearest(candidates: list[date], reference: date, upcoming: bool) -> date | None:
    """The candidate nearest the publish date on the document's side of it."""
    if upcoming:
        ahead = [c for c in candidates if c >= reference]
        return min(ahead) if ahead else None
    behind = [c for c in candidates if c <= reference]
    return max(behind) if behind else None


def place(told: Told, reference: date | None, upcoming: bool) -> tuple[date | None, str]:
    """The date ``told`` names, and how it was placed (for ``why``)."""
    side = "on or after the publish date (a notice)" if upcoming else "on or before it (a report)"
    if told.year is not None and told.month is not None and told.day is not None:
        return _day(told.year, told.month, told.day), "year written"
    if reference is None:
        return None, "no publish date to place it against"
    if told.offset is not None:
        return reference + timedelta(
            days=told.offset
        ), f"{told.offset:+d} days from the publish date"
    if told.weekday is not None:
        week, weekday = told.weekday
        monday = reference - timedelta(days=reference.weekday())
        return monday + timedelta(weeks=week, days=weekday), "weekday of the publish date's week"
    if told.nearest_weekday is not None:
        candidates = [reference + timedelta(days=k) for k in range(-7, 8)]
        candidates = [c for c in candidates if c.weekday() == told.nearest_weekday]
        return _nearest(candidates, reference, upcoming), f"nearest weekday {side}"
    if told.day is None:
        return None, "no day"
    if told.month is not None:
        years = (reference.year - 1, reference.year, reference.year + 1)
        found = [d for y in years if (d := _day(y, told.month, told.day)) is not None]
        value = _nearest(found, reference, upcoming)
        late = _day(reference.year, told.month, told.day)
        if upcoming and value and late and value - reference > FAR and reference - late <= LATE:
            return late, "a notice put online after its meeting (month-day weeks before)"
        return value, f"nearest month-day {side}"
    found = []
    for step in range(-12, 13):
        year, month = _months_from(reference, step)
        if (d := _day(year, month, told.day)) is not None:
            found.append(d)
    return _nearest(found, reference, upcoming), f"nearest day-of-month {side}"


def _absolute(text: str, chinese: bool) -> Told | None:
    """The first day with digits or numerals in ``text``: "2月20日", "20日", "On the 22nd"."""
    if chinese:
        best: Told | None = None
        for match in CN_DAY.finditer(text):
            if match["m"] is None and match.start() > 0 and text[match.start() - 1] in "第至到-—":
                continue  # "第20日", "1月至20日"
            if match["m"] is None and match["suffix"] == "号":
                continue  # "〔2023〕15号": a document's number
            best = Told(
                match.start(),
                match.end(),
                match[0],
                int(match["y"]) if match["y"] else None,
                int(match["m"]) if match["m"] else None,
                int(match["d"]),
            )
            break
        numerals = CN_DAY_NUMERALS.search(text)
        if numerals and (best is None or numerals.start() < best.start):
            return Told(
                numerals.start(),
                numerals.end(),
                numerals[0],
                _zh_number(numerals["y"]) if numerals["y"] else None,
                _zh_number(numerals["m"]) if numerals["m"] else None,
                _zh_number(numerals["d"]),
            )
        return best
    found = EN_DAY.search(text)
    if not found:
        return None
    month_name = found["mon"] or found["mon2"]
    return Told(
        found.start(),
        found.end(),
        found[0],
        int(found["y"]) if found["y"] else None,
        MONTHS[month_name.lower()] if month_name else None,
        int(found["d"] or found["d2"]),
    )


def _relative(text: str, chinese: bool) -> Told | None:
    """The first day told relative to the publish date: 昨天, 本周一, "last Friday"."""
    if chinese:
        found = ZH_RELATIVE.search(text)
        if not found:
            return None
        if found["rel"]:
            offset = ZH_RELATIVE_DAYS[found["rel"]]
            return Told(found.start(), found.end(), found[0], offset=offset)
        if found["week"]:
            week = -1 if found["week"].startswith("上") else 0
            in_week = (week, ZH_WEEKDAYS[found["wd"]])
            return Told(found.start(), found.end(), found[0], weekday=in_week)
        return Told(found.start(), found.end("half"), found["half"], offset=0)
    found = EN_RELATIVE.search(text)
    if not found:
        return None
    if found["yesterday"]:
        return Told(found.start(), found.end(), found[0], offset=-1)
    if found["today"]:
        return Told(found.start(), found.end(), found[0], offset=0)
    day = EN_WEEKDAYS[found["wd"].lower()]
    which = found["which"].lower()
    if which == "on":
        return Told(found.start(), found.end(), found[0], nearest_weekday=day)
    return Told(found.start(), found.end(), found[0], weekday=(-1 if which == "last" else 0, day))


def first_told(text: str, chinese: bool) -> Told | None:
    """The first day ``text`` tells, with digits or relative to the publish date."""
    told = [t for t in (_absolute(text, chinese), _relative(text, chinese)) if t is not None]
    return min(told, key=lambda t: t.start) if told else None


def _clock(hour: int, minute: int, half: str | None) -> str | None:
    if (half in _AFTERNOON and hour < 12) or (half == "中午" and hour < 11):
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def zh_time(after: str) -> str | None:
    """The clock time right after a day: "（星期四）下午3:00" → 15:00; none for a deadline."""
    found = ZH_CLOCK.match(after)
    if not found:
        return None
    minute = found["m"] or found["m2"] or found["m3"]
    value = int(minute) if minute else (30 if found["half2"] or found["half3"] else 0)
    return _clock(int(found["h"]), value, found["half"])


def en_time(sentence: str) -> str | None:
    """ "at 10:00 a.m." in the sentence that tells the day; none "before 9:30 a.m."."""
    found = EN_CLOCK.search(sentence)
    if not found:
        return None
    hour = int(found["h"])
    if found["ap"].lower() == "p" and hour < 12:
        hour += 12
    elif found["ap"].lower() == "a" and hour == 12:
        hour = 0
    return _clock(hour, int(found["m"] or 0), None)


def _section_time(text: str, chinese: bool) -> str | None:
    """The first clock time in a 会议时间 section ("上午9时", "下午3:00"), not a deadline."""
    if not chinese:
        return en_time(text)
    for start in range(len(text)):
        if text[start].isdigit() or text.startswith(("上午", "下午", "中午", "晚上"), start):
            if start and text[start - 1].isdigit():
                continue
            found = zh_time(text[start:])
            if found:
                return found
    return None


def is_upcoming(title: str | None, body: str) -> bool:
    """A notice of a meeting to come (关于召开…的通知, 定于…, "will be held") or a report."""
    lead = "\n".join(sentences(body[:LEAD_CHARS], is_chinese(body[:200] or title or ""))[:3])
    return bool(UPCOMING.search(title or "") or UPCOMING.search(lead))


def _reference(title: str | None, body: str, published: datetime | None) -> date | None:
    reference = to_date(published)
    if reference is None:  # no publish date: the newest year the text names, if any, not
        # one still to come ("2030年远景目标")
        years = [int(y) for y in _YEAR.findall((title or "") + " " + body[:LEAD_CHARS])]
        reference = min(date(max(years), 12, 31), now_shanghai().date()) if years else None
    return reference


def _told(title: str | None, body: str, chinese: bool) -> tuple[Told, str, str] | None:
    """The day the text tells for the meeting, the text it was told in, and where."""
    section = sections(body).get("time")
    if section:
        told = first_told(section, chinese)
        if told is not None:
            return told, section, "time section"
    label = MEETING_TIME_LABEL.search(body)
    if label is not None:
        near = body[label.end() : label.end() + 40]
        told = first_told(near, chinese)
        if told is not None:
            return told, near, "time label"
    lead = sentences(body[:LEAD_CHARS], chinese)[:LEAD_SENTENCES]
    for sentence in lead:
        vague = VAGUE_DAY.search(sentence)
        told = first_told(sentence, chinese)
        if vague is not None and (told is None or vague.start() < told.start):
            return None  # "日前，…召开": the day is not told
        if told is not None:
            return told, sentence, "lead"
    if title:
        told = first_told(title, chinese)
        if told is not None:
            return told, title, "title"
    return None


def meeting_when(
    title: str | None, body: str, published: datetime | None, upcoming: bool | None = None
) -> When:
    """The meeting's day and start time (HH:MM), and the rule that placed the day."""
    chinese = is_chinese(body[:200] or title or "")
    if upcoming is None:
        upcoming = is_upcoming(title, body)
    found = _told(title, body, chinese)
    if found is None:
        return When(None, None, "no day told")
    told, text, where = found
    day, how = place(told, _reference(title, body, published), upcoming)
    if day is not None and day > now_shanghai().date() + MAX_AHEAD:
        return When(None, None, f"{where}: {told.text} is more than a year ahead")
    if chinese:
        time = zh_time(text[told.end :]) or (_section_time(text, True) if where != "lead" else None)
    else:
        time = en_time(text)
    return When(day, time, f"{where}: {told.text!r}, {how}")


def meeting_date(
    title: str | None, body: str, published: datetime | None, upcoming: bool | None = None
) -> date | None:
    """The day the meeting was (or will be) held, resolved against the publish date."""
    return meeting_when(title, body, published, upcoming).day
