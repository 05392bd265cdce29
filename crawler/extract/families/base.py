"""What a CMS family is: a detector and a reader of that CMS's list pages."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import ClassVar

from scrapy.http import Response

from crawler.configfiles.portals import Selectors
from crawler.extract.links import ListLink, canonical

# A list page's article links, newest first, and the URL of the next list page (or None).
ListPage = tuple[list[ListLink], str | None]
# Which URLs the portal may follow (Portal.allows)
Allows = Callable[[str], bool]


class Family(ABC):
    """One CMS family. :meth:`detect` looks at a list page alone: no portal configuration."""

    name: ClassVar[str]  # stats key and `portal check` label: "hanweb"
    title: ClassVar[str]  # for people: "Hanweb JCMS (大汉)"

    @abstractmethod
    def detect(self, response: Response) -> str | None:
        """Why ``response`` is a list page of this family, or None when it is not."""

    @abstractmethod
    def list_page(
        self, response: Response, selectors: Selectors, allows: Allows | None = None
    ) -> ListPage:
        """The article links of a detected page and its next page; selectors win over
        detection where the portal gives them, and detection looks only at the links
        ``allows`` (the portal's origins; by default the page's own host)."""


def unique_links(links: Iterable[ListLink]) -> list[ListLink]:
    """``links`` in canonical form, each URL once, in their first order."""
    seen: dict[str, ListLink] = {}
    for link in links:
        url = canonical(link.url)
        seen.setdefault(url, ListLink(url, link.text, link.date))
    return list(seen.values())
