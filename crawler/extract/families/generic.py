"""Pages of no known family, and RSS/Atom feeds: govwatch's general list detection."""

from __future__ import annotations

import logging

from scrapy.http import Response, TextResponse

from crawler.configfiles.portals import Selectors
from crawler.extract.families.base import Allows, Family, ListPage
from crawler.extract.feeds import feed_links, looks_like_feed
from crawler.extract.links import find_links
from crawler.extract.pagination import next_page

logger = logging.getLogger(__name__)


def _content_type(response: Response) -> str:
    return (response.headers.get("Content-Type") or b"").decode("latin-1")


class Feed(Family):
    name = "feed"
    title = "RSS/Atom feed"

    def detect(self, response: Response) -> str | None:
        if looks_like_feed(response.body, _content_type(response)):
            return "the start URL is a feed"
        return None

    def list_page(
        self, response: Response, selectors: Selectors, allows: Allows | None = None
    ) -> ListPage:
        return feed_links(response.body, response.url), None


class Generic(Family):
    """The main repeated block of dated links; 下一页 / ?page=N / createPageHTML pagers."""

    name = "generic"
    title = "generic list page"

    def detect(self, response: Response) -> str | None:
        return "no CMS family recognised: the main block of dated links"

    def list_page(
        self, response: Response, selectors: Selectors, allows: Allows | None = None
    ) -> ListPage:
        if not isinstance(response, TextResponse):
            logger.warning("list page %s is not text", response.url)
            return [], None
        links = find_links(response.selector, response.url, selectors.list_links, allows)
        return links, next_page(response.selector, response.url, selectors.next_page)
