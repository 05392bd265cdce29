"""Extraction data: selectors, keywords, date patterns and boilerplate markers.

Each entry says where it was seen. Logic lives in the sibling modules; change data here.
"""

from __future__ import annotations

import re

# -- list pages -------------------------------------------------------------------

# Containers that are never the article list: navigation, sidebars, footers, breadcrumbs.
# Matched against the tag name and the class/id of every ancestor of a link.
NOISE_TAGS = frozenset({"nav", "footer", "aside", "form", "select", "option"})
# One class or id token ("site-nav", "sidebar_left", "footer-widgets", "dqwz" = 当前位置).
NOISE_TOKEN = re.compile(
    r"^(?:[a-z]+[-_])?(nav|navbar|navigation|menu|mainmenu|footer|foot|copyright|breadcrumbs?|"
    r"crumbs?|sidebar|side|aside|hot|hots|latest|zxfb|rdzt|tuijian|friend|friends|yqlj|share|"
    r"pager|pagination|pagebar|dqwz|position|location|banner|toolbar)(?:[-_]?\w*)$",
    re.IGNORECASE,
)
# Headings that introduce a sidebar block (seen on TRS and Hanweb county sites).
NOISE_HEADINGS = (
    "最新发布",
    "最新信息",
    "热点",
    "热门",
    "推荐",
    "友情链接",
    "相关链接",
    "专题专栏",
    "Latest",
    "Popular",
    "Related",
)
# Links that are never articles.
NON_ARTICLE_HREF = re.compile(r"^(javascript:|mailto:|tel:|#)|\.(jpg|jpeg|png|gif|css|js)$", re.I)
ATTACHMENT_HREF = re.compile(r"\.(pdf|docx?|xlsx?|wps|zip|rar|ppt|pptx|ofd)(\?|$)", re.IGNORECASE)

# Link texts that mean "the next list page" (TRS, Hanweb, WordPress, ASP county sites).
NEXT_PAGE_TEXTS = (
    "下一页",
    "下页",
    "后一页",
    "next",
    "next page",
    "older posts",
    "›",
    "»",
    ">",
    ">>",
)
# TRS WCM writes its pager from a script: createPageHTML(total, current, "index", "html");
# page 0 is index.html, page N is index_N.html (seen on most provincial TRS sites).
TRS_PAGER = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]"
)
# Query parameters that number list pages (?page=2, ?pageNo=2, ?p=2; seen on CMS and ASP sites).
PAGE_PARAMS = (
    "page",
    "pageNo",
    "pageno",
    "pageIndex",
    "pageindex",
    "curPage",
    "currentPage",
    "p",
    "pn",
)

# -- article pages ----------------------------------------------------------------

