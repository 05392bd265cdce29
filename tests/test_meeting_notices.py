"""Issue 19's meeting facts: notices' sections, which year, relative days, the meetings missed,
presider phrasings, surnames, English mirrors, and why each record is (not) a meeting."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from crawler.extract.meeting import meeting_facts, zh_name
from crawler.extract.meeting.dates import meeting_when
from storage.zones import PORTAL_ZONE


def at(day: str, hour: int = 10) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, 0, tzinfo=PORTAL_ZONE)


NOTICE = (
    "各乡镇人民政府，县直各部门：\n"
    "经县政府研究，决定召开全县春耕生产工作会议。现将有关事项通知如下：\n"
    "一、会议时间\n"
    "2024年3月5日（星期二）下午2:30，会期半天。\n"
    "二、会议地点\n"
    "县政府五楼第二会议室。\n"
    "三、参会人员\n"
    "县政府分管副县长；各乡镇乡镇长；县农业农村局主要负责人。\n"
    "四、会议议程\n"
    "（一）县农业农村局通报春耕备耕情况；\n"
    "（二）各乡镇作交流发言；\n"
    "（三）县政府领导讲话。\n"
    "五、有关要求\n"
    "（一）请参会人员于下午2:10前签到。\n"
    "县人民政府办公室\n"
    "2024年2月28日"
)


def test_a_notice_s_numbered_sections_are_read():
    facts = meeting_facts("关于召开全县春耕生产工作会议的通知", NOTICE, at("2024-02-28"))
    assert facts.is_meeting and facts.meeting_status == "upcoming"
    assert facts.meeting_date == date(2024, 3, 5)
    assert facts.meeting_time == "14:30"  # not the 2:10 sign-in
    assert facts.location == "县政府五楼第二会议室"
    assert facts.attendees == []  # offices, no named person
    assert facts.agenda == ["县农业农村局通报春耕备耕情况", "各乡镇作交流发言", "县政府领导讲话"]


@pytest.mark.parametrize(
    ("body", "agenda", "time"),
    [
        (
            "定于5月25日（星期四）下午4:00召开视频会议。\n"
            "四、会议议程：（一）市水利局通报汛情；（二）市应急管理局部署工作；（三）市领导讲话。",
            ["市水利局通报汛情", "市应急管理局部署工作", "市领导讲话"],
            "16:00",
        ),
        (
            "定于7月5日上午9时在县政府三楼召开常务会议。\n会议议题：\n"
            "一、研究停车管理办法（县交通运输局汇报，15分钟）；\n二、研究预算调整方案。\n"
            "列席人员：县司法局主要负责人。\n请于7月4日下午5点前送材料。",
            ["研究停车管理办法（县交通运输局汇报，15分钟）", "研究预算调整方案"],
            "09:00",
        ),
        (
            "一、时间：2024年1月3日（星期三）上午9:30\n二、地点：县文化中心影剧院\n"
            "三、议程：1.观看专题片；2.集中签约；3.县委主要领导讲话。",
            ["观看专题片", "集中签约", "县委主要领导讲话"],
            "09:30",
        ),
    ],
)
def test_agenda_items_run_on_or_one_a_line(body: str, agenda: list[str], time: str):
    facts = meeting_facts("关于召开有关会议的通知", body, at("2023-12-27"))
    assert facts.agenda == agenda
    assert facts.meeting_time == time


def test_an_english_notice_s_agenda_time_and_main_venue():
    body = (
        "To all township governments:\n"
        "The county government will hold a video conference on the census at 10:00 a.m. on "
        "October 19 (Thursday). The main venue will be the video conference room of the county "
        "government, and sub-venues will be set up in all townships.\n"
        "Agenda: 1. Convey the spirit of the conference; 2. Report on the progress; 3. Speech "
        "by the county government leader.\n"
        "Please complete the equipment debugging before 9:30 a.m. on October 19."
    )
    facts = meeting_facts("Notice on Holding the County Video Conference", body, at("2023-10-16"))
    assert facts.meeting_status == "upcoming"
    assert facts.meeting_date == date(2023, 10, 19) and facts.meeting_time == "10:00"
    assert facts.location == "the video conference room of the county government"
    assert facts.agenda == [
        "Convey the spirit of the conference",
        "Report on the progress",
        "Speech by the county government leader",
    ]


@pytest.mark.parametrize(
    ("title", "body", "published", "expected"),
    [
        # a report looks back: the nearest such day on or before the publish date
        ("县政府召开常务会议", "12月29日上午，县政府召开常务会议。", "2023-01-04", "2022-12-29"),
        ("县政府召开常务会议", "8日上午，县政府召开常务会议。", "2022-12-11", "2022-12-08"),
        ("县政府召开常务会议", "31日下午，县政府召开常务会议。", "2023-08-02", "2023-07-31"),
        ("县政府召开常务会议", "29日上午，县政府召开常务会议。", "2023-01-03", "2022-12-29"),
        # a notice looks forward, across New Year too
        (
            "关于召开推进会的通知",
            "区政府定于1月3日下午2:30召开推进会。",
            "2022-12-29",
            "2023-01-03",
        ),
        ("关于召开推进会的通知", "定于5日上午召开推进会。", "2022-12-28", "2023-01-05"),
        ("关于召开推进会的通知", "定于2023年1月4日召开会议。", "2022-12-28", "2023-01-04"),
    ],
)
def test_which_year(title: str, body: str, published: str, expected: str):
    assert meeting_when(title, body, at(published)).day == date.fromisoformat(expected)


def test_numbers_that_are_no_day():
    """A footer's ICP number or a document number is no day of the meeting."""
    body = "洛阳市偃师区人民政府 版权所有\n豫ICP备05017783号-1 豫公网安备 41030702000071号"
    assert meeting_when("关于召开推进会的通知", body, at("2022-12-29")).day is None
    body = "根据《通知》（偃政办〔2023〕15号）要求，定于20日召开推进会。"
    assert meeting_when("关于召开推进会的通知", body, at("2023-03-02")).day == date(2023, 3, 20)


