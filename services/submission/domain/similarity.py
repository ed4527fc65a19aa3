"""Near-duplicate detection to help screeners catch copied initiatives.

Texts are compared on a diacritics-folded form (a copy retyped without accents still matches),
cut into word 3-shingles. Each text gets a 128-value MinHash signature; LSH banding over the
signatures yields candidate pairs cheaply, and candidates are confirmed with the exact Jaccard
similarity of their shingle sets.

Signatures use one-permutation hashing (one CRC-32 per shingle, the hash space cut into 128
bins, empty bins densified by rotation) rather than 128 independent hash functions: each bin
still agrees with probability equal to the Jaccard similarity, but the work per text is one
sort instead of 128 passes, which is what makes pure Python fast enough (about 0.6 ms for a
1,500-word text). CRC-32 is stable across processes and Python versions, so stored
fingerprints stay comparable; folding results are cached per distinct token.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import chain, pairwise, repeat
from typing import NamedTuple

NUM_PERM = 128
SHINGLE_SIZE = 3
DEFAULT_BANDS = 32
DEFAULT_THRESHOLD = 0.6
#: Identifies the fingerprint algorithm; stored fingerprints of another scheme must be recomputed.
SCHEME = "vi-fold/crc32/oph-rotation/v1"

Signature = tuple[int, ...]

_HASH_SPACE = 1 << 32
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…;])\s+|\s*\n\s*")
_U32 = "I" if array("I").itemsize == 4 else "L"
_FOLD_CACHE_LIMIT = 200_000


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """NFC, casefolded, punctuation removed, whitespace collapsed: the accented comparison form."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def fold_diacritics(text: str) -> str:
    """Remove tone and vowel marks and map đ/Đ to d/D ("Bộ phận Một cửa" -> "Bo phan Mot cua").

    Vietnamese typed without accents (old keyboards, phones) must still match the original.
    """
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped)


class _FoldCache(dict[str, tuple[bytes, ...]]):
    """Raw whitespace-separated token -> folded words.

    Vietnamese is written in a few thousand distinct syllables, so almost every token is a
    cache hit and the expensive Unicode work runs once per syllable, not once per word.
    """

    def __missing__(self, raw: str) -> tuple[bytes, ...]:
        if len(self) >= _FOLD_CACHE_LIMIT:
            self.clear()
        value = tuple(w.encode("utf-8") for w in _WORD.findall(fold_diacritics(raw.casefold())))
        self[raw] = value
        return value


_FOLD = _FoldCache()


def _folded_words(text: str) -> list[bytes]:
    return list(chain.from_iterable(map(_FOLD.__getitem__, text.split())))


def folded_tokens(text: str) -> list[str]:
    """Words of the casefolded, diacritics-folded text, punctuation dropped."""
    return [w.decode("utf-8") for w in _folded_words(text)]


# ---------------------------------------------------------------------------------------------
# Shingles and signatures
# ---------------------------------------------------------------------------------------------


def _shingle_hashes(words: list[bytes], n: int) -> list[int]:
    if len(words) < n:
        return [zlib.crc32(b" ".join(words))] if words else []
    columns = [words[i:] for i in range(n)]
    return list(map(zlib.crc32, map(b" ".join, zip(*columns, strict=False))))


def shingles(text: str, n: int = SHINGLE_SIZE) -> frozenset[int]:
    """Hashed word n-shingles of the folded text (a text shorter than n words is one shingle)."""
    return frozenset(_shingle_hashes(_folded_words(text), n))


