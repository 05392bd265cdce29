"""Which subscriptions an announcement matches: portals or regions, keywords, people, kind;
and whether it is news to them (first seen after they started, not older than max_age)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from scheduler.alerts_file import Subscription
from storage import Announcement, PortalRow


def _any_in(needles: Iterable[str], *haystacks: str | None) -> bool:
    texts = [text.casefold() for text in haystacks if text]
    return any(
        needle.strip().casefold() in text for needle in needles if needle.strip() for text in texts
    )


def matches(subscription: Subscription, announcement: Announcement, portal: PortalRow) -> bool:
    """Whether ``subscription`` wants ``announcement`` (every filter given must agree)."""
    if subscription.meetings_only and not announcement.is_meeting:
        return False
    if subscription.portals is not None or subscription.regions is not None:
        by_name = portal.name in (subscription.portals or ())
        by_region = _any_in(subscription.regions or (), portal.region)
        if not (by_name or by_region):
            return False
    if subscription.keywords is not None and not _any_in(
        subscription.keywords, announcement.title, announcement.meeting_name, announcement.body
    ):
        return False
    if subscription.people is not None:
        present = [announcement.presider, *announcement.speakers, *announcement.attendees]
        if not _any_in(subscription.people, *present):
            return False
    return True


def matched(subscription: Subscription, announcement: Announcement) -> str | None:
    """Which of ``subscription``'s keywords and people ``announcement`` matched, for people:
    ``keyword 常务会议; person 吴玉新``; None when it names neither."""
    a = announcement
    keywords = [
        k.strip()
        for k in subscription.keywords or ()
        if k.strip() and _any_in([k], a.title, a.meeting_name, a.body)
    ]
    present = [a.presider, *a.speakers, *a.attendees]
    people = [p.strip() for p in subscription.people or () if p.strip() and _any_in([p], *present)]
    parts = []
    if keywords:
        parts.append(f"keyword{'s' if len(keywords) > 1 else ''} {'、'.join(keywords)}")
    if people:
        parts.append(
            f"person {'、'.join(people)}" if len(people) == 1 else f"people {'、'.join(people)}"
        )
    return "; ".join(parts) or None


def news_to(
    subscription: Subscription, announcement: Announcement, started: datetime | None, now: datetime
) -> bool:
    """Whether ``announcement`` is news to ``subscription``: first seen since it started, and
    not published longer ago than its ``max_age`` (one without a date is never too old)."""
    if started is not None and announcement.first_seen_at < started:
        return False
    max_age = subscription.max_age_delta
    published = announcement.published_at
    return max_age is None or published is None or published >= now - max_age


def matching(
    subscriptions: Iterable[Subscription],
    announcement: Announcement,
    portal: PortalRow,
    starts: Mapping[str, datetime] | None = None,
    now: datetime | None = None,
) -> list[Subscription]:
    """The subscriptions that want ``announcement``; with ``starts`` (and ``now``), only
    those it is news to."""
    wanted = [sub for sub in subscriptions if matches(sub, announcement, portal)]
    if starts is None:
        return wanted
    when = now or datetime.now(announcement.first_seen_at.tzinfo)
    return [sub for sub in wanted if news_to(sub, announcement, starts.get(sub.name), when)]
