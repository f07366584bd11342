"""Why two bodies are copies: the longest passage they share, and what differs between them.

Words are the body's runs of non-space characters, compared in lower case without their
punctuation, so quotes, dashes, case and spacing never break a passage (a token of punctuation
alone is no word). Two bodies share a block where they have the same run of at least ``k`` words
(deduplication's shingle size): every word k-gram of the copy is looked up among the k-grams of
its canonical body, each k-gram found once in both (a phrase a story repeats, "we will act on
the grain deal", would also match its other occurrences, as if the text had moved), and matches
on one diagonal (canonical position minus copy position) at consecutive copy positions form one
block.

The blocks are then chained in order, longest first, each kept when it lies after the kept blocks
before it and before those after it, in both bodies (difflib's way of aligning texts). Words of
the copy before the first block of the chain are a lead it added (words of the canonical body
there, a lead it dropped); words after the last block, a tail it added (or the canonical body's
tail it trimmed); each gap between two blocks is an edit, with words inserted by the copy,
deleted from the canonical body, or both (a changed word).

The blocks then grow over the equal words around them: a block is found from k-grams, so the
k - 1 words next to a changed word, or a repeated k-gram, would escape it; blocks that come to
touch on one diagonal are one, and the equal words that open or close both bodies are shared
too, however few. The longest block is the shared passage.

Most near copies need no k-gram: the words both bodies start with and those both end with make
all of one of them (a lead added or dropped, a tail trimmed or added, a passage dropped or
inserted, only punctuation changed), and those two runs are the chain. Most of the others have
blocks that already follow one another in both bodies: all are kept, and they are chained for
the whole batch at once. Everything is numpy and Arrow over whole batches of bodies but the
chain of the pairs whose blocks cross, a loop over the few blocks of each such pair.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# One byte each, like the space that replaces them: a body's byte offsets stay as they are.
SPACE_CHARACTERS = r"[\t\n\r\f\v]"
NOT_A_WORD_CHARACTER = r"[^\p{L}\p{N}]+"
# Whether each byte value belongs to a token: all but ASCII white space.
SOLID_BYTE = np.ones(256, bool)
SOLID_BYTE[[9, 10, 11, 12, 13, 32]] = False
# Bits of a k-gram's hash in a 64-bit sort key beside a body's and a pair's number in the batch
# (12 bits each: 4,096 bodies, 4,096 pairs). A pair compares some hundreds of k-grams, so a false
# match of 40 bits is a one in a billion event per pair.
GRAM_BITS = 40
NUMBER_BITS = 12
# Words compared first when growing a block or a common start: most runs end within them (a
# block found from k-grams misses k - 1 words at most), and only rows still equal go on.
FIRST_COMPARED = 8


@dataclass(frozen=True, slots=True)
class PassageParams:
    """How passages are found and kept."""

    block_words: int = 5
    """Words of the shortest shared block: deduplication's shingle size, so a passage it counted
    as shared is found here whole."""
    passage_chars: int = 300
    """Characters of the longest passage kept as text: enough to read, short enough for a cell."""

    def __post_init__(self) -> None:
        if self.block_words < 1 or self.passage_chars < 1:
            raise ValueError("block_words and passage_chars must be at least 1")


@dataclass(frozen=True)
class Words:
    """The words of a batch of bodies, concatenated in body order."""

    offsets: np.ndarray
    """One more than bodies: body b's words are positions offsets[b]:offsets[b + 1]."""
    keys: np.ndarray
    """Id of each word's lower-cased letters and digits: equal words, equal ids (in one batch)."""
    byte_start: np.ndarray
    """Offset of each word's first byte in ``data``."""
    byte_end: np.ndarray
    """Offset of the byte after each word in ``data``."""
    data: pa.Buffer
    """The bodies' UTF-8 bytes, one after the other."""
    body_bytes: np.ndarray
    """One more than bodies: body b's bytes are ``data[body_bytes[b]:body_bytes[b + 1]]``."""
    continuation: np.ndarray
    """Offsets in ``data`` of its UTF-8 continuation bytes, ascending (none in ASCII text)."""

    def code_points(self, byte: np.ndarray) -> np.ndarray:
        """Code points of ``data`` before each byte offset: offsets that count characters.

        Code-point offsets are computed for the few words a caller needs, not for every word.
        """
        if not len(self.continuation):
            return byte
        return byte - np.searchsorted(self.continuation, byte)

    def char_offsets(self, word: np.ndarray, byte: np.ndarray) -> np.ndarray:
        """Code-point offset in its body of ``byte``, an offset in the body of each ``word``."""
        body = np.searchsorted(self.offsets, word, side="right") - 1
        return self.code_points(byte) - self.code_points(self.body_bytes[body])

    @property
    def char_start(self) -> np.ndarray:
        """Code-point offset in its body where each word starts."""
        return self.char_offsets(np.arange(len(self.keys)), self.byte_start)

    @property
    def char_end(self) -> np.ndarray:
        """Code-point offset in its body where each word ends (exclusive)."""
        return self.char_offsets(np.arange(len(self.keys)), self.byte_end)


