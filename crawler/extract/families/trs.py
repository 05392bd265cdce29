"""TRS WCM (拓尔思): ./YYYYMM/tYYYYMMDD_ID.html articles and the createPageHTML pager."""

from __future__ import annotations

import posixpath
import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response, TextResponse

from crawler.configfiles.portals import Selectors
from crawler.extract.dates import parse_datetime
from crawler.extract.families.base import Allows, Family, ListPage, unique_links
from crawler.extract.links import ListLink, find_links
from crawler.extract.pagination import next_page
from crawler.extract.patterns import (
    JS_NUMBER_VAR,
    TRS_ARTICLE_HREF,
    TRS_PAGER_CALL,
    TRS_SCRIPT_HREF,
)

MIN_ARTICLE_LINKS = 3  # TRS-shaped links that make a page TRS without a pager script


def url_date(url: str) -> datetime | None:
    """The date TRS writes into an article's name: t20230328_123.html → 2023-03-28."""
    match = TRS_ARTICLE_HREF.search(urlsplit(url).path)
    if not match:
        return None
    day = match[1]
    return parse_datetime(f"{day[:4]}-{day[4:6]}-{day[6:]}")


def _page_of(url: str, prefix: str, ext: str) -> int | None:
    """Which pager page ``url`` is: index.html (or the directory) is 0, index_N.html is N."""
    name = posixpath.basename(urlsplit(url).path)
    if name in ("", f"{prefix}.{ext}"):
        return 0
    match = re.fullmatch(rf"{re.escape(prefix)}_(\d+)\.{re.escape(ext)}", name)
    return int(match[1]) if match else None


def pager_next(scripts: list[str], url: str) -> str | None:
    """The next page from a createPageHTML call in any of its forms (numbers, variables,
    the pager element's id first)."""
    variables = {name: int(value) for name, value in JS_NUMBER_VAR.findall("\n".join(scripts))}
    for script in scripts:
        for call in TRS_PAGER_CALL.finditer(script):
            args = [arg.strip().strip("'\"") for arg in call[1].split(",")]
            numbers = [int(a) if a.isdigit() else variables.get(a) for a in args]
            for i in range(len(args) - 3):
                total, current = numbers[i], numbers[i + 1]
                if total is None or current is None:
                    continue
                prefix, ext = args[i + 2], args[i + 3]
                page = _page_of(url, prefix, ext)
                if page is None:  # an unusual URL: trust the script (0-based; 1-based after an id)
                    page = current - 1 if i > 0 else current
                return urljoin(url, f"{prefix}_{page + 1}.{ext}") if page + 1 < total else None
    return None


def script_links(scripts: list[str], base_url: str) -> list[ListLink]:
    """Article URLs a list-writing script quotes (var str_1 = "./202303/t…html")."""
    urls = (
        urljoin(base_url, href) for script in scripts for href in TRS_SCRIPT_HREF.findall(script)
    )
    return unique_links(ListLink(url, "") for url in urls)


class TRS(Family):
    name = "trs"
    title = "TRS WCM (拓尔思)"

    def detect(self, response: Response) -> str | None:
        if not isinstance(response, TextResponse):
            return None
        scripts = response.xpath("//script/text()").getall()
        if any(TRS_PAGER_CALL.search(script) for script in scripts):
            return "a createPageHTML pager script"
        hrefs = response.xpath("//a/@href").getall()
        shaped = sum(bool(TRS_ARTICLE_HREF.search(urlsplit(h.strip()).path)) for h in hrefs)
        if shaped >= MIN_ARTICLE_LINKS:
            return f"{shaped} links named ./YYYYMM/tYYYYMMDD_ID.html"
        return None

    def list_page(
        self, response: Response, selectors: Selectors, allows: Allows | None = None
    ) -> ListPage:
        assert isinstance(response, TextResponse)
        sel, url = response.selector, response.url
        scripts = sel.xpath("//script/text()").getall()
        links = find_links(sel, url, selectors.list_links, allows)
        if not links and not selectors.list_links:
            links = script_links(scripts, url)
        dated = [
            link if link.date else ListLink(link.url, link.text, url_date(link.url))
            for link in links
        ]
        following = next_page(sel, url, selectors.next_page) or pager_next(scripts, url)
        return dated, following
