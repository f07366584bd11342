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
EMPTY_SIGNATURE = np.uint32(0xFFFFFFFF)
# Tries of an empty bin to borrow from a filled one before it takes the next one to the right.
DENSIFY_ATTEMPTS = 64
# Bits of each shingle hash kept; the other 24 of a packed 64-bit word number the body or the
# pair (16M per batch).
HASH_BITS = 40


@dataclass(frozen=True, slots=True)
class MinHashParams:
    """Shingle size, permutations and banding (bands x rows = permutations)."""

    shingle_words: int = 5
    permutations: int = 111
    bands: int = 37
    rows: int = 3
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
    """uint64 values below 2^HASH_BITS, sorted and unique within each body."""

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
    packed = np.sort((owner << np.uint64(HASH_BITS)) | (hashes >> np.uint64(64 - HASH_BITS)))
    if len(packed):
        packed = packed[np.r_[True, packed[1:] != packed[:-1]]]
    owner = (packed >> np.uint64(HASH_BITS)).astype(np.int64)
    hashes = packed & np.uint64((1 << HASH_BITS) - 1)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n))]).astype(np.int64)
    return Shingles(offsets, hashes)


def signatures(shingles: Shingles, params: MinHashParams) -> np.ndarray:
    """MinHash signature of each body: ``(documents, permutations)`` uint32.

    One permutation hashing: each shingle's mixed hash picks one of the ``permutations`` bins and
    the bin keeps the smallest value, so one pass over the shingles fills every row (instead of
    one pass per permutation). Empty bins of short bodies borrow from the next filled bin to the
    right, circularly, offset by the distance (rotation densification), which keeps agreement of
    two signatures an estimate of the bodies' Jaccard similarity. Bodies without shingles get
    all-ones signatures (they match nothing but each other, and are never verified as copies).
    """
    n = len(shingles.offsets) - 1
    width = params.permutations
    out = np.full((n, width), EMPTY_SIGNATURE, dtype=np.uint32)
    if len(shingles.hashes) == 0:
        return out
    seed = np.uint64(params.seed) * np.uint64(0x9E3779B97F4A7C15)
    mixed = _mix(shingles.hashes ^ seed)
    owner = np.repeat(np.arange(n, dtype=np.uint64), shingles.sizes())
    slot = owner * np.uint64(width) + (mixed >> np.uint64(32)) % np.uint64(width)
    value = (mixed & np.uint64(0xFFFFFFFF)) >> np.uint64(1)  # 31 bits: room for the offsets
    # One sort of (slot, value): the first of each slot is its minimum.
    packed = np.sort((slot << np.uint64(32)) | value)
    slots = packed >> np.uint64(32)
    first = np.r_[True, slots[1:] != slots[:-1]]
    flat = out.reshape(-1)
    flat[slots[first].astype(np.int64)] = (packed[first] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    empty = out == EMPTY_SIGNATURE
    filled_rows = np.flatnonzero(shingles.sizes() > 0)
    if empty[filled_rows].any():
        out[filled_rows] = _densify(out[filled_rows], empty[filled_rows])
    return out


def _densify(rows: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """Fill each empty bin from a filled bin chosen by a fixed random sequence of its own.

    Optimal densification (Shrivastava, 2017): empty bin j tries bins h(j, 1), h(j, 2), ... and
    takes the value of the first filled one. Every body uses the same sequences, so agreement
    stays an estimate of Jaccard, and different empty bins borrow from different bins, so the
    rows of a band stay independent even for a short body. A bin still empty after
    DENSIFY_ATTEMPTS tries takes the next filled bin to the right.
    """
    width = rows.shape[1]
    out = rows.copy()
    todo = empty.copy()
    sequence = _mix(np.arange(DENSIFY_ATTEMPTS * width, dtype=np.uint64)).reshape(
        DENSIFY_ATTEMPTS, width
    ) % np.uint64(width)
    for attempt in range(DENSIFY_ATTEMPTS):
        if not todo.any():
            break
        source = np.broadcast_to(sequence[attempt].astype(np.int64), rows.shape)
        hit = todo & ~np.take_along_axis(empty, source, axis=1)
        out[hit] = np.take_along_axis(rows, source, axis=1)[hit]
        todo &= ~hit
    if todo.any():
        positions = np.arange(2 * width)
        candidates = np.where(np.concatenate([empty, empty], axis=1), 4 * width, positions)
        nearest = np.minimum.accumulate(candidates[:, ::-1], axis=1)[:, ::-1][:, :width]
        out[todo] = np.take_along_axis(rows, nearest % width, axis=1)[todo]
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
    ).astype(np.uint64)
    values = np.concatenate(
        [_gather(shingles, left, left_sizes), _gather(shingles, right, right_sizes)]
    )
    # Pair number and hash in one 64-bit word: one sort, and a value in both sets shows twice.
    packed = np.sort((pair << np.uint64(HASH_BITS)) | values)
    both = packed[1:] == packed[:-1]
    common = np.bincount(
        (packed[1:][both] >> np.uint64(HASH_BITS)).astype(np.int64), minlength=len(left)
    ).astype(np.float64)
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
