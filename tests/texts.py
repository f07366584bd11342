"""Made-up prose for the near-copy tests, and the same prose as a scan would read it."""

from __future__ import annotations

import numpy as np

SYLLABLES = ["ka", "lo", "mer", "sin", "ta", "vel", "dor", "pri", "nu", "hes", "gra", "bol"]
SHORT_WORDS = ["the", "of", "and", "to", "in", "a", "on", "for", "was", "by", "at", "its"]


def sentences(seed: int, count: int) -> list[str]:
    """Sentences of 12 to 24 words: short common words and made-up ones of 2 to 4 syllables.

    Two seeds share little more than the short words, as two unrelated stories do.
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        words = [
            str(rng.choice(SHORT_WORDS))
            if rng.random() < 0.5
            else "".join(rng.choice(SYLLABLES, size=rng.integers(2, 5)))
            for _ in range(rng.integers(12, 25))
        ]
        out.append(" ".join(words).capitalize() + ".")
    return out


def paragraphs(seed: int, count: int) -> list[str]:
    """Paragraphs of three sentences."""
    flat = sentences(seed, 3 * count)
    return [" ".join(flat[i : i + 3]) for i in range(0, len(flat), 3)]


def misread(texts: list[str]) -> list[str]:
    """Every sixth word of five letters or more with one letter misread, as OCR does."""
    seen, out = 0, []
    for text in texts:
        words = text.split(" ")
        for i, word in enumerate(words):
            if len(word.strip(".")) >= 5:
                if seen % 6 == 0:
                    words[i] = word[:2] + ("c" if word[2] != "c" else "e") + word[3:]
                seen += 1
        out.append(" ".join(words))
    return out
