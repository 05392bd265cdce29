"""What a rendered page reports back to the crawl (no Playwright import: plain crawls use it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Request

PAGE_METHOD = "govwatch"  # our key in meta["playwright_page_methods"]


@dataclass(frozen=True)
class PageReport:
    """What crawler.rendering.browser.settle saw: the final document's status (0 when the
    browser could not tell) and the browser context's cookies, as Playwright gives them."""

    status: int
    cookies: list[dict[str, Any]] = field(default_factory=list)


def page_report(request: Request) -> PageReport | None:
    """The report of a rendered request, or None for a plain one."""
    methods = request.meta.get("playwright_page_methods")
    method = methods.get(PAGE_METHOD) if isinstance(methods, dict) else None
    result = getattr(method, "result", None)
    return result if isinstance(result, PageReport) else None
