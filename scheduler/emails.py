"""The emails: one per meeting, a digest grouped by portal, portal health, a test message.

Rendered once, into the outbox; all portal text is HTML-escaped, only http(s) URLs linked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from html import escape
from itertools import groupby
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from scheduler.alerts_file import Subscription
from scheduler.subscriptions import matched
from scheduler.times import zoned
from storage import Announcement, CrawlRun, Item, NewMessage, PortalRow

PREFIX = "[govwatch]"
SEP = " · "
EXCERPT_CHARS = 240
TITLE_CHARS = 90
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
STYLE = "font-family:sans-serif;font-size:14px;line-height:1.5;color:#222"


def one_line(text: str, limit: int | None = None) -> str:
    """Text fit for a header or a table cell: no line breaks or control characters."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL with a host, else None (shown as text, not linked)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url.strip()


def message_id(key: str, salt: str, domain: str) -> str:
    """A Message-ID fixed by the outbox key: a repeated send carries the same one."""
    digest = hashlib.sha256(f"{key}\n{salt}".encode()).hexdigest()[:32]
    return f"<govwatch.{digest}@{domain}>"


def portal_label(portal: PortalRow) -> str:
    """The portal as people know it: its title, else its region; its slug only if neither."""
    return one_line(portal.title or portal.region or portal.name)


def the_date(announcement: Announcement, zone: ZoneInfo) -> date | None:
    """The meeting's date, else the day it was published (in ``zone``)."""
    if announcement.meeting_date is not None:
        return announcement.meeting_date
    if announcement.published_at is not None:
        return announcement.published_at.astimezone(zone).date()
    return None


def headline(announcement: Announcement) -> str:
    """The announcement's own title first (what the portal called it), else the meeting's."""
    return one_line(announcement.title or announcement.meeting_name or announcement.url)


def announcement_subject(item: Item, zone: ZoneInfo) -> str:
    """``[govwatch] 渭滨区人民政府 · 召开“三年”活动推进会 · 2023-02-20``."""
    day = the_date(item.announcement, zone)
    parts = [portal_label(item.portal), one_line(headline(item.announcement), TITLE_CHARS)]
    if day is not None:
        parts.append(day.isoformat())
    return f"{PREFIX} {SEP.join(parts)}"


def excerpt(body: str) -> str:
    return one_line(body, EXCERPT_CHARS)


def facts(
    item: Item, zone: ZoneInfo, subscription: Subscription | None = None
) -> list[tuple[str, str]]:
    """Label and value of each known fact, in reading order: the title, the meeting's name
    second, and what of ``subscription`` it matched."""
    a = item.announcement
    day = the_date(a, zone)
    portal = item.portal
    region = portal.region if portal.region and portal.region != portal_label(portal) else None
    rows: list[tuple[str, str | None]] = [
        ("Title", headline(a)),
        ("Date", day.isoformat() if day else None),
        ("Presided by", a.presider),
        ("Speakers", "、".join(a.speakers)),
        ("Attendees", "、".join(a.attendees)),
        ("Location", a.location),
        ("Portal", f"{portal_label(portal)}{f' ({region})' if region else ''}"),
        ("Matched", matched(subscription, a) if subscription else None),
    ]
    if a.meeting_name and a.meeting_name != headline(a):
        rows.insert(1, ("Meeting", a.meeting_name))
    return [(label, one_line(value)) for label, value in rows if value]


def footer(subscription: str, admin: str | None) -> str:
    change = f"write to {admin}" if admin else "edit alerts.yaml"
    return (
        f"You receive this from govwatch because of the subscription “{subscription}”. "
        f"To change it or to unsubscribe, {change}."
    )


def _html(title: str, blocks: Sequence[str], foot: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="{STYLE}"><h2 style="font-size:18px">{escape(title)}</h2>'
        + "".join(blocks)
        + '<hr style="border:0;border-top:1px solid #ccc">'
        f'<p style="color:#666;font-size:12px">{escape(foot)}</p></body></html>'
    )


def _html_link(url: str) -> str:
    link = safe_link(url)
    if link is None:
        return escape(url)
    return f'<a href="{escape(link, quote=True)}">{escape(link)}</a>'


def _html_facts(rows: Sequence[tuple[str, str]], link: str | None = None) -> str:
    """A table of facts (escaped here), with a last row linking to ``link``."""
    cells = [(escape(label), escape(value)) for label, value in rows]
    if link is not None:
        cells.append(("Link", _html_link(link)))
    body = "".join(
        f'<tr><th align="left" valign="top" style="padding-right:12px">{label}</th>'
        f"<td>{value}</td></tr>"
        for label, value in cells
    )
    return f'<table cellspacing="0" cellpadding="2">{body}</table>'


def instant(
    subscription: Subscription, item: Item, zone: ZoneInfo, admin: str | None, domain: str
) -> NewMessage:
    """One email for one announcement."""
    a = item.announcement
    key = f"instant:{subscription.name}:{a.id}"
    rows = facts(item, zone, subscription)
    text_rows = "\n".join(f"{label}: {value}" for label, value in rows)
    text = (
        f"{headline(a)}\n\n{text_rows}\nLink: {a.url}\n\n{excerpt(a.body)}\n\n-- \n"
        f"{footer(subscription.name, admin)}\n"
    )
    html = _html(
        headline(a),
        [
            _html_facts(rows, link=a.url),
            f'<p style="color:#444">{escape(excerpt(a.body))}</p>',
        ],
        footer(subscription.name, admin),
    )
    return NewMessage(
        key=key,
        kind="instant",
        subscription=subscription.name,
        recipients=list(subscription.to),
        message_id=message_id(key, f"{a.url}\n{a.first_seen_at.isoformat()}", domain),
        subject=announcement_subject(item, zone),
        text=text,
        html=html,
    )


