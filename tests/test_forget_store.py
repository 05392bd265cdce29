"""Deleting records and portal state on SQLite and PostgreSQL (storage.forget): what hangs
off a record goes with it, in one transaction; shared snapshots, sent alerts and other
records stay; copies of a deleted first copy are relinked; an edit re-keys the dedupe index."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from crawler.dedupe import sign
from storage import (
    SENT,
    AlertDelivery,
    AlertEvent,
    AlertMessage,
    Announcement,
    AnnouncementBand,
    Fetched,
    Filters,
    Match,
    Missed,
    NewMessage,
    Repository,
    Snapshot,
    SnapshotBlob,
    utcnow,
)
from storage.models import ForgottenAlert, ListPage, MissedUrl, PortalHealth, PortalRow
from storage.runs import Validators

BODY = "渭滨区人民政府召开第十二次常务会议，区长吴玉新主持会议并讲话，研究部署近期重点工作。" * 2
OTHER = "渭滨区召开项目建设推进会，副区长李明出席会议，听取各镇街重点项目进展情况汇报。" * 2
A, B, C, D = (f"http://x.cn/{name}.html" for name in "abcd")


def page(text: str) -> Fetched:
    body = f"<html><body><p>{text}</p></body></html>".encode()
    return Fetched(body, 200, {}, utcnow(), {"link_text": "常务会议", "link_date": "2026-03-28"})


def signed(body: str) -> dict[str, Any]:
    signature = sign(body)
    return {"fingerprint": signature.fingerprint, "simhash": signature.simhash,
            "bands": signature.bands}  # fmt: skip


def record(url: str, body: str, portal: str = "weibin", **extra: Any) -> dict[str, Any]:
    return {"portal": portal, "url": url, "title": "常务会议", "body": body, **signed(body),
            **extra}  # fmt: skip


def count(repo: Repository, model: Any, *where: Any) -> int:
    with repo.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def message(key: str) -> NewMessage:
    return NewMessage(key, "instant", "desk", ["a@x.org"], f"<{key}@x>", key, key, key)


def alert(repo: Repository, url: str, sent: bool = False) -> None:
    """Match ``url``'s alert event to the subscription "desk": an instant message, sent or not."""
    for event_id, item in repo.pending_events():
        if item.announcement.url == url:
            key = f"instant:desk:{item.announcement.id}"
            more = [message(key + ">chat")]
            repo.expand_event(event_id, item.announcement.id, [Match("desk", message(key), more)],
                              utcnow())  # fmt: skip
            if sent:
                with repo.session.begin() as session:
                    session.execute(
                        update(AlertMessage).where(AlertMessage.key == key).values(status=SENT)
                    )


def ids(repo: Repository) -> dict[str, int]:
    with repo.session() as session:
        return {url: id_ for url, id_ in session.execute(select(Announcement.url, Announcement.id))}


def stored(repo: Repository) -> dict[str, str | None]:
    with repo.session() as session:
        rows = session.execute(select(Announcement.url, Announcement.duplicate_of))
        return {url: first for url, first in rows}


