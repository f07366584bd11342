"""Misread words (a scan) against other words (another report of one template)."""

import pytest

from transforms.misreadings import Differences, differences, is_misreading, words


@pytest.mark.parametrize(
    ("read", "word"),
    [
        ("reportcrs", "reporters"),  # e read as c
        ("rnodern", "modern"),  # m read as rn
        ("wamed", "warned"),  # rn read as m
        ("reprters", "reporters"),  # a dropped letter
        ("centres", "centers"),
        ("same", "same"),
    ],
)
def test_a_letter_or_two_misread_in_one_spot_is_a_misreading(read: str, word: str) -> None:
    assert is_misreading(read, word)


@pytest.mark.parametrize(
    ("read", "word"),
    [
        ("overnight", "customer"),
        ("raises", "cuts"),
        ("morning", "afternoon"),
        ("5.92", "5.90"),  # another figure, however close
        ("1987", "1986"),
        ("tamura", "tabuchi"),
        ("reprtcrs", "reporters"),  # two spots
    ],
)
def test_another_word_or_figure_is_not(read: str, word: str) -> None:
    assert not is_misreading(read, word)


STORY = (
    "The Kremlin spokesman told reporters on Monday that the modern approach was working well. "
    "We see a tense situation and we will act on the grain deal, the spokesman said. "
    "Officials in Geneva described the talks as constructive, citing 433 cases. "
    "We see a tense situation and we will act on the grain deal, the minister added later."
)


def test_a_scan_differs_from_its_story_by_misreadings_only() -> None:
    scan = STORY.replace("reporters", "reportcrs").replace("modern", "rnodern")
    scan = scan.replace("constructive", "constructlve").replace("minister", "rninister")
    found = differences(words(scan), words(STORY), 5)
    assert found == Differences(differing=4, misread=4)


def test_a_template_with_other_values_differs_by_other_words() -> None:
    other = STORY.replace("Monday", "Friday").replace("Geneva", "Vienna").replace("433", "12")
    found = differences(words(other), words(STORY), 5)
    assert found == Differences(differing=3, misread=0)


def test_a_repeated_phrase_is_aligned_where_it_stands() -> None:
    """The stock sentence comes twice: each copy of it is compared with its own place."""
    scan = STORY.replace("the minister added", "the rninister added")
    found = differences(words(scan), words(STORY), 5)
    assert found == Differences(differing=1, misread=1)


def test_an_inserted_passage_differs_without_misreading() -> None:
    longer = STORY.replace("citing 433 cases.", "citing 433 cases and a long list of other things.")
    found = differences(words(STORY), words(longer), 5)
    assert found.misread == 0
    shorter_first = differences(words(longer), words(STORY), 5)
    assert shorter_first.differing >= 7 and shorter_first.misread == 0
