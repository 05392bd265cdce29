"""Issue 19, second round: the role phrasings and page shapes of the real-shape pages
notice_021…en_014 (主席台就座, 出席会议的有, attendees and agenda in tables, 在主持会议时指出…)."""

from __future__ import annotations

import pytest

from crawler.extract.meeting import meeting_facts
from tests.test_meeting_notices import at


def test_seated_on_the_rostrum_is_attending():
    body = (
        "5日上午，全县经济工作会议召开。\n"
        "县委书记严文斌，县委副书记、县长辜立新，县人大常委会主任禚海等在主席台就座。\n"
        "会议由辜立新主持。严文斌作重要讲话。\n"
        "县委、县政府领导在主席台前排就座。"
    )
    facts = meeting_facts("全县经济工作会议召开", body, at("2024-01-06"))
    assert facts.presider == "辜立新"
    assert facts.speakers == ["严文斌"]
    assert facts.attendees == ["禚海"]


@pytest.mark.parametrize(
    ("sentence", "attendees"),
    [
        (
            "出席会议的有：县委常委、常务副县长沐阳同志，县人大常委会副主任员明同志。",
            ["沐阳", "员明"],
        ),
        (
            "参加座谈的有：县政协副主席者红、仝海，县工商联主席鲜于明，以及12位民营企业家。",
            ["者红", "仝海", "鲜于明"],
        ),
        ("出席会议的县领导有：张伟、李强。", ["张伟", "李强"]),
    ],
)
def test_attendees_listed_after_the_phrase(sentence: str, attendees: list[str]):
    body = f"8日，县政府召开座谈会。{sentence}"
    assert meeting_facts("县政府召开座谈会", body, at("2024-05-09")).attendees == attendees


@pytest.mark.parametrize(
    "table",
    [
        # one cell a line (the body as the walk gives it) and one row a line (cells joined)
        "出席会议的县领导\n姓名\n职务\n尚明\n县委常委\n沐云\n组织部部长\n普建华\n副主任\n",
        "出席会议的县领导\n姓名 职务\n尚明 县委常委\n沐云 组织部部长\n普建华 副主任\n",
    ],
)
def test_attendees_in_a_table(table: str):
    body = (
        "8日，县长张子韬主持召开推进会。\n"
        + table
        + "张子韬指出，要抓好落实。\n尚明就深化作风建设、严肃执纪问责提出具体要求。"
    )
    facts = meeting_facts("县政府召开推进会", body, at("2024-08-09"))
    assert facts.speakers == ["张子韬", "尚明"]
    assert facts.attendees == ["沐云", "普建华"]


def test_a_notice_s_participants_table_and_a_table_that_is_not_of_people():
    body = (
        "定于本周五下午3时在县住建局五楼会议室召开协调会，由县政府副县长蓝振川主持。\n"
        "请以下同志准时参加：\n单位\n参会人员\n职务\n县住建局\n辜明远\n局长\n"
        "县财政局\n巫马晴\n副局长\n请各单位提前梳理本单位承担任务的进展情况。\n"
        "附表\n单位\n联系人\n县住建局\n王强\n"
    )
    facts = meeting_facts("关于召开协调会的通知", body, at("2024-05-13"))
    assert facts.presider == "蓝振川"
    assert facts.attendees == ["辜明远", "巫马晴"]


@pytest.mark.parametrize(
    ("sentence", "presider", "speakers"),
    [
        ("县长、县级总林长皇甫春生同志主持并讲话。", "皇甫春生", ["皇甫春生"]),
        ("县政协主席长孙建国主持座谈会并讲话。", "长孙建国", ["长孙建国"]),
        ("副市长、市公安局局长呼延涛在主持会议时指出，要绷紧安全之弦。", "呼延涛", ["呼延涛"]),
        ("会议由缪晓琳主持。隗振宇作重要讲话。", "缪晓琳", ["隗振宇"]),
        ("会议由颜丽卿主持。宇文志远在闭幕会上讲话。", "颜丽卿", ["宇文志远"]),
    ],
)
def test_presider_and_speaker_phrasings(sentence: str, presider: str, speakers: list[str]):
    facts = meeting_facts(
        "县政府召开推进会", f"8日，县政府召开推进会。{sentence}", at("2024-07-09")
    )
    assert facts.presider == presider
    assert facts.speakers == speakers


