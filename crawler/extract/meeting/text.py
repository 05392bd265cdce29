"""What every meeting reader shares: sentence splitting, the part of a body read, language."""

from __future__ import annotations

import re

from crawler.extract.meeting.patterns import LEAD_DATELINE, LEAD_FURNITURE

LEAD_CHARS = 400  # the meeting's date is told in the first sentences
FACT_CHARS = 3000  # people are named near the top and in the closing lines ("XX主持会议");
TAIL_CHARS = 2500  # the middle of a long speech is not read
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_STOPS = "。；！？!?\n"  # the characters that end a Chinese sentence
ZH_SENTENCE = re.compile("[" + re.escape(ZH_STOPS) + "]")
EN_SENTENCE = re.compile(r"(?<=[.;!?])\s*(?=[A-Z“\"(])|(?<=[a-z][.;])(?=[A-Z])|\n")
ZH_PIECE = re.compile(r"[，,、；;：:]|(?<=[\u4e00-\u9fff])(?:和|及|与|以及)(?=[\u4e00-\u9fff])")


def is_chinese(text: str) -> bool:
    return bool(CJK.search(text[:200]))


def sentences(text: str, chinese: bool) -> list[str]:
    """The text's sentences, stripped, empty ones left out."""
    if chinese:  # ZH_SENTENCE.split(text), by str.replace (a scan of memory per stop)
        for stop in ZH_STOPS[:-1]:
            text = text.replace(stop, "\n")
        pieces = text.split("\n")
    else:
        pieces = EN_SENTENCE.split(text)
    return [s for s in map(str.strip, pieces) if s]


def head_and_tail(body: str) -> str:
    """The part of a body facts are read from: its first and last lines, cut at sentences."""
    if len(body) <= FACT_CHARS + TAIL_CHARS:
        return body
    tail = body[-TAIL_CHARS:]
    cut = min((i for i in (tail.find("\n"), tail.find("。"), tail.find(". ")) if i >= 0), default=0)
    return body[:FACT_CHARS] + "\n" + tail[cut + 1 :]


def without_furniture(body: str) -> str:
    """The body without the breadcrumb, info lines and dateline an English mirror opens with."""
    while (found := LEAD_FURNITURE.match(body)) is not None and found.end() > 0:
        body = body[found.end() :]
    return LEAD_DATELINE.sub("", body, count=1)