@pytest.mark.parametrize(
    ("body", "published", "expected"),
    [
        ("昨天下午，清水县召开一季度经济运行分析会。", "2023-04-12", "2023-04-11"),
        ("昨日，大竹县召开招商引资项目推进会。", "2023-05-17", "2023-05-16"),
        ("前天上午，我市召开调度会。", "2023-06-21", "2023-06-19"),
        ("今天上午，临澧县召开防汛抗旱工作会议。", "2023-07-10", "2023-07-10"),
        ("下午，县政府召开常务会议。", "2023-07-10", "2023-07-10"),
        ("本周一，县政府党组召开学习会议。", "2023-06-08", "2023-06-05"),  # a Thursday
        ("上周五，邵东市召开现场推进会。", "2023-09-11", "2023-09-08"),  # a Monday
        ("Yesterday afternoon, Dazhu County held a work conference.", "2023-09-20", "2023-09-19"),
        ("This morning, the county held an executive meeting.", "2023-09-20", "2023-09-20"),
        ("Last Friday, Shaodong held an on-site meeting.", "2023-10-16", "2023-10-13"),
        ("日前，秦州区政府召开第十二次常务会议。会议要求5月1日前完成排查。", "2023-04-27", None),
    ],
)
def test_relative_days_count_from_the_publish_date(body: str, published: str, expected: str):
    found = meeting_when("会议", body, at(published), upcoming=False).day
    assert (found.isoformat() if found else None) == expected


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        (
            "凝心聚力 真抓实干 全力推动各项工作落地见效",
            "2月20日上午，全县“三抓三促”行动暨“项目建设年”动员部署大会召开。",
            True,
        ),
        ("关于召开临澧县2023年民营经济发展大会的通知", "", True),
        ("偃师区召开“项目建设攻坚年”推进会", "", True),
        ("市安全生产委员会全体会议召开", "", True),  # 全体会议 is no "体会"
        (
            "全县重点项目观摩活动举行",
            "5月9日，全县重点项目观摩活动举行。观摩团一行深入项目现场察看。"
            "当天下午，县政府召开重点项目观摩点评会。",
            True,
        ),
        (
            "Tender Announcement for the Renovation Project of the Conference Room of the County "
            "Government Office Building",
            "Project No.: QSCG-2023-087\n1. Project overview: the renovation of the conference room.",
            False,
        ),
        ("关于举办全市应急管理干部业务能力提升培训班的通知", "", False),
    ],
)
def test_meetings_not_flagged_before_and_a_tender(title: str, body: str, expected: bool):
    facts = meeting_facts(title, body, at("2023-05-10"))
    assert facts.is_meeting is expected
    assert facts.why["meeting_rule"] and (facts.why["terms"] or not expected)


