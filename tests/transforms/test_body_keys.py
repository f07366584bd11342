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


def test_body_keys_refuse_what_is_not_a_hash() -> None:
    for bad in (["0123456789abcde"], ["0123456789abcdeg"], [None]):
        with pytest.raises(ValueError, match="content hashes must"):
            body_keys(pa.array(bad, pa.string()))
