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
# Title elements, most specific first (TRS: .article-title; Hanweb: .title; WordPress: .entry-title).
TITLE_SELECTORS = (
    "h1.entry-title",
    ".article-title",
    ".arti_title",
    ".xxgk_title",
    "h1",
    ".title h1",
    ".title",
    "h2",
)
# Body containers, most specific first (TRS: .TRS_Editor / #zoom; Hanweb: #zoom / .bt_content;
# WordPress: .entry-content; generic: article).
BODY_SELECTORS = (
    "#zoom",
    ".TRS_Editor",
    ".trs_editor_view",
    ".bt_content",
    "#UCAP-CONTENT",
    ".article-content",
    ".article_content",
    ".entry-content",
    ".content-text",
    "#content",
    "article",
    ".content",
    "#main",
)
# Elements removed before the body's text is taken.
BODY_NOISE = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "nav",
    "header",
    "footer",
    "aside",
    ".share",
    ".bdsharebuttonbox",
    ".print",
    ".comments",
    "#comments",
    ".comment-respond",
    ".sharedaddy",
    ".jiathis_style",
    ".related",
    ".pager",
    ".page",
)
# Site-name suffixes joined to titles in <title> ("…_渭滨区人民政府", "… – Liaoning News").
TITLE_SUFFIX_SEPARATORS = re.compile(r"\s*(?:[_|｜]|-{1,2}|–|—)\s*")

# Lines that are page furniture, not text (share/print widgets on TRS and ASP sites;
# the WordPress comment form of the seeds: "Leave a Comment … Akismet").
BOILERPLATE_LINES = re.compile(
    r"^\s*(【?\s*(打印本页|打印|关闭窗口|关闭|返回顶部|收藏|分享到|字体|字号)[：:\s]*.*】?|"
    r"\[?\s*(大|中|小)\s*\]?\s*(\[?\s*(大|中|小)\s*\]?\s*){1,2}|"
    r"扫一扫在手机打开当前页|"
    r"Leave a (Comment|Reply).*|This site uses Akismet to reduce spam.*|"
    r"(Print|Share|Close window)\s*)$",
    re.IGNORECASE,
)
# Everything after one of these lines is comment form or footer (WordPress mirrors).
BODY_STOP_LINES = re.compile(
    r"^\s*(Leave a (Comment|Reply)|Related posts?|相关链接|相关新闻)\s*$", re.I
)

# -- dates --------------------------------------------------------------------------

# Full dates: 2023-02-22, 2023/2/22, 2023.02.22, 2023年2月22日, with an optional time.
FULL_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
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
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
EN_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d{{2}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>"
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\.?,?\s+(?P<y2>(?:19|20)\d{2}))\b",
    re.IGNORECASE,
)
# Labels in front of the publish date in an article's info bar (TRS, Hanweb, the seeds).
PUBLISHED_LABELS = re.compile(
    r"(发布时间|发布日期|发文日期|成文日期|日期|时间|更新时间|Release time|Published|Posted on|Date)\s*[:：]?\s*",
    re.IGNORECASE,
)
# A current-date banner is never a publish date ("今天是2020年8月28日 星期五", seed 001).
DATE_BANNER = re.compile(r"(今天是|今日是|当前日期|当前时间|Today is)\s*[:：]?\s*", re.IGNORECASE)

# -- source -------------------------------------------------------------------------

SOURCE_LABEL = re.compile(
    r"(?:信息来源|文章来源|来源|Source)\s*[:：]\s*(?P<source>[^\s|│丨 ]{2,40}(?: [A-Z][\w’']+){0,6})",
    re.IGNORECASE,
)

# -- classification -----------------------------------------------------------------

# A report of a meeting held, or a notice of one to come (Chinese portals and English mirrors).
MEETING_WORDS = (
    "会议",
    "常务会",
    "专题会",
    "推进会",
    "动员会",
    "部署会",
    "座谈会",
    "调度会",
    "联席会",
    "培训会",
    "现场会",
    "视频会",
    "电视电话会",
    "全会",
    "例会",
    "发布会",
    "协调会",
    "meeting",
    "conference",
    "session",
    "symposium",
    "forum",
)
# Texts that mention a meeting without being one: inspections, interpretations, tenders.
NOT_MEETING_WORDS = (
    "会议室",
    "调研",
    "视察",
    "政策解读",
    "解读",
    "招标",
    "采购",
    "中标",
    "任免",
    "任职",
    "meeting room",
    "inspection",
    "interpretation",
    "tender",
)
