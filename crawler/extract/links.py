"""Finding the article list on a list page: the main repeated block of dated links."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from parsel import Selector
from w3lib.url import canonicalize_url

from crawler.extract.dates import parse_datetime
from crawler.extract.document import mend
from crawler.extract.patterns import (
    NOISE_HEADINGS,
    NOISE_TAGS,
    NOISE_TOKEN,
    NON_ARTICLE_HREF,
)
from crawler.extract.select import select_links

ROW_TAGS = frozenset({"li", "tr", "dd", "dt", "p", "article", "h2", "h3", "h4"})
ROW_DEPTH = 3  # how far above a link its row may start


@dataclass(frozen=True)
class ListLink:
    """One article link of a list page, with the title and date the list shows for it."""

    url: str
    text: str
    date: datetime | None = None


def canonical(url: str) -> str:
    """The form an article URL is stored and compared in (no fragment, sorted query)."""
    return canonicalize_url(url, keep_fragments=False)


def in_domains(url: str, domains: list[str]) -> bool:
    host = urlsplit(url).hostname or ""
    return any(host == d or host.endswith("." + d) for d in domains)


def _tokens(element: lxml_html.HtmlElement) -> list[str]:
    return (element.get("class", "") + " " + element.get("id", "")).split()


def _heading_before(element: lxml_html.HtmlElement) -> str:
    previous = element.getprevious()
    if previous is None or not isinstance(previous.tag, str):
        return ""
    text = previous.text_content().strip()
    return text if len(text) <= 30 else ""


class _NoiseCheck:
    """Whether a link sits in a nav, sidebar, footer or a "最新发布"-style block, judged for
    one page: each ancestor is judged once, not once for every link below it (a list page's
    links share their ancestors, and a heading's text is read from its whole subtree)."""

    HEADING_DEPTH = 4  # ancestors of a link whose preceding heading is read

    def __init__(self) -> None:
        self._marked: dict[lxml_html.HtmlElement, bool] = {}  # it or an ancestor is noise
        self._headed: dict[lxml_html.HtmlElement, bool] = {}  # a noise heading precedes it

    def __call__(self, element: lxml_html.HtmlElement) -> bool:
        parent = element.getparent()
        if self._marked_up(parent):
            return True
        node = parent
        for _ in range(self.HEADING_DEPTH):
            if node is None or node.tag in ("body", "html"):
                return False
            if node not in self._headed:
                heading = _heading_before(node)
                self._headed[node] = any(word in heading for word in NOISE_HEADINGS)
            if self._headed[node]:
                return True
            node = node.getparent()
        return False

    def _marked_up(self, node: lxml_html.HtmlElement | None) -> bool:
        """``node`` or an ancestor below <body> is a noise tag or has a noise class or id."""
        chain = []
        while node is not None and node.tag not in ("body", "html") and node not in self._marked:
            chain.append(node)
            node = node.getparent()
        marked = node is not None and self._marked.get(node, False)
        for element in reversed(chain):
            marked = marked or (
                element.tag in NOISE_TAGS or any(NOISE_TOKEN.match(t) for t in _tokens(element))
            )
            self._marked[element] = marked
        return marked


def _row(anchor: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The outermost row-like element (li, tr, article…) at most ROW_DEPTH levels above."""
    row, node = None, anchor
    for _ in range(ROW_DEPTH):
        parent = node.getparent()
        if parent is None:
            break
        node = parent
        if node.tag in ROW_TAGS:
            row = node
    if row is not None:
        return row
    parent = anchor.getparent()
    return parent if parent is not None else anchor


def _anchor_text(anchor: lxml_html.HtmlElement) -> str:
    text = " ".join(anchor.text_content().split())
    title = " ".join((anchor.get("title") or "").split())
    return title if len(title) > len(text) else text


def detect_links(sel: Selector, base_url: str) -> list[ListLink]:
    """The links of the largest block of similar, dated, titled rows on the page."""
    groups: dict[lxml_html.HtmlElement, list[ListLink]] = defaultdict(list)
    dated: dict[lxml_html.HtmlElement, int] = defaultdict(int)
    root = sel.root
    if not hasattr(root, "iter"):
        return []
    mend(root)
    is_noise = _NoiseCheck()
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or NON_ARTICLE_HREF.search(href) or is_noise(anchor):
            continue
        row = _row(anchor)
        container = row.getparent() if row.getparent() is not None else row
        text = _anchor_text(anchor)
        date = parse_datetime(" ".join(row.text_content().split()))
        groups[container].append(ListLink(urljoin(base_url, href), text, date))
        dated[container] += date is not None

    def score(container: lxml_html.HtmlElement) -> float:
        links = groups[container]
        titled = sum(len(link.text) >= 6 for link in links)
        return len(links) * (1 + 2 * dated[container] / len(links)) * (0.2 + titled / len(links))

    if not groups:
        return []
    best = max(groups, key=score)
    return _unique(groups[best])


def _unique(links: list[ListLink]) -> list[ListLink]:
    seen: dict[str, ListLink] = {}
    for link in links:
        url = canonical(link.url)
        if url not in seen:
            seen[url] = ListLink(url, link.text, link.date)
    return list(seen.values())


def find_links(sel: Selector, base_url: str, selector: str | None = None) -> list[ListLink]:
    """Article links of a list page: from the portal's selector if it has one, else detected."""
    if selector:
        found = [
            ListLink(urljoin(base_url, href), text) for href, text in select_links(sel, selector)
        ]
        return _unique([link for link in found if not NON_ARTICLE_HREF.search(link.url)])
    return detect_links(sel, base_url)
