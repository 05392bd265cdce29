"""Article fields on the page templates govwatch reads (TRS, Hanweb, ASP, WordPress mirrors)."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler.demo.site import SiteArticle, SiteStyle, article_page
from crawler.extract.article import extract_article, strip_site_name
from crawler.extract.dates import find_published
from crawler.extract.meeting import meeting_facts
from storage.zones import PORTAL_ZONE

PARAGRAPHS = (
    "2月20日上午，渭滨区召开政府系统“三年”活动暨重点工作安排推进会。",
    "区长吴玉新出席会议并讲话。副区长廖小霞、赵英凯出席会议。",
)


def extract(html: str, url: str = "http://www.weibin.gov.cn/xwzx/zwdt/1.html", **kwargs):
    return extract_article(Selector(text=html), url, **kwargs)


def test_trs_page_with_banner_sidebar_and_print_widgets():
    latest = [
        SiteArticle(slug=f"s{i}", title=f"其他会议{i}", published="2023-03-05 10:00", paragraphs=())
        for i in range(5)
    ]
    article = SiteArticle(
        slug="x",
        title="渭滨区召开重点工作安排推进会",
        published="2023-02-22 11:33",
        paragraphs=PARAGRAPHS,
        source="渭滨区人民政府",
        attachments=("/files/plan.pdf", "list.xlsx"),
    )
    found = extract(article_page(SiteStyle(), article, latest))
    assert found.title == "渭滨区召开重点工作安排推进会"
    assert found.published_at == datetime(2023, 2, 22, 11, 33, tzinfo=PORTAL_ZONE)
    assert found.source == "渭滨区人民政府"
    assert found.body.split("\n")[:2] == list(PARAGRAPHS)
    assert "打印本页" not in found.body and "其他会议" not in found.body
    assert found.attachments == [
        "http://www.weibin.gov.cn/files/plan.pdf",
        "http://www.weibin.gov.cn/xwzx/zwdt/list.xlsx",
    ]


def test_no_publish_date_from_a_banner_or_a_sidebar():
    html = """<html><head><title>Our county held a review meeting - Zizhou</title></head><body>
    <div class="topbar">Today is 2020-8-28</div>
    <div class="crumb">index/ Government Affairs Openness / Key Projects / article</div>
    <h1>Our county held a review meeting</h1>
    <div class="text"><p>On July 18, our county held a review meeting on key work in the second
    quarter of 2022. Feng Jie, Secretary of the county Party committee, attended and spoke.</p></div>
    <div class="right"><h3>Latest</h3><ul><li><a href="/2">Another meeting</a> 2023-03-01</li></ul></div>
    </body></html>"""
    found = extract(html)
    assert found.title == "Our county held a review meeting"
    assert found.published_at is None
    assert found.body.startswith("On July 18")
    assert "Today is" not in found.body and "Another meeting" not in found.body
    assert find_published("今天是2020年8月28日 星期五 发布时间：2023-02-22") == datetime(
        2023, 2, 22, tzinfo=PORTAL_ZONE
    )


def test_wordpress_mirror_info_lines_and_comment_form():
    html = """<html><head><title>Untitled – Fuxin News</title>
    <meta property="og:title" content="The municipal government held an enlarged meeting – Fuxin News">
    </head><body><header class="site-header"><nav><a href="/">Home</a></nav></header>
    <article><div class="entry-content"><p>Date: 2023-02-21</p><p>Source: Fuxin News Network</p>
    <p>Editor in charge: Liu Dongmei</p><p>On February 20, the municipal government held an
    enlarged meeting of the party group.</p><p>Lin Aimin presided over the meeting.</p></div>
    <div id="comments"><h3>Leave a Comment</h3><form><textarea></textarea></form>
    <p>This site uses Akismet to reduce spam.</p></div></article></body></html>"""
    found = extract(html, list_title="The municipal government held an enlarged meeting")
    assert found.title == "The municipal government held an enlarged meeting"
    assert found.published_at == datetime(2023, 2, 21, tzinfo=PORTAL_ZONE)
    assert found.source == "Fuxin News Network"
    assert found.body.startswith("On February 20")
    assert "Akismet" not in found.body and "Leave a Comment" not in found.body
    assert "Editor in charge" not in found.body


def test_title_from_list_link_when_the_page_has_none():
    html = (
        "<html><body><div id='zoom'><p>"
        + "县政府召开常务会议，研究部署重点工作。" * 3
        + "</p></div></body></html>"
    )
    assert (
        extract(html, list_title="县政府召开第十一次常务会议").title == "县政府召开第十一次常务会议"
    )


def test_gb2312_era_table_page_with_br_separated_text():
    html = """<html><head><title>关于召开全县安全生产工作会议的通知</title></head><body><form id="form1">
    <table><tr><td>某某县人民政府</td><td>今天是：2020年8月28日</td></tr></table>
    <table><tr><td class="biaoti"><b>关于召开全县安全生产工作会议的通知</b></td></tr>
    <tr><td>发布时间：2022-12-28 作者：县政府办</td></tr>
    <tr><td class="zw">各乡镇人民政府，县直各部门：<br>经县政府研究，定于1月5日上午9时召开全县安全生产工作会议。
    <br>一、参会人员：各乡镇分管负责同志。<br>某某县人民政府办公室</td></tr></table>
    <table><tr><td><a href="/">首页</a> | 版权所有</td></tr></table></form></body></html>"""
    found = extract(html)
    assert found.title == "关于召开全县安全生产工作会议的通知"
    assert found.published_at == datetime(2022, 12, 28, tzinfo=PORTAL_ZONE)
    assert found.body.split("\n")[0] == "各乡镇人民政府，县直各部门："
    assert "版权所有" not in found.body


def test_strip_site_name():
    assert strip_site_name("渭滨区召开推进会_渭滨区人民政府") == "渭滨区召开推进会"
    assert (
        strip_site_name("Weibin held a meeting – Baoji Government Portal")
        == "Weibin held a meeting"
    )
    assert strip_site_name("县政府召开常务会议") == "县政府召开常务会议"
    assert strip_site_name("首页 | 县政府召开常务会议 | 某某县人民政府") == "县政府召开常务会议"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                *"<>/=\"' \n",
                *("<p>", "</p>", "<div class='TRS_Editor'>", "</div>", "<br>", "<h1>", "</h1>"),
                *("<title>", "</title>", "<meta name='PubDate' content='", "On the 22nd"),
                *"会议召开主持讲话出席日月年今天是2023-01:：，。、",
                "Today is",
            ]
        )
        | st.text(max_size=5),
        max_size=120,
    ).map("".join)
)
def test_extractors_never_raise(html: str):
    found = extract(html or "<html></html>")
    facts = meeting_facts(found.title, found.body, found.published_at)
    assert isinstance(found.body, str) and isinstance(facts.speakers, list)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), st.datetimes(timezones=st.just(PORTAL_ZONE))))
def test_meeting_facts_never_raise_on_any_text(text: str, published: datetime | None):
    meeting_facts(text[:40], text, published)


# -- titles when the list's link text says nothing ---------------------------------

TITLE = "关于召开全县春季森林草原防灭火工作电视电话会议的通知"
BODY = "<div class='TRS_Editor'><p>各乡镇人民政府，县政府各部门：经县政府同意，定于3月2日召开会议。</p></div>"
# One page per place the title can sit: the ArticleTitle meta, og:title, a heading, <title>
TITLE_PAGES = {
    "meta": f"<html><head><meta name='ArticleTitle' content='{TITLE}'><title>通渭县人民政府</title>"
    f"</head><body>{BODY}</body></html>",
    "og": f"<html><head><meta property='og:title' content='{TITLE}'></head><body>{BODY}</body></html>",
    "heading": f"<html><head></head><body><div class='xl'><h1>{TITLE}</h1>{BODY}</div></body></html>",
    "title": f"<html><head><title>{TITLE}_通渭县人民政府</title></head><body>{BODY}</body></html>",
}


@pytest.mark.parametrize("where", sorted(TITLE_PAGES))
@pytest.mark.parametrize(
    "link",
    ["[详情]", "第3条", "查看", "更多>>", "[图文]", "Read More »", "关于召开全县春季森林草原…"],
)
def test_a_link_text_that_says_nothing_never_beats_the_pages_own_title(where: str, link: str):
    assert extract(TITLE_PAGES[where], list_title=link).title == TITLE


def test_a_list_label_in_front_of_the_link_text_is_not_the_title():
    html = f"<html><head></head><body>{BODY}</body></html>"
    assert extract(html, list_title=f"[图文]{TITLE}").title == TITLE


def test_html_inside_a_title_meta_and_an_info_line_inside_the_headline_are_dropped():
    html = """<html><head><title>全市“两违”整治攻坚推进会召开_常德新闻网_常德日报社主办</title>
    <meta name="ArticleTitle" content="全市“两违”整治攻坚推进会召开<div>——以铁的手腕推进存量清零</div>">
    </head><body><h2 class="pbt">全市“两违”整治攻坚推进会召开<span class="ptime">发稿时间：2023-09-15 11:06
    来源：常德日报</span></h2><div class="TRS_Editor"><p>常德日报讯（记者 彭丽）14日下午，全市违法建设和违法
    用地整治攻坚推进会召开。</p></div></body></html>"""
    found = extract(html, list_title="详情")
    assert found.title == "全市“两违”整治攻坚推进会召开"
    assert found.published_at == datetime(2023, 9, 15, 11, 6, tzinfo=PORTAL_ZONE)


# -- bodies of real page shapes ------------------------------------------------------

DIV_PARAGRAPHS = (
    "8日上午，县长欧阳晓东主持座谈会，与部分民营企业家面对面交流，听取意见建议。",
    "座谈会上，12家企业负责人围绕融资贷款、用工保障、物流成本等方面踊跃发言。",
    "欧阳晓东表示，县政府将坚持“有求必应、无事不扰”，对企业反映的问题建立清单、限时办结。",
    "副县长龙建平、尹小红参加座谈。",
)
STYLE = "text-indent:2em;line-height:2;margin-bottom:10px"
DETAIL = (
    "<div class='detail-main'><div class='detail-title'>县长欧阳晓东主持召开民营企业家座谈会</div>"
    "<div class='detail-meta'><span>2023-11-09 08:45</span><span>来源：临澧县融媒体中心</span>"
    "<span class='read'>阅读：<b>--</b></span></div><div class='detail-content'>"
    + "".join(f"<div style='{STYLE}'>{p}</div>" for p in DIV_PARAGRAPHS)
    + "</div></div>"
)
FOOTER = (
    "<div class='g-foot'><div class='container'><p>临澧县人民政府　版权所有　主办单位：临澧县人民政府办公室"
    "</p><p>湘ICP备05012271号-2　湘公网安备 43072402000044号　网站标识码：4307240015</p></div></div>"
)


def test_paragraphs_each_in_their_own_div_are_the_whole_body_and_the_footer_is_not():
    html = f"<html><head><title>临澧县人民政府</title></head><body>{DETAIL}{FOOTER}</body></html>"
    found = extract(html, list_title="详情")
    assert found.body.split("\n") == list(DIV_PARAGRAPHS)
    assert found.source == "临澧县融媒体中心"  # the next span's 阅读： ends it


def test_a_header_include_that_closes_html_early_leaves_the_article_readable():
    html = (
        "<html><head><title>县长欧阳晓东主持召开民营企业家座谈会</title></head><body>"
        "<!-- #include virtual='/include/head.html' --><div class='site-top'>欢迎访问</div>"
        f"</body></html><!-- end include -->{DETAIL}{FOOTER}</body></html>"
    )
    found = extract(html)
    assert found.title == "县长欧阳晓东主持召开民营企业家座谈会"
    assert found.body.split("\n") == list(DIV_PARAGRAPHS)


def test_a_video_player_and_credit_lines_are_not_body():
    html = """<html><head><title>原阳县召开县政府第三十一次常务会议</title></head><body>
    <h1>原阳县召开县政府第三十一次常务会议</h1><div class="TRS_Editor">
    <div class="video-wrap"><div id="player_3318" class="prism-player"></div><div class="video-ctrl">
    <span class="vjs-loading-text">正在加载...</span><label> 自动播放开关</label></div></div>
    <p style="text-align:center">（视频：原阳县融媒体中心）</p>
    <p>12月6日上午，原阳县召开县政府第三十一次常务会议。县长赖永红主持会议并讲话。</p>
    <p>（记者 刘晓梅）</p><p>责任编辑：蒋涛</p>
    <p>附件下载：<br><a href="/module/download/downfile.jsp?filename=1.xls">报名表.xls</a></p>
    </div></body></html>"""
    found = extract(html)
    assert (
        found.body == "12月6日上午，原阳县召开县政府第三十一次常务会议。县长赖永红主持会议并讲话。"
    )
    assert found.attachments == [
        "http://www.weibin.gov.cn/module/download/downfile.jsp?filename=1.xls"
    ]


def test_an_english_mirror_breadcrumb_and_source_line_inside_the_content_are_not_body():
    html = """<html><head><title>The county government held the 21st executive meeting</title></head>
    <body><article><h1 class="entry-title">The county government held the 21st executive meeting</h1>
    <div class="entry-content"><p>index/ Government Affairs Openness / Executive Meetings / article</p>
    <p>Source: Longxi County People's Government</p>
    <p>On the afternoon of January 9, county head Zhang Wei presided over the 21st executive meeting.</p>
    <p>Source: Longxi County Media Center | Editor: Jiang Tao</p></div></article></body></html>"""
    found = extract(html)
    assert found.body == (
        "On the afternoon of January 9, county head Zhang Wei presided over the 21st executive meeting."
    )
    assert found.source == "Longxi County People's Government"


def test_a_wordpress_post_dated_only_by_its_time_elements_takes_the_published_one():
    html = """<html><head><title>秦州区政府召开第十二次常务会议 &#8211; 秦州融媒</title></head><body>
    <article class="post"><header class="entry-header"><h1 class="entry-title">秦州区政府召开第十二次常务会议</h1>
    <div class="entry-meta"><span class="posted-on"><a href="/?p=1" rel="bookmark">
    <time class="updated" datetime="2023-07-02T01:00:00+00:00" itemprop="dateModified">2023年7月2日</time>
    <time class="entry-date published" datetime="2023-06-29T02:15:00+00:00" itemprop="datePublished">2023年6月29日</time>
    </a></span></div></header><div class="entry-content"><p>日前，秦州区政府召开第十二次常务会议，
    研究部署近期重点工作。</p></div></article></body></html>"""
    found = extract(html, list_title="详情")
    assert found.published_at == datetime(2023, 6, 29, 10, 15, tzinfo=PORTAL_ZONE)
    assert found.title == "秦州区政府召开第十二次常务会议"


def test_a_day_alone_in_a_meta_takes_its_time_from_the_info_line():
    html = """<html><head><title>清水县召开一季度经济运行分析会 - 天水在线</title>
    <meta name="publishdate" content="2023-04-12"></head><body><p class="pbt">清水县召开一季度经济运行分析会</p>
    <p class="pwz">发稿时间：2023-04-12 07:30　来源：天水日报　作者：记者 杨雪</p>
    <div class="TRS_Editor"><p>本报讯（记者 杨雪）11日，清水县召开一季度经济运行分析会。</p></div></body></html>"""
    assert extract(html).published_at == datetime(2023, 4, 12, 7, 30, tzinfo=PORTAL_ZONE)


@pytest.mark.parametrize(
    ("info", "source"),
    [
        (
            "<span>2024-07-22 19:03</span><span>稿源：汉中日报</span><span>记者：司徒静</span>",
            "汉中日报",
        ),
        ("<span>发布时间：2024-05-13 11:20</span>　<span>稿源：县住建局</span>", "县住建局"),
    ],
)
def test_a_gaoyuan_source_label_ends_at_the_next_label(info: str, source: str):
    html = (
        "<html><body><div class='detail-title'>全市召开联席会议</div>"
        f"<div class='info'>{info}</div><div class='detail-content'>"
        + "".join(f"<p>{p}</p>" for p in DIV_PARAGRAPHS)
        + "</div></body></html>"
    )
    assert extract(html).source == source


def test_a_drupal_rdfa_submitted_span_gives_the_publish_instant():
    html = (
        "<html><body><h1>Linqu County holds symposium on foreign trade</h1><div class='meta "
        "submitted'><span property='dc:date dc:created' content='2024-03-08T10:26:41+08:00' "
        "datatype='xsd:dateTime'>Submitted by admin on Fri, 03/08/2024 - 10:26</span></div>"
        "<div class='field-item'><p>Release time: 2024-03-08</p>"
        "<p>On March 7, the county held a symposium on stabilizing foreign trade.</p>"
        "</div></body></html>"
    )
    found = extract(html, url="http://en.linqu.gov.cn/news/1.html")
    assert found.published_at == datetime(2024, 3, 8, 10, 26, 41, tzinfo=PORTAL_ZONE)
