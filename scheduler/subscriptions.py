"""Which subscriptions an announcement matches: portals or regions, keywords, people, kind."""

from __future__ import annotations

from collections.abc import Iterable

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


def matching(
    subscriptions: Iterable[Subscription], announcement: Announcement, portal: PortalRow
) -> list[Subscription]:
    return [sub for sub in subscriptions if matches(sub, announcement, portal)]
