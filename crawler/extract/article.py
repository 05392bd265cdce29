"""Article fields from an article page: title, published_at, source, body, attachments.

The page is walked once: furniture (navigation, sidebars, widgets) is skipped, the body's
lines and the info bar above them are read in the same pass.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import islice
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from crawler.extract.dates import find_published, labelled_date, parse_datetime
from crawler.extract.patterns import (
    ATTACHMENT_HREF,
    BODY_SELECTORS,
    BODY_STOP_LINES,
    BOILERPLATE_LINES,
    CRUMB_LINE,
    DATE_BANNER,
    DATE_META,
    EN_DATE,
    FULL_DATE,
    INFO_LABEL,
    NOISE_TAGS,
    NOISE_TOKEN,
    SITE_NAME_PART,
    SITE_PREFIX,
    SITE_SUFFIX,
    SKIP_TAGS,
    SOURCE_LABEL,
    SOURCE_META,
    TITLE_META,
    TITLE_SELECTORS,
    TITLE_SUFFIX_SEPARATORS,
    TITLE_TOKEN,
    WIDGET_TOKEN,
)
from crawler.extract.select import select, select_text
from crawler.portals import Selectors

logger = logging.getLogger(__name__)

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
MIN_BODY_CHARS = 30
HEADER_LINES = 12  # lines above the body that may hold the info bar
LEAD_LINES = 6  # lines of a body container that may still be header (category, title, date)
MAX_TITLE_CHARS = 200
MAX_INFO_CHARS = 160  # an info-bar line is shorter
# Line markers written by the page walk (private-use characters, removed from page text).
BODY_START, BODY_END, TITLE_START, TITLE_END = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKER_CHARS = (BODY_START, BODY_END, TITLE_START, TITLE_END)
_MARKERS = re.compile("[\ue000-\ue003]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DATE_ONLY_LINE = re.compile(r"^[\s\d年月日:：/.\-—–TZ+()（）星期一二三四五六日天]*$")


@dataclass
class Article:
    title: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    body: str = ""
    attachments: list[str] = field(default_factory=list)


@lru_cache(maxsize=256)
def _xpath(css: str) -> etree.XPath:
    return etree.XPath(css2xpath(css))


_SIMPLE_CSS = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)?(?:(?P<kind>[.#])(?P<name>[\w-]+))?$", re.I)


class _Matcher:
    """Ranked simple selectors ("tag", ".class", "#id", "tag.class") matched in one pass.

    The candidates are the elements with a class or id and those of the named tags (one
    XPath, :func:`_candidates`, serves every matcher); the ranking is looked up per element
    (cached by tag, class and id). Other selectors fall back to their own XPath.
    """

    def __init__(self, selectors: Iterable[str], token: re.Pattern[str] | None = None) -> None:
        self.token = token  # a last group: elements with a class or id token like this
        self.selectors = tuple(selectors)
        self.simple = [_SIMPLE_CSS.match(css) for css in self.selectors]
        self.tags = {m["tag"].lower() for m in self.simple if m and m["tag"] and not m["name"]}
        # (rank, tag or None, "." or "#" or None, class or id name) of each simple selector
        self.rules = [
            (rank, m["tag"].lower() if m["tag"] else None, m["kind"], m["name"])
            for rank, m in enumerate(self.simple)
            if m is not None
        ]
        self.cache: dict[tuple[str, str | None, str | None], int | None] = {}

    def _rank(self, tag: str, class_attr: str | None, ident: str | None) -> int | None:
        """The first selector an element matches; len(selectors) for a token match; or None."""
        classes = (class_attr or "").split()
        for rank, want_tag, kind, name in self.rules:
            if want_tag and tag != want_tag:
                continue
            if (kind == "." and name not in classes) or (kind == "#" and ident != name):
                continue
            return rank
        if self.token is not None and any(self.token.match(t) for t in (*classes, ident or "")):
            return len(self.selectors)
        return None

    def ranked(
        self, root: etree._Element, candidates: list[etree._Element]
    ) -> list[list[etree._Element]]:
        """The matches of each selector, in selector order, each in document order.

        ``candidates`` holds at least the elements with a class or id and those of the
        matcher's tags, in document order (others are let through unranked).
        """
        groups: list[list[etree._Element]] = [[] for _ in range(len(self.selectors) + 1)]
        cache = self.cache
        for el in candidates:
            key = (el.tag, el.get("class"), el.get("id"))
            try:
                rank = cache[key]
            except KeyError:
                rank = self._rank(*key)
                if len(cache) < 20_000:
                    cache[key] = rank
            if rank is not None:
                groups[rank].append(el)
        for rank, simple in enumerate(self.simple):
            if simple is None:
                groups[rank] = [el for el in _xpath(self.selectors[rank])(root) if el.tag]
        return groups


_BODY = _Matcher(BODY_SELECTORS)
_TITLES = _Matcher(TITLE_SELECTORS, TITLE_TOKEN)
# Every matcher's candidates at once ("//@class/.." is the fast form of "//*[@class]")
_CANDIDATES = etree.XPath(
    " | ".join(["//@class/..", "//@id/..", *(f"//{t}" for t in sorted(_BODY.tags | _TITLES.tags))])
)


def _candidates(root: etree._Element) -> list[etree._Element]:
    """The elements the matchers rank: those with a class or id, and those of their tags."""
    found: list[etree._Element] = _CANDIDATES(root)
    return found


_NOISE_CACHE: dict[tuple[str, str | None, str | None], tuple[bool, bool]] = {}


def _kind(el: etree._Element) -> tuple[bool, bool]:
    """(is page furniture, is an article widget) for one element; cached by tag, class, id."""
    return _kind_of(el.tag, el.get("class"), el.get("id"))


def _kind_of(tag: str, classes: str | None, ident: str | None) -> tuple[bool, bool]:
    key = (tag, classes, ident)
    found = _NOISE_CACHE.get(key)
    if found is None:
        tokens = f"{classes or ''} {ident or ''}".split()
        widget = tag in SKIP_TAGS or any(WIDGET_TOKEN.match(t) for t in tokens)
        noise = (
            widget
            or tag in NOISE_TAGS
            or tag == "footer"
            or any(NOISE_TOKEN.match(t) for t in tokens)
        )
        found = (noise, widget)
        if len(_NOISE_CACHE) < 20_000:
            _NOISE_CACHE[key] = found
    return found


def _is_noise(el: etree._Element) -> bool:
    """Page furniture: navigation, sidebars, footers, breadcrumbs, share and print widgets."""
    return _kind(el)[0]


def _is_widget(el: etree._Element) -> bool:
    """Furniture inside an article: share, print, comment and pager blocks."""
    return _kind(el)[1]


def _text(el: etree._Element) -> str:
    return " ".join(etree.tostring(el, method="text", encoding="unicode", with_tail=False).split())


def _clean_line(raw: str) -> str:
    return " ".join(raw.split())


# -- the walk ----------------------------------------------------------------------


@dataclass
class _Page:
    """What one walk of the page yields."""

    header: list[str]  # lines between the title (or the page top) and the body
    body: list[str]  # the body's lines, furniture dropped
    rest: list[str]  # every other readable line (for a labelled date or source)
    attachments: list[str]  # attachment hrefs in or after the body


def _walk(
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
                and (_kind(el) if el in attributed else _kind_of(tag, None, None))[in_body]
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
    foreign = sum(map(text.count, _MARKER_CHARS)) > markers
    return text.split("\n"), hrefs, foreign


def _is_info_line(line: str, title: str | None) -> bool:
    """A line of the info bar (date, source, views, font size) or the title repeated."""
    if title and (line == title or (len(line) <= len(title) + 12 and title in line)):
        return True
    if len(line) >= MAX_INFO_CHARS and not _crumb_banner_or_date(line):
        return False  # (what labels it holds cannot make a line this long an info bar)
    if INFO_LABEL.match(line) or len(list(islice(INFO_LABEL.finditer(line), 2))) >= 2:
        return len(line) < MAX_INFO_CHARS
    if _crumb_banner_or_date(line):
        return True
    if len(line) <= 40 and (FULL_DATE.search(line) or EN_DATE.search(line)):
        rest = FULL_DATE.sub("", EN_DATE.sub("", line))
        return len(rest.strip(" |/·:：-")) <= 20
    return False


def _crumb_banner_or_date(line: str) -> bool:
    """A where-am-I line, a current-date banner, or a line of nothing but a date."""
    if CRUMB_LINE.match(line) or DATE_BANNER.match(line):
        return True
    return bool(_DATE_ONLY_LINE.match(line) and any(ch.isdigit() for ch in line))


def _read(lines: Iterable[str], title: str | None, foreign: bool = True) -> _Page:
    """The lines of the walk sorted; ``foreign``: the page text may hold marker characters."""
    header: list[str] = []
    body: list[str] = []
    rest: list[str] = []
    state = "before"  # before → body → after
    stopped = False
    for raw in lines:
        line = _clean_line(raw)
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
            line = _MARKERS.sub("", line)
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
    while body and _is_info_line(body[0], title):
        lead.append(body.pop(0))
    header = header[-HEADER_LINES:] + lead
    return _Page(header=header, body=body, rest=rest, attachments=[])


# -- fields ------------------------------------------------------------------------

_META_XPATH = etree.XPath("//meta[@content]")
_TIME_XPATH = etree.XPath("//time[@datetime]")


def _time_element(root: etree._Element) -> datetime | None:
    """A machine-readable <time datetime> outside furniture (WordPress entry meta)."""
    for el in _TIME_XPATH(root):
        if _is_noise(el) or _noisy_ancestor(el):
            continue
        value = parse_datetime(el.get("datetime"))
        if value is not None:
            return value
    return None


def _metas(root: etree._Element) -> dict[str, str]:
    """Meta tags by name, property and itemprop (the first of each wins)."""
    found: dict[str, str] = {}
    for meta in _META_XPATH(root):
        content = " ".join((meta.get("content") or "").split())
        if not content:
            continue
        for attr in ("name", "property", "itemprop"):
            key = meta.get(attr)
            if key:
                found.setdefault(key.lower(), content)
    return found


def _first_meta(metas: dict[str, str], names: Iterable[str]) -> str | None:
    for name in names:
        value = metas.get(name.lower())
        if value:
            return value
    return None


def strip_site_name(raw: str) -> str:
    """A <title> without the site name joined to it ("…_渭滨区人民政府", "… – Liaoning News")."""
    raw = " ".join(raw.split())
    raw = SITE_SUFFIX.sub("", SITE_PREFIX.sub("", raw)) or raw
    pieces = TITLE_SUFFIX_SEPARATORS.split(raw)
    pieces = [p for p in pieces if p.strip()]
    if len(pieces) <= 1:
        return raw
    while len(pieces) > 1 and (
        SITE_NAME_PART.search(pieces[-1]) or len(pieces[-1]) < len(pieces[0]) / 2
    ):
        pieces.pop()
    while len(pieces) > 1 and SITE_NAME_PART.search(pieces[0]) and len(pieces[0]) < 16:
        pieces.pop(0)
    if len(pieces) == 1:
        return pieces[0]
    # keep the separators inside the title itself
    start = raw.find(pieces[0])
    end = raw.rfind(pieces[-1]) + len(pieces[-1])
    return raw[start:end] if 0 <= start < end else max(pieces, key=len)


_TITLE_TEXT = etree.XPath("//title//text()")


def page_title(sel: Selector) -> str | None:
    """The <title>, without the site name joined to it."""
    if hasattr(sel.root, "iter"):  # lxml's XPath at once: a parsel Selector per text is slow
        texts = _TITLE_TEXT(sel.root)
        first = str(texts[0]) if texts else None
    else:
        first = sel.xpath("//title//text()").get()
    raw = " ".join((first or "").split())
    return strip_site_name(raw) if raw else None


def _agreement(text: str, hint: str) -> float:
    """How well a heading agrees with a title hint: 0 (not at all) to 1 (the same)."""
    a, b = text.lower(), hint.lower().rstrip(".…")
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 6 and short in long:
        return 0.5 + 0.5 * len(short) / len(long)
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    return prefix / len(long) if prefix >= 6 else 0.0


def _inside(el: etree._Element, container: etree._Element | None) -> bool:
    return container is not None and any(a is container for a in el.iterancestors())


def _noisy_ancestor(el: etree._Element) -> bool:
    return any(_is_noise(a) for a in el.iterancestors() if a.tag not in ("html", "body"))


def _title_element(
    root: etree._Element,
    hints: list[str],
    body: etree._Element | None,
    candidates: list[etree._Element],
) -> tuple[etree._Element | None, str | None]:
    """The heading that carries the article's title, and its text."""
    best: tuple[float, int, etree._Element | None, str | None] = (0.0, 0, None, None)
    fallback: tuple[etree._Element | None, str | None] = (None, None)
    seen: set[etree._Element] = set()
    for rank, group in enumerate(_TITLES.ranked(root, candidates)):
        for el in group:
            if el in seen or el is body:
                continue
            seen.add(el)
            text = _MARKERS.sub("", _text(el))
            if not 4 <= len(text) <= MAX_TITLE_CHARS or _is_noise(el) or _noisy_ancestor(el):
                continue
            if body is not None and _inside(body, el):
                continue  # a container of the body is no heading
            score = max((_agreement(text, hint) for hint in hints), default=0.0)
            if score > best[0]:
                best = (score, rank, el, text)
            if fallback[0] is None and el.tag == "h1":
                fallback = (el, text)
    if best[0] >= 0.5:
        return best[2], best[3]
    if not hints:
        return fallback
    return None, None


