"""List pages: the main block of dated links, pagination, feeds and selector overrides."""

from __future__ import annotations

from parsel import Selector

from crawler.extract.feeds import feed_links, looks_like_feed
from crawler.extract.links import find_links
from crawler.extract.pagination import next_page

BASE = "http://www.example.gov.cn/xwzx/zwdt/index.html"

COUNTY_LIST = """
<html><head><meta charset="utf-8"><title>政务动态_某县人民政府</title></head><body>
<div id="top">今天是2020年8月28日 星期五 <a href="/login.html">登录</a></div>
<ul class="menu"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
  <li><a href="/xwzx/">新闻中心</a></li><li><a href="/hdjl/">互动交流</a></li></ul>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xwzx/">新闻中心</a></div>
<table><tr><td class="left-col">
  <table class="newslist">
    {rows}
  </table>
  <div class="pages"><a href="index_1.html">下一页</a> <a href="index_4.html">尾页</a></div>
</td><td>
  <div class="box"><div class="box-title">热点新闻</div>
    <ul>{hot}</ul></div>
</td></tr></table>
<div id="foot"><a href="/about.html">网站简介</a> <a href="/contact.html">联系我们</a> 版权所有</div>
</body></html>
"""


def county_page() -> str:
    rows = "".join(
        f'<tr><td><a href="./202302/t202302{d:02d}_{100 + d}.html" target="_blank">县政府召开第{d}次常务会议研究部署工作</a></td>'
        f"<td>2023-02-{d:02d}</td></tr>"
        for d in range(20, 5, -1)
    )
    hot = "".join(
        f'<li><a href="/zt/hot{d}.html">热点专题{d}号文章标题</a> 2023-01-{d:02d}</li>'
        for d in range(1, 8)
    )
    return COUNTY_LIST.replace("{rows}", rows).replace("{hot}", hot)


def test_detects_the_dated_table_not_nav_sidebar_or_footer():
    links = find_links(Selector(text=county_page()), BASE)
    assert len(links) == 15
    assert all("/xwzx/zwdt/202302/t202302" in link.url for link in links)
    assert links[0].text == "县政府召开第20次常务会议研究部署工作"
    assert links[0].date is not None and links[0].date.date().isoformat() == "2023-02-20"


def test_wordpress_style_list_of_articles():
    posts = "".join(
        f'<article class="post"><header class="entry-header"><h2 class="entry-title">'
        f'<a href="/2023/02/{d:02d}/meeting-{d}/">The municipal government held meeting number {d}</a></h2>'
        f'</header><div class="entry-meta">February {d}, 2023</div><p>Excerpt {d}</p></article>'
        for d in range(12, 2, -1)
    )
    html = (
        '<html><body><nav class="main-navigation"><a href="/">Home</a><a href="/about/">About</a></nav>'
        f'<main id="main">{posts}</main><aside class="widget-area"><h2>Recent Posts</h2>'
        '<ul><li><a href="/2023/01/01/x/">Recent post one title</a></li></ul></aside></body></html>'
    )
    links = find_links(Selector(text=html), "https://mirror.example.org/")
    assert [link.url for link in links] == [
        f"https://mirror.example.org/2023/02/{d:02d}/meeting-{d}/" for d in range(12, 2, -1)
    ]


def test_selector_override_wins():
    links = find_links(Selector(text=county_page()), BASE, "div.box ul")
    assert len(links) == 7 and all("/zt/hot" in link.url for link in links)


def test_xpath_selector_override():
    links = find_links(Selector(text=county_page()), BASE, "//div[@class='box']//a")
    assert len(links) == 7


def test_next_link_pagination():
    assert (
        next_page(Selector(text=county_page()), BASE)
        == "http://www.example.gov.cn/xwzx/zwdt/index_1.html"
    )


