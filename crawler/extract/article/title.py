"""The article's title: the heading that agrees with the page's hints, or the best hint."""

from __future__ import annotations

from lxml import etree
from parsel import Selector

from crawler.extract.article.furniture import element_text, is_noise, noisy_ancestor
from crawler.extract.article.matcher import TITLES
from crawler.extract.article.walk import MARKERS
from crawler.extract.patterns import (
    SITE_NAME_PART,
    SITE_PREFIX,
    SITE_SUFFIX,
    TITLE_SUFFIX_SEPARATORS,
)

MAX_TITLE_CHARS = 200


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
            text = MARKERS.sub("", element_text(el))
            if not 4 <= len(text) <= MAX_TITLE_CHARS or is_noise(el) or noisy_ancestor(el):
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


def fallback_title(candidates: list[str | None], list_title: str | None) -> str | None:
    """No heading agrees with the hints: the meta title, og:title, <title> or the list link."""
    found = [c for c in candidates if c and len(c) >= 4]
    if list_title:
        agreeing = [c for c in found if agreement(c, list_title) >= 0.5]
        return agreeing[0] if agreeing else list_title
    return found[0] if found else None
