"""The portal simulator's files: TRS-style list pages and ~20 KB Chinese articles on disk.

Pages come from :func:`crawler.demo.site.build_site` (the demo's and the tests' portal),
with article bodies long enough to weigh what real county-portal articles weigh.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from pathlib import Path

from crawler.demo.site import SiteArticle, SiteStyle, build_site, list_path
from tests.support.portal import TOPICS

logger = logging.getLogger(__name__)

# Pieces of the sentences government news is made of; articles are drawn from them at random.
SUBJECTS = (
    "区政府",
    "县委县政府",
    "市发展和改革委员会",
    "区住房和城乡建设局",
    "各镇街道",
    "区应急管理局",
    "区财政局",
    "区农业农村局",
    "各有关部门",
    "区生态环境分局",
)
DETAILS = (
    "会议听取了{n}项重点工作进展情况汇报",
    "截至目前，全区已完成固定资产投资{n}亿元，同比增长{p}%",
    "全年计划实施重点项目{n}个，总投资{p}亿元",
    "共排查整改各类隐患{n}处，整改率达到{p}%",
    "新增城镇就业{n}人，城镇登记失业率控制在{p}%以内",
    "累计发放各类补贴资金{n}万元，惠及群众{p}户",
)


# Characters of everyday government prose; words are drawn from them so that, as on a real
# portal, two articles share their stock phrases but little else.
CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
    "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都"
    "两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重"
    "新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知"
    "较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造"
    "百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清美再采转更单风切打白教"
    "速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温"
    "传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千"
    "周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候"
)
STOCK = (
    "要坚持以习近平新时代中国特色社会主义思想为指导",
    "要进一步压实工作责任，细化工作措施，确保各项任务按期完成",
    "要聚焦高质量发展，持续优化营商环境",
    "要加强组织领导，强化督促检查，切实把各项决策部署落到实处",
    "要坚持以人民为中心的发展思想，着力解决群众急难愁盼问题",
)


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    return ["".join(rng.choices(CHARS, k=rng.choice((2, 2, 2, 3, 4)))) for _ in range(size)]


def article_paragraphs(rng: random.Random, words: list[str], index: int, chars: int) -> list[str]:
    """About ``chars`` characters of Chinese report text, distinct but for stock phrases."""
    paragraphs: list[str] = []
    total = 0
    while total < chars:
        clauses = [rng.choice(SUBJECTS) + rng.choice(STOCK)]
        for _ in range(rng.randint(6, 12)):
            clauses.append("".join(rng.choices(words, k=rng.randint(3, 7))))
            if rng.random() < 0.3:
                clauses[-1] += "，" + rng.choice(DETAILS).format(
                    n=rng.randint(3, 999), p=rng.randint(1, 99)
                )
        paragraph = "，".join(clauses) + f"。（第{index}号文第{len(paragraphs) + 1}段）"
        paragraphs.append(paragraph)
        total += len(paragraph)
    return paragraphs


def make_site_articles(
    count: int, prefix: str = "a", body_chars: int = 6100, seed: int = 6
) -> list[SiteArticle]:
    """``count`` distinct articles, newest first; ``body_chars`` ≈ 6,100 makes ~20 KB pages."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    articles = []
    for i in range(count):
        day = 28 - i * 28 // max(count, 1)
        topic = TOPICS[i % len(TOPICS)]
        articles.append(
            SiteArticle(
                slug=f"{prefix}{i:05d}",
                title=f"渭滨区召开第{i + 1}次{topic}",
                published=f"2023-03-{max(day, 1):02d} {8 + i % 10:02d}:{i % 60:02d}",
                source="渭滨区人民政府办公室",
                paragraphs=[
                    f"3月{max(day, 1)}日上午，渭滨区召开第{i + 1}次{topic}，区长吴玉新主持会议并讲话。",
                    *article_paragraphs(rng, words, i, body_chars),
                ],
            )
        )
    return articles


def write_site(root: Path, style: SiteStyle, articles: Sequence[SiteArticle]) -> int:
    """Write every page of the portal under ``root``; returns the bytes written."""
    written = 0
    for path, page in build_site(style, articles).items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = page.encode(style.charset)
        target.write_bytes(data)
        written += len(data)
    return written


def list_pages(style: SiteStyle, articles: int) -> int:
    return max(1, -(-articles // style.per_page))


def start_path(style: SiteStyle) -> str:
    return list_path(style, 0)
