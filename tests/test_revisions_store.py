"""The store's side of revisions on SQLite and PostgreSQL: snapshots once per content,
an edit's revision and search index, retention, the second "gone" withdrawing."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import Fetched, Filters, Repository, utcnow

URL = "http://x.cn/1.html"


def page(text: str) -> Fetched:
    body = f"<html><body><h1>常务会议</h1><p>{text}</p></body></html>".encode()
    return Fetched(body, 200, {"ETag": f'"{len(text)}"'}, utcnow(), {"link_text": "常务会议"})


def record(body: str) -> dict[str, object]:
    return {"portal": "weibin", "url": URL, "title": "常务会议", "body": body}


def test_an_edit_is_a_revision_with_its_index_and_snapshots_kept_once(repo: Repository) -> None:
    repo.ensure_portal("weibin")
    repo.add_announcements([record("区长吴玉新出席")], snapshots={URL: page("吴玉新")})
    assert repo.recheck_fetched(record("区长吴玉新  出席"), page("吴玉新"), "all", utcnow()) is None
    assert repo.snapshot_sizes()["snapshots"] == 1  # the same content: no second row
    assert repo.recheck_fetched(record("区长李明出席"), page("李明"), "all", utcnow()) == 1
    history = repo.revisions(URL)
    assert history is not None and history[0].changes == {
        "body": ["区长吴玉新出席", "区长李明出席"]
    }
    assert [i["url"] for i in repo.search(Filters(q="李明")).items] == [URL]
    assert repo.search(Filters(q="吴玉新")).items == []
    exported = next(iter(repo.export()))
    assert exported["revised_at"] is not None and exported["body"] == "区长李明出席"
    # first-last keeps the first and the latest (and a revision's own snapshot)
    later = utcnow() + timedelta(days=1)
    for n, text in enumerate(["王五", "赵六", "孙七"], start=2):
        repo.recheck_fetched(record(f"区长{text}出席"), page(text), "first-last", later)
        assert repo.revisions(URL)[-1].number == n  # type: ignore[index]
    sizes = repo.snapshot_sizes()
    assert sizes["snapshots"] == sizes["contents"] == 5  # each kept as a revision's evidence


def test_gone_twice_is_withdrawn_once(repo: Repository) -> None:
    repo.ensure_portal("weibin")
    repo.add_announcements([record("正文")], snapshots={URL: page("正文")})
    now = utcnow()
    assert repo.recheck_gone(URL, "HTTP 404", now) == "gone"
    repo.recheck_unchanged([URL], now)  # back: the outage is forgotten
    assert repo.recheck_gone(URL, "HTTP 404", now) == "gone"
    assert repo.recheck_gone(URL, "HTTP 404", now) == "withdrawn"
    assert repo.recheck_gone(URL, "HTTP 404", now) is None
    assert [r.kind for r in repo.revisions(URL) or []] == ["withdrawn"]
    assert repo.due_rechecks("weibin", now, timedelta(days=14), timedelta(0), 10) == []


def test_rechecks_are_due_by_cadence_within_the_window_and_budget(repo: Repository) -> None:
    repo.ensure_portal("weibin")
    urls = [f"http://x.cn/{n}.html" for n in range(3)]
    repo.add_announcements([{**record("正文"), "url": url} for url in urls])
    start, day = utcnow(), timedelta(days=1)

    def due(now: datetime, limit: int = 10) -> list[str]:
        return [d.url for d in repo.due_rechecks("weibin", now, 14 * day, day, limit)]

    assert due(start) == []  # first fetched just now: not due before recheck_every
    assert due(start + 2 * day, limit=2) == urls[:2]  # the budget, oldest check first
    repo.recheck_unchanged(urls[:2], start + 2 * day)
    assert due(start + 2.5 * day) == urls[2:]  # those checked half a day ago wait
    assert due(start + 3 * day) == [urls[2], *urls[:2]]
    assert due(start + 15 * day) == []  # past recheck_days: never again


def test_a_duration_keeps_the_snapshots_fetched_within_it(repo: Repository) -> None:
    repo.ensure_portal("weibin")
    start, day = utcnow(), timedelta(days=1)

    def fetched(n: int) -> Fetched:  # other bytes, the same text: no revision
        return Fetched(f"<p>正文</p><!-- {n} -->".encode(), 200, {}, start + n * day)

    repo.add_announcements([record("正文")], snapshots={URL: fetched(0)})
    for n in (1, 2, 39, 40):
        assert repo.recheck_fetched(record("正文"), fetched(n), "30d", start + n * day) is None
    # the first, and those of the last 30 days (the 39th and 40th); the 1st and 2nd went
    assert repo.snapshot_sizes()["snapshots"] == 3
