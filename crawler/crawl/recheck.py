"""Re-checks: recent articles fetched again with their validators (an unchanged page costs
one 304), what the answer means (unchanged, edited, gone) and the page as a snapshot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http import Request, Response

from crawler.extract.notarticle import not_article
from storage import KEPT_HEADERS, Due, Fetched, check_policy, parse_duration, utcnow

if TYPE_CHECKING:
    from crawler.crawl.run import CrawlRun

logger = logging.getLogger(__name__)

GONE = (404, 410)
RECHECK = "govwatch_recheck"  # the request's meta key: the Due it re-checks


def due(run: CrawlRun) -> list[Due]:
    """What this crawl re-checks: recent articles whose check is due (all recent ones with
    ``--recheck``), oldest check first, at most the portal's budget; none in `portal check`."""
    portal = run.portal
    if run.settings.check_articles or not portal.recheck_budget:
        return []
    every = parse_duration("0s") if run.settings.recheck else parse_duration(portal.recheck_every)
    return run.repo.due_rechecks(
        portal.name, utcnow(), parse_duration(portal.recheck_days), every, portal.recheck_budget
    )


def policy(run: CrawlRun) -> str:
    """The portal's snapshot retention, or the global one."""
    return check_policy(run.portal.snapshots or run.settings.snapshots)


def request(item: Due, callback: object, errback: object) -> Request:
    """A conditional GET of a stored article; after the lists and new articles."""
    headers = {}
    if item.etag:
        headers["If-None-Match"] = item.etag
    if item.last_modified:
        headers["If-Modified-Since"] = item.last_modified
    return Request(
        item.url,
        callback=callback,  # type: ignore[arg-type]
        errback=errback,  # type: ignore[arg-type]
        headers=headers,
        dont_filter=True,
        priority=-10,
        meta={RECHECK: item, "handle_httpstatus_list": [304, *GONE]},
    )


def fetched(response: Response, **meta: object) -> Fetched:
    """The page as a snapshot: bytes, status, the headers that matter, the time, and what
    reading it again needs (the final URL, the encoding the crawl decoded it with)."""
    headers = {}
    for name in KEPT_HEADERS:
        value = response.headers.get(name)
        if value:
            headers[name] = value.decode("latin-1")
    encoding = getattr(response, "encoding", None)
    extra = {"url": response.url, "encoding": encoding, **meta}
    return Fetched(bytes(response.body), response.status, headers, utcnow(), extra)


def gone_reason(run: CrawlRun, response: Response) -> str | None:
    """Why a re-checked article counts as gone: 404/410, or a redirect to a page that is no
    article (the home page, a start URL, any list page); None when the answer is an article."""
    if response.status in GONE:
        return f"HTTP {response.status}"
    if not response.meta.get("redirect_urls"):
        return None
    why = not_article(response, run.portal.start_urls)
    return f"redirected to {response.url} ({why})" if why else None


def answered(run: CrawlRun, response: Response) -> bool:
    """Record a 304 or a gone page; True when the response is a page to analyse."""
    item: Due = response.meta[RECHECK]
    stats = run.crawler.stats
    assert stats is not None
    stats.inc_value("govwatch/rechecked")
    if response.status == 304:
        stats.inc_value("govwatch/recheck_not_modified")
        run.repo.recheck_unchanged([item.url], utcnow())
        return False
    reason = gone_reason(run, response)
    if reason is None:
        return True
    state = run.repo.recheck_gone(item.url, reason, utcnow())
    if state == "withdrawn":
        stats.inc_value("govwatch/withdrawn")
        logger.warning("portal %s: %s withdrawn (%s)", run.portal.name, item.url, reason)
    else:
        logger.info(
            "portal %s: %s gone (%s); withdrawn if the next check agrees",
            run.portal.name, item.url, reason,
        )  # fmt: skip
    return False
