"""The JSON API, and CSV / JSON lines downloads of any view (``format=csv|jsonl``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from crawler.cli.export import json_value, write_records
from crawler.web import records
from crawler.web.context import Web
from crawler.web.query import ViewQuery, read_limit, view_query
from storage import Filters

router = APIRouter(prefix="/api")
DOWNLOAD_PAGE = 1000  # rows read from the store per step of a download
DOWNLOAD_MOST = 200_000  # a download stops here: use `govwatch export` for the whole store


class AnnouncementsPage(BaseModel):
    items: list[dict[str, Any]]
    next: str | None


class PortalItem(BaseModel):
    name: str
    title: str | None
    region: str | None
    health: str
    problem: str | None
    last_run: str
    next_run: str | None
    last_meeting: str | None
    announcements: int
    meetings: int


class PortalsReply(BaseModel):
    portals: list[PortalItem]
    outbox: dict[str, Any]


def _web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def _download(web: Web, filters: Filters, fmt: str, bom: bool) -> Iterator[bytes]:
    """The whole view (up to DOWNLOAD_MOST rows), a page of the store at a time, through
    `govwatch export`'s writer; the CSV header once."""
    cursor: str | None = None
    sent = 0
    first = True
    while True:
        page = web.repo.search(filters, cursor, DOWNLOAD_PAGE)
        out = io.StringIO()
        if first and bom and fmt == "csv":
            out.write("\ufeff")  # Excel reads the CSV as UTF-8 with it
        rows = [records.export_row(r) for r in page.items]
        write_records(rows, fmt, out)
        text = out.getvalue()
        if not first and fmt == "csv":
            text = text.split("\r\n", 1)[1] if "\r\n" in text else ""
        if text:
            yield text.encode("utf-8")
        first = False
        sent += len(page.items)
        if page.next is None or sent >= DOWNLOAD_MOST:
            return
        cursor = page.next


@router.get(
    "/announcements",
    response_model=AnnouncementsPage,
    summary="Stored announcements of a view, a page at a time",
)
def announcements(
    request: Request,
    query: Annotated[ViewQuery, Depends(view_query)],
    cursor: Annotated[str | None, Query(description="`next` of the page before")] = None,
    limit: Annotated[str | None, Query(description="records per page, 1-1000 (50)")] = None,
    format: Annotated[
        Literal["json", "csv", "jsonl"] | None,
        Query(description="json (a page, default), or the whole view as csv or jsonl"),
    ] = None,
    bom: Annotated[str | None, Query(description="1: a UTF-8 BOM before the CSV (Excel)")] = None,
) -> Any:
    """``{"items": [...], "next": cursor|null}``: each item the exported record's fields
    and its ``id``. Keyset paging: following ``next`` gives every record of the view once,
    while new ones are stored."""
    web = _web(request)
    filters = query.filters()
    if format in ("csv", "jsonl"):
        media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
        return StreamingResponse(
            _download(web, filters, format, (bom or "").lower() in ("1", "true", "yes", "on")),
            media_type=media,
            headers={"content-disposition": f'attachment; filename="govwatch.{format}"'},
        )
    page = web.repo.search(filters, cursor or None, read_limit(limit))
    return {"items": [records.exported(r) for r in page.items], "next": page.next}


@router.get("/portals", response_model=PortalsReply, summary="Each portal's health and counts")
def portals(request: Request) -> Any:
    """What `govwatch status` shows: each portal's health, last and next run, counts, and
    the alert outbox."""
    from scheduler.status import outbox_status, portal_status

    web = _web(request)
    specs = web.portals()
    rows = portal_status(web.repo, specs, web.config.tz)
    by_name = {p.name: p for p in specs}
    outbox = outbox_status(web.repo)
    return {
        "portals": [
            {
                "name": r.name,
                "title": by_name[r.name].title,
                "region": by_name[r.name].region,
                "health": r.health,
                "problem": r.problem,
                "last_run": r.last_run,
                "next_run": json_value(r.next_run),
                "last_meeting": r.last_meeting.isoformat() if r.last_meeting else None,
                "announcements": r.announcements,
                "meetings": r.meetings,
            }
            for r in rows
        ],
        "outbox": {
            "pending": outbox.messages.get("pending", 0),
            "given_up": outbox.messages.get("failed", 0),
            "sent": outbox.messages.get("sent", 0),
            "unmatched": outbox.unmatched,
            "waiting_for_digest": outbox.waiting,
        },
    }
