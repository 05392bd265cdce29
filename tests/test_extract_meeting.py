"""Meeting classification and facts on the traps of the seeds and of Chinese county portals."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

import pytest

from crawler.extract.meeting import (
    MeetingFacts,
    en_names,
    is_meeting,
    meeting_date,
    meeting_facts,
    zh_name,
)
from crawler.extract.meeting import dates as meeting_dates
from crawler.items import AnnouncementItem
from storage import MEETING_FIELDS, STORED_FIELDS
from storage.zones import PORTAL_ZONE


def at(day: str) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, 10, 0, tzinfo=PORTAL_ZONE)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("县政府召开第十一次常务会议", True),
        ("市政府党组（扩大）会议召开", True),
        ("渭滨区召开政府系统“三年”活动暨重点工作安排推进会", True),
        ("关于召开全县安全生产工作会议的通知", True),
        ("全市招商引资座谈会举行", True),
        ("Our county held a review meeting on key work in the second quarter of 2022", True),
        (
            "The mobilization and deployment conference of “Environmental Construction Year” was held",
            True,
        ),
        ("吴玉新到高新区调研重点项目建设", False),
        ("区长到XX镇调研并召开座谈会", False),
        ("召开全市安全生产督查工作推进会", True),
        ("《渭滨区优化营商环境若干措施》政策解读", False),
        ("关于张三等同志任免职的通知", False),
        ("县政府三楼会议室改造项目招标公告", False),
        ("县人大常委会副主任视察道路建设", False),
        ("深入学习贯彻党的二十大会议精神", False),
        ("The mayor inspected flood control work in Weibin", False),
        ("Interpretation of the new business environment policy", False),
    ],
)
def test_is_meeting(title: str, expected: bool):
    assert is_meeting(title, "") is expected


def test_untitled_report_is_read_from_its_first_sentence():
    body = "2月20日，市政府召开党组扩大会议，传达学习市委常委会精神。"
    assert is_meeting(None, body)
    assert not is_meeting(None, "近日，市长到高新区调研企业复工复产情况。")


@pytest.mark.parametrize(
    ("body", "published", "expected"),
    [
        ("2月20日上午，渭滨区召开推进会。", "2023-02-22", "2023-02-20"),
        ("20日，县政府召开常务会议。", "2023-02-22", "2023-02-20"),
        ("28日，县政府召开常务会议。", "2023-03-02", "2023-02-28"),  # last month
        ("12月30日，县委召开常委会会议。", "2023-01-03", "2022-12-30"),  # year boundary
        (
            "On the morning of February 20th, Weibin District held a meeting.",
            "2023-02-22",
            "2023-02-20",
        ),
        ("On the 22nd, the party group held an enlarged meeting.", "2022-08-23", "2022-08-22"),
        (
            "On February 7th, the first working day, the meeting was held.",
            "2022-07-23",
            "2022-02-07",
        ),
        ("2023年3月1日，召开会议。", "2023-03-05", "2023-03-01"),
        ("近日，县政府召开常务会议。", "2023-03-05", None),
    ],
)
def test_meeting_date_of_reports(body: str, published: str, expected: str | None):
    found = meeting_date("某某会议", body, at(published))
    assert (found.isoformat() if found else None) == expected


def test_notices_look_ahead_of_publication():
    body = "各乡镇：经研究，定于1月5日上午9时在县政府三楼会议室召开全县安全生产工作会议。"
    title = "关于召开全县安全生产工作会议的通知"
    assert meeting_date(title, body, at("2022-12-28")) == date(2023, 1, 5)
    assert meeting_date(title, "定于28日召开会议。", at("2023-03-20")) == date(2023, 3, 28)
    labelled = "一、会议时间：2023年3月1日（星期三）上午9:00\n二、会议地点：县政府三楼会议室"
    assert meeting_date(title, "为做好工作，现通知如下：\n" + labelled, at("2023-02-20")) == date(
        2023, 3, 1
    )


def test_without_a_publish_date_the_year_named_in_the_text_is_used():
    body = "On July 18, our county held a review meeting on key work in the second quarter of 2022."
    assert meeting_date(None, body, None) == date(2022, 7, 18)


def test_a_year_still_to_come_or_a_date_years_ahead_is_not_the_meeting_s(monkeypatch):
    """Without a publish date a year the text names that has not come yet is no reference
    (a plan "到2030年…"), and a meeting is announced a year ahead at most (hypothesis found
    "2030会议1日" dated 2030-12-01)."""
    monkeypatch.setattr(meeting_dates, "now_shanghai", lambda: at("2026-12-02"))
    assert meeting_date(None, "2030会议1日", None) == date(2026, 12, 1)
    assert meeting_date(None, "2031年3月5日召开会议。", None) is None
    assert meeting_date(None, "定于2027年3月5日召开会议。", None) == date(2027, 3, 5)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("县委副书记、县长赵贵波", "赵贵波"),
        ("区长吴玉新", "吴玉新"),
        ("区委常委、常务副区长苗坤", "苗坤"),
        ("渭滨区区长吴玉新", "吴玉新"),
        ("县长李长春", "李长春"),
        ("欧阳晓明同志", "欧阳晓明"),
        ("会议", None),
        ("全体参会人员", None),
        ("各乡镇主要负责同志", None),
    ],
)
def test_zh_name_drops_titles(text: str, name: str | None):
    assert zh_name(text) == name


def test_en_names_are_pinyin_names_in_either_case():
    text = (
        "Zhao Shaoyi, chairman, an Lu, Hu Jun, he Bingzheng, fan Yuhu, and Zhao guibo; he stressed"
    )
    assert en_names(text) == [
        "Zhao Shaoyi",
        "an Lu",
        "Hu Jun",
        "he Bingzheng",
        "fan Yuhu",
        "Zhao guibo",
    ]
    assert en_names("Deputy secretary of the Municipal Party Committee, Mayor Wang Xinyu") == [
        "Wang Xinyu"
    ]


def test_chinese_report_facts():
    body = (
        "2月20日上午，渭滨区召开政府系统“三年”活动暨重点工作安排推进会。\n"
        "区长吴玉新出席会议并讲话。区委常委、常务副区长苗坤，区委常委、副区长王亚琴，"
        "副区长廖小霞、赵英凯、苗胜利出席会议。\n"
        "吴玉新指出，开展“三年”活动是务实举措。\n"
        "会议由区委常委、常务副区长苗坤主持。会议以视频会议形式在区政府三楼会议室召开。"
    )
    facts = meeting_facts(
        "渭滨区召开政府系统“三年”活动暨重点工作安排推进会", body, at("2023-02-22")
    )
    assert facts.is_meeting
    assert facts.meeting_date == date(2023, 2, 20)
    assert facts.meeting_name == "政府系统“三年”活动暨重点工作安排推进会"
    assert facts.presider == "苗坤"
    assert facts.speakers == ["吴玉新"]
    # who presided or spoke is not listed again among the attendees
    assert facts.attendees == ["王亚琴", "廖小霞", "赵英凯", "苗胜利"]
    assert facts.meeting_form == "视频会议"


def test_english_mirror_facts_seed_000_and_001():
    body = (
        "On February 7th, the first working day after the Spring Festival holiday, the "
        "mobilization and deployment meeting was held in the whole city.Jin Guowei, party "
        "secretary, attended the meeting and made a speech.Deputy secretary of the Municipal "
        "Party Committee, Mayor Wang Xinyu chaired the meeting.Yang Weixin, director of the "
        "Standing Committee, han Tong, chairman of the Municipal CPPCC attended the meeting."
        "The conference will be held in the form of teleconference."
    )
    facts = meeting_facts(
        "The mobilization and deployment conference was held", body, at("2022-07-23")
    )
    assert facts.meeting_date == date(2022, 2, 7)
    assert facts.presider == "Wang Xinyu"
    assert "Jin Guowei" in facts.speakers
    assert {"Yang Weixin", "han Tong"} <= set(facts.attendees)
    assert facts.meeting_form == "teleconference"

    body = (
        "On July 18, our county held a review meeting on key work in the second quarter of "
        "2022. Feng Jie, Secretary of the county Party committee, attended and spoke. Zhao "
        "guibo, deputy secretary of the county Party committee and head of the county, "
        "presided over the meeting."
    )
    facts = meeting_facts("Our county held a review meeting on key work", body, None)
    assert facts.meeting_date == date(2022, 7, 18)
    assert facts.presider == "Zhao guibo"
    assert facts.speakers == ["Feng Jie"]


def test_non_meetings_carry_no_facts():
    facts = meeting_facts(
        "吴玉新到高新区调研", "3月1日，区长吴玉新到高新区调研并讲话。", at("2023-03-02")
    )
    assert not facts.is_meeting
    assert facts.meeting_date is None and facts.presider is None


def test_the_facts_are_the_record_s_meeting_fields_and_the_item_s():
    """The record (storage.record) defines the meeting fields; MeetingFacts declares them once
    and the crawl's item inherits them."""
    names = tuple(f.name for f in fields(MeetingFacts))
    assert names == MEETING_FIELDS
    item = {f.name for f in fields(AnnouncementItem)}
    assert set(STORED_FIELDS) <= item and set(names) <= item