def words(bodies: pa.Array) -> Words:
    """Every word of every body (null bodies have none), with its key and where it is."""
    texts = pc.fill_null(pc.cast(bodies, pa.large_string()), "")
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    n = len(texts)
    _, offsets_buffer, data_buffer = texts.buffers()
    if offsets_buffer is None:
        offsets = np.zeros(n + 1, np.int64)
    else:
        offsets = np.frombuffer(offsets_buffer, np.int64, n + 1, 8 * texts.offset)
    begin, end = int(offsets[0]), int(offsets[-1])
    data = (data_buffer or pa.py_buffer(b"")).slice(begin, end - begin)
    offsets = offsets - begin
    raw = np.frombuffer(data, np.uint8)
    # Tokens are runs of bytes other than ASCII white space; a body's end ends its last one.
    # Byte i is at solid[i + 1], between two bytes of white space: a run's start and end are
    # where solid changes.
    solid = np.zeros(len(raw) + 2, bool)
    solid[1:-1] = SOLID_BYTE.take(raw)
    edges = np.flatnonzero(solid[1:] != solid[:-1])
    inner = offsets[1:-1][(offsets[1:-1] > 0) & (offsets[1:-1] < len(raw))]
    glued = np.unique(inner[solid[inner] & solid[inner + 1]])
    if len(glued):  # a body boundary inside a run of token bytes: an empty gap there
        edges = np.insert(edges, np.searchsorted(edges, glued).repeat(2), glued.repeat(2))
    token_start, token_end = edges[0::2], edges[1::2]
    if len(edges):
        # Each token with the white space after it, as one string array: the folding below
        # drops the space, and the dictionary holds half the strings it would with the gaps.
        bounds = np.r_[token_start, token_end[-1]]
        segments = pa.LargeStringArray.from_buffers(len(token_start), pa.py_buffer(bounds), data)
        encoded = pc.dictionary_encode(segments)
        # Few distinct tokens: fold case and punctuation in the dictionary, not in every token.
        folded = pc.dictionary_encode(
            pc.replace_substring_regex(pc.utf8_lower(encoded.dictionary), NOT_A_WORD_CHARACTER, "")
        )
        keys = folded.indices.to_numpy()[encoded.indices.to_numpy()].astype(np.int64)
        empty = pc.index(folded.dictionary, "").as_py()
        kept = np.flatnonzero(keys != empty)
        keys, byte_start, byte_end = keys[kept], token_start[kept], token_end[kept]
    else:
        keys = byte_start = byte_end = np.empty(0, np.int64)
    # A body's words are those starting at or after its first byte and before the next body's.
    word_offsets = np.searchsorted(byte_start, offsets).astype(np.int64)
    word_offsets[-1] = len(byte_start)
    return Words(
        offsets=word_offsets,
        keys=keys,
        byte_start=byte_start,
        byte_end=byte_end,
        data=data,
        body_bytes=offsets,
        continuation=np.flatnonzero((raw & 0xC0) == 0x80),
    )


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser (wrap-around arithmetic): spreads the bits of word ids."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class Blocks:
    """Runs of shared words, each of one pair: where in the copy, where in the canonical body."""

    pair: np.ndarray
    copy_at: np.ndarray
    """Position of the block's first word among the copy's words."""
    canonical_at: np.ndarray
    """Position of the block's first word among the canonical body's words."""
    length: np.ndarray
    """Words of the block."""


