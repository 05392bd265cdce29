"""One page's analysis, clean → extract → classify → sign: pure CPU work on the page alone.

Nothing here logs, counts or touches the store, so the same function runs in the crawl's
own process or in a worker process (crawler.pipelines.workers); crawler.pipelines.analyse runs it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict

from parsel import Selector

from crawler.configfiles.portals import Selectors
from crawler.dedupe import sign
from crawler.extract.article import extract_article
from crawler.extract.meeting import meeting_facts
from crawler.items import AnnouncementItem

# the extraction's version, stored with each record: bump it when extraction changes, and
# `govwatch reanalyse` brings stored records up to it from their snapshots
EXTRACTOR_VERSION = 1

# C0 controls (but tab and newlines), DEL and C1 controls (terminal escape sequences),
# zero-width characters and byte-order marks
INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")


def clean_text(text: str) -> str:
    return INVISIBLE.sub("", unicodedata.normalize("NFC", text))


def clean(item: AnnouncementItem) -> bool:
    """Normalise the page's text before anything reads it; False when nothing is left."""
    item.html = clean_text(item.html)
    if item.list_title:
        item.list_title = " ".join(clean_text(item.list_title).split())
    return bool(item.html.strip())


def extract(item: AnnouncementItem, selectors: Selectors | None) -> None:
    """The article's fields: title, published_at, source, body, attachments."""
    article = extract_article(
        Selector(text=item.html), item.url, selectors, item.list_title, item.list_date
    )
    item.title = article.title
    item.published_at = article.published_at
    item.source = article.source
    item.body = article.body
    item.attachments = article.attachments
    item.html = ""  # the page is not kept once read


def classify(item: AnnouncementItem) -> None:
    """Is it a meeting, and the meeting's facts."""
    facts = meeting_facts(item.title, item.body, item.published_at)
    for name, value in asdict(facts).items():
        setattr(item, name, value)


def signature(item: AnnouncementItem) -> None:
    """Dedupe's content signature; linking to a first copy needs the store (StorePipeline)."""
    item.signature = sign(item.body)
    item.fingerprint = item.signature.fingerprint
    item.simhash = item.signature.simhash
    item.bands = item.signature.bands


def analyse(item: AnnouncementItem, selectors: Selectors | None) -> AnnouncementItem | None:
    """Every stage in order; None for a page with no text at all."""
    if not clean(item):
        return None
    extract(item, selectors)
    classify(item)
    signature(item)
    item.extractor_version = EXTRACTOR_VERSION
    return item


def analyse_elsewhere(
    item: AnnouncementItem, selectors: Selectors | None
) -> AnnouncementItem | None:
    """:func:`analyse` in a worker process: the shingles stay behind (a near-copy check
    computes them again, the rare time it needs them), so less crosses the pipe."""
    done = analyse(item, selectors)
    if done is not None and done.signature is not None:
        done.signature.shingles = set()
    return done
