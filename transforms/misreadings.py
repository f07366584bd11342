"""Whether the words two similar bodies do not share are misreadings (a scan) or other words.

A scan with every tenth word misread and another day's report of one template look alike to
shingles and to word coverage: both keep nine words in ten, in runs, and break every shingle
around the tenth. They differ in what the tenth word is. In the scan it is the same word with a
letter or two misread (`reportcrs`, `rnodern`, `5tate`); in the template it is another word or
figure (`overnight` for `customer`, `raises` for `cuts`, another company, another amount).

The two bodies are aligned on the shingles they share (anchors: a shared run of ``k`` words
fixes where one body's words stand in the other), and each word of the shorter body between
two anchors is compared with the word at the same place in the other. Few bodies reach this
check (only pairs that no shingle rule makes copies), so it runs in Python over their words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Words as the shingles see them: runs of letters and digits, lower-cased.
WORD = re.compile(r"[^\W_]+")
DIGIT = re.compile(r"[0-9]")
# A misreading changes at most this many letters in one spot (`rn` read as `m` is two)...
MAX_MISREAD_LETTERS = 2
# ...and at most one letter in this many (a short word with two letters changed is another word).
MISREAD_LETTERS_PER_CHANGE = 2


@dataclass(frozen=True, slots=True)
class Differences:
    """How the shorter body's words outside shared passages differ from the other body's."""

    differing: int
    """Words of the shorter body, outside shared passages, unlike the word at their place in
    the other (or with no place there: an inserted or a dropped passage)."""
    misread: int
    """Of those, the words that are a misreading of the word at their place."""


def words(text: str | None) -> list[str]:
    """A body's words, as shingles see them."""
    return WORD.findall((text or "").lower())


def is_misreading(read: str, word: str) -> bool:
    """Whether ``read`` is ``word`` with one spot of a letter or two misread, never a figure.

    A misreading is local: past the letters the two share at either end, at most two letters
    differ on each side (`reportcrs`, `rnodern`, `wamed` for `warned`, a dropped letter), and
    at most one letter in two of the word.
    """
    if read == word:
        return True
    if DIGIT.search(read) and DIGIT.search(word):
        return False  # figures that differ are other figures, whatever OCR does to digits
    shortest = min(len(read), len(word))
    start = 0
    while start < shortest and read[start] == word[start]:
        start += 1
    end = 0
    while end < shortest - start and read[-1 - end] == word[-1 - end]:
        end += 1
    changed = max(len(read), len(word)) - start - end
    return changed <= MAX_MISREAD_LETTERS and changed * MISREAD_LETTERS_PER_CHANGE <= max(
        len(read), len(word)
    )


def differences(shorter: Sequence[str], longer: Sequence[str], k: int) -> Differences:
    """Words of ``shorter`` outside the passages it shares with ``longer``, against theirs.

    Consecutive shared ``k``-word windows (anchors, :func:`_anchors`) that keep the same offset
    in both bodies enclose a gap of as many words on each side: those are compared word for
    word. A gap of other lengths (a passage inserted or dropped), or words before the first or
    after the last anchor that the other body does not match in number, count as differing and
    not misread.
    """
    anchors = _anchors(shorter, longer, k)
    if not anchors:
        return Differences(len(shorter), 0)
    differing = misread = 0

    def compare(mine: Sequence[str], theirs: Sequence[str] | None) -> None:
        nonlocal differing, misread
        if theirs is None or len(theirs) != len(mine):
            differing += len(mine)
            return
        for read, word in zip(mine, theirs, strict=True):
            if read != word:
                differing += 1
                misread += is_misreading(read, word)

    first_i, first_j = anchors[0]
    compare(shorter[:first_i], longer[first_j - first_i : first_j] if first_j >= first_i else None)
    for (i, j), (next_i, next_j) in itertools.pairwise(anchors):
        if next_i <= i + k:  # overlapping or adjacent windows: no word between them
            continue
        gap = shorter[i + k : next_i]
        same_offset = next_j - j == next_i - i
        compare(gap, longer[j + k : next_j] if same_offset else None)
    last_i, last_j = anchors[-1]
    tail = shorter[last_i + k :]
    theirs = longer[last_j + k : last_j + k + len(tail)]
    compare(tail, theirs if len(theirs) == len(tail) else None)
    return Differences(differing, misread)


def _anchors(shorter: Sequence[str], longer: Sequence[str], k: int) -> list[tuple[int, int]]:
    """Where each shared ``k``-word window of ``shorter`` stands in ``longer``: ``(i, j)`` pairs.

    A window found once in each body fixes the offset between them; a window the longer body
    repeats (stock phrases recur in a story) is placed at its occurrence nearest that offset,
    taken from the last window placed before it.
    """
    places: dict[tuple[str, ...], list[int]] = {}
    for j in range(len(longer) - k + 1):
        places.setdefault(tuple(longer[j : j + k]), []).append(j)
    windows = [tuple(shorter[i : i + k]) for i in range(len(shorter) - k + 1)]
    seen: dict[tuple[str, ...], int] = {}
    for window in windows:
        seen[window] = seen.get(window, 0) + 1
    offset = next(
        (
            places[w][0] - i
            for i, w in enumerate(windows)
            if len(places.get(w, ())) == 1 and seen[w] == 1
        ),
        0,
    )
    anchors = []
    for i, window in enumerate(windows):
        found = places.get(window)
        if not found:
            continue
        if len(found) == 1 and seen[window] == 1:
            j = found[0]
        else:
            expected = i + offset
            j = min(found, key=lambda at: abs(at - expected))
        anchors.append((i, j))
        offset = j - i
    return anchors
