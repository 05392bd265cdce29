"""Meeting dates and names: our rules against kept libraries, on both evaluation sets.

Not a dependency of govwatch: install the contenders apart, e.g.
``pip install --target /tmp/cmplibs dateparser jieba`` and ``pip install --target /tmp/jio
jionlp``, then ``python -m tests.eval.compare_facts --libs /tmp/cmplibs --libs /tmp/jio``.
Inputs are the labelled title, body and publish date (as in tests.eval.facts_report).
Dates: each library reads the text our reader read the day from (the notice's time section
or the lead's sentence), with the publish date as its base; ``+ our side`` places the
library's day with our look-back/look-ahead rule. Names: the presider, speakers and
attendees of Chinese meetings with our surname data, the old hand-kept list, or jieba's
``posseg`` person tags (``nr``) deciding what a name is.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crawler.extract.meeting import dates as meeting_dates
from crawler.extract.meeting import is_chinese, meeting_facts, names, people
from crawler.extract.meeting.dates import first_told, is_upcoming, place
from crawler.extract.meeting.surnames import ZH_COMMON_SURNAMES
from crawler.extract.meeting.text import without_furniture
from tests.eval.facts_report import SETS, Page, run
from tests.eval.score import set_f1

OLD_HAND_LIST = ZH_COMMON_SURNAMES - set("赖亓普")  # the list kept by hand before issue 19


def _dated(pages: list[Page]) -> list[tuple[Page, datetime, bool, str]]:
    """Meetings with a labelled day and publish date: (page, published, notice, text read)."""
    found = []
    for page in pages:
        labels = page.labels
        if not labels.get("is_meeting") or not labels.get("published_at"):
            continue
        published = datetime.fromisoformat(labels["published_at"])
        body = without_furniture(labels.get("body") or "")
        told = meeting_dates._told(labels.get("title"), body, is_chinese(body[:200]))
        text = told[1] if told else body[:200]
        found.append((page, published, is_upcoming(labels.get("title"), body), text))
    return found


def _score(
    name: str, cases: list[tuple[Page, datetime, bool, str]], read: Callable[..., date | None]
) -> str:
    hits, spent = 0, []
    for page, published, notice, text in cases:
        start = time.process_time()
        try:
            got = read(text, published, notice)
        except Exception:  # a library's failure on one text is a miss, not the end
            got = None
        spent.append(time.process_time() - start)
        want = page.labels.get("meeting_date")
        hits += (got.isoformat() if got else None) == want
    ms = statistics.median(spent) * 1000
    return f"  {name:36} {hits / len(cases):6.3f} over {len(cases):3d}, median {ms:7.3f} ms"


def _ours(text: str, published: datetime, notice: bool) -> date | None:
    told = first_told(text, is_chinese(text))
    return place(told, published.date(), notice)[0] if told else None


def _our_side(day: date | None, published: datetime, notice: bool) -> date | None:
    """A library's day with its year (and month) set by our look-back/look-ahead rule."""
    if day is None:
        return None
    base = published.date()
    if (notice and day >= base) or (not notice and day <= base):
        return day
    for years in (1, -1):
        try:
            moved = day.replace(year=day.year + (years if notice else -years))
        except ValueError:
            continue
        if (notice and moved >= base) or (not notice and moved <= base):
            return moved
    return day


def _dateparser(text: str, published: datetime, notice: bool) -> date | None:
    from dateparser.search import search_dates

    settings = {
        "RELATIVE_BASE": published.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future" if notice else "past",
    }
    found = search_dates(text, languages=["zh", "en"], settings=settings)  # type: ignore[arg-type]
    return found[0][1].date() if found else None


def _jionlp(text: str, published: datetime, notice: bool) -> date | None:
    import jionlp

    found = jionlp.ner.extract_time(text, time_base=published.timestamp(), with_parsing=True)
    for entry in found or []:
        detail = entry.get("detail") or {}
        times = detail.get("time")
        if detail.get("type") in ("time_point", "time_span") and times and times[0] != "inf":
            return datetime.fromisoformat(str(times[0])).date()
    return None


def compare_dates(pages: list[Page]) -> list[str]:
    cases = _dated(pages)
    lines = [
        f"meeting_date ({len(cases)} meetings):",
        _score("govwatch (meeting.dates)", cases, _ours),
    ]
    for name, read in (("dateparser search_dates", _dateparser), ("JioNLP extract_time", _jionlp)):
        lines.append(_score(name, cases, read))
        lines.append(
            _score(
                f"{name} + our side",
                cases,
                lambda t, p, n, read=read: _our_side(read(t, p, n), p, n),
            )
        )
    return lines


def _people_score(pages: list[Page], label: str) -> str:
    chinese = [p for p in pages if p.labels.get("is_meeting") and is_chinese(p.labels["body"])]
    presider, speakers, attendees, spent = [], [], [], []
    for page in chinese:
        labels = page.labels
        start = time.process_time()
        facts = meeting_facts(labels.get("title"), labels["body"], None)
        spent.append(time.process_time() - start)
        presider.append(float((facts.presider or None) == labels.get("presider")))
        speakers.append(set_f1(facts.speakers, labels.get("speakers") or []))
        attendees.append(set_f1(facts.attendees, labels.get("attendees") or []))
    ms = statistics.median(spent) * 1000
    return (
        f"  {label:36} presider {statistics.mean(presider):.3f}, speakers "
        f"{statistics.mean(speakers):.3f}, attendees {statistics.mean(attendees):.3f} over "
        f"{len(chinese)}, median {ms:.2f} ms/page"
    )


def compare_names(pages: list[Page]) -> list[str]:
    lines = ["names (Chinese meetings):", _people_score(pages, "govwatch, complete surnames")]
    saved = (names.ZH_SURNAMES, names.ZH_COMMON_SURNAMES)
    try:
        names.ZH_SURNAMES = names.ZH_COMMON_SURNAMES = OLD_HAND_LIST  # type: ignore[misc]
        names.zh_name.cache_clear()
        lines.append(_people_score(pages, "govwatch, the old hand-kept list"))
    finally:
        names.ZH_SURNAMES, names.ZH_COMMON_SURNAMES = saved  # type: ignore[misc]
        names.zh_name.cache_clear()
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    jieba.initialize()

    def jieba_name(text: str) -> str | None:
        tagged = [(w.word, w.flag) for w in jieba.posseg.cut(text)]
        found = [word for word, flag in tagged if flag == "nr" and len(word) >= 2]
        return found[-1] if found else None

    saved_name = people.zh_name
    try:
        people.zh_name = jieba_name  # type: ignore[assignment]
        lines.append(_people_score(pages, "jieba posseg nr"))
    finally:
        people.zh_name = saved_name  # type: ignore[assignment]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--libs", type=Path, action="append", default=[], help="contenders")
    args = parser.parse_args(argv)
    for folder in args.libs:
        sys.path.insert(0, str(folder))
    for name, folder in SETS.items():
        pages: list[Any] = run(folder)
        print(f"== {name}")
        print("\n".join(compare_dates(pages)))
        print("\n".join(compare_names(pages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
