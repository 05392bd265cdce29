"""alerts.yaml: the DESIGN.md format, errors that name file, entry and field; matching."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from crawler.cli import main
from crawler.configfiles.alerts import load_alerts
from crawler.exceptions import ConfigError
from scheduler.alerts_file import Subscription
from scheduler.exceptions import SettingsError
from scheduler.settings import Settings
from scheduler.subscriptions import matches
from storage import Announcement, PortalRow
from tests.support.alerts import root_logging  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("root_logging")

DESIGN_EXAMPLE = """\
smtp: {host: smtp.example.org, port: 587, starttls: true, user: govwatch, sender: govwatch@example.org}
admin: ops@example.org
subscriptions:
  - name: liaoning-desk
    to: [analyst@example.org]
    portals: [weibin]
    keywords: [常务会议, 项目]
    people: [吴玉新]
    meetings_only: true
    mode: instant
  - name: morning
    to: analyst@example.org
    regions: [辽宁省]
    mode: digest
    digest_at: "08:00"
  - name: hourly
    to: [a@example.org, b@example.org]
    mode: digest
    digest_every: 1h
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(dedent(text), encoding="utf-8")
    return path


def test_the_design_example_loads(tmp_path):
    alerts = load_alerts(write(tmp_path, DESIGN_EXAMPLE))
    assert alerts.smtp is not None and alerts.smtp.effective_port == 587
    assert alerts.smtp.starttls and alerts.smtp.user == "govwatch"
    assert alerts.admin == "ops@example.org"
    desk, morning, hourly = alerts.subscriptions
    assert desk.portals == ["weibin"] and desk.people == ["吴玉新"] and desk.mode == "instant"
    assert morning.to == ["analyst@example.org"] and morning.digest_time is not None
    assert morning.digest_time.hour == 8 and morning.meetings_only
    assert hourly.digest_every == "1h"


