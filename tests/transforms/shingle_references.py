"""Slow pure-Python references of the shingle definitions, and text strategies, for the tests of
:mod:`transforms.shingles` and :mod:`transforms.minhash`.

Band keys are persisted (``body_bands``) and met by later runs, so the references pin every value:
word hashes and the shingle polynomial here, signature bins, densification and the band fold in
``test_minhash``.
"""

import re

import xxhash
from hypothesis import strategies as st

from transforms.shingles import Shingles

MASK = (1 << 64) - 1
FOLD = 0x100000001B3


def reference_words(body: str | None) -> list[str]:
    """Runs of Unicode letters and digits of the lower-cased text."""
    return re.findall(r"[^\W_]+", (body or "").lower())


def reference_tuples(body: str | None, k: int) -> set[tuple[str, ...]]:
    """The shingles of a body as word tuples."""
    words = reference_words(body)
    if not words:
        return set()
    if len(words) < k:
        return {tuple(words)}
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def mix(z: int) -> int:
    """splitmix64's finaliser."""
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def reference_hash(words: tuple[str, ...]) -> int:
    """A shingle's hash: word hashes folded as a polynomial, mixed, the top 40 bits."""
    folded = 0
    for word in words:
        folded = (folded * FOLD + xxhash.xxh3_64_intdigest(word.encode())) & MASK
    return mix(folded) >> 24


def reference_shingles(body: str | None, k: int) -> list[int]:
    """A body's shingle hashes, sorted."""
    return sorted({reference_hash(t) for t in reference_tuples(body, k)})


def reference_covered(query: str | None, target: str | None, k: int) -> tuple[int, int]:
    """Words of ``query`` inside a window of k words (all of a shorter body) that is a shingle
    of ``target``, and the longest run of such words."""
    words = reference_words(query)
    found = reference_tuples(target, k)
    if len(words) < k:
        covered = [bool(words) and tuple(words) in found] * len(words)
    else:
        windows = [tuple(words[i : i + k]) in found for i in range(len(words) - k + 1)]
        covered = [
            any(windows[max(0, j - k + 1) : min(j, len(windows) - 1) + 1])
            for j in range(len(words))
        ]
    longest = run = 0
    for is_covered in covered:
        run = run + 1 if is_covered else 0
        longest = max(longest, run)
    return sum(covered), longest


def reference_opening_grams(body: str | None, opening_words: int, gram_bytes: int) -> list[int]:
    """Hashes of the byte grams of the first words, each followed by a space, sorted."""
    stream = "".join(f"{w} " for w in reference_words(body)[:opening_words]).encode()
    grams = set()
    for start in range(len(stream) - gram_bytes + 1):
        folded = 0
        for byte in stream[start : start + gram_bytes]:
            folded = (folded * FOLD + byte) & MASK
        grams.add(mix(folded) >> 24)
    return sorted(grams)


def sets_of(sh: Shingles) -> list[list[int]]:
    return [sh.hashes[a:b].tolist() for a, b in zip(sh.offsets[:-1], sh.offsets[1:], strict=True)]


# --- strategies --------------------------------------------------------------------------------

# Letters (ASCII, accented, CJK), digits of other scripts, and separators of every style; no
# characters whose lower case differs between Python and Arrow (final sigma, dotted I).
CHARACTERS = [
    *"aAbBcéÉüÜñßx9０١²中文 \n\t,.;!?-_'\"",
    *"\u00a0\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u0303\U0001f600",
]
free_text = st.text(alphabet=st.sampled_from(CHARACTERS), max_size=80)
WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta"]
prose = st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join)
bodies_strategy = st.lists(st.one_of(prose, free_text, st.none()), min_size=1, max_size=12)
