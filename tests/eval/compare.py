"""Our extractors against well-kept libraries on the evaluation set (docs/extraction.md).

Not a dependency of govwatch: install the contenders first, e.g.
``pip install --target /tmp/cmplibs trafilatura dateparser jieba``, then run
``python -m tests.eval.compare --libs /tmp/cmplibs``.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crawler.extract.meeting import is_chinese, meeting_date, zh_name
from crawler.extract.meeting.patterns import PRESIDE_ZH
from storage.zones import PORTAL_ZONE
from tests.eval.measure import char_f1, norm, same_time
from tests.eval.realset import evaluate_pages, load_pages, response_of
from tests.eval.score import CASES, Result, evaluate

logger = logging.getLogger(__name__)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    value = fn()
    return value, time.process_time() - start


def _row(name: str, score: float, n: int, seconds: list[float]) -> str:
    ms = statistics.median(seconds) * 1000 if seconds else 0.0
    return f"  {name:34} {score:6.3f} over {n:3d} cases, median {ms:7.3f} ms/page"


def compare_body(results: list[Result]) -> list[str]:
    import trafilatura

    ours, theirs, t_ours, t_theirs = [], [], [], []
    for r in results:
        if "body" not in r.case.labels:
            continue
        want = r.case.labels["body"] or ""
        ours.append(char_f1(r.article.body, want))
        got, spent = _timed(
            lambda r=r: trafilatura.extract(
                r.case.html, include_comments=False, include_tables=True, favor_precision=True
            )
        )
        t_theirs.append(spent)
        theirs.append(char_f1(got or "", want))
    from parsel import Selector

    from crawler.extract.article import extract_article

    for r in results:
        _, spent = _timed(lambda r=r: extract_article(Selector(text=r.case.html), "http://x/"))
        t_ours.append(spent)
    return [
        "body (character F1):",
        _row("govwatch extract_article", statistics.mean(ours), len(ours), t_ours),
        _row("trafilatura.extract", statistics.mean(theirs), len(theirs), t_theirs),
    ]


# (page id, html, label, what govwatch found) for publish dates
DatedPage = tuple[str, str, str | None, datetime | None]


def _htmldate(html: str) -> datetime | None:
    from htmldate import find_date

    found = find_date(html, extensive_search=True, outputformat="%Y-%m-%dT%H:%M:%S%z")
    if not found:
        return None
    value = datetime.fromisoformat(found)
    return (
        value.replace(tzinfo=PORTAL_ZONE) if value.tzinfo is None else value.astimezone(PORTAL_ZONE)
    )


def _published_rows(title: str, pages: list[DatedPage]) -> list[str]:
    """htmldate alone, on the day alone, and as a fallback where govwatch finds no date."""
    n = len(pages)
    hits = days = fallback = ours = 0
    seconds = []
    for _, html, label, found in pages:
        value, spent = _timed(lambda html=html: _htmldate(html))
        seconds.append(spent)
        hits += same_time(value, label)
        days += (value.date().isoformat() if value else None) == (label[:10] if label else None)
        ours += same_time(found, label)
        fallback += same_time(found if found is not None else value, label)
    return [
        f"published_at (accuracy), {title}:",
        f"  {'govwatch (see score.py)':34} {ours / n:6.3f} over {n:3d} pages",
        _row("htmldate.find_date (extensive)", hits / n, n, seconds),
        f"  {'htmldate, the day only':34} {days / n:6.3f}",
        f"  {'govwatch, else htmldate':34} {fallback / n:6.3f}",
    ]


def compare_published(results: list[Result]) -> list[str]:
    labelled = [r for r in results if "published_at" in r.case.labels]
    pages = [
        (r.case.id, r.case.html, r.case.labels["published_at"], r.article.published_at)
        for r in labelled
    ]
    real = [
        (
            r.page.id,
            response_of(r.page).text,
            r.page.labels.get("published_at"),
            r.article.published_at,
        )
        for r in evaluate_pages(load_pages()).articles
    ]
    return _published_rows("the project's set", pages) + _published_rows("tests/eval/real", real)


def compare_meeting_date(results: list[Result]) -> list[str]:
    import dateparser
    from dateparser.search import search_dates

    labelled = [
        r for r in results if r.case.labels.get("is_meeting") and "meeting_date" in r.case.labels
    ]
    ours = theirs = 0
    t_ours, t_theirs = [], []
    for r in labelled:
        want = r.case.labels["meeting_date"]
        published = r.article.published_at
        got, spent = _timed(
            lambda r=r, p=published: meeting_date(r.article.title, r.article.body, p)
        )
        t_ours.append(spent)
        ours += (got.isoformat() if got else None) == want
        lead = r.article.body[:200]
        settings: dict[str, Any] = {"PREFER_DATES_FROM": "past"}
        if published is not None:
            settings["RELATIVE_BASE"] = published.replace(tzinfo=None)
        languages = ["zh"] if is_chinese(lead) else ["en"]
        found, spent = _timed(
            lambda lead=lead, s=settings, lang=languages: search_dates(
                lead, languages=lang, settings=s
            )
        )
        t_theirs.append(spent)
        value: date | None = found[0][1].date() if found else None
        theirs += (value.isoformat() if value else None) == want
    del dateparser
    n = len(labelled)
    return [
        "meeting_date (accuracy, meetings only):",
        _row("govwatch meeting_date", ours / n, n, t_ours),
        _row("dateparser.search_dates", theirs / n, n, t_theirs),
    ]


def compare_presider(results: list[Result]) -> list[str]:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    labelled = [
        r
        for r in results
        if r.case.labels.get("is_meeting")
        and "presider" in r.case.labels
        and is_chinese(r.article.body[:200])
    ]
    ours = theirs = 0
    t_ours, t_theirs = [], []
    for r in labelled:
        want = norm(r.case.labels["presider"])
        ours += norm(r.facts.presider) == want

        def by_jieba(body: str = r.article.body) -> str | None:
            for sentence in re.split(r"[。；\n]", body[:3000]):
                match = PRESIDE_ZH.search(sentence)
                if match:
                    people = [w for w, flag in pseg.cut(sentence[: match.start()]) if flag == "nr"]
                    if people:
                        return str(people[-1])
            return None

        def by_rules(body: str = r.article.body) -> str | None:
            for sentence in re.split(r"[。；\n]", body[:3000]):
                match = PRESIDE_ZH.search(sentence)
                if match:
                    clause = re.split(r"[，、]", sentence[: match.start()])[-1]
                    if name := zh_name(clause):
                        return name
            return None

        by_jieba()  # load the dictionary outside the timing
        got, spent = _timed(by_jieba)
        t_theirs.append(spent)
        theirs += norm(got) == want
        _, spent = _timed(by_rules)
        t_ours.append(spent)
    n = len(labelled)
    return [
        "presider (accuracy, Chinese meetings): name from the clause before 主持",
        _row("govwatch titles + surnames", ours / n if n else 0, n, t_ours),
        _row("jieba.posseg 'nr' tokens", theirs / n if n else 0, n, t_theirs),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--libs", type=Path, help="where the contenders are installed")
    args = parser.parse_args(argv)
    if args.libs:
        sys.path.append(str(args.libs))  # after ours: our lxml stays the one imported
    logging.basicConfig(level=logging.WARNING)
    results, _scores = evaluate(args.cases)
    print(f"{len(results)} cases in {args.cases}")
    for section in (compare_body, compare_published, compare_meeting_date, compare_presider):
        print("\n".join(section(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
