"""Article fields from an article page: title, published_at, source, body, attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from lxml import html as lxml_html
from parsel import Selector

from crawler.extract.dates import find_published, parse_datetime
from crawler.extract.patterns import (
    ATTACHMENT_HREF,
    BODY_NOISE,
    BODY_SELECTORS,
    BODY_STOP_LINES,
    BOILERPLATE_LINES,
    DATE_META,
    SOURCE_LABEL,
    SOURCE_META,
    TITLE_META,
    TITLE_SELECTORS,
    TITLE_SUFFIX_SEPARATORS,
)
from crawler.extract.select import select, select_text
from crawler.portals import Selectors

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
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
        "header",
        "footer",
        "center",
    }
)
MIN_BODY_CHARS = 30
HEADER_WINDOW = 800  # characters before the body that may hold the info bar


@dataclass
class Article:
    title: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    body: str = ""
    attachments: list[str] = field(default_factory=list)


def block_text(element: lxml_html.HtmlElement) -> str:
    """The element's text, one line per block, boilerplate lines dropped."""
    parts: list[str] = []

    def walk(node: lxml_html.HtmlElement) -> None:
        block = isinstance(node.tag, str) and node.tag in BLOCK_TAGS
        if block:
            parts.append("\n")
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(element)
    lines: list[str] = []
    for raw in "".join(parts).split("\n"):
        line = " ".join(raw.split())
        if not line:
            continue
        if BODY_STOP_LINES.match(line):
            break
        if not BOILERPLATE_LINES.match(line):
            lines.append(line)
    return "\n".join(lines)


def _meta(sel: Selector, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = sel.xpath(
            f"//meta[@name='{name}' or @property='{name}' or @itemprop='{name}']/@content"
        ).get()
        if value and value.strip():
            return " ".join(value.split())
    return None


def _strip_noise(element: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    copy = lxml_html.fromstring(lxml_html.tostring(element, encoding="unicode"))
    for expression in BODY_NOISE:
        for node in Selector(root=copy).css(expression):
            node.drop()
    return copy


def _densest(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The element whose direct paragraphs hold the most text."""
    best, best_len = None, 0
    for node in root.iter("div", "td", "article", "section"):
        length = sum(
            len(p.text_content().strip()) for p in node if p.tag in ("p", "br", "span", "font")
        )
        length += len((node.text or "").strip())
        if length > best_len:
            best, best_len = node, length
    return best


def find_body(sel: Selector, selector: str | None) -> lxml_html.HtmlElement | None:
    if selector:
        found = select(sel, selector)
        if found and not isinstance(found[0].root, str):
            return found[0].root
    for expression in BODY_SELECTORS:
        for node in sel.css(expression):
            if len(node.root.text_content().strip()) >= MIN_BODY_CHARS:
                return node.root
    return _densest(sel.root)


def page_title(sel: Selector) -> str | None:
    """The <title>, without the site name joined to it."""
    raw = " ".join((sel.xpath("//title//text()").get() or "").split())
    if not raw:
        return None
    parts = [p for p in TITLE_SUFFIX_SEPARATORS.split(raw) if p]
    return max(parts, key=len) if parts else raw


def find_title(sel: Selector, selector: str | None, list_title: str | None) -> str | None:
    if selector and (chosen := select_text(sel, selector)):
        return chosen
    if meta := _meta(sel, TITLE_META):
        return meta
    head = page_title(sel)
    for expression in TITLE_SELECTORS:
        for node in sel.css(expression):
            text = " ".join(node.root.text_content().split())
            if 4 <= len(text) <= 200 and (
                not head or text in head or head in text or (list_title and list_title[:8] in text)
            ):
                return text
    if head and len(head) >= 4:
        return head
    return list_title or None


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
    body_element = find_body(sel, selectors.body)
    if body_element is not None:
        article.body = block_text(_strip_noise(body_element))
    page_text = block_text(sel.root) if hasattr(sel.root, "iter") else ""
    first_line = article.body.split("\n", 1)[0]
    cut = page_text.find(first_line) if first_line else -1
    header = page_text[max(0, cut - HEADER_WINDOW) : cut] if cut > 0 else page_text[:HEADER_WINDOW]

    article.title = find_title(sel, selectors.title, list_title)
    if selectors.published:
        article.published_at = parse_datetime(select_text(sel, selectors.published))
    article.published_at = (
        article.published_at
        or parse_datetime(_meta(sel, DATE_META))
        or find_published(header)
        or list_date
    )
    if selectors.source:
        article.source = select_text(sel, selectors.source) or None
    if not article.source:
        match = SOURCE_LABEL.search(header) or SOURCE_LABEL.search(page_text[:3000])
        article.source = match["source"].strip() if match else _meta(sel, SOURCE_META)
    scope = Selector(root=body_element) if body_element is not None else sel
    hrefs = scope.xpath(".//a/@href").getall() or sel.xpath("//a/@href").getall()
    article.attachments = list(
        dict.fromkeys(urljoin(url, h.strip()) for h in hrefs if ATTACHMENT_HREF.search(h))
    )
    return article
