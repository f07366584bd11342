"""Shared passages: the longest run of words two bodies share, where it is, and what differs."""

import re

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.passages import (
    PassageParams,
    _chain_in_order,
    _chain_one_by_one,
    _in_order,
    shared_blocks,
    shared_passages,
    words,
)

PARAMS = PassageParams()
# A wire story: six paragraphs of distinct sentences (one phrase repeated, as stories do).
PARAGRAPHS = [
    "Ministers from nine countries met in Geneva on Tuesday to discuss the grain corridor and "
    "agreed to meet again next week, officials said.",
    "The talks were described as constructive by diplomats who attended the closed session at "
    "the United Nations building near the lake.",
    "Kremlin spokesman Dmitry Peskov said Moscow would review the proposal and respond within "
    "days, adding that no deadline had been set.",
    "Exports through the corridor fell by a third in March after insurers raised premiums for "
    "ships crossing the western part of the sea.",
    "We will act on the grain deal, the minister said. Traders in Istanbul said prices rose "
    "after the news and that we will act on the grain deal was the line they heard most.",
    "A final statement is expected on Friday, when the delegations return for a second round "
    "of talks on inspections and insurance.",
]
CANONICAL = "\n\n".join(PARAGRAPHS)


def explain(copy: str, canonical: str = CANONICAL, **params: int) -> dict:
    bodies = pa.array([copy, canonical])
    table = shared_passages(bodies, np.array([0]), np.array([1]), PassageParams(**params))
    return table.to_pylist()[0]


def word_count(text: str) -> int:
    return len(text.split())


def test_a_local_lead_and_a_trimmed_tail() -> None:
    lead = "Local officials in Lagos followed the news closely on Monday."
    copy = "\n\n".join([lead, *PARAGRAPHS[:4]])
    found = explain(copy)
    assert found["lead_added_words"] == word_count(lead)
    assert found["lead_removed_words"] == 0
    assert found["tail_trimmed_words"] == word_count("\n\n".join(PARAGRAPHS[4:]))
    assert found["tail_added_words"] == 0
    assert (found["edits"], found["inserted_words"], found["deleted_words"]) == (0, 0, 0)
    shared = "\n\n".join(PARAGRAPHS[:4])
    assert found["passage_words"] == found["shared_words"] == word_count(shared)
    # Offsets are characters of each body: the passage is where the shared text is in both.
    assert copy[found["passage_start"] : found["passage_end"]] == shared
    assert CANONICAL[found["matched_start"] : found["matched_end"]] == shared
    # Its text: whole words within 300 characters.
    assert len(found["passage"]) <= 300
    assert shared.startswith(found["passage"])
    assert shared[len(found["passage"])] in " \n"


def test_a_changed_word_is_one_edit_and_a_dropped_paragraph_another() -> None:
    typo = PARAGRAPHS[1].replace("constructive", "constrcutive")
    copy = "\n\n".join([PARAGRAPHS[0], typo, *PARAGRAPHS[2:3], *PARAGRAPHS[4:]])
    found = explain(copy)
    assert found["edits"] == 2
    assert found["inserted_words"] == 1  # the misspelt word
    assert found["deleted_words"] == 1 + word_count(PARAGRAPHS[3])  # the word, the paragraph
    assert found["lead_added_words"] == found["tail_trimmed_words"] == 0
    # The longest passage runs from the typo to the dropped paragraph... or is the last two.
    longest = "\n\n".join(PARAGRAPHS[4:])
    assert found["passage_words"] == word_count(longest)
    assert copy[found["passage_start"] : found["passage_end"]] == longest


def test_a_changed_word_near_the_start_is_an_edit_not_a_new_lead() -> None:
    # Blocks are found from 5-word runs; the three equal words before the change join them.
    copy = CANONICAL.replace("nine countries", "ten countries", 1)
    found = explain(copy)
    assert (found["lead_added_words"], found["lead_removed_words"]) == (0, 0)
    assert (found["edits"], found["inserted_words"], found["deleted_words"]) == (1, 1, 1)
    assert found["shared_words"] == word_count(CANONICAL) - 1


def test_punctuation_case_and_spacing_do_not_break_a_passage() -> None:
    copy = CANONICAL.replace('"', "“").replace("said", "SAID").replace(". ", ".  ")
    copy = copy.replace("Geneva on", "Geneva — on")
    found = explain(copy)
    assert found["passage_words"] == found["shared_words"] == word_count(CANONICAL)
    assert found["edits"] == found["lead_added_words"] == found["tail_trimmed_words"] == 0
    assert (found["passage_start"], found["passage_end"]) == (0, len(copy))


def test_offsets_count_characters_not_bytes() -> None:
    lead = "Les ministres réunis à Genève — «une avancée» 🌍 selon l’ONU."
    canonical = "Prélude: " + CANONICAL
    copy = lead + "\n\n" + CANONICAL
    found = explain(copy, canonical)
    assert copy[found["passage_start"] : found["passage_end"]] == CANONICAL
    assert canonical[found["matched_start"] : found["matched_end"]] == CANONICAL
    assert found["lead_added_words"] == word_count(lead) - 2  # a dash or an emoji is no word
    assert found["lead_removed_words"] == 1


def test_a_phrase_the_story_repeats_is_not_moved_text() -> None:
    # The copy drops the first sentence of paragraph 5; "we will act on the grain deal" is
    # still in it once, and in the canonical body twice: not a block of its own elsewhere.
    shortened = PARAGRAPHS[4].split(". ", 1)[1]
    copy = "\n\n".join([*PARAGRAPHS[:4], shortened, PARAGRAPHS[5]])
    found = explain(copy)
    assert found["edits"] == 1
    assert found["inserted_words"] == 0
    assert found["deleted_words"] == word_count(PARAGRAPHS[4]) - word_count(shortened)


