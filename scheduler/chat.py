"""Alerts rendered for chat channels (Apprise): short markdown, title first, then the
meeting, the portal (title and region), the date and the link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.alerts_file import Subscription
from scheduler.channel_urls import tag
from scheduler.emails import (
    PREFIX,
    SEP,
    TITLE_CHARS,
    digest_heading,
    message_id,
    one_line,
    the_date,
)
from storage import Item, NewMessage


def _title(item: Item) -> str:
    a = item.announcement
    return one_line(a.title or a.meeting_name or a.url)


def _portal(item: Item) -> str:
    portal = item.portal
    name = one_line(portal.title or portal.name)
    region = one_line(portal.region or "")
    return f"{name} ({region})" if region and region not in name else name


def _lines(item: Item, zone: ZoneInfo) -> list[str]:
    a = item.announcement
    day = the_date(a, zone)
    lines = [f"**{_title(item)}**"]
    if a.meeting_name and one_line(a.meeting_name) != _title(item):
        lines.append(one_line(a.meeting_name))
    lines.append(SEP.join([_portal(item), *([day.isoformat()] if day else [])]))
    lines.append(a.url)
    return lines


def instant(
    subscription: Subscription, item: Item, zone: ZoneInfo, channel: str, domain: str
) -> NewMessage:
    """One post for one announcement, to one channel of the subscription."""
    a = item.announcement
    key = f"instant:{subscription.name}:{a.id}>{tag(channel)}"
    return NewMessage(
        key=key,
        kind="instant",
        subscription=subscription.name,
        recipients=[channel],
        message_id=message_id(key, f"{a.url}\n{a.first_seen_at.isoformat()}", domain),
        subject=f"{PREFIX} {one_line(_title(item), TITLE_CHARS)}",
        text="\n".join(_lines(item, zone)) + "\n",
        html="",
        channel=channel,
    )


def digest(
    subscription: Subscription,
    items: Sequence[Item],
    first_delivery: int,
    now: datetime,
    zone: ZoneInfo,
    channel: str,
    domain: str,
) -> NewMessage:
    """One post with everything a digest subscription collected, newest first."""
    key = f"digest:{subscription.name}:{first_delivery}>{tag(channel)}"
    _, _, subject = digest_heading(subscription, len(items), now, zone)
    ordered = sorted(
        items, key=lambda i: the_date(i.announcement, zone) or now.date(), reverse=True
    )
    text = "\n\n".join("\n".join(_lines(item, zone)) for item in ordered)
    return NewMessage(
        key=key,
        kind="digest",
        subscription=subscription.name,
        recipients=[channel],
        message_id=message_id(key, now.isoformat(), domain),
        subject=subject,
        text=text + "\n",
        html="",
        channel=channel,
    )
