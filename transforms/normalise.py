"""Unicode and white-space normalisation of whole shards of text, in Arrow's compute kernels."""

from __future__ import annotations

import ftfy
import pyarrow as pa
import pyarrow.compute as pc

# Line breaks of every platform, and Unicode's line and paragraph separators, become "\n".
LINE_BREAKS = r"\r\n?|[\x0b\x0c\x85\x{2028}\x{2029}]"
# Control and invisible format characters that scraped text carries but no reader wants.
INVISIBLE_CHARACTERS = r"[\x00-\x08\x0e-\x1f\x7f\x{200b}-\x{200d}\x{2060}\x{feff}\x{ad}]"
# Horizontal white space of any kind, after NFKC has already folded most of it to U+0020.
HORIZONTAL_SPACE = r"[ \t\x{a0}\x{1680}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]+"
SPACE_AROUND_NEWLINE = r" *\n *"
BLANK_LINE_RUNS = r"\n{3,}"
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
        # Keep typographic quotes: repairing mojibake must not also rewrite the publisher's style.
        fixed[index] = ftfy.fix_text(fixed[index], normalization="NFC", uncurl_quotes=False)
    return pa.array(fixed, type=pa.string())


def normalise_text(texts: pa.Array) -> pa.Array:
    """Normalise article texts: mojibake, NFKC, one kind of newline, no invisibles, tidy spaces.

    Lines keep their order; trailing and leading spaces of lines are removed, runs of blank lines
    become one blank line (paragraph breaks survive), and the text is trimmed.

    Args:
        texts: Decoded article texts (nulls pass through).

    Returns:
        The normalised texts, same length and order.
    """
    # Invisibles and odd spaces go first: repair and NFKC must see the text as it will stay, or
    # a second normalisation would find new work (NFKC composes `e` + ZWJ-free accent, ftfy
    # reads `\xa0Ã©` differently from ` Ã©`).
    texts = pc.replace_substring_regex(texts, LINE_BREAKS, "\n")
    texts = pc.replace_substring_regex(texts, INVISIBLE_CHARACTERS, "")
    texts = pc.replace_substring_regex(texts, HORIZONTAL_SPACE, " ")
    texts = repair_mojibake(texts)
    texts = pc.utf8_normalize(texts, form="NFKC")
    texts = pc.replace_substring_regex(texts, HORIZONTAL_SPACE, " ")
    texts = pc.replace_substring_regex(texts, SPACE_AROUND_NEWLINE, "\n")
    texts = pc.replace_substring_regex(texts, BLANK_LINE_RUNS, "\n\n")
    return pc.utf8_trim_whitespace(texts)
