"""`govwatch record forget` and `govwatch portal remove [--purge]` on a mock portal, and an
edited article re-keyed for search and duplicate detection (issue 22)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import update

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle
from storage import SENT, AlertMessage, Filters, Match, NewMessage, Repository, utcnow
from tests.support.portal import (
    crawl,
    govwatch,
    make_articles,
    portal_entry,
    records,
    serve,
    stored,
    write_portals,
)

STYLE = SiteStyle(per_page=20, pager="trs")


def url_of(site: PortalSite, article: SiteArticle) -> str:
    return site.url(f"{STYLE.root}{article.slug}.html")


def crawled(site: PortalSite, tmp_path: Path, articles: list[SiteArticle]) -> tuple[Path, str]:
    """The portal "weibin" serving ``articles``, crawled once: its portal file and database."""
    serve(site, STYLE, articles)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("weibin", site.url("/xwzx/zwdt/index.html"))]
    )
    db = f"sqlite:///{tmp_path / 'g.db'}"
    crawl(portals, db)
    return portals, db


def send_alerts(db: str) -> list[str]:
    """Match every pending alert event to a subscription and mark its email sent, as the
    daemon's sender would; the URLs alerted."""
    repo = Repository.open(db)
    try:
        urls = []
        for event_id, item in repo.pending_events():
            key = f"instant:desk:{item.announcement.id}"
            email = NewMessage(key, "instant", "desk", ["a@x.org"], f"<{key}>", key, key, key)
            repo.expand_event(event_id, item.announcement.id, [Match("desk", email)], utcnow())
            with repo.session.begin() as session:
                session.execute(
                    update(AlertMessage).where(AlertMessage.key == key).values(status=SENT)
                )
            urls.append(item.announcement.url)
        return urls
    finally:
        repo.close()


def test_forget_then_crawl_stores_it_again_once_and_does_not_alert_twice(
    site: PortalSite, tmp_path: Path
) -> None:
    articles = make_articles(5)
    portals, db = crawled(site, tmp_path, articles)  # the baseline: stored, not alerted
    fresh = make_articles(1, prefix="n")[0]
    serve(site, STYLE, [fresh, *articles])
    crawl(portals, db)
    assert send_alerts(db) == [url_of(site, fresh)]
    before = records(db)

    forgotten = [url_of(site, fresh), url_of(site, articles[2])]
    result = govwatch("record", "forget", *forgotten, "--db", db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sorted(line for line in lines if line.startswith("forgot http")) == sorted(
        f"forgot {url}" for url in forgotten
    )
    assert stored(db) == set(before) - set(forgotten)

    site.clear_hits()
    crawl(portals, db)  # the list page answers 304: the missed articles are asked for anyway
    assert [h.status for h in site.hits_for(f"{STYLE.root}{fresh.slug}.html")] == [200]
    after = records(db)
    assert set(after) == set(before)
    for url in forgotten:
        assert after[url]["body"] == before[url]["body"]
    # alerted before it was forgotten: not again; the baseline's article never was: it is now
    assert send_alerts(db) == [url_of(site, articles[2])]
    crawl(portals, db)
    assert send_alerts(db) == [] and set(records(db)) == set(before)


def test_forget_an_unknown_url_is_one_line_and_forgets_nothing(
    site: PortalSite, tmp_path: Path
) -> None:
    articles = make_articles(2)
    _, db = crawled(site, tmp_path, articles)
    known = url_of(site, articles[0])
    result = govwatch("record", "forget", known, "http://x.cn/nope.html", "--db", db)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "govwatch: not stored, nothing forgotten: http://x.cn/nope.html"
    ]
    assert known in stored(db)


def test_portal_remove(site: PortalSite, tmp_path: Path) -> None:
    articles = make_articles(3)
    portals, db = crawled(site, tmp_path, articles)
    text = portals.read_text(encoding="utf-8")

    refused = govwatch("portal", "remove", "weibin", "--portals", str(portals), "--db", db)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"govwatch: portal weibin is still in {portals}: delete its entry first "
        "(govwatch never edits the portal file)"
    ]
    assert portals.read_text(encoding="utf-8") == text
    write_portals(portals, [])
    removed = govwatch("portal", "remove", "weibin", "--portals", str(portals), "--db", db)
    assert removed.returncode == 0, removed.stderr
    assert "list-page validators" in removed.stdout and "records and runs stay" in removed.stdout
    assert len(stored(db)) == 3
    repo = Repository.open(db)
    try:
        assert repo.validators([site.url("/xwzx/zwdt/index.html")]) == {}
        assert repo.portal_health("weibin") is None
    finally:
        repo.close()

    purged = govwatch("portal", "remove", "weibin", "--purge", "--portals", str(portals),
                      "--db", db)  # fmt: skip
    assert purged.returncode == 0, purged.stderr
    assert purged.stdout.startswith("weibin: removed with 3 records (")
    assert stored(db) == set()
    unknown = govwatch("portal", "remove", "weibin", "--portals", str(portals), "--db", db)
    assert unknown.returncode == 2 and "no such portal" in unknown.stderr


def test_an_edited_article_is_searched_and_copied_by_its_new_text(
    site: PortalSite, tmp_path: Path
) -> None:
    articles = make_articles(4)
    portals, db = crawled(site, tmp_path, articles)
    # rewritten: none of its old text's keys find the new text
    rewritten = dataclasses.replace(
        articles[0],
        paragraphs=(
            "4月2日下午，渭滨区召开防汛抗旱指挥部全体成员会议，通报汛期雨情水情和隐患排查情况。",
            "副区长李明主持会议，要求各镇街落实值班值守制度，备足物资，确保群众安全度汛。",
        ),
    )
    serve(site, STYLE, [rewritten, *articles[1:]])
    result = govwatch("crawl", "--recheck", "--portals", str(portals), "--db", db)
    assert result.returncode == 0, result.stderr[-4000:]
    edited = url_of(site, articles[0])

    repo = Repository.open(db)
    try:
        assert [i["url"] for i in repo.search(Filters(q="防汛抗旱")).items] == [edited]
        assert edited not in {i["url"] for i in repo.search(Filters(q="吴玉新")).items}
    finally:
        repo.close()

    copy = dataclasses.replace(rewritten, slug="copy0001", title="转载：渭滨区召开防汛会议")
    serve(site, STYLE, [copy, rewritten, *articles[1:]])
    crawl(portals, db)
    assert records(db)[url_of(site, copy)]["duplicate_of"] == edited
