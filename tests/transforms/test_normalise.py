import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.normalise import normalise_text


def normalise(text: str | None) -> str | None:
    return normalise_text(pa.array([text], pa.string())).to_pylist()[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("It\u00e2\u20ac\u2122s a \u00e2\u20ac\u0153test\u00e2\u20ac\u009d", "It’s a “test”"),
        ("Caf\u00c3\u00a9 society", "Café society"),
        ("one\r\ntwo\rthree\nfour", "one\ntwo\nthree\nfour"),
        ("line\u2028next\u2029para", "line\nnext\npara"),
        ("NUL\x00 and bell\x07 gone", "NUL and bell gone"),
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("non\u00a0breaking  and\ttabbed", "non breaking and tabbed"),
        ("  trailing  \n  leading", "trailing\nleading"),
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("ﬁnancial ①", "financial 1"),
    ],
    ids=[
        "mojibake-quotes",
        "mojibake-accent",
        "crlf-cr-lf",
        "unicode-separators",
        "control-bytes",
        "invisibles",
        "spaces",
        "line-edges",
        "blank-runs",
        "nfkc",
    ],
)
def test_normalises_each_case(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_nulls_pass_through() -> None:
    assert normalise(None) is None


ALPHABET = st.sampled_from(
    [
        *"abcAé e\u0301\n\r\t .,’“”—",
        "\u00a0",
        "\u200b",
        "\u200d",
        "\u00ad",
        "\x00",
        "\x0b",
        "\u2028",
        "ﬁ",
        "①",
        "Ã©",
        "â€™",
    ]
)


@settings(max_examples=300)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_normalising_twice_equals_normalising_once(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
