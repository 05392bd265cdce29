"""The extraction scorer: both labelled sets through the real extractors, scored per field.

tests/eval/cases/ (the project's own set) and tests/eval/real/ (pages modelled on real
portals, labelled blind; tests/eval/realset.py) are reported apart. `python -m tests.eval.score`
(or `make eval`) exits 1 when a field is below its floor in tests/eval/floors.json (the real
set's floors in its own section); tests/test_eval_gate.py runs it in CI.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parsel import Selector

from crawler.analysis import clean_text
from crawler.dedupe import Deduplicator
from crawler.extract.article import Article, extract_article
from crawler.extract.meeting import MeetingFacts, meeting_facts
from storage import EXTRACTED_FIELDS, RecordField, Repository
from storage import FIELDS as RECORD_FIELDS
from tests.eval import realset
from tests.eval.measure import NEUTRAL_LINK_TEXT, Score, accuracy, comparison, flag_f1, same_text
from tests.eval.measure import list_date as _list_date

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
FLOORS = HERE / "floors.json"
REAL_SECTION = "real"  # floors.json's section for tests/eval/real/
# tests/eval/heldout/: labelled blind like real/, and never used to change a rule, so its
# scores say how the rules do on shapes they were not fitted to
HELDOUT = HERE / "heldout"
HELDOUT_SECTION = "heldout"
# fields printed, in order; the gate reads only those with a floor
FIELDS = (
    *(n for f in EXTRACTED_FIELDS for n in ((f, "title_neutral") if f == "title" else (f,))),
    "duplicates",
    "not_linked",
)


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
    neutral_title: str | None = None  # the title found when the list link said only 详情


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


def run_case(case: Case) -> Result:
    """The extract and classify pipelines' work on one page (clean → extract → classify)."""
    html = clean_text(case.html)
    meta = case.meta
    url = meta.get("url") or f"http://eval.invalid/{case.id}.html"
    list_date = _list_date(meta.get("list_date"))
    article = extract_article(Selector(text=html), url, None, meta.get("list_title"), list_date)
    neutral = extract_article(Selector(text=html), url, None, NEUTRAL_LINK_TEXT, list_date)
    facts = meeting_facts(article.title, article.body, article.published_at)
    return Result(case, article, facts, neutral_title=neutral.title)


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


# -- scoring -----------------------------------------------------------------------


def _accuracy(
    name: str, results: Sequence[Result], check: Callable[[Result], bool | None]
) -> Score:
    return accuracy(name, ((r.case.id, check(r)) for r in results))


def _labelled(result: Result, key: str) -> bool:
    return key in result.case.labels


def _is_meeting_f1(results: Sequence[Result]) -> Score:
    return flag_f1(
        "is_meeting",
        (
            (r.case.id, bool(r.case.labels["is_meeting"]), bool(r.facts.is_meeting))
            for r in results
            if _labelled(r, "is_meeting")
        ),
    )


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


def _field_spec(
    field: RecordField,
) -> tuple[str, Callable[[Result], Any], Callable[[Any, Any], Any], Any, bool]:
    """name, what the extractor found (a meeting fact or the article's), how it is compared
    with the label, how scores add up, and whether only meetings count."""

    def found(result: Result) -> Any:
        return getattr(result.facts if field.meeting else result.article, field.name)

    compare, aggregate = comparison(field.name, field.kind)
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
        (
            (r.case.id, compare(found(r), r.case.labels.get(name)) if _labelled(r, name) else None)
            for r in cases
        ),
    )


def score(results: Sequence[Result]) -> dict[str, Score]:
    scores = [_field_score(results, *spec) for spec in FIELD_SCORES]
    scores += [_is_meeting_f1(results), _duplicates(results), _false_links(results)]
    scores.append(
        accuracy(
            "title_neutral",
            ((r.case.id, same_text(r.neutral_title, r.case.labels.get("title"))) for r in results),
        )
    )
    return {s.name: s for s in scores}


def evaluate(directory: Path = CASES) -> tuple[list[Result], dict[str, Score]]:
    """Run every case through extraction and dedupe; score every field."""
    results = [run_case(case) for case in load_cases(directory)]
    link_duplicates(results)
    return results, score(results)


def load_floors(path: Path = FLOORS, section: str | None = None) -> dict[str, float]:
    """The floors of the project's set, or of a ``section`` ("real") of the file."""
    floors = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if section is not None:
        floors = floors.get(section) or {}
    return {
        k: float(v) for k, v in floors.items() if not k.startswith("_") and not isinstance(v, dict)
    }


def below_floors(scores: dict[str, Score], floors: dict[str, float]) -> list[str]:
    """The gated fields whose score is below their floor (a field with no cases, or one the
    extractor does not produce, fails too)."""
    failed = []
    for name, floor in floors.items():
        found = scores.get(name)
        if found is None or found.n == 0 or not found.produced or found.value < floor:
            failed.append(name)
    return failed


def report(
    scores: dict[str, Score],
    floors: dict[str, float],
    verbose: bool = False,
    names: Sequence[str] = FIELDS,
) -> str:
    lines = [f"{'field':22} {'score':>6} {'cases':>6} {'floor':>6}"]
    for name in names:
        s = scores[name]
        floor = floors.get(name)
        floor_text = f"{floor:6.2f}" if floor is not None else "     -"
        if not s.produced:
            lines.append(f"{name:22} {'-':>6} {s.n:6d} {floor_text}  not produced")
            continue
        flag = "" if floor is None else ("  ok" if s.n and s.value >= floor else "  BELOW FLOOR")
        value = f"{s.value:6.3f}" if s.n else f"{'-':>6}"
        lines.append(f"{name:22} {value} {s.n:6d} {floor_text}{flag}")
        if verbose and s.misses:
            lines.append(f"{'':22} misses: {' '.join(s.misses)}")
    return "\n".join(lines)


def evaluate_real(
    directory: Path = realset.REAL,
) -> tuple[realset.RealResults, dict[str, dict[str, Score]]]:
    """The real-shape set: its scores in three groups (article fields, meeting fields, lists)."""
    results = realset.evaluate_pages(realset.load_pages(directory))
    groups = {
        "article fields": realset.score_articles(results.articles),
        "meeting fields": realset.score_meetings(results.articles),
        "list pages": realset.score_lists(results.lists),
    }
    return results, groups


def real_scores(groups: dict[str, dict[str, Score]]) -> dict[str, Score]:
    return {name: s for group in groups.values() for name, s in group.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=Path, default=CASES, help="directory of labelled cases")
    parser.add_argument("--real", type=Path, default=realset.REAL, help="the real-shape set")
    parser.add_argument("--heldout", type=Path, default=HELDOUT, help="the held-out set")
    parser.add_argument("--floors", type=Path, default=FLOORS, help="JSON of per-field floors")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the cases missed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    results, scores = evaluate(args.cases)
    floors = load_floors(args.floors)
    print(f"{len(results)} cases in {args.cases}")
    print(report(scores, floors, args.verbose))
    failed = below_floors(scores, floors)

    for section, directory in ((REAL_SECTION, args.real), (HELDOUT_SECTION, args.heldout)):
        real, groups = evaluate_real(directory)
        real_floors = load_floors(args.floors, section)
        print(
            f"\n{len(real.articles)} article pages and {len(real.lists)} list pages in {directory}"
        )
        for title, group in groups.items():
            print(f"-- {title}")
            print(report(group, real_floors, args.verbose, tuple(group)))
        failed += [f"{section}/{name}" for name in below_floors(real_scores(groups), real_floors)]
    if failed:
        print(f"below floor: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
