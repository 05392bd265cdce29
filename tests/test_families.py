"""CMS families: detection from the page alone, Hanweb JCMS records and proxy paging, TRS
pagers; end-to-end crawls of mock Hanweb and TRS portals, none of which starts a browser."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, XmlResponse

from crawler.configfiles.portals import Selectors
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteStyle, build_feed, build_site
from crawler.extract import families
from crawler.extract.families.hanweb import next_url, record_link
from crawler.extract.families.trs import pager_next, script_links, url_date
from tests.support.cms import TRS_PAGERS, Hanweb, Recorder, hanweb_list_page, serve_trs
from tests.support.portal import (
    crawl,
    govwatch,
    last_run,
    make_articles,
    portal_entry,
    stored,
    write_portals,
)

BASE = "http://www.example.gov.cn"


def html(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8")


def hanweb_page(records: int = 15, total: int = 45) -> HtmlResponse:
    return html(f"{BASE}/col/col123/index.html", hanweb_list_page(make_articles(records), total))


def trs_page(pager: str, page: int, pages: int = 4) -> HtmlResponse:
    script = TRS_PAGERS[pager].format(pages=pages, page=page, page_1=page + 1, total=37)
    rows = "".join(
        f'<li><a href="./202303/t202303{day:02d}_{day}.html">第{day}次常务会议召开</a></li>'
        for day in range(1, 11)
    )
    name = "index.html" if page == 0 else f"index_{page}.html"
    return html(
        f"{BASE}/zwgk/{name}",
        f'<html><body><ul class="list">{rows}</ul><script type="text/javascript">{script}</script></body></html>',
    )


# -- detection --------------------------------------------------------------------------


def test_each_family_is_detected_from_the_page_alone():
    assert families.detect(hanweb_page())[0].name == "hanweb"
    proxy = XmlResponse(
        f"{BASE}/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15",
        body=b"<datastore><recordset></recordset></datastore>",
    )
    assert families.detect(proxy)[0].name == "hanweb"
    for pager in TRS_PAGERS:
        family, why = families.detect(trs_page(pager, 0))
        assert (family.name, why) == ("trs", "a createPageHTML pager script")
    links_only = "".join(f'<a href="./202303/t2023030{i}_{i}.html">x</a>' for i in range(1, 4))
    assert families.detect(html(f"{BASE}/a/", links_only))[0].name == "trs"
    plain = build_site(SiteStyle(pager="next"), make_articles(3))["/xwzx/zwdt/index.html"]
    assert families.detect(html(f"{BASE}/xwzx/zwdt/index.html", plain))[0].name == "generic"
    feed = build_feed(SiteStyle(), BASE, make_articles(2))
    assert families.detect(XmlResponse(f"{BASE}/rss.xml", body=feed.encode()))[0].name == "feed"


# -- Hanweb JCMS --------------------------------------------------------------------------


def test_hanweb_record_gives_its_article_link_title_and_date():
    record = (
        '<li><a href="/col/col999/index.html">[通知]</a><a href="/art/2023/3/1/art_1_2.html" '
        'title="区政府召开第十次常务会议">区政府召开第十次常务...</a><span>2023-03-01</span></li>'
    )
    link = record_link(record, BASE + "/col/col1/index.html")
    assert link is not None
    assert link.url == BASE + "/art/2023/3/1/art_1_2.html"
    assert link.text == "区政府召开第十次常务会议"
    assert link.date is not None and link.date.date().isoformat() == "2023-03-01"
    assert record_link("<li>没有链接</li>", BASE) is None


def test_hanweb_page_pages_on_through_the_proxy_with_the_columns_parameters():
    response = hanweb_page()
    links, following = families.list_page(response, Selectors())
    assert len(links) == 15 and all("/art/2023/3/" in link.url for link in links)
    assert following is not None
    parts = urlsplit(following)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/module/web/jpage/dataproxy.jsp"
    assert query["startrecord"] == "16" and query["endrecord"] == "30" and query["perpage"] == "15"
    assert (query["columnid"], query["unitid"], query["webid"]) == ("123", "4892867", "3096")
    assert "page" not in query


def test_hanweb_proxy_paging_stops_at_the_total_or_at_a_short_answer():
    proxy = (
        f"{BASE}/module/web/jpage/dataproxy.jsp?startrecord=%d&endrecord=%d&perpage=15&columnid=1"
    )
    assert next_url(proxy % (16, 30), "<totalrecord>45</totalrecord>", "", 15) == (
        f"{BASE}/module/web/jpage/dataproxy.jsp?startrecord=31&endrecord=45&perpage=15&columnid=1"
    )
    assert next_url(proxy % (31, 45), "<totalrecord>45</totalrecord>", "", 15) is None
    assert next_url(proxy % (31, 45), "", "", 7) is None  # no total: a short answer is the last
    assert next_url(proxy % (31, 45), "", "", 15) is not None
    # a data island that is the whole list (no <nextgroup>, no column in a script): no proxy
    assert next_url(f"{BASE}/col/col1/index.html", "<datastore></datastore>", "", 15) is None


# -- TRS WCM --------------------------------------------------------------------------------


@pytest.mark.parametrize("pager", sorted(TRS_PAGERS))
def test_trs_pager_in_every_form(pager):
    assert pager_next(
        [TRS_PAGERS[pager].format(pages=4, page=0, page_1=1, total=37)], f"{BASE}/zwgk/"
    ) == (f"{BASE}/zwgk/index_1.html")
    for page in range(4):
        _, following = families.list_page(trs_page(pager, page), Selectors())
        assert following == (f"{BASE}/zwgk/index_{page + 1}.html" if page < 3 else None)


def test_trs_links_carry_the_date_of_their_name_and_come_from_scripts_too():
    dated = url_date(f"{BASE}/zwgk/202303/t20230328_4567.html")
    assert dated is not None and dated.date().isoformat() == "2023-03-28"
    assert url_date(f"{BASE}/zwgk/a.html") is None
    links, _ = families.list_page(trs_page("numbers", 0), Selectors())
    assert len(links) == 10 and all(link.date is not None for link in links)
    script = 'var str_1 = "./202303/t20230301_1.html"; document.write("<a href=" + str_1 + ">");'
    assert [link.url for link in script_links([script], f"{BASE}/zwgk/")] == [
        f"{BASE}/zwgk/202303/t20230301_1.html"
    ]


# -- end to end -------------------------------------------------------------------------------


def test_hanweb_portal_read_without_a_browser_and_recrawled_for_one_request(
    site: PortalSite, tmp_path: Path, sqlite_url: str
):
    recorder = Recorder()
    site.handlers.insert(0, recorder)
    hanweb = Hanweb(site, make_articles(45), inline=15, per_page=15)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("hanweb", site.url(hanweb.list_path))]
    )
    result = crawl(portals, sqlite_url)
    assert stored(sqlite_url) == set(hanweb.urls)
    assert [(q["startrecord"], q["endrecord"]) for q in hanweb.proxy_queries] == [
        (["16"], ["30"]),
        (["31"], ["45"]),
    ]
    assert not recorder.paths(browser=True)  # nothing asked by Chromium...
    assert "Chromium" not in result.stderr  # ...which never started
    assert not site.hits_for("/module/web/jpage/jpage.js")
    run = last_run(sqlite_url, "hanweb")
    assert run is not None and run.rendering is None

    site.clear_hits()
    crawl(portals, sqlite_url)
    assert [(h.path, h.status) for h in site.hits_for()] == [
        ("/robots.txt", 200),
        (hanweb.list_path, 304),
    ]


@pytest.mark.parametrize("pager", ["variables", "element"])
def test_trs_portal_of_four_pages_is_crawled_whole(
    site: PortalSite, tmp_path: Path, sqlite_url: str, pager: str
):
    urls = serve_trs(site, make_articles(37), per_page=10, pager=pager)
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("trs", site.url("/zwgk/zwdt/index.html"))]
    )
    crawl(portals, sqlite_url)
    assert stored(sqlite_url) == set(urls)
    assert [h.path for h in site.hits_for("/zwgk/zwdt/index")] == [
        "/zwgk/zwdt/index.html",
        "/zwgk/zwdt/index_1.html",
        "/zwgk/zwdt/index_2.html",
        "/zwgk/zwdt/index_3.html",
    ]


def test_portal_check_names_the_family_and_says_no_rendering_was_needed(
    site: PortalSite, tmp_path: Path
):
    hanweb = Hanweb(site, make_articles(20))
    portals = write_portals(
        tmp_path / "portals.yaml", [portal_entry("hanweb", site.url(hanweb.list_path))]
    )
    result = govwatch("portal", "check", "hanweb", "--portals", str(portals), "--articles", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "family: hanweb, Hanweb JCMS (大汉): records in a <datastore>" in result.stdout
    assert "rendering: not needed" in result.stdout
