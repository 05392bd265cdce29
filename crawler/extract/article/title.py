"""The article's title: the heading that agrees with the page's hints, or the best hint."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from parsel import Selector

from crawler.extract.article.furniture import element_text, is_noise, noisy_ancestor
from crawler.extract.article.matcher import TITLES
from crawler.extract.article.walk import MARKERS
from crawler.extract.patterns import (
    EMPTY_LINK_TEXT,
    FULL_DATE,
    HTML_TAG,
    INFO_LABEL,
    LINK_TEXT_LABEL,
    SITE_NAME_PART,
    SITE_PREFIX,
    SITE_SUFFIX,
    TITLE_SUFFIX_SEPARATORS,
    TRUNCATED_TEXT,
)

MAX_TITLE_CHARS = 200
MIN_TITLE_CHARS = 4


def meta_title(value: str | None) -> str | None:
    """A title meta's text: HTML set inside it ("…召开<div>——subtitle</div>") is not the title."""
    if not value or "<" not in value:
        return value
    pieces = [" ".join(p.split()) for p in HTML_TAG.split(value)]
    return next((p for p in pieces if p), None)


def without_info(text: str) -> str:
    """A heading without the info line set inside it ("…召开 发稿时间：2023-09-15 来源：…")."""
    match = INFO_LABEL.search(text)
    if match is None or match.start() < MIN_TITLE_CHARS:
        return text
    rest = text[match.start() :]
    if FULL_DATE.search(rest) or len(INFO_LABEL.findall(rest)) >= 2:
        return text[: match.start()].rstrip(" |·/")
    return text


@dataclass(frozen=True)
class LinkHint:
    """What the list's link said about the article: ``text`` (None when it says nothing:
    "[详情]", "第3条"), and whether the list cut it short ("关于召开全县…")."""

    text: str | None
    truncated: bool = False

    @classmethod
    def of(cls, list_title: str | None) -> LinkHint:
        text = LINK_TEXT_LABEL.sub("", " ".join((list_title or "").split()))
        if len(text) < MIN_TITLE_CHARS or EMPTY_LINK_TEXT.match(text):
            return cls(None)
        return cls(text, bool(TRUNCATED_TEXT.search(text)))


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


def agreement(text: str, hint: str) -> float:
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


def inside(el: etree._Element, container: etree._Element | None) -> bool:
    return container is not None and any(a is container for a in el.iterancestors())


def title_element(
    root: etree._Element,
    hints: list[str],
    body: etree._Element | None,
    candidates: list[etree._Element],
) -> tuple[etree._Element | None, str | None]:
    """The heading that carries the article's title, and its text."""
    best: tuple[float, int, etree._Element | None, str | None] = (0.0, 0, None, None)
    fallback: tuple[etree._Element | None, str | None] = (None, None)
    seen: set[etree._Element] = set()
    for rank, group in enumerate(TITLES.ranked(root, candidates)):
        for el in group:
            if el in seen or el is body:
                continue
            seen.add(el)
            text = without_info(MARKERS.sub("", element_text(el)))
            if (
                not MIN_TITLE_CHARS <= len(text) <= MAX_TITLE_CHARS
                or is_noise(el)
                or noisy_ancestor(el)
            ):
                continue
            if body is not None and inside(body, el):
                continue  # a container of the body is no heading
            score = max((agreement(text, hint) for hint in hints), default=0.0)
            if score > best[0]:
                best = (score, rank, el, text)
            if fallback[0] is None and el.tag == "h1":
                fallback = (el, text)
    if best[0] >= 0.5:
        return best[2], best[3]
    if not hints:
        return fallback
    return None, None


def title_hints(meta: str | None, og: str | None, head: str | None, link: LinkHint) -> list[str]:
    """Texts a heading must agree with. The ``ArticleTitle`` meta and a whole link text are
    strong; <title> and og:title may name only the site, and a cut-short link text only
    begins the title, so they count when no strong hint disagrees."""
    strong = [h for h in (meta, None if link.truncated else link.text) if h]
    weak = [h for h in (head, og, link.text if link.truncated else None) if h]
    return strong + [w for w in weak if not strong or any(agreement(w, h) >= 0.5 for h in strong)]


def fallback_title(
    candidates: list[str | None], link: LinkHint, list_title: str | None
) -> str | None:
    """No heading agrees with the hints: the meta title, og:title or <title>, unless a whole
    list link text disagrees with them all; the list's text when the page has none."""
    found = [c for c in candidates if c and len(c) >= MIN_TITLE_CHARS]
    if link.text and not link.truncated:
        agreeing = [c for c in found if agreement(c, link.text) >= 0.5]
        return agreeing[0] if agreeing else link.text
    if found:
        if link.text:  # cut short: the page's own title it begins, else the page's first
            return next((c for c in found if agreement(c, link.text) >= 0.5), found[0])
        return found[0]
    return link.text or list_title
