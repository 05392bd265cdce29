"""Faster searches for the extraction patterns: a pattern tried only where a match can start.

The literal starts come from the pattern's parse tree; the matches are the pattern's own.
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
# (a try costs what re's search costs over some forty characters).
MIN_MISSES = 8
SPARSE = 40

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


def _folded(char: str, flags: int) -> frozenset[str] | None:
    """What ``char`` is in ``text.lower()`` where ``text`` matches it (when that lowers
    character for character and holds no İ, ı, ſ or Kelvin sign), or None when not known."""
    if flags & re.IGNORECASE:
        if _variants(char, flags) is None:
            return None  # (vouched for on ASCII letters and on uncased characters only)
        return frozenset(char.lower() if char.isascii() else char)
    lower = char.lower()
    return frozenset(lower) if len(lower) == 1 else None


def _heads(items: Any, flags: int, fold: bool = False) -> _Heads | None:
    """The literal texts a match of a sequence of parse-tree items can start with (every
    match that is not empty starts with one of them), or None when that is not known.
    ``fold``: the texts as they are in the lowered text (see :func:`_folded`)."""
    p = _parser
    chars = _folded if fold else _variants
    heads: set[str] = set()
    for i, (op, av) in enumerate(items):
        if op in (p.AT, p.ASSERT, p.ASSERT_NOT):
            continue  # anchors, \b and lookarounds take no character
        if op is p.LITERAL:
            found = chars(chr(av), flags)
            if found is None:
                return None
            if len(found) == 1:  # the literals that must follow come with it
                run = [*found]
                for next_op, next_av in items[i + 1 : i + MAX_HEAD]:
                    following = chars(chr(next_av), flags) if next_op is p.LITERAL else None
                    if following is None or len(following) != 1:
                        break
                    run.extend(following)
                found = frozenset({"".join(run)})
            return frozenset(heads | found), False
        if op is p.IN:
            members: set[str] = set()
            for member_op, member in av:
                if member_op is not p.LITERAL or (found := chars(chr(member), flags)) is None:
                    return None  # a negated set, a category (\d, \s) or a range
                members |= found
            return frozenset(heads | members), False
        if op is p.BRANCH:
            branches = [_heads(branch, flags, fold) for branch in av[1]]
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
            found_sub = _heads(inner, inner_flags, fold)
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, p.POSSESSIVE_REPEAT):
            found_sub = _heads(av[2], flags, fold)
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


def starts(pattern: re.Pattern[str], fold: bool = False) -> frozenset[str] | None:
    """Literal texts one of which every match of ``pattern`` starts with; None when not
    known or when it can match the empty string (at any position). ``fold``: as they are
    in the lowered text (see :func:`_folded`)."""
    if _parser is None or not isinstance(pattern.pattern, str) or pattern.flags & re.LOCALE:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        found = _heads(parsed, parsed.state.flags, fold)
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


MAX_TEXTS = 64  # texts an alternation of literals is spelled out into, at the most


def _texts(items: Any, flags: int) -> list[str] | None:
    """Every text a sequence of ASCII literals, sets of them and alternations of such matches
    (under ``flags``, cased letters in lower case); None for anything else."""
    p = _parser
    out = [""]
    for op, av in items:
        if op is p.LITERAL or op is p.IN:
            members = [av] if op is p.LITERAL else [m for o, m in av if o is p.LITERAL]
            if op is p.IN and len(members) != len(av):
                return None  # a range, a category, a negation
            choices = [chr(m) for m in members]
        elif op is p.BRANCH:
            found = [_texts(branch, flags) for branch in av[1]]
            if any(f is None for f in found):
                return None
            choices = [t for f in found if f is not None for t in f]
        elif op is p.SUBPATTERN and not av[1] and not av[2]:
            inner = _texts(av[3], flags)
            if inner is None:
                return None
            choices = inner
        else:
            return None  # an anchor, a repeat, a lookaround, a flag change
        if not all(c.isascii() for c in choices):
            return None
        if flags & re.IGNORECASE:
            choices = [c.lower() for c in choices]
        out = [t + c for t in out for c in dict.fromkeys(choices)]
        if len(out) > MAX_TEXTS:
            return None
    return out


def alternatives(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """The texts ``pattern`` is an alternation of ("presid|chair|emphasi[sz]" → presid, chair,
    emphasis, emphasiz), in lower case under IGNORECASE; None when it is anything more."""
    if _parser is None or not isinstance(pattern.pattern, str) or pattern.flags & re.LOCALE:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        found = _texts(parsed, parsed.state.flags)
    except Exception:  # an unknown parse tree: the pattern is searched as it is
        logger.debug("no alternatives for %r", pattern.pattern, exc_info=True)
        return None
    if not found or not all(found):
        return None
    return tuple(dict.fromkeys(found))


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


def _by_first(heads: frozenset[str] | None) -> dict[str, str]:
    """One start per first character: what the starts beginning with it have in common."""
    found: dict[str, str] = {}
    for head in sorted(heads or ()):
        known = found.get(head[0])
        found[head[0]] = head if known is None else _common_prefix(known, head)
    return found


_last_lowered: tuple[str, str | None] = ("", "")


def _lowered(text: str) -> str | None:
    """``text.lower()`` when it is ``text`` lowered character for character and ``text``
    holds none of the characters re matches with an ASCII letter that str.lower does not
    make that letter (İ, ı, ſ, the Kelvin sign); else None. The last text's is kept."""
    global _last_lowered
    last = _last_lowered  # (read once: another thread may set it meanwhile)
    if last[0] is text:
        return last[1]
    lower: str | None = text.lower()
    if len(text) != len(lower or "") or any(x in text for x in _ASCII_CASE_EXTRAS):
        lower = None
    _last_lowered = (text, lower)
    return lower