# Meta tags with the article's title and date (TRS WCM, Hanweb JCMS, Open Graph).
TITLE_META = ("ArticleTitle", "og:title", "twitter:title", "title")
DATE_META = (
    "PubDate",
    "pubdate",
    "publishdate",
    "article:published_time",
    "og:published_time",
    "firstpublishedtime",
    "Date",
    "dc.date",
)
SOURCE_META = ("ContentSource", "source", "og:site_name")
# Title elements, most specific first (TRS: .article-title; Hanweb: .title; WordPress: .entry-title;
# ASP county sites: a bold <td class="biaoti">/<font>).
TITLE_SELECTORS = (
    "h1.entry-title",
    ".article-title",
    ".arti_title",
    ".xxgk_title",
    ".detail-title",
    ".biaoti",
    ".bt",
    "h1",
    ".title",
    "h2",
    "h3",
    "td.title",
)
# Any other element whose class or id says "title" (Hanweb .bt_title, ASP .title1 / .tit,
# WordPress themes' .td-post-title); it must still agree with <title>, meta or list link.
TITLE_TOKEN = re.compile(
    r"^(?:[a-z]+[-_])*(title\d?|tit|biaoti|bt|headline|heading)(?:[-_]?\w*)?$", re.IGNORECASE
)
# Body containers, most specific first (TRS: .TRS_Editor / #zoom; Hanweb: #zoom / .bt_content /
# #UCAP-CONTENT; WordPress: .entry-content; ASP: #fontzoom / .content td). A match must hold
# MIN_BODY_CHARS characters; otherwise the densest block of paragraphs is taken.
BODY_SELECTORS = (
    ".TRS_Editor",
    ".trs_editor_view",
    "#zoom",
    "#fontzoom",
    ".bt_content",
    "#UCAP-CONTENT",
    ".article-content",
    ".article_content",
    ".entry-content",
    ".post-content",
    ".td-post-content",  # tagDiv "Newspaper" WordPress theme
    ".entry",
    ".content-text",
    ".art_con",
    "#content",
    "article",
    ".content",
)
# Elements never read as text anywhere (scripts, forms, widgets, comment blocks).
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "iframe", "form", "nav", "aside", "select", "option",
     "button", "input", "textarea", "template", "svg", "object", "embed"}
)  # fmt: skip
# Class/id tokens of widgets inside or around an article (TRS/Hanweb share and print bars,
# WordPress share and comment blocks, "上一篇/下一篇" pagers).
WIDGET_TOKEN = re.compile(
    r"^(?:[a-z]+[-_])*(share|bdshare\w*|bdsharebuttonbox|jiathis\w*|print|comments?|"
    r"comment-respond|respond|sharedaddy|related|relate|pager|prev-next|post-navigation|"
    r"nav-links|fenxiang|dayin|xgxw|xglj|tools?|ewm|qrcode|entry-footer|logo|"
    r"wp-block-comments)(?:[-_]?\w*)$",
    re.IGNORECASE,
)
# Site-name suffixes joined to titles in <title> ("…_渭滨区人民政府", "… – Liaoning News").
TITLE_SUFFIX_SEPARATORS = re.compile(r"\s*(?:[_|｜]|\s-{1,2}\s|-{2}|–|—{1,2}|::)\s*")
# A <title> part that names the site rather than the article (seen on every template).
# A site name glued to a title without a spaced separator: "清涧县人民政府 县政府党组…",
# "淳化县召开…会议-淳化县人民政府", "永寿县政府信息网--关于召开…" (Hanweb and ASP sites).
SITE_PREFIX = re.compile(
    r"^\S{2,24}?(?:人民政府|政府网|信息网|门户网站|政府网站)(?:\s+|-+|_+|\|)(?=\S)"
)
SITE_SUFFIX = re.compile(
    r"(?<=\S)(?:\s*[-_|]+\s*|\s+)\S{2,24}?(?:人民政府|政府网|信息网|门户网站|政府网站|人民政府网)$"
)
SITE_NAME_PART = re.compile(
    r"(人民政府|政府网|信息网|门户|网站|官网|新闻网|在线|首页|政务公开|信息公开|政务动态|新闻中心|"
    r"Portal|Government|News|Online|Daily|Network|Website|Home)",
    re.IGNORECASE,
)

