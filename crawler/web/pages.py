"""The HTML pages: meetings, search, a record, portals, and the login form."""

from __future__ import annotations

import hmac
import itertools
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crawler.web import records
from crawler.web.context import Web, today
from crawler.web.query import ViewQuery, read_limit, view_query
from crawler.web.security import COOKIE, safe_next, session_value
from storage import BY, SORTS

router = APIRouter(include_in_schema=False)
KINDS = ("upcoming", "held")
MAX_LOGIN_BODY = 4096


def _web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


@router.get("/", response_class=HTMLResponse)
def meetings(request: Request) -> HTMLResponse:
    web = _web(request)
    day = today()
    found = web.repo.meetings(day)

    def by_day(rows: list[dict]) -> list[tuple[object, list[dict]]]:
        return [(d, list(g)) for d, g in itertools.groupby(rows, key=lambda r: r["meeting_date"])]

    return web.page(
        request,
        "meetings.html",
        today=day,
        upcoming=by_day(found.upcoming),
        held=by_day(found.held),
        query=ViewQuery(meetings_only="1", sort="meeting"),
    )


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    query: Annotated[ViewQuery, Depends(view_query)],
    cursor: str | None = None,
    limit: str | None = None,
) -> HTMLResponse:
    web = _web(request)
    filters = query.filters()
    page = web.repo.search(filters, cursor or None, read_limit(limit))
    portals = web.portal_choices()
    return web.page(
        request,
        "search.html",
        query=query,
        filters=filters,
        page=page,
        portals=portals,
        sorts=SORTS,
        bys=BY,
        kinds=KINDS,
        next_link=query.link("/search", cursor=page.next) if page.next else None,
        first_link=query.link("/search") if cursor else None,
    )


@router.get("/a/{record_id}", response_class=HTMLResponse)
def record(request: Request, record_id: int) -> HTMLResponse:
    web = _web(request)
    found = web.repo.record_page(record_id)
    if found is None:
        return web.page(request, "error.html", 404, message=f"no record {record_id}")
    return web.page(
        request,
        "record.html",
        page=found,
        record=found.record,
        fields=records.field_rows(found.record, web.config.tz),
        revisions=web.repo.revisions_of(record_id),
    )


@router.get("/portals", response_class=HTMLResponse)
def portals(request: Request) -> HTMLResponse:
    from scheduler.status import outbox_status, portal_status

    web = _web(request)
    specs = web.portals()
    zone = web.config.tz
    return web.page(
        request,
        "portals.html",
        specs={p.name: p for p in specs},
        rows=portal_status(web.repo, specs, zone),
        outbox=outbox_status(web.repo),
        zone=zone,
        local=lambda value: records.local_time(value, zone),
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    web = _web(request)
    if not web.config.token:
        return RedirectResponse(safe_next(next), status_code=303)
    return web.page(request, "login.html", next=safe_next(next), failed=False)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """The token from a form: a session cookie (HttpOnly) and back to where the reader was."""
    web = _web(request)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_LOGIN_BODY:
            return web.page(request, "error.html", 413, message="the form is too large")
    form = parse_qs(body.decode("utf-8", "replace"))
    given = (form.get("token") or [""])[0]
    target = safe_next((form.get("next") or ["/"])[0])
    token = web.config.token or ""
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return web.page(request, "login.html", 401, next=target, failed=True)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        session_value(token),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response