def _grams(found: Words, k: int, bodies: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every window of ``k`` words within one body: its hash (GRAM_BITS), body and position.

    Only the windows of ``bodies`` (ascending): those of pairs their ends do not explain.
    """
    counts = np.diff(found.offsets)[bodies]
    first = found.offsets[bodies]
    # The bodies' words one after the other.
    word = np.repeat(first - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    mixed = _mix(found.keys[word])
    windows = max(len(mixed) - k + 1, 0)
    with np.errstate(over="ignore"):
        folded = mixed[:windows].copy()
        for j in range(1, k):
            folded *= np.uint64(0x100000001B3)
            folded += mixed[j : j + windows]
    word_body = np.repeat(np.arange(len(bodies)), counts)
    at = np.flatnonzero(word_body[:windows] == word_body[k - 1 : k - 1 + windows])
    body = word_body[at]
    position = word[at] - first[body]
    return _mix(folded[at]) >> np.uint64(64 - GRAM_BITS), bodies[body], position


def shared_blocks(found: Words, copy: np.ndarray, canonical: np.ndarray, k: int) -> Blocks:
    """The runs of at least ``k`` words each copy shares with its canonical body.

    A run is made of the k-grams found once in the copy and once in its canonical body: a k-gram
    either repeats (a phrase the story says twice) would also match elsewhere, as if the text had
    moved. Runs split at such k-grams; :func:`chain` joins them again by comparing the words in
    between.

    Args:
        found: The words of a batch of bodies.
        copy: Body of each pair's copy (an index into the batch).
        canonical: Body of each pair's canonical document.
        k: Words of the shortest block.

    Raises:
        ValueError: More bodies or pairs in the batch than its sort keys can number.
    """
    if len(found.offsets) > 1 << NUMBER_BITS or len(copy) > 1 << NUMBER_BITS:
        raise ValueError(f"at most {1 << NUMBER_BITS} bodies and pairs in a batch")
    low, gram_body, position = _grams(found, k, np.unique(np.r_[copy, canonical]))
    # The canonical bodies' k-grams, sorted by (body, gram); those a body has once.
    is_canonical = np.zeros(len(found.offsets) - 1, bool)
    is_canonical[canonical] = True
    mine = np.flatnonzero(is_canonical[gram_body])
    key = (gram_body[mine].astype(np.uint64) << np.uint64(GRAM_BITS)) | low[mine]
    order = np.argsort(key)
    table, table_position = key[order], position[mine][order]
    table_once = _once(table)
    # Each pair's copy k-grams, sorted by (canonical body, gram, pair): a k-gram the copy has
    # twice is twice in a row.
    first_gram = np.searchsorted(gram_body, np.arange(len(found.offsets)))
    per_pair = np.diff(first_gram)[copy]
    pair_of = np.repeat(np.arange(len(copy)), per_pair)
    gram = np.arange(len(pair_of)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    gram += np.repeat(first_gram[copy], per_pair)
    query = (canonical[pair_of].astype(np.uint64) << np.uint64(GRAM_BITS)) | low[gram]
    packed = (query << np.uint64(NUMBER_BITS)) | pair_of.astype(np.uint64)
    asked = np.argsort(packed)
    asked_once = _once(packed[asked])
    sought = query[asked]  # sorted too: the pair is in the low bits
    at = np.minimum(np.searchsorted(table, sought), max(len(table) - 1, 0))
    hit = asked_once & (table[at] == sought) & table_once[at] if len(table) else asked_once & False
    matched = np.full(len(query), -1, np.int64)
    matched[asked[hit]] = table_position[at[hit]]
    # In copy order, a run goes on while the next match is the next copy position on the same
    # diagonal.
    at_match = np.flatnonzero(matched >= 0)
    if len(at_match) == 0:
        empty = np.empty(0, np.int64)
        return Blocks(empty, empty, empty, empty)
    pair, copy_at = pair_of[at_match], position[gram[at_match]]
    diagonal = matched[at_match] - copy_at
    goes_on = (pair[1:] == pair[:-1]) & (diagonal[1:] == diagonal[:-1])
    goes_on &= copy_at[1:] == copy_at[:-1] + 1
    starts = np.flatnonzero(np.r_[True, ~goes_on])
    grams = np.diff(np.r_[starts, len(at_match)])
    runs = Blocks(
        pair=pair[starts],
        copy_at=copy_at[starts],
        canonical_at=copy_at[starts] + diagonal[starts],
        length=grams + k - 1,
    )
    return _join_on_diagonals(runs, found, copy, canonical)


def _join_on_diagonals(
    runs: Blocks, found: Words, copy: np.ndarray, canonical: np.ndarray
) -> Blocks:
    """Runs of a pair next on one diagonal, with equal words between them, as one block.

    A repeated k-gram splits a run of equal words; joining them here, vectorised, leaves the
    chain a handful of blocks a pair instead of dozens.
    """
    if len(runs.pair) < 2:
        return runs
    end = runs.copy_at + runs.length
    diagonal = runs.canonical_at - runs.copy_at
    follows = (runs.pair[1:] == runs.pair[:-1]) & (diagonal[1:] == diagonal[:-1])
    gap = np.maximum(runs.copy_at[1:] - end[:-1], 0) * follows
    # Compare every word of every gap at once: copy and canonical words, by batch position.
    which = np.repeat(np.arange(len(gap)), gap)
    step = np.arange(len(which)) - np.repeat(np.cumsum(gap) - gap, gap)
    at_copy = found.offsets[copy[runs.pair[which]]] + end[which] + step
    at_canonical = found.offsets[canonical[runs.pair[which]]] + end[which] + diagonal[which] + step
    unequal = found.keys[at_copy] != found.keys[at_canonical]
    differs = np.bincount(which, weights=unequal, minlength=len(gap))
    joined = np.r_[False, follows & (differs == 0)]
    starts = np.flatnonzero(~joined)
    last_end = np.maximum.reduceat(end, starts)
    return Blocks(
        pair=runs.pair[starts],
        copy_at=runs.copy_at[starts],
        canonical_at=runs.canonical_at[starts],
        length=last_end - runs.copy_at[starts],
    )


def _once(ordered: np.ndarray) -> np.ndarray:
    """Which values of a sorted array are there once."""
    once = np.ones(len(ordered), bool)
    if len(ordered):
        repeated = ordered[1:] == ordered[:-1]
        once[1:] &= ~repeated
        once[:-1] &= ~repeated
    return once


# The figures of a pair, in the order chain() returns them.
FIGURES = (
    "shared_words",
    "lead_added_words",
    "lead_removed_words",
    "tail_added_words",
    "tail_trimmed_words",
    "edits",
    "inserted_words",
    "deleted_words",
)


@dataclass(frozen=True)
class Chains:
    """Each pair's figures and its longest block, once the blocks are chained and extended."""

    figures: np.ndarray
    """``(pairs, len(FIGURES))``."""
    longest: np.ndarray
    """``(pairs, 3)``: copy position, canonical position and words of the longest block;
    words 0 for a pair that shares no block."""


def _keep(kept: list[list[int]], a: int, c: int, n: int) -> None:
    """Add block (a, c, n) to the blocks kept in copy order, unless it conflicts with them."""
    at = bisect.bisect_left(kept, [a])
    if at and (kept[at - 1][0] + kept[at - 1][2] > a or kept[at - 1][1] + kept[at - 1][2] > c):
        return  # overlaps or precedes the kept block before it
    if at < len(kept) and (a + n > kept[at][0] or c + n > kept[at][1]):
        return  # overlaps or follows the kept block after it
    kept.insert(at, [a, c, n])


def _extend(kept: list[list[int]], copy_keys: list[int], canonical_keys: list[int]) -> None:
    """Grow each kept block over the equal words around it, up to its neighbours.

    A block is found from k-grams, so up to k - 1 equal words next to a changed word escape it;
    here they join it, and a changed word is an edit of one word. Equal words at the very start
    (or end) of both bodies, fewer than k before the first block, are a block of their own: the
    word after them is a changed word, not a lead.
    """
    for i, block in enumerate(kept):
        a, c, n = block
        before = (kept[i - 1][0] + kept[i - 1][2], kept[i - 1][1] + kept[i - 1][2]) if i else (0, 0)
        while a > before[0] and c > before[1] and copy_keys[a - 1] == canonical_keys[c - 1]:
            a, c, n = a - 1, c - 1, n + 1
        after = (
            (kept[i + 1][0], kept[i + 1][1])
            if i + 1 < len(kept)
            else (len(copy_keys), len(canonical_keys))
        )
        while a + n < after[0] and c + n < after[1] and copy_keys[a + n] == canonical_keys[c + n]:
            n += 1
        block[:] = [a, c, n]
    # Blocks that now touch on one diagonal are one block (a repeated k-gram had split it).
    merged = [kept[0]]
    for block in kept[1:]:
        last = merged[-1]
        if block[0] == last[0] + last[2] and block[1] == last[1] + last[2]:
            last[2] += block[2]
        else:
            merged.append(block)
    kept[:] = merged
    head = 0
    while head < min(kept[0][0], kept[0][1]) and copy_keys[head] == canonical_keys[head]:
        head += 1
    if head:
        kept.insert(0, [0, 0, head])
    end_copy, end_canonical = kept[-1][0] + kept[-1][2], kept[-1][1] + kept[-1][2]
    tail = 0
    while (
        tail < min(len(copy_keys) - end_copy, len(canonical_keys) - end_canonical)
        and copy_keys[len(copy_keys) - 1 - tail] == canonical_keys[len(canonical_keys) - 1 - tail]
    ):
        tail += 1
    if tail:
        kept.append([len(copy_keys) - tail, len(canonical_keys) - tail, tail])


def chain(blocks: Blocks, found: Words, copy: np.ndarray, canonical: np.ndarray) -> Chains:
    """Each pair's chain of blocks in order, and what lies around and between them.

    Args:
        blocks: The pairs' blocks.
        found: The words of the batch.
        copy: Body of each pair's copy.
        canonical: Body of each pair's canonical document.

    Returns:
        The figures (a pair without a block shares nothing: its copy's words are all inserted,
        its canonical body's all deleted) and the longest block of each pair.
    """
    pairs = len(copy)
    word_counts = np.diff(found.offsets)
    figures = np.zeros((pairs, len(FIGURES)), np.int64)
    figures[:, FIGURES.index("inserted_words")] = word_counts[copy]
    figures[:, FIGURES.index("deleted_words")] = word_counts[canonical]
    longest = np.zeros((pairs, 3), np.int64)
    # A pair whose blocks follow one another in both bodies keeps them all: chained at once.
    in_order = _in_order(blocks, pairs)
    figures[in_order], longest[in_order] = _chain_in_order(blocks, found, copy, canonical, in_order)
    others = np.zeros(pairs, bool)
    others[blocks.pair] = True
    others &= ~in_order
    figures[others], longest[others] = _chain_one_by_one(blocks, found, copy, canonical, others)
    return Chains(figures, longest)


def _chain_one_by_one(
    blocks: Blocks, found: Words, copy: np.ndarray, canonical: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`chain`'s figures and longest block of the ``chosen`` pairs (with blocks).

    A pair at a time: its blocks are kept longest first (among equals, the earliest in the copy).
    """
    order = np.flatnonzero(chosen[blocks.pair])
    order = order[np.lexsort((blocks.copy_at[order], -blocks.length[order], blocks.pair[order]))]
    # Python lists: the loop below reads them one item at a time.
    copy_at = blocks.copy_at[order].tolist()
    canonical_at = blocks.canonical_at[order].tolist()
    length = blocks.length[order].tolist()
    bounds = np.searchsorted(blocks.pair[order], np.arange(len(chosen) + 1)).tolist()
    offsets = found.offsets.tolist()
    copies, canonicals = copy.tolist(), canonical.tolist()
    pairs = np.flatnonzero(chosen).tolist()
    figures = np.zeros((len(pairs), len(FIGURES)), np.int64)
    longest = np.zeros((len(pairs), 3), np.int64)
    for row, p in enumerate(pairs):
        kept: list[list[int]] = []  # [copy position, canonical position, words], in copy order
        for b in range(bounds[p], bounds[p + 1]):
            _keep(kept, copy_at[b], canonical_at[b], length[b])
        copy_keys = found.keys[offsets[copies[p]] : offsets[copies[p] + 1]].tolist()
        canonical_keys = found.keys[offsets[canonicals[p]] : offsets[canonicals[p] + 1]].tolist()
        _extend(kept, copy_keys, canonical_keys)
        gaps = [
            (after[0] - before[0] - before[2], after[1] - before[1] - before[2])
            for before, after in itertools.pairwise(kept)
        ]
        figures[row] = (
            sum(block[2] for block in kept),
            kept[0][0],
            kept[0][1],
            len(copy_keys) - kept[-1][0] - kept[-1][2],
            len(canonical_keys) - kept[-1][1] - kept[-1][2],
            sum(1 for gap in gaps if gap[0] or gap[1]),
            sum(gap[0] for gap in gaps),
            sum(gap[1] for gap in gaps),
        )
        longest[row] = max(kept, key=lambda block: (block[2], -block[0]))
    return figures, longest


def _in_order(blocks: Blocks, pairs: int) -> np.ndarray:
    """The pairs that have blocks, each after the one before it in both bodies."""
    order = np.lexsort((blocks.copy_at, blocks.pair))
    pair, copy_at = blocks.pair[order], blocks.copy_at[order]
    canonical_at, length = blocks.canonical_at[order], blocks.length[order]
    crossed = (pair[1:] == pair[:-1]) & (
        (copy_at[:-1] + length[:-1] > copy_at[1:])
        | (canonical_at[:-1] + length[:-1] > canonical_at[1:])
    )
    ordered = np.zeros(pairs, bool)
    ordered[pair] = True
    ordered[pair[1:][crossed]] = False
    return ordered


def _chain_in_order(
    blocks: Blocks, found: Words, copy: np.ndarray, canonical: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`chain`'s figures and longest block of the ``chosen`` pairs, in numpy.

    Their blocks all follow one another, so each is kept (:func:`_keep`); they grow, join and
    gain a common start and end as :func:`_extend` makes them.
    """
    if not chosen.any():
        return np.zeros((0, len(FIGURES)), np.int64), np.zeros((0, 3), np.int64)
    pick = chosen[blocks.pair]
    order = np.lexsort((blocks.copy_at[pick], blocks.pair[pick]))
    pair = blocks.pair[pick][order]
    a, c = blocks.copy_at[pick][order], blocks.canonical_at[pick][order]
    n = blocks.length[pick][order]
    counts = np.diff(found.offsets)
    copy_words, canonical_words = counts[copy[pair]], counts[canonical[pair]]
    copy_base, canonical_base = found.offsets[copy[pair]], found.offsets[canonical[pair]]
    first = np.r_[True, pair[1:] != pair[:-1]]
    last = np.r_[pair[1:] != pair[:-1], True]
    # Each block grows forward up to the next block as found (or the bodies' ends), then the
    # next grows back up to where this one now ends (or the bodies' starts).
    next_a = np.where(last, copy_words, np.r_[a[1:], 0])
    next_c = np.where(last, canonical_words, np.r_[c[1:], 0])
    forward = _equal_run(
        found.keys,
        copy_base + a + n,
        canonical_base + c + n,
        np.minimum(next_a - a - n, next_c - c - n),
        backward=False,
    )
    end_a, end_c = a + n + forward, c + n + forward
    before_a = np.where(first, 0, np.r_[0, end_a[:-1]])
    before_c = np.where(first, 0, np.r_[0, end_c[:-1]])
    back = _equal_run(
        found.keys,
        copy_base + a - 1,
        canonical_base + c - 1,
        np.minimum(a - before_a, c - before_c),
        backward=True,
    )
    a, c, n = a - back, c - back, n + back + forward
    # Blocks that now touch on one diagonal are one.
    touches = ~first & (a == np.r_[0, a[:-1] + n[:-1]]) & (c == np.r_[0, c[:-1] + n[:-1]])
    starts = np.flatnonzero(~touches)
    pair, a, c = pair[starts], a[starts], c[starts]
    n = np.add.reduceat(n, starts)
    copy_words, canonical_words = copy_words[starts], canonical_words[starts]
    copy_base, canonical_base = copy_base[starts], canonical_base[starts]
    first = np.r_[True, pair[1:] != pair[:-1]]
    last = np.r_[pair[1:] != pair[:-1], True]
    # Equal words opening both bodies before the first block, and closing both after the last.
    head = _equal_run(
        found.keys, copy_base, canonical_base, np.minimum(a, c) * first, backward=False
    )
    tail = _equal_run(
        found.keys,
        copy_base + copy_words - 1,
        canonical_base + canonical_words - 1,
        np.minimum(copy_words - a - n, canonical_words - c - n) * last,
        backward=True,
    )
    opening, closing = np.flatnonzero(head), np.flatnonzero(tail)
    pair = np.r_[pair, pair[opening], pair[closing]]
    a = np.r_[a, np.zeros(len(opening), np.int64), (copy_words - tail)[closing]]
    c = np.r_[c, np.zeros(len(opening), np.int64), (canonical_words - tail)[closing]]
    n = np.r_[n, head[opening], tail[closing]]
    copy_words = np.r_[copy_words, copy_words[opening], copy_words[closing]]
    canonical_words = np.r_[canonical_words, canonical_words[opening], canonical_words[closing]]
    place = np.r_[np.ones(len(head)), np.zeros(len(opening)), np.full(len(closing), 2)]
    order = np.lexsort((place, a, pair))
    pair, a, c, n = pair[order], a[order], c[order], n[order]
    copy_words, canonical_words = copy_words[order], canonical_words[order]
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    ends = np.r_[starts[1:], len(pair)] - 1
    same = pair[1:] == pair[:-1]
    gap_a, gap_c = a[1:] - a[:-1] - n[:-1], c[1:] - c[:-1] - n[:-1]
    edited = same & ((gap_a != 0) | (gap_c != 0))
    shared = np.add.reduceat(n, starts)
    figures = np.stack(
        [
            shared,
            a[starts],
            c[starts],
            copy_words[ends] - a[ends] - n[ends],
            canonical_words[ends] - c[ends] - n[ends],
            np.add.reduceat(np.r_[edited, False].astype(np.int64), starts),
            a[ends] + n[ends] - a[starts] - shared,
            c[ends] + n[ends] - c[starts] - shared,
        ],
        axis=1,
    )
    # The longest block; among equals, the earliest in the copy.
    best = np.lexsort((a, -n, pair))
    best = best[np.r_[True, pair[best][1:] != pair[best][:-1]]]
    return figures, np.stack([a[best], c[best], n[best]], axis=1)


def _equal_run(
    keys: np.ndarray,
    copy_at: np.ndarray,
    canonical_at: np.ndarray,
    most: np.ndarray,
    *,
    backward: bool,
) -> np.ndarray:
    """Equal words from ``copy_at`` and ``canonical_at`` on (or back), up to ``most`` each."""
    run = most.copy()
    pending = np.flatnonzero(most > 0)
    checked = np.zeros(len(most), np.int64)
    for width in (FIRST_COMPARED, None):
        if not len(pending):
            break
        stop = most[pending] if width is None else np.minimum(most[pending], width)
        counts = stop - checked[pending]
        row = np.repeat(pending, counts)
        step = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts) + checked[row]
        signed = -step if backward else step
        unequal = np.flatnonzero(keys[copy_at[row] + signed] != keys[canonical_at[row] + signed])
        # The first unequal word of a row ends its run (steps come in order within a row).
        rows_unequal, at = np.unique(row[unequal], return_index=True)
        run[rows_unequal] = step[unequal[at]]
        checked[pending] = stop
        still = np.ones(len(most), bool)
        still[rows_unequal] = False
        pending = pending[still[pending] & (stop < most[pending])]
    return run


def shared_passages(
    bodies: pa.Array, copy: np.ndarray, canonical: np.ndarray, params: PassageParams
) -> pa.Table:
    """The longest passage each copy shares with its canonical body, and what differs.

    Args:
        bodies: The texts of a batch of bodies.
        copy: Body of each pair's copy (an index into ``bodies``).
        canonical: Body of each pair's canonical document.
        params: Block size and text length.

    Returns:
        One row per pair, in order: ``passage_start`` and ``passage_end`` (code points of the
        copy's body, end exclusive), ``matched_start`` and ``matched_end`` (of the canonical
        body), ``passage_words``, ``passage`` (its first ``passage_chars`` characters, cut after a
        word when one ends in them) and the FIGURES; the passage columns are null for a pair that
        shares no block.
    """
    copy = np.asarray(copy, np.int64)
    canonical = np.asarray(canonical, np.int64)
    if len(bodies) > 1 << NUMBER_BITS or len(copy) > 1 << NUMBER_BITS:
        # More than a batch's sort keys can number: a batch at a time, each with its bodies.
        step = 1 << (NUMBER_BITS - 1)
        parts = []
        for first in range(0, len(copy), step):
            pairs = slice(first, first + step)
            needed, index = np.unique(np.r_[copy[pairs], canonical[pairs]], return_inverse=True)
            half = len(index) // 2
            some = bodies.take(pa.array(needed))
            parts.append(shared_passages(some, index[:half], index[half:], params))
        return pa.concat_tables(parts)
    found = words(bodies)
    chains = _ends_explain(found, copy, canonical)
    # The others are aligned from their shared k-grams.
    rest = np.flatnonzero(chains.longest[:, 2] < 0)
    if len(rest):
        aligned = chain(
            shared_blocks(found, copy[rest], canonical[rest], params.block_words),
            found,
            copy[rest],
            canonical[rest],
        )
        chains.figures[rest] = aligned.figures
        chains.longest[rest] = aligned.longest
    has = chains.longest[:, 2] > 0
    rows = np.flatnonzero(has)
    size = chains.longest[rows, 2]
    copy_word = found.offsets[copy[rows]] + chains.longest[rows, 0]
    last_word = copy_word + size - 1
    canonical_word = found.offsets[canonical[rows]] + chains.longest[rows, 1]
    start = found.char_offsets(copy_word, found.byte_start[copy_word])
    fits = _last_word_within(found, copy_word, last_word, params.passage_chars)
    data = found.data.to_pybytes()
    texts: list[str | None] = [None] * len(copy)
    for row, begin, end in zip(
        rows.tolist(),
        found.byte_start[copy_word].tolist(),
        found.byte_end[fits].tolist(),
        strict=True,
    ):
        texts[row] = data[begin:end].decode("utf-8")[: params.passage_chars]
    columns: dict[str, pa.Array] = {}
    for name, values in (
        ("passage_start", start),
        ("passage_end", found.char_offsets(last_word, found.byte_end[last_word])),
        ("matched_start", found.char_offsets(canonical_word, found.byte_start[canonical_word])),
        (
            "matched_end",
            found.char_offsets(canonical_word, found.byte_end[canonical_word + size - 1]),
        ),
        ("passage_words", size),
    ):
        full = np.zeros(len(copy), np.int64)
        full[rows] = values
        columns[name] = pa.array(full, pa.int32(), mask=~has)
    columns["passage"] = pa.array(texts, pa.string())
    for column, name in enumerate(FIGURES):
        columns[name] = pa.array(chains.figures[:, column], pa.int32())
    return pa.table(columns)


def _ends_explain(found: Words, copy: np.ndarray, canonical: np.ndarray) -> Chains:
    """The pairs whose common start and common end account for one body whole.

    Most near copies are their canonical body with a lead added or dropped, a tail trimmed or
    added, a passage dropped or inserted, or only punctuation changed: the words both bodies
    start with and the words both end with make all of one of them. Those pairs need no k-gram:
    their chain is those two blocks. The others get ``longest`` words -1, for :func:`chain`.
    """
    pairs = len(copy)
    counts = np.diff(found.offsets)
    copy_words, canonical_words = counts[copy], counts[canonical]
    shorter = np.minimum(copy_words, canonical_words)
    head = _common_run(found, copy, canonical, shorter, from_end=False)
    tail = _common_run(found, copy, canonical, shorter - head, from_end=True)
    explains = ((head + tail == copy_words) | (head + tail == canonical_words)) & (head + tail > 0)
    gap_copy, gap_canonical = copy_words - head - tail, canonical_words - head - tail
    figures = np.zeros((pairs, len(FIGURES)), np.int64)
    both = (head > 0) & (tail > 0)
    # Both ends shared: what lies between is one edit. One end only: the other is a lead or tail.
    figures[:, 0] = head + tail
    figures[:, 1] = np.where(head > 0, 0, gap_copy)
    figures[:, 2] = np.where(head > 0, 0, gap_canonical)
    figures[:, 3] = np.where(tail > 0, 0, gap_copy)
    figures[:, 4] = np.where(tail > 0, 0, gap_canonical)
    figures[:, 5] = both & ((gap_copy > 0) | (gap_canonical > 0))
    figures[:, 6] = np.where(both, gap_copy, 0)
    figures[:, 7] = np.where(both, gap_canonical, 0)
    longest = np.zeros((pairs, 3), np.int64)
    # The longer of the two blocks; between equals, the first.
    first = head >= tail
    longest[:, 0] = np.where(first, 0, copy_words - tail)
    longest[:, 1] = np.where(first, 0, canonical_words - tail)
    longest[:, 2] = np.where(first, head, tail)
    longest[~explains] = -1
    figures[~explains] = 0
    return Chains(figures, longest)


def _common_run(
    found: Words, copy: np.ndarray, canonical: np.ndarray, most: np.ndarray, *, from_end: bool
) -> np.ndarray:
    """Words each pair's two bodies have in common from their start (or end), up to ``most``."""
    if from_end:
        return _equal_run(
            found.keys,
            found.offsets[copy + 1] - 1,
            found.offsets[canonical + 1] - 1,
            most,
            backward=True,
        )
    return _equal_run(
        found.keys, found.offsets[copy], found.offsets[canonical], most, backward=False
    )


def _last_word_within(found: Words, first: np.ndarray, last: np.ndarray, chars: int) -> np.ndarray:
    """The last word from ``first`` to ``last`` within ``chars`` code points of ``first``'s start.

    ``first`` itself when none is: the text is then that word, cut. A bisection over each
    block's words, computing code points for a few words of each.
    """
    limit = found.code_points(found.byte_start[first]) + chars
    # Every word is a code point or more: none past ``chars`` words after the first fits.
    low, high = first - 1, np.minimum(last, first + chars) + 1
    while True:
        open_ = np.flatnonzero(high - low > 1)
        if not len(open_):
            return np.clip(low, first, last)
        middle = (low[open_] + high[open_]) // 2
        fits = found.code_points(found.byte_end[middle]) <= limit[open_]
        low[open_[fits]] = middle[fits]
        high[open_[~fits]] = middle[~fits]


def batch_passages(
    copy_hash: pa.Array, canonical_hash: pa.Array, texts: pa.Table, params: PassageParams
) -> pa.Table:
    """:func:`shared_passages` of pairs named by content hash, with ``texts`` holding their bodies.

    Args:
        copy_hash: Content hash of each pair's copy.
        canonical_hash: Content hash of each pair's canonical body.
        texts: ``content_hash`` and ``body``, one row per body the pairs name.
        params: Block size and text length.

    Returns:
        ``copy_hash``, ``canonical_hash`` and :func:`shared_passages`'s columns, a row per pair.
    """
    hashes = texts.column("content_hash")
    copy = pc.index_in(copy_hash, value_set=hashes).to_numpy()
    canonical = pc.index_in(canonical_hash, value_set=hashes).to_numpy()
    passages = shared_passages(texts.column("body"), copy, canonical, params)
    return pa.Table.from_arrays(
        [copy_hash, canonical_hash, *passages.columns],
        names=["copy_hash", "canonical_hash", *passages.column_names],
    )
