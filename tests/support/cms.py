"""Mock portals of the CMS families and of portals that need a browser, on a PortalSite.

Used by tests/test_families.py, tests/test_render.py and bench/render.py. Each ``serve_*``
puts a portal's pages (and handlers for its dynamic parts) on the site and returns the URLs
of its articles; article pages are the demo site's, so extraction works on them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs, quote, urlsplit

from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle, article_page

STYLE = SiteStyle()
NAV = '<div class="nav"><a href="/">首页</a> <a href="/xwzx/">新闻中心</a></div>'


def _day(article: SiteArticle) -> str:
    return article.published[:10]


def serve_articles(
    site: PortalSite, articles: Sequence[SiteArticle], paths: Sequence[str]
) -> list[str]:
    for article, path in zip(articles, paths, strict=True):
        site.put(path, article_page(STYLE, article, []))
    return [site.url(path) for path in paths]


# -- a list built by fetch() from a JSON endpoint after load ---------------------------

FETCH_SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政务动态</title></head>
<body>{nav}<div class="main"><h2>政务动态</h2><ul id="list"></ul><div id="pager"></div></div>
<script>
const page = Number(new URLSearchParams(location.search).get("page") || 1);
fetch("{api}?page=" + page).then((r) => r.json()).then((data) => {{
  const list = document.getElementById("list");
  for (const item of data.items) {{
    const li = document.createElement("li");
    li.innerHTML = `<a href="${{item.url}}" title="${{item.title}}">${{item.title}}</a>` +
      `<span class="date">${{item.date}}</span>`;
    list.appendChild(li);
  }}
  if (page < data.pages) {{
    document.getElementById("pager").innerHTML = `<a href="?page=${{page + 1}}">下一页</a>`;
  }}
}});
</script></body></html>"""


def serve_fetch_portal(
    site: PortalSite,
    articles: Sequence[SiteArticle],
    per_page: int = 10,
    list_path: str = "/news/index.html",
    api: str = "/api/news",
) -> list[str]:
    """A list page that is an empty shell; its script fetch()es the list as JSON."""
    paths = [f"/news/{a.slug}.html" for a in articles]
    urls = serve_articles(site, articles, paths)
    pages = max(1, -(-len(articles) // per_page))
    site.put(list_path, FETCH_SHELL.format(nav=NAV, api=api))

    def answer(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes] | None:
        parts = urlsplit(path)
        if parts.path != api:
            return None
        page = int(parse_qs(parts.query).get("page", ["1"])[0])
        chunk = range((page - 1) * per_page, min(page * per_page, len(articles)))
        items = [
            {"url": paths[i], "title": articles[i].title, "date": _day(articles[i])} for i in chunk
        ]
        body = json.dumps({"items": items, "pages": pages}, ensure_ascii=False).encode()
        return 200, {"Content-Type": "application/json; charset=utf-8"}, body

    site.handlers.append(answer)
    return urls


# -- Hanweb JCMS ----------------------------------------------------------------------

HANWEB_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政务动态 渭滨区人民政府</title>
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script></head><body>{nav}
<div class="main"><div class="bt-list" id="{unit}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3096&path=/&columnid={column}&unitid={unit}&webname={webname}&permissiontype=0"></a>]]></nextgroup>
<recordset>{records}</recordset></datastore></script>
<script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script>$(function () {{ $("#{unit}").jpage({{ totalRecord: {total}, perPage: {per_page},
  proxyUrl: "/module/web/jpage/dataproxy.jsp", groupSize: 1, barPosition: "bottom" }}); }});</script>
</div></div></body></html>"""
HANWEB_PROXY = """<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{total}</totalrecord>
<totalpage>{pages}</totalpage><recordset>{records}</recordset></datastore>"""


def hanweb_record(article: SiteArticle, path: str) -> str:
    title = escape(article.title)
    return (
        f'<record><![CDATA[<li><a href="/col/col999/index.html">[通知]</a>'
        f'<a href="{path}" target="_blank" title="{title}">{title}</a>'
        f'<span class="bt-data-time">{_day(article)}</span></li>]]></record>\n'
    )


def hanweb_list_page(articles: Sequence[SiteArticle], total: int, per_page: int = 15) -> str:
    """A Hanweb column's first list page holding ``articles`` inline, of ``total`` records."""
    records = "".join(
        hanweb_record(a, f"/art/2023/3/{28 - i}/art_123_{i}.html") for i, a in enumerate(articles)
    )
    return HANWEB_PAGE.format(
        nav="",
        unit="4892867",
        column="123",
        webname="x",
        records=records,
        total=total,
        per_page=per_page,
    )