# Lines that are page furniture, not text (share/print widgets on TRS and ASP sites;
# the WordPress comment form of the seeds: "Leave a Comment … Akismet").
BOILERPLATE_LINES = re.compile(
    r"^\s*(【?\s*(打印本页|打印|关闭窗口|关闭|返回顶部|收藏|分享到|字体|字号)[：:\s]*.*】?|"
    r"[【\[]?\s*(大|中|小)\s*[】\]]?\s*([【\[]?\s*(大|中|小)\s*[】\]]?\s*){1,2}|"
    r"扫一扫在手机打开当前页|扫一扫.{0,10}|分享：?.{0,30}|"
    r"(【\s*\S{2,6}\s*】\s*){2,}|"
    r"Leave a (Comment|Reply).*|This site uses Akismet to reduce spam.*|"
    r"(Print|Share|Close window|Close|Tweet|Share this:?|Like this:?|Loading\.\.\.)\s*)$",
    re.IGNORECASE,
)
# Everything after one of these lines is comment form, pager or footer (WordPress mirrors,
# "上一篇/下一篇" on TRS and Hanweb sites).
BODY_STOP_LINES = re.compile(
    r"^\s*(Leave a (Comment|Reply)|Related posts?|Related|Post navigation|相关链接|相关新闻|"
    r"相关文章|上一篇[：:]?.*|下一篇[：:]?.*|Previous( post)?[：:].*|Next( post)?[：:].*)\s*$",
    re.I,
)
# Info-bar labels (TRS, Hanweb, ASP, WordPress mirrors, the seeds): a line made of these is the
# article's metadata, not its text; a source value ends where the next label starts.
INFO_LABEL = re.compile(
    r"(发布时间|发布日期|发文日期|成文日期|更新时间|日期|时间|信息来源|文章来源|来源|作者|编辑|"
    r"责任编辑|审核|浏览次数|阅读次数|点击数|访问量|浏览量|字号|Release time|Published on|Published|"
    r"Posted on|Date|Source|Author|Editor in charge|Editor|Views|Font size)\s*[:：]",
    re.IGNORECASE,
)
# Where-am-I lines and current-date banners above an article.
CRUMB_LINE = re.compile(
    r"^\s*(当前位置|您现在的位置|您的位置|所在位置|Location|You are here)\s*[:：]?"
)

# -- dates --------------------------------------------------------------------------

# Full dates: 2023-02-22, 2023/2/22, 2023.02.22, 2023年2月22日, with an optional time.
FULL_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
# English dates: "February 20, 2023", "20 February 2023", "Feb. 20, 2023".
MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        )
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH = r"(?P<mon>" + _MONTH_NAMES + r")\.?"
EN_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d{{2}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>"
    + _MONTH_NAMES
    + r")\.?,?\s+(?P<y2>(?:19|20)\d{2}))\b"
    r"(?:,?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?",
    re.IGNORECASE,
)
# Labels in front of the publish date in an article's info bar (TRS, Hanweb, the seeds).
PUBLISHED_LABELS = re.compile(
    r"(发布时间|发布日期|发文日期|成文日期|日期|时间|更新时间|Release time|Published on|Published|"
    r"Posted on|Date)\s*[:：]?\s*",
    re.IGNORECASE,
)
# A current-date banner is never a publish date ("今天是2020年8月28日 星期五", seed 001).
DATE_BANNER = re.compile(r"(今天是|今日是|当前日期|当前时间|Today is)\s*[:：]?\s*", re.IGNORECASE)

# Partial dates in a meeting report, resolved against the publish date:
# "2月20日上午", "20日", "2023年3月1日", "12月30日" (Chinese portals); "On the morning of
# February 20th", "On July 18", "On the 22nd", "On February 7th, 2023" (English mirrors, seeds).
CN_DAY = re.compile(
    r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?:(?P<m>\d{1,2})\s*月\s*)?(?P<d>\d{1,2})\s*[日号]"
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

# -- source -------------------------------------------------------------------------

SOURCE_LABEL = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源|Source)\s*[:：]\s*(?P<source>[^\n]{2,80})", re.IGNORECASE
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
    r"成交|比选|询价|遴选|公示|会议室|inspect|survey|investigat|research trip|interpretation|"
    r"tender|bidding|procurement|appoint|dismiss|personnel|visited|visit to",
    re.IGNORECASE,
)
# A meeting being held or called: these rescue a title that also names an inspection
# ("到XX调研并召开座谈会" stays an inspection; "召开…调研成果汇报会" is a meeting).
MEETING_HELD_ZH = re.compile(r"(召开|举行|举办|主持召开|组织召开|关于召开)")
MEETING_HELD_EN = re.compile(
    r"\b(held|holds|convened|convenes|hosted|chaired|presided|was held|were held|notice on)\b",
    re.IGNORECASE,
)

