"""What an alert email leads with: the announcement's title (the meeting's name second), the
portal by title or region (never its slug), and which keyword or person matched."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler import emails
from scheduler.alerts_file import Subscription
from storage import Item, PortalRow
from tests.test_alerts_email import SHANGHAI, item

WATCH = Subscription(
    name="desk", to=["a@example.org"], keywords=["推进会", "防汛"], people=["吴玉新", "张三"]
)


def instant(entry: Item, subscription: Subscription = WATCH):
    return emails.instant(subscription, entry, SHANGHAI, None, "example.org")


def test_an_email_leads_with_the_title_then_the_meeting_and_says_what_matched():
    message = instant(item())
    assert message.subject.startswith("[govwatch] 渭滨区人民政府 · 渭滨区召开“三年”活动推进会")
    lines = message.text.splitlines()
    assert lines[0] == "渭滨区召开“三年”活动推进会"
    assert lines[2] == "Title: 渭滨区召开“三年”活动推进会"
    assert lines[3] == "Meeting: 召开“三年”活动推进会"
    assert "Matched: keyword 推进会; person 吴玉新" in message.text
    assert "Portal: 渭滨区人民政府 (陕西省宝鸡市渭滨区)" in message.text
    assert "weibin" not in message.subject and "(weibin)" not in message.text
    assert "Matched" not in instant(item(), Subscription(name="all", to=["a@example.org"])).text


def test_a_portal_without_a_title_is_named_by_its_region_in_emails_and_digests():
    entry = item()
    untitled = Item(entry.announcement, PortalRow(name="weibin", title=None, region="宝鸡市渭滨区"))
    assert instant(untitled).subject.startswith("[govwatch] 宝鸡市渭滨区 · ")
    now = datetime(2023, 2, 23, 0, 0, tzinfo=UTC)
    digest = emails.digest(WATCH, [untitled], 1, now, SHANGHAI, None, "example.org")
    assert "\n宝鸡市渭滨区\n" in digest.text and "(weibin)" not in digest.text
    assert "(keyword 推进会; person 吴玉新)" in digest.text