def jaccard(a: AbstractSet[int], b: AbstractSet[int]) -> float:
    """|A ∩ B| / |A ∪ B|; two empty texts are not considered similar (0.0)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@lru_cache(maxsize=8)
def _bin_bounds(k: int) -> tuple[float, ...]:
    # Lower bound of each of the k equal slices of the 32-bit hash space, plus the end.
    return tuple(float(-(-j * _HASH_SPACE // k)) for j in range(k + 1))


def minhash(hashes: Iterable[int], num_perm: int = NUM_PERM) -> Signature:
    """One-permutation MinHash of 32-bit shingle hashes; () for a text without words.

    Bin j holds the smallest hash falling in the j-th slice of the hash space. An empty bin
    borrows the value of the next non-empty bin to its right (circularly) plus
    distance * 2**32, which keeps P(bins equal) equal to the Jaccard similarity.
    """
    ordered = sorted(map(float, hashes))  # floats sort faster than 32-bit ints and are exact
    if not ordered:
        return ()
    starts = list(map(bisect_left, repeat(ordered), _bin_bounds(num_perm)))
    mins = [int(ordered[lo]) if lo < hi else -1 for lo, hi in pairwise(starts)]
    filled = [j for j, value in enumerate(mins) if value >= 0]
    if len(filled) == num_perm:
        return tuple(mins)
    out = list(mins)
    for j, value in enumerate(mins):
        if value < 0:
            pos = bisect_left(filled, j)
            donor = filled[pos] if pos < len(filled) else filled[0] + num_perm
            out[j] = mins[donor % num_perm] + (donor - j) * _HASH_SPACE
    return tuple(out)


def estimate_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Share of equal signature positions: an unbiased estimate of the Jaccard similarity."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def _pack(hashes: Iterable[int]) -> bytes:
    values = array(_U32, hashes)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def _unpack(blob: bytes) -> array[int]:
    values = array(_U32)
    values.frombytes(blob)
    if sys.byteorder == "big":
        values.byteswap()
    return values


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the index needs about one text; small enough to store next to the entry.

    ``shingles`` packs the 32-bit shingle hashes little-endian (duplicates allowed) so the
    exact Jaccard can be recomputed after a restart without the original text.
    """

    signature: Signature
    shingles: bytes
    num_perm: int = NUM_PERM
    shingle_size: int = SHINGLE_SIZE

    def shingle_set(self) -> frozenset[int]:
        return frozenset(_unpack(self.shingles))


def fingerprint(text: str, *, num_perm: int = NUM_PERM, shingle_size: int = SHINGLE_SIZE) -> Fingerprint:
    """Fingerprint of a text (signature plus shingle hashes)."""
    hashes = _shingle_hashes(_folded_words(text), shingle_size)
    return Fingerprint(minhash(hashes, num_perm), _pack(hashes), num_perm, shingle_size)


def signature_to_list(signature: Sequence[int]) -> list[int]:
    """Plain list of ints (all below 2**40, so they fit a BSON int64)."""
    return [int(v) for v in signature]


def signature_from_list(values: Iterable[object], num_perm: int = NUM_PERM) -> Signature:
    """Rebuild a stored signature, refusing anything that cannot have come from ``minhash``."""
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < num_perm * _HASH_SPACE:
            raise ValueError(f"invalid signature value {v!r}")
        out.append(v)
    if len(out) not in (0, num_perm):
        raise ValueError(f"signature must have {num_perm} values, got {len(out)}")
    return tuple(out)


def fingerprint_to_dict(fp: Fingerprint) -> dict[str, object]:
    """Document-store form of a fingerprint (``shingles`` stays binary)."""
    return {
        "scheme": SCHEME,
        "num_perm": fp.num_perm,
        "shingle_size": fp.shingle_size,
        "signature": signature_to_list(fp.signature),
        "shingles": fp.shingles,
    }


def fingerprint_from_dict(doc: Mapping[str, object]) -> Fingerprint:
    """Inverse of ``fingerprint_to_dict``; a different scheme raises so it gets recomputed."""
    if doc.get("scheme") != SCHEME:
        raise ValueError(f"fingerprint scheme {doc.get('scheme')!r} is not {SCHEME!r}; recompute it")
    num_perm, shingle_size, signature, blob = (
        doc.get(k) for k in ("num_perm", "shingle_size", "signature", "shingles")
    )
    if not isinstance(num_perm, int) or not isinstance(shingle_size, int):
        raise ValueError("num_perm and shingle_size must be integers")
    if not isinstance(signature, list | tuple) or not isinstance(blob, bytes | bytearray | memoryview):
        raise ValueError("signature must be a list and shingles bytes")
    raw = bytes(blob)
    if len(raw) % 4:
        raise ValueError("shingles must be a whole number of 32-bit values")
    return Fingerprint(signature_from_list(signature, num_perm), raw, num_perm, shingle_size)


