"""Word shingles of bodies and the exact similarity of their sets, vectorised in numpy.

A body becomes the set of hashes of its word k-shingles (lower case, words are runs of letters and
digits, so typographic quotes, dashes and spacing do not matter). Two sets are compared exactly:
Jaccard (shared over all) and containment (shared over the smaller set).

Nothing loops over documents or tokens in Python. Words are found on the UTF-8 bytes of the whole
lower-cased batch at once (a regex split costs more than all the rest): ASCII bytes are classified
by arithmetic, and the few distinct non-ASCII code points once each (Unicode letters and numbers,
by Arrow's regex engine). Arrow's ``dictionary_encode`` finds the distinct words, each hashed once
(xxh3), and shingles and set intersections are numpy array operations.

Shingle hashes feed the stored MinHash signatures and band keys (:mod:`transforms.minhash`), so
tokenisation and hashing here are part of the stored format.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

# Multiplier of the polynomial that folds the words of a shingle (a large odd 64-bit constant).
FOLD = np.uint64(0x100000001B3)
# Bits of each shingle hash kept; the other 24 of a packed 64-bit word number the body or the
# pair (16M per batch).
HASH_BITS = 40
# Shingles (and at most as many pairs) that similarity() merges at once: small enough for the
# merge to stay in the CPU cache (8 bytes each, a few arrays), large enough to amortise numpy calls.
MERGE_CHUNK = 1 << 16
# A character of a word: a Unicode letter or number (RE2 syntax, for Arrow).
WORD_CHARACTER = r"^[\p{L}\p{N}]$"


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


def mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of 64-bit values, with wrap-around arithmetic."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def lower_utf8(bodies: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, pa.Buffer]:
    """Lower-cased bodies as one UTF-8 byte array, the bodies' byte offsets into it, its buffer."""
    texts = pc.utf8_lower(pc.fill_null(pc.cast(bodies, pa.large_string()), ""))
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    n = len(texts)
    _, offsets_buffer, data_buffer = texts.buffers()
    if offsets_buffer is None:  # no bodies at all
        return np.empty(0, np.uint8), np.zeros(n + 1, np.int64), pa.py_buffer(b"")
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64, count=n + 1, offset=8 * texts.offset)
    begin, end = int(offsets[0]), int(offsets[-1])
    if end == begin or data_buffer is None:
        return np.empty(0, np.uint8), offsets - begin, pa.py_buffer(b"")
    data_buffer = data_buffer.slice(begin, end - begin)
    return np.frombuffer(data_buffer, dtype=np.uint8), offsets - begin, data_buffer


def _word_bytes(data: np.ndarray) -> np.ndarray:
    """Which bytes of valid UTF-8 belong to a letter or digit (all bytes of its code point)."""
    # After lower-casing, the ASCII letters and digits are a-z and 0-9 (uint8 arithmetic wraps).
    is_word = (data - np.uint8(ord("a")) < 26) | (data - np.uint8(ord("0")) < 10)
    # Lead bytes of multi-byte code points are 0b11xxxxxx; 0b10xxxxxx bytes continue them.
    leads = np.flatnonzero(data >= 0xC0)
    if len(leads) == 0:
        return is_word
    lead = data[leads].astype(np.uint32)
    last = len(data) - 1
    tail = [
        data[np.minimum(leads + i, last)].astype(np.uint32) & np.uint32(0x3F) for i in (1, 2, 3)
    ]
    width = 2 + (lead >= 0xE0) + (lead >= 0xF0)
    code_points = np.where(
        width == 2,
        (lead & 0x1F) << 6 | tail[0],
        np.where(
            width == 3,
            (lead & 0x0F) << 12 | tail[0] << 6 | tail[1],
            (lead & 0x07) << 18 | tail[0] << 12 | tail[1] << 6 | tail[2],
        ),
    )
    # The distinct code points of a batch are few: Arrow's regex engine (the tables the rest of
    # the pipeline uses) classifies each once.
    distinct = np.flatnonzero(np.bincount(code_points, minlength=1))
    sizes = 1 + (distinct >= 0x80) + (distinct >= 0x800) + (distinct >= 0x10000)
    characters = pa.StringArray.from_buffers(
        len(distinct),
        pa.py_buffer(np.r_[0, np.cumsum(sizes)].astype(np.int32)),
        pa.py_buffer(distinct.astype("<u4").tobytes().decode("utf-32-le").encode()),
    )
    letters = np.zeros(int(distinct[-1]) + 1, dtype=bool)
    letters[distinct] = pc.match_substring_regex(characters, WORD_CHARACTER).to_numpy(
        zero_copy_only=False
    )
    flag = letters[code_points]
    for i in range(4):
        has = width > i
        is_word[leads[has] + i] = flag[has]
    return is_word


