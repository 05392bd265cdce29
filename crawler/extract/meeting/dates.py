"""The day a meeting was (or will be) held, resolved against the publish date."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from crawler.extract.dates import now_shanghai, to_date
from crawler.extract.meeting.text import LEAD_CHARS, is_chinese, sentences
from crawler.extract.patterns import (
    CN_DAY,
    CN_DAY_NUMERALS,
    EN_DAY,
    MEETING_TIME_LABEL,
    MONTHS,
    UPCOMING,
)

MAX_AHEAD = timedelta(days=366)  # a notice announces a meeting a year ahead at most
LEAD_SENTENCES = 3
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ZH_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_ZH_DIGITS.update({"八": 8, "九": 9})


def _zh_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 三十一 → 31; 二〇二三 → 2023."""
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _ZH_DIGITS.get(ch, 0)
        return value
    tens, _, ones = text.partition("十")
    return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)


def _resolve(
    year: int | None,
    month: int | None,
    day: int,
    reference: date | None,
    upcoming: bool,
) -> date | None:
    """A (year?, month?, day) placed against the publish date: reports look back, notices ahead."""
    if year is not None and month is not None:
        return _day(year, month, day)
    if reference is None:
        return None
    if month is not None:
        value = _day(reference.year, month, day)
        if value is not None and not upcoming and value > reference + timedelta(days=1):
            value = _day(reference.year - 1, month, day)  # published 1月3日 about 12月30日
        elif value is not None and upcoming and value < reference - timedelta(days=60):
            value = _day(reference.year + 1, month, day)  # a December notice for 1月5日
        return value
    value = _day(reference.year, reference.month, day)  # "20日": this month, or the last
    if not upcoming and (value is None or value > reference + timedelta(days=1)):
        value = _shift_month(reference, day, -1)
    elif upcoming and (value is None or value < reference - timedelta(days=1)):
        value = _shift_month(reference, day, 1)
    return value


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _shift_month(reference: date, day: int, step: int) -> date | None:
    month = reference.month + step
    year = reference.year + (month - 1) // 12
    return _day(year, (month - 1) % 12 + 1, day)


def _first_day(text: str, chinese: bool) -> tuple[int | None, int | None, int] | None:
    """The first (year, month, day) told in ``text``."""
    if chinese:
        best: tuple[int, tuple[int | None, int | None, int]] | None = None
        for match in CN_DAY.finditer(text):
            if match["m"] is None and match.start() > 0 and text[match.start() - 1] in "第至到-—":
                continue  # "第20日", "1月至20日"
            parsed = (
                int(match["y"]) if match["y"] else None,
                int(match["m"]) if match["m"] else None,
                int(match["d"]),
            )
            best = (match.start(), parsed)
            break
        numerals = CN_DAY_NUMERALS.search(text)
        if numerals and (best is None or numerals.start() < best[0]):
            return (
                _zh_number(numerals["y"]) if numerals["y"] else None,
                _zh_number(numerals["m"]) if numerals["m"] else None,
                _zh_number(numerals["d"]),
            )
        return best[1] if best else None
    found = EN_DAY.search(text)
    if not found:
        return None
    month_name = found["mon"] or found["mon2"]
    return (
        int(found["y"]) if found["y"] else None,
        MONTHS[month_name.lower()] if month_name else None,
        int(found["d"] or found["d2"]),
    )


def meeting_date(
    title: str | None, body: str, published: datetime | None, upcoming: bool | None = None
) -> date | None:
    """The day the meeting was (or will be) held, resolved against the publish date."""
    chinese = is_chinese(body[:200] or title or "")
    if upcoming is None:
        upcoming = bool(UPCOMING.search((title or "") + body[:LEAD_CHARS]))
    today = now_shanghai().date()
    reference = to_date(published)
    if reference is None:  # no publish date: the newest year the text names, if any, not
        # one still to come ("2030年远景目标")
        years = [int(y) for y in _YEAR.findall((title or "") + " " + body[:LEAD_CHARS])]
        reference = min(date(max(years), 12, 31), today) if years else None
    told = None
    label = MEETING_TIME_LABEL.search(body)
    if label is not None:
        told = _first_day(body[label.end() : label.end() + 40], chinese)
    if told is None:
        for sentence in sentences(body[:LEAD_CHARS], chinese)[:LEAD_SENTENCES]:
            told = _first_day(sentence, chinese)
            if told is not None:
                break
    if told is None and title:
        told = _first_day(title, chinese)
    if told is None:
        return None
    value = _resolve(*told, reference, upcoming)
    return value if value is None or value <= today + MAX_AHEAD else None
