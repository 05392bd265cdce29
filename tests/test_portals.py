"""portals.yaml: validation with one clear message naming file, entry and field (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawler.configfiles.portals import load_portals
from crawler.exceptions import ConfigError
from scheduler.triggers import parse_interval
from tests.support.portal import govwatch

GOOD = """
- name: weibin
  title: 渭滨区人民政府
  region: 陕西省宝鸡市渭滨区
  start_urls: [http://www.weibin.gov.cn/xwzx/zwdt/]
  schedule: "*/30 * * * *"
  encoding: gbk
  selectors: {list_links: "ul.list li a", body: "#zoom"}
  settings: {DOWNLOAD_DELAY: 2}
- name: minimal
  start_urls: [https://example.org/news/]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "portals.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_example_loads(tmp_path):
    weibin, minimal = load_portals(write(tmp_path, GOOD))
    assert weibin.encoding == "gb18030"  # GBK pages are decoded as GB18030
    assert weibin.selectors.list_links == "ul.list li a"
    assert weibin.settings == {"DOWNLOAD_DELAY": 2}
    assert weibin.domains == ["www.weibin.gov.cn"]
    assert minimal.schedule == "30m" and minimal.render is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- name: a\n  start_urls: [http://x.org/\n", "line"),  # bad YAML
        ("name: a\n", "expected a list"),
        ("- start_urls: [http://x.org/]\n", "entry 1, field 'name': Field required"),
        ("- name: Bad-Name\n  start_urls: [http://x.org/]\n", "entry 1 (Bad-Name), field 'name'"),
        ("- name: a\n  start_urls: []\n", "entry 1 (a), field 'start_urls'"),
        ("- name: a\n  start_urls: [file:///etc/passwd]\n", "not an http(s) URL"),
        ("- name: a\n  start_urls: [http://x.org/]\n  schedule: every day\n", "field 'schedule'"),
        ("- name: a\n  start_urls: [http://x.org/]\n  schedule: 10s\n", "shorter than one minute"),
        ("- name: a\n  start_urls: [http://x.org/]\n  schedule: 0.5m\n", "shorter than one minute"),
        (
            "- name: a\n  start_urls: [http://x.org/]\n  schedule: 0 8 * * 8\n",
            "field 'schedule': not a cron line or an interval like 30m: '0 8 * * 8' "
            "(day of week out of range: '8')",
        ),
        (
            "- name: a\n  start_urls: [http://x.org/]\n  schedule: 0 25 * * 7\n",
            "field 'schedule': not a cron line or an interval like 30m: '0 25 * * 7'",
        ),
        (
            "- name: a\n  start_urls: [http://x.org/]\n  schedule: '30'\n",
            "field 'schedule': not a cron line or an interval like 30m: '30' "
            "(a cron line has 5 fields, not 1)",
        ),
        ("- name: a\n  start_urls: [http://x.org/]\n  encoding: klingon\n", "unknown encoding"),
        (
            "- name: a\n  start_urls: [http://x.org/]\n  colour: red\n",
            "field 'colour': unknown key",
        ),
        (
            "- name: a\n  start_urls: [http://x.org/]\n  selectors: {titel: h1}\n",
            "field 'selectors.titel': unknown key",
        ),
        (
            "- name: a\n  start_urls: [http://x.org/]\n- name: a\n  start_urls: [http://y.org/]\n",
            "entry 2 (a), field 'name': duplicate portal name",
        ),
    ],
)
def test_malformed_file_names_file_entry_and_field(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_portals(path)
    message = str(error.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_cli_exits_2_and_crawls_nothing(tmp_path, site):
    path = write(
        tmp_path, f"- name: ok\n  start_urls: [{site.url('/')}]\n- name: bad\n  schedule: x\n"
    )
    result = govwatch("crawl", "--portals", str(path), "--db", f"sqlite:///{tmp_path}/g.db")
    assert result.returncode == 2
    assert f"{path}: entry 2 (bad), field 'start_urls': Field required" in result.stderr
    assert "Traceback" not in result.stderr
    assert site.hits_for() == []
    assert not (tmp_path / "g.db").exists()


def test_missing_portal_file_is_a_clear_error(tmp_path):
    result = govwatch("portal", "list", "--portals", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "nope.yaml: file not found" in result.stderr


def test_intervals_take_decimals_and_need_a_unit():
    assert parse_interval("30m").total_seconds() == 1800
    assert parse_interval("2h").total_seconds() == 7200
    assert parse_interval("1.5h").total_seconds() == 5400
    assert parse_interval("*/5 * * * *") is None
    assert parse_interval("30") is None


SCHEDULES = """
- name: sunday_7
  start_urls: [http://x.org/]
  schedule: "0 8 * * 7"
- name: sunday_0
  start_urls: [http://x.org/]
  schedule: "0 8 * * 0"
- name: weekend
  start_urls: [http://x.org/]
  schedule: "0 8 * * 5-7"
- name: decimal
  start_urls: [http://x.org/]
  schedule: 1.5h
"""


def test_sunday_may_be_7_and_intervals_decimal_in_the_portal_file(tmp_path):
    path = write(tmp_path, SCHEDULES)
    schedules = [portal.schedule for portal in load_portals(path)]
    assert schedules == ["0 8 * * 7", "0 8 * * 0", "0 8 * * 5-7", "1.5h"]
    result = govwatch("portal", "list", "--portals", str(path))
    assert result.returncode == 0, result.stderr
    assert "sunday_7\t\thttp://x.org/\tschedule 0 8 * * 7" in result.stdout
    assert "decimal\t\thttp://x.org/\tschedule 1.5h" in result.stdout


@pytest.mark.parametrize(
    "setting",
    [
        "DOWNLOADER_MIDDLEWARES: {crawler.crawl.middlewares.OriginGuardMiddleware: null}",
        "ITEM_PIPELINES: {os.system: 1}",
        "DOWNLOAD_HANDLERS: {file: some.module.Handler}",
        "EXTENSIONS: {}",
        "GOVWATCH_DB: sqlite:////tmp/other.db",
    ],
)
def test_settings_outside_the_allowed_list_are_refused(tmp_path, setting):
    """A portal could switch off the origin guard or load any class by its path."""
    name = setting.split(":")[0]
    path = write(
        tmp_path,
        f"- name: ok\n  start_urls: [http://x.org/]\n"
        f"- name: weibin\n  start_urls: [http://x.org/]\n  settings:\n"
        f"    DOWNLOAD_DELAY: 2\n    {setting}\n",
    )
    with pytest.raises(ConfigError) as error:
        load_portals(path)
    message = str(error.value)
    assert message.startswith(
        f"{path}: entry 2 (weibin), field 'settings': {name} cannot be set per portal (allowed: "
    )
    assert "delays: DOWNLOAD_DELAY" in message and "proxy: GOVWATCH_PROXY" in message


def test_the_allowed_settings_load_and_a_refused_one_exits_2(tmp_path, site):
    allowed = {
        "DOWNLOAD_DELAY": 3,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_TIMEOUT": 60,
        "RETRY_TIMES": 5,
        "DOWNLOAD_MAXSIZE": 1048576,
        "USER_AGENT": "Mozilla/5.0",
        "ROBOTSTXT_OBEY": False,
        "GOVWATCH_PROXY": "http://proxy.example.org:3128",
        "DEFAULT_REQUEST_HEADERS": {"Referer": "http://x.org/"},
        "COOKIES_ENABLED": False,
    }
    entry = {"name": "weibin", "start_urls": ["http://x.org/"], "settings": allowed}
    (portal,) = load_portals(write(tmp_path, yaml.safe_dump([entry])))
    assert portal.settings == allowed
    entry["start_urls"] = [site.url("/")]
    entry["settings"] = {"SPIDER_MIDDLEWARES": {"x.Y": 1}}
    path = write(tmp_path, yaml.safe_dump([entry]))
    result = govwatch("crawl", "--portals", str(path), "--db", f"sqlite:///{tmp_path}/g.db")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "entry 1 (weibin), field 'settings': SPIDER_MIDDLEWARES cannot be set" in result.stderr
    assert site.hits_for() == []
