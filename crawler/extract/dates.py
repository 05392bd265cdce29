"""Finding and normalising dates in Chinese and English text (Asia/Shanghai)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from crawler.extract.patterns import DATE_BANNER, EN_DATE, FULL_DATE, MONTHS, PUBLISHED_LABELS
from storage.zones import PORTAL_ZONE

_HAS_LETTERS = re.compile(r"[A-Za-z]{3}")
# Portal clocks and time zones drift; anything later than this is a typo or a banner.
MAX_FUTURE = timedelta(days=1)


def now_shanghai() -> datetime:
    return datetime.now(PORTAL_ZONE)


def _build(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime | None:
    try:
        value = datetime(y, m, d, hh, mm, ss, tzinfo=PORTAL_ZONE)
    except ValueError:
        return None
    if value > now_shanghai() + MAX_FUTURE:
        return None
    return value


def iter_dates(text: str) -> Iterator[tuple[int, datetime]]:
    """Every plausible full date in ``text``, with its offset, in order of appearance."""
    found: list[tuple[int, datetime]] = []
    for match in FULL_DATE.finditer(text):
        hh, mm, ss = (int(match[g]) if match[g] else 0 for g in ("H", "M", "S"))
        if hh > 23 or mm > 59 or ss > 59:
            hh = mm = ss = 0
        value = _build(int(match["y"]), int(match["m"]), int(match["d"]), hh, mm, ss)
        if value is not None:
            found.append((match.start(), value))
    if not _HAS_LETTERS.search(text):
        yield from found
        return
    for match in EN_DATE.finditer(text):
        month = MONTHS[(match["mon"] or match["mon2"]).lower()]
        day, year = (match["d1"], match["y1"]) if match["d1"] else (match["d2"], match["y2"])
        hh, mm, ss = (int(match[g]) if match[g] else 0 for g in ("H", "M", "S"))
        if match["ampm"] and match["ampm"][0].lower() == "p" and hh < 12:
            hh += 12
        if hh > 23 or mm > 59 or ss > 59:
            hh = mm = ss = 0
        value = _build(int(year), month, int(day), hh, mm, ss)
        if value is not None:
            found.append((match.start(), value))
    yield from sorted(found, key=lambda pair: pair[0])


def parse_datetime(text: str | None) -> datetime | None:
    """The first date in ``text`` (a meta value, a list row), or None."""
    if not text:
        return None
    if re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})\s*", text):
        try:
            value = datetime.fromisoformat(text.strip().replace("Z", "+00:00")).astimezone(
                PORTAL_ZONE
            )
        except ValueError:
            value = None
        if value is not None and value <= now_shanghai() + MAX_FUTURE:
            return value
    return next((value for _, value in iter_dates(text)), None)


def strip_banners(text: str) -> str:
    """Remove current-date banners ("今天是2020年8月28日", "Today is 2020-8-28") and their dates."""

    def drop(match: re.Match[str]) -> str:
        rest = text[match.end() :]
        date_match = FULL_DATE.match(rest) or EN_DATE.match(rest)
        return " " * (match.end() - match.start() + (date_match.end() if date_match else 0))

    out, pos = [], 0
    for match in DATE_BANNER.finditer(text):
        if match.start() < pos:
            continue
        blank = drop(match)
        out.append(text[pos : match.start()])
        out.append(blank)
        pos = match.start() + len(blank)
    out.append(text[pos:])
    return "".join(out)


def _after_label(text: str) -> datetime | None:
    for label in PUBLISHED_LABELS.finditer(text):
        window = text[label.end() : label.end() + 40]
        match = FULL_DATE.match(window) or EN_DATE.match(window)
        value = parse_datetime(match[0]) if match else None
        if value is not None:
            return value
    return None


def labelled_date(text: str) -> datetime | None:
    """The first date right after a publish label ("发布时间：", "Release time:"), banners aside."""
    return _after_label(strip_banners(text))


def find_published(text: str) -> datetime | None:
    """The publish date of an article's header text: a labelled date first, else the first date."""
    text = strip_banners(text)
    return _after_label(text) or parse_datetime(text)


def to_date(value: datetime | None) -> date | None:
    return value.astimezone(PORTAL_ZONE).date() if value is not None else None
