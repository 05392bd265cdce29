"""The meeting's name, place and form (视频会议, teleconference…)."""

from __future__ import annotations

import re

from crawler.extract.meeting.patterns import (
    LOCATION_EN,
    LOCATION_EN_MAIN,
    LOCATION_ZH,
    MEETING_FORMS,
    MEETING_NAME_EN,
    MEETING_NAME_EN_END,
    MEETING_NAME_ZH,
    MEETING_TERMS_EN,
    NOTICE_TITLE,
    PLACE_UNTOLD,
    ZH_ORGAN,
    ZH_SUBJECT_WHEN,
)
from crawler.extract.meeting.text import (
    LEAD_CHARS,
    ZH_PIECE,
    ZH_SENTENCE,
    head_and_tail,
    is_chinese,
    sentences,
)

EN_NOT_MEETING_NAME = re.compile(r"^(?:the\s+)?(?:meeting|conference)\s*$", re.IGNORECASE)
_ZH_SUBJECT_TAIL = re.compile(r"(主持|组织|专门|再次|)$")


def meeting_name(title: str | None, body: str, sentence: str = "") -> str | None:
    """The meeting's name: a notice's title (关于召开X的通知), else the headline's, else as the
    first sentences (or ``sentence``, the one that showed a meeting held) give it."""
    notice = NOTICE_TITLE.search(title or "")
    if notice:
        return (notice["name"] or notice["whole"]).strip()
    lead = "。".join(ZH_SENTENCE.split(body[:LEAD_CHARS], 2)[:2])
    for text in (title or "", lead, sentence):
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
    clause = ZH_PIECE.split(text[: first.start()])[-1]
    subject = ZH_SUBJECT_WHEN.sub("", _ZH_SUBJECT_TAIL.sub("", clause).strip())
    if ZH_ORGAN.fullmatch(subject) and not name.startswith(subject):
        return subject + name  # "县政府召开第九次常务会议"; never "清水县召开…分析会"
    return name


def _en_meeting_name(text: str) -> str | None:
    for sentence in sentences(text, chinese=False)[:2]:
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
    return location_in(head_and_tail(body))


def section_location(section: str | None) -> str | None:
    """The place a notice's 地点 section gives: "县政府四楼第一会议室。" (its main venue)."""
    if not section:
        return None
    for pattern in LOCATION_ZH[:2]:  # "下午在…会议室召开", "主会场设在…"
        found = pattern.search(section)
        if found:
            return found["loc"].strip()
    place = re.split(r"[，。；,;]", section, maxsplit=1)[0].strip()
    return place if place and not PLACE_UNTOLD.match(place) else None


def location_in(read: str) -> str | None:
    """The place named in ``read`` (a body's head and tail)."""
    for pattern in LOCATION_ZH:
        found = pattern.search(read)
        if found and not PLACE_UNTOLD.match(found["loc"]):
            return found["loc"].strip()
    found = LOCATION_EN_MAIN.search(read) or LOCATION_EN.search(read)
    return found["loc"].strip() if found else None


# "传达全省…视频会议精神", "the spirit of the province's video conference": another meeting
_OTHER_MEETING = re.compile(r"spirit of", re.IGNORECASE)


def meeting_form(title: str | None, body: str) -> str | None:
    """视频会议, teleconference…: the first form in MEETING_FORMS that the text names."""
    return form_in(title, head_and_tail(body))


def form_in(title: str | None, read: str) -> str | None:
    """The form named in the title or ``read`` (a body's head and tail)."""
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
