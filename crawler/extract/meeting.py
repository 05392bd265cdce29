"""Meeting classification and facts: is it a meeting, when, where, who presided, spoke, attended.

Chinese reports ("2月20日上午，…召开…，区长吴玉新主持会议并讲话") and English mirrors ("On the
22nd, … Wang Zhongkun … presided over the meeting") are read by the same rules; the keyword
lists and patterns are data in :mod:`crawler.extract.patterns`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from crawler.extract.dates import now_shanghai, to_date
from crawler.extract.patterns import (
    ATTEND_EN,
    ATTEND_ZH,
    CN_DAY,
    CN_DAY_NUMERALS,
    EN_DAY,
    EN_NOT_GIVEN,
    EN_TITLE_WORD,
    LOCATION_EN,
    LOCATION_ZH,
    MEETING_FORMS,
    MEETING_HELD_EN,
    MEETING_HELD_ZH,
    MEETING_NAME_EN,
    MEETING_NAME_EN_END,
    MEETING_NAME_ZH,
    MEETING_TERMS_EN,
    MEETING_TERMS_ZH,
    MEETING_TIME_LABEL,
    MONTHS,
    NOT_MEETING_TERMS_ZH,
    NOT_MEETING_TITLE,
    PINYIN_SURNAMES,
    PINYIN_SYLLABLE,
    PRESIDE_BY_EN,
    PRESIDE_BY_ZH,
    PRESIDE_EN,
    PRESIDE_ZH,
    ROLE_HINT_EN,
    SPEAK_EN,
    SPEAK_ZH,
    UPCOMING,
    ZH_COMPOUND_SURNAMES,
    ZH_NOT_NAMES,
    ZH_SURNAMES,
    ZH_TITLES,
)

logger = logging.getLogger(__name__)

LEAD_CHARS = 400  # the meeting's date is told in the first sentences
MAX_AHEAD = timedelta(days=366)  # a notice announces a meeting a year ahead at most
LEAD_SENTENCES = 3
FACT_CHARS = 3000  # people are named near the top and in the closing lines ("XX主持会议");
TAIL_CHARS = 2500  # the middle of a long speech is not read
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZH_STOPS = "。；！？!?\n"  # the characters that end a Chinese sentence
_ZH_SENTENCE = re.compile("[" + re.escape(_ZH_STOPS) + "]")
_EN_SENTENCE = re.compile(r"(?<=[.;!?])\s*(?=[A-Z“\"(])|(?<=[a-z][.;])(?=[A-Z])|\n")
_ZH_PIECE = re.compile(r"[，,、；;：:]|(?<=[\u4e00-\u9fff])(?:和|及|与|以及)(?=[\u4e00-\u9fff])")
_ZH_ROLE_TAIL = re.compile(r"(主持召开|主持|出席|参加|列席|参会|到会|会议|并)+$")
_ZH_NAME_TAIL = re.compile(r"(?:等(?:[^、，]{0,8}(?:领导|同志|人))?|同志|们)$")
_ZH_TITLE_RE = re.compile("|".join(sorted(map(re.escape, ZH_TITLES), key=len, reverse=True)))
_EN_WORD = re.compile(r"[A-Za-z]+")
_GIVEN = re.compile(rf"(?:{PINYIN_SYLLABLE}){{1,3}}", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ZH_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_ZH_DIGITS.update({"八": 8, "九": 9})
# the meeting terms as one alternation (its match is the first term)
_MEETING_TERM_ZH = re.compile("|".join(map(re.escape, MEETING_TERMS_ZH)))
EN_NOT_MEETING_NAME = re.compile(r"^(?:the\s+)?(?:meeting|conference)\s*$", re.IGNORECASE)
_ZH_SUBJECT_TAIL = re.compile(r"(主持|组织|专门|再次|)$")
_EN_SPIRIT = re.compile(r"spirit of (?:the )?[^.]{0,80}?", re.IGNORECASE)


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


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text[:200]))


# -- classification ------------------------------------------------------------------


def _zh_term(text: str) -> int:
    """Where the first meeting term of a Chinese title is, or -1."""
    text = NOT_MEETING_TERMS_ZH.sub(lambda m: "□" * len(m[0]), text)
    found = _MEETING_TERM_ZH.search(text)  # where the first of the terms starts
    return found.start() if found else -1


def _title_says_meeting(title: str) -> bool | None:
    """True or False when the title decides; None when it names no meeting at all."""
    if is_chinese(title):
        term = _zh_term(title)
        held = MEETING_HELD_ZH.search(title)
    else:
        stripped = _EN_SPIRIT.sub(" ", title)
        found = MEETING_TERMS_EN.search(stripped)
        term = found.start() if found else -1
        held = MEETING_HELD_EN.search(title)
    if term < 0:
        return None
    veto = NOT_MEETING_TITLE.search(title)
    if veto is None:
        return True
    # "召开…督查工作推进会" is a meeting; "到XX调研并召开座谈会" is an inspection
    return bool(held and held.start() < veto.start())


def is_meeting(title: str | None, body: str) -> bool:
    """A report of a meeting held, or a notice of one to come."""
    title = " ".join((title or "").split())
    if title:
        decided = _title_says_meeting(title)
        if decided is not None:
            return decided
        if NOT_MEETING_TITLE.search(title):
            return False
    # a title without a meeting term: the first sentence must report one being held
    first = _ZH_SENTENCE.split(body[:LEAD_CHARS], 1)[0] if body else ""
    if not first:
        return False
    if is_chinese(first):
        held = MEETING_HELD_ZH.search(first)
        term = _zh_term(first[held.end() :]) if held else -1
        return term >= 0 and not NOT_MEETING_TITLE.search(first[: held.start()] if held else "")
    sentence = _EN_SENTENCE.split(first, 1)[0]
    return bool(MEETING_HELD_EN.search(sentence) and MEETING_TERMS_EN.search(sentence))


# -- the meeting's date -----------------------------------------------------------------


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


def _sentences(text: str, chinese: bool) -> list[str]:
    if chinese:  # _ZH_SENTENCE.split(text), by str.replace (a scan of memory per stop)
        for stop in _ZH_STOPS[:-1]:
            text = text.replace(stop, "\n")
        pieces = text.split("\n")
    else:
        pieces = _EN_SENTENCE.split(text)
    return [s for s in map(str.strip, pieces) if s]


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
        for sentence in _sentences(body[:LEAD_CHARS], chinese)[:LEAD_SENTENCES]:
            told = _first_day(sentence, chinese)
            if told is not None:
                break
    if told is None and title:
        told = _first_day(title, chinese)
    if told is None:
        return None
    value = _resolve(*told, reference, upcoming)
    return value if value is None or value <= today + MAX_AHEAD else None


# -- people ----------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def zh_name(text: str) -> str | None:
    """The person's name in "县委副书记、县长赵贵波" (titles dropped), or None."""
    text = _ZH_NAME_TAIL.sub("", _ZH_ROLE_TAIL.sub("", text.strip(" “”\"'（）()")))
    if _valid_zh_name(text):
        return text
    for match in _ZH_TITLE_RE.finditer(text):
        rest = _ZH_NAME_TAIL.sub("", text[match.end() :].lstrip("、，, "))
        if _valid_zh_name(rest):
            return rest
    return None


