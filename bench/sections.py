"""Sections of BENCHMARKS.md that ``make bench`` does not measure, kept when it rewrites the file.

``bench.scale`` (make bench-full), ``bench.report_scale`` and ``bench.syndication`` write their
own sections, and the
reliability report is written by hand from test runs. A section runs from its ``## `` heading to
the next one.
"""

from __future__ import annotations

from pathlib import Path

SCALE = "## Scale: a million articles"
REPORT_QUERIES = "## Report queries at scale"
RELIABILITY = "## Reliability report"
SYNDICATION_QUALITY = "## Syndication quality"
SYNDICATION_COST = "## Syndication cost at a million articles"
KEPT = (SCALE, REPORT_QUERIES, RELIABILITY, SYNDICATION_QUALITY, SYNDICATION_COST)


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


def kept_sections(path: Path) -> str:
    """The kept sections found in ``path``, each after a blank line, to append to a rewrite."""
    text = path.read_text() if path.is_file() else ""
    return "".join("\n" + section(text, heading) for heading in KEPT if heading in text)
