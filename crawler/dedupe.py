"""Content fingerprints: an exact hash and a 64-bit simhash of an announcement's body."""

from __future__ import annotations

import hashlib
import heapq
import re
import zlib

MIN_CHARS = 50  # shorter bodies are not compared: too little text to call two pages copies
SHINGLE = 4  # characters per shingle; works for Chinese text and English alike
SKETCH = 256  # shingles kept (the smallest hashes), so cost is bounded for long pages

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(body: str) -> str:
    """Lower-cased text with whitespace and punctuation removed."""
    return _NOT_WORD.sub("", body.lower())


def fingerprint(body: str) -> str | None:
    text = normalise(body)
    if len(text) < MIN_CHARS:
        return None
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _hash64(shingle: str) -> int:
    data = shingle.encode("utf-8")
    return (zlib.crc32(data) << 32) | zlib.crc32(data[::-1])


def simhash(body: str) -> int | None:
    """Signed 64-bit simhash over a bottom-k sketch of the body's character shingles."""
    text = normalise(body)
    if len(text) < MIN_CHARS:
        return None
    hashes = {_hash64(text[i : i + SHINGLE]) for i in range(len(text) - SHINGLE + 1)}
    sketch = heapq.nsmallest(SKETCH, hashes)
    value = 0
    for bit in range(64):
        mask = 1 << bit
        if 2 * sum(1 for h in sketch if h & mask) > len(sketch):
            value |= mask
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()