def test_bodies_that_share_no_run_of_five_words() -> None:
    found = explain("Completely different text about the weather in Oslo today and tomorrow.")
    assert found["passage"] is None and found["passage_start"] is None
    assert found["shared_words"] == 0 and found["inserted_words"] == 11
    assert found["deleted_words"] == word_count(CANONICAL)


def test_a_long_first_word_is_cut_at_the_limit() -> None:
    found = explain(CANONICAL, passage_chars=5)
    assert found["passage"] == "Minis"
    found = explain(CANONICAL, passage_chars=20)
    assert found["passage"] == "Ministers from nine"


def test_words_keys_fold_case_and_punctuation() -> None:
    found = words(pa.array(["Hello, WORLD! — hello world", None, "x"]))
    assert found.offsets.tolist() == [0, 4, 4, 5]
    assert found.keys[0] == found.keys[2] and found.keys[1] == found.keys[3]
    assert found.char_start.tolist() == [0, 7, 16, 22, 0]
    assert found.char_end.tolist() == [6, 13, 21, 27, 1]


sentence = st.lists(
    st.sampled_from(["alpha", "beta", "gamma", "delta", "Epsilon,", "zeta.", "éta", "θ"]),
    min_size=1,
    max_size=12,
).map(" ".join)
bodies = st.lists(sentence, min_size=1, max_size=8).map("\n\n".join)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(bodies, min_size=2, max_size=6), data=st.data())
def test_a_batch_gives_each_pair_what_it_gives_alone(texts: list[str], data: st.DataObject) -> None:
    """Results depend on the two bodies only: not on the batch, or the other pairs in it."""
    n = len(texts)
    pairs = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=6)
    )
    copy = np.array([a for a, _ in pairs])
    canonical = np.array([b for _, b in pairs])
    together = shared_passages(pa.array(texts), copy, canonical, PARAMS).to_pylist()
    for (a, b), row in zip(pairs, together, strict=True):
        alone = shared_passages(
            pa.array([texts[a], texts[b]]), np.array([0]), np.array([1]), PARAMS
        )
        assert alone.to_pylist()[0] == row
        # The words account for both bodies: shared, lead, tail and edited words add up.
        copy_words = len(words(pa.array([texts[a]])).keys)
        assert (
            row["shared_words"]
            + row["lead_added_words"]
            + row["tail_added_words"]
            + row["inserted_words"]
            == copy_words
        )
        if row["passage"] is not None:
            assert texts[a][row["passage_start"] : row["passage_end"]].startswith(row["passage"])


# Words next to punctuation, accents, a 4-byte emoji, and every kind of ASCII white space.
token = st.sampled_from(["Geneva", "GENÈVE", "θ", "—", "«oui»", "🌍", "l’ONU", "x", "...", "42,"])
spacing = st.sampled_from([" ", "  ", "\n\n", "\t", "\r\n", "\x0b\x0c", ""])
body = st.lists(st.tuples(token, spacing), max_size=10).map(
    lambda parts: "".join(t + s for t, s in parts)
)


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.one_of(body, st.none()), min_size=1, max_size=5))
def test_words_are_the_tokens_with_a_letter_or_digit_where_they_are(
    texts: list[str | None],
) -> None:
    """Each body's words, by code point: its last word never runs into the next body's first."""
    found = words(pa.array(texts, pa.string()))
    for number, text in enumerate(texts):
        expected = [
            (m.start(), m.end())
            for m in re.finditer(r"[^ \t\n\r\x0b\x0c]+", text or "")
            if any(ch.isalnum() for ch in m.group())
        ]
        these = slice(found.offsets[number], found.offsets[number + 1])
        got = list(
            zip(found.char_start[these].tolist(), found.char_end[these].tolist(), strict=True)
        )
        assert got == expected


@st.composite
def rearranged(draw: st.DrawFn, text: str) -> str:
    """``text`` cut in up to four pieces, shuffled, with a word dropped or added here and there."""
    tokens = text.split(" ")
    cuts = sorted(draw(st.lists(st.integers(0, len(tokens)), max_size=3)))
    pieces = [tokens[a:b] for a, b in zip([0, *cuts], [*cuts, len(tokens)], strict=True)]
    pieces = draw(st.permutations(pieces))
    out = [token for piece in pieces for token in piece]
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(out)))
        if draw(st.booleans()) and at < len(out):
            del out[at]
        else:
            out.insert(at, draw(st.sampled_from(["new", "Words", "here"])))
    return " ".join(out)


@settings(max_examples=80, deadline=None)
@given(canonicals=st.lists(bodies, min_size=1, max_size=3), data=st.data())
def test_chaining_blocks_in_order_at_once_matches_chaining_them_one_by_one(
    canonicals: list[str], data: st.DataObject
) -> None:
    """Blocks that follow one another are chained in numpy as the loop over blocks chains them."""
    copies = [data.draw(rearranged(text)) for text in canonicals for _ in range(2)]
    texts = canonicals + copies
    copy = np.arange(len(canonicals), len(texts))
    canonical = np.repeat(np.arange(len(canonicals)), 2)
    found = words(pa.array(texts))
    blocks = shared_blocks(found, copy, canonical, PARAMS.block_words)
    in_order = _in_order(blocks, len(copy))
    at_once = _chain_in_order(blocks, found, copy, canonical, in_order)
    one_by_one = _chain_one_by_one(blocks, found, copy, canonical, in_order)
    assert at_once[0].tolist() == one_by_one[0].tolist()
    assert at_once[1].tolist() == one_by_one[1].tolist()
