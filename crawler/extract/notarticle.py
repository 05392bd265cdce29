"""Pages that are never articles: a site's home, a portal's start URL, and any page that looks
like a list (many dated links of one shape, and a pager or no paragraph of text).

The one home of that check: the spider never stores such a page fetched as an article, and a
re-check redirected to one counts the article as withdrawn (docs/revisions.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from crawler.extract.links import detect_links
from crawler.extract.pagination import next_page

HOME_PAGES = ("", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php")
# A list: at least this many links in its main block, at least half of them dated. An
# article's "latest" or "related" sidebar rarely holds more; list pages hold 10 to 50.
MIN_LIST_LINKS = 8
# ... and a pager, or no run of text (outside links) this long: an article has a paragraph.
ARTICLE_TEXT = 50
QUIET_TAGS = frozenset({"a", "script", "style", "noscript", "option", "select"})


def is_home(url: str) -> bool:
    """Whether ``url`` is a site's home page (its root or root index)."""
    parts = urlsplit(url)
    return parts.path in HOME_PAGES and not parts.query


def is_start(url: str, start_urls: Iterable[str]) -> bool:
    """Whether ``url`` is the site's home or one of the portal's start URLs."""
    return is_home(url) or url.rstrip("/") in {u.rstrip("/") for u in start_urls}


def longest_text(response: TextResponse) -> int:
    """The longest run of text on the page outside links and scripts, in characters."""
    longest = 0
    for element in response.selector.root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        runs = [] if element.tag in QUIET_TAGS else [element.text]
        parent = element.getparent()
        if parent is None or parent.tag not in QUIET_TAGS:
            runs.append(element.tail)  # a link's tail is outside the link
        for run in runs:
            if run:
                longest = max(longest, len("".join(run.split())))
    return longest


def list_like(response: Response) -> str | None:
    """Why ``response`` is a list page rather than an article, or None when it may be one."""
    if not isinstance(response, TextResponse) or not hasattr(response.selector.root, "iter"):
        return None  # not HTML: a feed or a file is never taken for a list here
    links = detect_links(response.selector, response.url)
    dated = sum(link.date is not None for link in links)
    if len(links) < MIN_LIST_LINKS or dated * 2 < len(links):
        return None
    if next_page(response.selector, response.url):
        return f"a list of {len(links)} links with a pager"
    if longest_text(response) < ARTICLE_TEXT:
        return f"a list of {len(links)} links and no paragraph of text"
    return None


def not_article(response: Response, start_urls: Iterable[str]) -> str | None:
    """Why the page ``response`` ended at is not an article (the home page, a start URL, a
    list), or None."""
    if is_start(response.url, start_urls):
        return "the site's home page" if is_home(response.url) else "a start URL"
    return list_like(response)
