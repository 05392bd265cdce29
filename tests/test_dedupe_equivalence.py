"""Dedupe's signatures are stored: the module's functions must give what the original code gave.

The ``reference_*`` functions are frozen copies of crawler/dedupe.py's signature functions as
they were before they were optimised (commit 8ba7d9a); never edit them to make a test pass.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import re
import zlib
from collections.abc import Iterable, Sequence
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.simsite import article_paragraphs, vocabulary
from crawler import dedupe
from tests.eval.score import load_cases, run_case

# --- the reference: crawler/dedupe.py at 8ba7d9a, constants and functions verbatim -----------

MIN_CHARS = 50
SHINGLE_CJK = 5
SHINGLE_LATIN = 10
MAX_CHARS = 2000
BINS = 40
ROWS = 4
SKETCH = 64
MIN_CONTAINMENT = 0.8
MIN_JACCARD = 0.5
LEAD_CHARS = 300

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SLICES = {
    width: [slice(4 * i, 4 * (i + width)) for i in range(MAX_CHARS)]
    for width in (SHINGLE_CJK, SHINGLE_LATIN)
}
_MARKER = re.compile(
    r"(?:\d{4}年)?\d{1,2}月\d{1,2}日|(?<![\d月])\d{1,2}日|第[\d一二三四五六七八九十百零〇]+[次届期]|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)
_EMPTY = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_DELETE = {
    c: None
    for block in (
        (0, 0x300),
        (0x2000, 0x2070),
        (0x3000, 0x3040),
        (0xFE30, 0xFE70),
        (0xFF00, 0xFF66),
    )
    for c in range(*block)
    if not chr(c).isalnum()
}
_RARE = re.compile(r"[^\w\u0000-\u02ff\u2000-\u206f\u3000-\u303f\ufe30-\ufe6f\uff00-\uff65]")


def reference_normalise(body: str) -> str:
    text = body.lower().translate(_DELETE)
    return _NOT_WORD.sub("", text) if _RARE.search(text) else text


def reference_fingerprint(body: str, normalised: str | None = None) -> str | None:
    text = reference_normalise(body) if normalised is None else normalised
    if len(text) < MIN_CHARS:
        return None
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def reference_shingles(body: str, normalised: str | None = None) -> set[int]:
    text = (reference_normalise(body) if normalised is None else normalised)[:MAX_CHARS]
    sample = text[:200]
    width = SHINGLE_CJK if len(_CJK.findall(sample)) * 3 > len(sample) else SHINGLE_LATIN
    count = len(text) - width + 1
    if count <= 0:
        return set()
    data = text.encode("utf-32-le")
    return set(map(zlib.crc32, map(data.__getitem__, _SLICES[width][:count])))


def reference_minhash(hashes: Iterable[int]) -> list[int]:
    ordered = sorted(hashes, reverse=True)
    smallest = dict(zip([h % BINS for h in ordered], ordered, strict=True))
    return [smallest.get(b, _EMPTY) for b in range(BINS)]


def reference_bands(signature: Sequence[int]) -> list[int]:
    keys = []
    for band in range(len(signature) // ROWS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        if all(r == _EMPTY for r in rows):
            continue
        data = band.to_bytes(2, "big") + b"".join(r.to_bytes(4, "big") for r in rows)
        keys.append(
            int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)
        )
    return keys


def reference_mix64(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def reference_simhash_of(hashes: Iterable[int]) -> int | None:
    sketch = [reference_mix64(h) for h in heapq.nsmallest(SKETCH, hashes)]
    if not sketch:
        return None
    counters: list[int] = []
    for value in sketch:
        carry, j = value, 0
        while carry:
            if j == len(counters):
                counters.append(0)
            counters[j], carry = counters[j] ^ carry, counters[j] & carry
            j += 1
    half = len(sketch) // 2
    result = 0
    for bit in range(64):
        count = 0
        for j, counter in enumerate(counters):
            count |= ((counter >> bit) & 1) << j
        if count > half:
            result |= 1 << bit
    return result - (1 << 64) if result >= 1 << 63 else result


def reference_simhash(body: str) -> int | None:
    if len(reference_normalise(body)) < MIN_CHARS:
        return None
    return reference_simhash_of(reference_shingles(body))


def reference_hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK64).bit_count()


def reference_markers(body: str) -> set[str]:
    return {" ".join(m.lower().split()) for m in _MARKER.findall(body[:LEAD_CHARS])}


def reference_same_text(a: str, b: str, a_shingles: set[int] | None = None) -> bool:
    sa = a_shingles if a_shingles is not None else reference_shingles(a)
    sb = reference_shingles(b)
    if not sa or not sb:
        return False
    shared = len(sa & sb)
    if shared / min(len(sa), len(sb)) < MIN_CONTAINMENT:
        return False
    if shared / len(sa | sb) < MIN_JACCARD:
        return False
    ma, mb = reference_markers(a), reference_markers(b)
    return not (ma and mb and not ma & mb)


# --- the bodies compared -----------------------------------------------------------------------

LATIN = (
    "On the 22nd, the party group of the municipal government held an enlarged meeting to "
    "convey, study and implement the spirit of the important speech. Wang Zhongkun presided."
)
EDGE_CASES = [
    "",
    " \n\t",
    "太短",
    "短" * (MIN_CHARS - 1),
    "字" * MIN_CHARS,
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
    "的" * (MAX_CHARS + 500) + "尾",
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


def all_bodies() -> list[str]:
    return [*EDGE_CASES, *simsite_bodies(), *eval_bodies()]


def assert_same_signatures(body: str) -> None:
    text = reference_normalise(body)
    assert dedupe.normalise(body) == text
    assert dedupe.fingerprint(body) == reference_fingerprint(body)
    assert dedupe.fingerprint(body, text) == reference_fingerprint(body, text)
    hashes = reference_shingles(body)
    assert dedupe.shingles(body) == hashes
    assert dedupe.shingles(body, text) == hashes
    signature = reference_minhash(hashes)
    assert dedupe.minhash(hashes) == signature
    assert dedupe.bands(signature) == reference_bands(signature)
    assert dedupe.simhash_of(hashes) == reference_simhash_of(hashes)
    assert dedupe.simhash(body) == reference_simhash(body)
    assert dedupe.markers(body) == reference_markers(body)


# --- examples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", EDGE_CASES)
def test_edge_cases_have_the_reference_signatures(body: str):
    assert_same_signatures(body)


def test_benchmark_bodies_have_the_reference_signatures():
    for body in simsite_bodies():
        assert len(dedupe.normalise(body)) > MAX_CHARS
        assert_same_signatures(body)


def test_evaluation_set_bodies_have_the_reference_signatures():
    bodies = eval_bodies()
    assert len(bodies) > 80
    for body in bodies:
        assert_same_signatures(body)


@pytest.mark.parametrize(
    ("first", "last"), [(0, 0x10000), (0x10000, 0x110000)], ids=["bmp", "astral"]
)
def test_every_code_point_normalises_as_before(first: int, last: int):
    every = "".join(map(chr, range(first, last)))
    assert dedupe.normalise(every) == reference_normalise(every)
    for start in range(0, len(every), 997):  # and in pieces, each with its own shingle width
        assert_same_signatures(every[start : start + 997])


def test_the_deduplicator_stores_the_reference_signatures():
    checker = dedupe.Deduplicator(lambda _: {}, lambda key_sets: [[] for _ in key_sets])
    for index, body in enumerate(all_bodies()):
        signature = checker.check(f"http://a/{index}", body)
        signed = dedupe.sign(body)
        assert (signed.fingerprint, signed.simhash, signed.bands) == (
            signature.fingerprint,
            signature.simhash,
            signature.bands,
        )
        assert signature.fingerprint == reference_fingerprint(body)
        if signature.fingerprint is None:
            continue
        hashes = reference_shingles(body)
        assert signature.simhash == reference_simhash_of(hashes)
        assert signature.bands == reference_bands(reference_minhash(hashes))


def _variants(body: str) -> list[str]:
    """Copies with boilerplate, cut copies, sister meetings and unrelated text."""
    return [
        body,
        "来源：宝鸡日报 2023-02-23\n" + body + "\n（责任编辑：张三）",
        body[: len(body) * 2 // 3],
        body[len(body) // 4 :],
        re.sub(r"\d+", "7", body),
        "3月6日上午，第9次会议。" + body,
        body.replace("，", "。").replace("的", "之"),
        body[::-1],
    ]


def test_same_text_agrees_with_the_reference_on_copies_and_sisters():
    bodies = [*simsite_bodies(4), *eval_bodies()[::4], *EDGE_CASES[::3]]
    for a in bodies:
        sa = reference_shingles(a)
        for b in [*_variants(a), *bodies[:3]]:
            expected = reference_same_text(a, b)
            assert dedupe.same_text(a, b) == expected
            assert dedupe.same_text(a, b, sa) == expected
            assert dedupe.same_text(b, a) == reference_same_text(b, a)


def test_hamming_agrees_with_the_reference():
    values = [0, 1, -1, 2**63 - 1, -(2**63), 0x5555555555555555, -0x123456789ABCDEF]
    for a in values:
        for b in values:
            assert dedupe.hamming(a, b) == reference_hamming(a, b)


def test_an_unencodable_normalised_text_fails_as_before():
    with pytest.raises(UnicodeEncodeError):
        reference_shingles("", "\ud800" * 20)
    with pytest.raises(UnicodeEncodeError):
        dedupe.shingles("", "\ud800" * 20)


# --- properties over arbitrary text and hashes -------------------------------------------------

# characters where the cases of normalisation meet: each deleted block's edges, letters and
# digits inside them, rare symbols outside them, CJK of both shingle widths, astral planes
TRICKY = (
    "aZ09_-. \t\n\x00\x7f\xa0\xaa\xb2\xb5\xba\xbc\xbf\xc0\xd7\xdf\xff\u017f\u0130\u02ff\u0300"
    "\u0345\u03a3\u1e9e\u1fbc\u2000\u200b\u2070\u2071\u207f\u2080\u2150\u2160\u3000\u3005\u3007"
    "\u3021\u303f\u3040\u3041\u3400\u4e00\u9fff\ua000\uf900\ufaff\ufb01\ufe30\ufe6f\ufe70\uff10"
    "\uff21\uff3f\uff41\uff65\uff66\U0001f600\U0001f3fd\U00020000\U0002a6a5\U0010ffff"
    "，。、“”《》【】！？；：（）—…·"
)
texts = st.one_of(
    st.text(),
    st.text(alphabet=TRICKY, min_size=40, max_size=400),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=45, max_size=300),
    st.lists(st.sampled_from(simsite_bodies(2)[0].split("，")), max_size=200).map("，".join),
)
uint32 = st.integers(0, 2**32 - 1)
property_settings = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@property_settings
@given(texts)
def test_arbitrary_text_has_the_reference_signatures(body: str):
    assert_same_signatures(body)


@property_settings
@given(st.lists(uint32, max_size=3000))
def test_minhash_and_simhash_of_arbitrary_hashes(hashes: list[int]):
    # a list may repeat a hash; an iterator can be read once only
    assert dedupe.minhash(hashes) == reference_minhash(hashes)
    assert dedupe.minhash(iter(hashes)) == reference_minhash(hashes)
    assert dedupe.minhash(set(hashes)) == reference_minhash(set(hashes))
    assert dedupe.simhash_of(hashes) == reference_simhash_of(hashes)
    assert dedupe.simhash_of(iter(hashes)) == reference_simhash_of(hashes)
    assert dedupe.simhash_of(set(hashes)) == reference_simhash_of(set(hashes))


@property_settings
@given(st.lists(st.one_of(uint32, st.just(_EMPTY)), max_size=60))
def test_bands_of_arbitrary_signatures(signature: list[int]):
    assert dedupe.bands(signature) == reference_bands(signature)
    assert dedupe.bands(tuple(signature)) == reference_bands(signature)


@property_settings
@given(texts, texts)
def test_same_text_of_arbitrary_pairs(a: str, b: str):
    for first, second in ((a, b), (a, a + b), (a + b, b), (b + a, a)):
        expected = reference_same_text(first, second)
        assert dedupe.same_text(first, second) == expected
        assert dedupe.same_text(first, second, reference_shingles(first)) == expected