def _fallback_title(candidates: list[str | None], list_title: str | None) -> str | None:
    """No heading agrees with the hints: the meta title, og:title, <title> or the list link."""
    found = [c for c in candidates if c and len(c) >= 4]
    if list_title:
        agreeing = [c for c in found if _agreement(c, list_title) >= 0.5]
        return agreeing[0] if agreeing else list_title
    return found[0] if found else None


def _find_body(
    root: etree._Element, sel: Selector, selector: str | None, candidates: list[etree._Element]
) -> etree._Element | None:
    if selector:
        found = select(sel, selector)
        if found and not isinstance(found[0].root, str):
            return found[0].root
    for group in _BODY.ranked(root, candidates):
        if len(group) == 1 and _holds_chars(group[0], MIN_BODY_CHARS):
            return group[0]  # long enough: its exact length is not needed
        best, best_len = None, 0
        for el in group:
            length = len(_text(el))
            if length > best_len:
                best, best_len = el, length
        if best is not None and best_len >= MIN_BODY_CHARS:
            return best
    return _densest(root)


def _holds_chars(el: etree._Element, chars: int) -> bool:
    """True when the first texts of ``el`` already hold ``chars`` characters besides spaces.

    Those texts are part of its text, which (spaces folded) is at least as long; False
    only says that the first texts do not tell.
    """
    found = 0
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue  # a comment's .text is no page text
        for piece in (node.text, node.tail if node is not el else None):
            if piece:
                found += len("".join(piece.split()))
                if found >= chars:
                    return True
    return False


