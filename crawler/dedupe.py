"""Content fingerprints and near-duplicate detection: the one module that owns dedupe logic.

An exact hash links identical bodies; a MinHash signature over body shingles, cut into LSH
bands that the store indexes, finds near copies (other boilerplate, another title) among a
million stored announcements with a few indexed lookups; candidates are then verified on text.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage import Repository

logger = logging.getLogger(__name__)

MIN_CHARS = 50  # shorter bodies are not compared: too little text to call two pages copies
# characters per shingle of the normalised body: Chinese text carries a word in two or three
# characters, Latin text in six or so (spaces and punctuation are gone)
SHINGLE_CJK = 5
SHINGLE_LATIN = 10
MAX_CHARS = 2000  # normalised characters read per body, so cost is bounded for long pages
BINS = 40  # one-permutation MinHash: one minimum per hash bin
ROWS = 4  # minimums per LSH band; BINS // ROWS bands are indexed
SKETCH = 64  # shingle hashes kept (the smallest) for the 64-bit simhash
# verification of a candidate: shared shingles over the smaller body, and over both
MIN_CONTAINMENT = 0.8
MIN_JACCARD = 0.5
LEAD_CHARS = 300  # where a report says which meeting it is (date, "第N次")
MAX_CANDIDATES = 20
CANDIDATE_CACHE = 64  # candidates whose shingles (~80 KB each) and markers are kept

# what normalising deletes: all but letters and digits (as str.isalnum, which [^\W_] is)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# what tells two meetings of one template apart: their dates and ordinals (第23次, 22nd)
_MARKER = re.compile(
    r"(?:\d{4}年)?\d{1,2}月\d{1,2}日|(?<![\d月])\d{1,2}日|第[\d一二三四五六七八九十百零〇]+[次届期]|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)
_EMPTY = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1


def normalise(body: str) -> str:
    """Lower-cased text with whitespace, punctuation and symbols removed (all but str.isalnum)."""
    return _NOT_WORD.sub("", body.lower())


def fingerprint(body: str, normalised: str | None = None) -> str | None:
    text = normalise(body) if normalised is None else normalised
    if len(text) < MIN_CHARS:
        return None
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def shingles(body: str, normalised: str | None = None) -> set[int]:
    """crc32 hashes of the normalised body's overlapping character windows (bounded), each
    window in UTF-32-LE."""
    text = (normalise(body) if normalised is None else normalised)[:MAX_CHARS]
    sample = text[:200]
    width = SHINGLE_CJK if len(_CJK.findall(sample)) * 3 > len(sample) else SHINGLE_LATIN
    data = text.encode("utf-32-le")
    size = 4 * width
    return {zlib.crc32(data[i : i + size]) for i in range(0, len(data) - size + 1, 4)}


def minhash(hashes: Iterable[int]) -> list[int]:
    """One-permutation MinHash: the smallest hash in each of BINS bins (_EMPTY when none)."""
    signature = [_EMPTY] * BINS
    for value in hashes:
        if not 0 <= value <= _EMPTY:
            raise OverflowError(f"{value} is not a 32-bit hash")
        slot = value % BINS
        if value < signature[slot]:
            signature[slot] = value
    return signature


def bands(signature: Sequence[int]) -> list[int]:
    """LSH band keys: each ROWS-long slice of the signature hashed to a signed 64-bit int."""
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


def _mix64(value: int) -> int:
    """splitmix64 finaliser: a 32-bit shingle hash spread over 64 bits."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def simhash_of(hashes: Iterable[int]) -> int | None:
    """Signed 64-bit simhash over the SKETCH smallest shingle hashes: bit j is set where most
    of them have it."""
    sketch = heapq.nsmallest(SKETCH, hashes)
    if not sketch:
        return None
    rows = "".join(format(_mix64(h), "064b") for h in sketch)  # row i: bit 63 first
    half = len(sketch) // 2
    value = sum(1 << (63 - j) for j in range(64) if rows[j::64].count("1") > half)
    return value - (1 << 64) if value >> 63 else value


def simhash(body: str) -> int | None:
    """Signed 64-bit simhash of the body's shingles (None when too short to compare)."""
    if len(normalise(body)) < MIN_CHARS:
        return None
    return simhash_of(shingles(body))


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK64).bit_count()


@lru_cache(maxsize=CANDIDATE_CACHE)
def _lead_markers(lead: str) -> frozenset[str]:
    return frozenset(" ".join(m.lower().split()) for m in _MARKER.findall(lead))


def markers(body: str) -> set[str]:
    """The dates and ordinals in a body's lead: copies share them, sister meetings do not."""
    return set(_lead_markers(body[:LEAD_CHARS]))


# kept for the candidates of the next pages: on a template-heavy portal one page is a candidate
# (sharing a band, and often the text up to its dates) for many
@lru_cache(maxsize=CANDIDATE_CACHE)
def _candidate_shingles(body: str) -> tuple[int, ...]:
    return tuple(shingles(body))