def _valid_zh_name(text: str) -> bool:
    if "·" in text:
        return 3 <= len(text) <= 12 and all(_CJK.match(c) or c == "·" for c in text)
    if not 2 <= len(text) <= 4 or not all(_CJK.match(c) for c in text):
        return False
    if ZH_NOT_NAMES.match(text) or _ZH_TITLE_RE.fullmatch(text):
        return False
    if text[:2] in ZH_COMPOUND_SURNAMES:
        return len(text) >= 3
    if text[0] not in ZH_SURNAMES or len(text) == 4:
        return False
    return not _ZH_TITLE_RE.search(text[1:]) or len(text) == 2


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


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


# every role in one pattern: one scan per sentence (the group's name says which role)
_ZH_ROLES = re.compile(
    "|".join(
        f"(?P<{kind}>{pattern.pattern})"
        for kind, pattern in (
            ("by", PRESIDE_BY_ZH),
            ("p", PRESIDE_ZH),
            ("s", SPEAK_ZH),
            ("a", ATTEND_ZH),
        )
    )
)


def _zh_people(sentences: list[str]) -> tuple[str | None, list[str], list[str]]:
    presider: str | None = None
    speakers: list[str] = []
    attendees: list[str] = []
    for sentence in sentences:
        for match in _ZH_ROLES.finditer(sentence):  # one scan per sentence for every role
            kind = match.lastgroup
            if kind == "by":
                if presider is None:
                    presider = zh_name(match["who"])
                continue
            if kind == "a":
                attendees.extend(_zh_list(sentence[: match.start()]))
                continue
            name = zh_name(_ZH_PIECE.split(sentence[: match.start()])[-1])
            if name is None:
                continue
            if kind == "p" and presider is None:
                presider = name
            elif kind == "s":
                speakers.append(name)
    return presider, _unique(speakers), _unique(attendees)


def _zh_list(text: str) -> list[str]:
    """Names in the run of list pieces just before an "出席会议" (titles-only pieces skipped)."""
    names: list[str] = []
    for piece in reversed(_ZH_PIECE.split(text)):
        piece = piece.strip()
        if not piece:
            continue
        name = zh_name(piece)
        if name is not None:
            names.append(name)
        elif _ZH_TITLE_RE.sub("", piece).strip():
            break  # a piece that is neither a name nor a title ends the list
    return names[::-1]