@dataclass
class Hanweb:
    """A Hanweb column: ``inline`` records in the page, the rest from dataproxy.jsp."""

    site: PortalSite
    articles: Sequence[SiteArticle]
    inline: int = 15
    per_page: int = 15
    column: str = "1229019364"
    unit: str = "4892867"
    proxy_queries: list[dict[str, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.paths = [
            f"/art/{a.published[:4]}/{int(a.published[5:7])}/{int(a.published[8:10])}/art_{self.column}_{60000 + i}.html"
            for i, a in enumerate(self.articles)
        ]
        self.records = [hanweb_record(a, p) for a, p in zip(self.articles, self.paths, strict=True)]
        self.urls = serve_articles(self.site, self.articles, self.paths)
        self.list_path = f"/col/col{self.column}/index.html"
        self.site.put(
            self.list_path,
            HANWEB_PAGE.format(
                nav=NAV,
                unit=self.unit,
                column=self.column,
                webname=quote("渭滨区人民政府"),
                records="".join(self.records[: self.inline]),
                total=len(self.records),
                per_page=self.per_page,
            ),
        )
        self.site.handlers.append(self.proxy)

    def proxy(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes] | None:
        parts = urlsplit(path)
        if parts.path != "/module/web/jpage/dataproxy.jsp":
            return None
        query = parse_qs(parts.query)
        with self.lock:
            self.proxy_queries.append(query)
        if query.get("columnid") != [self.column] or query.get("unitid") != [self.unit]:
            return 400, {"Content-Type": "text/plain"}, b"missing column parameters"
        start, end = int(query["startrecord"][0]), int(query["endrecord"][0])
        body = HANWEB_PROXY.format(
            total=len(self.records),
            pages=-(-len(self.records) // self.per_page),
            records="".join(self.records[start - 1 : end]),
        )
        return 200, {"Content-Type": "text/xml; charset=UTF-8"}, body.encode()


# -- TRS WCM ----------------------------------------------------------------------------

TRS_PAGERS = {
    # the classic call, with numbers
    "numbers": 'createPageHTML({pages}, {page}, "index", "html");',
    # numbers in variables, as most TRS templates write it
    "variables": (
        "var countPage = {pages}//共多少页\nvar currentPage = {page};//当前页\n"
        'createPageHTML(countPage, currentPage, "index", "html");'
    ),
    # the newer call, the pager element's id first and the current page counted from 1
    "element": "createPageHTML('page_div', {pages}, {page_1}, 'index', 'html', {total});",
}


def trs_name(article: SiteArticle, number: int) -> str:
    day = _day(article).replace("-", "")
    return f"{day[:6]}/t{day}_{number}.html"


def serve_trs(
    site: PortalSite,
    articles: Sequence[SiteArticle],
    per_page: int = 10,
    pager: str = "variables",
    root: str = "/zwgk/zwdt/",
) -> list[str]:
    """A TRS column: index.html, index_1.html…, ./YYYYMM/tYYYYMMDD_ID.html articles."""
    names = [trs_name(a, 4500000 + i) for i, a in enumerate(articles)]
    urls = serve_articles(site, articles, [root + name for name in names])
    pages = max(1, -(-len(articles) // per_page))
    for page in range(pages):
        rows = "".join(
            f'<li><a href="./{names[i]}" target="_blank" title="{escape(articles[i].title)}">'
            f"{escape(articles[i].title)}</a><span>{_day(articles[i])}</span></li>"
            for i in range(page * per_page, min((page + 1) * per_page, len(articles)))
        )
        script = TRS_PAGERS[pager].format(
            pages=pages, page=page, page_1=page + 1, total=len(articles)
        )
        site.put(
            root + ("index.html" if page == 0 else f"index_{page}.html"),
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>政务动态</title></head><body>{NAV}'
            f'<div class="list"><ul>{rows}</ul></div><div class="page" id="page_div">'
            f'<script type="text/javascript">{script}</script></div></body></html>',
        )
    return urls


# -- JS challenges ------------------------------------------------------------------------

CHALLENGE_PAGE = (
    "<html><body><script>document.cookie=('__')+('jsl_clearance')+('={value}')"
    "+(';max-age={max_age};path=/');location.href=location.pathname+location.search"
    "</script></body></html>"
)
RUISHU_PAGE = (
    "<html><head><script>$_ts=window['$_ts'];if(!$_ts)$_ts={{}};$_ts.nsd=84;"
    "document.cookie='__jsl_clearance={value};max-age={max_age};path=/';location.reload()"
    "</script></head><body></body></html>"
)


@dataclass(frozen=True)
class Visit:
    path: str
    status: int
    browser: bool  # Chromium sends Sec-Fetch-* headers; Scrapy does not
    cookie: bool  # the clearance cookie was presented


@dataclass
class Challenge:
    """Answers a cookie-setting script until the clearance cookie is presented: HTTP 521
    (Jiasule) or, with ``ruishu``, HTTP 412 with a $_ts script whose cookie only a browser
    may present. With ``passes=False`` nothing passes. Logs every request."""

    value: str = "1700000000.123|0|abcdef"
    max_age: int = 3600
    passes: bool = True
    ruishu: bool = False
    visits: list[Visit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(
        self, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        cookie = f"__jsl_clearance={self.value}" in headers.get("cookie", "")
        browser = "sec-fetch-mode" in headers
        ok = cookie and self.passes and (browser or not self.ruishu)
        with self.lock:
            self.visits.append(
                Visit(path, 200 if ok else 412 if self.ruishu else 521, browser, cookie)
            )
        if ok:
            return None
        page = RUISHU_PAGE if self.ruishu else CHALLENGE_PAGE
        body = page.format(value=self.value, max_age=self.max_age).encode()
        if self.ruishu:
            return 412, {"Content-Type": "text/html"}, body
        return 521, {"Content-Type": "text/html", "Set-Cookie": "__jsluid_h=0f1e2d; path=/"}, body

    def browser_visits(self) -> list[Visit]:
        with self.lock:
            return [v for v in self.visits if v.browser]

    def plain_visits(self) -> list[Visit]:
        with self.lock:
            return [v for v in self.visits if not v.browser]


@dataclass
class Recorder:
    """A handler that answers nothing and logs who asked for what: Chromium or Scrapy."""

    visits: list[Visit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, path: str, headers: dict[str, str]) -> None:
        with self.lock:
            self.visits.append(Visit(path, 0, "sec-fetch-mode" in headers, "cookie" in headers))

    def paths(self, browser: bool) -> list[str]:
        with self.lock:
            return [v.path for v in self.visits if v.browser == browser]
