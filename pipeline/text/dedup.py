"""Exact and near-duplicate articles (syndicated copies with small edits).

Near-duplicates are found with MinHash signatures over word 5-shingles and LSH banding, so only
articles that share a band are compared (no all-pairs loop); candidate pairs are then confirmed on
the exact shingle sets: Jaccard >= `NEAR_DUP_JACCARD`, or the shorter text nearly contained in the
longer one (a copy that dropped or added a paragraph or a footer). Signatures are stored with the
clean articles (`clean.articles.minhash`): an incremental run indexes the originals from them and
reads an original's text only when a new article shares an LSH bucket with it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections import defaultdict
from typing import Hashable, Sequence

import numpy as np

SHINGLE = 5
NUM_PERM = 128
BANDS = 32  # 32 bands x 4 rows: pairs with Jaccard >= ~0.5 collide with probability > 0.86
NEAR_DUP_JACCARD = 0.5
NEAR_DUP_CONTAINMENT = 0.85
MIN_SHINGLES_FOR_CONTAINMENT = 40
_rng = np.random.default_rng(20241205)  # fixed: signatures must be identical across runs
# Multiply-shift hashing: (a*x + b) mod 2^64 with an odd 64-bit a, keeping the high 32 bits.
# ((a*x + b) mod (2^61 - 1) with a < 2^31 wrapped at most four times, so it was nearly monotone
# in x, the 128 "permutations" agreed with each other, and signatures misjudged Jaccard by
# up to 0.6 (0.3 read as 0.88), which hid near-duplicates from the LSH bands.)
_A = _rng.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)
_SHIFT = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_SHINGLE_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so the polynomial keeps every word's bits


def normalise_for_dedup(text: str) -> list[str]:
    """Casefolded word tokens: punctuation, quotes style, spacing and line breaks don't matter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"[^\W_]+", text)


def _shingles(tokens: list[str]) -> np.ndarray:
    """The distinct word k-shingles as sorted 32-bit hashes (uint64 for the signature's arithmetic)."""
    k = min(SHINGLE, len(tokens))
    n = len(tokens) - k + 1
    # crc32 per word rather than hash(): stable across processes, so repeated runs bucket
    # identically; the k words' hashes are combined per shingle by a polynomial hash mod 2^64,
    # folded to 32 bits (the signature's multiply-shift hash is universal for 32-bit keys)
    words = np.fromiter(map(zlib.crc32, map(str.encode, tokens)), dtype=np.uint64, count=len(tokens))
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _SHINGLE_BASE + words[j : j + n]
    return np.unique((h >> _SHIFT) ^ (h & _LOW32))


def _signature(shingles: np.ndarray) -> np.ndarray:
    """128 minimum hashes (uint32: the multiply-shift hash keeps the high 32 bits)."""
    with np.errstate(over="ignore"):  # wrapping mod 2^64 is the hash
        hashed = (np.outer(_A, shingles) + _B[:, None]) >> _SHIFT
    return hashed.min(axis=1).astype(np.uint32)


