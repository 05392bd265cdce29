"""Finding the next list page: pager links, TRS createPageHTML scripts, ?page=N."""

from __future__ import annotations

import math
import posixpath
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.extract.patterns import (
    JS_NUMBER_VAR,
    NEXT_PAGE_TEXTS,
    NON_ARTICLE_HREF,
    PAGE_PARAMS,
    PAGER_CALLBACK_URL,
    PAGER_CURRENT,
    PAGER_TOTAL,
    TRS_PAGER,
)
from crawler.extract.select import select_links


def trs_next(sel: Selector, url: str) -> str | None:
    """TRS WCM: createPageHTML(total, current, "index", "html") → index_{current+1}.html."""
    for script in sel.xpath("//script/text()").getall():
        match = TRS_PAGER.search(script)
        if match:
            total, current, prefix, ext = int(match[1]), int(match[2]), match[3], match[4]
            if current + 1 < total:
                directory = posixpath.dirname(urlsplit(url).path) + "/"
                return urljoin(urljoin(url, directory), f"{prefix}_{current + 1}.{ext}")
            return None
    return None


def _js_number(token: str | None, numbers: dict[str, int]) -> int | None:
    """A script's number: written out, or the value of the variable named."""
    return int(token) if token and token.isdigit() else numbers.get(token or "")


def callback_next(sel: Selector, url: str) -> str | None:
    """A paging plugin whose callback goes to prefix_{N-1}.ext (1-based pageNo, totalPage
    given or Math.ceil(records / size)): the page after the current one, in the list's folder."""
    for script in sel.xpath("//script/text()").getall():
        target = PAGER_CALLBACK_URL.search(script)
        current, total = PAGER_CURRENT.search(script), PAGER_TOTAL.search(script)
        if target is None or current is None or total is None:
            continue
        numbers = {name: int(value) for name, value in JS_NUMBER_VAR.findall(script)}
        page, records, size = (
            _js_number(token, numbers) for token in (current[1], total["records"], total["size"])
        )
        pages = int(total["n"]) if total["n"] else None
        if pages is None and records is not None and size:
            pages = math.ceil(records / size)
        if page is None or pages is None or page >= pages:
            return None
        directory = posixpath.dirname(urlsplit(url).path) + "/"
        return urljoin(urljoin(url, directory), f"{target['prefix']}_{page}.{target['ext']}")
    return None


def _page_number(url: str) -> tuple[str, int] | None:
    for key, value in parse_qsl(urlsplit(url).query):
        if key in PAGE_PARAMS and value.isdigit():
            return key, int(value)
    return None


def _with_param(url: str, key: str, value: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != key] + [(key, str(value))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def text_next(sel: Selector, url: str) -> str | None:
    """A link labelled 下一页 / next / » (also with an arrow after it: "Next Page »"), or
    marked rel=next or class "next" (WordPress's pager), that goes somewhere else."""
    root = sel.root
    if not hasattr(root, "iter"):
        return None
    # lxml's own walk: the same anchors and text nodes as //a[@href] and .//text(), without
    # a Selector made for each
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if href is None:
            continue
        text = " ".join(" ".join(anchor.itertext()).split()).lower()
        bare = text.strip(" »›>→")  # "Next Page »", "下一页>"
        rel = (anchor.get("rel") or "").lower()
        classes = (anchor.get("class") or "").lower().split()
        if text in NEXT_PAGE_TEXTS or bare in NEXT_PAGE_TEXTS or "next" in rel.split() + classes:
            href = href.strip()
            if href and not NON_ARTICLE_HREF.search(href):
                target = urljoin(url, href)
                if target.split("#")[0] != url.split("#")[0]:
                    return target
    return None


def param_next(sel: Selector, url: str) -> str | None:
    """?page=N: a link to the same path with the page parameter one higher."""
    current = _page_number(url)
    key, number = current if current else ("", 1)
    path = urlsplit(url).path
    for href in sel.xpath("//a/@href").getall():
        target = urljoin(url, href.strip())
        found = _page_number(target)
        same_list = found and urlsplit(target).path == path and (not key or found[0] == key)
        if same_list and found and found[1] == number + 1:
            return _with_param(url, found[0], found[1])
    return None


def next_page(sel: Selector, url: str, selector: str | None = None) -> str | None:
    """The URL of the next list page, or None on the last one."""
    if selector:
        links = select_links(sel, selector)
        return urljoin(url, links[0][0]) if links else None
    return (
        trs_next(sel, url) or text_next(sel, url) or param_next(sel, url) or callback_next(sel, url)
    )