def test_deploying_then_demanding_is_speaking():
    body = (
        "日前，我市召开全市道路交通安全工作联席会议。"
        "市交警支队支队长东方晓就暑期道路交通安全整治“百日行动”作部署，要求加大路面管控力度。"
        "市交通运输局局长王刚就公路隐患排查作说明。"
    )
    facts = meeting_facts("我市召开联席会议", body, at("2024-07-22"))
    assert facts.speakers == ["东方晓"]


def test_english_welcome_speech_and_joomla_furniture():
    body = (
        "Details\nCategory: Local News\nPublished: 22 May 2024\nHits: 164\n"
        "On the afternoon of May 21, the tea industry promotion meeting was held in the county "
        "administrative center. The meeting was presided over by Chen Ruoxi, Vice County Mayor.\n"
        "Ouyang Ping, County Mayor, delivered a welcome speech. Representatives made exchange "
        "speeches. Leaders Ge Xiaoping and Rao Wen attended the meeting."
    )
    facts = meeting_facts("Keeping Tea on the Fast Track", body, at("2024-05-22"))
    assert facts.is_meeting and str(facts.meeting_date) == "2024-05-21"
    assert facts.meeting_name == "tea industry promotion meeting"
    assert facts.presider == "Chen Ruoxi"
    assert facts.speakers == ["Ouyang Ping"]
    assert facts.attendees == ["Ge Xiaoping", "Rao Wen"]


@pytest.mark.parametrize(
    "title",
    [
        "蒙城县机关事务服务中心2024—2025年度会议服务项目竞争性磋商公告",
        "Notice on Online Booking of Conference Rooms in the Administrative Center",
    ],
)
def test_meeting_services_and_room_bookings_are_no_meeting(title: str):
    body = "from September 9, 2024, the conference rooms will be booked online before the meeting."
    assert not meeting_facts(title, body, at("2024-09-05")).is_meeting


@pytest.mark.parametrize(
    ("title", "name"),
    [
        (
            "关于筹备召开全县第五次全国经济普查总结表彰大会的预通知",
            "全县第五次全国经济普查总结表彰大会",
        ),
        (
            "宾川县2024年第二季度食品安全委员会全体会议通知",
            "宾川县2024年第二季度食品安全委员会全体会议",
        ),
    ],
)
def test_notice_titles_name_the_meeting(title: str, name: str):
    body = "各有关单位：\n定于2024年6月26日上午9:30召开会议。"
    assert meeting_facts(title, body, at("2024-06-21")).meeting_name == name


def test_a_run_on_agenda_of_first_second_and_a_place_to_be_told():
    body = (
        "各镇（街道）：\n决定召开全县安全生产视频会议。现将有关事项通知如下：\n"
        "一、会议时间和形式\n会议定于1月6日（星期一）上午9时召开，以视频会议形式进行。\n"
        "二、会议地点\n另行通知。\n"
        "三、会议议程\n会议议程：一是县应急局通报安全生产情况；二是县政府主要负责同志讲话。\n"
    )
    facts = meeting_facts("关于召开全县安全生产视频会议的通知", body, at("2024-12-27"))
    assert str(facts.meeting_date) == "2025-01-06" and facts.meeting_time == "09:00"
    assert facts.location is None
    assert facts.agenda == ["县应急局通报安全生产情况", "县政府主要负责同志讲话"]


@pytest.mark.parametrize(
    "table",
    [
        "序号\n议题\n汇报单位\n1\n研究供热管网改造方案\n县住建局\n2\n听取重点项目汇报\n县发改局\n",
        "序号 议题 汇报单位\n1 研究供热管网改造方案 县住建局\n2 听取重点项目汇报 县发改局\n",
    ],
)
def test_an_agenda_table_gives_its_topic_cells(table: str):
    body = (
        "县政府各组成部门：\n定于近期召开县政府常务会议。\n时间：2024年4月16日下午2:30\n"
        "会议议题：\n" + table + "请各汇报单位于4月15日前报送材料。"
    )
    facts = meeting_facts("关于召开县政府常务会议的通知", body, at("2024-04-12"))
    assert facts.agenda == ["研究供热管网改造方案", "听取重点项目汇报"]


def test_a_meeting_held_in_a_county_with_no_venue_named():
    body = "本报讯 29日上午，全市春季农业生产现场会在城固县召开。副市长欧阳建东主持会议。"
    facts = meeting_facts("全市春季农业生产现场会在城固召开", body, at("2024-03-01"))
    assert facts.location == "城固县"
