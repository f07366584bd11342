"""Unicode and white-space normalisation of whole shards of text, in Arrow's compute kernels.

Each regex pass is written to match only where the text changes (a run of two spaces, not every
space between two words), because a replacement costs per match; and NFKC runs only on the texts
that have a character it could change.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import ftfy
import pyarrow as pa
import pyarrow.compute as pc

# Line breaks of every platform, and Unicode's line and paragraph separators, become "\n".
LINE_BREAKS = r"\r\n?|[\x0b\x0c\x85\x{2028}\x{2029}]"
# Control and invisible format characters that scraped text carries but no reader wants.
INVISIBLE_CHARACTERS = r"[\x00-\x08\x0e-\x1f\x7f\x{200b}-\x{200d}\x{2060}\x{feff}\x{ad}]"
# Horizontal white space of any kind, after NFKC has already folded most of it to U+0020.
_SPACES = r"\t\x{a0}\x{1680}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}"
HORIZONTAL_SPACE = rf"[ {_SPACES}]+"
# The runs of HORIZONTAL_SPACE that are not already one U+0020: the ones to replace by one.
HORIZONTAL_SPACE_TO_FOLD = rf"[ {_SPACES}]{{2,}}|[{_SPACES}]"
SPACE_AROUND_NEWLINE = r" *\n *"
# The places SPACE_AROUND_NEWLINE changes: a line break with a space before or after it.
SPACE_AROUND_NEWLINE_TO_FOLD = r" +\n *| *\n +"
BLANK_LINE_RUNS = r"\n{3,}"
# Blocks whose characters NFKC leaves as they are: ASCII, Latin-1, Latin Extended-A, general
# punctuation and the euro sign, less those with a compatibility decomposition (½, …, ŉ) and
# combining marks. None of them composes with another, so a text of only these is in NFKC.
_NFKC_CANDIDATE_BLOCKS = (
    (0x09, 0x0B),
    (0x20, 0x7F),
    (0xA0, 0x180),
    (0x2010, 0x2028),
    (0x20AC, 0x20AD),
)
# The UTF-8 bytes of common punctuation read as cp1252/latin-1: the signature of mojibake.
MOJIBAKE = r"â€[™œ\x{9d}˜”“¦–—¢]|Ã[©¨¢§´¼¶ª«±³¹º»]|Â[ ©®°·»«]"


def repair_mojibake(texts: pa.Array) -> pa.Array:
    """Repair double-encoded text (``â€™`` -> ``’``) in the few documents that show it.

    ftfy is a per-document Python call, so only documents matching the mojibake signature pay it.
    """
    suspects = pc.fill_null(pc.match_substring_regex(texts, MOJIBAKE), False)
    indices = pc.indices_nonzero(suspects).to_numpy()
    if len(indices) == 0:
        return texts
    fixed = texts.to_pylist()
    for index in indices:
        fixed[index] = _repaired(fixed[index])
    return pa.array(fixed, type=pa.string())


MOJIBAKE_ROUNDS = 4
"""Repairs of one text at most, each after NFKC of the one before (:func:`_repaired`)."""


def _repaired(text: str) -> str:
    """``text`` repaired by ftfy, as NFKC leaves it when NFKC changes the repair.

    NFKC comes after the repair and can make mojibake ftfy passes over readable to it
    (``â€™Ã©`` after a ``’``: NFKC turns the ``™`` into ``TM`` and ``Ã©`` is left alone,
    which a second repair reads as ``é``): the repair is made again on NFKC's text until NFKC
    changes nothing, so that normalising twice is normalising once.
    """
    for _ in range(MOJIBAKE_ROUNDS):
        # Keep typographic quotes: repairing mojibake must not also rewrite the publisher's style.
        repaired = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)
        settled = unicodedata.normalize("NFKC", repaired)
        if settled == repaired:
            return repaired
        text = settled
    return text


# Below this size NFKC of everything costs less than looking for what it could change.
_NFKC_ALL_BELOW_BYTES = 1 << 16


@cache
def _nfkc_unstable() -> str:
    """RE2 pattern of a character outside the blocks NFKC is known to leave unchanged."""
    stable = [
        code
        for first, end in _NFKC_CANDIDATE_BLOCKS
        for code in range(first, end)
        if unicodedata.normalize("NFKC", chr(code)) == chr(code)
        and not unicodedata.combining(chr(code))
    ]
    ranges: list[list[int]] = []
    for code in stable:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    # Written as ranges: RE2 compiles the class on every call.
    return "[^" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"


def nfkc(texts: pa.Array, *, all_below_bytes: int = _NFKC_ALL_BELOW_BYTES) -> pa.Array:
    """NFKC of each text, computed only for the texts with a character it could change.

    Args:
        texts: Texts (nulls pass through).
        all_below_bytes: Below this size, every text is normalised.
    """
    if texts.nbytes < all_below_bytes:
        return pc.utf8_normalize(texts, form="NFKC")
    unstable = pc.fill_null(pc.match_substring_regex(texts, _nfkc_unstable()), False)
    if not pc.any(unstable).as_py():
        return texts
    changed = pc.utf8_normalize(texts.filter(unstable), form="NFKC")
    return pc.replace_with_mask(texts, unstable, changed)


@cache
def _changing() -> str:
    """RE2 pattern of anything the steps of :func:`normalise_text` before trimming could change.

    A text without it is only trimmed.
    """
    return "|".join(
        [
            LINE_BREAKS,
            INVISIBLE_CHARACTERS,
            HORIZONTAL_SPACE_TO_FOLD,
            MOJIBAKE,
            _nfkc_unstable(),
            SPACE_AROUND_NEWLINE_TO_FOLD,
            BLANK_LINE_RUNS,
        ]
    )


def normalise_text(texts: pa.Array) -> pa.Array:
    """Normalise article texts: mojibake, NFKC, one kind of newline, no invisibles, tidy spaces.

    Lines keep their order; trailing and leading spaces of lines are removed, runs of blank lines
    become one blank line (paragraph breaks survive), and the text is trimmed.

    Args:
        texts: Decoded article texts (nulls pass through).

    Returns:
        The normalised texts, same length and order.
    """
    # One pass finds the texts any step could change (few, in clean corpora); only they go
    # through the steps.
    changing = pc.fill_null(pc.match_substring_regex(texts, _changing()), False)
    if pc.any(changing).as_py():
        texts = pc.replace_with_mask(texts, changing, _normalise_steps(texts.filter(changing)))
    return pc.utf8_trim_whitespace(texts)


def _normalise_steps(texts: pa.Array) -> pa.Array:
    # Invisibles and odd spaces go first: repair and NFKC must see the text as it will stay, or
    # a second normalisation would find new work (NFKC composes `e` + ZWJ-free accent, ftfy
    # reads `\xa0Ã©` differently from ` Ã©`).
    texts = pc.replace_substring_regex(texts, LINE_BREAKS, "\n")
    texts = pc.replace_substring_regex(texts, INVISIBLE_CHARACTERS, "")
    texts = pc.replace_substring_regex(texts, HORIZONTAL_SPACE_TO_FOLD, " ")
    texts = repair_mojibake(texts)
    texts = nfkc(texts)
    texts = pc.replace_substring_regex(texts, HORIZONTAL_SPACE_TO_FOLD, " ")
    texts = pc.replace_substring_regex(texts, SPACE_AROUND_NEWLINE_TO_FOLD, "\n")
    return pc.replace_substring_regex(texts, BLANK_LINE_RUNS, "\n\n")
