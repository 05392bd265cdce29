"""Meeting data: meeting terms, the days and times a text tells, role phrases, titles, names.

Each entry says where it was seen. The readers in this package hold the logic; change data
here. Page data (selectors, publish dates, boilerplate) is in :mod:`crawler.extract.patterns`.
"""

from __future__ import annotations

import re

from crawler.extract.patterns import MONTHS

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))

# -- days and times told in the text ---------------------------------------------------
# Partial dates in a meeting report, resolved against the publish date:
# "2月20日上午", "20日", "2023年3月1日", "12月30日" (Chinese portals); "On the morning of
# February 20th", "On July 18", "On the 22nd", "On February 7th, 2023" (English mirrors, seeds).
# A day is never the tail of a longer number ("豫ICP备05017783号" is no 83号), and 号 without
# a month is a document number ("〔2023〕15号"), not a day.
CN_DAY = re.compile(
    r"(?<!\d)(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?:(?P<m>\d{1,2})\s*月\s*)?"
    r"(?<!\d)(?P<d>\d{1,2})\s*(?P<suffix>[日号])"
)
CN_DAY_NUMERALS = re.compile(
    r"(?:(?P<y>[〇零一二三四五六七八九]{4})年)?(?:(?P<m>[一二三四五六七八九十]{1,2})月)?"
    r"(?P<d>[一二三四五六七八九十]{1,3})日"
)
EN_DAY = re.compile(
    r"\b(?:(?:on|in)\s+)?(?:the\s+(?:morning|afternoon|evening|night)\s+of\s+)?"
    r"(?P<mon>" + _MONTH_NAMES + r")\.?\s+(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\b"
    r"(?:,?\s+(?P<y>(?:19|20)\d{2})\b)?"
    r"|\b[Oo]n\s+the\s+(?:(?:morning|afternoon|evening|night)\s+of\s+the\s+)?"
    r"(?P<d2>\d{1,2})(?:st|nd|rd|th)\b(?:\s+of\s+(?P<mon2>" + _MONTH_NAMES + r"))?",
    re.IGNORECASE,
)
# Days told relative to the publish date (reports of Chinese portals and their mirrors):
# "昨天下午", "昨日", "前天上午", "今天上午", "当天下午" (the publish day when no day was named
# before), "本周一", "上周五"; a lead that opens with "上午"/"下午" is the publish day.
ZH_RELATIVE_DAYS = {"昨天": -1, "昨日": -1, "前天": -2, "前日": -2, "今天": 0, "今日": 0,
                    "当天": 0, "当日": 0, "今晨": 0}  # fmt: skip
ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
ZH_RELATIVE = re.compile(
    r"(?P<rel>" + "|".join(ZH_RELATIVE_DAYS) + r")|(?P<week>本周|这周|上周|本星期|上星期)"
    r"(?P<wd>[一二三四五六日天])|^(?P<half>上午|下午|晚上)[，,]"
)
EN_WEEKDAYS = {
    name: i
    for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
# "Yesterday afternoon", "this morning", "today", "last Friday", "on Monday" (English mirrors)
EN_RELATIVE = re.compile(
    r"\b(?:(?P<yesterday>yesterday)|(?P<today>today|this (?:morning|afternoon|evening)|tonight)"
    r"|(?:(?P<which>last|this|on)\s+)(?P<wd>" + "|".join(EN_WEEKDAYS) + r"))\b",
    re.IGNORECASE,
)
# A lead that gives no day: "日前", "近日", "recently" (the meeting's date is unknown).
VAGUE_DAY = re.compile(
    r"^[^，,。]{0,20}?(日前|近日|近期|前不久)|\b(recently|a few days ago)\b", re.I
)
# The clock time after a meeting's day: "（星期四）下午3:00", "上午9时", "上午8:30—11:30";
# not a deadline ("9:30前完成调试", "下午6点前").
ZH_CLOCK = re.compile(
    r"^\s*(?:[（(](?:星期|周|礼拜)[一二三四五六日天][）)])?\s*[,，]?\s*"
    r"(?P<half>上午|下午|中午|晚上|早上|凌晨|晚)?\s*(?P<h>\d{1,2})\s*"
    r"(?:[:：]\s*(?P<m>\d{2})|时(?:\s*(?P<m2>\d{1,2})\s*分|(?P<half2>半))?|点(?:\s*(?P<m3>\d{1,2})\s*分?|(?P<half3>半))?)"
    r"(?!\s*(?:前|之前|以前|左右前))"
)
EN_CLOCK = re.compile(
    r"(?<!before )(?<!by )(?<!until )(?<!after )\b(?:at\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*"
    r"(?P<ap>[ap])\.?\s?m\b\.?",
    re.IGNORECASE,
)
# A meeting time label in a notice ("会议时间：2023年3月1日上午9:00", "Time: March 1").
MEETING_TIME_LABEL = re.compile(r"(会议时间|开会时间|时\s*间|Time)\s*[:：]", re.IGNORECASE)
# Words that put a meeting in the future (notices of upcoming meetings).
UPCOMING = re.compile(
    r"(定于|将于|拟于|拟定于|将在|计划于|关于召开|会议通知|召开.{0,30}的通知|will be held|"
    r"is scheduled|will hold|will convene|to be held|notice on (holding|convening))",
    re.IGNORECASE,
)

# -- classification -----------------------------------------------------------------

# Kinds of government meeting (titles of Chinese portals; seen on TRS, Hanweb and ASP sites).
# Matched as substrings; "会议室" and organisations ending in 会 are vetoed below.
MEETING_TERMS_ZH = (
    "会议",
    "常务会",
    "专题会",
    "推进会",
    "动员会",
    "部署会",
    "座谈会",
    "调度会",
    "联席会",
    "现场会",
    "视频会",
    "电视电话会",
    "全会",
    "例会",
    "协调会",
    "点评会",
    "汇报会",
    "研讨会",
    "交流会",
    "总结会",
    "务虚会",
    "评审会",
    "论证会",
    "推介会",
    "观摩会",
    "分析会",
    "讲评会",
    "培训会",
    "动员大会",
    "大会",  # "…动员部署大会", "民营经济发展大会" (运动会, 大会堂, 大会精神 are vetoed)
    "誓师大会",
    "表彰大会",
    "工作会",
    "党组会",
    "中心组",
    "碰头会",
    "对接会",
    "恳谈会",
    "发布会",
    "听证会",
    "布置会",
    "警示教育会",
    "民主生活会",
)
# English mirrors (the seeds): "held a review meeting", "mobilization and deployment conference".
MEETING_TERMS_EN = re.compile(
    r"\b(meetings?|conferences?|symposium|forum|seminar|plenary|(study|working) session|"
    r"teleconference|video ?conference|briefing)\b",
    re.IGNORECASE,
)
# Organisations and places whose names end in 会 but are no meeting.
NOT_MEETING_TERMS_ZH = re.compile(
    r"会议室|会议中心|会议精神|全会精神|大会精神|委员会(?!会议|全体)|协会|学会|商会|工会(?!会议)|博览会|运动会|展销会|交易会|"
    r"庙会|晚会|音乐会|招聘会|洽谈会|社会|机会|体会(?!议)|都会|大会堂"
)
# Titles that mention a meeting without reporting one: inspections, interpretations, personnel,
# tenders, policy documents (TRS and Hanweb "政策解读" / "人事任免" / "招标公告" columns).
NOT_MEETING_TITLE = re.compile(
    r"调研|视察|检查|督导|督查|走访|慰问|暗访|考察|解读|答记者问|任免|任职|免职|招标|采购|中标|"
    r"成交|比选|询价|磋商|遴选|公示|会议室|inspect|survey|investigat|research trip|interpretation|"
    r"tender|bidding|procurement|appoint|dismiss|personnel|visited|visit to|"
    r"(?:conference|meeting)[- ]rooms?|booking",
    re.IGNORECASE,
)
# A meeting being held or called: these rescue a title that also names an inspection
# ("到XX调研并召开座谈会" stays an inspection; "召开…调研成果汇报会" is a meeting).
MEETING_HELD_ZH = re.compile(r"(召开|举行|举办|主持召开|组织召开|关于召开)")
MEETING_HELD_EN = re.compile(
    r"\b(held|holds|convened|convenes|hosted|chaired|presided|was held|were held|"
    r"notice on (?:holding|convening))\b",
    re.IGNORECASE,
)

# -- meeting facts ------------------------------------------------------------------

# Meeting name, as the headline (else the report's first sentences) gives it: "主持召开县政府第8次
# 常务会议", "全市春季农业生产工作会议在市行政中心召开" (never an organ: "县人大常委会召开…"),
# "召开专题会议研究苹果产业发展" (a headline runs on into what the meeting studied).
MEETING_NAME_ZH = (
    re.compile(
        r"(?:主持召开|组织召开|召开|举行|举办)了?(?P<name>[^，。；\n]{2,60}?(?:会议|会))"
        r"(?=的通知|[，,。；：:（(\s]|$|(?:专题)?(?:研究|部署|安排|传达|听取|调度|推进))"
    ),
    re.compile(
        r"(?:^|[，。；\n])(?P<name>[^，。；\n]{2,60}?(?:会议|(?<!委)会))(?:在[^，。；]{1,30}?)?(?:隆重)?"
        r"(?:召开|举行|举办)"
    ),
)
# A notice's title names its meeting: "关于召开全县2023年安全生产工作会议的通知".
# "关于筹备召开…大会的预通知"; a title that is the name and 通知 ("宾川县…全体会议通知") gives it
# whole, the place included (no convening verb makes it a bare place).
NOTICE_TITLE = re.compile(
    r"关于(?:筹备)?(?:召开|举行|举办)(?P<name>[^，。；]{2,60}?(?:会议|会))的(?:预)?通知"
    r"|^(?P<whole>[^，。；关]{2,60}?(?:会议|会))的?(?:预)?通知$"
)
# An organ that holds a meeting is part of its name (tests/eval/real/GUIDE.md): "县政府召开第九次
# 常务会议" → 县政府第九次常务会议, 县十七届人大常委会, 桑植县人民政府, 市安委会; a bare place
# name that convenes ("清水县召开…", "我市召开…") is not.
ZH_ORGAN = re.compile(
    r"[\u4e00-\u9fff]{0,16}?(?:政府|党组|委员会|委会|[省市县区州旗]委|党委|纪委|工委|人大|政协|"
    r"领导小组|指挥部)"
)
# When the subject of 召开 opens with the day ("29日上午县政府召开…"), the day is no part of it.
ZH_SUBJECT_WHEN = re.compile(r"^(?:\d{1,4}[年月日]|[上下]午|晚上|当天|今天|昨天)+")
# English mirrors: the name as written after the verb, a leading the/a dropped ("held the 21st
# executive meeting", "Notice on Holding the County Video Conference…"), or "the … was held".
MEETING_NAME_EN = (
    re.compile(
        r"\b(?:held|holds|hold|convened|convenes|hosted|hosts|presided over|chaired|holding)\s+"
        r"(?:an?\s+|the\s+)?(?P<name>[^,.;]{3,200})",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?:^|[,.;]\s*)(?:the\s+)?(?P<name>[^,.;]{3,160}?)\s+(?:was|were|is|will be)\s+held",
        re.IGNORECASE,
    ),
)
# Where an English meeting name ends: its purpose ("to convey …"), time or place. A subject
# joined to the noun stays ("symposium with private entrepreneurs").
MEETING_NAME_EN_END = re.compile(
    r"\s+(?:(?:in order )?to\s+(?:convey|study|implement|learn|arrange|deploy|summari[sz]e|"
    r"review|further|promote|mobili[sz]e|listen|hear|discuss|analy[sz]e|report|plan|push|advance|"
    r"carry|make|coordinate|solve|accelerate|comprehensively|thoroughly|fully|earnestly)\b|"
    r"at\s+\d|on\s+(?:the\s+\d|" + _MONTH_NAMES + r")|in\s+the\s+(?:conference|meeting|county|city|"
    r"district|municipal)|chaired\s+by|presided\s+over\s+by|via\s+|through\s+)",
    re.IGNORECASE,
)
# Who presided (主持; "presided over", "chaired", "hosted").
# "主持会议并讲话", "主持召开", "主持座谈会" ("区长X主持座谈会"), "主持。"
# "X在主持会议时指出" (the 在 is no part of X's name), "主持座谈会并讲话".
PRESIDE_ZH = re.compile(
    r"在?主持(?:召开)?(?:会议|[^，。；、]{0,30}?会(?=[，。；,\s并]|$)|并|。|，|；|$)|主持召开"
)
PRESIDE_BY_ZH = re.compile(r"(?:会议|座谈会|会)由(?P<who>[^，。；]{2,40}?)主持")
PRESIDE_EN = re.compile(
    r"\b(presided over|presides over|presided|chaired|hosted)\b(?!\s+(?:over\s+)?by)",
    re.IGNORECASE,
)
PRESIDE_BY_EN = re.compile(
    r"\b(?:presided over|chaired|hosted)\s+by\s+(?P<who>[^.;]{3,200})", re.IGNORECASE
)
# The speaker's clause may say when he spoke: "冯志远在主持时要求", "诸葛建华在讲话中要求".
# "呼延涛在主持会议时指出", "宇文志远在闭幕会上讲话".
ZH_SPOKE_WHEN = (
    r"在(?:主持(?:会议)?[时中]|讲话[中时]|[\u4e00-\u9fff]{0,6}?会(?:议)?上|总结时|点评时|座谈时)"
)
# Who spoke (讲话, 强调, 指出; "delivered a speech", "stressed").
# "隗振宇作重要讲话"; "X就…提出具体要求" and "X就…作部署，要求…" are 要求 (GUIDE.md); a
# 就-clause alone ("就…作说明") is not speaking.
SPEAK_ZH = re.compile(
    r"并(?:作|发表)?(?:重要)?(?:讲话|致辞|作报告)|(?:作|发表)了?(?:重要)?(?:讲话|致辞)"
    r"|就[^。；，,]{1,80}?(?:提出了?(?:具体|明确|几点)?要求|作(?:出)?(?:具体|全面)?部署[，,]\s*"
    r"(?:要求|强调|指出))|(?:讲话|强调|指出|要求|表示)(?=[，,：:]|$)"
)
SPEAK_EN = re.compile(
    r"\b((?:delivered|made|gave) an? (?:(?:important|welcome|keynote|opening|closing|concluding) )?"
    r"speech|delivered speeches|spoke|stressed|stressing|emphasized|emphasised|emphasizing|"
    r"emphasising|pointed out|issued instructions|"
    r"called for|addressed the meeting|demanded|said)\b",
    re.IGNORECASE,
)
# Who attended (出席, 参加; "attended").
# "X、Y、Z等在主席台就座" is attending too (real/ report_021, report_025).
ATTEND_ZH = re.compile(r"(?:出席|参加|列席)了?(?:会议|会|座谈)|在主席台(?:前排)?就座")
# Attendees named after the phrase: "出席会议的有：…", "参加座谈的有：…", "出席会议的县领导有：".
ATTEND_LIST_ZH = re.compile(r"(?:出席|参加|列席)(?:会议|座谈会?|会)?的[^，。；：:]{0,8}?有[：:]")
# Pieces of an attendee list that name a group, not a person ("各镇（街道）", "区直有关部门
# 主要负责人"): read past, not the list's end.
ZH_GROUP_PIECE = re.compile(r"^各|负责人|负责同志|有关|相关|成员单位|部门|代表$|干部|群众")
ATTEND_EN = re.compile(r"\b(attended|were present|was present)\b", re.IGNORECASE)
# An English sentence without one of these names nobody's role (checked first: it is cheap;
# Chinese sentences are scanned once for every role at the same time).
ROLE_HINT_EN = re.compile(
    r"presid|chair|host|speech|spoke|stress|emphasi[sz]|pointed|called for|address|demand|"
    r"attend|present|instruct|said",
    re.IGNORECASE,
)
# Location: "在县政府三楼会议室召开", "会议地点：", "at the Municipal Government Building".
LOCATION_ZH = (
    re.compile(
        r"在(?P<loc>[^，。；、在\n]{2,30}?(?:会议室|会议中心|中心|礼堂|报告厅|大厅|会堂|宾馆|酒店|大楼|"
        r"大厦|广场|厅|室|馆))(?:以[^，。；]{2,12})?(?:召开|举行|举办)"
    ),
    re.compile(r"主会场(?:设在|设于|在)(?P<loc>[^，。；\n]{2,30})"),
    re.compile(r"(?:会议地点|地\s*点)\s*[:：]?\s*\n?\s*(?P<loc>[^\n，。；]{2,40})"),
    # no venue but the county or town it is held in: "现场会在城固县召开" (real/ report_030)
    re.compile(r"会在(?P<loc>[\u4e00-\u9fff]{1,6}?[县市区镇乡])(?:隆重)?(?:召开|举行)"),
)
# A place still to be told ("另行通知", "待定") is no place.
PLACE_UNTOLD = re.compile(r"^(?:另行通知|待定|另定|另发通知)")
# "The main venue will be the video conference room of the county government, and…" (notices)
LOCATION_EN_MAIN = re.compile(
    r"\bmain venue (?:will be|is|was)(?: (?:set up |located )?(?:at|in))?\s+(?P<loc>the [^,.;()]{3,80})",
    re.IGNORECASE,
)
LOCATION_EN = re.compile(
    r"\b(?:at|in)\s+(?P<loc>the\s+(?:[\w'’-]+\s+){0,4}?(?:conference room|meeting room|hall|"
    r"auditorium|centre|center|building)\b(?:\s+(?:on|of)\s+[^.,;()]{3,60})?)"
)
# Meeting form (视频会议 / teleconference), the first that matches wins.
MEETING_FORMS = (
    (re.compile(r"电视电话会议|电视电话会"), "电视电话会议"),
    (re.compile(r"视频会议|视频会|视频连线|视频形式|网络视频"), "视频会议"),
    (re.compile(r"线上线下|线上与线下"), "线上线下结合"),
    (re.compile(r"\bteleconference\b|\btelephone conference\b", re.I), "teleconference"),
    (re.compile(r"\bvideo ?conference\b|\bvia video\b|\bvideo link\b", re.I), "video conference"),
    (re.compile(r"\bonline\b", re.I), "online"),
)

