"""The real-shape set (tests/eval/real/): pages modelled on real portals, labelled blind.

Each page's bytes go through what a crawl does with them: a Scrapy HtmlResponse decoded
with the charset the page declares and the encoding middleware's repair, then the article
extractors (article pages) or the CMS family's list reader (list pages). Article fields,
meeting facts and list pages are scored apart; tests/eval/score.py prints and gates them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parsel import Selector
from scrapy.http import HtmlResponse
from w3lib.url import canonicalize_url

from crawler.analysis import clean_text
from crawler.configfiles.portals import Selectors
from crawler.crawl.middlewares import repaired_encoding
from crawler.extract import families
from crawler.extract.article import Article, extract_article
from crawler.extract.meeting import MeetingFacts, meeting_facts
from storage import FIELDS as RECORD_FIELDS
from tests.eval.measure import NEUTRAL_LINK_TEXT, Score, accuracy, comparison, flag_f1, mean
from tests.eval.measure import list_date as list_date_of

REAL = Path(__file__).resolve().parent / "real"
ARTICLE_KINDS = ("notice", "report", "english")
# Article fields read from the page (not the meeting); the rest of a page's labels are
# meeting facts, scored over the pages that report or announce a meeting
ARTICLE_FIELDS = ("title", "title_neutral", "published_at", "source", "body", "attachments")
LIST_FIELDS = ("links_recall", "links_precision", "next_page", "list_charset")
_MISSING = object()


@dataclass
class Page:
    id: str
    meta: dict[str, Any]
    labels: dict[str, Any]
    body: bytes

    @property
    def kind(self) -> str:
        return str(self.meta.get("kind") or "")

    @property
    def url(self) -> str:
        return str(self.meta.get("url") or f"http://eval.invalid/{self.id}.html")


@dataclass
class ArticleResult:
    page: Page
    article: Article
    facts: MeetingFacts
    neutral_title: str | None  # the title found when the list link said only 详情
    encoding: str  # what the page was decoded with


@dataclass
class ListResult:
    page: Page
    links: list[str]
    next_page: str | None
    encoding: str


@dataclass
class RealResults:
    articles: list[ArticleResult] = field(default_factory=list)
    lists: list[ListResult] = field(default_factory=list)


def load_pages(directory: Path = REAL) -> list[Page]:
    """Every ``<id>.meta.json`` with its page bytes and labels (``<id>.json``)."""
    pages = []
    for meta_path in sorted(directory.glob("*.meta.json")):
        page_id = meta_path.name.removesuffix(".meta.json")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        labelled = json.loads((directory / f"{page_id}.json").read_text(encoding="utf-8"))
        body = (directory / f"{page_id}.html").read_bytes()
        pages.append(Page(page_id, meta, dict(labelled.get("labels") or {}), body))
    return pages


def response_of(page: Page) -> HtmlResponse:
    """The page as the crawl holds it: decoded by its declared charset, then repaired."""
    response = HtmlResponse(page.url, body=page.body, headers={"Content-Type": "text/html"})
    encoding = repaired_encoding(response)
    return response.replace(encoding=encoding) if encoding else response


def run_article(page: Page) -> ArticleResult:
    """The analyse pipeline's extract and classify stages, with the list's link text and
    with a neutral one."""
    response = response_of(page)
    html = clean_text(response.text)
    list_title = page.meta.get("list_title") or None
    list_date = list_date_of(page.meta.get("list_date"))
    article = extract_article(Selector(text=html), page.url, None, list_title, list_date)
    neutral = extract_article(Selector(text=html), page.url, None, NEUTRAL_LINK_TEXT, list_date)
    facts = meeting_facts(article.title, article.body, article.published_at)
    return ArticleResult(page, article, facts, neutral.title, response.encoding)


def run_list(page: Page) -> ListResult:
    response = response_of(page)
    links, following = families.list_page(response, Selectors())
    return ListResult(page, [link.url for link in links], following, response.encoding)


def evaluate_pages(pages: Iterable[Page]) -> RealResults:
    results = RealResults()
    for page in pages:
        if page.kind == "list":
            results.lists.append(run_list(page))
        elif page.kind in ARTICLE_KINDS:
            results.articles.append(run_article(page))
    return results


# -- scoring -----------------------------------------------------------------------

_KINDS = {f.name: f.kind for f in RECORD_FIELDS}


def _kind(name: str, results: Sequence[ArticleResult]) -> str:
    """A record field's kind; a field the record does not have yet, by its labels' values."""
    if name in _KINDS:
        return _KINDS[name]
    values = [r.page.labels.get(name) for r in results]
    return "list" if any(isinstance(v, list) for v in values) else "text"


def _found(result: ArticleResult, name: str) -> Any:
    if name == "title_neutral":
        return result.neutral_title
    value = getattr(result.article, name, _MISSING)
    return getattr(result.facts, name, _MISSING) if value is _MISSING else value


def _is_meeting_f1(results: Sequence[ArticleResult]) -> Score:
    return flag_f1(
        "is_meeting",
        (
            (r.page.id, bool(r.page.labels.get("is_meeting")), bool(r.facts.is_meeting))
            for r in results
        ),
    )


def _field_score(name: str, results: Sequence[ArticleResult], label: str | None = None) -> Score:
    """One field over ``results``; "not produced" when the extractor has no such output."""
    label = label or name
    if results and all(_found(r, name) is _MISSING for r in results):
        return Score(name, 0.0, len(results), produced=False)
    compare, aggregate = comparison(label, _kind(label, results))
    return aggregate(
        name,
        (
            (r.page.id, compare(_found(r, name), r.page.labels.get(label)))
            if label in r.page.labels
            else (r.page.id, None)
            for r in results
        ),
    )


def meeting_field_names(results: Sequence[ArticleResult]) -> list[str]:
    """The meeting facts the labels hold, in the record's order, then any the record lacks."""
    labelled: dict[str, None] = {}
    for r in results:
        labelled.update(dict.fromkeys(r.page.labels))
    record = [f.name for f in RECORD_FIELDS if f.meeting and f.name in labelled]
    others = [n for n in labelled if n not in ARTICLE_FIELDS and n not in _KINDS]
    return [n for n in record if n != "is_meeting"] + others


