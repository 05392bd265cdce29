"""The info bar's fields, publish date and source, from meta tags, <time> and labelled lines."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from crawler.extract.article.furniture import is_noise, noisy_ancestor
from crawler.extract.dates import labelled_date, parse_datetime
from crawler.extract.patterns import (
    INFO_LABEL,
    SOURCE_LABEL,
)

_CJK = re.compile(r"[\u4e00-\u9fff]")


# -- fields ------------------------------------------------------------------------

# <meta> tags, and RDFa elements that carry a value the same way (Drupal's
# <span property="dc:date dc:created" content="2024-03-08T10:26:41+08:00">)
_META_XPATH = etree.XPath("//meta[@content] | //*[@property][@content]")
_TIME_XPATH = etree.XPath("//time[@datetime]")


def time_element(root: etree._Element) -> datetime | None:
    """A machine-readable <time datetime> outside furniture (WordPress entry meta): one marked
    published (``entry-date published``, ``itemprop=datePublished``) first, then the first
    not marked only as an update (GeneratePress writes ``time.updated`` before the published
    one; tagDiv's ``entry-date updated`` is the post's date)."""
    first: datetime | None = None
    dated: datetime | None = None  # the first not marked only as an update
    for el in _TIME_XPATH(root):
        if is_noise(el) or noisy_ancestor(el):
            continue
        value = parse_datetime(el.get("datetime"))
        if value is None:
            continue
        marks = f"{el.get('class') or ''} {el.get('itemprop') or ''}".lower()
        if "published" in marks:
            return value
        update_only = ("updated" in marks or "modified" in marks) and "entry-date" not in marks
        first = first or value
        if dated is None and not update_only:
            dated = value
    return dated or first


def metas_of(root: etree._Element) -> dict[str, str]:
    """Meta tags by name, property and itemprop (the first of each wins)."""
    found: dict[str, str] = {}
    for meta in _META_XPATH(root):
        content = " ".join((meta.get("content") or "").split())
        if not content:
            continue
        for attr in ("name", "property", "itemprop"):
            for key in (meta.get(attr) or "").split():  # RDFa: several properties
                found.setdefault(key.lower(), content)
    return found


def first_meta(metas: dict[str, str], names: Iterable[str]) -> str | None:
    for name in names:
        value = metas.get(name.lower())
        if value:
            return value
    return None


def clean_source(value: str) -> str | None:
    value = value.strip()
    label = INFO_LABEL.search(value)
    if label:
        value = value[: label.start()]
    value = re.split(r"\s{2,}|[|｜│丨]|\u3000|&nbsp;", value, maxsplit=1)[0]
    if _CJK.match(value):
        value = value.split(" ", 1)[0]
    value = value.strip(" :：,，.。;；、()（）[]【】")
    return value if 2 <= len(value) <= 80 else None


def find_source(lines: Iterable[str]) -> str | None:
    for line in lines:
        match = SOURCE_LABEL.search(line)
        if match and (value := clean_source(match["source"])):
            return value
    return None


def labelled_date_in(lines: Iterable[str]) -> datetime | None:
    return next(filter(None, map(labelled_date, lines)), None)