def test_digest_intervals_may_have_decimals_like_portal_schedules():
    subscription = Subscription(name="d", to=["a@x.org"], mode="digest", digest_every="1.5h")
    assert subscription.digest_every == "1.5h"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "subscriptions:\n  - name: desk\n    portals: [weibin]\n",
            "entry 1 (desk), field '(entry)': give to: (email addresses) or notify: (channel URLs)",
        ),
        (
            "subscriptions:\n  - {name: a, to: x@example.org}\n  - {name: d, to: y@example.org, mode: digest}\n",
            "entry 2 (d), field '(entry)': mode: digest needs one of digest_at (08:00) or digest_every (1h)",
        ),
        (
            "subscriptions:\n  - {name: a, to: x@example.org, digest_at: '25:00', mode: digest}\n",
            "entry 1 (a), field 'digest_at': not a time of day like 08:00: '25:00'",
        ),
        (
            "subscriptions:\n  - {name: a, to: [not-an-address]}\n",
            "entry 1 (a), field 'to': not an email address: 'not-an-address'",
        ),
        (
            "subscriptions:\n  - {name: a, to: x@example.org, keyword: [会议]}\n",
            "entry 1 (a), field 'keyword': unknown key",
        ),
        (
            "subscriptions:\n  - {name: a, to: x@example.org}\n  - {name: a, to: y@example.org}\n",
            "entry 2 (a), field 'name': duplicate subscription name",
        ),
        (
            "smtp: {host: smtp.example.org, port: 99999, sender: g@example.org}\nsubscriptions: []\n",
            "top level, field 'smtp.port'",
        ),
        (
            "smtp: {host: h.example.org, ssl: true, starttls: true, sender: g@example.org}\n",
            "top level, field 'smtp': choose one of ssl (port 465) and starttls (port 587)",
        ),
        (
            "subscriptions:\n  - {name: a, to: x@example.org, mode: digest, digest_every: 0.5m}\n",
            "entry 1 (a), field 'digest_every': interval '0.5m' is shorter than one minute",
        ),
        (
            "subscriptions:\n  - {name: a, to: x@example.org, mode: digest, digest_every: soon}\n",
            "entry 1 (a), field 'digest_every': not an interval like 1h or 30m: 'soon'",
        ),
        ("- just\n- a list\n", "expected a mapping (smtp, admin, subscriptions), got list"),
        ("subscriptions: [\n", "not valid YAML"),
    ],
)
def test_errors_name_the_file_entry_and_field(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_alerts(path)
    assert str(error.value).startswith(f"{path}:")
    assert expected in str(error.value)


def test_a_malformed_alert_file_exits_with_code_2(tmp_path, capsys):
    path = write(tmp_path, "subscriptions:\n  - {name: a, to: nobody}\n")
    code = main(["alerts", "test", "x@example.org", "--alerts", str(path)])
    assert code == 2
    assert "field 'to': not an email address" in capsys.readouterr().err


def test_settings_from_the_environment():
    settings = Settings.from_env(
        {"GOVWATCH_SEND_INTERVAL": "5s", "GOVWATCH_GIVE_UP_AFTER": "2d", "GOVWATCH_MAX_CRAWLS": "4"}
    )
    assert settings.send_interval == 5 and settings.give_up_after == 172800
    assert settings.max_crawls == 4 and settings.retry_first == Settings().retry_first
    # 0 crawl services is documented: a process per crawl, as before the services
    assert Settings.from_env({"GOVWATCH_CRAWL_SERVICES": "0"}).crawl_services == 0
    for variable, value in (
        ("GOVWATCH_CRAWL_SERVICES", "-1"),
        ("GOVWATCH_MAX_CRAWLS", "0"),
        ("GOVWATCH_RETRY_MAX", "soon"),
        ("GOVWATCH_TIMEZONE", "Mars/Olympus"),
        ("GOVWATCH_MAIL_FAKE", "maybe"),
    ):
        with pytest.raises(SettingsError, match=variable):
            Settings.from_env({variable: value})


# -- matching ------------------------------------------------------------------------


def announcement(**fields) -> Announcement:
    values = {
        "title": "渭滨区召开区政府常务会议",
        "body": "区长吴玉新主持会议，研究项目建设。",
        "is_meeting": True,
        "meeting_name": "区政府常务会议",
        "presider": "吴玉新",
        "speakers": [],
        "attendees": ["王小明"],
        **fields,
    }
    return Announcement(**values)


WEIBIN = PortalRow(name="weibin", title="渭滨区人民政府", region="陕西省宝鸡市渭滨区")
SHENYANG = PortalRow(name="shenyang", title="沈阳市人民政府", region="辽宁省沈阳市")


@pytest.mark.parametrize(
    ("filters", "fields", "portal", "wanted"),
    [
        ({}, {}, WEIBIN, True),
        ({}, {"is_meeting": False}, WEIBIN, False),
        ({"meetings_only": False}, {"is_meeting": False}, WEIBIN, True),
        ({"portals": ["weibin"]}, {}, WEIBIN, True),
        ({"portals": ["weibin"]}, {}, SHENYANG, False),
        ({"regions": ["辽宁省"]}, {}, SHENYANG, True),
        ({"regions": ["辽宁省"]}, {}, WEIBIN, False),
        ({"regions": ["宝鸡市"], "portals": ["shenyang"]}, {}, WEIBIN, True),
        ({"keywords": ["项目", "防汛"]}, {}, WEIBIN, True),
        ({"keywords": ["防汛"]}, {}, WEIBIN, False),
        (
            {"keywords": ["Standing Meeting"]},
            {"title": "The standing meeting was held"},
            WEIBIN,
            True,
        ),
        ({"people": ["吴玉新"]}, {}, WEIBIN, True),
        ({"people": ["王小明"]}, {"presider": None}, WEIBIN, True),
        ({"people": ["吴玉新"]}, {"presider": "赵贵波"}, WEIBIN, False),
        ({"people": ["吴玉新"], "keywords": ["防汛"]}, {}, WEIBIN, False),
    ],
)
def test_matching(filters, fields, portal, wanted):
    subscription = Subscription.model_validate({"name": "s", "to": ["a@example.org"], **filters})
    assert matches(subscription, announcement(**fields), portal) is wanted