def digest_heading(
    subscription: Subscription, count: int, now: datetime, zone: ZoneInfo
) -> tuple[str, str, str]:
    """What every digest, email or post, leads with: "3 new meetings", the day, the subject."""
    what = "meeting" if subscription.meetings_only else "announcement"
    counted = f"{count} new {what}{'s' if count != 1 else ''}"
    today = now.astimezone(zone).date().isoformat()
    return counted, today, f"{PREFIX} {SEP.join([one_line(subscription.name), counted, today])}"


def digest(
    subscription: Subscription,
    items: Sequence[Item],
    first_delivery: int,
    now: datetime,
    zone: ZoneInfo,
    admin: str | None,
    domain: str,
) -> NewMessage:
    """One email for everything a digest subscription collected, grouped by portal."""
    key = f"digest:{subscription.name}:{first_delivery}"
    count, today, subject = digest_heading(subscription, len(items), now, zone)
    ordered = sorted(items, key=lambda i: (portal_label(i.portal), i.portal.name))
    text_parts = [f"{count} for “{subscription.name}”, {today}\n"]
    html_parts = []
    for (label, _name), group in groupby(
        ordered, key=lambda i: (portal_label(i.portal), i.portal.name)
    ):
        entries = sorted(group, key=lambda i: the_date(i.announcement, zone) or date.min)
        region = entries[0].portal.region
        heading = f"{label} ({region})" if region and region != label else label
        text_parts.append(f"\n{heading}\n")
        rows = []
        for item in reversed(entries):
            a = item.announcement
            day = the_date(a, zone)
            prefix = f"{day.isoformat()}  " if day else ""
            who = f" — {one_line(a.presider)}" if a.presider else ""
            why = matched(subscription, a)
            who += f" ({why})" if why else ""
            text_parts.append(f"  {prefix}{headline(a)}{who}\n    {a.url}\n")
            rows.append(
                f"<li>{escape(prefix)}<b>{escape(headline(a))}</b>{escape(who)}<br>"
                f"{_html_link(a.url)}</li>"
            )
        html_parts.append(
            f'<h3 style="font-size:15px">{escape(heading)}</h3><ul>' + "".join(rows) + "</ul>"
        )
    text_parts.append(f"\n-- \n{footer(subscription.name, admin)}\n")
    return NewMessage(
        key=key,
        kind="digest",
        subscription=subscription.name,
        recipients=list(subscription.to),
        message_id=message_id(key, now.isoformat(), domain),
        subject=subject,
        text="".join(text_parts),
        html=_html(
            f"{count} for “{subscription.name}”", html_parts, footer(subscription.name, admin)
        ),
    )


def health(
    portal: str,
    broken: bool,
    reason: str | None,
    change: int,
    run: CrawlRun,
    admin: str,
    now: datetime,
    zone: ZoneInfo,
    domain: str,
) -> NewMessage:
    """The admin's email when a portal breaks or recovers (one per change of state)."""
    key = f"health:{portal}:{change}"
    state = "is failing" if broken else "has recovered"
    subject = f"{PREFIX} portal {portal} {state}"
    rows = [
        ("Portal", portal),
        ("State", f"failing: {reason}" if broken else "working again"),
        ("Since", zoned(now, zone)),
        (
            "Last run",
            f"#{run.id} at {zoned(run.started_at, zone)}, {run.status}, "
            f"{run.requests} requests, {run.errors} errors",
        ),
    ]
    if run.message:
        rows.append(("Run message", one_line(run.message, 300)))
    foot = "govwatch sends one email when a portal breaks and one when it recovers."
    text = "\n".join(f"{label}: {value}" for label, value in rows)
    hint = "\n\nSee `govwatch status` and the daemon's log for details." if broken else ""
    return NewMessage(
        key=key,
        kind="health",
        subscription=None,
        recipients=[admin],
        message_id=message_id(key, now.isoformat(), domain),
        subject=subject,
        text=f"{text}{hint}\n\n-- \n{foot}\n",
        html=_html(f"Portal {portal} {state}", [_html_facts(rows)], foot),
    )


def to_email(
    *,
    subject: str,
    text: str,
    html: str,
    recipients: Sequence[str],
    sender: str,
    message_id: str,
    date: datetime,
    subscription: str | None = None,
    admin: str | None = None,
) -> EmailMessage:
    """The MIME message (text and HTML alternatives, UTF-8, RFC 2047 headers)."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = one_line(subject)
    msg["From"] = formataddr(("govwatch", sender))
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    if subscription and admin:
        query = quote(f"unsubscribe {subscription}")
        msg["List-Unsubscribe"] = f"<mailto:{admin}?subject={query}>"
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def test_message(address: str, sender: str, domain: str, now: datetime) -> EmailMessage:
    """What `govwatch alerts test ADDRESS` sends."""
    text = (
        "This is a test email from govwatch: the SMTP settings of alerts.yaml work.\n"
        "这是一封来自 govwatch 的测试邮件。\n"
    )
    return to_email(
        subject=f"{PREFIX} test email · 测试邮件",
        text=text,
        html=_html("govwatch test email · 测试邮件", [f"<p>{escape(text)}</p>"], "govwatch"),
        recipients=[address],
        sender=sender,
        message_id=message_id(f"test:{address}", now.isoformat(), domain),
        date=now,
    )