def _densest(root: etree._Element) -> etree._Element | None:
    """The block whose own paragraphs (text, <p> children, text between <br>s) hold most text."""
    best, best_len = None, 0
    for node in root.iter("div", "td", "article", "section", "main", "font", "span", "center"):
        if _is_noise(node):
            continue
        length = len((node.text or "").strip())
        for child in node:
            if child.tail:
                length += len(child.tail.strip())
            if child.tag in ("p", "span", "font", "strong", "b"):
                length += len(_text(child))
        if length > best_len:
            best, best_len = node, length
    return best if best_len >= MIN_BODY_CHARS else None


def _clean_source(value: str) -> str | None:
    value = value.strip()
    label = INFO_LABEL.search(value)
    if label:
        value = value[: label.start()]
    value = re.split(r"\s{2,}|[|｜│丨]|\u3000|&nbsp;", value, maxsplit=1)[0]
    if _CJK.match(value):
        value = value.split(" ", 1)[0]
    value = value.strip(" :：,，.。;；、()（）[]【】")
    return value if 2 <= len(value) <= 80 else None


def _find_source(lines: Iterable[str]) -> str | None:
    for line in lines:
        match = SOURCE_LABEL.search(line)
        if match and (value := _clean_source(match["source"])):
            return value
    return None


