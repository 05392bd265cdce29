"""The emails (subject, parts, escaping, headers) and SMTP over plain, STARTTLS and SSL."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest

from crawler.cli import main
from scheduler import emails
from scheduler.alerts_file import Subscription
from storage import Announcement, Item, PortalRow
from tests.support.alerts import (
    root_logging,  # noqa: F401  (a fixture)
    write_alerts,
)
from tests.support.smtp import SmtpServer, make_certificate, server_context

pytestmark = pytest.mark.usefixtures("root_logging")

SHANGHAI = ZoneInfo("Asia/Shanghai")
DESK = Subscription(name="liaoning-desk", to=["analyst@example.org"])


def item(**fields) -> Item:
    values = {
        "id": 7,
        "url": "http://www.weibin.gov.cn/xwzx/zwdt/202302/t20230222_1.html",
        "title": "渭滨区召开“三年”活动推进会",
        "meeting_name": "召开“三年”活动推进会",
        "meeting_date": date(2023, 2, 20),
        "published_at": datetime(2023, 2, 22, 3, 33, tzinfo=UTC),
        "body": "2月20日，渭滨区召开“三年”活动推进会。区长吴玉新主持会议并讲话。",
        "is_meeting": True,
        "presider": "吴玉新",
        "speakers": ["吴玉新"],
        "attendees": ["王小明", "李华"],
        "location": None,
        "first_seen_at": datetime(2023, 2, 22, 4, 0, tzinfo=UTC),
        **fields,
    }
    return Item(
        Announcement(**values),
        PortalRow(name="weibin", title="渭滨区人民政府", region="陕西省宝鸡市渭滨区"),
    )


def rendered(message, sender: str = "govwatch@example.org"):
    """The email as the recipient's client reads it: bytes on the wire, parsed back."""
    mime = emails.to_email(
        subject=message.subject,
        text=message.text,
        html=message.html,
        recipients=message.recipients,
        sender=sender,
        message_id=message.message_id,
        date=datetime(2023, 2, 22, 4, 0, tzinfo=UTC),
        subscription=message.subscription,
        admin="ops@example.org",
    )
    wire = mime.as_bytes()
    return wire, message_from_bytes(wire, policy=policy.default)


def test_instant_email_subject_parts_and_footer():
    message = emails.instant(DESK, item(), SHANGHAI, "ops@example.org", "example.org")
    assert message.subject == "[govwatch] 渭滨区人民政府 · 渭滨区召开“三年”活动推进会 · 2023-02-20"
    wire, parsed = rendered(message)
    head = wire.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # headers are RFC 2047-encoded UTF-8
    assert b"=?utf-8?" in head
    assert parsed["Subject"] == message.subject
    assert parsed["Message-ID"] == message.message_id
    assert (
        parsed["List-Unsubscribe"] == "<mailto:ops@example.org?subject=unsubscribe%20liaoning-desk>"
    )
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    for part in (text, html):
        assert "召开“三年”活动推进会" in part
        assert "2023-02-20" in part and "吴玉新" in part and "王小明" in part
        assert "渭滨区人民政府" in part
        assert "“liaoning-desk”" in part and "ops@example.org" in part
    assert "Link: http://www.weibin.gov.cn/xwzx/zwdt/202302/t20230222_1.html" in text
    assert '<a href="http://www.weibin.gov.cn/xwzx/zwdt/202302/t20230222_1.html">' in html


def test_message_id_is_fixed_per_subscription_and_announcement():
    first = emails.instant(DESK, item(), SHANGHAI, None, "example.org")
    again = emails.instant(DESK, item(), SHANGHAI, None, "example.org")
    other = emails.instant(
        Subscription(name="other", to=["x@example.org"]), item(), SHANGHAI, None, "example.org"
    )
    assert first.key == again.key == "instant:liaoning-desk:7"
    assert first.message_id == again.message_id != other.message_id
    assert first.message_id.startswith("<govwatch.") and first.message_id.endswith("@example.org>")


def test_everything_from_a_portal_is_escaped_and_only_http_links_are_links():
    hostile = item(
        title="<script>alert(1)</script>会议",
        meeting_name="<b onmouseover=x>推进会</b>",
        presider='"><img src=x onerror=alert(1)>',
        url="javascript:alert(document.cookie)",
        body="<iframe src=//evil></iframe>正文",
    )
    message = emails.instant(DESK, hostile, SHANGHAI, None, "example.org")
    for forbidden in ("<script", "<b onmouseover", "<img", "<iframe", 'href="javascript'):
        assert forbidden not in message.html
    assert "&lt;b onmouseover=x&gt;推进会&lt;/b&gt;" in message.html
    assert "javascript:alert(document.cookie)" in message.html  # shown as text, not a link
    assert "\n" not in message.subject and "\r" not in message.subject
    broken_line = emails.instant(
        DESK, item(title="第一行\r\nBcc: victim@example.org"), SHANGHAI, None, "x.org"
    )
    _, parsed = rendered(broken_line)
    assert parsed["Bcc"] is None and "Bcc: victim" in parsed["Subject"]


