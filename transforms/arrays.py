"""Small helpers over Arrow arrays that the numpy-vectorised transforms share."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def contiguous(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array from an array or a chunked column."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def in_set(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """``np.isin(values, members)`` by a hash set of ``members``: neither array is sorted.

    numpy sorts both arrays together once the set passes a few dozen values; a run with a
    million documents asks it of all of them for a few thousand members.
    """
    if len(values) == 0 or len(members) == 0:
        return np.zeros(len(values), dtype=bool)
    value_set = pa.array(np.asarray(members).astype(values.dtype, copy=False))
    return pc.is_in(pa.array(values), value_set=value_set).to_numpy(zero_copy_only=False)


def distinct_sorted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and the index of one occurrence of each (any one).

    ``np.unique(values, return_index=True)`` without its promise of the first occurrence, which
    costs a stable sort.
    """
    order = np.argsort(values)
    ordered = values[order]
    opens = run_starts(ordered)
    return ordered[opens], order[opens]


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """Whether each value of sorted ``ordered`` is the first of its run (a mask)."""
    starts = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return starts


def distinct_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` by a hash of the values, not a sort of them.

    The distinct values, sorted, and each value's place among them. Only the distinct values
    are sorted: a few candidate bodies' keys repeated over millions of pair ends are hashed
    once each end, not sorted.
    """
    array = pa.array(values)
    found = pc.unique(array)
    distinct = found.to_numpy(zero_copy_only=False)
    order = np.argsort(distinct)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[order] = np.arange(len(distinct))
    at = pc.index_in(array, value_set=found).to_numpy(zero_copy_only=False)
    return distinct[order], rank[at]


def utf8_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of a string array's values and where each starts (and the last ends).

    The bytes are Arrow's buffer, not a copy.
    """
    array = contiguous(array)
    if array.type not in (pa.string(), pa.large_string()):
        raise TypeError(f"not a string array: {array.type}")
    width = np.int64 if array.type == pa.large_string() else np.int32
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=width)[array.offset : array.offset + len(array) + 1]
    offsets = offsets.astype(np.int64)
    if buffers[2] is None or len(array) == 0:
        return np.zeros(0, dtype=np.uint8), offsets - (offsets[0] if len(offsets) else 0)
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data, offsets - offsets[0]


def _word_starts(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    r"""Where a run of non-space bytes (RE2's ``\S+``) opens in a value: byte offsets, in order.

    RE2's ``\s`` is tab, line feed, form feed, carriage return and space (no vertical tab, and
    nothing outside ASCII).
    """
    space = (data == 0x20) | ((data - np.uint8(9) <= 4) & (data != 0x0B))
    opens = ~space
    opens[1:] &= space[:-1]
    starts = offsets[:-1][offsets[:-1] < len(data)]
    opens[starts] = ~space[starts]
    return np.flatnonzero(opens)


def _with_nulls(array: pa.Array, counts: np.ndarray) -> pa.Array:
    if array.null_count == 0:
        return pa.array(counts, pa.int64())
    return pa.array(counts, pa.int64(), mask=pc.is_null(array).to_numpy(zero_copy_only=False))


def count_words(array: pa.Array) -> pa.Array:
    r"""Runs of non-space characters in each string (null stays null).

    What ``count_substring_regex(array, r"\S+")`` counts, from the bytes at once: that regex
    costs per match, a word at a time.
    """
    array = contiguous(array)
    data, offsets = utf8_bytes(array)
    return _with_nulls(array, np.diff(np.searchsorted(_word_starts(data, offsets), offsets)))


def any_byte(array: pa.Array, flagged: np.ndarray) -> np.ndarray:
    """Whether each value holds one of the flagged bytes (one flag per byte of its data)."""
    _, offsets = utf8_bytes(array)
    return np.diff(np.searchsorted(np.flatnonzero(flagged), offsets)) > 0


def may_hold_cjk(array: pa.Array) -> np.ndarray:
    """Whether each value may hold a character from U+2E80 on (CJK, full-width forms and more).

    Such a character starts with a lead byte from E3 on, or E2 followed by BA or more.
    """
    data, _ = utf8_bytes(array)
    flagged = data >= 0xE3
    flagged[:-1] |= (data[:-1] == 0xE2) & (data[1:] >= 0xBA)
    return any_byte(array, flagged)
