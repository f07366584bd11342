"""Word shingles, MinHash signatures, LSH band keys and exact similarity, vectorised in numpy.

A body becomes the set of hashes of its word k-shingles (lower case, words are runs of letters and
digits, so typographic quotes, dashes and spacing do not matter). MinHash keeps, per permutation,
the smallest permuted hash: two bodies agree on a permutation with probability equal to their
Jaccard similarity. LSH cuts the signature into bands of rows; bodies that agree on a whole band
are candidate pairs, then verified on their exact shingle sets.

Nothing loops over documents or tokens in Python: tokens come from Arrow's regex split, words are
hashed once per distinct word, and shingles, permutations and minimums are numpy array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

NON_WORD = r"[^\p{L}\p{N}]+"
# Multiplier of the polynomial that folds the words of a shingle (a large odd 64-bit constant).
FOLD = np.uint64(0x100000001B3)
# Permutations are processed this many at a time: memory is shingles x chunk x 8 bytes.
PERMUTATION_CHUNK = 8
EMPTY_SIGNATURE = np.uint32(0xFFFFFFFF)
# Bits of each shingle hash kept; the other 24 of a packed 64-bit word number the body (16M).
HASH_BITS = 40


@dataclass(frozen=True, slots=True)
class MinHashParams:
    """Shingle size, permutations and banding (bands x rows = permutations)."""

    shingle_words: int = 5
    permutations: int = 112
    bands: int = 28
    rows: int = 4
    seed: int = 1

    def __post_init__(self) -> None:
        if self.bands * self.rows != self.permutations:
            raise ValueError(
                f"bands x rows must equal permutations: {self.bands} x {self.rows} "
                f"!= {self.permutations}"
            )
        if self.shingle_words < 1:
            raise ValueError("shingle_words must be at least 1")


@dataclass(frozen=True, slots=True)
class Shingles:
    """The shingle sets of a batch of bodies, concatenated."""

    offsets: np.ndarray
    """int64, one more than documents: body i's shingles are hashes[offsets[i]:offsets[i+1]]."""
    hashes: np.ndarray
    """uint64, unique within each body."""

    def sizes(self) -> np.ndarray:
        """Number of shingles of each body."""
        return np.diff(self.offsets)


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of 64-bit values, with wrap-around arithmetic."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _words(bodies: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every word of every body, and the body each word belongs to."""
    split = pc.split_pattern_regex(pc.utf8_lower(pc.fill_null(bodies, "")), NON_WORD)
    if isinstance(split, pa.ChunkedArray):
        split = split.combine_chunks()
    flat = pc.list_flatten(split)
    parents = pc.list_parent_indices(split)
    filled = pc.greater(pc.utf8_length(flat), 0)
    flat, parents = flat.filter(filled), parents.filter(filled)
    encoded = pc.dictionary_encode(flat)
    vocabulary = np.fromiter(
        (xxhash.xxh3_64_intdigest(w.encode()) for w in encoded.dictionary.to_pylist()),
        dtype=np.uint64,
        count=len(encoded.dictionary),
    )
    return vocabulary[encoded.indices.to_numpy()], parents.to_numpy().astype(np.int64)


def shingle(bodies: pa.Array, shingle_words: int) -> Shingles:
    """The set of word ``shingle_words``-shingle hashes of each body.

    A body with fewer words than that has one shingle of all its words; an empty body has none.
    """
    n = len(bodies)
    word_hash, document = _words(bodies)
    counts = np.bincount(document, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    k = shingle_words
    # Full windows: word i starts one when word i + k - 1 is of the same body.
    last = np.arange(len(word_hash)) + k - 1
    full = last < len(word_hash)
    full[full] = document[last[full]] == document[full]
    at = np.flatnonzero(full)
    with np.errstate(over="ignore"):
        folded = np.zeros(len(at), dtype=np.uint64)
        for j in range(k):
            folded = folded * FOLD + word_hash[at + j]
        # Bodies shorter than k words: one shingle of all their words.
        short = (counts > 0) & (counts < k)
        short_words = np.flatnonzero(short[document])
        position = short_words - starts[document[short_words]]
        power = (counts[document[short_words]] - 1 - position).astype(np.int64)
        powers = np.ones(k, dtype=np.uint64)
        for j in range(1, k):
            powers[j] = powers[j - 1] * FOLD
        terms = word_hash[short_words] * powers[power]
    short_docs = np.flatnonzero(short)
    short_hash = np.empty(0, np.uint64)
    if len(short_docs):
        # reduceat over the short bodies' words only: their terms start at these offsets.
        term_starts = np.concatenate([[0], np.cumsum(counts[short_docs])[:-1]])
        with np.errstate(over="ignore"):
            short_hash = np.add.reduceat(terms, term_starts)
    hashes = _mix(np.concatenate([folded, short_hash]))
    owner = np.concatenate([document[at], short_docs]).astype(np.uint64)
    # One sort of (body, hash) packed in 64 bits groups and deduplicates every body's shingles;
    # the hash keeps HASH_BITS bits, plenty for sets of thousands (collisions ~ 2^-40 a pair).
    packed = np.unique((owner << np.uint64(HASH_BITS)) | (hashes >> np.uint64(64 - HASH_BITS)))
    owner = (packed >> np.uint64(HASH_BITS)).astype(np.int64)
    hashes = _mix(packed & np.uint64((1 << HASH_BITS) - 1))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n))]).astype(np.int64)
    return Shingles(offsets, hashes)


