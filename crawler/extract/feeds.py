"""RSS and Atom start URLs: their entries are the article links."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.dates import parse_datetime
from crawler.extract.links import ListLink, canonical
from storage.zones import PORTAL_ZONE

FEED_MARKERS = (b"<rss", b"<feed", b"<rdf:RDF")


def looks_like_feed(body: bytes, content_type: str = "") -> bool:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker.lower() in head for marker in FEED_MARKERS):
        return True
    return any(kind in content_type for kind in ("rss+xml", "atom+xml"))


def _feed_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text.strip()).astimezone(PORTAL_ZONE)
    except (TypeError, ValueError, IndexError):
        return parse_datetime(text)


def feed_links(body: bytes, base_url: str) -> list[ListLink]:
    """The entries of an RSS 2.0, RSS 1.0 or Atom feed, in feed order."""
    sel = Selector(body=body, type="xml")
    sel.remove_namespaces()
    links: list[ListLink] = []
    for item in sel.xpath("//item"):
        href = (
            item.xpath("./link/text()").get() or item.xpath("./guid/text()").get() or ""
        ).strip()
        if href:
            date = _feed_date(item.xpath("./pubDate/text() | ./date/text()").get())
            title = " ".join((item.xpath("./title/text()").get() or "").split())
            links.append(ListLink(canonical(urljoin(base_url, href)), title, date))
    for entry in sel.xpath("//entry"):
        href = (
            entry.xpath("./link[@rel='alternate']/@href").get()
            or entry.xpath("./link/@href").get()
            or ""
        ).strip()
        if href:
            date = parse_datetime(entry.xpath("./published/text() | ./updated/text()").get())
            title = " ".join((entry.xpath("./title//text()").get() or "").split())
            links.append(ListLink(canonical(urljoin(base_url, href)), title, date))
    return links