class Scanner:
    """``pattern``'s ``search`` and ``finditer``, tried only where a match can start.

    re tries most patterns (an alternation of groups, ``\\b`` or IGNORECASE first) at every
    position of a text. A scanner reads the literal texts a match can start with ("会议时间",
    "时", "T", "t") from the parse tree, finds them with str.find and tries the pattern
    there with ``match``; a pattern it cannot vouch for is searched as it is.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.heads = heads = _by_first(starts(pattern))
        # under IGNORECASE, starts in the lowered text too: in English text the first
        # letters of starts come too often, whole lower-case starts ("time") do not
        folded = _by_first(starts(pattern, fold=True)) if pattern.flags & re.IGNORECASE else {}
        self.folded = folded if 1 <= len(folded) <= FEW_HEADS else None
        self.texts = alternatives(pattern)
        self.starts: re.Pattern[str] | None = None
        if len(heads) > 1:  # (one start: re's own search for a literal start is as fast)
            self.starts = re.compile("[" + "".join(map(re.escape, sorted(heads))) + "]")

    def __repr__(self) -> str:
        return f"Scanner({self.pattern!r}, starts={self.starts.pattern if self.starts else None})"

    def found_in(self, text: str) -> bool:
        """Whether ``pattern.search(text)`` finds anything; an alternation of literals is
        looked for with str's ``in``, under IGNORECASE in ``text.lower()`` when that is the
        same character for character (no İ, ı, ſ or Kelvin sign, which re matches with ASCII
        letters but str.lower does not; tests/test_scan.py checks every code point)."""
        if self.texts is None:
            return self.search(text) is not None
        if not self.pattern.flags & re.IGNORECASE:
            return any(t in text for t in self.texts)
        lower = _lowered(text)
        if lower is None:
            return self.search(text) is not None
        return any(t in lower for t in self.texts)

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
        pos, misses, since, folded = 0, 0, 0, self.folded
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
                if misses > MIN_MISSES and misses * SPARSE > at - since:
                    lower = _lowered(text) if folded is not None else None
                    if folded is None or lower is None:
                        yield from self.pattern.finditer(text, at + 1)
                        return
                    # the whole lower-case starts, found in the lowered text from here on
                    finder, folded, misses, since = _Finder(lower, folded), None, 0, at + 1
                elif finder is not None:
                    finder.missed()
                pos = at + 1
                continue
            yield found
            pos = found.end()  # a match is never empty: the next one starts at its end or later
