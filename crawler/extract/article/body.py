"""The element that holds the article's body: a ranked selector's match, or the densest block."""

from __future__ import annotations

from lxml import etree
from parsel import Selector

from crawler.extract.article.furniture import element_text, is_noise
from crawler.extract.article.matcher import BODY
from crawler.extract.select import select

MIN_BODY_CHARS = 30


def find_body(
    root: etree._Element, sel: Selector, selector: str | None, candidates: list[etree._Element]
) -> etree._Element | None:
    if selector:
        found = select(sel, selector)
        if found and not isinstance(found[0].root, str):
            return found[0].root
    for group in BODY.ranked(root, candidates):
        if len(group) == 1 and holds_chars(group[0], MIN_BODY_CHARS):
            return group[0]  # long enough: its exact length is not needed
        best, best_len = None, 0
        for el in group:
            length = len(element_text(el))
            if length > best_len:
                best, best_len = el, length
        if best is not None and best_len >= MIN_BODY_CHARS:
            return best
    return densest(root)


def holds_chars(el: etree._Element, chars: int) -> bool:
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


# Tags a paragraph's text may carry; a <div> or <section> holding only these is a paragraph
INLINE_TAGS = frozenset(
    {"span", "font", "strong", "b", "em", "i", "u", "a", "br", "img", "sup", "sub", "small"}
)
PARAGRAPH_TAGS = frozenset({"p", "span", "font", "strong", "b"})
DENSE_TAGS = frozenset({"div", "td", "article", "section", "main", "font", "span", "center"})


def paragraph_like(el: etree._Element) -> bool:
    """A <p>-like child: a text tag, or a <div>/<section> with nothing but text tags inside
    (pages that set each paragraph in its own <div>)."""
    if el.tag in PARAGRAPH_TAGS:
        return True
    if el.tag not in ("div", "section"):
        return False
    return all(not isinstance(d.tag, str) or d.tag in INLINE_TAGS for d in el.iterdescendants())


def densest(root: etree._Element) -> etree._Element | None:
    """The block whose own paragraphs (text, <p> or paragraph-like children, text between
    <br>s) hold most text; furniture (a footer's copyright lines) and what it holds aside."""
    best, best_len = None, 0
    walker = etree.iterwalk(root, events=("start",))
    for _, node in walker:
        if not isinstance(node.tag, str):
            continue
        if node is not root and node.tag != "form" and is_noise(node):
            walker.skip_subtree()  # (ASP.NET pages hold the whole page in one <form>)
            continue
        if node.tag not in DENSE_TAGS:
            continue
        length = len((node.text or "").strip())
        for child in node:
            if child.tail:
                length += len(child.tail.strip())
            if isinstance(child.tag, str) and paragraph_like(child):
                length += len(element_text(child))
        if length > best_len:
            best, best_len = node, length
    return best if best_len >= MIN_BODY_CHARS else None
