"""When two bodies are near copies of one story: the parameters, a screen, the verification.

Candidates (bodies sharing an LSH bucket) are first judged on their stored signatures and
shingle counts (:func:`plausible_pairs`), so the text of most is never read; the rest are
verified on their exact shingle sets (:func:`verify_pairs`), with the figures rule of
:mod:`transforms.figures` on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.arrays import contiguous
from transforms.figures import templated
from transforms.minhash import MinHashParams
from transforms.misreadings import differences, words
from transforms.shingles import coverage, shingle_sequences, similarity
from transforms.word_count import SHORT_BODY_WORDS, word_counts

# Candidate pairs whose signatures are compared at once (rows x permutations bytes each).
ESTIMATE_CHUNK = 100_000


@dataclass(frozen=True, slots=True)
class NearDupParams:
    """When two bodies are copies of one story, and how candidates are found (LSH banding).

    Defaults measured on the generator's syndication labels (BENCHMARKS.md): a copy either shares
    most of its shingles with the other (Jaccard), or is mostly contained in it (a partial
    reprint, a trimmed tail) while still sharing a fair part of the longer text.
    """

    minhash: MinHashParams = field(default_factory=MinHashParams)
    min_jaccard: float = 0.5
    """Bodies this similar are copies."""
    min_containment: float = 0.8
    """A body this much contained in another is a copy of it..."""
    min_jaccard_contained: float = 0.2
    """...if the two also share this much (a shared background paragraph or quote does not)..."""
    min_contained_shingles: int = 25
    """...and the shorter body has this many shingles: a short notice is wholly contained in
    another of the same template (Reuters: `Qtly div five cts vs five cts prior / Pay July One /
    Record June 17` of two companies), which says nothing about them being one story."""
    min_words: int = SHORT_BODY_WORDS
    """Bodies of fewer words are never near copies (nor exact ones under another headline:
    :data:`transforms.word_count.SHORT_BODY_WORDS`)."""
    min_number_mismatch: float = 0.25
    """Copies by the rules above are reports of one template, not one story, when at least this
    share of the numbers stated by the body stating fewer is not stated by the other
    (:func:`transforms.figures.number_tokens`; Reuters: `FED ADDS RESERVES VIA CUSTOMER
    REPURCHASES`, the same 46 words every few days with another amount and rate)..."""
    min_number_gap: float = 0.05
    """...and masking every number raises their containment by at least this much: at least
    this share of the shorter body's shingles agree only once the figures are masked, so the
    numbers are a real part of what the bodies say. A correction of one figure of a results
    table, or a long story with one figure changed, stays a copy."""
    estimate_margin: float = 0.1
    """Candidates whose estimated similarity falls this far short of a threshold (2.5 standard
    errors of the estimate) are not measured on their text."""
    max_bucket_bodies: int = 100
    """An LSH bucket shared by more distinct bodies than this is stock text (a phrase used by
    every few articles fills the band's rows), not evidence of copies, and yields no candidates.
    Without the cap, candidates grow with the square of the corpus; a story needs this many
    distinct versions sharing every one of its buckets before its copies are missed."""
    opening_words: int = 40
    """A body's opening passage is its first this many words. A brief or a teaser reprints a
    story's opening, and has a Jaccard too small for the body bands to find at any size ratio
    (a 60-word brief of a 2,000-word story: 0.03); bodies whose openings agree are candidates
    whatever their lengths. Forty words: the shortest brief or teaser holds the whole opening."""
    opening_gram_bytes: int = 9
    """The opening is sketched as character grams of this many bytes, not word shingles: a
    misread letter (OCR) costs the few grams around it, not the five shingles it is in, so a
    scanned copy's opening still agrees with the story's. Shorter grams are shared by unrelated
    openings that use the same stock words."""
    opening_minhash: MinHashParams = field(
        default_factory=lambda: MinHashParams(permutations=32, bands=8, rows=4, seed=2)
    )
    """MinHash and banding of the opening's grams (its ``shingle_words`` is unused). Its band
    keys are stored after the body's in ``body_bands`` (band numbers from ``minhash.bands``)."""
    min_opening_bands: int = 3
    """Bodies whose openings agree on this many bands are measured on their text whatever their
    signatures say: the opening is the same passage (a brief, a teaser). One band in common is
    what unrelated openings of the same stock phrases share now and then."""
    min_coverage: float = 0.75
    """A body whose words lie this much inside passages of at least ``shingle_words`` words
    found in the other (:func:`transforms.shingles.coverage`) is a copy of it (a scan) when,
    besides, ..."""
    min_coverage_jaccard: float = 0.2
    """...the two share this much (every tenth word misread costs half of the shingles but few
    of the words)..."""
    min_misread_share: float = 0.7
    """...and this share of the words it does not share with the other are misreadings of the
    word at their place there (:mod:`transforms.misreadings`: a letter or two changed, never
    another figure). Other reports of one template (another amount, another company, `raises`
    for `cuts`) differ in other words."""
    min_reprint_share: float = 0.7
    """A body of which one passage found in the other holds this share of its words is a
    partial reprint of it (a brief, a teaser and its subscription line), whatever the length of
    the other, when..."""
    min_reprinted_words: int = 40
    """...that passage holds this many words (the minimum shared length). A digest quoting the
    first sentences of several stories shares one sentence with any one of them; a template
    filled with another company's name and figures breaks its passages at every value."""

    def __post_init__(self) -> None:
        if self.max_bucket_bodies < 2:
            raise ValueError("max_bucket_bodies must be at least 2")
        if self.opening_words < 1 or self.opening_gram_bytes < 1:
            raise ValueError("opening_words and opening_gram_bytes must be at least 1")

    @property
    def bands(self) -> int:
        """Band keys per body: the body's, then its opening's."""
        return self.minhash.bands + self.opening_minhash.bands


def plausible_pairs(
    sigs: np.ndarray,
    sizes: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    params: NearDupParams,
    openings: np.ndarray | None = None,
) -> np.ndarray:
    """Indices of the pairs that may be copies, judged on their sketches.

    Signature agreement estimates Jaccard J (standard error about 0.04 at 111 rows), and with
    the two shingle counts it estimates containment, J (|A| + |B|) / ((1 + J) min(|A|, |B|)).
    ``sigs`` may hold only the low byte of each row (:func:`transforms.sketches.signature_bytes`):
    rows then agree by chance one time in 256, which raises the estimate by at most 0.004,
    keeping more pairs. A pair is kept when an estimate is within ``estimate_margin`` of a copy
    threshold (Jaccard, or containment with its Jaccard floor), when the estimated Jaccard
    reaches the floor of the coverage rule, or when the two bodies' openings agree on
    ``min_opening_bands`` bands: a brief of a long story has a Jaccard too small to estimate its
    containment from (at 60 words against 2,000 the error of the estimate is larger than the
    value). Only the kept pairs are measured on their text. Depends on the two bodies only (not
    on bucket sizes), so runs day by day keep the pairs one run over everything keeps. Computed
    in chunks of pairs to bound memory.

    Args:
        sigs: Signatures (or their low bytes) of the bodies.
        sizes: Shingles of each body.
        left: Index of one side of each pair.
        right: Index of the other side.
        params: Thresholds and the margin.
        openings: Opening band keys of the bodies (``(bodies, opening bands)``, any unsigned
            type: their low 32 bits are enough), or None to ignore openings.
    """
    margin = params.estimate_margin
    keep: list[np.ndarray] = []
    for start in range(0, len(left), ESTIMATE_CHUNK):
        a, b = left[start : start + ESTIMATE_CHUNK], right[start : start + ESTIMATE_CHUNK]
        # Agreeing rows counted as integers, then divided: their mean, without its float sums.
        jaccard = (sigs[a] == sigs[b]).sum(axis=1, dtype=np.int32) / sigs.shape[1]
        small = np.maximum(np.minimum(sizes[a], sizes[b]), 1)
        containment = jaccard * (sizes[a] + sizes[b]) / ((1 + jaccard) * small)
        maybe = (
            (jaccard >= params.min_jaccard - margin)
            | (
                (containment >= params.min_containment - 1.5 * margin)
                & (jaccard >= params.min_jaccard_contained - margin)
                & (small >= params.min_contained_shingles)
            )
            # At its floor, not within the margin: below 0.2, candidates are mostly unrelated
            # stories of the same stock phrases, which would read ten times the text.
            | (jaccard >= params.min_coverage_jaccard)
        )
        if openings is not None:
            maybe |= (openings[a] == openings[b]).sum(axis=1) >= params.min_opening_bands
        keep.append(start + np.flatnonzero(maybe))
    return np.concatenate(keep) if keep else np.empty(0, np.int64)


def verify_pairs(
    bodies: pa.Array, left: np.ndarray, right: np.ndarray, params: NearDupParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact similarity of pairs of bodies, and which pairs are copies.

    Each body is shingled once however many pairs it is in. The callers measure only the pairs
    their signatures call plausible (:func:`plausible_pairs`).

    Args:
        bodies: The distinct bodies the pairs name.
        left: Index in ``bodies`` of one side of each pair.
        right: Index of the other side.
        params: Thresholds and MinHash settings.

    Returns:
        ``(jaccard, containment, is_copy)`` aligned with the pairs.
    """
    if len(left) == 0:
        empty = np.zeros(0, dtype=np.float32)
        return empty, empty, np.zeros(0, dtype=bool)
    texts = contiguous(bodies)
    k = params.minhash.shingle_words
    shingles, sequences = shingle_sequences(texts, k)
    jaccard, containment = similarity(shingles, left, right)
    sizes = shingles.sizes()
    words = word_counts(pc.fill_null(texts, "")).to_numpy()
    long_enough = np.minimum(words[left], words[right]) >= params.min_words
    contained_enough = np.minimum(sizes[left], sizes[right]) >= params.min_contained_shingles
    is_copy = (
        (jaccard >= params.min_jaccard)
        | (
            (containment >= params.min_containment)
            & (jaccard >= params.min_jaccard_contained)
            & contained_enough
        )
    ) & long_enough
    # Partial and noisy reprints, by the words of the shorter body found in the other.
    maybe = np.flatnonzero(
        ~is_copy
        & long_enough
        & contained_enough
        & ((jaccard >= params.min_coverage_jaccard) | (containment >= params.min_reprint_share))
    )
    if len(maybe):
        a, b = left[maybe], right[maybe]
        shorter_is_a = sequences.words[a] <= sequences.words[b]
        query, target = np.where(shorter_is_a, a, b), np.where(shorter_is_a, b, a)
        covered, passage = coverage(sequences, shingles, query, target, k)
        words_of_query = sequences.words[query]
        # A brief or a teaser: one passage of the other, nearly all of the shorter body.
        reprint = (passage >= params.min_reprint_share * words_of_query) & (
            passage >= params.min_reprinted_words
        )
        # A scan: nearly all of its words in passages of the other, the rest misread.
        scan = ~reprint & (jaccard[maybe] >= params.min_coverage_jaccard)
        scan &= covered >= params.min_coverage * words_of_query
        for at in np.flatnonzero(scan):
            scan[at] = _misread_enough(texts, int(query[at]), int(target[at]), params)
        is_copy[maybe] = reprint | scan
    copies = np.flatnonzero(is_copy)
    figures_disagree = templated(
        texts,
        left[copies],
        right[copies],
        containment[copies],
        min_mismatch=params.min_number_mismatch,
        min_gap=params.min_number_gap,
        shingle_words=params.minhash.shingle_words,
    )
    is_copy[copies[figures_disagree]] = False
    return jaccard.astype(np.float32), containment.astype(np.float32), is_copy


def _misread_enough(texts: pa.Array, shorter: int, longer: int, params: NearDupParams) -> bool:
    """Whether most words the shorter body does not share with the longer are misreadings."""
    found = differences(
        words(texts[shorter].as_py()), words(texts[longer].as_py()), params.minhash.shingle_words
    )
    return found.misread >= params.min_misread_share * found.differing
