"""The store's side of revisions on SQLite and PostgreSQL: snapshots once per content,
an edit's revision and search index, retention, the second "gone" withdrawing."""

from __future__ import annotations

from datetime import timedelta

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
