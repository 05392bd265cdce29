"""Which encoding a page's bytes are in when its declared charset lies (the encoding middleware)."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.crawl.middlewares import repaired_encoding

PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    "<title>县政府召开第九次常务会议</title>{furniture}</head><body><p>{text}</p></body></html>"
)
# Kilobytes of ASCII markup, as every portal has: the few characters GB18030 cannot decode
# from UTF-8 bytes are then far fewer than 1 % of the page.
FURNITURE = "<style>" + ".nav li a { color: #333; padding: 0 12px; }\n" * 60 + "</style>"
TEXT = "1月3日上午，县长赖立新主持召开县政府第九次常务会议，研究部署近期重点工作。"


def response(charset: str, encoding: str, header: str = "text/html") -> HtmlResponse:
    body = PAGE.format(charset=charset, text=TEXT, furniture=FURNITURE).encode(encoding)
    return HtmlResponse(
        "http://www.example.gov.cn/a.html", body=body, headers={"Content-Type": header}
    )


@pytest.mark.parametrize(
    "header", ["text/html", "text/html; charset=gb2312", "text/html; charset=GBK"]
)
def test_gb2312_declared_bytes_that_are_utf8_are_utf8(header: str):
    page = response("gb2312", "utf-8", header)
    assert page.encoding == "gb18030"  # Scrapy believes the declaration ...
    assert TEXT not in page.text  # ... and GB18030 decodes UTF-8 bytes into other characters
    assert repaired_encoding(page) == "utf-8"
    assert TEXT in page.replace(encoding="utf-8").text


def test_real_gb18030_bytes_keep_their_declared_charset():
    page = response("gb2312", "gb18030")
    assert repaired_encoding(page) is None
    assert TEXT in page.text


def test_a_page_in_its_declared_charset_is_left_alone():
    assert repaired_encoding(response("utf-8", "utf-8")) is None
    ascii_only = HtmlResponse(
        "http://x.cn/",
        body=b"<meta charset=gb2312><p>plain</p>",
        headers={"Content-Type": "text/html"},
    )
    assert repaired_encoding(ascii_only) is None


def test_declared_utf8_with_gbk_bytes_is_detected():
    page = response("utf-8", "gb18030", "text/html; charset=utf-8")
    assert repaired_encoding(page) == "gb18030"
