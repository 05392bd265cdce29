"""Building a portal site (list pages, articles, a feed) in the style of a TRS county portal.

The demo and the test suite build their mock portals with this; pages carry the furniture
that detection must ignore: navigation, breadcrumb, a "最新发布" sidebar, a footer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Literal

Pager = Literal["trs", "next", "param"]


@dataclass(frozen=True)
class SiteArticle:
    slug: str
    title: str
    published: str  # "2023-02-22 11:33"
    paragraphs: Sequence[str]
    source: str = ""
    lang: str = "zh"
    attachments: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class SiteStyle:
    title: str = "渭滨区人民政府"
    root: str = "/xwzx/zwdt/"
    per_page: int = 20
    pager: Pager = "trs"
    charset: str = "utf-8"


NAV = """<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li>
<li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>"""
FOOTER = """<div class="footer"><p><a href="/about.html">关于我们</a> | <a href="/map.html">网站地图</a></p>
<p>主办：{title} 版权所有 <a href="https://beian.miit.gov.cn/">陕ICP备05012345号</a></p></div>"""


def article_path(style: SiteStyle, article: SiteArticle) -> str:
    return f"{style.root}{article.slug}.html"


def list_path(style: SiteStyle, page: int) -> str:
    if page == 0:
        return f"{style.root}index.html"
    if style.pager == "trs":
        return f"{style.root}index_{page}.html"
    if style.pager == "next":
        return f"{style.root}list_{page + 1}.html"
    return f"{style.root}index.html?page={page + 1}"


def _sidebar(style: SiteStyle, latest: Sequence[SiteArticle]) -> str:
    rows = "".join(
        f'<li><a href="{article_path(style, a)}">{escape(a.title[:14])}</a><span>{a.published[:10]}</span></li>'
        for a in latest
    )
    return f'<div class="sidebar"><h3>最新发布</h3><ul>{rows}</ul></div>'


def _head(title: str, style: SiteStyle, meta: str = "") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
        f'content="text/html; charset={style.charset}"><title>{escape(title)}</title>{meta}</head><body>'
        f'<div class="header"><div class="logo">{escape(style.title)}</div>'
        f'<div class="date">今天是2020年8月28日 星期五</div></div>{NAV}'
    )


def list_page(
    style: SiteStyle,
    items: Sequence[SiteArticle],
    page: int,
    pages: int,
    latest: Sequence[SiteArticle],
) -> str:
    rows = "".join(
        f'<li><a href="{article_path(style, a)}" title="{escape(a.title)}">{escape(a.title)}</a>'
        f'<span class="date">{a.published[:10]}</span></li>'
        for a in items
    )
    if style.pager == "trs":
        pager = (
            '<div class="page"><script type="text/javascript">'
            f'createPageHTML({pages}, {page}, "index", "html");</script></div>'
        )
    else:
        links = []
        if page + 1 < pages:
            links.append(f'<a href="{list_path(style, page + 1)}">下一页</a>')
        if page > 0:
            links.insert(0, f'<a href="{list_path(style, page - 1)}">上一页</a>')
        pager = f'<div class="pagination">{" ".join(links)}</div>'
    return (
        _head(f"政务动态_{style.title}", style)
        + '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xwzx/">新闻中心</a> &gt; 政务动态</div>'
        + '<div class="main"><div class="left">'
        + f'<div class="list"><ul>{rows}</ul></div>{pager}</div>'
        + _sidebar(style, latest)
        + "</div>"
        + FOOTER.format(title=escape(style.title))
        + "</body></html>"
    )


def article_page(style: SiteStyle, article: SiteArticle, latest: Sequence[SiteArticle]) -> str:
    meta = (
        f'<meta name="ArticleTitle" content="{escape(article.title)}">'
        f'<meta name="PubDate" content="{article.published}">'
        f'<meta name="ContentSource" content="{escape(article.source)}">'
    )
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    files = "".join(
        f'<p><a href="{escape(href)}">附件：{escape(href.rsplit("/", 1)[-1])}</a></p>'
        for href in article.attachments
    )
    if article.lang == "en":
        info = f"Release time: {article.published} &nbsp; Source: {escape(article.source)}"
    else:
        info = f"发布时间：{article.published} &nbsp; 来源：{escape(article.source)}"
    return (
        _head(f"{article.title}_{style.title}", style, meta)
        + '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xwzx/">新闻中心</a></div>'
        + f'<div class="main"><div class="left"><h1 class="article-title">{escape(article.title)}</h1>'
        + f'<div class="info">{info}</div>'
        + f'<div id="zoom" class="TRS_Editor">{paragraphs}{files}</div>'
        + '<div class="tools">【打印本页】【关闭窗口】</div></div>'
        + _sidebar(style, latest)
        + "</div>"
        + FOOTER.format(title=escape(style.title))
        + "</body></html>"
    )


def build_site(style: SiteStyle, articles: Sequence[SiteArticle]) -> dict[str, str]:
    """Every page of the site, path → HTML; ``articles`` newest first."""
    latest = list(articles[:5])
    pages = max(1, -(-len(articles) // style.per_page))
    site = {}
    for page in range(pages):
        chunk = articles[page * style.per_page : (page + 1) * style.per_page]
        site[list_path(style, page)] = list_page(style, chunk, page, pages, latest)
    for article in articles:
        site[article_path(style, article)] = article_page(style, article, latest)
    return site


def build_feed(style: SiteStyle, base_url: str, articles: Sequence[SiteArticle]) -> str:
    """An RSS 2.0 feed of ``articles``."""
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{base_url}{article_path(style, a)}</link>"
        f"<pubDate>{a.published}</pubDate></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(style.title)}</title><link>{base_url}/</link>{items}</channel></rss>"
    )
