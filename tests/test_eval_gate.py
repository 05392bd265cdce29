"""The evaluation gate: every labelled page through the real extractors, scored against floors."""

from __future__ import annotations

from datetime import date

import pytest

from tests.eval.score import (
    CASES,
    Result,
    below_floors,
    evaluate,
    load_floors,
    main,
    report,
)

MIN_CASES = 85


@pytest.fixture(scope="module")
def evaluated() -> tuple[list[Result], dict]:
    return evaluate()


def test_the_set_is_large_enough_and_labelled(evaluated):
    results, _ = evaluated
    assert len(results) >= MIN_CASES, f"only {len(results)} cases in {CASES}"
    assert {r.case.meta.get("lang") for r in results} == {"zh", "en"}


def test_no_gated_field_is_below_its_floor(evaluated):
    _, scores = evaluated
    floors = load_floors()
    assert {"title", "published_at", "is_meeting", "meeting_date", "presider", "body"} <= set(
        floors
    )
    assert not below_floors(scores, floors), report(scores, floors, verbose=True)


def _seed(results: list[Result], number: str) -> Result:
    found = [r for r in results if r.case.meta.get("template") == "seed" and number in r.case.id]
    assert found, f"seed {number} is not in the evaluation set"
    return found[0]


def test_the_seed_facts_of_the_issue(evaluated):
    results, _ = evaluated
    assert _seed(results, "000").facts.meeting_date == date(2022, 2, 7)
    seed_001 = _seed(results, "001")
    assert seed_001.facts.meeting_date == date(2022, 7, 18)
    published = seed_001.article.published_at
    assert published is None or published.date() != date(2020, 8, 28)  # "Today is 2020-8-28"
    assert _seed(results, "003").facts.meeting_date == date(2022, 8, 22)


def test_every_seed_label_passes(evaluated):
    results, _ = evaluated
    seeds = [r for r in results if r.case.meta.get("template") == "seed"]
    assert len(seeds) == 5
    for r in seeds:
        labels = r.case.labels
        assert r.facts.is_meeting is labels["is_meeting"], r.case.id
        got = r.facts.meeting_date.isoformat() if r.facts.meeting_date else None
        assert got == labels["meeting_date"], r.case.id
        assert (r.facts.presider or None) == labels["presider"], r.case.id


def test_the_scorer_runs_as_a_command(capsys):
    assert main([]) == 0
    assert "published_at" in capsys.readouterr().out
