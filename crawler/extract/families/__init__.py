"""CMS families: every list page is read by the first family that recognises it.

One module per family (base.py the interface; generic.py feeds and pages of no known CMS;
hanweb.py Hanweb JCMS; trs.py TRS WCM). Detection looks at the page alone, so a portal
built on a known CMS needs no configuration.
"""

from __future__ import annotations

from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.configfiles.portals import Selectors
from crawler.extract.families.base import Allows, Family, ListPage
from crawler.extract.families.generic import Feed, Generic
from crawler.extract.families.hanweb import Hanweb
from crawler.extract.families.trs import TRS

__all__ = ["FAMILIES", "GENERIC", "Family", "ListPage", "describe", "detect", "list_page"]

FAMILIES: tuple[Family, ...] = (Feed(), Hanweb(), TRS())
GENERIC = Generic()


def detect(response: Response) -> tuple[Family, str]:
    """The family of a list page and why; :data:`GENERIC` when none recognises it."""
    for family in FAMILIES:
        why = family.detect(response)
        if why:
            return family, why
    return GENERIC, str(GENERIC.detect(response))


def list_page(
    response: Response,
    selectors: Selectors,
    stats: StatsCollector | None = None,
    allows: Allows | None = None,
) -> ListPage:
    """A list page's links and next page, read by its family among the links ``allows`` (the
    portal's :meth:`~crawler.configfiles.portals.Portal.allows`; by default the page's own
    host); the portal's first list page names the portal's family in ``stats`` (for
    `portal check`)."""
    family, why = detect(response)
    if stats is not None:
        stats.inc_value(f"govwatch/family/{family.name}")
        if stats.get_value("govwatch/family") is None:
            stats.set_value("govwatch/family", family.name)
            stats.set_value("govwatch/family_reason", why)
    return family.list_page(response, selectors, allows)


def describe(stats: StatsCollector) -> str:
    """One line for `portal check`: the family detected and from what."""
    name = stats.get_value("govwatch/family")
    family = next((f for f in (*FAMILIES, GENERIC) if f.name == name), None)
    if family is None:
        return "family: none (no list page was read)"
    return f"family: {family.name}, {family.title}: {stats.get_value('govwatch/family_reason')}"
