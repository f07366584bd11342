"""Near-duplicate clusters from verified similar pairs: stars around canonical members.

Union-find over similar pairs chains: A~B and B~C glue A and C into one cluster even when A and C
are different stories that share a passage with B. Here a cluster is a star instead. Documents are
visited best first (the canonical order of :mod:`transforms.dedup`: earliest date, fullest body,
smallest id); a document joins the cluster of the best canonical it is verified similar to, or
becomes the canonical of a new cluster. Every member is similar to its canonical, so no chain of
pairwise-similar documents can carry a cluster away from its story.

The result depends only on the documents and their pairs, not on input order, shard size or
worker count: the canonical order is a total order, and the pairs are a set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.dedup import (
    SHORT_BODY_WORDS,
    canonical_order,
    cluster_id_for,
    contiguous,
    word_counts,
)
from transforms.minhash import (
    HASH_BITS,
    MinHashParams,
    Shingles,
    band_keys,
    lower_utf8,
    shingle,
    signatures,
    similarity,
)


@dataclass(frozen=True, slots=True)
class StarClusters:
    """Cluster of every document, as the index of its canonical member."""

    canonical: np.ndarray
    """For each document, the index of its cluster's canonical member (itself if canonical)."""

    @property
    def is_canonical(self) -> np.ndarray:
        """True for the canonical member of each cluster."""
        return self.canonical == np.arange(len(self.canonical))

    @property
    def sizes(self) -> np.ndarray:
        """Members of each document's cluster."""
        return np.bincount(self.canonical, minlength=len(self.canonical))[self.canonical]


