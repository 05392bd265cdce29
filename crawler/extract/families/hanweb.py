"""Hanweb JCMS (大汉): records from the page's <datastore> and from dataproxy.jsp, no browser.

jpage.js shows a list from a data island in the page and fetches further records from
``/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15`` with the column's
parameters (webid, columnid, unitid…); govwatch asks the proxy the same way, with GET.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.configfiles.portals import Selectors
from crawler.extract.dates import parse_datetime
from crawler.extract.families.base import Allows, Family, ListPage, unique_links
from crawler.extract.links import ListLink
from crawler.extract.patterns import (
    HANWEB_ARTICLE_HREF,
    HANWEB_DATASTORE,
    HANWEB_NEXTGROUP,
    HANWEB_PAGE_PARAMS,
    HANWEB_PARAM,
    HANWEB_PER_PAGE,
    HANWEB_PROXY,
    HANWEB_PROXY_DEFAULTS,
    HANWEB_RECORD,
    HANWEB_TOTAL,
    NON_ARTICLE_HREF,
)
from crawler.extract.select import select_links

PROXY_NAME = HANWEB_PROXY.rsplit("/", 1)[-1]


def _number(text: str, pattern: re.Pattern[str]) -> int | None:
    match = pattern.search(text)
    return int(match[1]) if match else None


def record_link(record: str, base_url: str, selector: str | None = None) -> ListLink | None:
    """The article link of one record (an HTML fragment): the Hanweb-shaped or best-titled one."""
    sel = Selector(text=record)
    candidates = [
        (urljoin(base_url, href.strip()), text)
        for href, text in select_links(sel, selector or "//a[@href]")
        if href.strip() and not NON_ARTICLE_HREF.search(href.strip())
    ]
    if not candidates:
        return None
    url, text = max(candidates, key=lambda c: (bool(HANWEB_ARTICLE_HREF.search(c[0])), len(c[1])))
    date = parse_datetime(" ".join(" ".join(sel.xpath("//text()").getall()).split()))
    return ListLink(url, text, date)


def _proxy_and_params(url: str, store: str, page: str) -> tuple[str, dict[str, str]] | None:
    """Where the column's proxy is and what it must be sent, from <nextgroup> or the scripts."""
    nextgroup = HANWEB_NEXTGROUP.search(store)
    if nextgroup:
        target = urlsplit(urljoin(url, html.unescape(nextgroup[1])))
        proxy = urljoin(url, target.path)
        params = dict(parse_qsl(target.query, keep_blank_values=True))
    else:
        params = dict(HANWEB_PARAM.findall(page))
        if "columnid" not in params:
            return None  # no column to ask for: the data island is the whole list
        proxy = urljoin(url, HANWEB_PROXY)
    kept = {k: v for k, v in params.items() if k not in HANWEB_PAGE_PARAMS}
    return proxy, {**HANWEB_PROXY_DEFAULTS, **kept}


def next_url(url: str, store: str, page: str, count: int) -> str | None:
    """The proxy request for the records after these ``count``, or None after the last."""
    if count == 0:
        return None
    parts = urlsplit(url)
    total = _number(store, HANWEB_TOTAL) or _number(page, HANWEB_TOTAL)
    if parts.path.endswith("/" + PROXY_NAME):
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        start = int(query.get("startrecord") or 1)
        offset = int(query.get("endrecord") or start + count - 1)
        per_page = int(query.get("perpage") or count)
        if total is None and count < offset - start + 1:
            return None  # a short answer is the last one
        proxy = urlunsplit(parts._replace(query="", fragment=""))
        params = {k: v for k, v in query.items() if k not in HANWEB_PAGE_PARAMS}
    else:
        found = _proxy_and_params(url, store, page)
        if found is None:
            return None
        proxy, params = found
        offset = count
        per_page = _number(page, HANWEB_PER_PAGE) or count
    if total is not None and offset >= total:
        return None
    paging = {"startrecord": offset + 1, "endrecord": offset + per_page, "perpage": per_page}
    return f"{proxy}?{urlencode({**paging, **params})}"


class Hanweb(Family):
    name = "hanweb"
    title = "Hanweb JCMS (大汉)"

    def detect(self, response: Response) -> str | None:
        if not isinstance(response, TextResponse):
            return None
        if urlsplit(response.url).path.endswith("/" + PROXY_NAME):
            return f"a {PROXY_NAME} answer of records"
        if HANWEB_DATASTORE.search(response.text):
            return "records in a <datastore> data island (jpage)"
        return None

    def list_page(
        self, response: Response, selectors: Selectors, allows: Allows | None = None
    ) -> ListPage:
        assert isinstance(response, TextResponse)
        page = response.text
        # several jpage units on one page: the list is the one with the most records
        stores = HANWEB_DATASTORE.findall(page) or [page]
        store = max(stores, key=lambda s: len(HANWEB_RECORD.findall(s)))
        records = HANWEB_RECORD.findall(store)
        found = (record_link(r, response.url, selectors.list_links) for r in records)
        links = unique_links(link for link in found if link is not None)
        return links, next_url(response.url, store, page, len(records))