def _word_edges(
    bodies: pa.Array | pa.ChunkedArray,
) -> tuple[np.ndarray, np.ndarray, pa.Buffer, np.ndarray]:
    """Lower-cased bytes, body offsets, their buffer, and the byte bounds of every word in order.

    The bounds alternate word start, word end, next word start...: ``edges[0::2]`` are the
    words' first bytes and ``edges[1::2]`` their ends (empty when there is no word).
    """
    data, offsets, data_buffer = lower_utf8(bodies)
    if len(data) == 0:
        return data, offsets, data_buffer, np.empty(0, np.int64)
    is_word = _word_bytes(data)
    # Where bytes turn from word to gap or back, plus the ends when a word touches them: segments
    # between these bounds alternate word, gap, word, ...
    bounds = [np.flatnonzero(is_word[1:] != is_word[:-1]) + 1]
    if is_word[0]:
        bounds.insert(0, np.zeros(1, np.int64))
    if is_word[-1]:
        bounds.append(np.array([len(data)], np.int64))
    edges = np.concatenate(bounds)
    if len(edges) == 0:  # punctuation only
        return data, offsets, data_buffer, edges
    # A body boundary inside a run of word bytes splits it: an empty gap keeps the alternation.
    inner = offsets[1:-1]
    inner = np.unique(inner[(inner > 0) & (inner < len(data))])
    glued = inner[is_word[inner - 1] & is_word[inner]]
    if len(glued):
        edges = np.insert(edges, np.searchsorted(edges, glued).repeat(2), glued.repeat(2))
    return data, offsets, data_buffer, edges


WordEdges = tuple[np.ndarray, np.ndarray, pa.Buffer, np.ndarray]
"""What :func:`word_edges` finds in a batch of bodies, shared by the steps that read words."""


def word_edges(bodies: pa.Array | pa.ChunkedArray) -> WordEdges:
    """The words of a batch of bodies, found once for :func:`shingle` and :func:`opening_grams`."""
    return _word_edges(bodies)


