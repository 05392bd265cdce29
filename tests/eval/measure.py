"""How an extracted value is compared with its label, and how per-page verdicts add up.

Shared by both evaluation sets (tests/eval/score.py, tests/eval/realset.py): strings exact
after folding case, spaces and full-width parentheses; instants (or days); bodies by
bag-of-characters F1; list fields by set F1 per page on normalised names (:func:`norm_name`),
averaged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from storage.zones import PORTAL_ZONE

# What a list link says when it says nothing ("[详情]", "第3条"): titles are scored with it too
NEUTRAL_LINK_TEXT = "详情"
# Below this a page's F1 (body, list fields) is listed among the misses.
MISS_BELOW = 0.9


@dataclass
class Score:
    """Per-field totals: ``value`` is accuracy (or mean F1) over ``n`` pages; ``produced``
    is False for a labelled field the extractor does not output yet (reported, never gated)."""

    name: str
    value: float
    n: int
    misses: list[str] = field(default_factory=list)
    produced: bool = True


# (page id, verdict); a verdict of None leaves the page out
Verdicts = Iterable[tuple[str, Any]]


def accuracy(name: str, verdicts: Verdicts) -> Score:
    hits, n, misses = 0, 0, []
    for page, verdict in verdicts:
        if verdict is None:
            continue
        n += 1
        if verdict:
            hits += 1
        else:
            misses.append(page)
    return Score(name, hits / n if n else 1.0, n, misses)


def mean(name: str, verdicts: Verdicts) -> Score:
    values, misses = [], []
    for page, value in verdicts:
        if value is None:
            continue
        values.append(float(value))
        if value < MISS_BELOW:
            misses.append(page)
    return Score(name, sum(values) / len(values) if values else 1.0, len(values), misses)


def list_date(value: str | None) -> datetime | None:
    """A list page's date (an input, as the spider hands it over): that day's start."""
    if not value:
        return None
    day = date.fromisoformat(value[:10])
    return datetime(day.year, day.month, day.day, tzinfo=PORTAL_ZONE)


def flag_f1(name: str, flags: Iterable[tuple[str, bool, bool]]) -> Score:
    """F1 of a yes/no field over (page id, label, found) triples."""
    tp = fp = fn = n = 0
    misses = []
    for page, want, got in flags:
        n += 1
        tp += want and got
        fp += got and not want
        fn += want and not got
        if want != got:
            misses.append(page)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else (1.0 if not fp and not fn else 0.0)
    return Score(name, f1, n, misses)


def norm(value: Any) -> str:
    """Text compared case- and space-insensitively, with full-width punctuation folded."""
    if value is None:
        return ""
    text = str(value).replace("\u3000", " ").replace("（", "(").replace("）", ")")
    return " ".join(text.split()).casefold()


_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def norm_name(value: Any) -> str:
    """A name or list item compared as :func:`norm` does, spaces between Chinese characters
    dropped ("王  伟" is padded for alignment on many portals)."""
    return _CJK_GAP.sub("", norm(value))


def same_text(predicted: Any, expected: Any) -> bool:
    return norm(predicted) == norm(expected)


def same_time(predicted: datetime | None, label: str | None) -> bool:
    """Equal instants; a label without a time of day (00:00) only needs the same day."""
    if label is None or predicted is None:
        return label is None and predicted is None
    expected = datetime.fromisoformat(label)
    if expected.tzinfo is None:
        expected = expected.replace(tzinfo=PORTAL_ZONE)
    expected = expected.astimezone(PORTAL_ZONE)
    got = predicted.astimezone(PORTAL_ZONE)
    if (expected.hour, expected.minute, expected.second) == (0, 0, 0):
        return got.date() == expected.date()
    return got == expected


def same_day(predicted: date | str | None, label: str | None) -> bool:
    got = predicted.isoformat() if isinstance(predicted, date) else predicted
    return (got or None) == (label or None)


def char_f1(predicted: str, expected: str) -> float:
    """Bag-of-characters F1 (whitespace ignored): how much of the main text was kept."""
    got = Counter(c for c in predicted if not c.isspace())
    want = Counter(c for c in expected if not c.isspace())
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def set_f1(predicted: Iterable[str], expected: Iterable[str]) -> float:
    got, want = {norm_name(p) for p in predicted}, {norm_name(e) for e in expected}
    if not got and not want:
        return 1.0
    overlap = len(got & want)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(got), overlap / len(want)
    return 2 * precision * recall / (precision + recall)


Aggregate = Callable[[str, Verdicts], Score]


def comparison(name: str, kind: str) -> tuple[Callable[[Any, Any], Any], Aggregate]:
    """How a field of this kind is compared with its label, and how the verdicts add up."""
    if name == "body":
        return lambda got, want: char_f1(got or "", want or ""), mean
    if kind == "list":
        return lambda got, want: set_f1(got or [], want or []), mean
    if kind == "datetime":
        return same_time, accuracy
    if kind == "date":
        return same_day, accuracy
    return same_text, accuracy
