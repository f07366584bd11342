"""Page chrome removal from plain text, for whole shards at once.

Scraped article text still carries the site around the story: share bars, donation appeals,
"Read more" lists of other stories, copyright lines. Two layers remove it:

1. Rules (RE2 patterns over every line of the shard at once):
   * chrome lines, dropped wherever they stand (``Support The Moscow Times!``, ``Share on
     Facebook``, ``© 2021 ...``, ``Advertisement``, photo credits standing alone);
   * tail markers (``Read more about: Kremlin``, ``Related articles``, the Moscow Times appeal
     ``Independent journalism isn't dead...``): from the marker on, the rest of the page is chrome,
     but only when the marker comes after the first part of the page, so a menu entry at the top
     cannot cut a story.
2. Learned: lines repeated across many documents of the corpus (:class:`RepeatedLineStats`) are
   chrome, unless they read like prose.

Removing article text is worse than keeping a footer, so every rule is anchored to a whole line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

_SOCIAL = (
    r"(?:Facebook|Twitter|X|WhatsApp|Telegram|LinkedIn|Reddit|Email|E-mail|Print|VK|Copy link)"
)
_AGENCY = r"(?:AP|AFP|Reuters|TASS|EPA|Getty Images|Sputnik|Xinhua|AP Photo|Reuters Photo)"

# Whole lines that are chrome wherever they stand.
CHROME_LINE = "|".join(
    [
        r"^(?:Support|Donate to|Subscribe to|Contribute to) [^.]{2,60}!?$",
        r"^(?:Contribute|Donate|Subscribe)(?: today| now)?!?$",
        rf"^(?:Share(?: this)?(?: article| story| on)?:?|Tweet|Follow us(?: on)?:?)"
        rf"(?: {_SOCIAL})*$",
        rf"^{_SOCIAL}(?:,? {_SOCIAL})+$",
        r"^(?:©|\(c\)|Copyright\b).{0,150}$",
        r"^All rights reserved\.?$",
        r"^(?:Advertisement|ADVERTISEMENT|Sponsored(?: content)?|Skip to (?:main )?content)$",
        r"^(?:Read more|Read next|Read also|Also read|See also|More on this|Related)\b"
        r"[^.!?]{0,120}$",
        r"^\d+ (?:comments?|shares?|views?)$",
        r"^Comments? \(\d+\)$",
        r"^(?:Photo|Image|Credit|Photograph|Picture)s?(?: credit)?: [^.]{1,80}$",
        # A caption that ends with its photo credits: `... military coup. AP / TASS`.
        rf"^.{{10,400}}[.!?\"”] {_AGENCY}(?: ?/ ?{_AGENCY})+$",
        r"^(?:We use cookies|This (?:site|website) uses cookies"
        r"|By continuing to (?:use|browse)).*$",
        r"^(?:Sign up|Subscribe)(?: now)?(?: to| for)? (?:our|the) [^.]{0,50}newsletters?\b.*$",
    ]
)

# Lines after which the rest of the page is chrome (related stories, appeals, comments).
TAIL_MARKER = "|".join(
    [
        r"^Read more(?: about)?:?.{0,120}$",
        r"^(?:Related|Related articles|Related stories|Related news|More from [^.]{1,60}"
        r"|More stories|You may also like|You might also like|Recommended(?: for you)?"
        r"|Most read|Most popular|Trending(?: now)?|Latest news|Comments)$",
        r"^Independent journalism isn['’]t dead\b.*$",
    ]
)

# A tail marker in the first fifth of the page is navigation, not the end of the story: it is
# dropped as a line, but it does not cut the page.
MIN_TAIL_POSITION = 0.2
# A repeated line this long reads like prose: boilerplate sentences are short, and a paragraph of
# wire copy repeated across syndicated copies must not be removed from all of them.
MAX_LEARNED_CHROME_CHARS = 200
# Seen in this many documents, a short line is site chrome rather than a coincidence: a story's
# own lines recur only in its few syndicated copies.
MIN_LEARNED_DOCUMENTS = 20


@dataclass(frozen=True)
class RepeatedLineStats:
    """How many documents contain each line (by 64-bit hash), learned from a corpus."""

    table: pa.Table
    """Columns ``line_hash`` (uint64) and ``documents`` (int64)."""

    @classmethod
    def empty(cls) -> RepeatedLineStats:
        """Statistics of an empty corpus."""
        return cls(
            pa.table(
                {"line_hash": pa.array([], pa.uint64()), "documents": pa.array([], pa.int64())}
            )
        )

    def merge(self, other: RepeatedLineStats) -> RepeatedLineStats:
        """Statistics of both corpora together (shards, or an earlier run and this one)."""
        both = pa.concat_tables([self.table, other.table])
        summed = both.group_by("line_hash").aggregate([("documents", "sum")])
        return RepeatedLineStats(summed.rename_columns(["line_hash", "documents"]))

    def frequent(self, min_documents: int) -> pa.Array:
        """Hashes of the lines seen in at least ``min_documents`` documents."""
        mask = pc.greater_equal(self.table.column("documents"), min_documents)
        return self.table.column("line_hash").filter(mask).combine_chunks()


def _lines(texts: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """All lines of all texts, each line's document index, and each document's line count."""
    split = pc.split_pattern(pc.fill_null(texts, ""), "\n")
    if isinstance(split, pa.ChunkedArray):
        split = split.combine_chunks()
    counts = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
    document = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return pc.list_flatten(split), document, counts


def _line_hashes(lines: pa.Array) -> np.ndarray:
    encoded = pc.dictionary_encode(lines)
    unique = [xxhash.xxh3_64_intdigest(line.encode()) for line in encoded.dictionary.to_pylist()]
    return np.asarray(unique, dtype=np.uint64)[encoded.indices.to_numpy()]


def count_lines(texts: pa.Array) -> RepeatedLineStats:
    """Count, for each distinct non-blank line, the documents of ``texts`` that contain it."""
    lines, document, _ = _lines(texts)
    if len(lines) == 0:
        return RepeatedLineStats.empty()
    table = pa.table({"document": document, "line_hash": _line_hashes(lines)})
    table = table.filter(pc.not_equal(pc.utf8_length(lines), 0))
    distinct = table.group_by(["line_hash", "document"]).aggregate([])
    counted = distinct.group_by("line_hash").aggregate([("document", "count")])
    return RepeatedLineStats(counted.rename_columns(["line_hash", "documents"]))


def remove_chrome(
    texts: pa.Array,
    *,
    repeated_lines: RepeatedLineStats | None = None,
    min_learned_documents: int = MIN_LEARNED_DOCUMENTS,
) -> pa.Array:
    r"""Remove page chrome from normalised article texts.

    Args:
        texts: Normalised texts (``\n`` line breaks, blank lines between paragraphs).
        repeated_lines: Line statistics of the corpus; lines frequent there are removed too.
        min_learned_documents: Documents a line must appear in to count as learned chrome.

    Returns:
        The texts without chrome, paragraphs still separated by one blank line; nulls stay null.
    """
    if len(texts) == 0:
        return texts
    lines, document, counts = _lines(texts)
    if len(lines) == 0:
        return texts
    chrome = pc.fill_null(pc.match_substring_regex(lines, CHROME_LINE), False).to_numpy(
        zero_copy_only=False
    )
    marker = pc.fill_null(pc.match_substring_regex(lines, TAIL_MARKER), False).to_numpy(
        zero_copy_only=False
    )
    if repeated_lines is not None:
        frequent = pc.is_in(
            pa.array(_line_hashes(lines)), value_set=repeated_lines.frequent(min_learned_documents)
        )
        short = pc.less_equal(pc.utf8_length(lines), MAX_LEARNED_CHROME_CHARS)
        chrome |= pc.and_(frequent, short).to_numpy(zero_copy_only=False)

    # Position of each line in its document, as the share of the document's characters before it.
    lengths = pc.utf8_length(lines).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    chars_before = np.cumsum(lengths) - lengths
    doc_chars_before = (
        chars_before - chars_before[starts[document]] if len(starts) else chars_before
    )
    totals = np.add.reduceat(lengths, starts[counts > 0]) if len(lengths) else np.array([])
    doc_total = np.zeros(len(counts), dtype=np.int64)
    doc_total[counts > 0] = totals
    position = doc_chars_before / np.maximum(doc_total[document], 1)

    # Each document is cut at its first tail marker past the first part of the page.
    cuts = marker & (position >= MIN_TAIL_POSITION)
    line_index = np.arange(len(lines)) - starts[document]
    first_cut = np.full(len(counts), np.iinfo(np.int64).max)
    np.minimum.at(first_cut, document[cuts], line_index[cuts])
    keep = ~chrome & ~marker & (line_index < first_cut[document])

    kept_counts = np.bincount(document[keep], minlength=len(counts))
    offsets = np.concatenate([[0], np.cumsum(kept_counts)]).astype(np.int32)
    rebuilt = pa.ListArray.from_arrays(pa.array(offsets), lines.filter(pa.array(keep)))
    joined = pc.binary_join(rebuilt, "\n")
    joined = pc.replace_substring_regex(joined, r"\n{3,}", "\n\n")
    cleaned = pc.utf8_trim_whitespace(joined)
    return pc.if_else(pc.is_null(texts), pa.nulls(len(texts), pa.string()), cleaned)
