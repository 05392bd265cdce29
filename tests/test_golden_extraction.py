"""Extraction outputs do not move: every field of every eval and benchmark page, as pinned.

A change meant only to make extraction faster must leave tests/eval/golden_extraction.json
true. A change meant to alter output re-records it (`python -m tests.eval.golden --write`)
and says so in its commit.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.eval.golden import GOLDEN, outputs


@pytest.fixture(scope="module")
def pinned() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text("utf-8"))


@pytest.fixture(scope="module")
def found() -> dict[str, Any]:
    return outputs()


def test_the_pinned_set_covers_eval_and_benchmark_pages(pinned):
    pages = pinned["pages"]
    assert sum(p.startswith("eval/") for p in pages) >= 90
    assert sum(p.startswith("bench/") for p in pages) >= 50
    assert sum(bool(p["facts"].get("is_meeting")) for p in pages.values()) >= 100
    assert len(pinned["texts"]) >= 400


def test_the_pages_are_the_pinned_pages(pinned, found):
    """Inputs first: a changed page (eval case, benchmark generator) is no extraction change."""
    assert set(found["pages"]) == set(pinned["pages"])
    changed = [p for p, v in pinned["pages"].items() if found["pages"][p]["html"] != v["html"]]
    assert not changed, f"pages changed since the outputs were pinned: {changed}"
    assert [t["text"] for t in found["texts"]] == [t["text"] for t in pinned["texts"]]


def test_every_page_gives_its_pinned_output(pinned, found):
    for page, want in pinned["pages"].items():
        got = found["pages"][page]
        for key in want:
            assert got[key] == want[key], f"{page}: {key}"


def test_every_synthetic_text_gives_its_pinned_facts(pinned, found):
    for i, (got, want) in enumerate(zip(found["texts"], pinned["texts"], strict=True)):
        assert got == want, f"synthetic text {i}"
