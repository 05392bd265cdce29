"""Property-based tests: date normalisation and extraction never raise, never invent the future."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler.dedupe import fingerprint, simhash
from crawler.extract.article import extract_article
from crawler.extract.dates import (
    find_published,
    now_shanghai,
    parse_datetime,
    strip_banners,
)
from crawler.extract.links import find_links
from crawler.extract.meeting import meeting_facts
from crawler.extract.pagination import next_page
from storage.zones import PORTAL_ZONE

# Text made of the pieces dates and announcements are made of, in both languages.
PIECES = st.sampled_from(
    [
        "2023",
        "1999",
        "2099",
        "12",
        "31",
        "0",
        "00",
        "99",
        "2月",
        "30日",
        "年",
        "月",
        "日",
        "-",
        "/",
        ".",
        ":",
        "：",
        " ",
        "\n",
        "今天是",
        "Today is",
        "发布时间：",
        "Release time:",
        "Date:",
        "On the",
        "22nd",
        "February",
        "Feb.",
        "上午",
        "下午",
        "召开",
        "主持",
        "讲话",
        "出席",
        "会议",
        "meeting",
        "presided over",
        "吴玉新",
        "Wu Yuxin",
        "、",
        "，",
        "。",
        "\u3000",
        "\ufffd",
        "<",
        ">",
        "&",
        "\x00",
    ]
)
TEXT = st.one_of(st.text(max_size=200), st.lists(PIECES, max_size=40).map("".join))
LATEST = timedelta(days=1)


def assert_valid_date(value: datetime | None) -> None:
    if value is not None:
        assert value.tzinfo is not None
        assert value <= now_shanghai() + LATEST
        assert value.year >= 1900


def assert_text(value: object) -> None:
    assert value is None or isinstance(value, str)
    if isinstance(value, str):
        value.encode("utf-8")  # raises on lone surrogates: the text must be valid Unicode


@given(TEXT)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_date_parsing_never_raises_and_never_invents_the_future(text):
    assert_valid_date(parse_datetime(text))
    assert_valid_date(find_published(text))
    assert isinstance(strip_banners(text), str)


@given(
    TEXT,
    st.one_of(
        st.none(), st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1))
    ),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_meeting_facts_never_raise(text, published):
    published = published.replace(tzinfo=PORTAL_ZONE) if published else None
    facts = meeting_facts(text[:30] or None, text, published)
    if facts.meeting_date is not None:
        assert isinstance(facts.meeting_date, date)
        assert facts.meeting_date <= (now_shanghai() + timedelta(days=400)).date()
    for value in (
        facts.meeting_name,
        facts.presider,
        facts.location,
        *facts.speakers,
        *facts.attendees,
    ):
        assert_text(value)


HTML_PIECES = st.sampled_from(
    [
        "<html>",
        "<body>",
        "<div id='zoom'>",
        "<div class='TRS_Editor'>",
        "</div>",
        "<p>",
        "</p>",
        "<h1>",
        "</h1>",
        "<title>",
        "</title>",
        "<meta name='PubDate' content='2023-02-22 11:33'>",
        "<meta name='ArticleTitle' content='",
        "'>",
        "<ul>",
        "<li>",
        "</li>",
        "<a href='x.html'>",
        "<a href='javascript:void(0)'>",
        "<a href='//evil.org/a'>",
        "</a>",
        "<table><tr><td>",
        "<script>",
        "createPageHTML(3, 0, 'index', 'html');",
        "</script>",
        "<br>",
        "<!--",
        "-->",
        "&nbsp;",
        "&#0;",
    ]
)
HTML = st.one_of(
    st.text(max_size=300), st.lists(st.one_of(HTML_PIECES, PIECES), max_size=80).map("".join)
)


@given(HTML)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_extraction_of_any_html_never_raises(html):
    sel = Selector(text=html or "<html></html>")
    article = extract_article(sel, "http://x.gov.cn/a/1.html", None, "列表标题", None)
    assert_valid_date(article.published_at)
    for value in (article.title, article.source, article.body, *article.attachments):
        assert_text(value)
    for link in find_links(sel, "http://x.gov.cn/a/index.html"):
        assert link.url.startswith(("http://", "https://"))
        assert_valid_date(link.date)
    following = next_page(sel, "http://x.gov.cn/a/index.html")
    assert following is None or isinstance(following, str)
    fingerprint(article.body)
    value = simhash(article.body)
    assert value is None or -(2**63) <= value < 2**63