def test_digest_groups_by_portal():
    items = [
        item(id=1, title="常务会议", meeting_date=date(2023, 2, 20)),
        item(id=2, title="推进会", meeting_date=date(2023, 2, 21)),
        Item(
            Announcement(
                id=3,
                url="https://www.shenyang.gov.cn/a.html",
                title="沈阳市召开安全生产会议",
                meeting_name="安全生产会议",
                meeting_date=date(2023, 2, 19),
                published_at=None,
                body="",
                is_meeting=True,
                presider=None,
                speakers=[],
                attendees=[],
                first_seen_at=datetime(2023, 2, 22, tzinfo=UTC),
            ),
            PortalRow(name="shenyang", title="沈阳市人民政府", region="辽宁省沈阳市"),
        ),
    ]
    sub = Subscription(name="morning", to=["a@example.org"], mode="digest", digest_at="08:00")
    now = datetime(2023, 2, 22, 0, 0, tzinfo=UTC)
    message = emails.digest(sub, items, 41, now, SHANGHAI, None, "example.org")
    assert message.key == "digest:morning:41"
    assert message.subject == "[govwatch] morning · 3 new meetings · 2023-02-22"
    text = message.text
    assert text.index("沈阳市人民政府 (辽宁省沈阳市)") < text.index(
        "渭滨区人民政府 (陕西省宝鸡市渭滨区)"
    )
    assert text.index("推进会") < text.index("常务会议")  # newest first within a portal
    assert message.html.count("<h3") == 2


# -- SMTP --------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path):
    return make_certificate(tmp_path)


def send_test(tmp_path, server: SmtpServer, **smtp) -> int:
    alerts = write_alerts(tmp_path / "alerts.yaml", server.smtp_config(**smtp), [])
    return main(["-q", "alerts", "test", "reader@example.org", "--alerts", str(alerts)])


def test_plain_smtp(tmp_path, capsys):
    server = SmtpServer().start()
    try:
        assert send_test(tmp_path, server) == 0
    finally:
        server.stop()
    (received,) = server.mailbox.all()
    assert received.recipients == ["reader@example.org"]
    assert received.sender == "govwatch@example.org"
    assert received.subject == "[govwatch] test email · 测试邮件"
    assert "测试邮件" in received.part("plain")
    assert "test email sent to reader@example.org" in capsys.readouterr().out


def test_starttls_with_login_takes_the_password_from_the_environment(
    tmp_path, certificate, monkeypatch, capsys
):
    cert, key = certificate
    server = SmtpServer(tls=server_context(cert, key), login=("govwatch", "s3cret")).start()
    try:
        monkeypatch.delenv("GOVWATCH_SMTP_PASSWORD", raising=False)
        assert send_test(tmp_path, server, starttls=True, user="govwatch", ca_file=str(cert)) == 1
        assert "set its password in GOVWATCH_SMTP_PASSWORD" in capsys.readouterr().err

        monkeypatch.setenv("GOVWATCH_SMTP_PASSWORD", "wrong")
        assert send_test(tmp_path, server, starttls=True, user="govwatch", ca_file=str(cert)) == 1
        assert "535" in capsys.readouterr().err

        monkeypatch.setenv("GOVWATCH_SMTP_PASSWORD", "s3cret")
        assert send_test(tmp_path, server, starttls=True, user="govwatch", ca_file=str(cert)) == 0
    finally:
        server.stop()
    assert server.logins == ["govwatch"]
    assert len(server.mailbox.all()) == 1


def test_ssl_verifies_the_server_certificate(tmp_path, certificate, capsys):
    cert, key = certificate
    server = SmtpServer(tls=server_context(cert, key), implicit_tls=True).start()
    try:
        assert send_test(tmp_path, server, ssl=True) == 1  # not signed by a trusted CA
        assert "CERTIFICATE_VERIFY_FAILED" in capsys.readouterr().err
        assert send_test(tmp_path, server, ssl=True, ca_file=str(cert)) == 0
    finally:
        server.stop()
    assert len(server.mailbox.all()) == 1


def test_fake_mode_logs_instead_of_sending(tmp_path, monkeypatch, caplog):
    server = SmtpServer()  # never started: fake mode must not connect
    monkeypatch.setenv("GOVWATCH_MAIL_FAKE", "1")
    with caplog.at_level(logging.INFO, logger="scheduler.mailer"):
        assert send_test(tmp_path, server) == 0
    assert "fake email to reader@example.org" in caplog.text