# A notice's sections, by what they hold: "一、会议时间", "二、会议地点：…", "三、参会人员",
# "四、会议议程：（一）…；（二）…", "会议议题：", "时间：…" (notices on county and city portals),
# "Agenda: 1. …; 2. …" (English mirrors of notices).
SECTION_LABELS = {
    "time": frozenset({"会议时间", "开会时间", "时间", "time", "会议时间和形式", "会议时间及形式"}),
    "place": frozenset({"会议地点", "开会地点", "地点", "venue", "place", "会场设置", "会场安排"}),
    "people": frozenset(
        {
            "参会人员",
            "参加人员",
            "出席人员",
            "出席范围",
            "参会范围",
            "参加范围",
            "参会对象",
            "参加对象",
            "参会单位",
            "participants",
        }
    ),
    "agenda": frozenset({"会议议程", "议程", "会议议题", "议题", "agenda"}),
    "form": frozenset({"会议形式", "form"}),
}
_SECTION_LABEL = "|".join(
    sorted((label for labels in SECTION_LABELS.values() for label in labels), key=len, reverse=True)
)
_ZH_NUMERAL = "[一二三四五六七八九十]+"
# an item's number: "一、", "（一）", "(1)", "1．", "1.", "1、", "一是" ("一是…；二是…")
ITEM_NUMBER = re.compile(
    rf"^\s*(?:[（(](?:{_ZH_NUMERAL}|\d+)[）)]|{_ZH_NUMERAL}[、是]|\d+\s*[、．.](?!\d))\s*"
)
ITEM_END = re.compile(r"[；;。，,.\s]+$")
# a heading, numbered or not, with its label and what follows it on the line
SECTION_HEADING = re.compile(
    rf"^(?:(?:{_ZH_NUMERAL}|\d+)\s*[、.．]|[（(](?:{_ZH_NUMERAL}|\d+)[）)])?\s*"
    rf"(?P<label>{_SECTION_LABEL})\s*(?:[:：]|$)(?P<rest>.*)$",
    re.IGNORECASE,
)