def _labelled_date(lines: Iterable[str]) -> datetime | None:
    return next(filter(None, map(labelled_date, lines)), None)


def _attachments(url: str, hrefs: list[str]) -> list[str]:
    return list(dict.fromkeys(urljoin(url, h) for h in hrefs))


def extract_article(
    sel: Selector,
    url: str,
    selectors: Selectors | None = None,
    list_title: str | None = None,
    list_date: datetime | None = None,
) -> Article:
    """Every article field of one page; what cannot be found is None (or empty)."""
    selectors = selectors or Selectors()
    article = Article()
    root = sel.root
    if not hasattr(root, "iter"):
        return article
    metas = _metas(root)
    meta_title = _first_meta(metas, TITLE_META[:1])
    og_title = _first_meta(metas, TITLE_META[1:])
    head = page_title(sel)
    # <title> and og:title may name only the site: they count when no stronger hint disagrees
    strong = [h for h in (meta_title, list_title) if h]
    weak = [h for h in (head, strip_site_name(og_title) if og_title else None) if h]
    hints = strong + [w for w in weak if not strong or any(_agreement(w, h) >= 0.5 for h in strong)]

    candidates = _candidates(root)
    body_el = _find_body(root, sel, selectors.body, candidates)
    title_el, heading = _title_element(root, hints, body_el, candidates)
    if selectors.title and (chosen := select_text(sel, selectors.title)):
        article.title = " ".join(chosen.split())
    else:
        article.title = heading or _fallback_title(
            [meta_title, strip_site_name(og_title) if og_title else None, head], list_title
        )

    raw_lines, hrefs, foreign = _walk(root, body_el, title_el, set(candidates))
    page = _read(raw_lines, article.title, foreign)
    article.body = "\n".join(page.body)
    article.attachments = _attachments(url, hrefs)

    if selectors.published:
        article.published_at = parse_datetime(select_text(sel, selectors.published))
    article.published_at = (
        article.published_at
        or parse_datetime(_first_meta(metas, DATE_META))
        or _time_element(root)
        or find_published("\n".join(page.header))
        or _labelled_date(page.rest)
        or list_date
        or _labelled_date(page.body[-3:])
    )
    if selectors.source:
        article.source = select_text(sel, selectors.source) or None
    if not article.source:
        article.source = (
            _find_source(page.header)
            or _find_source(page.body[-3:])
            or _find_source(page.rest)
            or _first_meta(metas, SOURCE_META[:2])
        )
    return article
