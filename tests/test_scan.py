"""Scanners find exactly what their patterns find (crawler.extract.scan)."""

from __future__ import annotations

import re
import sys
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import meeting, patterns
from crawler.extract.scan import (
    _ASCII_CASE_EXTRAS,
    MIN_MISSES,
    SWITCH,
    Scanner,
    alternatives,
    first_chars,
    starts,
)
from tests.eval.golden import PIECES, synthetic_texts
from tests.eval.score import load_cases


def _project_patterns() -> list[re.Pattern[str]]:
    """Every pattern of crawler.extract.patterns (alone, in tuples, in (pattern, name) pairs)
    and the combined forms the logic modules build."""
    found: list[re.Pattern[str]] = []
    for value in vars(patterns).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            candidate = item[0] if isinstance(item, tuple) and item else item
            if isinstance(candidate, re.Pattern) and isinstance(candidate.pattern, str):
                found.append(candidate)
    found.append(meeting._ZH_ROLES.pattern)
    return found


PATTERNS = _project_patterns()
SCANNERS = [Scanner(p) for p in PATTERNS]


@cache
def _texts() -> list[str]:
    """Real page text and synthetic text, of both languages."""
    texts = [case.html for case in load_cases()[::3]]
    texts += synthetic_texts(120)
    return texts


def _same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.span() == b.span() and a.groups() == b.groups() and a.lastgroup == b.lastgroup


def _agree(scanner: Scanner, text: str) -> None:
    want = list(scanner.pattern.finditer(text))
    got = list(scanner.finditer(text))
    assert len(got) == len(want), scanner
    assert all(_same(g, w) for g, w in zip(got, want, strict=True)), scanner
    assert _same(scanner.search(text), scanner.pattern.search(text)), scanner
    assert scanner.found_in(text) is (scanner.pattern.search(text) is not None), scanner


@pytest.mark.parametrize(
    ("pattern", "chars"),
    [
        ("abc", "a"),
        ("a?b", "ab"),
        ("(a|)b", "ab"),
        (r"\bfoo", "f"),
        ("(?=x)y", "y"),
        ("(?<=x)y", "y"),
        ("(?P<n>会议|主持)", "会主"),
        ("(?:ab)+c", "a"),
        ("x{0}y", "xy"),
        ("(?>ab)", "a"),
        ("[，,]x", "，,"),
        ("(?i)ab", "aA"),
        ("(?i:k)", "kK\u212a"),
        ("(?i)s", "sS\u017f"),
        ("(?i)i", "iI\u0130\u0131"),
        ("(?i)会", "会"),
        ("(?i)[ab]", "aAbB"),
    ],
)
def test_first_chars(pattern: str, chars: str) -> None:
    assert first_chars(re.compile(pattern)) == frozenset(chars)


@pytest.mark.parametrize(
    ("pattern", "heads"),
    [
        ("abc", {"abc"}),
        ("(?i)(?:会议时间|开会时间|时\\s*间|Time)", {"会议时间", "开会时间", "时", "T", "t"}),
        ("(?:ab)+c", {"ab"}),
        ("a?bc", {"a", "bc"}),
        ("(?i)会议T", {"会议"}),
    ],
)
def test_literal_starts(pattern: str, heads: set[str]) -> None:
    assert starts(re.compile(pattern)) == heads


def test_literal_starts_in_lowered_text() -> None:
    assert starts(re.compile("(?i)(?:会议时间|Time)"), fold=True) == {"会议时间", "time"}
    assert starts(re.compile("(?i)emphasi[sz]ed"), fold=True) == {"emphasi"}
    assert starts(re.compile("Ab"), fold=True) == {"ab"}
    assert starts(re.compile("(?i)éa"), fold=True) is None


@pytest.mark.parametrize(
    "pattern",
    ["a*", "(a|b?)", r"\s*x", r"\dx", "[^a]", ".x", "[a-z]", r"(a)?\1b", "(?i)é", r"\b", "(?=a)"],
)
def test_no_first_chars_where_they_are_not_known(pattern: str) -> None:
    assert first_chars(re.compile(pattern)) is None
    _agree(Scanner(re.compile(pattern)), "xa b1 é ax")