# -- meeting facts ------------------------------------------------------------------

# Meeting name, as the report's first sentence (or the title) gives it: "主持召开县政府第8次常务
# 会议", "全市春季农业生产工作会议在市行政中心召开", "关于召开全县安全生产工作会议的通知".
MEETING_NAME_ZH = (
    re.compile(
        r"(?:主持召开|组织召开|召开|举行|举办)了?(?P<name>[^，。；\n]{2,60}?(?:会议|会))"
        r"(?=的通知|[，,。；：:（(\s]|$)"
    ),
    re.compile(
        r"(?:^|[，。；\n])(?P<name>[^，。；\n]{2,60}?(?:会议|会))(?:在[^，。；]{1,30}?)?(?:隆重)?"
        r"(?:召开|举行|举办)"
    ),
)
# English mirrors: "held a review meeting on key work …", "the … meeting … was held".
MEETING_NAME_EN = (
    re.compile(
        r"\b(?:held|holds|hold|convened|convenes|hosted|presided over|chaired|holding)\s+"
        r"(?:an?\s+|the\s+(?![\w-]+['’]s\b))?(?P<name>[^,.;]{3,200})",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?:^|[,.;]\s*)(?:the\s+)?(?P<name>[^,.;]{3,160}?)\s+(?:was|were|is|will be)\s+held",
        re.IGNORECASE,
    ),
)
# Where an English meeting name ends: its purpose ("to convey …"), time or place.
MEETING_NAME_EN_END = re.compile(
    r"\s+(?:(?:in order )?to\s+(?:convey|study|implement|learn|arrange|deploy|summari[sz]e|"
    r"review|further|promote|mobili[sz]e|listen|hear|discuss|analy[sz]e|report|plan|push|advance|"
    r"carry|make|coordinate|solve|accelerate|comprehensively|thoroughly|fully|earnestly)\b|"
    r"at\s+\d|on\s+(?:the\s+\d|" + _MONTH_NAMES + r")|in\s+the\s+(?:conference|meeting|county|city|"
    r"district|municipal)|with\s+|chaired\s+by|presided\s+over\s+by|via\s+|through\s+)",
    re.IGNORECASE,
)
# Who presided (主持; "presided over", "chaired", "hosted").
# "主持会议并讲话", "主持召开", "主持座谈会" ("区长X主持座谈会"), "主持。"
PRESIDE_ZH = re.compile(
    r"主持(?:召开)?(?:会议|[^，。；、]{0,30}?会(?=[，。；,\s]|$)|并|。|，|；|$)|主持召开"
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
ZH_SPOKE_WHEN = r"在(?:主持时|主持中|讲话中|讲话时|会上|会议上|总结时|点评时|座谈时)"
# Who spoke (讲话, 强调, 指出; "delivered a speech", "stressed").
SPEAK_ZH = re.compile(
    r"并(?:作|发表)?(?:重要)?(?:讲话|致辞|作报告)|(?:讲话|强调|指出|要求|表示)(?=[，,：:]|$)"
)
SPEAK_EN = re.compile(
    r"\b(delivered an? (?:important )?speech|delivered speeches|made an? (?:important )?speech|"
    r"gave an? (?:important )?speech|spoke|stressed|stressing|emphasized|emphasised|emphasizing|"
    r"emphasising|pointed out|issued instructions|"
    r"called for|addressed the meeting|demanded|said)\b",
    re.IGNORECASE,
)
# Who attended (出席, 参加; "attended").
ATTEND_ZH = re.compile(r"(?:出席|参加|列席)了?(?:会议|会|座谈)")
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
)
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
    "time": frozenset({"会议时间", "开会时间", "时间", "time"}),
    "place": frozenset({"会议地点", "开会地点", "地点", "venue", "place"}),
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
# an item's number: "一、", "（一）", "(1)", "1．", "1.", "1、"
ITEM_NUMBER = re.compile(
    rf"^\s*(?:[（(](?:{_ZH_NUMERAL}|\d+)[）)]|{_ZH_NUMERAL}、|\d+\s*[、．.](?!\d))\s*"
)
ITEM_END = re.compile(r"[；;。，,.\s]+$")
# a heading, numbered or not, with its label and what follows it on the line
SECTION_HEADING = re.compile(
    rf"^(?:(?:{_ZH_NUMERAL}|\d+)\s*[、.．]|[（(](?:{_ZH_NUMERAL}|\d+)[）)])?\s*"
    rf"(?P<label>{_SECTION_LABEL})\s*(?:[:：]|$)(?P<rest>.*)$",
    re.IGNORECASE,
)