@pytest.mark.parametrize(
    ("sentence", "presider"),
    [
        ("8日上午，县长欧阳晓东主持座谈会，与企业家面对面交流。", "欧阳晓东"),
        ("31日下午，全县防汛调度会召开。会议由副县长佘建英主持。", "佘建英"),
        ("29日上午，县政府召开常务会议。县长赖振华主持会议并讲话。", "赖振华"),
        ("3月28日，偃师区召开推进会。区委副书记、区长上官文清主持召开并讲话。", "上官文清"),
        ("On May 18, the meeting was held, chaired by mayor Gao Jianmin.", "Gao Jianmin"),
        (
            "On May 18, the plenary meeting was held. The meeting was presided over by vice "
            "mayor Qi Yonggang, and mayor Zi Hongmei attended the meeting and delivered a speech.",
            "Qi Yonggang",
        ),
        ("On November 8, county head Ouyang Xiaodong hosted a symposium.", "Ouyang Xiaodong"),
    ],
)
def test_presider_phrasings(sentence: str, presider: str):
    facts = meeting_facts(
        "会议召开" if "日" in sentence else "Meeting held", sentence, at("2023-12-11")
    )
    assert facts.presider == presider


def test_who_presided_is_not_a_speaker_unless_he_spoke():
    body = (
        "On May 18, the plenary meeting was held. The meeting was presided over by vice mayor "
        "Qi Yonggang, and mayor Zi Hongmei attended the meeting and delivered a speech."
    )
    facts = meeting_facts("Plenary meeting held", body, at("2023-05-19"))
    assert facts.speakers == ["Zi Hongmei"] and facts.attendees == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("副市长赖立新", "赖立新"),
        ("县委常委、副县长訾长青", "訾长青"),
        ("亓志刚", "亓志刚"),
        ("普文华", "普文华"),
        ("副县长普华", "普华"),
        ("县委副书记、县长上官文清", "上官文清"),
        ("商务局", None),
        ("管委会", None),
        ("公司", None),  # a rarer surname's character with one more is a name only after a title
    ],
)
def test_names_with_any_surname(text: str, name: str | None):
    assert zh_name(text) == name


def test_attendees_after_a_rare_surname_and_past_groups():
    body = (
        "8月17日，县长马志明主持召开县政府第二十二次常务会议。\n"
        "副县长杨丽萍、普文华、张永昆，县政府党组成员李国强出席会议。\n"
        "区领导王红霞、郭涛，各镇（街道）和区直有关部门主要负责人参加会议。\n"
        "副县长张敏出席会议，县政府办公室、县商务局等部门负责同志列席会议。\n"
        "冯志远在主持时要求，各部门要抓好落实。诸葛建华在讲话中强调，要压实责任。"
    )
    facts = meeting_facts("县政府召开第二十二次常务会议", body, at("2023-08-18"))
    assert facts.attendees == ["杨丽萍", "普文华", "张永昆", "李国强", "王红霞", "郭涛", "张敏"]
    assert facts.speakers == ["冯志远", "诸葛建华"]


def test_english_mirror_furniture_does_not_fool_the_meeting_side():
    body = (
        "index/ Government Affairs Openness / Executive Meetings / article\n"
        "date 2022-11-16 The 2023 county economic work conference was held on the afternoon of "
        "November 16. County head Wang Lixin chaired the meeting."
    )
    facts = meeting_facts(None, body, at("2022-11-17"))
    assert facts.is_meeting and facts.meeting_date == date(2022, 11, 16)
    assert facts.meeting_name is not None and not facts.meeting_name.lower().startswith("date")
    assert facts.presider == "Wang Lixin"