# Tables in a body, one cell a line or one row a line (cells joined by a space): a header row
# is a run of these words ("单位 参会人员 职务", "序号 议题 汇报单位 列席单位", "姓名 职务").
TABLE_HEADERS = frozenset((
    "序号", "编号", "议题", "议程", "会议议题", "汇报单位", "列席单位", "责任单位", "单位", "部门", "姓名", "职务", "职位",
    "参会人员", "出席人员", "参加人员", "人员", "联系人", "联系电话", "电话", "手机", "备注", "时间", "地点", "内容",
))  # fmt: skip
# The column of a people table that names them, and what a caption (or that column's header)
# says so that they attend ("请以下同志准时参加：", "出席会议的县领导").
PERSON_COLUMNS = ("姓名", "参会人员", "出席人员", "参加人员", "人员")
ATTEND_CAPTION = re.compile(r"出席|参加|列席|参会|与会")
# The column of an agenda table that holds the item (not its number or reporting unit).
AGENDA_COLUMNS = ("议题", "会议议题", "议程")
# A cell never holds a sentence or a label: a line with one is the table's end.
NOT_A_CELL = re.compile(r"[。：:]")

# Furniture an English mirror's body may start with, which no meeting reader should take for
# the lead: a breadcrumb ("index/ Government Affairs Openness / … / article", "首页 > 政务要闻"),
# an info line ("Source: …", "Release time: …"; Joomla's "Details" / "Category: …" / "Hits: …") and
# a dateline ("date 2022-11-16 The 2023…").
LEAD_FURNITURE = re.compile(
    r"^\s*(?:(?:index|home|首页)\s*/[^\n]*|[^\n]{0,60}?(?:\s>\s|＞|>>)[^\n]*|"
    r"(?:当前位置|您现在的位置|Location)\s*[:：][^\n]*|"
    r"(?:Source|Release time|Date|From|Author|Editor|Category|Published|Hits|Written by|"
    r"Created|Last Updated)\s*[:：][^\n]{0,120}|Details[ \t]*)(?:\n|$)",
    re.IGNORECASE,
)
LEAD_DATELINE = re.compile(
    r"^\s*date\s*[:：]?\s*\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s+", re.I
)