# Furniture an English mirror's body may start with, which no meeting reader should take for
# the lead: a breadcrumb ("index/ Government Affairs Openness / … / article", "首页 > 政务要闻"),
# an info line ("Source: …", "Release time: …") and a dateline ("date 2022-11-16 The 2023…").
LEAD_FURNITURE = re.compile(
    r"^\s*(?:(?:index|home|首页)\s*/[^\n]*|[^\n]{0,60}?(?:\s>\s|＞|>>)[^\n]*|"
    r"(?:当前位置|您现在的位置|Location)\s*[:：][^\n]*|"
    r"(?:Source|Release time|Date|From|Author|Editor)\s*[:：][^\n]{0,120})(?:\n|$)",
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
    "市级", "区级", "副", "常务", "一级", "二级", "四级", "正县级", "副县级", "县", "市", "区",
)  # fmt: skip
# Chinese surnames, complete: every single surname of 百家姓 (the classical list of 444 single
# and 60 compound surnames) and those frequent today that it lacks (赖 and 佘 are in it; 肖, 付,
# 覃, 闫, 亓, 普… are not). Meeting reports name officials of any surname ("副市长赖立新",
# "县委常委、副县长訾长青"); a hand-kept list of common ones missed 赖 (issue 19).
ZH_SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
    "奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康"
    "伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵"
    "席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗"
    "丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫"
    "乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄"
    "印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴鬱胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍郤璩桑桂"
    "濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘"
    "匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相"
    "查后荆红游竺权逯盖益桓公仉督晋楚闫法汝鄢涂钦归海岳帅缑亢况郈商牟佘佴墨哈谯笪年爱阳佟言福"
    # frequent today, not in 百家姓
    "肖付覃兰芦麦苟隋丛苑迟邝揭栗冼粟檀畅战豆候达拓呼綦淡仝衣植原来降贠练卿银续官亓普矫禤郇邸"
    "菅蹇眭智展种靖苌闪庹谌郄揣门"
)
ZH_COMPOUND_SURNAMES = frozenset(
    [
        "万俟",
        "司马",
        "上官",
        "欧阳",
        "夏侯",
        "诸葛",
        "闻人",
        "东方",
        "赫连",
        "皇甫",
        "尉迟",
        "公羊",
        "澹台",
        "公冶",
        "宗政",
        "濮阳",
        "淳于",
        "单于",
        "太叔",
        "申屠",
        "公孙",
        "仲孙",
        "轩辕",
        "令狐",
        "钟离",
        "宇文",
        "长孙",
        "慕容",
        "鲜于",
        "闾丘",
        "司徒",
        "司空",
        "亓官",
        "司寇",
        "子车",
        "颛孙",
        "端木",
        "巫马",
        "公西",
        "漆雕",
        "乐正",
        "壤驷",
        "公良",
        "拓跋",
        "夹谷",
        "宰父",
        "谷梁",
        "段干",
        "百里",
        "东郭",
        "南门",
        "呼延",
        "归海",
        "羊舌",
        "微生",
        "有琴",
        "梁丘",
        "左丘",
        "东门",
        "西门",
        "商牟",
        "伯赏",
        "南宫",
        "第五",
    ]
)
# The surnames most officials carry. A two-character name with a rarer surname (whose
# character is also a common word: 公, 文, 国, 相…) is taken only after a title ("副县长普华").
ZH_COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝惠强冀郜阎暴"
    "权逯揭晋相扈茹栗冼粟檀畅厉战豆候达拓呼郁綦荆淡芮鄢钮闻习昝仝逄訾谈厍蔺衣植那帅原索来"
    "降贲贠练乜卿雍寿银续官伏茅谯鞠燕赖亓普"
)
# Words that follow a surname-like character but make no name ("全体", "高度", "常态").
ZH_NOT_NAMES = re.compile(
    r"^(全体|全县|全市|全区|全面|高度|高质量|常态|常规|各|有关|相关|会议|同志|领导|部门|单位|"
    r"主要|分管|负责|方面|文件|精神|工作|万元|时间|安全|成员|任务|项目|严格|明确)"
)
# Last characters of an office, not a person ("县商务局", "管委会", "常委会", "城关镇").
ZH_NOT_NAME_END = re.compile(
    r"(局|委|会|办|院|所|站|厅|部|处|科|队|组|室|镇|乡|村|街道|区|县|市|省|司|社|馆)$"
)
# Pinyin surnames, for names in English mirrors ("Zhao guibo", "han Tong", seeds 000 and 001).
_PINYIN_SURNAMES = """wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng
    liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan yu jiang cai du ye
    cheng su wei lu ding ren shen yao cui zhong tan fan jin shi liao jia xia fu fang bai zou meng
    xiong qin qiu yin xue yan duan lei hou long tao li he gu mao hao gong shao wan qian wu dai mo
    kong xiang kang niu ge xing an qi yi qiao pang ni zhuang nie zhang yue zhai yin ou geng guan lan
    jiao zuo liu gan zhu bao ning shang fu shu ruan ke ji mei tong ling bi shan pei huo tu cheng
    miao gu sheng qu weng ran luo lan lu xin jin chai meng hua yu qi pu fang teng qu rao xie mu
    ai you yang shi mu nong si zhuo gu ji miao jian che xiang lian lu mai chu lou dou qi cen jing
    dang gong fei bu leng yan xi wei mi bo zong qu gui quan tong ying zang min gou wu bian bian ji
    shi he qiu luan sui shang diao sha rong wu kou sang lang zhen cong zhong yu ao gong ming she chi
    cha ma yuan chi kuang ouyang sima shangguan zhuge huangfu murong chang hui qiang yan
gao quan lu jie jin hu ru li xian su tan chang li zhan dou hou da tuo hu yu qi jing dan rui
yan niu wen xi zan tong pang zi tan she lin yi zhi na shuai yuan suo lai xiang ben yun lian
nie qing yong shou yin xu guan fu mao qiao ju yan"""
PINYIN_SURNAMES = frozenset(_PINYIN_SURNAMES.split())
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