def _overlaps(shingles: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """How many shingles `shingles` shares with each of `others` (all sorted and distinct), in
    one pass over the candidates instead of one set intersection each."""
    pooled = np.concatenate(others)
    at = np.minimum(np.searchsorted(shingles, pooled), len(shingles) - 1)
    owner = np.repeat(np.arange(len(others)), [len(o) for o in others])
    return np.bincount(owner, weights=shingles[at] == pooled, minlength=len(others)).astype(np.int64)


def _settled_prefix(ordered: list[tuple[str, str, Hashable]], known: dict[str, tuple]) -> int:
    """How many leading articles keep the verdict of the previous run (`known`: article_id ->
    (body_text, duplicate_of[, minhash])). An article's verdict depends only on the articles
    before it, so while they are the previous run's, unchanged, it stands; any previous article
    changed or gone could have been someone's original, and then nothing is reused."""
    current = {article_id: text for article_id, text, _ in ordered}
    if any(current.get(article_id) != stored[0] for article_id, stored in known.items()):
        return 0
    n = 0
    while n < len(ordered) and ordered[n][0] in known:
        n += 1
    return n


def find_duplicates(
    items: Sequence[tuple[str, str, Hashable]],
    known: dict[str, tuple] | None = None,
    signatures: dict[str, bytes] | None = None,
) -> dict[str, str]:
    """Map article_id -> article_id of the first copy (by order_key) for every duplicate.

    `items` are (article_id, body_text, order_key). Articles that are not duplicates are absent
    from the result. `duplicate_of` always points to an article that is itself not a duplicate.

    `known` is the previous run's verdicts, article_id -> (body_text, duplicate_of[, minhash]).
    For the articles that come first and are unchanged (new ones are ingested later, so usually
    all the old ones) no pair is compared again, and an original with its stored MinHash
    signature is indexed from it: its text is read only if a new article lands in one of its
    LSH buckets. A one-article update thus neither compares thousands of pairs nor re-shingles
    every original. `signatures`, when given, receives the signature (bytes) of every article
    whose signature this call computed, for the caller to store.
    """
    ordered = sorted(items, key=lambda it: (it[2], it[0]))
    known = known or {}
    settled = _settled_prefix(ordered, known)
    # `known` comes from these same rules: the clean key includes the dedup module's code
    # (versioning.cleaning_version), so a changed rule clears it
    if settled == len(ordered):  # nothing new: no article needs the others' shingles
        return {aid: known[aid][1] for aid, _, _ in ordered if known[aid][1] not in (None, aid)}
    result: dict[str, str] = {}
    text_of = {article_id: text for article_id, text, _ in ordered}
    shingles: dict[str, np.ndarray] = {}
    minhash: dict[str, bytes] = {}
    exact_keys: dict[str, str] = {}
    buckets: dict[tuple[int, bytes], list[str]] = defaultdict(list)
    rows = NUM_PERM // BANDS
    position = {it[0]: i for i, it in enumerate(ordered)}

    def shingles_of(article_id: str) -> np.ndarray:
        if article_id not in shingles:
            shingles[article_id] = _shingles(normalise_for_dedup(text_of[article_id] or ""))
        return shingles[article_id]

    def exact_key(article_id: str) -> str:
        if article_id not in exact_keys:
            tokens = normalise_for_dedup(text_of[article_id] or "")
            exact_keys[article_id] = hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()
        return exact_keys[article_id]

    def index(article_id: str, sig: bytes) -> None:
        minhash[article_id] = sig
        for b in range(BANDS):
            buckets[(b, sig[b * rows * 4 : (b + 1) * rows * 4])].append(article_id)

    for i, (article_id, text, _) in enumerate(ordered):
        if i < settled:
            _, duplicate_of, *stored = known[article_id]
            if duplicate_of not in (None, article_id):
                result[article_id] = duplicate_of
                continue
            if stored and stored[0]:
                index(article_id, bytes(stored[0]))
                continue
        tokens = normalise_for_dedup(text or "")
        if not tokens:
            continue
        sh = _shingles(tokens)
        sig = _signature(sh).tobytes()
        if signatures is not None:
            signatures[article_id] = sig
        if i < settled:  # an original from before signatures were stored
            shingles[article_id] = sh
            index(article_id, sig)
            continue
        candidates = list(dict.fromkeys(
            other for b in range(BANDS) for other in buckets.get((b, sig[b * rows * 4 : (b + 1) * rows * 4]), ())
        ))
        best = None
        # an exact copy (the same words) has the same signature, so it is among the candidates
        same_signature = [other for other in candidates if minhash[other] == sig]
        if same_signature:
            exact_keys[article_id] = hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()
            best = next((o for o in same_signature if exact_key(o) == exact_keys[article_id]), None)
        if best is None and candidates:
            # earliest first: the first match is the one a copy points to
            candidates.sort(key=position.__getitem__)
            others = [shingles_of(other) for other in candidates]
            inter = _overlaps(sh, others)
            sizes = np.array([len(o) for o in others])
            small = np.minimum(sizes, len(sh))
            matches = (inter / (len(sh) + sizes - inter) >= NEAR_DUP_JACCARD) | (
                (small >= MIN_SHINGLES_FOR_CONTAINMENT) & (inter / small >= NEAR_DUP_CONTAINMENT)
            )
            if matches.any():
                best = candidates[int(matches.argmax())]
        if best is not None:
            result[article_id] = best
            continue
        shingles[article_id] = sh
        index(article_id, sig)
    return result
