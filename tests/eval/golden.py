"""Golden extraction outputs: every field extract_article and meeting_facts give, pinned.

`python -m tests.eval.golden --write` records them in tests/eval/golden_extraction.json (only
on code whose output is known good); tests/test_golden_extraction.py asserts they do not move.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from parsel import Selector

from bench.simsite import make_site_articles
from bench.throughput import STYLE
from crawler.analysis import clean_text
from crawler.demo.site import article_path, build_site
from crawler.extract.article import Article, extract_article
from crawler.extract.meeting import (
    meeting_date,
    meeting_facts,
    meeting_form,
    meeting_location,
    meeting_name,
)
from tests.eval.score import _list_date, load_cases

GOLDEN = Path(__file__).resolve().parent / "golden_extraction.json"
BENCH_PAGES = 50  # of the benchmark site's 300 articles, every sixth
# Titles that make meeting_facts read a body's facts even when its own title names no meeting
FORCED_TITLES = ("县政府召开常务会议", "The county government held an executive meeting")
# Pieces of which the synthetic texts (dates, roles, names, both languages) are made
PIECES = (
    "2023年",
    "2月",
    "20日",
    "二月二十日",
    "上午",
    "On the 22nd,",
    "On February 7th, 2023,",
    "发布时间：2023-02-22",
    "会议时间：3月1日",
    "Time: March 1",
    "县政府",
    "召开",
    "举行",
    "第十一次常务会议",
    "推进会",
    "定于",
    "will be held",
    "区长吴玉新",
    "主持会议并讲话",
    "副区长廖小霞、赵英凯出席会议",
    "会议由县长赵贵波主持",
    "Wang Zhongkun presided over the meeting",
    "Mayor Li Ming delivered a speech",
    "Zhao Guibo and Han Tong attended",
    "在县政府三楼会议室",
    "以视频会议形式",
    "via video",
    "传达全省视频会议精神",
    "调研",
    "the spirit of the teleconference",
    "，",
    "。",
    ". ",
    "\n",
    " ",
)


def _plain(value: Any) -> Any:
    """JSON-ready: dates and datetimes as ISO text (offset included), the rest as is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _article(found: Article) -> dict[str, Any]:
    """An article's fields; the body as its length, digest and first line (the file stays small)."""
    fields = _plain(asdict(found))
    body = fields.pop("body")
    fields["body"] = {"chars": len(body), "sha": _digest(body), "head": body.split("\n")[0][:80]}
    return fields


def _pages() -> Iterator[tuple[str, str, str, str | None, datetime | None]]:
    """(id, html, url, list_title, list_date) of every eval case, then of benchmark pages."""
    for case in load_cases():
        meta = case.meta
        url = meta.get("url") or f"http://eval.invalid/{case.id}.html"
        yield (
            f"eval/{case.id}",
            case.html,
            url,
            meta.get("list_title") or None,
            _list_date(meta.get("list_date")),
        )
    articles = make_site_articles(300)
    site = build_site(STYLE, articles)
    for article in articles[:: len(articles) // BENCH_PAGES][:BENCH_PAGES]:
        path = article_path(STYLE, article)
        yield f"bench{path}", site[path], f"http://127.0.0.1{path}", article.title, None


def _facts(title: str | None, body: str, published: datetime | None) -> dict[str, Any]:
    """The facts that were found (a field left out is None, empty or False)."""
    found = _plain(asdict(meeting_facts(title, body, published)))
    return {name: value for name, value in found.items() if value}


def _parts(title: str | None, body: str, published: datetime | None) -> dict[str, Any]:
    """The public fact readers on their own, whether or not the text is a meeting's."""
    return _plain(
        {
            "date": meeting_date(title, body, published),
            "name": meeting_name(title, body),
            "location": meeting_location(body),
            "form": meeting_form(title, body),
        }
    )


def page_outputs(
    html: str, url: str, list_title: str | None, list_date: datetime | None
) -> dict[str, Any]:
    """Every output of one page: as the pipelines run it, and in variants that reach more code."""
    html = clean_text(html)
    article = extract_article(Selector(text=html), url, None, list_title, list_date)
    bare = extract_article(Selector(text=html), url)  # no list title or date to agree with
    title, body, published = article.title, article.body, article.published_at
    return {
        "html": _digest(html),
        "article": _article(article),
        "bare": _article(bare) if asdict(bare) != asdict(article) else "same",
        "facts": _facts(title, body, published),
        "facts_undated": _facts(title, body, None),
        "facts_forced": [_facts(t, body, published) for t in FORCED_TITLES],
        "parts": _parts(title, body, published),
    }


def synthetic_texts(count: int = 400, seed: int = 20230222) -> list[str]:
    """Texts of 1 to 30 pieces; drawn with random() alone, which Python keeps the same."""
    rng = random.Random(seed)

    def pick(n: int) -> int:
        return int(rng.random() * n)

    return ["".join(PIECES[pick(len(PIECES))] for _ in range(1 + pick(30))) for _ in range(count)]


def text_outputs(text: str) -> dict[str, Any]:
    """meeting_facts on a synthetic text, as the body and as the title."""
    published = datetime.fromisoformat("2023-03-01T10:00:00+08:00")
    return {
        "body": _facts(None, text, published),
        "title": _facts(text, "", published),
        "forced": _facts(FORCED_TITLES[0], text, None),
        "parts": _parts(None, text, published),
    }


def outputs() -> dict[str, Any]:
    pages = {pid: page_outputs(*rest) for pid, *rest in _pages()}
    texts = [{"text": _digest(t), **text_outputs(t)} for t in synthetic_texts()]
    return {"pages": pages, "texts": texts}


def _dump(found: dict[str, Any]) -> str:
    """The outputs as JSON, one page or text a line (a change shows as the lines it moved)."""

    def line(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    pages = ",\n".join(f" {line(k)}: {line(v)}" for k, v in found["pages"].items())
    texts = ",\n".join(f" {line(t)}" for t in found["texts"])
    return f'{{"pages": {{\n{pages}\n}},\n"texts": [\n{texts}\n]}}\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"record the outputs in {GOLDEN}")
    args = parser.parse_args(argv)
    found = outputs()
    if args.write:
        GOLDEN.write_text(_dump(found), "utf-8")
        return 0
    pinned = json.loads(GOLDEN.read_text("utf-8"))
    changed = [p for p in pinned["pages"] if pinned["pages"][p] != found["pages"].get(p)]
    changed += [t["text"] for t, f in zip(pinned["texts"], found["texts"], strict=True) if t != f]
    sys.stdout.write("".join(f"changed: {c!r}\n" for c in changed) or "no change\n")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
