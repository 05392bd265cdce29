"""A spider loader that builds one spider per portals.yaml entry.

A hand-written spider in ``spiders/`` whose ``name`` matches an entry overrides the
generated one and receives that entry as its ``portal``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from crawler.configfiles.portals import Portal, load_portals, portals_exist
from crawler.crawl.config import CrawlConfig

logger = logging.getLogger(__name__)


class PortalSpiderLoader(SpiderLoader):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        from spiders.base import PortalSpider  # spiders/ imports crawler, not the reverse

        handwritten = {name: cls for name, cls in self._spiders.items() if cls is not PortalSpider}
        self._spiders = {}
        path = Path(CrawlConfig.from_settings(settings).portals_path)
        portals = load_portals(path) if portals_exist(path) else []
        if not portals_exist(path):
            logger.debug("no portal file at %s", path)
        for portal in portals:
            base = handwritten.pop(portal.name, None)
            if base is not None and issubclass(base, PortalSpider):
                self._spiders[portal.name] = base.for_portal(portal)
            elif base is not None:
                self._spiders[portal.name] = type(base.__name__, (base,), {"portal": portal})
            else:
                self._spiders[portal.name] = PortalSpider.for_portal(portal)
        for name, cls in handwritten.items():
            if getattr(cls, "portal", None) is not None:
                self._spiders[name] = cls
            else:
                logger.debug("spider %s has no portals.yaml entry; not listed", name)

    def for_entry(self, portal: Portal) -> type:
        """A spider for an entry the crawl service was sent (the daemon's loaded file): a
        hand-written spider of that name receives it, as in __init__."""
        from spiders.base import PortalSpider

        base = self._spiders.get(portal.name)
        if base is not None and issubclass(base, PortalSpider):
            return base.for_portal(portal)
        if base is not None and getattr(base, "portal", None) is not None:
            return type(base.__name__, (base,), {"portal": portal})
        return PortalSpider.for_portal(portal)
