"""Near-duplicate detection: copies on other portals link to the first copy, sister meetings don't."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.dedupe import (
    Deduplicator,
    bands,
    fingerprint,
    hamming,
    minhash,
    same_text,
    shingles,
    simhash,
)
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle
from storage import Repository
from tests.support.portal import crawl, make_articles, portal_entry, serve, write_portals

REPORT = (
    "2月20日上午，渭滨区召开政府系统“三年”活动暨重点工作安排推进会，贯彻落实省市区委全会和"
    "“两会”精神，进一步安排部署政府系统“三年”活动和重点工作。\n"
    "区长吴玉新出席会议并讲话。区委常委、常务副区长苗坤，区委常委、副区长王亚琴，副区长廖小霞、"
    "赵英凯、苗胜利、王斌、赵义波、魏新林出席会议。\n"
    "吴玉新指出，开展“三年”活动是全面贯彻落实党的二十大精神的务实举措，对于全年工作开好局、"
    "起好步至关重要。全区政府系统要以“三年”活动为抓手，把重大项目、重点任务、亮点品牌创建"
    "“三个清单”落实作为分内之责，全力以赴抓经济、优环境、转作风。"
)
COPY = "来源：宝鸡日报 2023-02-23\n" + REPORT + "\n（责任编辑：张三）"
SISTER = (
    REPORT.replace("2月20日上午", "3月6日上午")
    .replace("政府系统“三年”活动暨重点工作安排推进会", "安全生产工作会议")
    .replace("开展“三年”活动是全面贯彻落实党的二十大精神的务实举措", "安全生产是发展的底线")
)


def test_exact_fingerprint_ignores_whitespace_and_punctuation():
    assert fingerprint(REPORT) == fingerprint(REPORT.replace("，", ",  ").replace("\n", " "))
    assert fingerprint("太短") is None


def test_copy_with_boilerplate_is_the_same_text_a_sister_meeting_is_not():
    assert same_text(REPORT, COPY)
    assert same_text(COPY, REPORT)
    assert not same_text(REPORT, SISTER)


def test_a_copy_shares_lsh_bands_and_a_close_simhash():
    a, b = shingles(REPORT), shingles(COPY)
    assert set(bands(minhash(a))) & set(bands(minhash(b)))
    first, second = simhash(REPORT), simhash(COPY)
    assert first is not None and second is not None
    assert hamming(first, second) < hamming(first, simhash("完全不同的一篇文章，" * 20) or 0)


def test_english_mirror_copy_with_reporter_line():
    body = (
        "On the 22nd, the party group of the municipal government held an enlarged meeting to "
        "convey, study and implement the spirit of the important speech. Wang Zhongkun, Deputy "
        "Secretary of the Municipal Party Committee, presided over the meeting and delivered a "
        "speech. Members of the party group of the municipal government attended the meeting."
    )
    assert same_text(body, body + "\nReporter | Yue Dahai editor | CAI Yu")
    other = body.replace("On the 22nd", "On the 29th").replace("enlarged meeting", "study session")
    assert not same_text(body, other)


@pytest.fixture
def memory_repo() -> Iterator[Repository]:
    repo = Repository.open("sqlite://")
    repo.ensure_portal("a")
    yield repo
    repo.close()


def _deduplicator(repo: Repository) -> Deduplicator:
    return Deduplicator.for_repository(repo)


def _store(repo: Repository, url: str, body: str, dedupe: Deduplicator) -> str | None:
    signature = dedupe.check(url, body)
    repo.add_announcements(
        [
            {
                "portal": "a",
                "url": url,
                "body": body,
                "fingerprint": signature.fingerprint,
                "simhash": signature.simhash,
                "duplicate_of": signature.duplicate_of,
                "bands": signature.bands,
            }
        ]
    )
    return signature.duplicate_of


def test_deduplicator_links_to_the_first_copy_across_processes(memory_repo: Repository):
    assert _store(memory_repo, "http://a/1", REPORT, _deduplicator(memory_repo)) is None
    # a later crawl (a new deduplicator: nothing in memory) finds the stored first copy
    assert _store(memory_repo, "http://b/1", COPY, _deduplicator(memory_repo)) == "http://a/1"
    third = COPY.replace("宝鸡日报", "陕西日报")
    assert _store(memory_repo, "http://c/1", third, _deduplicator(memory_repo)) == "http://a/1"
    assert _store(memory_repo, "http://a/2", SISTER, _deduplicator(memory_repo)) is None


def test_deduplicator_links_copies_seen_in_the_same_crawl_before_they_are_stored():
    dedupe = Deduplicator(lambda _: {}, lambda key_sets: [[] for _ in key_sets])
    assert dedupe.check("http://a/1", REPORT).duplicate_of is None
    assert dedupe.check("http://b/1", COPY).duplicate_of == "http://a/1"
    assert dedupe.check("http://a/2", SISTER).duplicate_of is None


def test_near_duplicate_candidates_on_each_backend(repo: Repository):
    repo.ensure_portal("a")
    dedupe = _deduplicator(repo)
    _store(repo, "http://a/1", REPORT, dedupe)
    keys = bands(minhash(shingles(COPY)))
    other = bands(minhash(shingles("今天天气很好，我们一起去公园散步，看见了许多盛开的花。" * 3)))
    found = repo.near_duplicate_candidates([keys, [], other, keys])
    assert [[row[0] for row in rows] for rows in found] == [["http://a/1"], [], [], ["http://a/1"]]
    assert repo.near_duplicate_candidates([]) == []


def test_crawled_copies_on_another_portal_point_at_the_first(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    originals = make_articles(6)
    copies = [
        replace(
            a,
            title="宝鸡转载：" + a.title,
            source="宝鸡日报",
            paragraphs=("来源：宝鸡日报", *a.paragraphs, "（责任编辑：张三）"),
        )
        for a in originals
    ]
    first = SiteStyle(root="/weibin/", title="渭滨区人民政府")
    second = SiteStyle(root="/baoji/", title="宝鸡市人民政府")
    serve(site, first, originals)
    serve(site, second, copies)
    portals = write_portals(
        tmp_path / "portals.yaml",
        [
            portal_entry("weibin", site.url("/weibin/index.html")),
            portal_entry("baoji", site.url("/baoji/index.html")),
        ],
    )
    crawl(portals, sqlite_url, "weibin")
    crawl(portals, sqlite_url, "baoji")
    repo = Repository.open(sqlite_url)
    try:
        records = {r["url"]: r for r in repo.export()}
    finally:
        repo.close()
    for original, copy in zip(originals, copies, strict=True):
        first_url = site.url(f"/weibin/{original.slug}.html")
        copy_url = site.url(f"/baoji/{copy.slug}.html")
        assert records[first_url]["duplicate_of"] is None
        assert records[copy_url]["duplicate_of"] == first_url
