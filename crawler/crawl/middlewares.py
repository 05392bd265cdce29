"""Downloader middlewares: the portal's origins (nothing fetched outside them), page
encodings, and meta refreshes looked for only where one can be."""

from __future__ import annotations

import codecs
import logging
import re
from typing import Any

from charset_normalizer import from_bytes
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response, TextResponse

from crawler.crawl.config import CrawlConfig

logger = logging.getLogger(__name__)

# More than this share of U+FFFD after decoding means the declared charset lied.
MAX_REPLACEMENT_SHARE = 0.01

# Scrapy reads a meta refresh from a page's first 4,096 characters
META_REFRESH_SPAN = 4096
_REFRESH = re.compile("refresh", re.IGNORECASE)


def _canonical_encoding(name: str) -> str:
    # GB2312 and GBK pages routinely use characters only GB18030 has
    return "gb18030" if name.lower().replace("-", "") in ("gb2312", "gbk", "cp936") else name


class OffsiteRefused(IgnoreRequest):
    """A request outside the portal's origins; permanent, so not a crawl failure."""


class OriginGuardMiddleware:
    """Refuse every request outside the portal's hosts, ports and http(s), redirects included.

    A portal page linking to ``http://127.0.0.1:<another port>/`` or ``file:///etc/passwd``
    causes no request.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OriginGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        portal = getattr(self.crawler.spider, "portal", None)
        if portal is None or portal.allows(request.url):
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("govwatch/refused_offsite")
        logger.warning(
            "portal %s: refused %s: outside the portal's origins", portal.name, request.url
        )
        raise OffsiteRefused(f"outside portal {portal.name}: {request.url}")


class PortalProxyMiddleware:
    """Every request of a portal with GOVWATCH_PROXY through that proxy, robots.txt's too
    (Scrapy's HttpProxyMiddleware reads the request's ``proxy``)."""

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalProxyMiddleware:
        proxy = CrawlConfig.from_settings(crawler.settings).proxy
        if proxy is None:
            raise NotConfigured("no GOVWATCH_PROXY")
        return cls(proxy)

    def process_request(self, request: Request, spider: Any = None) -> None:
        request.meta.setdefault("proxy", self.proxy)


class EncodingMiddleware:
    """Decode text with the portal's ``encoding`` if set; else see :func:`repaired_encoding`.
    Scrapy already honours the header, the BOM and <meta charset>, and decodes GB2312/GBK
    as GB18030."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EncodingMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        portal = getattr(self.crawler.spider, "portal", None)
        if portal is not None and portal.encoding:
            return response.replace(encoding=portal.encoding)
        encoding = repaired_encoding(response)
        if encoding is None:
            return response
        logger.info(
            "portal %s: %s declared %s but decodes as %s",
            getattr(portal, "name", "?"),
            response.url,
            response.encoding,
            encoding,
        )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("govwatch/encoding_detected")
        return response.replace(encoding=encoding)


def repaired_encoding(response: TextResponse) -> str | None:
    """The encoding a page's bytes are really in when its declared charset lies, or None
    when the declared one (header, BOM or <meta>, as Scrapy chose it) decodes it: UTF-8 for
    bytes that are valid UTF-8, else a detected charset when the declared one yields
    replacement characters."""
    if codecs.lookup(response.encoding).name != "utf-8" and _is_utf8(response.body):
        # GB18030 (or a Latin charset) decodes UTF-8 bytes into other characters with few
        # errors; non-ASCII bytes that are all valid UTF-8 are UTF-8 (6 of 7 "gb2312" pages seen)
        return "utf-8"
    text = response.text
    if text.count("\ufffd") <= MAX_REPLACEMENT_SHARE * len(text):
        return None
    best = from_bytes(response.body[:200_000]).best()
    if best is None or not best.encoding:
        return None
    return _canonical_encoding(best.encoding)


def _is_utf8(body: bytes) -> bool:
    """Non-ASCII bytes that decode as UTF-8 without an error."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class QuickMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, for pages whose head says "refresh" at all.

    Scrapy parses every HTML page's first 4,096 characters for ``<meta http-equiv=refresh>``
    (the base URL, comments and scripts removed first); a page without the word in that span
    has no meta refresh to find, and most pages have none.
    """

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if isinstance(response, TextResponse) and not _REFRESH.search(
            response.text, 0, META_REFRESH_SPAN
        ):
            return response
        return super().process_response(request, response)
