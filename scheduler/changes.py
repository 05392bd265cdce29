"""Alerts on change: a revision (an edit, a withdrawal) of an announcement, told to the
subscriptions that say ``changes: true`` and match it; once per revision, by outbox key."""

from __future__ import annotations

import json
import logging
from html import escape

from scheduler.alerts_file import AlertsConfig, Subscription
from scheduler.emails import footer, headline, message_id
from scheduler.subscriptions import matches
from storage import EDITED, Announcement, NewMessage, Repository, RevisionInfo, utcnow

logger = logging.getLogger(__name__)

BATCH = 100
FIRST_LINES = 12  # changed lines of the body's diff an email shows


def changed_lines(diff: str, limit: int = FIRST_LINES) -> list[str]:
    """The first added and removed lines of a unified diff."""
    lines = [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return lines[:limit]


def change_message(
    subscription: Subscription,
    revision: RevisionInfo,
    announcement: Announcement,
    admin: str | None,
    domain: str,
) -> NewMessage:
    """One email for one revision: the facts' diff and the body's first changed lines."""
    key = f"change:{subscription.name}:{revision.id}"
    title = headline(announcement)
    if revision.kind == EDITED:
        subject = f"[govwatch] edited: {title}"
        facts = [
            f"{name}: {json.dumps(before, ensure_ascii=False)} -> "
            f"{json.dumps(after, ensure_ascii=False)}"
            for name, (before, after) in revision.changes.items()
            if name != "body"
        ]
        lines = changed_lines(revision.diff)
    else:
        subject = f"[govwatch] withdrawn: {title}"
        reason = revision.changes.get("reason", [None, ""])[1]
        facts, lines = [f"withdrawn: {reason}"], []
    body = "\n".join([*facts, "", *lines]).strip()
    foot = footer(subscription.name, admin)
    text = f"{subject[11:]}\n\n{body}\nLink: {announcement.url}\n\n-- \n{foot}\n"
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f"<h2>{escape(subject[11:])}</h2><pre>{escape(body)}</pre>"
        f"<p>{escape(announcement.url)}</p><p>{escape(foot)}</p></body></html>"
    )
    return NewMessage(
        key=key,
        kind="change",
        subscription=subscription.name,
        recipients=list(subscription.to),
        message_id=message_id(key, announcement.url, domain),
        subject=subject,
        text=text,
        html=html,
    )


def queue_changes(store: Repository, alerts: AlertsConfig, domain: str) -> int:
    """Queue the change alerts of every revision not yet alerted; returns emails queued."""
    queued = 0
    wanted = [sub for sub in alerts.subscriptions if sub.changes]
    while True:
        revisions = store.pending_revisions(BATCH)
        for revision in revisions:
            announcement, portal = store.announcement_with_portal(revision.announcement_id)
            messages = [
                change_message(sub, revision, announcement, alerts.admin, domain)
                for sub in wanted
                if matches(sub, announcement, portal)
            ]
            queued += store.add_change_messages(revision.id, messages, utcnow())
            if messages:
                logger.info(
                    "%s: %s, told to %d subscriptions", revision.url, revision.kind, len(messages)
                )
        if len(revisions) < BATCH:
            return queued
