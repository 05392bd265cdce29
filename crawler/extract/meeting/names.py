"""People's names: Chinese names with their titles dropped, pinyin names in English text."""

from __future__ import annotations

import re
from functools import lru_cache

from crawler.extract.meeting.patterns import (
    EN_NOT_GIVEN,
    EN_TITLE_WORD,
    PINYIN_SYLLABLE,
    ZH_NOT_NAME_END,
    ZH_NOT_NAMES,
    ZH_SPOKE_WHEN,
    ZH_TITLES,
)
from crawler.extract.meeting.surnames import (
    PINYIN_SURNAMES,
    ZH_COMMON_SURNAMES,
    ZH_COMPOUND_SURNAMES,
    ZH_SURNAMES,
)
from crawler.extract.meeting.text import CJK

_ZH_ROLE_TAIL = re.compile(rf"({ZH_SPOKE_WHEN}|主持召开|主持|出席|参加|列席|参会|到会|会议|并)+$")
_ZH_NAME_TAIL = re.compile(r"(?:等(?:[^、，]{0,8}(?:领导|同志|人))?|同志|们)$")
ZH_TITLE_RE = re.compile("|".join(sorted(map(re.escape, ZH_TITLES), key=len, reverse=True)))
_EN_WORD = re.compile(r"[A-Za-z]+")
_GIVEN = re.compile(rf"(?:{PINYIN_SYLLABLE}){{1,3}}", re.IGNORECASE)


@lru_cache(maxsize=4096)
def zh_name(text: str, titled: bool = False) -> str | None:
    """The person's name in "县委副书记、县长赵贵波" (titles dropped), or None. ``titled``: the
    text stands where a name is expected (a 姓名 cell), as if after a title."""
    text = _ZH_NAME_TAIL.sub("", _ZH_ROLE_TAIL.sub("", text.strip(" “”\"'（）()")))
    if _valid_zh_name(text, titled):
        return text
    for match in ZH_TITLE_RE.finditer(text):
        rest = _ZH_NAME_TAIL.sub("", text[match.end() :].lstrip("、，, "))
        if _valid_zh_name(rest, titled=True):
            return rest
    return None


def _valid_zh_name(text: str, titled: bool = False) -> bool:
    """A name: a surname and one or two characters (a compound surname and one or two); a
    rarer surname with one character only after a title."""
    if "·" in text:
        return 3 <= len(text) <= 12 and all(CJK.match(c) or c == "·" for c in text)
    if not 2 <= len(text) <= 4 or not all(CJK.match(c) for c in text):
        return False
    if ZH_NOT_NAMES.match(text) or ZH_NOT_NAME_END.search(text) or ZH_TITLE_RE.fullmatch(text):
        return False
    if text[:2] in ZH_COMPOUND_SURNAMES:
        return len(text) >= 3
    if text[0] not in ZH_SURNAMES or len(text) == 4:
        return False
    if len(text) == 2 and not titled and text[0] not in ZH_COMMON_SURNAMES:
        return False
    return not ZH_TITLE_RE.search(text[1:]) or len(text) == 2


def en_names(text: str) -> list[str]:
    """Pinyin names ("Wang Xinyu", "Zhao guibo", "han Tong") in English text, in order."""
    words = list(_EN_WORD.finditer(text))
    names: list[str] = []
    i = 0
    while i < len(words) - 1:
        surname, given = words[i][0], words[i + 1][0]
        gap = text[words[i].end() : words[i + 1].start()]
        if (
            gap == " "
            and surname.lower() in PINYIN_SURNAMES
            and given.lower() not in EN_NOT_GIVEN
            and not EN_TITLE_WORD.match(given)
            and _GIVEN.fullmatch(given)
            and (surname[0].isupper() or given[0].isupper())
            and not (surname.isupper() and given.isupper() and len(given) > 3)
        ):
            names.append(f"{surname} {given}")
            i += 2
            continue
        i += 1
    return names