def test_why_is_filled_for_meetings_and_others():
    facts = meeting_facts(
        "县政府召开第九次常务会议", "29日上午，县政府召开会议。", at("2023-01-03")
    )
    assert facts.why["terms"] == ["常务会"]
    assert facts.why["sentence"] == "县政府召开第九次常务会议"
    assert "29日" in facts.why["date_rule"] and "before" in facts.why["date_rule"]
    other = meeting_facts("吴玉新到高新区调研", "3月1日，区长到高新区调研。", at("2023-03-02"))
    assert not other.is_meeting and "调研" in other.why["meeting_rule"]
    assert other.why["date_rule"] is None and other.meeting_status is None


# tests/eval/real/GUIDE.md's meeting_name rule: the headline's name (the body's when the
# headline names no meeting), a bare place name that convenes left out, an organ kept as
# Chinese writes it, English as written after the verb, a leading the/a dropped
@pytest.mark.parametrize(
    ("title", "body", "name"),
    [
        (
            "县政府召开第九次常务会议",
            "29日上午，县政府召开第九次常务会议。",
            "县政府第九次常务会议",
        ),
        (  # the headline's wording wins over the body's
            "县政府党组召开理论学习中心组学习会议",
            "本周一，县政府党组召开理论学习中心组学习（扩大）会议。",
            "县政府党组理论学习中心组学习会议",
        ),
        (
            "县十七届人大常委会召开第十八次会议",
            "6月6日，县十七届人大常委会召开第十八次会议。",
            "县十七届人大常委会第十八次会议",
        ),
        (
            "桑植县人民政府召开第十二次常务会议",
            "6月6日，桑植县人民政府召开第十二次常务会议。",
            "桑植县人民政府第十二次常务会议",
        ),
        (
            "市安委会召开全体会议",
            "6月6日，市安委会召开全体会议。",
            "市安委会全体会议",
        ),
        (  # a bare place name is left out
            "清水县召开一季度经济运行分析会",
            "4月12日，清水县召开一季度经济运行分析会。",
            "一季度经济运行分析会",
        ),
        (
            "全市“两违”整治攻坚推进会召开",
            "14日下午，全市违法建设和违法用地整治攻坚推进会召开。",
            "全市“两违”整治攻坚推进会",
        ),
        (
            "原平市人民政府办公室关于召开2023年全市经济工作会议的通知",
            "经研究，决定召开全市经济工作会议。",
            "2023年全市经济工作会议",
        ),
        (  # the headline names no meeting: the body's, its organ kept
            "全县重点项目观摩活动举行",
            "5月9日，全县重点项目观摩活动举行。观摩团察看项目。当天下午，县政府召开重点项目观摩点评会。",
            "县政府重点项目观摩点评会",
        ),
        (
            "Wu'an holds the 17th executive meeting of municipal government",
            "On the morning of June 14, the 17th executive meeting of the municipal government "
            "was held, chaired by mayor Gao Jianmin.",
            "17th executive meeting of municipal government",
        ),
        (
            "County government holds the 29th executive meeting",
            "On June 6, Zhuge Jianhua presided over the 29th executive meeting of the county "
            "government to study winter heating.",
            "29th executive meeting",
        ),
        (
            "County head hosts symposium with private entrepreneurs",
            "On June 6, county head Ouyang Xiaodong hosted a symposium with private "
            "entrepreneurs to listen to their opinions.",
            "symposium with private entrepreneurs",
        ),
        (
            "Notice on Holding the County Video Conference on the Fifth National Economic Census",
            "The county government will hold a video conference on the census at 10:00 a.m.",
            "County Video Conference on the Fifth National Economic Census",
        ),
        (
            "The municipal government party group held an enlarged meeting to convey the spirit",
            "On the 22nd, the party group of the municipal government held an enlarged meeting.",
            "enlarged meeting",
        ),
        (  # the headline names no meeting: the body's
            "Yulin solicited opinions on the draft report",
            "On June 6, the municipal government held a symposium on the draft report.",
            "symposium on the draft report",
        ),
    ],
)
def test_meeting_name_follows_the_labelling_guide(title: str, body: str, name: str):
    assert meeting_facts(title, body, at("2023-06-08")).meeting_name == name
