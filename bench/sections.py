"""Sections of BENCHMARKS.md: each benchmark writes its own, and ``make bench`` keeps the others.

A section runs from its ``## `` heading to the next one. ``bench.run`` (make bench) rewrites the
sections it measures and keeps every other section as it was, so a benchmark that writes its own
section (``bench.scale``, ``bench.report_scale``, ``bench.cpu_profile``...) needs no registry here.
"""

from __future__ import annotations

from pathlib import Path

SCALE = "## Scale: a million articles"
REPORT_QUERIES = "## Report queries at scale"
RELIABILITY = "## Reliability report"
CPU = "## CPU per article"
FIRST_START = "## First start on a busy machine"
TEST_SUITE = "## Test suite on a clean clone"
INTEGRITY = "## Integrity checks"
REAL = "## Partial reprints on real corpora"
FIELDS = "## Field accuracy"
SYNDICATION_QUALITY = "## Syndication quality"
SYNDICATION_COST = "## Syndication cost at a million articles"
INCREMENTS = "## Increments: what a scheduled run costs"


def section(text: str, heading: str) -> str:
    """The section under ``heading`` in ``text`` (heading included), or "" if absent."""
    if heading not in text:
        return ""
    after = text.split(heading, 1)[1]
    return heading + after.split("\n## ", 1)[0].rstrip("\n") + "\n"


def put_section(path: Path, heading: str, text: str) -> None:
    """Put ``text`` (a section starting with ``heading``) in place of the old one, or at the end."""
    old = path.read_text() if path.is_file() else ""
    before, found, after = old.partition(heading)
    if found:
        rest = after.split("\n## ", 1)
        new = before + text.rstrip("\n") + "\n" + ("\n## " + rest[1] if len(rest) == 2 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    path.write_text(new)


def headings(text: str) -> list[str]:
    """The ``## `` headings of ``text``, in order."""
    return [line for line in text.splitlines() if line.startswith("## ")]


def kept_sections(path: Path, rewritten: tuple[str, ...]) -> str:
    """The sections of ``path`` not among ``rewritten``, each after a blank line, to append."""
    text = path.read_text() if path.is_file() else ""
    return "".join(
        "\n" + section(text, heading) for heading in headings(text) if heading not in rewritten
    )
