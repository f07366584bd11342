import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from transforms import normalise as normalisation
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
# Mojibake that NFKC makes readable to a second repair (found by this test in CI).
@example("é ’â€™Ã©")
def test_normalising_twice_equals_normalising_once(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


def unfused_normalise_text(texts: pa.Array) -> pa.Array:
    """``normalise_text`` as it was written first: every pass over every text (the reference)."""
    texts = pc.replace_substring_regex(texts, normalisation.LINE_BREAKS, "\n")
    texts = pc.replace_substring_regex(texts, normalisation.INVISIBLE_CHARACTERS, "")
    texts = pc.replace_substring_regex(texts, normalisation.HORIZONTAL_SPACE, " ")
    texts = normalisation.repair_mojibake(texts)
    texts = pc.utf8_normalize(texts, form="NFKC")
    texts = pc.replace_substring_regex(texts, normalisation.HORIZONTAL_SPACE, " ")
    texts = pc.replace_substring_regex(texts, normalisation.SPACE_AROUND_NEWLINE, "\n")
    texts = pc.replace_substring_regex(texts, normalisation.BLANK_LINE_RUNS, "\n\n")
    return pc.utf8_trim_whitespace(texts)


# Any character, and many of those the passes act on: spaces of every kind, line breaks,
# invisibles, mojibake, compatibility characters, combining marks and what NFKC composes.
ANY_TEXT = st.lists(
    st.one_of(
        st.characters(exclude_categories=["Cs"]),
        ALPHABET,
        st.sampled_from(
            [
                *(" ", "  ", "\t", " \n ", "\n\n\n", "\u2003", "\u3000", "…", "½", "™", "ŉ"),
                *(
                    "Ǆ",
                    "\u0301",
                    "\u0338",
                    "\u1100\u1161",
                    "ÅÅ",
                    "Â ",
                    "ſ",
                    "µ",
                    "\u2024",
                    "\u00b4",
                ),
            ]
        ),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400)
@given(st.lists(ANY_TEXT | st.none(), min_size=1, max_size=6))
def test_fused_passes_equal_the_unfused_ones(texts: list[str | None]) -> None:
    array = pa.array(texts, pa.string())
    assert normalise_text(array).to_pylist() == unfused_normalise_text(array).to_pylist()


@settings(max_examples=300)
@given(st.lists(ANY_TEXT | st.none(), min_size=1, max_size=6))
def test_nfkc_of_the_texts_it_can_change_is_nfkc_of_all(texts: list[str | None]) -> None:
    array = pa.array(texts, pa.string())
    expected = pc.utf8_normalize(array, form="NFKC").to_pylist()
    assert normalisation.nfkc(array, all_below_bytes=0).to_pylist() == expected


def test_nfkc_runs_only_where_a_character_can_change() -> None:
    # A shard large enough to look first for the texts NFKC could change.
    plain = "plain “quoted” café — Łódź €5 " * 3000
    texts = pa.array([plain, "ﬁnancial ½", None])
    assert normalisation.nfkc(texts).to_pylist() == [plain, "financial 1⁄2", None]
    unchanged = pa.array([plain])
    assert normalisation.nfkc(unchanged) is unchanged