def test_every_character_that_can_start_a_match_is_scanned_for() -> None:
    """IGNORECASE: every code point that re matches with a starting character is in the set."""
    cased = [
        (pattern, chars)
        for pattern in PATTERNS
        if pattern.flags & re.IGNORECASE and (chars := first_chars(pattern))
    ]
    assert len(cased) > 10
    union = "".join(sorted(set().union(*(chars for _, chars in cased))))
    anything = re.compile("[" + re.escape(union) + "]", re.IGNORECASE)
    hits = [chr(cp) for cp in range(sys.maxunicode + 1) if anything.fullmatch(chr(cp))]
    for pattern, chars in cased:
        own = re.compile("[" + re.escape("".join(sorted(chars))) + "]", pattern.flags)
        missed = {h for h in hits if own.fullmatch(h)} - chars
        assert not missed, (pattern.pattern, missed)


def test_str_lower_agrees_with_ignorecase_on_ascii_letters() -> None:
    """What found_in relies on: besides İ, ı, ſ and the Kelvin sign, a character lowers to an
    ASCII character only when it is that character or its upper case."""
    for cp in range(sys.maxunicode + 1):
        x = chr(cp)
        lower = x.lower()
        if x in _ASCII_CASE_EXTRAS or len(lower) != 1 or not lower.isascii():
            continue
        assert x in (lower, lower.upper()), hex(cp)


def test_alternatives() -> None:
    assert alternatives(re.compile("ab|c[de]")) == ("ab", "cd", "ce")
    assert alternatives(re.compile("Ab|CD", re.IGNORECASE)) == ("ab", "cd")
    assert alternatives(patterns.ROLE_HINT_EN) is not None
    for pattern in (r"\bab", "a+", "a|b?", "[^a]", "[a-z]", "会议", "(?i:ab)"):
        assert alternatives(re.compile(pattern)) is None, pattern


def test_found_in_where_str_lower_differs_from_ignorecase() -> None:
    scanner = Scanner(patterns.ROLE_HINT_EN)
    for text in (
        "Mayor Li PRESIDED",
        "emphaſized",
        "the \u212aelvin host",
        "İnstructed",
        "atteNDed",
    ):
        assert scanner.found_in(text) is (scanner.pattern.search(text) is not None), text
    assert scanner.found_in("The mayor chaired the meeting.")
    assert not scanner.found_in("The county government held a meeting.")


def test_the_scanners_of_the_whole_body_patterns_are_in_use() -> None:
    scanned = [
        meeting._ZH_ROLES,
        meeting._TIME_LABEL,
        meeting._LOCATION_EN,
        *meeting._LOCATIONS_ZH,
        *(s for s, _ in meeting._FORMS),
    ]
    assert sum(s.starts is not None for s in scanned) >= 8


@pytest.mark.parametrize("scanner", SCANNERS, ids=lambda s: s.pattern.pattern[:30])
def test_a_scanner_finds_what_its_pattern_finds(scanner: Scanner) -> None:
    for text in _texts():
        _agree(scanner, text)


def test_a_start_that_comes_in_vain_is_looked_for_whole() -> None:
    scanner = Scanner(re.compile("(?:会议时间|开会时间|时\\s*间)[:：]"))
    text = "会议，开会，时" * (SWITCH * 3) + "会议时间：" + "会议" * 5 + "时 间:" + "开会时间"
    _agree(scanner, text)
    assert [m[0] for m in scanner.finditer(text)] == ["会议时间：", "时 间:"]


@pytest.mark.parametrize("extra", ["", "ſ", "ı", "\u212a", "İ"])
def test_a_scan_in_english_text_looks_for_lower_case_starts(extra: str) -> None:
    """T and t come too often in English: the scan goes on with "time" in the lowered text
    (or, where that is not the text lowered letter for letter, hands over to the pattern)."""
    scanner = Scanner(patterns.MEETING_TIME_LABEL)
    assert scanner.folded is not None
    text = "That the tent at the test site took its toll. " * 12 + extra + "TIME: 9:00, time：10"
    _agree(scanner, text)
    assert [m[0] for m in scanner.finditer(text)] == ["TIME:", "time："]


def test_a_scan_that_misses_often_hands_over_to_the_pattern() -> None:
    scanner = Scanner(re.compile("(?:ax|bx)"))
    assert scanner.starts is not None
    text = "ab" * (MIN_MISSES * 40) + "bx ax" + "ab" * 10 + "ax"
    _agree(scanner, text)
    assert len(list(scanner.finditer(text))) == 3


ALPHABET = st.sampled_from(
    [*PIECES, *"Tt会时间：在室ſKİı", "ime:", "地点", "召开", "online", "PRESID", "hoſt", "Chai"]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_scanners_agree_on_any_text(text: str) -> None:
    for scanner in SCANNERS:
        _agree(scanner, text)
