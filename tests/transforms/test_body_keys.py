"""Body keys read from content hashes."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.body_keys import body_keys


@given(st.lists(st.text("0123456789abcdefABCDEF", min_size=16, max_size=40), max_size=50))
def test_body_keys_read_the_first_sixteen_hex_digits(hashes: list[str]) -> None:
    expected = np.array([int(h[:16], 16) for h in hashes], dtype=np.uint64)
    assert (body_keys(pa.array(hashes, pa.string())) == expected).all()
    if len(hashes) > 2:  # a slice and a chunked array read the same bytes
        assert (body_keys(pa.array(hashes).slice(1)) == expected[1:]).all()
        chunked = pa.chunked_array([pa.array(hashes[:2]), pa.array(hashes[2:])])
        assert (body_keys(chunked) == expected).all()


@given(
    st.integers(16, 64).flatmap(
        lambda n: st.lists(
            st.text("0123456789abcdef", min_size=n, max_size=n), min_size=1, max_size=30
        )
    )
)
def test_hashes_of_one_length_read_as_hashes_of_several(hashes: list[str]) -> None:
    expected = np.array([int(h[:16], 16) for h in hashes], dtype=np.uint64)
    assert (body_keys(pa.array(hashes, pa.large_string())) == expected).all()
    assert (body_keys(pa.array([*hashes[1:], "0" * 70])) == np.r_[expected[1:], 0]).all()


def test_body_keys_refuse_what_is_not_a_hash() -> None:
    for bad in (["0123456789abcde"], ["0123456789abcdeg"], [None], ["0123456789abcdef", None]):
        with pytest.raises(ValueError, match="content hashes must"):
            body_keys(pa.array(bad, pa.string()))
