"""Meeting facts alone, on both evaluation sets, from the labelled title, body and publish date.

`python -m tests.eval.facts_report [-v]` runs :func:`meeting_facts` over `tests/eval/real/`
(labelled blind) and `tests/eval/cases/`, giving it each page's *labelled* title, body and
published_at, so the scores measure the meeting readers and not the article extraction. Scoring
follows issue 19: strings exact after whitespace normalisation (case and full-width parentheses
folded, as the labelling guides say), list fields by set F1 per record, averaged; is_meeting is
an F1 over every article, the other facts are scored over the labelled meetings.
``--pipeline`` reads each page as the crawl does instead (article extraction first).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crawler.extract.meeting import MeetingFacts, meeting_facts
from storage import FIELDS
from storage.zones import PORTAL_ZONE
from tests.eval.measure import norm, set_f1
from tests.eval.score import Case, run_case

KINDS = {f.name: f.kind for f in FIELDS}
# the facts scored: every extracted meeting field of the record
SCORED = tuple(f.name for f in FIELDS if f.meeting and f.extracted and f.name != "is_meeting")
HERE = Path(__file__).resolve().parent
SETS = {"real": HERE / "real", "cases": HERE / "cases"}
# the notices' meeting date is reported apart (issue 19's second target)
NOTICE_DATE = "notice meeting_date"


@dataclass
class Page:
    id: str
    labels: dict[str, Any]
    facts: MeetingFacts


@dataclass
class Score:
    name: str
    value: float = 1.0
    n: int = 0
    misses: list[str] = field(default_factory=list)


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    found = datetime.fromisoformat(value)
    return found if found.tzinfo else found.replace(tzinfo=PORTAL_ZONE)


def labelled_articles(directory: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, labels) of every article page of a set (list pages have no body label)."""
    for path in sorted(directory.glob("*.json")):
        if path.name.endswith(".meta.json"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = data.get("labels") or {}
        if "body" in labels and "is_meeting" in labels:
            yield str(data.get("id") or path.stem), labels


def run(directory: Path, pipeline: bool = False) -> list[Page]:
    """Each article's facts from its labelled inputs, or (``pipeline``) from the page as the
    crawl reads it: article extraction first, so its misses count too."""
    pages = []
    for page_id, labels in labelled_articles(directory):
        if pipeline:
            facts = run_case(_case(directory, page_id, labels)).facts
        else:
            published = _published(labels.get("published_at"))
            facts = meeting_facts(labels.get("title"), labels.get("body") or "", published)
        pages.append(Page(page_id, labels, facts))
    return pages


def _case(directory: Path, page_id: str, labels: dict[str, Any]) -> Case:
    """The page and its inputs: meta in ``<id>.meta.json`` (real/) or in ``<id>.json``."""
    meta_path = directory / f"{page_id}.meta.json"
    source = meta_path if meta_path.exists() else directory / f"{page_id}.json"
    meta = json.loads(source.read_text(encoding="utf-8"))
    encoding = meta.get("encoding") or "utf-8"
    if encoding.lower().replace("-", "") in ("gb2312", "gbk"):
        encoding = "gb18030"
    html = (directory / f"{page_id}.html").read_bytes().decode(encoding, errors="replace")
    return Case(page_id, {**meta, "labels": labels}, html)


def _value(facts: MeetingFacts, name: str) -> Any:
    return getattr(facts, name, [] if KINDS[name] == "list" else None)


def _field(pages: list[Page], name: str, label: str | None = None) -> Score:
    score = Score(label or name)
    values = []
    for page in pages:
        if name not in page.labels:
            continue
        got, want = _value(page.facts, name), page.labels[name]
        if KINDS[name] == "list":
            value = set_f1(got or [], want or [])
        else:
            value = float(norm(_shown(got)) == norm(_shown(want)))
        values.append(value)
        if value < 1.0:
            score.misses.append(f"{page.id}: got {_shown(got)} want {_shown(want)}")
    if values:
        score.value, score.n = sum(values) / len(values), len(values)
    return score


def _shown(value: Any) -> str:
    if isinstance(value, date):
        value = value.isoformat()
    return json.dumps(value, ensure_ascii=False)


def _is_meeting(pages: list[Page]) -> Score:
    score = Score("is_meeting", n=len(pages))
    tp = fp = fn = 0
    for page in pages:
        want, got = bool(page.labels["is_meeting"]), page.facts.is_meeting
        tp += want and got
        fp += got and not want
        fn += want and not got
        if want != got:
            score.misses.append(f"{page.id}: got {got} want {want}")
    score.value = 2 * tp / (2 * tp + fp + fn) if tp else float(not fp and not fn)
    return score


def scores(pages: list[Page]) -> list[Score]:
    meetings = [p for p in pages if p.labels.get("is_meeting")]
    found = [_is_meeting(pages)]
    found += [_field(meetings, name) for name in SCORED]
    notices = [p for p in meetings if p.labels.get("meeting_status") == "upcoming"]
    found.append(_field(notices, "meeting_date", NOTICE_DATE))
    return found


def report(name: str, pages: list[Page], verbose: bool) -> str:
    lines = [f"{name}: {len(pages)} articles", f"  {'field':22} {'score':>6} {'cases':>6}"]
    for score in scores(pages):
        shown = f"{score.value:6.3f}" if score.n else "     -"
        lines.append(f"  {score.name:22} {shown} {score.n:6d}")
        if verbose:
            lines.extend(f"      {miss}" for miss in score.misses)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument("--set", choices=sorted(SETS), action="append", help="one set only")
    parser.add_argument(
        "--pipeline", action="store_true", help="read each page as the crawl does, not labels"
    )
    args = parser.parse_args(argv)
    for name in args.set or list(SETS):
        print(report(name, run(SETS[name], args.pipeline), args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
