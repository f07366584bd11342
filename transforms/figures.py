"""The figures rule: two similar bodies that state other numbers are reports of one template.

Reuters sends `FED ADDS RESERVES VIA CUSTOMER REPURCHASES` in the same 46 words every few days
with another amount and rate: by their words the reports are copies, by their figures they are
different stories. A body's numbers (figures and number words alike) are compared as multisets,
and the pair's containment with every number masked tells whether the numbers are a real part
of what the two bodies say.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.arrays import contiguous
from transforms.shingles import HASH_BITS, Shingles, lower_utf8, shingle, similarity

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
# Length, first and last letter of the number words: a word of another shape is not looked up.
_WORD_SHAPES = np.zeros((max(map(len, NUMBER_WORDS)) + 1, 26, 26), dtype=bool)
for _word in NUMBER_WORDS:
    _WORD_SHAPES[len(_word), ord(_word[0]) - ord("a"), ord(_word[-1]) - ord("a")] = True


def number_tokens(bodies: pa.Array) -> Shingles:
    """The numbers each body states, as a set per body that counts repeats (a multiset).

    A number is a figure (:data:`NUMBER_FIGURES`, thousands commas and trailing decimal zeros
    dropped: `4,200` is `4200`, `1.0` is `1`, `0.50` is `0.5`) or a number word written as its
    figure (:data:`NUMBER_WORDS`). Each element is the number's index in this batch's
    vocabulary and its occurrence (first, second...), so :func:`transforms.shingles.similarity`
    over two bodies' numbers counts the numbers they share, repeats included.

    Found with numpy over the lower-cased bytes: runs of digits (with `.,/-` between two
    digits) and runs of ASCII letters that are number words. (Arrow's regex split of every body
    into words cost more than shingling it.)
    """
    n = len(bodies)
    data, offsets, buffer = lower_utf8(bodies)
    digit = data - np.uint8(ord("0")) < 10
    joins = data - np.uint8(ord(",")) < 4  # the bytes , - . / join two digits
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
    short = (length >= 3) & (length < len(_WORD_SHAPES))  # as long as a number word
    word_starts, word_ends, length = word_starts[short], word_ends[short], length[short]
    a = np.uint8(ord("a"))
    shaped = _WORD_SHAPES[length, data[word_starts] - a, data[word_ends - 1] - a]
    word_starts, word_ends = word_starts[shaped], word_ends[shaped]
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
    # Where the mask turns on (1) and off (-1), then cut at the bodies' edges inside a run.
    step = np.diff(mask.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(step == 1), np.flatnonzero(step == -1)
    inner = np.unique(offsets[(offsets > 0) & (offsets < len(mask))])
    cuts = inner[mask[inner - 1] & mask[inner]]
    if len(cuts):
        starts = np.sort(np.concatenate([starts, cuts]))
        ends = np.sort(np.concatenate([ends, cuts]))
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
    *,
    min_mismatch: float,
    min_gap: float,
    shingle_words: int,
) -> np.ndarray:
    """Which pairs of similar bodies are reports of one template that differ in their numbers.

    True where the body stating fewer numbers states some, at least ``min_mismatch`` of them are
    not stated by the other, and masking every number (figures and number words as ``0``) raises
    the pair's containment by ``min_gap`` or more. Only the bodies of the
    pairs are read, and only those of pairs whose numbers disagree are shingled (masked).

    Args:
        texts: Bodies.
        left: Index in ``texts`` of one side of each pair.
        right: The other side.
        containment: The pairs' containment (:func:`transforms.shingles.similarity`).
        min_mismatch: Share of the numbers of the body stating fewer that the other lacks.
        min_gap: Rise of containment when the numbers are masked.
        shingle_words: Words per shingle, as for ``containment``.
    """
    if len(left) == 0:
        return np.zeros(0, dtype=bool)
    bodies, a, b = _pair_bodies(texts, left, right)
    numbers = number_tokens(bodies)
    _, shared_numbers = similarity(numbers, a, b)
    counts = numbers.sizes()
    stated = np.minimum(counts[a], counts[b]) > 0
    suspect = np.flatnonzero(stated & (1.0 - shared_numbers >= min_mismatch))
    is_templated = np.zeros(len(left), dtype=bool)
    if len(suspect) == 0:
        return is_templated
    bodies, a, b = _pair_bodies(bodies, a[suspect], b[suspect])
    masked = pc.replace_substring_regex(
        pc.replace_substring_regex(pc.utf8_lower(bodies), NUMBER_FIGURES, "0"),
        _NUMBER_WORD_PATTERN,
        "0",
    )
    _, masked_containment = similarity(shingle(masked, shingle_words), a, b)
    is_templated[suspect] = masked_containment - containment[suspect] >= min_gap
    return is_templated


def _pair_bodies(
    texts: pa.Array, left: np.ndarray, right: np.ndarray
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The bodies the pairs name, and the pairs as indices into them."""
    involved, local = np.unique(np.concatenate([left, right]), return_inverse=True)
    return contiguous(texts).take(pa.array(involved)), local[: len(left)], local[len(left) :]
