"""Per-page cost of extraction: parse, extract_article, meeting_facts and the dedupe signature.

`python -m tests.eval.bench` times a 20 KB TRS-style article page (a report with sidebar, nav
and footer) and every page of the evaluation set; medians of CPU time on one core.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable

from parsel import Selector

from crawler.dedupe import bands, fingerprint, minhash, shingles, simhash_of
from crawler.demo.site import SiteArticle, SiteStyle, article_page
from crawler.extract.article import extract_article
from crawler.extract.meeting import meeting_facts
from tests.eval.score import load_cases

logger = logging.getLogger(__name__)

REPORT = (
    "2月20日上午，渭滨区召开政府系统“三年”活动暨重点工作安排推进会，贯彻落实省市区委全会和"
    "“两会”精神，进一步安排部署政府系统“三年”活动和重点工作。区长吴玉新出席会议并讲话。区委常委、"
    "常务副区长苗坤，区委常委、副区长王亚琴，副区长廖小霞、赵英凯、苗胜利、王斌出席会议。",
    "吴玉新指出，开展“三年”活动是全面贯彻落实党的二十大精神的务实举措，对于全年工作开好局、起好步"
    "至关重要。全区政府系统要以“三年”活动为抓手，把重大项目、重点任务、亮点品牌创建“三个清单”落实"
    "作为分内之责，全力以赴抓经济、优环境、转作风，奋力谱写渭滨高质量发展新篇章。",
    "吴玉新强调，要认清形势、提高站位，迅速“紧起来”。开展“三年”活动是落实政治任务的要求，各镇街、"
    "各部门要把抓落实摆在突出位置，以“开局就是决战、起步就是冲刺”的状态，全面动起来、干起来、拼起来。",
)


def page_of(size: int = 20_000) -> str:
    """A TRS-style article page of about ``size`` bytes (UTF-8)."""
    latest = [
        SiteArticle(
            slug=f"s{i}",
            title=f"渭滨区召开第{i}次政府常务会议暨重点工作推进会",
            published="2023-02-01 10:00",
            paragraphs=(),
        )
        for i in range(30)
    ]
    paragraphs: list[str] = []
    while True:
        article = SiteArticle(
            slug="x",
            title="渭滨区召开政府系统“三年”活动暨重点工作安排推进会",
            published="2023-02-22 11:33",
            paragraphs=paragraphs,
            source="渭滨区人民政府",
        )
        html = article_page(SiteStyle(), article, latest)
        if len(html.encode()) >= size:
            return html
        paragraphs.append(REPORT[len(paragraphs) % len(REPORT)])


def one_page(html: str) -> None:
    """What the pipelines do with one fetched page, the store aside."""
    article = extract_article(Selector(text=html), "http://www.weibin.gov.cn/xwzx/zwdt/x.html")
    meeting_facts(article.title, article.body, article.published_at)
    fingerprint(article.body)
    hashes = shingles(article.body)
    bands(minhash(hashes))
    simhash_of(hashes)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm caches
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args(argv)
    html = page_of()
    sel = Selector(text=html)
    article = extract_article(sel, "http://x/")
    hashes = shingles(article.body)
    print(f"20 KB page ({len(html.encode())} bytes, body {len(article.body)} characters):")
    rows = {
        "parse (lxml via parsel)": lambda: Selector(text=html),
        "extract_article": lambda: extract_article(sel, "http://x/"),
        "meeting_facts": lambda: meeting_facts(article.title, article.body, article.published_at),
        "dedupe signature": lambda: (
            bands(minhash(hashes)),
            simhash_of(hashes),
            shingles(article.body),
        ),
        "all of it": lambda: one_page(html),
    }
    for name, fn in rows.items():
        print(f"  {name:26} {median_ms(fn, args.runs):7.3f} ms median")
    cases = load_cases()
    if cases:
        per_case = [median_ms(lambda c=case: one_page(c.html), 20) for case in cases]
        sizes = [len(case.html.encode()) for case in cases]
        print(
            f"evaluation set: {len(cases)} pages, median {statistics.median(sizes) / 1000:.1f} KB,"
            f" {statistics.median(per_case):.3f} ms median per page (max {max(per_case):.3f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
