"""Mock portals: generated articles served by crawler.demo.server.PortalSite on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle, build_site
from storage import CrawlRun, Repository

# Local servers need no politeness; tests must not wait on AutoThrottle.
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}
ROOT = Path(__file__).resolve().parents[2]

TOPICS = (
    "常务会议",
    "项目建设推进会",
    "安全生产工作会议",
    "乡村振兴调研",
    "招商引资座谈会",
    "森林防火通告",
)


def make_articles(count: int, prefix: str = "a", start_day: int = 28) -> list[SiteArticle]:
    """``count`` distinct articles, newest first, dated backwards from 2023-03-{start_day}."""
    articles = []
    for i in range(count):
        day = 1 + (start_day - 1 - i) % 28
        month = 3 - (i // 28) % 2
        topic = TOPICS[i % len(TOPICS)]
        articles.append(
            SiteArticle(
                slug=f"{prefix}{i:04d}",
                title=f"渭滨区召开第{prefix}{i}次{topic}",
                published=f"2023-{month:02d}-{day:02d} 10:{i % 60:02d}",
                source="渭滨区人民政府",
                paragraphs=(
                    f"{month}月{day}日上午，渭滨区召开第{prefix}{i}次{topic}，研究部署第{i}项重点工作。",
                    f"区长吴玉新出席会议并讲话，强调要抓好第{i}批项目落实。编号{prefix}-{i}-{i * 7919}。",
                ),
            )
        )
    return articles


def serve(site: PortalSite, style: SiteStyle, articles: Sequence[SiteArticle]) -> None:
    """Put every page of the portal on ``site`` (in ``style.charset``)."""
    for path, page in build_site(style, articles).items():
        charset = style.charset
        body = page.encode("gb18030" if charset.lower() in ("gbk", "gb2312") else charset)
        site.put(path, body, f"text/html; charset={charset}")


def section_list(site: PortalSite, path: str, root: str = "/xwzx/tzgg/") -> str:
    """Serve, at ``path`` (an article's URL, say), page one of another section's list: a
    page linked like an article that is a list. Returns the section's own list URL."""
    style = SiteStyle(root=root, per_page=20, pager="next")
    pages = build_site(style, make_articles(25, prefix="s"))
    page = pages[f"{root}index.html"]
    site.put(path, page.encode(), "text/html; charset=utf-8")
    site.put(f"{root}index.html", page.encode(), "text/html; charset=utf-8")
    return site.url(f"{root}index.html")


def article_urls(site: PortalSite, style: SiteStyle, articles: Sequence[SiteArticle]) -> set[str]:
    return {site.url(f"{style.root}{a.slug}.html") for a in articles}


def write_portals(path: Path, entries: Sequence[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(list(entries), allow_unicode=True), encoding="utf-8")
    return path


def portal_entry(name: str, start_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "start_urls": [start_url],
        "settings": {**FAST, **extra.pop("settings", {})},
        **extra,
    }


def govwatch(*args: str, timeout: float = 180, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run the govwatch CLI in its own process, as users and the daemon do."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=kwargs.pop("cwd", ROOT),
        env=env,
        **kwargs,
    )


def crawl(
    portals: Path, db: str, *names: str, full: bool = False, expect: int = 0
) -> subprocess.CompletedProcess[str]:
    """``govwatch crawl``, expected to exit ``expect`` (0 finished, 3 partial, 1 failed)."""
    result = govwatch(
        "crawl", *names, "--portals", str(portals), "--db", db, *(["--full"] if full else [])
    )
    assert result.returncode == expect, (
        f"crawl exited {result.returncode}, not {expect}:\n{result.stderr[-4000:]}"
    )
    return result


def stored(db: str) -> set[str]:
    """The URLs stored in ``db``."""
    repo = Repository.open(db)
    try:
        return {r["url"] for r in repo.export()}
    finally:
        repo.close()


def records(db: str) -> dict[str, dict[str, Any]]:
    """Every stored record by URL, without ``first_seen_at`` (which differs between runs)."""
    repo = Repository.open(db)
    try:
        return {
            r["url"]: {k: v for k, v in r.items() if k != "first_seen_at"} for r in repo.export()
        }
    finally:
        repo.close()


def last_run(db: str, portal: str) -> CrawlRun | None:
    """The latest crawl run of ``portal`` in ``db``."""
    repo = Repository.open(db)
    try:
        return repo.last_run(portal)
    finally:
        repo.close()
