"""Dedupe's signatures are stored: sign() must keep giving the values existing databases hold.

Fingerprints, simhashes and LSH band keys are written to the store and compared with those of
new pages; a change to any of them silently stops every stored copy from being found.
"""

from __future__ import annotations

import hashlib
import json
import random
from functools import cache

import pytest

from bench.simsite import article_paragraphs, vocabulary
from crawler.dedupe import Signature, normalise, shingles, sign
from tests.eval.score import load_cases, run_case

LATIN = (
    "On the 22nd, the party group of the municipal government held an enlarged meeting to "
    "convey, study and implement the spirit of the important speech. Wang Zhongkun presided."
)
EDGE_CASES = [
    "",
    " \n\t",
    "太短",
    "短" * 49,
    "字" * 50,
    "，。、；：？！“”‘’（）《》【】" * 10,  # nothing but punctuation
    LATIN,
    LATIN.upper(),
    "Ünïcödé ÀÉÎÕÜ ÇÑ straße İstanbul ΣΊΣΥΦΟΣ ΟΔΟΣ" * 3,  # lower() that changes length or context
    "2023年2月20日上午，渭滨区召开第23次常务会议 — Meeting No. 23 (2023-02-20)." * 5,
    "ＡＢＣ１２３　全角字母和数字，全角标点！？（）［］｛｝＂＇" * 5,  # full-width forms
    "①②③ ⅠⅡⅢ ¼½¾ ²³ ٣٤٥ ༣ 〇〡〢 ㈠㈡ ＿_‿⁀ ©®™ °±×÷ §¶ ←→↑↓ ■□▲△ ★☆ ♠♣ ∑∏∫ √∞ ≈≠≤≥" * 4,
    "会议强调😀👍🏽要坚持🇨🇳以人民为中心👨‍👩‍👧的发展思想🀄️𠀀𠀁𪚥" * 6,  # emoji, astral CJK
    "ﬁﬂ ǅǈ ᾈ ﬀ ǰ \u0130\u0049\u0307 combining: e\u0301 a\u0308 \u200b\u200d\ufeff\u00ad" * 5,
    "\x00\x01\x1f\x7f\x85\xa0\u2028\u2029\u3000\u00a0" * 10 + "正文" * 30,
    "ا" * 60 + " हिन्दी ภาษาไทย 한국어 日本語のテキストです" * 3,  # other scripts
    "的" * 2500 + "尾",
    ("第十一次常务会议，" * 400) + "x" * 3000,  # longer than MAX_CHARS, Latin tail
    "ab" * 100 + "中" * 20,  # Latin sample
    "中" * 70 + "ab" * 131,  # CJK sample at the 3:1 boundary
    "中" * 67 + "ab" * 67,  # exactly a third CJK in the 200-character sample: Latin width
    "正文\ud800混入\udfff孤立的代理项\udc80" * 10,  # lone surrogates (bytes decoded leniently)
]


@cache
def eval_bodies() -> tuple[str, ...]:
    """The article bodies the extractors find in the evaluation set's pages."""
    return tuple(body for case in load_cases() if (body := run_case(case).article.body))


@cache
def simsite_bodies(count: int = 12) -> tuple[str, ...]:
    """~6,000-character bodies like the throughput benchmark's articles."""
    rng = random.Random(6)
    words = vocabulary(rng)
    return tuple("\n".join(article_paragraphs(rng, words, i, 6000)) for i in range(count))


def digest(bodies: list[str]) -> str:
    """One hash of every body's normalised text, shingles and stored signature."""
    rows = []
    for body in bodies:
        signed = sign(body)
        hashes = sorted(shingles(body))
        rows.append([normalise(body), hashes, signed.fingerprint, signed.simhash, signed.bands])
    return hashlib.sha256(
        json.dumps(rows, ensure_ascii=False).encode("utf-8", "surrogatepass")
    ).hexdigest()


# recorded with the signature code that wrote existing databases (also equal to commit 8ba7d9a's);
# EVAL_DIGEST also follows the bodies extraction finds: re-recorded when extraction changes them
EDGE_DIGEST = "982ca83c60136c69f6ecd0fe06aaa912974488f2b015282114a5f6f108c0194b"
SIMSITE_DIGEST = "13f85c823c46f42a6577a9d5093deeb6db184b8a332f4b6110fd37b313c0b934"
EVAL_DIGEST = "66750cd1f00f11e057ed2c232c77f4b97032b107393560d29455b4daac5e9e31"


def test_a_report_signs_as_stored():
    assert sign(LATIN) == Signature(
        fingerprint="5235d84418dfb0de12b85fc628ecc7537581a7fe",
        simhash=5492646825010794117,
        bands=[
            3169349264411313177,
            -2424366020420619363,
            -3556827285941616382,
            -9081152056580973546,
            5771608467171883812,
            6071600599631873742,
            754173160965868838,
            -8145953978400775925,
            5359946461322636673,
            -9155213134621033091,
        ],
    )


@pytest.mark.parametrize(
    ("bodies", "expected"),
    [
        (lambda: EDGE_CASES, EDGE_DIGEST),
        (simsite_bodies, SIMSITE_DIGEST),
        (eval_bodies, EVAL_DIGEST),
    ],
    ids=["edge cases", "benchmark bodies", "evaluation set"],
)
def test_signatures_are_those_existing_databases_hold(bodies, expected):
    assert digest(list(bodies())) == expected


def test_every_code_point_normalises_as_stored():
    """Which characters normalising keeps (letters and digits, lower-cased) decides the
    fingerprints: pinned over every code point but the surrogates."""
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    kept = normalise(text)
    assert len(kept) == 133_547
    assert hashlib.sha256(kept.encode()).hexdigest() == (
        "483b18b5cad3f614e637131e12a5ab7204618e4758ed870e6a38773f558956d0"
    )
