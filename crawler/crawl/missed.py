"""What one run asked for and did not get, kept for the next crawl (the missed_urls table).

A run notes each list page and article it asks for, each it read and each that failed;
at its end, whatever failed or was never answered is remembered, and what earlier runs
missed and this one read and stored is forgotten.
"""

from __future__ import annotations

from dataclasses import replace

from storage import ARTICLE, Missed

UNANSWERED = "not answered before the crawl stopped"


class Ledger:
    def __init__(self) -> None:
        self.asked: dict[str, Missed] = {}  # every URL asked for, with its list's hints
        self.pending: set[str] = set()  # asked for, not answered yet
        # answered, failed or excused: asked again, Scrapy's duplicate filter drops it
        self.done: set[str] = set()
        self.failures: dict[str, Missed] = {}
        self.read_lists: set[str] = set()  # list pages read (parsed, or answered 304)
        self.excused: set[str] = set()  # nothing to fetch again: gone, refused, not text

    def ask(self, page: Missed) -> None:
        self.asked.setdefault(page.url, page)
        if page.url not in self.done:
            self.pending.add(page.url)

    def answered(self, url: str) -> None:
        self.pending.discard(url)
        self.done.add(url)

    def list_read(self, url: str) -> None:
        self.answered(url)
        self.read_lists.add(url)

    def failed(self, url: str, error: str, kind: str = ARTICLE) -> None:
        self.answered(url)
        page = self.asked.get(url) or Missed(url, kind)
        self.failures[url] = replace(page, error=error)

    def excuse(self, url: str) -> None:
        self.answered(url)
        self.excused.add(url)

    def missed(self) -> list[Missed]:
        """What this run failed to read or store, and what it asked for and never got."""
        unanswered = [
            replace(self.asked[url], error=UNANSWERED)
            for url in sorted(self.pending)
            if url not in self.failures
        ]
        return [*self.failures.values(), *unanswered]

    @property
    def article_failures(self) -> int:
        return sum(page.kind == ARTICLE for page in self.failures.values())
