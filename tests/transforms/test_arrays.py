"""Byte-level counts over Arrow string arrays agree with the RE2 patterns they stand for; sets."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.arrays import (
    count_words,
    distinct_inverse,
    distinct_sorted,
    in_set,
    may_hold_cjk,
)

# White space of every kind RE2 and Unicode know, letters, digits and CJK.
ALPHABET = st.sampled_from(list(" \t\n\x0b\x0c\r\x85\xa0\u2028\u3000ab1é€中カ"))
TEXTS = st.lists(st.one_of(st.none(), st.text(ALPHABET, max_size=12)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(0, 2))
def test_count_words_is_the_count_of_non_space_runs(values: list[str | None], cut: int) -> None:
    texts = pa.array(values, pa.string()).slice(min(cut, len(values)))
    expected = pc.cast(pc.count_substring_regex(texts, r"\S+"), pa.int64())
    assert count_words(texts).equals(expected)


def test_count_words_of_a_chunked_column_and_large_strings() -> None:
    assert count_words(pa.chunked_array([["Jane  Doe said", None], [" x "]])).to_pylist() == [
        3,
        None,
        1,
    ]
    assert count_words(pa.array(["By AFP\n\nMOSCOW"], pa.large_string())).to_pylist() == [3]


def test_may_hold_cjk_misses_no_han_or_kana_character() -> None:
    codes = [*range(0x20, 0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x40000, 5)]
    texts = pa.array([f"a{chr(code)}b" for code in codes])
    han_or_kana = pc.match_substring_regex(texts, r"[\p{Han}\p{Hiragana}\p{Katakana}]")
    flagged = may_hold_cjk(texts)
    assert not np.any(han_or_kana.to_numpy(zero_copy_only=False) & ~flagged)
    assert not may_hold_cjk(pa.array(["plain ASCII", "Café “quoted” — dash"])).any()


@given(
    st.lists(st.integers(0, 2**64 - 1), max_size=40),
    st.lists(st.integers(0, 2**64 - 1), max_size=40),
    st.sampled_from([np.uint64, np.int64]),
)
def test_in_set_is_numpys_isin(values: list[int], members: list[int], dtype: type) -> None:
    """Members of either type, repeated or not, drawn from the values or not."""
    if dtype is np.int64:
        values, members = [v >> 1 for v in values], [m >> 1 for m in members]
    members += values[::3]
    array, member_array = np.array(values, dtype), np.array(members, np.uint64)
    found = in_set(array, member_array)
    assert found.dtype == bool
    assert (found == np.isin(array, member_array.astype(dtype))).all()


@given(st.lists(st.integers(0, 30), max_size=60))
def test_distinct_sorted_is_numpys_unique_with_an_index_of_each(values: list[int]) -> None:
    array = np.array(values, np.uint64)
    distinct, index = distinct_sorted(array)
    assert (distinct == np.unique(array)).all()
    assert (array[index] == distinct).all()


@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 5), max_size=60))
def test_distinct_inverse_is_numpys_unique_with_the_inverse(values: list[int]) -> None:
    array = np.array(values, np.uint64)
    distinct, inverse = distinct_inverse(array)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert distinct.dtype == np.uint64
    assert (distinct == expected).all()
    assert (inverse == expected_inverse.ravel()).all()