def _permutations(params: MinHashParams) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.Generator(np.random.PCG64(params.seed))
    a = rng.integers(1, 2**63, size=params.permutations, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=params.permutations, dtype=np.uint64)
    return a, b


def signatures(shingles: Shingles, params: MinHashParams) -> np.ndarray:
    """MinHash signature of each body: ``(documents, permutations)`` uint32.

    Permutation p maps a shingle hash h to the top 32 bits of a_p * h + b_p (mod 2^64), a
    multiply-shift hash; the signature keeps the minimum over the body's shingles. Bodies without
    shingles get all-ones signatures (they match nothing but each other, and are never verified
    as copies).
    """
    n = len(shingles.offsets) - 1
    out = np.full((n, params.permutations), EMPTY_SIGNATURE, dtype=np.uint32)
    filled = np.flatnonzero(shingles.sizes() > 0)
    if len(filled) == 0:
        return out
    a, b = _permutations(params)
    starts = shingles.offsets[:-1][filled]
    h = shingles.hashes[:, None]
    for first in range(0, params.permutations, PERMUTATION_CHUNK):
        chunk = slice(first, min(first + PERMUTATION_CHUNK, params.permutations))
        with np.errstate(over="ignore"):
            permuted = ((h * a[chunk] + b[chunk]) >> np.uint64(32)).astype(np.uint32)
        out[filled, chunk] = np.minimum.reduceat(permuted, starts, axis=0)
    return out


def band_keys(sigs: np.ndarray, params: MinHashParams) -> np.ndarray:
    """One uint64 key per band of each signature: ``(documents, bands)``.

    The band index is mixed in, so equal rows in different bands give different keys.
    """
    n = sigs.shape[0]
    rows = sigs.reshape(n, params.bands, params.rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = np.broadcast_to(_mix(np.arange(params.bands, dtype=np.uint64)), (n, params.bands))
        key = key.copy()
        for j in range(params.rows):
            key = _mix(key * FOLD + rows[:, :, j])
    return key


def similarity(
    shingles: Shingles, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard and containment (intersection over the smaller set) of pairs of bodies.

    Both sets of every pair are laid out tagged with the pair's number and sorted: an element in
    both sets shows up twice in a row. Empty bodies have similarity 0 to everything.
    """
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    sizes = shingles.sizes()
    left_sizes, right_sizes = sizes[left], sizes[right]
    pair = np.concatenate(
        [np.repeat(np.arange(len(left)), left_sizes), np.repeat(np.arange(len(right)), right_sizes)]
    )
    values = np.concatenate(
        [_gather(shingles, left, left_sizes), _gather(shingles, right, right_sizes)]
    )
    order = np.lexsort((values, pair))
    pair, values = pair[order], values[order]
    both = (pair[1:] == pair[:-1]) & (values[1:] == values[:-1])
    common = np.bincount(pair[1:][both], minlength=len(left)).astype(np.float64)
    union = left_sizes + right_sizes - common
    smaller = np.minimum(left_sizes, right_sizes)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, common / np.maximum(union, 1), 0.0)
        containment = np.where(smaller > 0, common / np.maximum(smaller, 1), 0.0)
    return jaccard.astype(np.float32), containment.astype(np.float32)


def _gather(shingles: Shingles, docs: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The shingle hashes of ``docs``, one after the other."""
    starts = shingles.offsets[:-1][docs]
    total = int(sizes.sum())
    if total == 0:
        return np.empty(0, np.uint64)
    position = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return shingles.hashes[np.repeat(starts, sizes) + position]
