"""Leases: one holder at a time, taken over after expiry, lost when another takes it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from storage import Repository, holder_name, utcnow
from storage.models import Lease


def expire(repo: Repository, name: str) -> None:
    """Move ``name``'s expiry into the past, as if its holder had stopped renewing."""
    with repo.session.begin() as session:
        lease = session.get(Lease, name)
        assert lease is not None
        lease.expires_at = utcnow() - timedelta(seconds=1)


def test_one_holder_at_a_time_then_the_next_after_release(repo: Repository):
    assert repo.acquire_lease("portal:weibin", "a", ttl=60)
    assert repo.acquire_lease("portal:weibin", "a", ttl=60)  # its own again: a retried call
    assert not repo.acquire_lease("portal:weibin", "b", ttl=60)
    holder = repo.lease_holder("portal:weibin")
    assert holder is not None and holder.holder == "a"
    assert repo.acquire_lease("portal:other", "b", ttl=60)  # another name is another lease
    repo.release_lease("portal:weibin", "b")  # not b's to release
    assert not repo.acquire_lease("portal:weibin", "b", ttl=60)
    repo.release_lease("portal:weibin", "a")
    assert repo.lease_holder("portal:weibin") is None
    assert repo.acquire_lease("portal:weibin", "b", ttl=60)


def test_an_expired_lease_is_taken_over_and_its_old_holder_has_lost_it(repo: Repository):
    assert repo.acquire_lease("scheduler", "old", ttl=60)
    assert repo.renew_lease("scheduler", "old", ttl=60)
    expire(repo, "scheduler")
    assert repo.lease_holder("scheduler") is None
    assert not repo.renew_lease("scheduler", "old", ttl=60)  # expired: lost until re-taken
    assert repo.acquire_lease("scheduler", "new", ttl=60)
    assert not repo.renew_lease("scheduler", "old", ttl=60)
    assert not repo.acquire_lease("scheduler", "old", ttl=60)
    assert [lease.holder for lease in repo.leases("sched")] == ["new"]


def test_of_many_racing_takers_exactly_one_wins(db_url: str):
    repos = [Repository.open(db_url) for _ in range(6)]
    start = threading.Barrier(len(repos))
    won: list[str] = []

    def take(index: int) -> None:
        start.wait()
        if repos[index].acquire_lease("delivery", f"taker {index}", ttl=60):
            won.append(f"taker {index}")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(repos))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(won) == 1
        holder = repos[0].lease_holder("delivery")
        assert holder is not None and holder.holder == won[0]
    finally:
        for repository in repos:
            repository.close()


@pytest.mark.parametrize("role", ["daemon", "worker"])
def test_holders_name_their_role_host_and_process(role: str):
    import os
    import socket

    assert holder_name(role) == f"{role} {socket.gethostname()} pid {os.getpid()}"
