"""The page walked once: furniture skipped, its lines sorted into header, body and the rest."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from lxml import etree

from crawler.extract.article.furniture import kind, kind_of
from crawler.extract.patterns import (
    ATTACHMENT_HREF,
    ATTACHMENT_LINE,
    BODY_STOP_LINES,
    BOILERPLATE_LINES,
    CREDIT_LINE,
    CRUMB_LINE,
    DATE_BANNER,
    EN_DATE,
    FULL_DATE,
    INFO_LABEL,
)

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "table",
        "ul",
        "ol",
        "blockquote",
        "dd",
        "dt",
        "dl",
        "header",
        "footer",
        "center",
        "pre",
        "figure",
        "figcaption",
        "address",
        "hr",
        "main",
    }
)
HEADER_LINES = 12  # lines above the body that may hold the info bar
LEAD_LINES = 6  # lines of a body container that may still be header (category, title, date)
MAX_INFO_CHARS = 160  # an info-bar line is shorter
# Line markers written by the page walk (private-use characters, removed from page text).
BODY_START, BODY_END, TITLE_START, TITLE_END = "\ue000", "\ue001", "\ue002", "\ue003"
MARKER_CHARS = (BODY_START, BODY_END, TITLE_START, TITLE_END)
MARKERS = re.compile("[\ue000-\ue003]")
_DATE_ONLY_LINE = re.compile(r"^[\s\d年月日:：/.\-—–TZ+()（）星期一二三四五六日天]*$")


def clean_line(raw: str) -> str:
    return " ".join(raw.split())


# -- the walk ----------------------------------------------------------------------


@dataclass
class Page:
    """What one walk of the page yields."""

    header: list[str]  # lines between the title (or the page top) and the body
    body: list[str]  # the body's lines, furniture dropped
    rest: list[str]  # every other readable line (for a labelled date or source)
    attachments: list[str]  # attachment hrefs in or after the body


def walk(
    root: etree._Element,
    body: etree._Element | None,
    title: etree._Element | None,
    attributed: set[etree._Element],
) -> tuple[list[str], list[str], bool]:
    """The page's readable text as lines (markers included), attachment hrefs, and whether
    the text itself holds marker characters.

    ``attributed`` holds every element with a class or id; the others are judged by tag.
    """
    keep: set[etree._Element] = set()
    for anchor in (body, title):
        if anchor is not None:
            keep.update(anchor.iterancestors())
            keep.add(anchor)
    parts: list[str] = []
    write = parts.append
    hrefs: list[str] = []
    in_body = False
    seen_body = False
    markers = 0  # marker characters written
    skipped = None  # furniture left out: its "end" event follows its "start" at once
    # lxml's own walk (C); comments and processing instructions count for their tails only.
    # A text is read once into a local: each .text or .tail decodes the node anew.
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        if event == "start":
            tag = el.tag
            # an entity (in a page that starts with an XML declaration) counts for its tail only
            if not isinstance(tag, str) or (
                el not in keep
                and (kind(el) if el in attributed else kind_of(tag, None, None))[in_body]
            ):
                tail = el.tail
                if tail:
                    write(tail)
                walker.skip_subtree()
                skipped = el
                continue
            if el is body:
                write(f"\n{BODY_START}\n")
                in_body = seen_body = True
                markers += 1
            elif el is title:
                write(f"\n{TITLE_START}\n")
                markers += 1
            elif tag in BLOCK_TAGS:
                write("\n")
            if tag == "a" and seen_body:
                href = el.get("href")
                if href and ATTACHMENT_HREF.search(href):
                    hrefs.append(href.strip())
            text = el.text
            if text:
                write(text)
        elif event == "end":
            if el is skipped:
                skipped = None
                continue
            if el is body:
                write(f"\n{BODY_END}\n")
                in_body = False
                markers += 1
            elif el is title:
                write(f"\n{TITLE_END}\n")
                markers += 1
            elif el.tag in BLOCK_TAGS:
                write("\n")
            if el is not root:
                tail = el.tail
                if tail:
                    write(tail)
        else:  # a comment or a processing instruction
            tail = el.tail
            if tail:
                write(tail)
    text = "".join(parts)
    foreign = sum(map(text.count, MARKER_CHARS)) > markers
    return text.split("\n"), hrefs, foreign


def is_info_line(line: str, title: str | None) -> bool:
    """A line of the info bar (date, source, views, font size) or the title repeated."""
    if title and (line == title or (len(line) <= len(title) + 12 and title in line)):
        return True
    if len(line) >= MAX_INFO_CHARS and not crumb_banner_or_date(line):
        return False  # (what labels it holds cannot make a line this long an info bar)
    if INFO_LABEL.match(line) or len(list(islice(INFO_LABEL.finditer(line), 2))) >= 2:
        return len(line) < MAX_INFO_CHARS
    if crumb_banner_or_date(line):
        return True
    if len(line) <= 40 and (FULL_DATE.search(line) or EN_DATE.search(line)):
        rest = FULL_DATE.sub("", EN_DATE.sub("", line))
        return len(rest.strip(" |/·:：-")) <= 20
    return False


def crumb_banner_or_date(line: str) -> bool:
    """A where-am-I line, a current-date banner, or a line of nothing but a date."""
    if CRUMB_LINE.match(line) or DATE_BANNER.match(line):
        return True
    return bool(_DATE_ONLY_LINE.match(line) and any(ch.isdigit() for ch in line))


def read_lines(lines: Iterable[str], title: str | None, foreign: bool = True) -> Page:
    """The lines of the walk sorted; ``foreign``: the page text may hold marker characters."""
    header: list[str] = []
    body: list[str] = []
    rest: list[str] = []
    state = "before"  # before → body → after
    stopped = False
    for raw in lines:
        line = clean_line(raw)
        if not line:
            continue
        if line == TITLE_START:
            header = []
            continue
        if line == TITLE_END:
            continue
        if line == BODY_START:
            state = "body"
            continue
        if line == BODY_END:
            state = "after"
            continue
        if foreign:
            line = MARKERS.sub("", line)
        if state == "body" and not stopped:
            if BODY_STOP_LINES.match(line):
                stopped = True
                continue
            if BOILERPLATE_LINES.match(line):
                continue
            body.append(line)
        elif state == "before":
            header.append(line)
        else:
            rest.append(line)
    # the info bar and the title, when the body container holds them, are not text
    lead: list[str] = []
    if title:  # a container that holds the header too: drop what precedes the title line
        for i, line in enumerate(body[:LEAD_LINES]):
            if line == title:
                lead, body = body[:i], body[i:]
                break
    while body and (is_info_line(body[0], title) or CREDIT_LINE.match(body[0])):
        lead.append(body.pop(0))
    # credits and an attachment list after the text are no text either (a source among them
    # is still read, before the rest of the page)
    end = len(body)
    while end and (CREDIT_LINE.match(body[end - 1]) or ATTACHMENT_LINE.match(body[end - 1])):
        end -= 1
    body, rest = body[:end], body[end:] + rest
    header = header[-HEADER_LINES:] + lead
    return Page(header=header, body=body, rest=rest, attachments=[])