# -- CMS families and rendering (crawler.extract.families, crawler.rendering) -----------------

# Hanweb JCMS (大汉) list pages carry their first records in a data island,
#   <script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/
#   dataproxy.jsp?page=1&webid=..&columnid=..&unitid=..">]]></nextgroup><recordset>
#   <record><![CDATA[<li><a href="/art/2023/3/28/art_123_456.html">…</a></li>]]></record>…
# and load the rest from dataproxy.jsp?startrecord=16&endrecord=30&perpage=15, which answers
# the same <datastore> as XML (seen on zj.gov.cn, hangzhou.gov.cn and many county sites).
HANWEB_DATASTORE = re.compile(r"<datastore>.*?</datastore>", re.IGNORECASE | re.DOTALL)
HANWEB_RECORD = re.compile(
    r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.IGNORECASE | re.DOTALL
)
HANWEB_NEXTGROUP = re.compile(
    r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]+)['\"]", re.IGNORECASE | re.DOTALL
)
HANWEB_PROXY = "/module/web/jpage/dataproxy.jsp"
# The record count and page size: jpage's set-up script ("totalRecord: 45, perPage: 15") or
# the proxy's answer (<totalrecord>45</totalrecord>).
HANWEB_TOTAL = re.compile(r"(?:totalRecord\s*[:=]\s*['\"]?|<totalrecord>\s*)(\d+)", re.IGNORECASE)
HANWEB_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
# Parameters jpage posts with every proxy request, where the page names them in a script.
HANWEB_PARAM = re.compile(
    r"\b(appid|webid|columnid|unitid|path|webname|permissiontype|sourceContentType)"
    r"\s*[:=]\s*['\"]?([^'\"&,;\s}]+)",
)
HANWEB_PAGE_PARAMS = ("startrecord", "endrecord", "perpage", "page")
# What jpage.js sends when the page does not say otherwise.
HANWEB_PROXY_DEFAULTS = {"col": "1", "appid": "1", "sourceContentType": "1", "permissiontype": "0"}
# Hanweb article URLs (/art/2023/3/28/art_1229019364_60117001.html): preferred within a record.
HANWEB_ARTICLE_HREF = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html")

