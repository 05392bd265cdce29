"""The built-in title and body selectors, ranked, matched in one pass over the page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from lxml import etree
from parsel.csstranslator import css2xpath

from crawler.extract.patterns import (
    BODY_SELECTORS,
    TITLE_SELECTORS,
    TITLE_TOKEN,
)


@lru_cache(maxsize=256)
def _xpath(css: str) -> etree.XPath:
    return etree.XPath(css2xpath(css))


_SIMPLE_CSS = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)?(?:(?P<kind>[.#])(?P<name>[\w-]+))?$", re.I)


class Matcher:
    """Ranked simple selectors ("tag", ".class", "#id", "tag.class") matched in one pass.

    The candidates are the elements with a class or id and those of the named tags (one
    XPath, :func:`matchable`, serves every matcher); the ranking is looked up per element
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


BODY = Matcher(BODY_SELECTORS)
TITLES = Matcher(TITLE_SELECTORS, TITLE_TOKEN)
# Every matcher's candidates at once ("//@class/.." is the fast form of "//*[@class]")
CANDIDATES = etree.XPath(
    " | ".join(["//@class/..", "//@id/..", *(f"//{t}" for t in sorted(BODY.tags | TITLES.tags))])
)


def matchable(root: etree._Element) -> list[etree._Element]:
    """The elements the matchers rank: those with a class or id, and those of their tags."""
    found: list[etree._Element] = CANDIDATES(root)
    return found
