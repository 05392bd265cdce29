"""Crawl runs (how each crawl of a portal went), its list pages' HTTP validators, and the
list pages and articles a run missed (fetched again by the next crawl)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from storage.base import Store, chunks
from storage.durations import utcnow
from storage.models import CrawlRun, ListPage, MissedUrl
from storage.retry import retried

RESET = "reset"  # a run's status: `govwatch portal reset`, no crawl


@dataclass(frozen=True)
class Validators:
    """HTTP validators remembered for one list page."""

    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class Missed:
    """A list page or article a crawl could not read (or parse, or store)."""

    url: str
    kind: str  # "list" or "article"
    page: int | None = None  # a list page's place in its walk
    link_text: str | None = None  # what the list showed for an article
    link_date: str | None = None  # ISO 8601
    error: str | None = None
    attempts: int = 1  # crawls that missed it, this one included


LIST, ARTICLE = "list", "article"


class Runs(Store):
    """The crawl_runs, list_pages and missed_urls tables."""

    # -- what runs missed ------------------------------------------------------

    @retried("read missed pages")
    def missed(self, portal: str) -> list[Missed]:
        """What earlier crawls of ``portal`` missed, the oldest first."""
        stmt = select(MissedUrl).where(MissedUrl.portal == portal).order_by(MissedUrl.id)
        with self.session() as session:
            return [
                Missed(r.url, r.kind, r.page, r.link_text, r.link_date, r.last_error, r.attempts)
                for r in session.scalars(stmt)
            ]

    @retried("remember missed pages")
    def remember_missed(self, portal: str, pages: Iterable[Missed]) -> None:
        """Remember ``pages`` for the next crawl; one missed again counts one more attempt."""
        now = utcnow()
        with self.session.begin() as session:
            for page in {p.url: p for p in pages}.values():
                stmt = self._insert(MissedUrl).values(
                    portal=portal,
                    url=page.url,
                    kind=page.kind,
                    page=page.page,
                    link_text=page.link_text,
                    link_date=page.link_date,
                    attempts=1,
                    last_error=page.error,
                    first_missed_at=now,
                    last_missed_at=now,
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["portal", "url"],
                    set_={
                        "kind": page.kind,
                        "attempts": MissedUrl.attempts + 1,
                        "last_error": page.error,
                        "last_missed_at": now,
                    },
                )
                session.execute(stmt)

    @retried("forget missed pages")
    def forget_missed(self, portal: str, urls: Iterable[str]) -> None:
        """Forget the missed ``urls`` of ``portal``: read and stored at last."""
        wanted = list(dict.fromkeys(urls))
        with self.session.begin() as session:
            for chunk in chunks(wanted):
                session.execute(
                    delete(MissedUrl).where(MissedUrl.portal == portal, MissedUrl.url.in_(chunk))
                )

    # -- list-page validators --------------------------------------------------

    @retried("read list-page validators")
    def validators(self, urls: Iterable[str]) -> dict[str, Validators]:
        wanted = list(dict.fromkeys(urls))
        found: dict[str, Validators] = {}
        with self.session() as session:
            for chunk in chunks(wanted):
                for row in session.scalars(select(ListPage).where(ListPage.url.in_(chunk))):
                    found[row.url] = Validators(row.etag, row.last_modified)
        return found

    @retried("save list-page validators")
    def save_validators(self, portal: str, pages: Mapping[str, Validators]) -> None:
        if not pages:
            return
        now = utcnow()
        with self.session.begin() as session:
            for url, v in pages.items():
                stmt = self._insert(ListPage).values(
                    url=url,
                    portal=portal,
                    etag=v.etag,
                    last_modified=v.last_modified,
                    checked_at=now,
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["url"],
                    set_={"etag": v.etag, "last_modified": v.last_modified, "checked_at": now},
                )
                session.execute(stmt)

    @retried("reset a portal")
    def reset_portal(self, portal: str) -> tuple[int, int]:
        """Forget ``portal``'s list-page validators and missed URLs, and record a run of
        status RESET: the next crawl, finding no run that ended, walks every list page.
        Returns (validators, missed URLs) forgotten."""
        now = utcnow()
        with self.session.begin() as session:
            pages = session.execute(delete(ListPage).where(ListPage.portal == portal))
            missed = session.execute(delete(MissedUrl).where(MissedUrl.portal == portal))
            session.add(
                CrawlRun(
                    portal=portal,
                    started_at=now,
                    finished_at=now,
                    status=RESET,
                    message="reset by hand: the next crawl walks every list page",
                )
            )
        return pages.rowcount, missed.rowcount  # type: ignore[attr-defined]

    # -- crawl runs ------------------------------------------------------------

    @retried("start a crawl run")
    def start_run(self, portal: str, full: bool) -> int:
        with self.session.begin() as session:
            run = CrawlRun(portal=portal, started_at=utcnow(), full=full, status="running")
            session.add(run)
            session.flush()
            return run.id

    @retried("record unchanged checks")
    def record_unchanged(self, checks: Mapping[str, int]) -> None:
        """Portal → conditional requests answered 304: one finished, not-modified run each,
        all in one transaction (the crawl service's cheap checks, crawler/service)."""
        now = utcnow()
        with self.session.begin() as session:
            session.add_all(
                CrawlRun(
                    portal=portal,
                    started_at=now,
                    finished_at=now,
                    full=False,
                    status="finished",
                    requests=requests,
                    list_pages=0,
                    not_modified=requests,
                    new_records=0,
                    errors=0,
                    blocked=0,
                    empty_list_pages=0,
                )
                for portal, requests in checks.items()
            )

    @retried("finish a crawl run")
    def finish_run(
        self,
        run_id: int,
        status: str,
        requests: int = 0,
        new_records: int = 0,
        errors: int = 0,
        message: str | None = None,
        list_pages: int = 0,
        empty_list_pages: int = 0,
        not_modified: int = 0,
        blocked: int = 0,
    ) -> None:
        """Record how a run ended, with the counters portal health reads (scheduler.health)."""
        stmt = (
            update(CrawlRun)
            .where(CrawlRun.id == run_id)
            .values(
                finished_at=utcnow(),
                status=status,
                requests=requests,
                new_records=new_records,
                errors=errors,
                message=message,
                list_pages=list_pages,
                empty_list_pages=empty_list_pages,
                not_modified=not_modified,
                blocked=blocked,
            )
        )
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("read the last crawl run")
    def last_run(self, portal: str, exclude: int | None = None) -> CrawlRun | None:
        stmt = select(CrawlRun).where(CrawlRun.portal == portal)
        if exclude is not None:
            stmt = stmt.where(CrawlRun.id != exclude)
        with self.session() as session:
            return session.scalar(stmt.order_by(CrawlRun.id.desc()).limit(1))

    @retried("mark a run rendered")
    def mark_rendered(self, run_id: int, reason: str) -> None:
        """Record why a run needed a browser (portal health: the portal needs rendering)."""
        stmt = update(CrawlRun).where(CrawlRun.id == run_id).values(rendering=reason)
        with self.session.begin() as session:
            session.execute(stmt)

    @retried("read crawl runs")
    def has_completed_run(self, portal: str) -> bool:
        """Whether a crawl of ``portal`` ever got to its end (finished or partial)."""
        stmt = select(CrawlRun.id).where(
            CrawlRun.portal == portal, CrawlRun.status.in_(("finished", "partial"))
        )
        with self.session() as session:
            return session.scalar(stmt.limit(1)) is not None

    @retried("read crawl runs")
    def has_baseline(self, portal: str) -> bool:
        """Whether a crawl of ``portal`` got to its end having stored articles: its baseline.
        A crawl that stored nothing is none, so a portal that never worked and is then
        repaired does not mail its past."""
        stmt = select(CrawlRun.id).where(
            CrawlRun.portal == portal,
            CrawlRun.status.in_(("finished", "partial")),
            CrawlRun.new_records > 0,
        )
        with self.session() as session:
            return session.scalar(stmt.limit(1)) is not None

    @retried("read crawl runs")
    def ever_had_links(self, portal: str, before_run: int) -> bool:
        """Whether a run of ``portal`` before ``before_run`` found article links on a list page."""
        stmt = select(CrawlRun.id).where(
            CrawlRun.portal == portal,
            CrawlRun.id < before_run,
            CrawlRun.list_pages > CrawlRun.empty_list_pages,
        )
        with self.session() as session:
            return session.scalar(stmt.limit(1)) is not None

    @retried("fail unfinished runs")
    def fail_unfinished_runs(self, portal: str, since: datetime, message: str) -> int:
        """Mark runs of ``portal`` started at or after ``since`` and still running as failed
        (their process was killed); returns how many."""
        stmt = (
            update(CrawlRun)
            .where(
                CrawlRun.portal == portal,
                CrawlRun.status == "running",
                CrawlRun.started_at >= since,
            )
            .values(status="failed", finished_at=utcnow(), message=message)
        )
        with self.session.begin() as session:
            return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    @retried("read crawl runs")
    def runs(self, portal: str | None = None, limit: int = 20) -> list[CrawlRun]:
        stmt = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
        if portal:
            stmt = stmt.where(CrawlRun.portal == portal)
        with self.session() as session:
            return list(session.scalars(stmt))
