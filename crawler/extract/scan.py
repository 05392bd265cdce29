"""Faster searches for the extraction patterns: try a pattern only where a match can start.

Python's ``re`` tries most patterns (an alternation of groups, ``\\b`` or IGNORECASE first) at
every position of the text; a :class:`Scanner` finds the characters a match can start with
first, read from the pattern's parse tree, and gives the same matches as the pattern's own
``search`` and ``finditer``. A pattern it cannot vouch for is searched as it is.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

logger = logging.getLogger(__name__)

try:  # the parser behind re.compile (private, but there since Python 3.11)
    _parser: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - a Python without it: every pattern searched as it is
    _parser = None

# Characters other than A-Z and a-z that IGNORECASE can match with an ASCII letter
# (İ and ı with i, ſ with s, the Kelvin sign with k; tests/test_scan.py checks every code point).
_ASCII_CASE_EXTRAS = "\u0130\u0131\u017f\u212a"
# Where tries that find no match come more often than one in SPARSE characters (after the first
# MIN_MISSES), the scan gives up and lets the pattern search the rest: re alone is faster there
# (a try costs what re's search costs over some twenty characters).
MIN_MISSES = 8
SPARSE = 16

_Firsts = tuple[frozenset[str], bool]  # the characters a match can start with; can be empty


def _variants(char: str, flags: int) -> frozenset[str] | None:
    """Every character that matches ``char`` under ``flags``, or None when that is not known."""
    if not flags & re.IGNORECASE:
        return frozenset(char)
    if char.isascii():
        if not char.isalpha():
            return frozenset(char)
        same = flags & (re.IGNORECASE | re.ASCII)
        extras = (x for x in _ASCII_CASE_EXTRAS if re.fullmatch(re.escape(char), x, same))
        return frozenset({char.lower(), char.upper(), *extras})
    if char.lower() == char == char.upper() and char not in _ASCII_CASE_EXTRAS:
        return frozenset(char)  # a character without case (CJK, punctuation)
    return None


def _firsts(items: Any, flags: int) -> _Firsts | None:
    """What a sequence of parse-tree items can start with, or None when that is not known."""
    p = _parser
    chars: set[str] = set()
    for op, av in items:
        if op in (p.AT, p.ASSERT, p.ASSERT_NOT):
            continue  # anchors, \b and lookarounds take no character
        if op is p.LITERAL:
            found = _variants(chr(av), flags)
            if found is None:
                return None
            return frozenset(chars | found), False
        if op is p.IN:
            members: set[str] = set()
            for member_op, member in av:
                if member_op is not p.LITERAL or (found := _variants(chr(member), flags)) is None:
                    return None  # a negated set, a category (\d, \s) or a range
                members |= found
            return frozenset(chars | members), False
        if op is p.BRANCH:
            branches = [_firsts(branch, flags) for branch in av[1]]
            if any(b is None for b in branches):
                return None
            known = [b for b in branches if b is not None]
            chars.update(*(b[0] for b in known))
            if not any(b[1] for b in known):
                return frozenset(chars), False
            continue
        if op is p.SUBPATTERN or op is p.ATOMIC_GROUP:
            inner = av if op is p.ATOMIC_GROUP else av[3]
            inner_flags = flags if op is p.ATOMIC_GROUP else (flags | av[1]) & ~av[2]
            found_sub = _firsts(inner, inner_flags)
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, p.POSSESSIVE_REPEAT):
            found_sub = _firsts(av[2], flags)
            if found_sub is not None and av[0] == 0:
                found_sub = (found_sub[0], True)  # may be left out
        else:
            return None  # any character, a negated literal, a back reference, a condition
        if found_sub is None:
            return None
        chars |= found_sub[0]
        if not found_sub[1]:
            return frozenset(chars), False
    return frozenset(chars), True


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters every match of ``pattern`` starts with; None when not known or when
    it can match the empty string (at any position)."""
    if _parser is None or not isinstance(pattern.pattern, str) or pattern.flags & re.LOCALE:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        found = _firsts(parsed, parsed.state.flags)
    except Exception:  # an unknown parse tree: the pattern is searched as it is
        logger.debug("no first characters for %r", pattern.pattern, exc_info=True)
        return None
    if found is None or found[1] or not found[0]:
        return None
    return found[0]


# Up to this many starting characters are found with str.find, one per character (a fast scan
# of memory); more with a character set, which re tests character by character.
FEW_CHARS = 6


class Scanner:
    """``pattern``'s ``search`` and ``finditer``, tried only where a match can start."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        chars = first_chars(pattern)
        self.chars = tuple(sorted(chars)) if chars else ()
        self.starts: re.Pattern[str] | None = None
        if len(self.chars) > 1 or (self.chars and pattern.flags & re.IGNORECASE):
            # (one character, case-sensitive: re's own search for a leading literal is as fast)
            self.starts = re.compile("[" + "".join(map(re.escape, self.chars)) + "]")

    def __repr__(self) -> str:
        return f"Scanner({self.pattern!r}, starts={self.starts.pattern if self.starts else None})"

    def _by_find(self, text: str) -> Callable[[int], int]:
        """A function of ``pos``: where the next starting character is at or after it, or -1."""
        nexts = {c: text.find(c) for c in self.chars}

        def find(pos: int) -> int:
            best = -1
            for char, at in nexts.items():
                if at == -1:
                    continue
                if at < pos:
                    at = nexts[char] = text.find(char, pos)
                    if at == -1:
                        continue
                if best == -1 or at < best:
                    best = at
            return best

        return find

    def search(self, text: str) -> re.Match[str] | None:
        """The first match in ``text``, as ``pattern.search(text)``."""
        for found in self.finditer(text):
            return found
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every match in ``text``, as ``pattern.finditer(text)``."""
        if self.starts is None:
            yield from self.pattern.finditer(text)
            return
        match = self.pattern.match
        few = len(self.chars) <= FEW_CHARS
        find = self._by_find(text) if few else None
        search = self.starts.search
        pos, misses = 0, 0
        while True:
            if find is not None:
                at = find(pos)
                if at < 0:
                    return
            else:
                start = search(text, pos)
                if start is None:
                    return
                at = start.start()
            found = match(text, at)
            if found is None:
                misses += 1
                if misses > MIN_MISSES and misses * SPARSE > at:
                    yield from self.pattern.finditer(text, at + 1)
                    return
                pos = at + 1
                continue
            yield found
            pos = found.end()  # a match is never empty: the next one starts at its end or later
