"""Finding the article list on a list page: the main repeated block of dated links."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from parsel import Selector
from w3lib.url import canonicalize_url

from crawler.extract.dates import parse_datetime
from crawler.extract.document import mend
from crawler.extract.patterns import (
    EMPTY_LINK_TEXT,
    FULL_DATE,
    NOISE_HEADINGS,
    NOISE_TAGS,
    NOISE_TOKEN,
    NON_ARTICLE_HREF,
)
from crawler.extract.select import select_links

ROW_TAGS = frozenset({"li", "tr", "dd", "dt", "p", "article", "h2", "h3", "h4"})
ROW_DEPTH = 3  # how far above a link its row may start
REPEAT_DEPTH = 5  # how far above a link a repeated row is looked for (WordPress <article>s)
MIN_REPEATS = 3  # elements of one shape side by side that make rows
MAX_HEADING_LINKS = 2  # a block's heading links at most to itself and its "更多"


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
    if sum(1 for _ in previous.iter("a")) > MAX_HEADING_LINKS:
        return ""  # a menu bar ("首页 政务公开 … 专题专栏") before the content, not a heading
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


def _signature(element: lxml_html.HtmlElement) -> tuple[str, str]:
    return element.tag, " ".join((element.get("class") or "").split())


class _Rows:
    """Where each link's row is: the nearest ancestor repeated beside others of its shape
    (an <li> among <li>s, an <article class="post"> among posts), else the outermost
    row-like tag close above the link. Each parent's children are counted once per page."""

    def __init__(self) -> None:
        self._shapes: dict[lxml_html.HtmlElement, Counter[tuple[str, str]]] = {}

    def repeated(self, element: lxml_html.HtmlElement) -> bool:
        parent = element.getparent()
        if parent is None:
            return False
        shapes = self._shapes.get(parent)
        if shapes is None:
            shapes = self._shapes[parent] = Counter(map(_signature, parent))
        return shapes[_signature(element)] >= MIN_REPEATS

    def __call__(self, anchor: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
        node = anchor.getparent()
        for _ in range(REPEAT_DEPTH):
            if node is None or node.tag in ("body", "html"):
                break
            if self.repeated(node):
                return node
            node = node.getparent()
        return _row(anchor)


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


def _anchor_text(anchor: lxml_html.HtmlElement, row: lxml_html.HtmlElement) -> str:
    """The link's title: its text or title attribute, or, for a link that says nothing
    ("[详情]", "第3条"), the text its row shows without dates and link labels."""
    text = " ".join(anchor.text_content().split())
    title = " ".join((anchor.get("title") or "").split())
    text = title if len(title) > len(text) else text
    if not EMPTY_LINK_TEXT.match(text):
        return text
    pieces = []
    for piece in row.itertext():
        piece = FULL_DATE.sub("", " ".join(piece.split())).strip(" ()（）[]【】·|")
        if piece and not EMPTY_LINK_TEXT.match(piece):
            pieces.append(piece)
    return max(pieces, key=len, default=text)


def on_site(page_url: str) -> Callable[[str], bool]:
    """Links on the list page's host or its subdomains: the rule a portal whose start URL is
    this page follows (:meth:`Portal.allows`, without its ports), when no portal says more."""
    host = urlsplit(page_url).hostname or ""

    def allows(url: str) -> bool:
        target = urlsplit(url).hostname or ""
        return target == host or target.endswith("." + host)

    return allows


def detect_links(
    sel: Selector, base_url: str, allows: Callable[[str], bool] | None = None
) -> list[ListLink]:
    """The links of the largest block of similar, dated, titled rows on the page, chosen
    among the links ``allows`` (the portal may follow; by default the page's own host):
    a bigger block of partner sites' links is never the list."""
    groups: dict[tuple[Any, ...], list[ListLink]] = defaultdict(list)
    dated: dict[tuple[Any, ...], int] = defaultdict(int)
    root = sel.root
    if not hasattr(root, "iter"):
        return []
    mend(root)
    allows = allows or on_site(base_url)
    is_noise = _NoiseCheck()
    row_of = _Rows()
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or NON_ARTICLE_HREF.search(href) or is_noise(anchor):
            continue
        url = urljoin(base_url, href)
        if not allows(url):
            continue
        row = row_of(anchor)
        container = row.getparent() if row.getparent() is not None else row
        # sibling blocks of one shape (a list split over several <ul class="news-list">)
        # are one list
        outer = container.getparent()
        key = (outer, *_signature(container)) if outer is not None else (container,)
        date = parse_datetime(" ".join(row.text_content().split()))
        groups[key].append(ListLink(url, _anchor_text(anchor, row), date))
        dated[key] += date is not None

    def score(key: tuple[Any, ...]) -> float:
        links = groups[key]
        titled = sum(len(link.text) >= 6 for link in links)
        return len(links) * (1 + 2 * dated[key] / len(links)) * (0.2 + titled / len(links))

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


def find_links(
    sel: Selector,
    base_url: str,
    selector: str | None = None,
    allows: Callable[[str], bool] | None = None,
) -> list[ListLink]:
    """Article links of a list page: from the portal's selector if it has one, else detected
    among the links ``allows``."""
    if selector:
        found = [
            ListLink(urljoin(base_url, href), text) for href, text in select_links(sel, selector)
        ]
        return _unique([link for link in found if not NON_ARTICLE_HREF.search(link.url)])
    return detect_links(sel, base_url, allows)