def same_text(a: str, b: str, a_shingles: set[int] | None = None) -> bool:
    """True when ``b`` is a copy of ``a``: the same text up to boilerplate, not a sister meeting."""
    sa = a_shingles if a_shingles is not None else shingles(a)
    sb = _candidate_shingles(b)
    if not sa or not sb:
        return False
    shared = len(sa.intersection(sb))
    if shared / min(len(sa), len(sb)) < MIN_CONTAINMENT:
        return False
    if shared / (len(sa) + len(sb) - shared) < MIN_JACCARD:
        return False
    ma, mb = _lead_markers(a[:LEAD_CHARS]), _lead_markers(b[:LEAD_CHARS])
    return not (ma and mb and not ma & mb)


@dataclass(frozen=True)
class Candidate:
    """A stored announcement that shares an LSH band with a new one."""

    url: str
    body: str
    duplicate_of: str | None


@dataclass
class Signature:
    """What dedupe stores for one announcement, and the first copy it found, if any."""

    fingerprint: str | None = None
    simhash: int | None = None
    bands: list[int] = field(default_factory=list)
    duplicate_of: str | None = None
    # the body's shingle hashes, kept until the record is linked (verification), never stored
    shingles: set[int] = field(default_factory=set, repr=False, compare=False)


def sign(body: str) -> Signature:
    """The body's fingerprint, simhash and LSH band keys (CPU only, no lookup)."""
    text = normalise(body)
    digest = fingerprint(body, text)
    if digest is None:
        return Signature()
    hashes = shingles(body, text)
    return Signature(digest, simhash_of(hashes), bands(minhash(hashes)), shingles=hashes)


# What the store answers for a batch: the earliest original per fingerprint, and for each
# record's band keys its stored candidates (most shared keys first, then the earliest)
ExactLookup = Callable[[Sequence[str]], Mapping[str, str]]
NearLookup = Callable[[Sequence[Sequence[int]]], Sequence[Sequence[Candidate]]]


class Deduplicator:
    """Links each announcement to the first copy of its text, stored or seen in this crawl.

    :meth:`link` resolves a whole store batch with two lookups, ``exact(fingerprints)`` and
    ``near(band keys of each record)`` (:meth:`for_repository` binds the repository's);
    copies seen in this crawl but not yet stored are kept here.
    """

    def __init__(self, exact: ExactLookup, near: NearLookup) -> None:
        self.exact = exact
        self.near = near
        self._fingerprints: dict[str, str] = {}
        self._bands: dict[int, list[Candidate]] = {}

    @classmethod
    def for_repository(cls, repo: Repository) -> Deduplicator:
        def near(key_sets: Sequence[Sequence[int]]) -> list[list[Candidate]]:
            found = repo.near_duplicate_candidates(key_sets)
            return [[Candidate(*row) for row in rows] for rows in found]

        return cls(repo.first_with_fingerprints, near)

    def check(self, url: str, body: str) -> Signature:
        """Sign and link one announcement (a batch of one)."""
        signature = sign(body)
        self.link([(url, body, signature)])
        return signature

    def link(self, batch: Sequence[tuple[str, str, Signature]]) -> None:
        """Set ``duplicate_of`` on each (url, body, signature) of a batch, in order: an
        earlier record of this crawl, or a stored one, with the same or nearly the same text."""
        signed = [entry for entry in batch if entry[2].fingerprint is not None]
        if not signed:
            return
        stored = self.exact(list(dict.fromkeys(str(sig.fingerprint) for _, _, sig in signed)))
        # near candidates for every record the fingerprints leave open, in one lookup
        open_ = [
            i
            for i, (_, _, sig) in enumerate(signed)
            if sig.fingerprint not in stored and sig.fingerprint not in self._fingerprints
        ]
        found = self.near([signed[i][2].bands for i in open_]) if open_ else []
        candidates: dict[int, Sequence[Candidate]] = dict(zip(open_, found, strict=True))
        for i, (url, body, sig) in enumerate(signed):
            digest = str(sig.fingerprint)
            first = self._fingerprints.get(digest) or stored.get(digest)
            if first is None:
                first = self._near_copy(url, body, sig, candidates.get(i, ()))
            if first is not None and first != url:
                sig.duplicate_of = first
            else:
                self._fingerprints[digest] = url
            entry = Candidate(url, body, sig.duplicate_of)
            for key in sig.bands:
                self._bands.setdefault(key, []).append(entry)

    def _near_copy(
        self, url: str, body: str, sig: Signature, stored: Sequence[Candidate]
    ) -> str | None:
        local: dict[str, Candidate] = {}
        for key in sig.bands:
            for entry in self._bands.get(key, ()):
                local.setdefault(entry.url, entry)
        hashes = sig.shingles or None
        for candidate in [*stored, *local.values()][: MAX_CANDIDATES * 2]:
            if candidate.url == url:
                continue
            if same_text(body, candidate.body, hashes):
                logger.debug("%s is a near copy of %s", url, candidate.url)
                return candidate.duplicate_of or candidate.url
        return None