def test_trs_create_page_html():
    html = '<div class="page"><script>createPageHTML(4, 0, "index", "html");</script></div>'
    assert (
        next_page(Selector(text=html), BASE) == "http://www.example.gov.cn/xwzx/zwdt/index_1.html"
    )
    html = '<script>createPageHTML(4, 2, "index", "html");</script>'
    assert next_page(Selector(text=html), BASE.replace("index.html", "index_2.html")).endswith(
        "/index_3.html"
    )
    html = '<script>createPageHTML(4, 3, "index", "html");</script>'
    assert next_page(Selector(text=html), BASE) is None


def test_page_parameter_pagination():
    html = '<div><a href="list.asp?page=1">1</a><a href="list.asp?page=2">2</a><a href="list.asp?page=3">3</a></div>'
    url = "http://county.example.cn/news/list.asp?page=2"
    assert next_page(Selector(text=html), url) == "http://county.example.cn/news/list.asp?page=3"
    assert next_page(Selector(text=html), "http://county.example.cn/news/list.asp").endswith(
        "page=2"
    )


def test_last_page_has_no_next():
    html = '<div class="pagination"><a href="index_2.html">上一页</a> 下一页</div>'
    assert next_page(Selector(text=html), BASE) is None


def test_atom_feed():
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title>Meeting one</title><link rel="alternate" href="https://m.example.org/a1"/>
<published>2023-02-20T10:00:00+08:00</published></entry>
<entry><title>Meeting two</title><link href="/a2"/><updated>2023-02-19T10:00:00Z</updated></entry></feed>"""
    assert looks_like_feed(atom)
    links = feed_links(atom, "https://m.example.org/feed")
    assert [link.url for link in links] == ["https://m.example.org/a1", "https://m.example.org/a2"]
    assert links[0].text == "Meeting one"
    assert links[0].date is not None and links[0].date.isoformat() == "2023-02-20T10:00:00+08:00"


def test_html_is_not_a_feed():
    assert not looks_like_feed(b"<!DOCTYPE html><html><body>rss</body></html>", "text/html")


# -- list shapes of real portals ---------------------------------------------------------

HEAD = "<html><head><meta charset='utf-8'><title>政务要闻</title></head><body>"
NAV = (
    "<div class='nav'><ul><li><a href='/'>首页</a></li><li><a href='/zwgk/'>政务公开</a></li>"
    "<li><a href='/xwzx/'>新闻中心</a></li></ul></div>"
)


def _items(days: range, text: str = "{d}日武安市召开重点工作推进会") -> str:
    return "".join(
        f"<li><i></i><a href='./202306/t202306{d:02d}_{7000 + d}.html'>{text.format(d=d)}</a>"
        f"<em>2023-06-{d:02d}</em></li>"
        for d in days
    )


def test_a_list_split_over_sibling_blocks_of_one_shape_is_one_list():
    blocks = "<div class='list-line'></div>".join(
        f"<ul class='news-list'>{_items(range(start, start - 5, -1))}</ul>"
        for start in (28, 23, 18, 13)
    )
    html = f"{HEAD}{NAV}<div class='list-box'>{blocks}</div></body></html>"
    links = find_links(Selector(text=html), BASE)
    assert len(links) == 20
    assert links[0].url.endswith("t20230628_7028.html") and links[-1].url.endswith(
        "t20230609_7009.html"
    )


def test_the_list_is_chosen_among_on_site_links_only():
    partners = "".join(
        f"<li><a href='http://www.partner{i}.gov.cn/'>合作单位{i}网站首页链接</a><span>2023-06-0{i}</span></li>"
        for i in range(1, 10)
    )
    html = (
        f"{HEAD}{NAV}<div class='main'><ul class='list'>{_items(range(20, 16, -1))}</ul></div>"
        f"<div class='links'><ul class='partners'>{partners}</ul></div></body></html>"
    )
    links = find_links(Selector(text=html), BASE)
    assert [link.url.rsplit("/", 1)[-1] for link in links] == [
        f"t202306{d}_{7000 + d}.html" for d in range(20, 16, -1)
    ]
    allowed = find_links(Selector(text=html), BASE, allows=lambda url: "partner" in url)
    assert len(allowed) == 9  # the portal's own rule, when the spider gives it


def test_anchors_that_say_nothing_take_the_rows_title():
    rows = "".join(
        f"<li><span class='bt'>清水县召开第{d}次常务会议</span><span class='rq'>2023-06-{d:02d}</span>"
        f"<a class='xq' href='./202306/t202306{d:02d}_{d}.html'>[详情]</a></li>"
        for d in range(20, 10, -1)
    )
    html = f"{HEAD}{NAV}<ul class='list-xq'>{rows}</ul></body></html>"
    links = find_links(Selector(text=html), BASE)
    assert len(links) == 10
    assert links[0].text == "清水县召开第20次常务会议"


def test_a_wordpress_archive_with_read_more_links_and_a_next_page_link():
    posts = "".join(
        f"<article class='post type-post'><div class='blog-layout-1'><div class='post-content'>"
        f"<h2 class='entry-title'><a href='https://mirror.example.org/2023/11/{d:02d}/post-{d}/'>"
        f"County holds meeting number {d}</a></h2><header class='entry-header'><div class='entry-meta'>"
        f"<time class='entry-date published' datetime='2023-11-{d:02d}T02:00:00+00:00'>November {d}, 2023"
        f"</time></div></header><p>Excerpt &hellip;</p><p class='read-more'><a class='ast-button' "
        f"href='https://mirror.example.org/2023/11/{d:02d}/post-{d}/'>Read More &raquo;</a></p>"
        f"</div></div></article>"
        for d in range(17, 10, -1)
    )
    html = (
        f"<html><body><main id='main'><div class='ast-row'>{posts}</div>"
        "<nav class='navigation pagination'><div class='nav-links'>"
        "<a class='page-numbers' href='https://mirror.example.org/category/gov/page/2/'>2</a>"
        "<a class='next page-numbers' href='https://mirror.example.org/category/gov/page/2/'>"
        "Next Page &raquo;</a></div></nav></main></body></html>"
    )
    url = "https://mirror.example.org/category/gov/"
    links = find_links(Selector(text=html), url)
    assert [link.url for link in links] == [
        f"https://mirror.example.org/2023/11/{d:02d}/post-{d}/" for d in range(17, 10, -1)
    ]
    assert links[0].text == "County holds meeting number 17"
    assert next_page(Selector(text=html), url) == "https://mirror.example.org/category/gov/page/2/"


def test_a_menu_bar_before_the_list_s_container_is_no_noise_heading():
    # the bar's 专题专栏 item is a noise heading's word; a block of many links is no heading
    menu = (
        "<div class='top-bar'><ul><li><a href='/'>首页</a></li><li><a href='/zwgk/'>政务公开</a>"
        "</li><li><a href='/ztzl/'>专题专栏</a></li></ul></div>"
    )
    html = (
        f"{HEAD}{menu}<div class='container'><div class='list-right'>"
        f"<ul class='list-ul'>{_items(range(20, 14, -1))}</ul></div></div></body></html>"
    )
    assert len(find_links(Selector(text=html), BASE)) == 6


PAGING_PLUGIN = """<div id="page"></div><script>
var totalRecord = {records}, pageSize = 16, currentPage = {current};
$("#page").paging({{pageNo: currentPage, totalPage: Math.ceil(totalRecord / pageSize),
  callback: function (num) {{
    window.location.href = num == 1 ? "index.html" : "index_" + (num - 1) + ".html"; }}}});
</script>"""


def test_a_paging_plugin_s_callback_gives_the_next_page():
    first = PAGING_PLUGIN.format(records=532, current=1)
    assert (
        next_page(Selector(text=first), BASE) == "http://www.example.gov.cn/xwzx/zwdt/index_1.html"
    )
    third = PAGING_PLUGIN.format(records=532, current=3)
    assert next_page(Selector(text=third), BASE.replace("index.", "index_2.")).endswith(
        "index_3.html"
    )
    single = PAGING_PLUGIN.format(records=12, current=1)
    assert next_page(Selector(text=single), BASE) is None