# ---------------------------------------------------------------------------------------------
# Index
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """Another entry similar to the one asked about; ``score`` is the shingle Jaccard."""

    other_id: str
    other_contest_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Pair:
    """Two similar entries, ``a_id < b_id``; they may belong to different contests."""

    a_id: str
    a_contest_id: str
    b_id: str
    b_contest_id: str
    score: float


@dataclass(slots=True)
class _Entry:
    contest_id: str
    signature: array[int]  # 8 bytes a value instead of ~40 for a tuple of ints
    shingles: bytes | None


class SimilarityIndex:
    """In-memory LSH index over entries of one or more contests.

    With 32 bands of 4 rows, pairs with Jaccard 0.6 become candidates with probability
    ~0.99 (0.5: ~0.87), while pairs below 0.2 rarely do; pick ``bands`` for lower
    thresholds. Entries from earlier contests can be indexed too, so that re-submitting a
    past initiative is caught. Not thread-safe: guard it with a lock if shared.
    """

    def __init__(
        self, *, num_perm: int = NUM_PERM, bands: int = DEFAULT_BANDS, shingle_size: int = SHINGLE_SIZE
    ) -> None:
        if num_perm <= 0 or bands <= 0 or num_perm % bands:
            raise ValueError("num_perm must be a positive multiple of bands")
        if shingle_size <= 0:
            raise ValueError("shingle_size must be positive")
        self.num_perm = num_perm
        self.bands = bands
        self.shingle_size = shingle_size
        self._rows = num_perm // bands
        self._buckets: list[dict[int, list[str]]] = [{} for _ in range(bands)]
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def _band_keys(self, signature: array[int]) -> list[int]:
        if not signature:
            return []
        raw = signature.tobytes()
        width = self._rows * 8
        # Python's bytes hash is per-process, which is fine: buckets are never persisted.
        return [hash(raw[i * width : (i + 1) * width]) for i in range(self.bands)]

    def add(self, entry_id: str, contest_id: str, text: str) -> Fingerprint:
        """Index (or re-index after an edit) a text; returns its fingerprint for storage."""
        fp = fingerprint(text, num_perm=self.num_perm, shingle_size=self.shingle_size)
        self.add_fingerprint(entry_id, contest_id, fp)
        return fp

    def add_fingerprint(self, entry_id: str, contest_id: str, fp: Fingerprint) -> None:
        """Index a stored fingerprint (scores are exact shingle Jaccard)."""
        if fp.num_perm != self.num_perm or fp.shingle_size != self.shingle_size:
            raise ValueError("fingerprint was made with different parameters")
        self._insert(entry_id, contest_id, fp.signature, fp.shingles)

    def add_signature(self, entry_id: str, contest_id: str, signature: Signature) -> None:
        """Index a bare stored signature; scores involving it are MinHash estimates."""
        self._insert(entry_id, contest_id, signature, None)

    def _insert(self, entry_id: str, contest_id: str, signature: Signature, blob: bytes | None) -> None:
        if signature and len(signature) != self.num_perm:
            raise ValueError(f"signature must have {self.num_perm} values")
        self.remove(entry_id)
        packed = array("Q", signature)
        self._entries[entry_id] = _Entry(contest_id, packed, blob)
        for band, key in zip(self._buckets, self._band_keys(packed), strict=False):
            band.setdefault(key, []).append(entry_id)

    def remove(self, entry_id: str) -> None:
        """Forget an entry (e.g. withdrawn); unknown ids are ignored."""
        entry = self._entries.pop(entry_id, None)
        if entry is None:
            return
        for band, key in zip(self._buckets, self._band_keys(entry.signature), strict=False):
            ids = band.get(key)
            if ids is not None:
                ids.remove(entry_id)
                if not ids:
                    del band[key]

    def _score(self, a: str, b: str, cache: dict[str, frozenset[int]]) -> float:
        ea, eb = self._entries[a], self._entries[b]
        if ea.shingles is None or eb.shingles is None:
            return estimate_jaccard(ea.signature, eb.signature)
        sa = cache.get(a)
        if sa is None:
            sa = cache[a] = frozenset(_unpack(ea.shingles))
        sb = cache.get(b)
        if sb is None:
            sb = cache[b] = frozenset(_unpack(eb.shingles))
        return jaccard(sa, sb)

    def matches(self, entry_id: str, threshold: float = DEFAULT_THRESHOLD) -> list[Match]:
        """Entries at least ``threshold`` similar to ``entry_id``, most similar first.

        Raises KeyError for an entry that is not indexed.
        """
        _check_threshold(threshold)
        entry = self._entries[entry_id]
        candidates: set[str] = set()
        for band, key in zip(self._buckets, self._band_keys(entry.signature), strict=False):
            candidates.update(band.get(key, ()))
        candidates.discard(entry_id)
        cache: dict[str, frozenset[int]] = {}
        found = []
        for other in candidates:
            score = self._score(entry_id, other, cache)
            if score >= threshold:
                found.append(Match(other, self._entries[other].contest_id, score))
        found.sort(key=lambda m: (-m.score, m.other_id))
        return found

    def find_pairs(self, threshold: float = DEFAULT_THRESHOLD) -> list[Pair]:
        """All pairs at least ``threshold`` similar, most similar first."""
        _check_threshold(threshold)
        candidates: set[tuple[str, str]] = set()
        for band in self._buckets:
            for ids in band.values():
                if len(ids) < 2:
                    continue
                ordered = sorted(ids)
                for i, a in enumerate(ordered):
                    candidates.update((a, b) for b in ordered[i + 1 :])
        cache: dict[str, frozenset[int]] = {}
        pairs = []
        for a, b in candidates:
            score = self._score(a, b, cache)
            if score >= threshold:
                pairs.append(Pair(a, self._entries[a].contest_id, b, self._entries[b].contest_id, score))
        pairs.sort(key=lambda p: (-p.score, p.a_id, p.b_id))
        return pairs