def score_articles(results: Sequence[ArticleResult]) -> dict[str, Score]:
    scores = [
        _field_score(name, results, "title" if name == "title_neutral" else None)
        for name in ARTICLE_FIELDS
    ]
    scores.append(
        accuracy(
            "charset",
            ((r.page.id, _same_encoding(r.encoding, r.page.meta.get("encoding"))) for r in results),
        )
    )
    return {s.name: s for s in scores}


def score_meetings(results: Sequence[ArticleResult]) -> dict[str, Score]:
    meetings = [r for r in results if r.page.labels.get("is_meeting")]
    scores = [_is_meeting_f1(results)]
    scores += [_field_score(name, meetings) for name in meeting_field_names(results)]
    upcoming = [r for r in meetings if r.page.labels.get("meeting_status") == "upcoming"]
    notice_dates = _field_score("meeting_date", upcoming)
    notice_dates.name = "meeting_date_notices"
    scores.append(notice_dates)
    return {s.name: s for s in scores}


def _same_encoding(got: str, want: str | None) -> bool:
    def family(name: str | None) -> str:
        name = (name or "utf-8").lower().replace("-", "").replace("_", "")
        return "gb18030" if name in ("gb2312", "gbk", "cp936", "gb18030") else name

    return family(got) == family(want)


def _canonical(url: str | None) -> str | None:
    return canonicalize_url(url, keep_fragments=False) if url else None


def _links(result: ListResult, measure: Callable[[set[str], set[str]], float]) -> float | None:
    want = {u for u in map(_canonical, result.page.labels.get("links") or []) if u}
    got = {u for u in map(_canonical, result.links) if u}
    return measure(got, want)


def _recall(got: set[str], want: set[str]) -> float:
    return len(got & want) / len(want) if want else float(not got)


def _precision(got: set[str], want: set[str]) -> float:
    return len(got & want) / len(got) if got else float(not want)


def score_lists(results: Sequence[ListResult]) -> dict[str, Score]:
    scores = [
        mean("links_recall", ((r.page.id, _links(r, _recall)) for r in results)),
        mean("links_precision", ((r.page.id, _links(r, _precision)) for r in results)),
        accuracy(
            "next_page",
            (
                (r.page.id, _canonical(r.next_page) == _canonical(r.page.labels.get("next_page")))
                for r in results
            ),
        ),
        accuracy(
            "list_charset",
            ((r.page.id, _same_encoding(r.encoding, r.page.meta.get("encoding"))) for r in results),
        ),
    ]
    return {s.name: s for s in scores}
