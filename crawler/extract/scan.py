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
from collections.abc import Iterator
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

MAX_HEAD = 8  # characters of a literal start worth finding at once
_Heads = tuple[frozenset[str], bool]  # literal starts of a match; whether it can be empty


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


def _heads(items: Any, flags: int) -> _Heads | None:
    """The literal texts a match of a sequence of parse-tree items can start with (every
    match that is not empty starts with one of them), or None when that is not known."""
    p = _parser
    heads: set[str] = set()
    for i, (op, av) in enumerate(items):
        if op in (p.AT, p.ASSERT, p.ASSERT_NOT):
            continue  # anchors, \b and lookarounds take no character
        if op is p.LITERAL:
            char = chr(av)
            found = _variants(char, flags)
            if found is None:
                return None
            if found == {char}:  # the literals that must follow come with it
                run = [char]
                for next_op, next_av in items[i + 1 : i + MAX_HEAD]:
                    if next_op is not p.LITERAL or _variants(chr(next_av), flags) != {chr(next_av)}:
                        break
                    run.append(chr(next_av))
                found = frozenset({"".join(run)})
            return frozenset(heads | found), False
        if op is p.IN:
            members: set[str] = set()
            for member_op, member in av:
                if member_op is not p.LITERAL or (found := _variants(chr(member), flags)) is None:
                    return None  # a negated set, a category (\d, \s) or a range
                members |= found
            return frozenset(heads | members), False
        if op is p.BRANCH:
            branches = [_heads(branch, flags) for branch in av[1]]
            if any(b is None for b in branches):
                return None
            known = [b for b in branches if b is not None]
            heads.update(*(b[0] for b in known))
            if not any(b[1] for b in known):
                return frozenset(heads), False
            continue
        if op is p.SUBPATTERN or op is p.ATOMIC_GROUP:
            inner = av if op is p.ATOMIC_GROUP else av[3]
            inner_flags = flags if op is p.ATOMIC_GROUP else (flags | av[1]) & ~av[2]
            found_sub = _heads(inner, inner_flags)
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, p.POSSESSIVE_REPEAT):
            found_sub = _heads(av[2], flags)
            if found_sub is not None and av[0] == 0:
                found_sub = (found_sub[0], True)  # may be left out
        else:
            return None  # any character, a negated literal, a back reference, a condition
        if found_sub is None:
            return None
        heads |= found_sub[0]
        if not found_sub[1]:
            return frozenset(heads), False
    return frozenset(heads), True


def starts(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Literal texts one of which every match of ``pattern`` starts with; None when not
    known or when it can match the empty string (at any position)."""
    if _parser is None or not isinstance(pattern.pattern, str) or pattern.flags & re.LOCALE:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        found = _heads(parsed, parsed.state.flags)
    except Exception:  # an unknown parse tree: the pattern is searched as it is
        logger.debug("no literal starts for %r", pattern.pattern, exc_info=True)
        return None
    if found is None or found[1] or not found[0]:
        return None
    return found[0]


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters every match of ``pattern`` starts with (None as for :func:`starts`)."""
    found = starts(pattern)
    return None if found is None else frozenset(head[0] for head in found)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


# Up to this many literal starts are found with str.find, one per start (a fast scan of
# memory); more with a set of their first characters, which re tests character by character.
FEW_HEADS = 6
SWITCH = 4  # vain tries at a start's first character before the whole start is looked for


class _Finder:
    """Where the next literal start is in a text: the first character of each start is found
    with str.find (as fast as memchr), the whole start once that character came in vain
    SWITCH times (a longer needle is found more slowly, but only where it is)."""

    __slots__ = ("heads", "last", "misses", "needles", "nexts", "text")

    def __init__(self, text: str, heads: dict[str, str]) -> None:
        self.text = text
        self.heads = heads  # first character → the start
        self.needles = {c: c for c in heads}
        self.nexts = {c: text.find(c) for c in heads}  # first character → where its needle is
        self.misses = dict.fromkeys(heads, 0)
        self.last = ""

    def find(self, pos: int) -> int:
        """Where the next start is at or after ``pos``, or -1."""
        best, last = -1, ""
        text, nexts = self.text, self.nexts
        for char, at in nexts.items():
            if at == -1:
                continue
            if at < pos:
                at = nexts[char] = text.find(self.needles[char], pos)
                if at == -1:
                    continue
            if best == -1 or at < best:
                best, last = at, char
        self.last = last
        return best

    def missed(self) -> None:
        """The last start found was no match."""
        char = self.last
        self.misses[char] += 1
        if self.misses[char] == SWITCH and len(self.heads[char]) > 1:
            self.needles[char] = self.heads[char]  # found anew from the next find on


class Scanner:
    """``pattern``'s ``search`` and ``finditer``, tried only where a match can start."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        heads: dict[str, str] = {}  # one start per first character: what they share
        for head in sorted(starts(pattern) or ()):
            known = heads.get(head[0])
            heads[head[0]] = head if known is None else _common_prefix(known, head)
        self.heads = heads
        self.starts: re.Pattern[str] | None = None
        if len(heads) > 1:  # (one start: re's own search for a literal start is as fast)
            self.starts = re.compile("[" + "".join(map(re.escape, sorted(heads))) + "]")

    def __repr__(self) -> str:
        return f"Scanner({self.pattern!r}, starts={self.starts.pattern if self.starts else None})"

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
        finder = _Finder(text, self.heads) if len(self.heads) <= FEW_HEADS else None
        search = self.starts.search
        pos, misses = 0, 0
        while True:
            if finder is not None:
                at = finder.find(pos)
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
                if finder is not None:
                    finder.missed()
                pos = at + 1
                continue
            yield found
            pos = found.end()  # a match is never empty: the next one starts at its end or later
