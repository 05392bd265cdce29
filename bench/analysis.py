"""CPU per article analysed (clean → extract → classify → sign) and per list page read.

Pages: the evaluation set and a 20 KB TRS-style report; list pages of the generic, TRS and
Hanweb families. Each figure is set against an lxml parse of the same pages, in the same run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

from parsel import Selector
from scrapy.http import HtmlResponse

from bench.common import Options, Result, fmt, median
from crawler.analysis import analyse, classify, clean, extract, signature
from crawler.configfiles.portals import Selectors
from crawler.demo.site import SiteArticle, SiteStyle, article_page, build_site, list_path
from crawler.extract import families
from crawler.items import AnnouncementItem
from storage.zones import PORTAL_ZONE
from tests.eval.score import load_cases
from tests.support.cms import hanweb_list_page
from tests.support.portal import make_articles

logger = logging.getLogger(__name__)

NAME = "analysis"
PASSES = 5  # passes over the page mix per measurement (1 with --quick)
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


def trs_report_page(size: int = 20_000) -> str:
    """A TRS-style article page of about ``size`` bytes (UTF-8): a report with sidebar, nav
    and footer, the size of a typical county portal's article."""
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


def _list_date(value: str | None) -> datetime | None:
    if not value:
        return None
    day = date.fromisoformat(value[:10])
    return datetime(day.year, day.month, day.day, tzinfo=PORTAL_ZONE)


def article_items() -> list[Callable[[], AnnouncementItem]]:
    """A fresh item per call for every page of the mix (analysis consumes the item's html)."""
    pages: list[tuple[str, str, str | None, datetime | None]] = [
        ("http://www.weibin.gov.cn/xwzx/zwdt/x.html", trs_report_page(), None, None)
    ]
    for case in load_cases():
        url = case.meta.get("url") or f"http://eval.invalid/{case.id}.html"
        list_date = _list_date(case.meta.get("list_date"))
        pages.append((url, case.html, case.meta.get("list_title") or None, list_date))
    return [partial(_item, *page) for page in pages]


def _item(
    url: str, html: str, list_title: str | None, list_date: datetime | None
) -> AnnouncementItem:
    return AnnouncementItem("bench", url, html, list_title=list_title, list_date=list_date)


def list_pages() -> list[tuple[str, bytes]]:
    """(url, body) of list pages of each family: generic and TRS (the demo site's), Hanweb."""
    base = "http://www.example.gov.cn"
    articles = make_articles(40)
    pages: list[tuple[str, str]] = []
    for style in (SiteStyle(), SiteStyle(pager="next")):
        site = build_site(style, articles)
        pages += [(list_path(style, n), site[list_path(style, n)]) for n in (0, 1)]
    pages.append(("/col/col123/index.html", hanweb_list_page(articles[:15], total=45)))
    return [(base + path, html.encode("utf-8")) for path, html in pages]


def _response(page: tuple[str, bytes]) -> HtmlResponse:
    return HtmlResponse(page[0], body=page[1], encoding="utf-8")


def cpu_per(work: Callable[[Any], object], inputs: Sequence[Any], passes: int) -> float:
    """CPU seconds per input of ``work`` over ``passes`` passes (after one warm-up pass)."""
    for each in inputs:
        work(each)
    start = time.process_time()
    for _ in range(passes):
        for each in inputs:
            work(each)
    return (time.process_time() - start) / (passes * len(inputs))


def _stages(make: Callable[[], AnnouncementItem], spent: dict[str, float]) -> None:
    """One page through each stage, as :func:`crawler.analysis.analyse` runs them, timed apart."""
    item = make()
    for name, stage in (
        ("clean", clean),
        ("extract", lambda i: extract(i, None)),
        ("classify", classify),
        ("sign", signature),
    ):
        start = time.process_time()
        stage(item)
        spent[name] = spent.get(name, 0.0) + time.process_time() - start


def run(options: Options) -> Result:
    result = Result(NAME, "CPU per article analysed and per list page read, against an lxml parse")
    passes = 1 if options.quick else PASSES
    items = article_items()
    htmls = [make().html for make in items]
    lists = list_pages()
    selectors = Selectors()
    runs: list[dict[str, float]] = []
    for i in range(options.repeat):
        spent: dict[str, float] = {}
        for timed in (False, True):  # the first pass warms caches and imports
            for _ in range(passes if timed else 1):
                for make in items:
                    _stages(make, spent if timed else {})
        runs.append(
            {
                "parse": cpu_per(lambda html: Selector(text=html), htmls, passes),
                "analyse": cpu_per(lambda make: analyse(make(), None), items, passes),
                **{k: v / (passes * len(items)) for k, v in spent.items()},
                "list_parse": cpu_per(lambda p: _response(p).selector, lists, passes),
                "list_page": cpu_per(
                    lambda p: families.list_page(_response(p), selectors), lists, passes
                ),
            }
        )
        logger.info("run %d: %s", i + 1, {k: round(v * 1000, 3) for k, v in runs[-1].items()})
    ms = {key: median([r[key] for r in runs]) * 1000 for key in runs[0]}
    result.data.update(articles=len(items), list_pages=len(lists), passes=passes, runs=runs)
    result.add(
        f"CPU per article analysed ({len(items)} pages)",
        f"{fmt(ms['analyse'], 3)} ms",
        note=f"{fmt(ms['analyse'] / ms['parse'], 1)}× an lxml parse of the page"
        f" ({fmt(ms['parse'], 3)} ms); `crawler.analysis.analyse`",
    )
    result.add(
        "  of which clean / extract / classify / sign",
        " / ".join(fmt(ms[k], 3) for k in ("clean", "extract", "classify", "sign")) + " ms",
        note="extract includes the parse",
    )
    result.add(
        f"CPU per list page read ({len(lists)} pages)",
        f"{fmt(ms['list_page'], 3)} ms",
        note=f"{fmt(ms['list_page'] / ms['list_parse'], 1)}× an lxml parse of the page"
        f" ({fmt(ms['list_parse'], 3)} ms); `families.list_page`",
    )
    return result
