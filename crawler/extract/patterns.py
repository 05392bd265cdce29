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
    "dc:created",  # Drupal's RDFa "submitted" span
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
    r"^(?:责任编辑|编辑|审核|校对|摄影|供稿|记者|通讯员|来源|信息来源|文章来源|稿源|Source|From|Editor|"
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
    r"(发布时间|发布日期|发文日期|成文日期|发稿时间|更新时间|日期|时间|信息来源|文章来源|稿源|来源|作者|记者|通讯员|编辑|"
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

# -- source -------------------------------------------------------------------------

# "From:" is the source label of English mirrors' info rows ("From: Shaodong Media Center |
# Date Add in: …", eng.hengyang.gov.cn and its kin); "稿源：" that of news sites (汉中日报).
SOURCE_LABEL = re.compile(
    r"(?:信息来源|文章来源|稿件来源|稿源|来源|Source|\bFrom)\s*[:：]\s*(?P<source>[^\n]{2,80})",
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
# A pager drawn by a script plugin whose callback builds the page's URL (政府网站集约化平台
# column lists: $("#page").paging({pageNo: currentPage, totalPage: Math.ceil(totalRecord /
# pageSize), callback: … "index_" + (num - 1) + ".html"})): page N is prefix_{N-1}.ext.
PAGER_CALLBACK_URL = re.compile(
    r"['\"](?P<prefix>[\w-]+)_['\"]\s*\+\s*\(\s*\w+\s*-\s*1\s*\)\s*\+\s*['\"]\.(?P<ext>\w+)['\"]"
)
PAGER_CURRENT = re.compile(r"\b(?:pageNo|currentPage|curPage|pageIndex)\s*[:=]\s*(\w+)")
PAGER_TOTAL = re.compile(
    r"\b(?:totalPage|totalPages|pageCount)\s*[:=]\s*(?:(?P<n>\d+)|Math\.ceil\(\s*(?P<records>\w+)"
    r"\s*/\s*(?P<size>\w+)\s*\))"
)

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
