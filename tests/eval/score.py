"""The extraction scorer: every labelled page in tests/eval/cases/ through the real extractors.

`python -m tests.eval.score` (or `make eval`) prints per-field scores and exits 1 when a field
is below its floor in tests/eval/floors.json; tests/test_eval_gate.py runs it in CI.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from parsel import Selector

from crawler.analysis import clean_text
from crawler.dedupe import Deduplicator
from crawler.extract.article import Article, extract_article
from crawler.extract.dates import SHANGHAI
from crawler.extract.meeting import MeetingFacts, meeting_facts
from storage import EXTRACTED_FIELDS, RecordField, Repository
from storage import FIELDS as RECORD_FIELDS

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
FLOORS = HERE / "floors.json"
# fields printed, in order; the gate reads only those with a floor
FIELDS = (*EXTRACTED_FIELDS, "duplicates", "not_linked")


@dataclass
class Case:
    id: str
    meta: dict[str, Any]
    html: str

    @property
    def labels(self) -> dict[str, Any]:
        return dict(self.meta.get("labels") or {})


@dataclass
class Result:
    case: Case
    article: Article
    facts: MeetingFacts
    duplicate_of: str | None = None  # case id


@dataclass
class Score:
    """Per-field totals: ``value`` is accuracy (or F1) over ``n`` cases."""

    name: str
    value: float
    n: int
    misses: list[str] = field(default_factory=list)


def load_cases(directory: Path = CASES) -> list[Case]:
    """Every ``<id>.json`` with its ``<id>.html`` (bytes decoded with the case's encoding)."""
    cases = []
    for path in sorted(directory.glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        page = path.with_suffix(".html")
        if not page.exists():
            logger.warning("case %s has no page", path.stem)
            continue
        encoding = meta.get("encoding") or "utf-8"
        if encoding.lower().replace("-", "") in ("gb2312", "gbk"):
            encoding = "gb18030"
        html = page.read_bytes().decode(encoding, errors="replace")
        cases.append(Case(str(meta.get("id") or path.stem), meta, html))
    return cases


def _list_date(value: str | None) -> datetime | None:
    if not value:
        return None
    day = date.fromisoformat(value[:10])
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def run_case(case: Case) -> Result:
    """The extract and classify pipelines' work on one page (clean → extract → classify)."""
    sel = Selector(text=clean_text(case.html))
    meta = case.meta
    article = extract_article(
        sel,
        meta.get("url") or f"http://eval.invalid/{case.id}.html",
        None,
        meta.get("list_title") or None,
        _list_date(meta.get("list_date")),
    )
    facts = meeting_facts(article.title, article.body, article.published_at)
    return Result(case, article, facts)


def link_duplicates(results: Sequence[Result]) -> None:
    """The dedupe pipeline's work across the set, in order, against a fresh in-memory store."""
    repo = Repository.open("sqlite://")
    try:
        dedupe = Deduplicator.for_repository(repo)
        ids: dict[str, str] = {}
        for result in results:
            url = result.case.meta.get("url") or f"http://eval.invalid/{result.case.id}.html"
            ids[url] = result.case.id
            portal = str(result.case.meta.get("portal") or "eval")
            repo.ensure_portal(portal)
            signature = dedupe.check(url, result.article.body)
            result.duplicate_of = ids.get(signature.duplicate_of or "")
            repo.add_announcements(
                [
                    {
                        "portal": portal,
                        "url": url,
                        "title": result.article.title,
                        "body": result.article.body,
                        "fingerprint": signature.fingerprint,
                        "simhash": signature.simhash,
                        "duplicate_of": signature.duplicate_of,
                        "bands": signature.bands,
                    }
                ]
            )
    finally:
        repo.close()


# -- comparing ---------------------------------------------------------------------


def norm(value: Any) -> str:
    """Text compared case- and space-insensitively, with full-width punctuation folded."""
    if value is None:
        return ""
    text = str(value).replace("\u3000", " ").replace("（", "(").replace("）", ")")
    return " ".join(text.split()).casefold()


def same_time(predicted: datetime | None, label: str | None) -> bool:
    """Equal instants; a label without a time of day (00:00) only needs the same day."""
    if label is None or predicted is None:
        return label is None and predicted is None
    expected = datetime.fromisoformat(label)
    if expected.tzinfo is None:
        expected = expected.replace(tzinfo=SHANGHAI)
    expected = expected.astimezone(SHANGHAI)
    got = predicted.astimezone(SHANGHAI)
    if (expected.hour, expected.minute, expected.second) == (0, 0, 0):
        return got.date() == expected.date()
    return got == expected


def char_f1(predicted: str, expected: str) -> float:
    """Bag-of-characters F1 (whitespace ignored): how much of the main text was kept."""
    from collections import Counter

    got = Counter(c for c in predicted if not c.isspace())
    want = Counter(c for c in expected if not c.isspace())
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def set_f1(predicted: Iterable[str], expected: Iterable[str]) -> float:
    got, want = {norm(p) for p in predicted}, {norm(e) for e in expected}
    if not got and not want:
        return 1.0
    overlap = len(got & want)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(got), overlap / len(want)
    return 2 * precision * recall / (precision + recall)


def _accuracy(
    name: str, results: Sequence[Result], check: Callable[[Result], bool | None]
) -> Score:
    hits, n, misses = 0, 0, []
    for result in results:
        verdict = check(result)
        if verdict is None:
            continue
        n += 1
        if verdict:
            hits += 1
        else:
            misses.append(result.case.id)
    return Score(name, hits / n if n else 1.0, n, misses)


def _mean(name: str, results: Sequence[Result], value: Callable[[Result], float | None]) -> Score:
    values, misses = [], []
    for result in results:
        v = value(result)
        if v is None:
            continue
        values.append(v)
        if v < 0.9:
            misses.append(result.case.id)
    return Score(name, sum(values) / len(values) if values else 1.0, len(values), misses)


def _labelled(result: Result, key: str) -> bool:
    return key in result.case.labels


def _is_meeting_f1(results: Sequence[Result]) -> Score:
    tp = fp = fn = 0
    misses = []
    for result in results:
        if not _labelled(result, "is_meeting"):
            continue
        want, got = bool(result.case.labels["is_meeting"]), result.facts.is_meeting
        tp += want and got
        fp += got and not want
        fn += want and not got
        if want != got:
            misses.append(result.case.id)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else (1.0 if not fp and not fn else 0.0)
    return Score("is_meeting", f1, sum(_labelled(r, "is_meeting") for r in results), misses)


def _meeting_only(result: Result) -> bool:
    return bool(result.case.labels.get("is_meeting"))


def _duplicates(results: Sequence[Result]) -> Score:
    """Accuracy of ``duplicate_of`` over every case that is a copy or has a copy."""
    firsts = {r.case.labels.get("duplicate_of") for r in results} - {None}
    involved = [r for r in results if r.case.labels.get("duplicate_of") or r.case.id in firsts]
    return _accuracy(
        "duplicates", involved, lambda r: r.duplicate_of == r.case.labels.get("duplicate_of")
    )


def _false_links(results: Sequence[Result]) -> Score:
    """Share of cases that are no copy and were linked to nothing (look-alikes included)."""
    originals = [r for r in results if not r.case.labels.get("duplicate_of")]
    return _accuracy("not_linked", originals, lambda r: r.duplicate_of is None)


def _same_text(predicted: Any, expected: Any) -> bool:
    return norm(predicted) == norm(expected)


def _iso_day(value: Any) -> str | None:
    return value.isoformat() if value else None


def _compared(field: RecordField) -> tuple[Callable[[Any, Any], Any], Any]:
    """How a field's value is compared with its label, by its kind, and how scores add up."""
    if field.name == "body":
        return lambda got, want: char_f1(got, want or ""), _mean
    if field.kind == "list":
        return lambda got, want: set_f1(got, want or []), _mean
    if field.kind == "datetime":
        return same_time, _accuracy
    if field.kind == "date":
        return lambda got, want: _iso_day(got) == want, _accuracy
    return _same_text, _accuracy


def _field_spec(
    field: RecordField,
) -> tuple[str, Callable[[Result], Any], Callable[[Any, Any], Any], Any, bool]:
    """name, what the extractor found (a meeting fact or the article's), how it is compared
    with the label, how scores add up, and whether only meetings count."""

    def found(result: Result) -> Any:
        return getattr(result.facts if field.meeting else result.article, field.name)

    compare, aggregate = _compared(field)
    return field.name, found, compare, aggregate, field.meeting


# is_meeting is scored apart, as an F1 over every case
FIELD_SCORES = tuple(
    _field_spec(field) for field in RECORD_FIELDS if field.extracted and field.name != "is_meeting"
)


def _field_score(
    results: Sequence[Result],
    name: str,
    found: Callable[[Result], Any],
    compare: Callable[[Any, Any], Any],
    aggregate: Any,
    meetings_only: bool,
) -> Score:
    cases = [r for r in results if _meeting_only(r)] if meetings_only else list(results)
    return aggregate(
        name,
        cases,
        lambda r: compare(found(r), r.case.labels.get(name)) if _labelled(r, name) else None,
    )


def score(results: Sequence[Result]) -> dict[str, Score]:
    scores = [_field_score(results, *spec) for spec in FIELD_SCORES]
    scores += [_is_meeting_f1(results), _duplicates(results), _false_links(results)]
    return {s.name: s for s in scores}


def evaluate(directory: Path = CASES) -> tuple[list[Result], dict[str, Score]]:
    """Run every case through extraction and dedupe; score every field."""
    results = [run_case(case) for case in load_cases(directory)]
    link_duplicates(results)
    return results, score(results)


def load_floors(path: Path = FLOORS) -> dict[str, float]:
    floors = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {k: float(v) for k, v in floors.items() if not k.startswith("_")}


def below_floors(scores: dict[str, Score], floors: dict[str, float]) -> list[str]:
    """The gated fields whose score is below their floor (a field with no cases fails too)."""
    failed = []
    for name, floor in floors.items():
        found = scores.get(name)
        if found is None or found.n == 0 or found.value < floor:
            failed.append(name)
    return failed


def report(scores: dict[str, Score], floors: dict[str, float], verbose: bool = False) -> str:
    lines = [f"{'field':14} {'score':>6} {'cases':>6} {'floor':>6}"]
    for name in FIELDS:
        s = scores[name]
        floor = floors.get(name)
        flag = "" if floor is None else ("  ok" if s.n and s.value >= floor else "  BELOW FLOOR")
        floor_text = f"{floor:6.2f}" if floor is not None else "     -"
        lines.append(f"{name:14} {s.value:6.3f} {s.n:6d} {floor_text}{flag}")
        if verbose and s.misses:
            lines.append(f"{'':14} misses: {' '.join(s.misses)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=Path, default=CASES, help="directory of labelled cases")
    parser.add_argument("--floors", type=Path, default=FLOORS, help="JSON of per-field floors")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the cases missed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    results, scores = evaluate(args.cases)
    floors = load_floors(args.floors)
    print(f"{len(results)} cases in {args.cases}")
    print(report(scores, floors, args.verbose))
    failed = below_floors(scores, floors)
    if failed:
        print(f"below floor: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
