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
# WordPress share and comment blocks, "上一篇/下一篇" pagers; video players with their
# loading and autoplay strings: Aliplayer's "prism-player", video.js's "vjs-*", "video-wrap").
WIDGET_TOKEN = re.compile(
    r"^(?:[a-z]+[-_])*(share|bdshare\w*|bdsharebuttonbox|jiathis\w*|print|comments?|"
    r"comment-respond|respond|sharedaddy|related|relate|pager|prev-next|post-navigation|"
    r"nav-links|fenxiang|dayin|xgxw|xglj|tools?|ewm|qrcode|entry-footer|logo|"
    r"wp-block-comments|video|player|prism|vjs|audio)(?:[-_]?\w*)$",
    re.IGNORECASE,
)
# List link texts that say nothing about the article: never a title hint ("[详情]", "第3条",
# "查看", "更多>>", "Read More »"; TRS and gov.cn-style county lists, WordPress archives).
EMPTY_LINK_TEXT = re.compile(
    r"^[\s\[【(（<《]*(?:详情|详细|详细信息|查看|查看详情|点击查看|阅读全文|全文|原文|更多|more|"
    r"read more|continue reading|details?|第\s*\d+\s*条|\d+)[\s\]】)）>》»›.…。]*$",
    re.IGNORECASE,
)
# Labels a list sets in front of a title ("[图文]", "【视频】"; gov.cn-style lists).
LINK_TEXT_LABEL = re.compile(
    r"^\s*[\[【]\s*(?:图文|视频|图片|组图|音频|专题|置顶|新|热)\s*[\]】]\s*"
)
# A title the list cut short ("关于召开全县春季…", "… of the Conference Room of…").
TRUNCATED_TEXT = re.compile(r"(?:…|\.{2,}|。。)\s*$")
# HTML set inside a title meta ("…召开<div>——以铁的手腕…</div>", a subtitle in a TRS
# ArticleTitle and og:title): the title is the text before the first tag.
HTML_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
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
    r"(Print|Share|Close window|Close|Tweet|Share this:?|Like this:?|Loading\.\.\.)\s*|"
    r"(正在加载\.{0,3}|自动播放开关|自动播放)(\s*(正在加载\.{0,3}|自动播放开关|自动播放))*)$",
    re.IGNORECASE,
)
# Credit lines at either end of a body: editor, reporter, source and caption lines
# ("责任编辑：蒋涛", "（记者 刘晓梅）", "（视频：原阳县融媒体中心）", "Source: … | Editor: …"; news
# sites and English mirrors). A "本报讯（记者…）" lead-in does not start this way and stays.
CREDIT_LINE = re.compile(
    r"^[(（]\s*(?:记者|通讯员|视频|摄影|图片|图|文|编辑|责任编辑|来源|Reporter|Video|Photo)"
    r"[^()（）]{0,40}[)）]$|"
    r"^(?:责任编辑|编辑|审核|校对|摄影|供稿|记者|通讯员|来源|信息来源|文章来源|Source|From|Editor|"
    r"Editor in charge|Reporter|Author)\s*[:：|｜].{0,100}$",
    re.IGNORECASE,
)
# An attachment list after the text: its heading and file-name lines (Hanweb "附件下载：").
ATTACHMENT_LINE = re.compile(
    r"^(?:相关)?附件(?:下载)?\s*[:：]?$|^Attachments?\s*:?$|"
    r"^\S.{0,80}\.(?:pdf|docx?|xlsx?|wps|zip|rar|ofd|pptx?)$",
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
    r"(发布时间|发布日期|发文日期|成文日期|发稿时间|更新时间|日期|时间|信息来源|文章来源|来源|作者|编辑|"
    r"责任编辑|审核|浏览次数|阅读次数|点击数|访问量|浏览量|阅读|浏览|点击|字号|Release time|Published on|"
    r"Published|Posted on|Date Add in|Date|Source|From|Author|Editor in charge|Editor|Views|"
    r"Font size)\s*[:：]",
    re.IGNORECASE,
)
# Where-am-I lines and current-date banners above an article.
# English mirrors start their content with "index/ News / County News / article"
# (en.zizhou.gov.cn and its kin); Chinese sites with "首页 > 新闻中心 > 正文".
CRUMB_LINE = re.compile(
    r"^\s*(当前位置|您现在的位置|您的位置|所在位置|Location|You are here)\s*[:：]?|"
    r"^\s*(index|home|homepage|首页|网站首页)\s*(/|>|»|＞|→|&gt;)",
    re.IGNORECASE,
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
# A meeting time label in a notice ("会议时间：2023年3月1日上午9:00", "Time: March 1").
MEETING_TIME_LABEL = re.compile(r"(会议时间|开会时间|时\s*间|Time)\s*[:：]", re.IGNORECASE)
# Words that put a meeting in the future (notices of upcoming meetings).
UPCOMING = re.compile(
    r"(定于|将于|拟于|拟定于|将在|计划于|关于召开|会议通知|召开.{0,30}的通知|will be held|"
    r"is scheduled|will hold|will convene|to be held|notice on (holding|convening))",
    re.IGNORECASE,
)

# -- source -------------------------------------------------------------------------

# "From:" is the source label of English mirrors' info rows ("From: Shaodong Media Center |
# Date Add in: …", eng.hengyang.gov.cn and its kin).
SOURCE_LABEL = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源|Source|\bFrom)\s*[:：]\s*(?P<source>[^\n]{2,80})",
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
    r"庙会|晚会|音乐会|招聘会|洽谈会|社会|机会|体会|都会|大会堂"
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
PRESIDE_ZH = re.compile(r"主持(?:召开)?(?:会议|并|。|，|；|$)|主持召开")
PRESIDE_BY_ZH = re.compile(r"会议由(?P<who>[^，。；]{2,40}?)主持")
PRESIDE_EN = re.compile(
    r"\b(presided over|presides over|presided|chaired|hosted)\b(?!\s+by)", re.IGNORECASE
)
PRESIDE_BY_EN = re.compile(
    r"\b(?:presided over|chaired|hosted)\s+by\s+(?P<who>[^.;]{3,200})", re.IGNORECASE
)
# Who spoke (讲话, 强调, 指出; "delivered a speech", "stressed").
SPEAK_ZH = re.compile(
    r"并(?:作|发表)?(?:重要)?(?:讲话|致辞|作报告)|(?:讲话|强调|指出|要求|表示)(?=[，,：:]|$)"
)
SPEAK_EN = re.compile(
    r"\b(delivered an? (?:important )?speech|delivered speeches|made an? (?:important )?speech|"
    r"gave an? (?:important )?speech|spoke|stressed|stressing|emphasized|emphasised|emphasizing|"
    r"emphasising|pointed out|issued instructions|"
    r"called for|addressed the meeting|demanded)\b",
    re.IGNORECASE,
)
# Who attended (出席, 参加; "attended").
ATTEND_ZH = re.compile(r"(?:出席|参加|列席)了?(?:会议|会)")
ATTEND_EN = re.compile(r"\b(attended|were present|was present)\b", re.IGNORECASE)
# An English sentence without one of these names nobody's role (checked first: it is cheap;
# Chinese sentences are scanned once for every role at the same time).
ROLE_HINT_EN = re.compile(
    r"presid|chair|host|speech|spoke|stress|emphasi[sz]|pointed|called for|address|demand|"
    r"attend|present|instruct",
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
# Common Chinese surnames (single and compound), for telling a name from a title or a noun.
ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝惠强冀郜阎暴"
    "权逯揭晋相扈茹栗冼粟檀畅厉战豆候达拓呼郁綦荆淡芮鄢钮闻习昝仝逄訾谈厍蔺衣植那帅原索来"
    "降贲贠练乜卿雍寿银续官伏茅谯鞠樊燕"
)
ZH_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "令狐",
    "慕容",
    "尉迟",
    "长孙",
)
# Words that follow a surname-like character but make no name ("全体", "高度", "常态").
ZH_NOT_NAMES = re.compile(
    r"^(全体|全县|全市|全区|全面|高度|高质量|常态|常规|各|有关|相关|会议|同志|领导|部门|单位|"
    r"主要|分管|负责|方面|文件|精神|工作|万元|时间|安全|成员|任务|项目|严格|明确)"
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
