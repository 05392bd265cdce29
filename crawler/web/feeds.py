"""Atom feeds (any view, or one subscription of alerts.yaml) and the iCalendar of a view's
upcoming meetings, written by feedgen and icalendar, never by string templates."""

from __future__ import annotations

import hashlib
from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event

from crawler.web import records
from crawler.web.context import Web, today
from crawler.web.query import ViewQuery, view_query
from storage import BadQuery, utcnow
from storage.zones import PORTAL_ZONE

router = APIRouter()
FEED_ENTRIES = 50
CALENDAR_EVENTS = 500
SUMMARY_CHARS = 400


def _web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def _entry_record(announcement: Any, portal: Any) -> dict[str, Any]:
    """An ORM announcement (what the subscription matcher reads) as a view's record."""
    record = {c.key: getattr(announcement, c.key) for c in announcement.__table__.c}
    return {**record, "portal_title": portal.title, "portal_region": portal.region}


def subscription_records(web: Web, name: str) -> tuple[Any, list[dict[str, Any]]]:
    """What subscription ``name`` mails: the announcements it was matched with, and those
    waiting to be matched that scheduler's matcher gives it, newest first."""
    from scheduler.subscriptions import matches

    subscription = web.alerts().subscription(name)
    if subscription is None:
        raise BadQuery(f"no subscription named {name!r} in {web.config.alerts}")
    # one entry per cluster of copies, the first copy that matches, as delivery mails it
    found: list[dict[str, Any]] = []
    clusters: set[str] = set()
    for announcement, portal, matched in reversed(web.repo.alert_candidates(name)):
        cluster = announcement.duplicate_of or announcement.url
        if cluster in clusters:
            continue
        if matched or matches(subscription, announcement, portal):
            clusters.add(cluster)
            found.append(_entry_record(announcement, portal))
    found = found[::-1][:FEED_ENTRIES]
    return subscription, found


def atom(request: Request, title: str, rows: list[dict[str, Any]]) -> bytes:
    feed = FeedGenerator()
    feed.id(str(request.url))
    feed.title(title)
    feed.author({"name": "govwatch"})
    feed.link(href=str(request.url), rel="self")
    feed.link(href=str(request.base_url), rel="alternate")
    feed.language("zh-CN")
    updated = max((r["first_seen_at"] for r in rows if r.get("first_seen_at")), default=None)
    feed.updated(updated or utcnow())
    for row in rows:
        entry = feed.add_entry(order="append")
        # the announcement's URL: readers show each announcement once, whatever the view
        entry.id(row["url"])
        entry.title(row.get("title") or row["url"])
        page = str(request.url_for("record", record_id=row["id"]))
        entry.link(href=records.safe_href(row["url"]) or page, rel="alternate")
        entry.link(href=page, rel="related")
        when = row.get("first_seen_at") or utcnow()
        entry.updated(when)
        if row.get("published_at"):
            entry.published(row["published_at"])
        facts = [
            row.get("portal_title") or row.get("portal"),
            records.day_label(row.get("meeting_date")),
            f"主持：{row['presider']}" if row.get("presider") else "",
        ]
        body = (row.get("body") or "")[:SUMMARY_CHARS]
        entry.summary(" · ".join(f for f in facts if f) + ("\n\n" + body if body else ""))
    return bytes(feed.atom_str(pretty=True))


@router.get("/feed.atom", summary="An Atom feed of a view, or of a subscription")
def feed(
    request: Request,
    query: Annotated[ViewQuery, Depends(view_query)],
    subscription: str | None = None,
) -> Response:
    web = _web(request)
    if subscription:
        sub, rows = subscription_records(web, subscription)
        title = f"govwatch: {sub.name}"
    else:
        rows = web.repo.search(query.filters(sort="seen", order="desc"), None, FEED_ENTRIES).items
        title = "govwatch: " + (" ".join(v for _, v in query.pairs()) or "latest announcements")
    return Response(atom(request, title, rows), media_type="application/atom+xml; charset=utf-8")


def _uid(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest() + "@govwatch"


def calendar(request: Request, rows: list[dict[str, Any]]) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//govwatch//meetings//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "govwatch meetings")
    stamp = utcnow()
    for row in rows:
        event = Event()
        event.add("uid", _uid(row["url"]))
        event.add("dtstamp", stamp)
        event.add("summary", records.meeting_title(row))
        day = row["meeting_date"]
        clock = row.get("meeting_time")  # HH:MM when extraction records it
        if clock:
            hour, minute = (int(part) for part in str(clock).split(":")[:2])
            event.add("dtstart", datetime.combine(day, time(hour, minute), PORTAL_ZONE))
        else:
            event.add("dtstart", day)
        if row.get("location"):
            event.add("location", row["location"])
        source = records.safe_href(row["url"])
        lines = [
            f"{row.get('portal_title') or row['portal']}: {row.get('title') or ''}",
            f"主持：{row['presider']}" if row.get("presider") else "",
            source or "",
            str(request.url_for("record", record_id=row["id"])),
        ]
        event.add("description", "\n".join(line for line in lines if line))
        if source:
            event.add("url", source)
        cal.add_component(event)
    return bytes(cal.to_ical())


@router.get("/calendar.ics", summary="An iCalendar of a view's upcoming meetings")
def upcoming_calendar(
    request: Request, query: Annotated[ViewQuery, Depends(view_query)]
) -> Response:
    """One event per upcoming meeting of the view: meetings dated today or later, first
    copies only (a meeting republished by another portal is one event)."""
    web = _web(request)
    filters = query.filters(
        meetings_only=True, meeting_from=today(), originals_only=True, sort="meeting", order="asc"
    )
    rows = web.repo.search(filters, None, CALENDAR_EVENTS).items
    return Response(calendar(request, rows), media_type="text/calendar; charset=utf-8")