def _en_people(sentences: list[str]) -> tuple[str | None, list[str], list[str]]:
    presider: str | None = None
    speakers: list[str] = []
    attendees: list[str] = []
    for sentence in sentences:
        if not ROLE_HINT_EN.search(sentence):
            continue
        if presider is None and (by := PRESIDE_BY_EN.search(sentence)):
            found = en_names(by["who"])
            presider = found[0] if found else None
        roles = sorted(
            [(m.start(), m.end(), "p") for m in PRESIDE_EN.finditer(sentence)]
            + [(m.start(), m.end(), "s") for m in SPEAK_EN.finditer(sentence)]
            + [(m.start(), m.end(), "a") for m in ATTEND_EN.finditer(sentence)]
        )
        start = 0
        subject_names: list[str] = []
        for begin, end, role in roles:
            subject = sentence[start:begin]
            names = en_names(subject) or subject_names  # "attended and spoke": the same people
            if role == "p" and presider is None and names:
                presider = names[0]
            elif role == "s":
                speakers.extend(names)
            elif role == "a":
                attendees.extend(names)
            subject_names = names
            start = end
    return presider, _unique(speakers), _unique(attendees)


# -- name, place, form ---------------------------------------------------------------


def meeting_name(title: str | None, body: str) -> str | None:
    """The meeting's name as the first sentence (or else the title) gives it."""
    lead = "。".join(_ZH_SENTENCE.split(body[:LEAD_CHARS], 2)[:2])
    for text in (lead, title or ""):
        name = _zh_meeting_name(text) if is_chinese(text) else _en_meeting_name(text)
        if name:
            return name
    return " ".join(title.split()) if title else None


def _zh_meeting_name(text: str) -> str | None:
    found = [m for m in (p.search(text) for p in MEETING_NAME_ZH) if m]
    if not found:
        return None
    first = min(found, key=lambda m: m.start("name"))
    name = first["name"].strip()
    if name.startswith(("（", "(")) or name in ("会议", "扩大会议", "全体会议"):
        # "县政府党组召开（扩大）会议": the body that meets is named before the verb
        clause = _ZH_PIECE.split(text[: first.start()])[-1]
        subject = _ZH_SUBJECT_TAIL.sub("", clause)
        return subject + name if subject else name
    return name


def _en_meeting_name(text: str) -> str | None:
    for sentence in _sentences(text, chinese=False)[:2]:
        candidates = []
        for pattern in MEETING_NAME_EN:
            for match in pattern.finditer(sentence):
                name = match["name"]
                end = MEETING_NAME_EN_END.search(name)
                name = name[: end.start()] if end else name
                if MEETING_TERMS_EN.search(name) and not EN_NOT_MEETING_NAME.match(name):
                    candidates.append((match.start("name"), name.strip()))
        if candidates:
            return min(candidates)[1]
    return None


def meeting_location(body: str) -> str | None:
    """Where the meeting is held: "在县政府三楼会议室召开", "会议地点：…", "in the … room"."""
    return _location(_head_and_tail(body))


def _location(text: str) -> str | None:
    for pattern in LOCATION_ZH:
        found = pattern.search(text)
        if found:
            return found["loc"].strip()
    found = LOCATION_EN.search(text)
    return found["loc"].strip() if found else None


# "传达全省…视频会议精神", "the spirit of the province's video conference": another meeting
_OTHER_MEETING = re.compile(r"spirit of", re.IGNORECASE)


def meeting_form(title: str | None, body: str) -> str | None:
    """视频会议, teleconference…: the first form in MEETING_FORMS that the text names."""
    return _form(title, _head_and_tail(body))


def _form(title: str | None, read: str) -> str | None:
    text = f"{title or ''}\n{read}"
    for pattern, form in MEETING_FORMS:
        if any(_own(text, m) for m in pattern.finditer(text)):
            return form
    return None


def _own(text: str, match: re.Match[str]) -> bool:
    """Not another meeting's: "传达全省视频会议精神", "the spirit of the video conference"."""
    if text.startswith("精神", match.end()):
        return False
    start = max(text.rfind(mark, 0, match.start()) for mark in ".;!?。；\n")
    return _OTHER_MEETING.search(text[start + 1 : match.start()]) is None


def _head_and_tail(body: str) -> str:
    if len(body) <= FACT_CHARS + TAIL_CHARS:
        return body
    tail = body[-TAIL_CHARS:]
    cut = min((i for i in (tail.find("\n"), tail.find("。"), tail.find(". ")) if i >= 0), default=0)
    return body[:FACT_CHARS] + "\n" + tail[cut + 1 :]


def meeting_facts(title: str | None, body: str, published: datetime | None) -> MeetingFacts:
    """Classify the announcement; for a meeting, read its date, name, place, form and people."""
    facts = MeetingFacts(is_meeting=is_meeting(title, body))
    if not facts.is_meeting:
        return facts
    chinese = is_chinese(body[:200] or title or "")
    facts.meeting_date = meeting_date(title, body, published)
    facts.meeting_name = meeting_name(title, body)
    read = _head_and_tail(body)
    sentences = _sentences(read, chinese)
    if title and not chinese:  # a subtitle like "Wang Zhongkun hosted and delivered a speech"
        sentences = _sentences(title, chinese) + sentences
    people = _zh_people(sentences) if chinese else _en_people(sentences)
    facts.presider, facts.speakers, attendees = people
    # who presided or spoke is told as such; attendees are the others named as present
    named = {n.casefold() for n in [facts.presider or "", *facts.speakers]}
    facts.attendees = [a for a in attendees if a.casefold() not in named]
    facts.location = _location(read)
    facts.meeting_form = _form(title, read)
    return facts
