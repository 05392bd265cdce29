"""``govwatch export``: byte-for-byte the output of tests/golden/, and a start that imports
neither Scrapy, pydantic, YAML, Alembic nor the scheduler."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage import Repository
from tests.support.portal import ROOT

# written by the ORM export and write_records of commit 8ba7d9a, before export read plain
# columns, and again when issue 19 added meeting_status, meeting_time, location, meeting_form,
# agenda and why, and when issue 21 added attachments, portal_title and portal_region: a
# change of the output shows as a diff against these files
GOLDEN = Path(__file__).with_name("golden")
SEEN = datetime(2023, 2, 22, 3, 33, 0, 123456, tzinfo=UTC)


def varied_records() -> list[dict[str, Any]]:
    """Records that exercise every field's formatting: nulls, empty and quoted lists, text
    that CSV must quote and JSON must escape, datetimes given in other zones and across the
    date line of Asia/Shanghai, with and without microseconds."""
    base: dict[str, Any] = {
        "portal": "weibin",
        "title": "区政府召开第十一次常务会议",
        "body": "会议听取了有关工作汇报。" * 3,
        "is_meeting": True,
        "meeting_date": date(2023, 2, 20),
        "meeting_name": "第十一次常务会议",
        "presider": "吴玉新",
        "speakers": ["吴玉新"],
        "attendees": [],
        "meeting_status": "held",
        "attachments": ["http://x.cn/files/议程.docx"],
        "meeting_time": None,
        "location": "区政府三楼会议室",
        "meeting_form": None,
        "agenda": [],
        "why": {
            "terms": ["常务会议"],
            "sentence": "区长吴玉新主持召开第十一次常务会议",
            "meeting_rule": "title names a meeting",
            "date_rule": "day in the lead, looking back",
        },
        "fingerprint": None,
        "published_at": datetime(2023, 2, 22, 3, 33, tzinfo=UTC),
        "source": "区政府办公室",
    }
    variants: list[dict[str, Any]] = [
        {},
        {
            "title": None,
            "body": "",
            "source": None,
            "is_meeting": False,
            "meeting_date": None,
            "meeting_name": None,
            "presider": None,
            "speakers": [],
            "published_at": None,
            "meeting_status": None,
            "location": None,
            "why": None,
        },
        {
            "portal": "english",
            "title": 'The "enlarged" meeting, held; at 9:00',
            "body": "Line one,\r\nline two\n\ttabbed \\ backslash\n",
            "speakers": ["Wu Yuxin", 'Li "Junior", Jr.', ""],
            "attendees": ["a, b", "c\nd"],
            "meeting_status": "upcoming",
            "meeting_time": "09:00",
            "meeting_form": "video conference",
            "agenda": ["Report; 10 minutes", 'the "plan", discussed'],
            "why": {"terms": ["meeting"], "sentence": 'a "quoted", sentence\n', "meeting_rule": ""},
            "published_at": datetime(2023, 2, 21, 23, 15, tzinfo=timezone(timedelta(hours=-5))),
            "duplicate_of": "http://x.cn/0.html",
        },
        {
            "title": "控制符\x07与分隔符\u2028及表情😀",
            "body": "</script><b>粗体</b>\u00a0不换行空格",
            "meeting_date": date(1999, 12, 31),
            "published_at": datetime(2023, 2, 22, 23, 59, 59, 999999, tzinfo=ZoneInfo("UTC")),
            "attendees": ["张三", "李四", "王五"],
            # a re-check found it edited, then withdrawn (storage.revisions sets these)
            "revised_at": datetime(2023, 2, 24, 1, 2, 3, tzinfo=UTC),
            "withdrawn_at": datetime(2023, 2, 24, 1, 2, 3, tzinfo=UTC),
        },
        {
            "is_meeting": False,
            "meeting_date": None,
            "published_at": datetime(2023, 2, 22, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
            "presider": "",
            "meeting_name": "",
        },
    ]
    hours = (0, 7, 7, 14, 21)  # in id order, as stored; two at once: their ids break the tie
    return [
        {**base, "url": f"http://x.cn/{i}.html", "first_seen_at": SEEN + timedelta(hours=h), **v}
        for i, (v, h) in enumerate(zip(variants, hours, strict=True))
    ]


def stored(db_url: str) -> str:
    repo = Repository.open(db_url)
    try:
        repo.ensure_portal("weibin", "渭滨区人民政府", "陕西省宝鸡市渭滨区")
        repo.ensure_portal("english")
        repo.add_announcements(varied_records())
    finally:
        repo.close()
    return db_url


def export_bytes(*args: str) -> bytes:
    """What ``govwatch export ARGS`` writes to stdout, untranslated."""
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "export", *args],
        capture_output=True,
        timeout=180,
        cwd=ROOT,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("args", "golden"),
    [
        ((), "export.jsonl"),
        (("--format", "csv"), "export.csv"),
        (("--since", "2023-02-22"), "export.jsonl"),  # another order by, the same rows
        (("--format", "csv", "--since", "2020-01-01"), "export.csv"),
    ],
)
def test_export_output_is_unchanged(db_url: str, args: tuple[str, ...], golden: str):
    output = export_bytes("--db", stored(db_url), *args)
    assert output == (GOLDEN / golden).read_bytes()


def test_export_filters_keep_the_order(db_url: str):
    lines = export_bytes("--db", stored(db_url), "--meetings-only", "--portal", "weibin")
    urls = [json.loads(line)["url"] for line in lines.splitlines()]
    assert urls == ["http://x.cn/0.html", "http://x.cn/3.html"]


def test_export_imports_no_crawler_config_or_migration_code(db_url: str, tmp_path: Path):
    """With the schema current, export starts without Alembic, Scrapy, pydantic, YAML or
    the scheduler (a second of imports before the first row, docs/performance.md)."""
    stored(db_url)
    script = (
        "import contextlib, io, json, sys\n"
        "from crawler.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['export', '--db', {db_url!r}, '--since', '2023-01-01'])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=180
    )
    assert result.returncode == 0, result.stderr
    code, modules = json.loads(result.stdout)
    assert code == 0 and "storage.repository" in modules
    unwanted = ("alembic", "scrapy", "twisted", "pydantic", "yaml", "scheduler", "apscheduler")
    assert [m for m in modules if m.split(".")[0] in unwanted] == []
    assert "crawler.configfiles.portals" not in modules


@pytest.mark.parametrize(
    ("args", "urls"),
    [
        # first seen 01:33 and 08:33 on the 23rd in Shanghai (17:33 and 00:33 UTC): days are
        # Shanghai days, so both; from UTC midnight only the second
        (("--since", "2023-02-23"), [3, 4]),
        (("--until", "2023-02-22"), [0, 1, 2]),
        (("--since", "2023-02-22", "--until", "2023-02-22"), [0, 1, 2]),
        # published 07:59 on the 23rd in Shanghai, 23:59 on the 22nd in UTC
        (("--by", "published", "--since", "2023-02-23"), [3]),
        (("--by", "published", "--until", "2023-02-22"), [0, 2, 4]),
        (("--by", "meeting", "--since", "2023-01-01"), [0, 2]),
        (("--by", "meeting", "--until", "2000-01-01"), [3]),
    ],
)
def test_export_dates_are_shanghai_days(db_url: str, args: tuple[str, ...], urls: list[int]):
    lines = export_bytes("--db", stored(db_url), *args).splitlines()
    assert [json.loads(line)["url"] for line in lines] == [f"http://x.cn/{i}.html" for i in urls]


def test_export_csv_for_excel_begins_with_a_bom(db_url: str):
    output = export_bytes("--db", stored(db_url), "--format", "csv", "--bom")
    assert output == "\ufeff".encode() + (GOLDEN / "export.csv").read_bytes()
    assert not export_bytes("--db", stored(db_url), "--bom").startswith("\ufeff".encode())