# -- people -------------------------------------------------------------------------

# Position titles in front of Chinese names ("县委副书记、县长赵贵波"); longest first when
# compiled. Seen in every seed and on every county portal.
ZH_TITLES = (
    "党组书记", "党组副书记", "党组成员", "党委书记", "党委副书记", "党工委书记", "副书记", "书记",
    "常委", "委员", "副主任", "主任", "副主席", "主席", "常务副县长", "常务副市长", "常务副区长",
    "副县长", "县长", "副市长", "市长", "副区长", "区长", "副镇长", "镇长", "副乡长", "乡长",
    "副省长", "省长", "副部长", "部长", "副局长", "局长", "副厅长", "厅长", "处长", "科长",
    "秘书长", "副秘书长", "组长", "副组长", "院长", "副院长", "检察长", "庭长", "政委", "主任委员",
    "巡视员", "调研员", "理事长", "董事长", "总经理", "经理", "负责人", "领导", "同志", "代表",
    "办主任", "所长", "站长", "队长", "校长", "行长", "总监", "监事", "专员", "总工程师",
    "县委", "市委", "区委", "县政府", "市政府", "区政府", "县人大", "市人大", "区人大", "县政协",
    "市政协", "区政协", "人大常委会", "政协", "纪委", "监委", "党委", "政府", "党组", "县级",
    "市级", "区级", "总林长", "林长", "总河长", "河长", "湖长", "副", "常务", "一级", "二级", "四级", "正县级", "副县级", "县", "市", "区",
)  # fmt: skip
# Words that follow a surname-like character but make no name ("全体", "高度", "常态").
ZH_NOT_NAMES = re.compile(
    r"^(全体|全县|全市|全区|全面|高度|高质量|常态|常规|各|有关|相关|会议|同志|领导|部门|单位|"
    r"主要|分管|负责|方面|文件|精神|工作|万元|时间|安全|成员|任务|项目|严格|明确)"
)
# Last characters of an office, not a person ("县商务局", "管委会", "常委会", "城关镇").
ZH_NOT_NAME_END = re.compile(
    r"(局|委|会|办|院|所|站|厅|部|处|科|队|组|室|镇|乡|村|街道|区|县|市|省|司|社|馆)$"
)
# One pinyin syllable (tone marks already stripped); given names are one to three of them.
PINYIN_SYLLABLE = (
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ueng|ang|eng|ing|ong|uai|uan|ian|"
    r"iao|van|ai|ei|ao|ou|an|en|in|un|vn|ia|ie|iu|ua|uo|ue|ve|ui|er|a|o|e|i|u|v))"
)
# English words that are also pinyin ("an", "he", "long"), never a given name after a surname.
_EN_NOT_GIVEN = (
    "and the of an a he she i in on to be by or at as is it we me no so go yes long bang hang pang "
    "ban can men ten pen den sun fun gun bun run hen her"
)
EN_NOT_GIVEN = frozenset(_EN_NOT_GIVEN.split())
# Position words in front of English names ("Mayor Wang Xinyu", "Deputy District Mayors ...").
EN_TITLE_WORD = re.compile(
    r"^(mayors?|deputy|vice|executive|secretary|director|chairman|chairwoman|chair|member|members|"
    r"head|governor|comrade|mr|ms|mrs|dr|district|county|municipal|city|party|committee|"
    r"standing|general|leaders?|president|minister|commissioner|chief|of|the|and)$",
    re.IGNORECASE,
)