# TRS WCM (拓尔思) article URLs: ./202303/t20230328_4567890.html; the date is in the name.
TRS_ARTICLE_HREF = re.compile(r"(?:^|/)\d{6}/t(\d{8})_\d+\.s?html?(?:[?#]|$)")
# The same, quoted in a script that writes the list (var str_1 = "./202303/t…html").
TRS_SCRIPT_HREF = re.compile(r"['\"]((?:\.{1,2}/|/)?(?:[\w.-]+/)*\d{6}/t\d{8}_\d+\.s?html?)['\"]")
# The pager call in every form seen: createPageHTML(4, 0, "index", "html") (TRS_PAGER above),
# createPageHTML(countPage, currentPage, "index", "html") after `var countPage = 4`, and the
# newer createPageHTML('page_div', 4, 1, 'index', 'html', 68) with the pager's element first.
TRS_PAGER_CALL = re.compile(r"createPageHTML\s*\(([^)]*)\)")
JS_NUMBER_VAR = re.compile(r"([A-Za-z_$][\w$]*)\s*=\s*['\"]?(\d+)\b")

# Bot challenges a script answers: Chromium passes them, plain HTTP cannot.
# (HTTP status, a marker in the body, what it is for logs and `portal check`)
JS_CHALLENGES = (
    # Ruishu (瑞数): an obfuscated $_ts bootstrap sets cookies and reloads (most provinces)
    (412, re.compile(r"\$_ts"), "HTTP 412 with a $_ts script (Ruishu)"),
    (202, re.compile(r"\$_ts"), "HTTP 202 with a $_ts script (older Ruishu)"),
    # Jiasule (加速乐): document.cookie=('_')+('_')+('j')… spells __jsl_clearance, then reloads
    (
        521,
        re.compile(r"__jsl_clearance|document\.cookie"),
        "HTTP 521 setting __jsl_clearance by script (Jiasule)",
    ),
)
# An empty list page whose list a script builds: a data request or DOM writing in an inline
# script (portals rebuilt as single-page apps, lists loaded by fetch() or jQuery) ...
SCRIPT_BUILT_LIST = re.compile(
    r"\bfetch\s*\(|\bXMLHttpRequest\b|\$\.(?:ajax|get|getJSON|post)\s*\(|\baxios\b|"
    r"\.load\s*\(\s*['\"]|\bnew\s+Vue\b|\bcreateApp\s*\(|\bReactDOM\b|\.innerHTML\s*\+?=|"
    r"\binsertAdjacentHTML\b|\bdocument\.write(?:ln)?\s*\("
)
# ... or an empty mount point for an app loaded from <script src> (Vue/React builds).
SCRIPT_APP_ROOT = re.compile(r"<div[^>]*\bid=['\"](?:app|root)['\"][^>]*>\s*</div>", re.IGNORECASE)