def _check_threshold(threshold: float) -> None:
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")


# ---------------------------------------------------------------------------------------------
# Side-by-side comparison
# ---------------------------------------------------------------------------------------------


class Segment(NamedTuple):
    """One row of the comparison view; an empty side means "nothing here on that side"."""

    a: str
    b: str
    same: bool


def split_sentences(text: str) -> list[str]:
    """Sentences (or lines) of a text, trimmed, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]


def _sentence_key(sentence: str) -> str:
    return " ".join(folded_tokens(sentence)) or sentence


def side_by_side(text_a: str, text_b: str) -> list[Segment]:
    """Sentence-level alignment of two texts for highlighting shared passages.

    Sentences are compared on the folded form, so accents, case and punctuation do not hide
    a copy. Two-sided rows with ``same=True`` are aligned identical sentences; a one-sided row
    is a sentence present only there at that point, with ``same=True`` if it appears
    elsewhere in the other text (a moved passage). Reading the ``a`` (or ``b``) column
    top to bottom gives back that text's sentences in order.
    """
    sa, sb = split_sentences(text_a), split_sentences(text_b)
    ka, kb = [_sentence_key(s) for s in sa], [_sentence_key(s) for s in sb]
    in_a, in_b = set(ka), set(kb)
    rows: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(Segment(sa[i], sb[j], True) for i, j in zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        i, j = i1, j1
        while i < i2 or j < j2:
            if i < i2 and ka[i] in in_b:
                rows.append(Segment(sa[i], "", True))
                i += 1
            elif j < j2 and kb[j] in in_a:
                rows.append(Segment("", sb[j], True))
                j += 1
            elif i < i2 and j < j2:
                rows.append(Segment(sa[i], sb[j], False))
                i += 1
                j += 1
            elif i < i2:
                rows.append(Segment(sa[i], "", False))
                i += 1
            else:
                rows.append(Segment("", sb[j], False))
                j += 1
    return rows