def candidate_pairs(band_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of documents that share a band key (LSH candidates), each pair once, left < right.

    In memory, for a shard or a test; the warehouse groups band keys with DuckDB at scale.

    Args:
        band_keys: ``(documents, bands)`` uint64 keys; a band index is mixed into each key.
    """
    n, bands = band_keys.shape
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    keys = band_keys.reshape(-1)
    docs = np.repeat(np.arange(n, dtype=np.int64), bands)
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
        members = docs[start : start + size]
        i, j = np.triu_indices(size, k=1)
        left.append(members[i])
        right.append(members[j])
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pairs = np.unique(np.stack([np.concatenate(left), np.concatenate(right)], axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def star_clusters(n: int, left: np.ndarray, right: np.ndarray, order: np.ndarray) -> StarClusters:
    """Cluster ``n`` documents from their verified similar pairs, guarded against chaining.

    Args:
        n: Number of documents.
        left: Indices of one side of the verified similar pairs.
        right: The other side (pairs in either order; repeats allowed).
        order: Document indices best first (the canonical order); a permutation of ``range(n)``.

    Returns:
        Each document's canonical member.
    """
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    canonical = np.arange(n, dtype=np.int64)
    if len(left) == 0:
        return StarClusters(canonical)
    # Adjacency of each document to the better-ranked documents it is similar to.
    a = np.concatenate([left, right]).astype(np.int64)
    b = np.concatenate([right, left]).astype(np.int64)
    better = rank[b] < rank[a]
    a, b = a[better], b[better]
    by_doc = np.lexsort((rank[b], a))
    a, b = a[by_doc], b[by_doc]
    starts = np.searchsorted(a, np.arange(n + 1))
    is_canonical = np.ones(n, dtype=bool)
    # Visit documents best first: those with better neighbours pick the best neighbour that is a
    # canonical; the others stay canonical of their own cluster.
    for doc in order[np.isin(order, a)]:
        neighbours = b[starts[doc] : starts[doc + 1]]  # best first
        heads = neighbours[is_canonical[neighbours]]
        if len(heads):
            canonical[doc] = heads[0]
            is_canonical[doc] = False
    return StarClusters(canonical)


# Candidate pairs whose signatures are compared at once (rows x permutations bytes each).
ESTIMATE_CHUNK = 100_000


@dataclass(frozen=True, slots=True)
class NearDupParams:
    """When two bodies are copies of one story, and how candidates are found (LSH banding).

    Defaults measured on the generator's syndication labels (BENCHMARKS.md): a copy either shares
    most of its shingles with the other (Jaccard), or is mostly contained in it (a partial
    reprint, a trimmed tail) while still sharing a fair part of the longer text.
    """

    minhash: MinHashParams = field(default_factory=MinHashParams)
    min_jaccard: float = 0.5
    """Bodies this similar are copies."""
    min_containment: float = 0.8
    """A body this much contained in another is a copy of it..."""
    min_jaccard_contained: float = 0.2
    """...if the two also share this much (a shared background paragraph or quote does not)..."""
    min_contained_shingles: int = 25
    """...and the shorter body has this many shingles: a short notice is wholly contained in
    another of the same template (Reuters: `Qtly div five cts vs five cts prior / Pay July One /
    Record June 17` of two companies), which says nothing about them being one story."""
    min_words: int = SHORT_BODY_WORDS
    """Bodies of fewer words are never near copies (nor exact ones under another headline:
    :data:`transforms.dedup.SHORT_BODY_WORDS`)."""
    min_number_mismatch: float = 0.25
    """Copies by the rules above are reports of one template, not one story, when at least this
    share of the numbers stated by the body stating fewer is not stated by the other
    (:func:`number_tokens`; Reuters: `FED ADDS RESERVES VIA CUSTOMER REPURCHASES`, the same 46
    words every few days with another amount and rate)..."""
    min_number_gap: float = 0.05
    """...and masking every number raises their containment by at least this much: at least
    this share of the shorter body's shingles agree only once the figures are masked, so the
    numbers are a real part of what the bodies say. A correction of one figure of a results
    table, or a long story with one figure changed, stays a copy."""
    estimate_margin: float = 0.1
    """Candidates whose estimated similarity falls this far short of a threshold (2.5 standard
    errors of the estimate) are not measured on their text."""
    max_bucket_bodies: int = 100
    """An LSH bucket shared by more distinct bodies than this is stock text (a phrase used by
    every few articles fills the band's rows), not evidence of copies, and yields no candidates.
    Without the cap, candidates grow with the square of the corpus; a story needs this many
    distinct versions sharing every one of its buckets before its copies are missed."""

    def __post_init__(self) -> None:
        if self.max_bucket_bodies < 2:
            raise ValueError("max_bucket_bodies must be at least 2")


@dataclass(frozen=True, slots=True)
class Sketches:
    """What later runs need to find copies of a batch's distinct bodies without their text."""

    bands: pa.Table
    """``body_key``, ``band`` (int16), ``band_key`` (uint64): LSH band keys."""
    signatures: pa.Table
    """``body_key``, ``shingles`` (int32) and ``signature`` (binary: uint32 rows, little-endian)."""


def sketch_bodies(content_hash: pa.Array, bodies: pa.Array, params: NearDupParams) -> Sketches:
    """Band keys and MinHash signatures of the distinct bodies of a batch of documents."""
    hashes = contiguous(content_hash)
    _, first = np.unique(hashes.to_numpy(zero_copy_only=False), return_index=True)
    take = pa.array(first, pa.int64())
    keys = body_keys(hashes.take(take)) if len(first) else np.empty(0, np.uint64)
    shingles = shingle(contiguous(bodies).take(take), params.minhash.shingle_words)
    sigs = signatures(shingles, params.minhash)
    bands = params.minhash.bands
    rows = band_keys(sigs, params.minhash) if len(first) else np.empty((0, bands), np.uint64)
    width = 4 * params.minhash.permutations
    packed = np.ascontiguousarray(sigs.astype("<u4")).view(np.uint8).reshape(-1)
    return Sketches(
        bands=pa.table(
            {
                "body_key": pa.array(np.repeat(keys, bands), pa.uint64()),
                "band": pa.array(np.tile(np.arange(bands, dtype=np.int16), len(first))),
                "band_key": pa.array(rows.reshape(-1), pa.uint64()),
            }
        ),
        signatures=pa.table(
            {
                "body_key": pa.array(keys, pa.uint64()),
                "shingles": pa.array(shingles.sizes().astype(np.int32)),
                "signature": pa.Array.from_buffers(
                    pa.binary(),
                    len(first),
                    [
                        None,
                        pa.py_buffer(np.arange(len(first) + 1, dtype=np.int32) * width),
                        pa.py_buffer(packed),
                    ],
                ),
            }
        ),
    )


def unpack_signatures(column: pa.Array, permutations: int) -> np.ndarray:
    """Signatures stored by :func:`sketch_bodies` as a ``(bodies, permutations)`` uint32 array."""
    values = contiguous(column)
    if len(values) == 0:
        return np.empty((0, permutations), np.uint32)
    data = np.frombuffer(values.buffers()[2], dtype="<u4")
    start = values.offset * permutations
    return data[start : start + len(values) * permutations].reshape(-1, permutations)


def signature_bytes(sigs: np.ndarray) -> np.ndarray:
    """The low byte of each signature row: a quarter of the memory, enough for estimates."""
    return (sigs & np.uint32(0xFF)).astype(np.uint8)


def plausible_pairs(
    sigs: np.ndarray,
    sizes: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    params: NearDupParams,
) -> np.ndarray:
    """Indices of the pairs that may be copies, judged on their signatures and shingle counts.

    Signature agreement estimates Jaccard J (standard error about 0.04 at 111 rows), and with
    the two shingle counts it estimates containment, J (|A| + |B|) / ((1 + J) min(|A|, |B|)).
    ``sigs`` may hold only the low byte of each row (:func:`signature_bytes`): rows then agree
    by chance one time in 256, which raises the estimate by at most 0.004, keeping more pairs.
    A pair is kept when either estimate is within ``estimate_margin`` of its copy threshold;
    only those are measured on their text. Computed in chunks of pairs to bound memory.
    """
    margin = params.estimate_margin
    keep: list[np.ndarray] = []
    for start in range(0, len(left), ESTIMATE_CHUNK):
        a, b = left[start : start + ESTIMATE_CHUNK], right[start : start + ESTIMATE_CHUNK]
        jaccard = (sigs[a] == sigs[b]).mean(axis=1)
        small = np.maximum(np.minimum(sizes[a], sizes[b]), 1)
        containment = jaccard * (sizes[a] + sizes[b]) / ((1 + jaccard) * small)
        maybe = (jaccard >= params.min_jaccard - margin) | (
            (containment >= params.min_containment - 1.5 * margin)
            & (jaccard >= params.min_jaccard_contained - margin)
            & (small >= params.min_contained_shingles)
        )
        keep.append(start + np.flatnonzero(maybe))
    return np.concatenate(keep) if keep else np.empty(0, np.int64)


def verify_pairs(
    bodies: pa.Array, left: np.ndarray, right: np.ndarray, params: NearDupParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact similarity of pairs of bodies, and which pairs are copies.

    Each body is shingled once however many pairs it is in. The callers measure only the pairs
    their signatures call plausible (:func:`plausible_pairs`).

    Args:
        bodies: The distinct bodies the pairs name.
        left: Index in ``bodies`` of one side of each pair.
        right: Index of the other side.
        params: Thresholds and MinHash settings.

    Returns:
        ``(jaccard, containment, is_copy)`` aligned with the pairs.
    """
    if len(left) == 0:
        empty = np.zeros(0, dtype=np.float32)
        return empty, empty, np.zeros(0, dtype=bool)
    texts = contiguous(bodies)
    shingles = shingle(texts, params.minhash.shingle_words)
    jaccard, containment = similarity(shingles, left, right)
    sizes = shingles.sizes()
    words = word_counts(pc.fill_null(texts, "")).to_numpy()
    is_copy = (
        (jaccard >= params.min_jaccard)
        | (
            (containment >= params.min_containment)
            & (jaccard >= params.min_jaccard_contained)
            & (np.minimum(sizes[left], sizes[right]) >= params.min_contained_shingles)
        )
    ) & (np.minimum(words[left], words[right]) >= params.min_words)
    copies = np.flatnonzero(is_copy)
    figures_disagree = templated(texts, left[copies], right[copies], containment[copies], params)
    is_copy[copies[figures_disagree]] = False
    return jaccard.astype(np.float32), containment.astype(np.float32), is_copy


# Number words and the digits they are written as: `ten years` in one copy is `10 years` in
# another. Magnitudes (million, billion) are words, the same in both.
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
NUMBER_WORDS: dict[str, str] = (
    {word: str(value) for value, word in enumerate(_UNITS)}
    | {word: str(10 * tens) for tens, word in enumerate(_TENS, start=2)}
    | {"hundred": "100"}
)
# A number as written in figures: 6, 1,914,388, 58.7, 6-3/16 (a fraction of a per cent), 1/2.
NUMBER_FIGURES = r"[0-9]+(?:[.,/-][0-9]+)*"
# Bits of a number element (:func:`number_tokens`) that count its repeats in a body.
REPEAT_BITS = 12
_NUMBER_WORD_PATTERN = r"\b(?:" + "|".join(NUMBER_WORDS) + r")\b"


def number_tokens(bodies: pa.Array) -> Shingles:
    """The numbers each body states, as a set per body that counts repeats (a multiset).

    A number is a figure (:data:`NUMBER_FIGURES`, thousands commas and trailing decimal zeros
    dropped: `4,200` is `4200`, `1.0` is `1`, `0.50` is `0.5`) or a number word written as its
    figure (:data:`NUMBER_WORDS`). Each element is the number's index in this batch's
    vocabulary and its occurrence (first, second...), so :func:`transforms.minhash.similarity`
    over two bodies' numbers counts the numbers they share, repeats included.

    Found with numpy over the lower-cased bytes: runs of digits (with `.,/-` between two
    digits) and runs of ASCII letters that are number words. (Arrow's regex split of every body
    into words cost more than shingling it.)
    """
    n = len(bodies)
    data, offsets, buffer = lower_utf8(bodies)
    digit = data - np.uint8(ord("0")) < 10
    joins = np.isin(data, np.frombuffer(b".,/-", np.uint8))
    joins[1:-1] &= digit[:-2] & digit[2:]
    # A body's first or last byte is between two digits of other bodies, not of its own.
    ends = np.r_[offsets[:-1], offsets[1:] - 1]
    joins[ends[(ends >= 0) & (ends < len(joins))]] = False
    letter = data - np.uint8(ord("a")) < 26
    figure_starts, figure_ends = _runs(digit | joins, offsets)
    # Digits glued to letters are part of a word: 1st, 3rd, G7, F-16's 16 stays a figure.
    # (A body's first or last byte touches no other of its bytes.)
    glued = letter[np.maximum(figure_starts - 1, 0)] & ~np.isin(figure_starts, offsets)
    glued |= letter[np.minimum(figure_ends, len(data) - 1)] & ~np.isin(figure_ends, offsets)
    figure_starts, figure_ends = figure_starts[~glued], figure_ends[~glued]
    word_starts, word_ends = _runs(letter, offsets)
    length = word_ends - word_starts
    short = (length >= 3) & (length <= 9)  # the length of a number word: one ... seventeen
    word_starts, word_ends = word_starts[short], word_ends[short]
    spelled = pc.index_in(_texts(word_starts, word_ends, buffer), pa.array(list(NUMBER_WORDS)))
    named = pc.is_valid(spelled).to_numpy(zero_copy_only=False)
    values = pa.chunked_array(
        [
            _plain_figures(_texts(figure_starts, figure_ends, buffer)),
            pc.take(pa.array(list(NUMBER_WORDS.values())), spelled.filter(pa.array(named))),
        ],
        pa.string(),
    ).combine_chunks()
    starts = np.concatenate([figure_starts, word_starts[named]])
    parent = np.searchsorted(offsets, starts, side="right") - 1
    code = pc.dictionary_encode(values).indices.to_numpy().astype(np.uint64)
    # Sort by body and number; the k-th repeat of a number in a body is a distinct element.
    order = np.lexsort((code, parent))
    parent, code = parent[order], code[order]
    first = np.r_[True, (parent[1:] != parent[:-1]) | (code[1:] != code[:-1])]
    run_start = np.flatnonzero(first)[np.cumsum(first) - 1]
    repeat = (np.arange(len(code)) - run_start).astype(np.uint64)
    if len(code) and int(code.max()) >= 1 << (HASH_BITS - REPEAT_BITS):
        raise ValueError("too many distinct numbers in one batch of bodies (batch them)")
    listed = repeat < (1 << REPEAT_BITS)  # a number's 4,096th repeat in a body adds nothing
    parent = parent[listed]
    return Shingles(
        offsets=np.searchsorted(parent, np.arange(n + 1)).astype(np.int64),
        hashes=(code[listed] << np.uint64(REPEAT_BITS)) | repeat[listed],
    )


def _runs(mask: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First byte and end of each run of True bytes of ``mask`` within one body."""
    if len(mask) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    body_start = np.zeros(len(mask), dtype=bool)
    body_end = np.zeros(len(mask), dtype=bool)
    nonempty = offsets[1:] > offsets[:-1]
    body_start[offsets[:-1][nonempty]] = True
    body_end[offsets[1:][nonempty] - 1] = True
    before = np.r_[False, mask[:-1]]
    after = np.r_[mask[1:], False]
    starts = np.flatnonzero(mask & (~before | body_start))
    ends = np.flatnonzero(mask & (~after | body_end)) + 1
    return starts, ends


def _texts(starts: np.ndarray, ends: np.ndarray, buffer: pa.Buffer) -> pa.Array:
    """The text of each byte range of ``buffer`` (ranges in order, not overlapping)."""
    if len(starts) == 0:
        return pa.array([], pa.string())
    # The ranges and the gaps between them as one string array; every other one is a range.
    edges = np.empty(2 * len(starts), dtype=np.int64)
    edges[0::2], edges[1::2] = starts, ends
    segments = pa.LargeStringArray.from_buffers(len(edges) - 1, pa.py_buffer(edges), buffer)
    return segments.take(pa.array(np.arange(0, len(edges), 2))).cast(pa.string())


def _plain_figures(figures: pa.Array) -> pa.Array:
    """Figures without thousands commas and trailing decimal zeros (`4,200.50` is `4200.5`)."""
    plain = pc.replace_substring(figures, ",", "")
    plain = pc.replace_substring_regex(plain, r"^([0-9]+)\.0+$", r"\1")
    return pc.replace_substring_regex(plain, r"^([0-9]+\.[0-9]*[1-9])0+$", r"\1")


def templated(
    texts: pa.Array,
    left: np.ndarray,
    right: np.ndarray,
    containment: np.ndarray,
    params: NearDupParams,
) -> np.ndarray:
    """Which pairs of similar bodies are reports of one template that differ in their numbers.

    True where the body stating fewer numbers states some, at least ``min_number_mismatch`` of
    them are not stated by the other, and masking every number (figures and number words as
    ``0``) raises the pair's containment by ``min_number_gap`` or more. Only the bodies of the
    pairs are read, and only those of pairs whose numbers disagree are shingled (masked).

    Args:
        texts: Bodies.
        left: Index in ``texts`` of one side of each pair.
        right: The other side.
        containment: The pairs' containment (:func:`transforms.minhash.similarity`).
        params: The two thresholds and the shingle size.
    """
    if len(left) == 0:
        return np.zeros(0, dtype=bool)
    bodies, a, b = _pair_bodies(texts, left, right)
    numbers = number_tokens(bodies)
    _, shared_numbers = similarity(numbers, a, b)
    counts = numbers.sizes()
    stated = np.minimum(counts[a], counts[b]) > 0
    suspect = np.flatnonzero(stated & (1.0 - shared_numbers >= params.min_number_mismatch))
    is_templated = np.zeros(len(left), dtype=bool)
    if len(suspect) == 0:
        return is_templated
    bodies, a, b = _pair_bodies(bodies, a[suspect], b[suspect])
    masked = pc.replace_substring_regex(
        pc.replace_substring_regex(pc.utf8_lower(bodies), NUMBER_FIGURES, "0"),
        _NUMBER_WORD_PATTERN,
        "0",
    )
    _, masked_containment = similarity(shingle(masked, params.minhash.shingle_words), a, b)
    is_templated[suspect] = masked_containment - containment[suspect] >= params.min_number_gap
    return is_templated


def _pair_bodies(
    texts: pa.Array, left: np.ndarray, right: np.ndarray
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The bodies the pairs name, and the pairs as indices into them."""
    involved, local = np.unique(np.concatenate([left, right]), return_inverse=True)
    return contiguous(texts).take(pa.array(involved)), local[: len(left)], local[len(left) :]


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected component of each of ``n`` nodes given edges, as its smallest node's index.

    Label propagation with pointer jumping: each round every edge pulls both ends to the smaller
    label, then labels follow their own labels; rounds grow with the log of the longest path.
    """
    labels = np.arange(n, dtype=np.int64)
    if len(left) == 0:
        return labels
    left, right = left.astype(np.int64), right.astype(np.int64)
    while True:
        low = np.minimum(labels[left], labels[right])
        pulled = labels.copy()
        np.minimum.at(pulled, left, low)
        np.minimum.at(pulled, right, low)
        while True:  # pointer jumping: follow labels to their roots
            jumped = pulled[pulled]
            if np.array_equal(jumped, pulled):
                break
            pulled = jumped
        if np.array_equal(pulled, labels):
            return labels
        labels = pulled


def component_batches(n: int, left: np.ndarray, right: np.ndarray, max_bodies: int) -> np.ndarray:
    """Batch number of each of ``n`` bodies such that every pair lies within one batch.

    Whole connected components of the pair graph are packed, in order, into batches of about
    ``max_bodies`` bodies (a component larger than that is a batch of its own); bodies in no
    pair get -1. Verifying a batch then needs only its own bodies in memory.
    """
    batch = np.full(n, -1, dtype=np.int64)
    if len(left) == 0:
        return batch
    involved = np.unique(np.concatenate([left, right]))
    local = components(
        len(involved), np.searchsorted(involved, left), np.searchsorted(involved, right)
    )
    _, of_body, sizes = np.unique(local, return_inverse=True, return_counts=True)
    # Greedy packing in component order: a component that would overfill a batch starts the next.
    component_batch = np.zeros(len(sizes), dtype=np.int64)
    current, filled = 0, 0
    for index, size in enumerate(sizes.tolist()):
        if filled and filled + size > max_bodies:
            current, filled = current + 1, 0
        component_batch[index] = current
        filled += size
    batch[involved] = component_batch[of_body]
    return batch


# Value of each byte as a hex digit; 255 where the byte is not one.
_HEX_VALUES = np.full(256, 255, dtype=np.uint8)
_HEX_VALUES[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_HEX_VALUES[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
_HEX_VALUES[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)


def body_keys(content_hash: pa.Array) -> np.ndarray:
    """A body's 64-bit key: the first 16 hex digits of its content hash.

    Decoded in numpy over the strings' bytes (a million hashes as Python strings and ints took a
    second and ~150 MB of short-lived objects).

    Raises:
        ValueError: A hash that is null, shorter than 16 characters or not hexadecimal.
    """
    prefix = pc.utf8_slice_codeunits(contiguous(content_hash), 0, 16)
    if not len(prefix):
        return np.empty(0, np.uint64)
    prefix = prefix.cast(pa.large_string())  # 64-bit offsets, whatever the input's type
    offsets = np.frombuffer(prefix.buffers()[1], np.int64)[prefix.offset :][: len(prefix) + 1]
    if prefix.null_count or np.any(np.diff(offsets) != 16):
        raise ValueError("content hashes must be at least 16 hex digits")
    data = np.frombuffer(prefix.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    digits = _HEX_VALUES[data].reshape(-1, 16)
    if np.any(digits == 255):
        raise ValueError("content hashes must be hexadecimal")
    keys = np.zeros(len(digits), np.uint64)
    for column in range(16):
        keys = (keys << np.uint64(4)) | digits[:, column].astype(np.uint64)
    return keys


def cluster_documents(
    doc_id: pa.Array,
    content_hash: pa.Array,
    published_date: pa.Array,
    body_chars: pa.Array,
    left_key: np.ndarray,
    right_key: np.ndarray,
) -> pa.Table:
    """Clusters of documents: exact copies share a body; near copies are verified body pairs.

    Bodies (distinct content hashes) are the nodes of :func:`star_clusters`, ranked by their best
    document in the canonical order of :mod:`transforms.dedup`; each document belongs to its
    body's cluster, and the canonical document is the best document of the canonical body.

    Args:
        doc_id: Unique document ids.
        content_hash: Hash of each body.
        published_date: Dates (null allowed).
        body_chars: Length of each body (the fuller body wins a tie of dates).
        left_key: Body keys (:func:`body_keys`) of verified copy pairs...
        right_key: ...and of their other sides. Keys of bodies not present are ignored.

    Returns:
        Aligned with the input: ``cluster_id`` (``c`` and 16 hex digits of the canonical body's
        hash), ``is_canonical``, ``cluster_size``, ``canonical_doc_id``.
    """
    n = len(doc_id)
    if n == 0:
        return pa.table(
            {
                "cluster_id": pa.array([], pa.string()),
                "is_canonical": pa.array([], pa.bool_()),
                "cluster_size": pa.array([], pa.int32()),
                "canonical_doc_id": pa.array([], pa.string()),
            }
        )
    order = canonical_order(doc_id, published_date, body_chars)
    encoded = pc.dictionary_encode(contiguous(content_hash))
    body = encoded.indices.to_numpy().astype(np.int64)
    n_bodies = len(encoded.dictionary)
    # Each body's best document, and the bodies in the order of their best documents.
    best_doc = np.full(n_bodies, -1, dtype=np.int64)
    _, first = np.unique(body[order], return_index=True)
    best_doc[body[order[first]]] = order[first]
    body_order = body[order[np.sort(first)]]
    # Pairs of present bodies (without pairs, every body is its own cluster: exact copies only).
    left = right = np.empty(0, np.int64)
    if len(left_key):
        keys = body_keys(encoded.dictionary)
        sorter = np.argsort(keys)
        left = key_positions(keys, left_key, sorter)
        right = key_positions(keys, right_key, sorter)
    present = (left >= 0) & (right >= 0) & (left != right)
    stars = star_clusters(n_bodies, left[present], right[present], body_order)
    head_body = stars.canonical[body]
    canonical_doc = best_doc[head_body]
    docs_per_body = np.bincount(body, minlength=n_bodies)
    cluster_docs = np.bincount(stars.canonical, weights=docs_per_body, minlength=n_bodies)
    head_hash = pc.take(encoded.dictionary, pa.array(head_body))
    return pa.table(
        {
            "cluster_id": cluster_id_for(head_hash),
            "is_canonical": pa.array(canonical_doc == np.arange(n)),
            "cluster_size": pa.array(cluster_docs[head_body].astype(np.int32)),
            "canonical_doc_id": pc.take(contiguous(doc_id), pa.array(canonical_doc)),
        }
    )


def key_positions(
    keys: np.ndarray, wanted: np.ndarray, sorter: np.ndarray | None = None
) -> np.ndarray:
    """Index in ``keys`` of each wanted key, -1 where absent.

    Args:
        keys: Distinct keys, sorted unless ``sorter`` (their argsort) is given.
        wanted: Keys to find.
        sorter: Indices that sort ``keys``, when they are not sorted.
    """
    if len(keys) == 0 or len(wanted) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    position = np.minimum(np.searchsorted(keys, wanted, sorter=sorter), len(keys) - 1)
    found = position if sorter is None else sorter[position]
    return np.where(keys[found] == wanted, found, -1).astype(np.int64)
