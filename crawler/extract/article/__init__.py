"""Article fields from an article page: title, published_at, source, body, attachments.

The page is walked once: furniture (navigation, sidebars, widgets) is skipped, the body's
lines and the info bar above them are read in the same pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from urllib.parse import urljoin

from parsel import Selector

from crawler.configfiles.portals import Selectors
from crawler.extract.article.body import find_body
from crawler.extract.article.info import (
    find_source,
    first_meta,
    labelled_date_in,
    metas_of,
    time_element,
)
from crawler.extract.article.matcher import matchable
from crawler.extract.article.title import (
    LinkHint,
    fallback_title,
    meta_title,
    page_title,
    strip_site_name,
    title_element,
    title_hints,
)
from crawler.extract.article.walk import read_lines, walk
from crawler.extract.dates import find_published, parse_datetime, to_date
from crawler.extract.document import mend
from crawler.extract.patterns import DATE_META, SOURCE_META, TITLE_META
from crawler.extract.select import select_text
from storage.zones import PORTAL_ZONE

__all__ = ["Article", "extract_article", "page_title", "strip_site_name"]


@dataclass
class Article:
    title: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    body: str = ""
    attachments: list[str] = field(default_factory=list)


def _attachments(url: str, hrefs: list[str]) -> list[str]:
    return list(dict.fromkeys(urljoin(url, h) for h in hrefs))


def published(readers: Iterable[Callable[[], datetime | None]]) -> datetime | None:
    """The first reader's date; a day alone (a ``PubDate`` meta of "2023-04-12") takes its
    time of day from a later reader that finds the same day with one ("发稿时间：2023-04-12
    07:30" in the info bar)."""
    found: datetime | None = None
    for read in readers:
        value = read()
        if value is None:
            continue
        if found is None:
            found = value
            if not _day_only(found):
                return found
        elif to_date(value) == to_date(found) and not _day_only(value):
            return value
    return found


def _day_only(value: datetime) -> bool:
    return value.astimezone(PORTAL_ZONE).time() == time(0, 0)


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
    mend(root)
    metas = metas_of(root)
    title_meta = meta_title(first_meta(metas, TITLE_META[:1]))
    og_title = meta_title(first_meta(metas, TITLE_META[1:]))
    og_title = strip_site_name(og_title) if og_title else None
    head = page_title(sel)
    link = LinkHint.of(list_title)
    hints = title_hints(title_meta, og_title, head, link)

    candidates = matchable(root)
    body_el = find_body(root, sel, selectors.body, candidates)
    title_el, heading = title_element(root, hints, body_el, candidates)
    if selectors.title and (chosen := select_text(sel, selectors.title)):
        article.title = " ".join(chosen.split())
    else:
        article.title = heading or fallback_title([title_meta, og_title, head], link, list_title)

    raw_lines, hrefs, foreign = walk(root, body_el, title_el, set(candidates))
    page = read_lines(raw_lines, article.title, foreign)
    article.body = "\n".join(page.body)
    article.attachments = _attachments(url, hrefs)

    article.published_at = published(
        (
            lambda: (
                parse_datetime(select_text(sel, selectors.published))
                if selectors.published
                else None
            ),
            lambda: parse_datetime(first_meta(metas, DATE_META)),
            lambda: time_element(root),
            lambda: find_published("\n".join(page.header)),
            lambda: labelled_date_in(page.rest),
            lambda: list_date,
            lambda: labelled_date_in(page.body[-3:]),
        )
    )
    if selectors.source:
        article.source = select_text(sel, selectors.source) or None
    if not article.source:
        article.source = (
            find_source(page.header)
            or find_source(page.body[-3:])
            or find_source(page.rest)
            or first_meta(metas, SOURCE_META[:2])
        )
    return article
