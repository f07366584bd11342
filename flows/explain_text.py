"""``newsetl explain`` as text: a document's story, its canonical and their shared passage."""

from __future__ import annotations

import itertools
import textwrap
from typing import Any

from warehouse.explain import Explanation

# The two columns of the passage side by side, and the gutter between them.
DEFAULT_WIDTH = 100
GUTTER = " | "


def _date(row: dict[str, Any]) -> str:
    day = row.get("published_date")
    if day is None:
        return "undated"
    return day.strftime("%Y-%m") if row.get("date_precision") == "month" else day.isoformat()


def _document_line(row: dict[str, Any]) -> str:
    title = row.get("title")
    headline = f'"{title}"' if title else "(no headline)"
    return (
        f"{row['doc_id']} · {row['publisher']} · {_date(row)} · {headline} · {row['source_path']}"
    )


def _plural(count: int, word: str, words: str = "") -> str:
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def _story_lines(story: dict[str, Any]) -> list[str]:
    lines = [
        f"{story['cluster_id']} · {_plural(story['copies'], 'copy', 'copies')} "
        f"in {_plural(story['outlets'], 'outlet')}"
    ]
    if story["agency"]:
        credit = _plural(story["agency_documents"], "copy credits", "copies credit")
        lines.append(f"wire {story['agency']} ({credit} it)")
    else:
        lines.append("no wire credited")
    first = story["first_seen_date"]
    day = first.isoformat() if first else "(undated)"
    seen = f"first seen {day} by {story['first_seen_publisher']}"
    if story["first_day_outlets"] > 1:
        seen += f" (tied with {story['first_day_outlets'] - 1} other outlet(s) that day)"
    lines.append(seen)
    spread = []
    if story["spread_days"] is not None and story["outlets"] > 1:
        spread.append(f"last copy after {_plural(story['spread_days'], 'day')}")
    for outlets in (2, 5, 10):
        days = story[f"days_to_{outlets}_outlets"]
        if days is not None:
            spread.append(f"{outlets} outlets after {_plural(days, 'day')}")
    if spread:
        lines.append("spread: " + ", ".join(spread))
    return lines


def _end(added: int, removed: int, end: str, verbs: tuple[str, str]) -> str | None:
    """What the copy did at one end of the shared text: added, dropped or replaced words."""
    if added and removed:
        return f"{end} changed: {_plural(added, 'word')} in place of {removed}"
    if added:
        return f"{verbs[0]} {end} of {_plural(added, 'word')}"
    if removed:
        return f"{verbs[1]} {end} of {_plural(removed, 'word')}"
    return None


def _differences(passage: dict[str, Any]) -> str:
    parts = [
        _end(
            passage["lead_added_words"], passage["lead_removed_words"], "lead", ("added", "dropped")
        ),
        _end(
            passage["tail_added_words"], passage["tail_trimmed_words"], "tail", ("added", "trimmed")
        ),
    ]
    if passage["edits"]:
        parts.append(
            f"{_plural(passage['edits'], 'edit')} ({_plural(passage['inserted_words'], 'word')} "
            f"inserted, {_plural(passage['deleted_words'], 'word')} deleted)"
        )
    found = [part for part in parts if part]
    return "; ".join(found) or "the same words (only punctuation, case or spacing differ)"


def side_by_side(left: str, right: str, width: int) -> list[str]:
    """Two texts wrapped into columns of ``width`` characters in all."""
    column = max((width - len(GUTTER)) // 2, 10)
    lines_left = textwrap.wrap(left, column) or [""]
    lines_right = textwrap.wrap(right, column) or [""]
    return [
        f"{a:<{column}}{GUTTER}{b}".rstrip()
        for a, b in itertools.zip_longest(lines_left, lines_right, fillvalue="")
    ]


def render_explanation(found: Explanation, width: int = DEFAULT_WIDTH) -> str:
    """The explanation as lines of text for a terminal."""
    document, canonical = found.document, found.canonical
    out = [f"document   {_document_line(document)}"]
    out += [f"story      {line}" for line in _story_lines(found.story)[:1]]
    out += [f"           {line}" for line in _story_lines(found.story)[1:]]
    if found.match is None:
        out.append("canonical  this document: it represents its story")
        if found.copies:
            out.append(f"copies     {_plural(document['cluster_size'] - 1, 'copy', 'copies')}")
            for copy in found.copies:
                figures = f"{copy['kind']}, Jaccard {copy['similarity']:.3f}"
                if copy["passage_words"] is not None:
                    figures += f", longest shared passage {copy['passage_words']} words"
                out.append(
                    f"           {copy['doc_id']} · {copy['publisher']} · {_date(copy)} · {figures}"
                )
        else:
            out.append("copies     none: no other document carries this story")
        return "\n".join(out)
    match = found.match
    out.append(f"canonical  {_document_line(canonical)}")
    out.append(
        f"match      {match['kind']} copy · Jaccard {match['similarity']:.3f} · containment "
        f"{match['containment']:.3f} (word 5-shingles)"
    )
    if match["kind"] == "exact":
        out.append("passage    the whole body: both documents have the same text")
        return "\n".join(out)
    passage = found.passage
    if passage is None or passage["passage_start"] is None:
        reason = (
            "none recorded (a snapshot published before match_passages)"
            if passage is None
            else "no run of 5 words in common"
        )
        out.append(f"passage    {reason}")
        return "\n".join(out)
    out.append(f"differs    {_differences(passage)}")
    out.append(
        f"passage    longest shared passage: {_plural(passage['passage_words'], 'word')}; "
        f"{_plural(passage['shared_words'], 'word')} shared in order"
    )
    copy_body = found.bodies[document["doc_id"]]
    canonical_body = found.bodies[canonical["doc_id"]]
    shown = len(passage["passage"] or "")
    left = copy_body[passage["passage_start"] : passage["passage_end"]][:shown]
    right = canonical_body[passage["matched_start"] : passage["matched_end"]][: max(shown, 1)]
    more = passage["passage_end"] - passage["passage_start"] > shown
    out.append("")
    column = max((width - len(GUTTER)) // 2, 10)
    heading = f"copy, characters {passage['passage_start']}-{passage['passage_end']}"
    out.append(
        f"{heading:<{column}}{GUTTER}"
        f"canonical, characters {passage['matched_start']}-{passage['matched_end']}"
    )
    out.append(f"{'-' * column}{GUTTER}{'-' * column}")
    out += side_by_side(left + (" …" if more else ""), right + (" …" if more else ""), width)
    return "\n".join(out)