def _words(
    bodies: pa.Array | pa.ChunkedArray, edges_of: WordEdges | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every word of every body in order, and the number of words of each body."""
    data, offsets, data_buffer, edges = edges_of or _word_edges(bodies)
    n = len(offsets) - 1
    if len(edges) == 0:
        return np.empty(0, np.uint64), np.zeros(n, np.int64)
    # Word and gap segments share one dictionary (gaps are few distinct strings); Arrow's hash
    # table is faster on 32-bit offsets.
    wide = len(data) >= 2**31
    segments = (pa.LargeStringArray if wide else pa.StringArray).from_buffers(
        len(edges) - 1, pa.py_buffer(edges.astype(np.int64 if wide else np.int32)), data_buffer
    )
    encoded = pc.dictionary_encode(segments)
    distinct = encoded.dictionary.cast(pa.large_binary()).to_pylist()
    vocabulary = np.fromiter(
        (xxhash.xxh3_64_intdigest(w) for w in distinct),
        dtype=np.uint64,
        count=len(encoded.dictionary),
    )
    word_hash = vocabulary[encoded.indices.to_numpy()[0::2]]
    counts = np.diff(np.searchsorted(edges[0::2], offsets))
    return word_hash, counts


@dataclass(frozen=True, slots=True)
class ShingleSequences:
    """The shingles of a batch of bodies in text order: one per window of k words, repeats kept."""

    offsets: np.ndarray
    """int64, one more than documents: body i's windows are hashes[offsets[i]:offsets[i+1]]."""
    hashes: np.ndarray
    """uint64 values below 2^HASH_BITS, the same hashes as the bodies' :class:`Shingles`."""
    words: np.ndarray
    """Words of each body (window j covers words j to j + k - 1; a body shorter than k words
    has one window over all of them)."""


@dataclass(frozen=True, slots=True)
class _Windows:
    """Every shingle of a batch in text order, with its body and its first word's position."""

    hashes: np.ndarray
    owner: np.ndarray
    position: np.ndarray
    counts: np.ndarray
    """Words of each body."""


def _windows(bodies: pa.Array, shingle_words: int, edges: WordEdges | None = None) -> _Windows:
    """The shingle of every window of ``shingle_words`` words of every body, in text order."""
    n = len(bodies)
    if shingle_words < 1:
        raise ValueError("shingle_words must be at least 1")
    if n >= 1 << (64 - HASH_BITS):
        raise ValueError(f"at most {(1 << (64 - HASH_BITS)) - 1} bodies per batch")
    k = shingle_words
    word_hash, counts = _words(bodies, edges)
    document = np.repeat(np.arange(n, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    # Every window of k words, folded by Horner's rule on contiguous slices; a window is a shingle
    # when its first and last word are of the same body.
    windows = max(len(word_hash) - k + 1, 0)
    with np.errstate(over="ignore"):
        folded = word_hash[:windows].copy()
        for j in range(1, k):
            folded *= FOLD
            folded += word_hash[j : j + windows]
    at = np.flatnonzero(document[:windows] == document[k - 1 : k - 1 + windows])
    folded = folded[at]
    # Bodies shorter than k words: one shingle of all their words, the same polynomial.
    short_docs = np.flatnonzero((counts > 0) & (counts < k))
    short_hash = np.empty(0, np.uint64)
    if len(short_docs):
        short_counts = counts[short_docs]
        first = np.repeat(starts[short_docs], short_counts)
        term_starts = np.cumsum(short_counts) - short_counts
        position = np.arange(len(first)) - np.repeat(term_starts, short_counts)
        power = np.repeat(short_counts, short_counts) - 1 - position
        with np.errstate(over="ignore"):
            powers = np.cumprod(np.r_[np.uint64(1), np.full(k - 1, FOLD, np.uint64)])
            terms = word_hash[first + position] * powers[power]
            short_hash = np.add.reduceat(terms, term_starts)
    # The hash keeps HASH_BITS bits, plenty for sets of thousands (collisions ~ 2^-40 a pair).
    hashes = mix(np.concatenate([folded, short_hash])) >> np.uint64(64 - HASH_BITS)
    owner = np.concatenate([document[at], short_docs])
    position = np.concatenate([at - starts[document[at]], np.zeros(len(short_docs), np.int64)])
    if len(short_docs):  # back in body order (a short body's window after the others' is fine
        order = np.argsort(owner, kind="stable")  # for sets, but sequences need body order)
        hashes, owner, position = hashes[order], owner[order], position[order]
    return _Windows(hashes, owner, position, counts)


def _sets(hashes: np.ndarray, owner: np.ndarray, n: int) -> Shingles:
    """Each body's sorted, distinct hashes."""
    # One sort of (body, hash) packed in 64 bits groups and deduplicates every body's shingles.
    packed = np.sort((owner.astype(np.uint64) << np.uint64(HASH_BITS)) | hashes)
    if len(packed):
        packed = packed[np.r_[True, packed[1:] != packed[:-1]]]
    bodies_start = np.arange(n + 1, dtype=np.uint64) << np.uint64(HASH_BITS)
    offsets = np.searchsorted(packed, bodies_start).astype(np.int64)
    return Shingles(offsets, packed & np.uint64((1 << HASH_BITS) - 1))


def shingle(bodies: pa.Array, shingle_words: int, edges: WordEdges | None = None) -> Shingles:
    """The set of word ``shingle_words``-shingle hashes of each body.

    Words are runs of Unicode letters and digits of the lower-cased text; everything else
    (punctuation of any style, spaces) only separates them. A shingle hashes ``shingle_words``
    consecutive words of one body.

    Args:
        bodies: Texts (string, large_string or string_view; nulls are empty).
        shingle_words: Words per shingle (k).
        edges: :func:`word_edges` of the bodies, if another step found them already.

    Returns:
        Each body's sorted, distinct shingle hashes. A body with fewer than k words has one
        shingle of all its words; a body without words has none.

    Raises:
        ValueError: ``shingle_words`` below 1, or 2^24 bodies or more (batch them).
    """
    windows = _windows(bodies, shingle_words, edges)
    return _sets(windows.hashes, windows.owner, len(bodies))


def shingle_sequences(bodies: pa.Array, shingle_words: int) -> tuple[Shingles, ShingleSequences]:
    """The shingle sets of each body (:func:`shingle`) and its shingles in text order."""
    windows = _windows(bodies, shingle_words)
    n = len(bodies)
    offsets = np.searchsorted(windows.owner, np.arange(n + 1)).astype(np.int64)
    return _sets(windows.hashes, windows.owner, n), ShingleSequences(
        offsets, windows.hashes, windows.counts.astype(np.int64)
    )


def coverage(
    sequences: ShingleSequences,
    sets: Shingles,
    query: np.ndarray,
    target: np.ndarray,
    shingle_words: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Words of each ``query`` body inside shingles it shares with its ``target``, and their run.

    Covered words, and the longest run of them: the longest passage of the query found in the
    target. Shingle containment counts shared shingles, so one misspelt word every ten words (OCR, a
    light rewording) costs half of them; counted in words, the passages around the misspelling
    still stand in the other body and only the misspelt words are lost. A word is covered when
    some window of ``shingle_words`` words containing it is a shingle of the target: covered
    words come only from passages of at least that many words found in the target. Pairs are
    measured in chunks of about MERGE_CHUNK windows, so memory stays bounded.

    Args:
        sequences: Shingles of the bodies in text order (:func:`shingle_sequences`).
        sets: Shingle sets of the same bodies.
        query: Body index of the body measured, per pair.
        target: Body index of the body it is looked up in, same length.
        shingle_words: The k the shingles were made with.

    Returns:
        ``(covered, longest)`` words per pair (int64); the query's word count is
        ``sequences.words[query]``.
    """
    query = np.asarray(query, dtype=np.int64).reshape(-1)
    target = np.asarray(target, dtype=np.int64).reshape(-1)
    if len(query) != len(target):
        raise ValueError(f"{len(query)} query bodies but {len(target)} target bodies")
    lengths = np.diff(sequences.offsets)[query]
    set_sizes = sets.sizes()[target]
    covered = np.zeros(len(query), dtype=np.int64)
    longest = np.zeros(len(query), dtype=np.int64)
    for chunk in _chunks(lengths + set_sizes):
        covered[chunk], longest[chunk] = _covered(
            sequences, sets, query[chunk], target[chunk], set_sizes[chunk], shingle_words
        )
    return covered, longest


def _covered(
    sequences: ShingleSequences,
    sets: Shingles,
    query: np.ndarray,
    target: np.ndarray,
    set_sizes: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Covered words, and the longest run of them, of each pair of a chunk (:func:`coverage`)."""
    tags = np.arange(len(query), dtype=np.uint64) << np.uint64(HASH_BITS)
    # The targets' sets, tagged with their pair: one sorted run (pairs in order, sets sorted).
    found_in = _tagged(sets, target, set_sizes, tags)
    starts, ends = sequences.offsets[query], sequences.offsets[query + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0 or len(found_in) == 0:
        return np.zeros(len(query), dtype=np.int64), np.zeros(len(query), dtype=np.int64)
    pair = np.repeat(np.arange(len(query)), lengths)
    index = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths) + starts[pair]
    looked_up = sequences.hashes[index] | tags[pair]
    at = np.minimum(np.searchsorted(found_in, looked_up), len(found_in) - 1)
    shared = found_in[at] == looked_up
    # Each shared window covers its k words (all the words of a body shorter than k): +1 where
    # its first word is, -1 after its last, in one array of every pair's words.
    words = sequences.words[query]
    word_start = np.cumsum(words) - words
    window = index - starts[pair]
    first = word_start[pair] + window
    last = np.minimum(first + k, word_start[pair] + words[pair])
    size = int(words.sum()) + 1
    delta = np.bincount(first[shared], minlength=size) - np.bincount(last[shared], minlength=size)
    is_covered = np.cumsum(delta[:-1]) > 0
    word_pair = np.repeat(np.arange(len(query)), words)
    covered = np.bincount(word_pair[is_covered], minlength=len(query)).astype(np.int64)
    # Runs of covered words, each within one pair: the longest per pair.
    longest = np.zeros(len(query), dtype=np.int64)
    if len(is_covered):
        starts = np.r_[
            True, (is_covered[1:] != is_covered[:-1]) | (word_pair[1:] != word_pair[:-1])
        ]
        runs = np.diff(np.r_[np.flatnonzero(starts), len(is_covered)])
        first = np.flatnonzero(starts)
        kept = is_covered[first]
        np.maximum.at(longest, word_pair[first][kept], runs[kept])
    return covered, longest


def opening_grams(
    bodies: pa.Array, opening_words: int, gram_bytes: int, edges: WordEdges | None = None
) -> Shingles:
    """The set of character ``gram_bytes``-grams of each body's opening passage.

    The opening is the body's first ``opening_words`` words, lower-cased and each followed by
    one space (so punctuation and spacing do not matter, as for shingles); a gram is
    ``gram_bytes`` consecutive bytes of it (UTF-8). Characters rather than words: a misread
    letter (OCR) costs the few grams around it, where it costs every word shingle it is in.

    Args:
        bodies: Texts (nulls are empty).
        opening_words: Words of the opening passage.
        gram_bytes: Bytes per gram.
        edges: :func:`word_edges` of the bodies, if another step found them already.

    Returns:
        Each body's sorted, distinct gram hashes (none for an opening shorter than a gram).
    """
    n = len(bodies)
    if gram_bytes < 1 or opening_words < 1:
        raise ValueError("gram_bytes and opening_words must be at least 1")
    data, offsets, _, bounds = edges or _word_edges(bodies)
    starts, ends = bounds[0::2], bounds[1::2]
    counts = np.diff(np.searchsorted(starts, offsets))
    rank = np.arange(len(starts)) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = rank < opening_words
    starts, ends = starts[keep], ends[keep]
    owner = np.repeat(np.arange(n, dtype=np.int64), counts)[keep]
    # The openings as one byte stream: each kept word's bytes, then a space.
    lengths = ends - starts + 1
    total = int(lengths.sum())
    if total < gram_bytes:
        return Shingles(np.zeros(n + 1, np.int64), np.empty(0, np.uint64))
    within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    source = np.minimum(np.repeat(starts, lengths) + within, max(len(data) - 1, 0))
    stream = np.where(within == np.repeat(lengths - 1, lengths), ord(" "), data[source])
    stream = stream.astype(np.uint64)
    stream_owner = np.repeat(owner, lengths)
    windows = total - gram_bytes + 1
    with np.errstate(over="ignore"):
        folded = stream[:windows].copy()
        for j in range(1, gram_bytes):
            folded *= FOLD
            folded += stream[j : j + windows]
    at = np.flatnonzero(stream_owner[:windows] == stream_owner[gram_bytes - 1 :])
    hashes = mix(folded[at]) >> np.uint64(64 - HASH_BITS)
    return _sets(hashes, stream_owner[at], n)


def similarity(sh: Shingles, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard and containment (intersection over the smaller set) of pairs of bodies.

    The sets of all left bodies, tagged with the pair's number, form one sorted run, those of the
    right bodies another; merging the two runs (a stable sort of two runs is a linear merge)
    puts an element of both sets of a pair twice in a row. Pairs are merged in chunks of about
    MERGE_CHUNK shingles, so memory stays bounded for any number of pairs.

    Args:
        sh: Shingle sets of the bodies.
        left: Body index of one side of each pair.
        right: Body index of the other side, same length.

    Returns:
        ``(jaccard, containment)`` float32 per pair; a pair with an empty body has 0 for both.
    """
    left = np.asarray(left, dtype=np.int64).reshape(-1)
    right = np.asarray(right, dtype=np.int64).reshape(-1)
    if len(left) != len(right):
        raise ValueError(f"{len(left)} left bodies but {len(right)} right bodies")
    sizes = sh.sizes()
    left_sizes, right_sizes = sizes[left], sizes[right]
    common = np.zeros(len(left), dtype=np.int64)
    for chunk in _chunks(left_sizes + right_sizes):
        common[chunk] = _common(
            sh, left[chunk], right[chunk], left_sizes[chunk], right_sizes[chunk]
        )
    union = left_sizes + right_sizes - common
    smaller = np.minimum(left_sizes, right_sizes)
    jaccard = np.where(union > 0, common / np.maximum(union, 1), 0.0)
    containment = np.where(smaller > 0, common / np.maximum(smaller, 1), 0.0)
    return jaccard.astype(np.float32), containment.astype(np.float32)


def _chunks(work: np.ndarray) -> Iterator[slice]:
    """Consecutive slices of pairs, each about MERGE_CHUNK elements of ``work``.

    At most MERGE_CHUNK pairs a slice; a pair larger than that is a slice of its own.
    """
    total = np.cumsum(work)
    start = 0
    while start < len(work):
        done = int(total[start - 1]) if start else 0
        stop = int(np.searchsorted(total, done + MERGE_CHUNK, side="right"))
        stop = min(max(stop, start + 1), start + MERGE_CHUNK)
        yield slice(start, stop)
        start = stop


def _common(
    sh: Shingles,
    left: np.ndarray,
    right: np.ndarray,
    left_sizes: np.ndarray,
    right_sizes: np.ndarray,
) -> np.ndarray:
    """Size of the intersection of the sets of each pair (at most MERGE_CHUNK pairs)."""
    tags = np.arange(len(left), dtype=np.uint64) << np.uint64(HASH_BITS)
    runs = [_tagged(sh, left, left_sizes, tags), _tagged(sh, right, right_sizes, tags)]
    merged = np.sort(np.concatenate(runs), kind="stable")
    twice = merged[1:][merged[1:] == merged[:-1]]
    return np.bincount((twice >> np.uint64(HASH_BITS)).astype(np.intp), minlength=len(left))


def _tagged(sh: Shingles, docs: np.ndarray, sizes: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """The shingle hashes of ``docs``, one body after the other, each or-ed with its tag."""
    total = int(sizes.sum())
    if total == 0:
        return np.empty(0, np.uint64)
    ends = np.cumsum(sizes)
    index = np.arange(total) + np.repeat(sh.offsets[docs] - (ends - sizes), sizes)
    return sh.hashes[index] | np.repeat(tags, sizes)