def test_forget_takes_what_hangs_off_a_record_and_keeps_the_rest(repo: Repository) -> None:
    repo.ensure_portal("weibin")
    repo.add_announcements(
        [record(A, BODY), record(B, BODY, duplicate_of=A), record(C, BODY, duplicate_of=A),
         record(D, OTHER)],
        enqueue_alerts=True,
        snapshots={A: page(BODY), B: page(BODY), C: page("C"), D: page(OTHER)},
    )  # fmt: skip
    assert repo.recheck_fetched(record(A, BODY + "补充"), page("edited"), "all", utcnow()) == 1
    alert(repo, A)  # pending: deleted with A
    alert(repo, D, sent=True)  # sent: history, and D counts as alerted
    revision = repo.revisions(A)[0]  # type: ignore[index]
    repo.add_change_messages(revision.id, [message(f"change:desk:{revision.id}")], utcnow())
    repo.remember_missed("weibin", [Missed(A, "article", error="timeout")])
    before = ids(repo)
    contents = count(repo, SnapshotBlob)

    deleted = repo.forget_records([A, D, "http://x.cn/unknown.html"])

    assert sorted(deleted.urls) == [A, D]
    assert deleted.rows["revisions"] == 1 and deleted.rows["unsent alerts"] == 3
    # B, the earliest copy left, is the first copy now; C is its copy
    assert stored(repo) == {B: None, C: B}
    gone = [before[A], before[D]]
    assert count(repo, AnnouncementBand, AnnouncementBand.announcement_id.in_(gone)) == 0
    assert count(repo, AnnouncementBand) > 0  # B's and C's keys stay
    assert repo.search(Filters(q="补充")).items == []
    assert sorted(i["url"] for i in repo.search(Filters(q="吴玉新")).items) == [B, C]
    assert count(repo, Snapshot, Snapshot.announcement_id.in_(gone)) == 0
    # A's first page is B's too: that content stays; A's edit and D's page go
    assert count(repo, SnapshotBlob) == contents - 2
    assert deleted.rows["snapshot contents"] == 2
    for model in (AlertEvent, AlertDelivery):
        assert count(repo, model, model.announcement_id.in_(gone)) == 0
    assert [m.key for m in repo.messages(statuses=(SENT,))] == [f"instant:desk:{before[D]}"]
    assert count(repo, AlertMessage) == 2  # D's sent email, D's chat post (still pending)
    # the next crawl asks for both again, with the list's hints; D was alerted
    missed = {m.url: m for m in repo.missed("weibin")}
    assert set(missed) == {A, D} and missed[A].link_text == "常务会议"
    assert count(repo, ForgottenAlert) == 1

    # stored again: A is new for alerts, D was alerted before and is not
    repo.add_announcements([record(A, BODY), record(D, OTHER)], enqueue_alerts=True)
    alerted = {item.announcement.url for _, item in repo.pending_events()}
    assert alerted == {A, B, C}  # (B's and C's were never matched)


def test_remove_portal_keeps_records_unless_purged(repo: Repository) -> None:
    for name in ("weibin", "jintai"):
        repo.ensure_portal(name)
    repo.add_announcements(
        [record(A, BODY), record(D, OTHER), record(B, BODY, "jintai", duplicate_of=A)],
        snapshots={A: page(BODY), B: page(BODY)},
    )
    repo.save_validators("weibin", {"http://x.cn/list.html": Validators('"1"', None)})
    run = repo.start_run("weibin", full=False)
    repo.record_health("weibin", "broken", "no links", run, utcnow(), lambda _: None)
    assert repo.acquire_lease("portal:weibin", "crawl", 60)

    kept = repo.remove_portal("weibin")
    assert kept.urls == [] and kept.rows["list-page validators"] == 1
    assert kept.rows["health"] == 1 and kept.rows["leases"] == 1
    assert set(stored(repo)) == {A, B, D} and count(repo, PortalRow) == 2

    purged = repo.remove_portal("weibin", purge=True)
    assert sorted(purged.urls) == [A, D] and purged.rows["runs"] == 1
    assert stored(repo) == {B: None}  # jintai's copy is a first copy now
    assert repo.portal_names() == ["jintai"]
    assert count(repo, Snapshot) == count(repo, SnapshotBlob) == 1
    for model in (ListPage, MissedUrl, PortalHealth):
        assert count(repo, model) == 0
    assert repo.search(Filters(q="李明")).items == []


def test_an_edit_rekeys_the_dedupe_index(repo: Repository) -> None:
    repo.ensure_portal("weibin")
    repo.add_announcements([record(A, BODY)], snapshots={A: page(BODY)})
    assert repo.recheck_fetched(record(A, OTHER), page(OTHER), "all", utcnow()) == 1
    new = signed(OTHER)
    assert repo.first_with_fingerprints([new["fingerprint"]]) == {new["fingerprint"]: A}
    assert repo.first_with_fingerprints([signed(BODY)["fingerprint"]]) == {}
    [found] = repo.near_duplicate_candidates([new["bands"]])
    assert [url for url, _, _ in found] == [A]
    assert repo.near_duplicate_candidates([signed(BODY)["bands"]]) == [[]]
