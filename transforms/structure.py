"""Headline, byline and dateline from the top of a cleaned article, for a whole shard at once.

The cleaned text starts with what the page showed first once chrome is gone: usually the headline,
then a byline line, then the first paragraph, which may open with a dateline. Each part is taken
off the top only when it is clearly that part; otherwise the field stays null and the text stays
in the body: a missed headline costs less than a lost first paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from transforms.agencies import sign_off_agencies
from transforms.arrays import count_words

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# A place in capitals, optionally with a region in slashes: `KUBINKA /Moscow Region/`.
PLACE = (
    r"[A-Z][A-Z\-'. ]{1,40}?(?: /[^/\n]{1,60}/)?"
    # AP style names the state or country after the city: `HAYWARD, Calif.`, `BUFFALO, N.Y.`.
    r"(?:, (?:[A-Z][a-z]{1,12}\.?|[A-Z]\.[A-Z]\.))?"
)
WIRE_AGENCIES = (
    r"Reuters|AFP|AP|UPI|dpa|DPA|Xinhua|Bloomberg|IANS|PTI|ANI|Kyodo|Yonhap|TASS|RIA Novosti|RIA"
    r"|EFE|ANSA|Interfax|AAP|Anadolu"
)

# `KUBINKA /Moscow Region/, August 23. /TASS/.` (TASS house style).
DATELINE_TASS = (
    rf"^(?P<dateline>(?P<place>{PLACE}), (?P<date>{MONTH} \d{{1,2}})\. "
    r"/(?P<agency>[A-Z][A-Za-z\-]{1,20}(?: [A-Z][a-z]{1,12})?|dpa)/\.)\s*"
)
# `LONDON (Reuters) -` and `PARIS, March 5 (AFP) —`.
DATELINE_WIRE = (
    rf"^(?P<dateline>(?P<place>{PLACE})(?:, (?P<date>{MONTH} \d{{1,2}}))? "
    rf"\((?P<agency>{WIRE_AGENCIES})\) *[-\x{{2013}}\x{{2014}}]+)\s*"
)
# `NEW YORK, March 5 -`: place and date with no agency (Reuters-21578 and many papers).
DATELINE_PLAIN = (
    rf"^(?P<dateline>(?P<place>{PLACE}), (?P<date>{MONTH} \d{{1,2}}(?:, \d{{4}})?) "
    r"*[-\x{2013}\x{2014}]+)\s*"
)
DATELINES = (DATELINE_TASS, DATELINE_WIRE, DATELINE_PLAIN)
# Any of them, without their groups (one expression cannot name a group twice).
ANY_DATELINE = re.sub(r"\(\?P<\w+>", "(?:", "|".join(DATELINES))

FIRST_LINE = r"^(?P<line>[^\n]*)"
NAME_PARTICLE = r"van|von|der|den|de|da|del|du|dos|la|le|bin|ibn|al|el"
NAME = rf"[A-Z][\w'’.-]+(?: (?:{NAME_PARTICLE}|[A-Z][\w'’.-]+)){{1,3}}"
NUMERIC_DATE = r"\d{4}-\d\d-\d\d"
# `By AFP`, `By Jane Doe`; `Jane Doe, Reuters` and `Jane Doe | AFP`; `Jane Doe - Nov 19, 2019`.
BYLINE = (
    # dpa writes its name in lower case.
    r"^(?:(?:By|BY|by) (?P<byline>[A-Z][^\n]{1,80}|dpa\b[^\n]{0,80})"
    rf"|(?P<credit>{NAME}(?:,| \|) (?:{WIRE_AGENCIES}|Associated Press|Agence France-Presse))"
    rf"|(?P<author>{NAME}) [-–|] (?:{MONTH} \d{{1,2}}|\d{{1,2}} {MONTH}|{NUMERIC_DATE})"
    r"[^\n]{0,60})$"
)
_BYLINE_RE = re.compile(BYLINE)
# Lines above the story in which a byline is looked for.
BYLINE_WINDOW = 6
# Non-blank lines below the story in which a sign-off is looked for: the first one only.
SIGN_OFF_WINDOW = 3
SITE_MAX_WORDS = 5
SITE_SEPARATORS = r"[\-\x{2013}\x{2014}]"
SITE_SUFFIX = (
    r"^(?P<head>.+?)(?:"
    r"(?: \| [^|]{1,60})*? \| (?P<piped>[^|\s][^|]{0,40}?)"
    rf"|(?: {SITE_SEPARATORS} (?P<dashed>(?:The )?[A-Z][\w]*(?:\.[a-z]{{2,6}})*|www\.[\w.-]+"
    r"|[\w-]+\.(?:com|org|net|co\.uk|ru|de|fr)))"
    r")$"
)
# A standfirst between the headline and the byline is the subtitle: 5 to 60 words.
MIN_SUBTITLE_WORDS = 5
MAX_SUBTITLE_WORDS = 60
# Headlines do not end like sentences in the middle of a paragraph; they may end with ? or !.
SENTENCE_OR_CLAUSE_END = r"[.,;:]$"

# Longer than this, a first line is a paragraph, not a headline: news headlines run 5-15 words,
# and 25 leaves room for long ones without taking one-sentence leads.
MAX_TITLE_WORDS = 25
MAX_TITLE_CHARS = 250
# Datelines sit in the first characters; slicing first keeps the regexes off the whole body.
DATELINE_WINDOW = 200


@dataclass(frozen=True, slots=True)
class ArticleStructure:
    """Fields parsed from the top of each text, aligned with the input."""

    title: pa.Array
    subtitle: pa.Array
    byline: pa.Array
    dateline: pa.Array
    dateline_place: pa.Array
    dateline_date: pa.Array
    dateline_agency: pa.Array
    body: pa.Array
    site_name: pa.Array
    """The site named at the end of a page title (`... - SlashGear`), taken off the title."""
    sign_off: pa.Array
    """The agency credited by a line right after the story (`— AFP`), taken off the body."""


def _drop_first_line(texts: pa.Array, where: pa.Array) -> pa.Array:
    rest = pc.replace_substring_regex(texts, r"^[^\n]*\n?", "", max_replacements=1)
    return pc.if_else(where, pc.utf8_ltrim_whitespace(rest), texts)


def _first_line(texts: pa.Array) -> pa.Array:
    return pc.struct_field(pc.extract_regex(texts, FIRST_LINE), "line")


def _take_group(parts: pa.Array, name: str, where: pa.Array, current: pa.Array) -> pa.Array:
    """Group ``name`` of a regex match where ``where`` holds (empty as null), else ``current``."""
    if name not in {field.name for field in parts.type}:
        return current
    value = pc.struct_field(parts, name)
    value = pc.if_else(pc.equal(value, ""), None, pc.utf8_trim_whitespace(value))
    return pc.if_else(where, value, current)


def _bylines(lines: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The credited name of each line that is a byline (null elsewhere), and the match mask."""
    # Few lines are bylines: the groups are extracted from those a plain match finds.
    found = pc.fill_null(pc.match_substring_regex(lines, BYLINE), False)
    byline = pa.nulls(len(lines), pa.string())
    if pc.any(found).as_py():
        parts = pc.extract_regex(lines.filter(found), BYLINE)
        names = pc.coalesce(
            *(
                pc.if_else(pc.equal(v := pc.struct_field(parts, name), ""), None, v)
                for name in ("byline", "credit", "author")
            )
        )
        byline = pc.replace_with_mask(byline, found, names)
    return byline, found


def _split_site_names(titles: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Take the site name off page titles: `Headline | World | Express.co.uk` -> Express.co.uk.

    After `|` the last part is the site when it has at most SITE_MAX_WORDS words; after a dash
    only a single name or a domain is (`Brexit - What Happens Next` keeps its dash).
    """
    parts = pc.extract_regex(titles, SITE_SUFFIX)
    head = pc.struct_field(parts, "head")
    site = pc.coalesce(
        *(
            pc.if_else(pc.equal(v := pc.struct_field(parts, name), ""), None, v)
            for name in ("piped", "dashed")
        )
    )
    found = pc.fill_null(
        pc.and_(
            pc.less_equal(count_words(site), SITE_MAX_WORDS),
            pc.greater_equal(count_words(head), 3),
        ),
        False,
    )
    return pc.if_else(found, head, titles), pc.if_else(found, site, None)


def _bylines_above(pages: pa.Array, stories: pa.Array) -> pa.Array:
    """The byline line just above where each story starts in its page, null where none.

    On a web page the byline sits between the headline and the story, among share bars and
    dates that the story picker leaves out; it is looked for in the BYLINE_WINDOW lines above.
    """
    found: list[str | None] = []
    for page, story in zip(pages.to_pylist(), stories.to_pylist(), strict=True):
        start = page.find(story[:200]) if page and story else -1
        name = None
        if start > 0:
            above = page[:start].rstrip("\n").rsplit("\n", BYLINE_WINDOW)[-BYLINE_WINDOW:]
            for line in reversed(above):
                match = _BYLINE_RE.match(line.strip())
                if match:
                    name = next(g for g in match.groups() if g)
                    break
        found.append(name)
    return pa.array(found, pa.string())


def _sign_offs(pages: pa.Array, stories: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The agency of a sign-off line ending each story or right below it; the story without it.

    A sign-off (`— AFP`, `(Reuters)`) is the story's last line when the text is kept whole; on
    a page it stands below the story's last paragraph, among the lines the story picker leaves
    out, and only the SIGN_OFF_WINDOW lines below are looked at.
    """
    last = pc.struct_field(pc.extract_regex(stories, r"(?P<line>[^\n]*)$"), "line")
    at_end = sign_off_agencies(last)
    signed = pc.is_valid(at_end)
    if pc.any(signed).as_py():
        trimmed = pc.utf8_rtrim_whitespace(
            pc.replace_substring_regex(stories.filter(signed), r"[^\n]*$", "", max_replacements=1)
        )
        stories = pc.replace_with_mask(stories, signed, trimmed)
    below: list[str | None] = []
    for page, story, found in zip(
        pages.to_pylist(), stories.to_pylist(), at_end.to_pylist(), strict=True
    ):
        line = None
        if found is None and page and story:
            end = page.rfind(story[-200:])
            if end >= 0:
                after = page[end + len(story[-200:]) :].lstrip("\n").split("\n", SIGN_OFF_WINDOW)
                line = next((x for x in after[:SIGN_OFF_WINDOW] if x.strip()), None)
        below.append(line)
    return pc.coalesce(at_end, sign_off_agencies(pa.array(below, pa.string()))), stories


def _take_subtitle(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """A standfirst line followed by a byline line is the subtitle: taken off the top."""
    first = _first_line(texts)
    _, first_is_byline = _bylines(first)
    _, next_is_byline = _bylines(_first_line(_drop_first_line(texts, pc.is_valid(first))))
    words = count_words(first)
    is_subtitle = pc.fill_null(
        pc.and_(
            pc.and_not(next_is_byline, first_is_byline),
            pc.and_(
                pc.greater_equal(words, MIN_SUBTITLE_WORDS),
                pc.less_equal(words, MAX_SUBTITLE_WORDS),
            ),
        ),
        False,
    )
    return pc.if_else(is_subtitle, first, None), _drop_first_line(texts, is_subtitle)


def parse_datelines(texts: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array, pa.Array]:
    """Find the dateline that opens each text.

    Returns:
        ``(dateline, place, date_text, agency, found)``: strings (null where absent) and a
        boolean mask of texts that open with a dateline.
    """
    window = pc.utf8_slice_codeunits(texts, 0, DATELINE_WINDOW)
    # Few texts open with a dateline: the groups are extracted from those a plain match finds.
    opens = pc.fill_null(pc.match_substring_regex(window, ANY_DATELINE), False)
    window = window.filter(opens)
    n = len(window)
    dateline = pa.nulls(n, pa.string())
    place = pa.nulls(n, pa.string())
    date_text = pa.nulls(n, pa.string())
    agency = pa.nulls(n, pa.string())
    for pattern in DATELINES:
        parts = pc.extract_regex(window, pattern)
        found_here = pc.and_(pc.is_valid(parts), pc.is_null(dateline))
        place = _take_group(parts, "place", found_here, place)
        date_text = _take_group(parts, "date", found_here, date_text)
        agency = _take_group(parts, "agency", found_here, agency)
        dateline = _take_group(parts, "dateline", found_here, dateline)
    fields = [
        pc.replace_with_mask(pa.nulls(len(texts), pa.string()), opens, field)
        for field in (dateline, place, date_text, agency)
    ]
    return fields[0], fields[1], fields[2], fields[3], pc.is_valid(fields[0])


def _strip_datelines(texts: pa.Array, found: pa.Array) -> pa.Array:
    """The texts ``found`` marks without their dateline; the others as they are."""
    found = pc.fill_null(found, False)
    if not pc.any(found).as_py():
        return texts
    stripped = texts.filter(found)
    for pattern in DATELINES:
        stripped = pc.replace_substring_regex(stripped, pattern, "", max_replacements=1)
    return pc.replace_with_mask(texts, found, stripped)


def parse_structure(
    texts: pa.Array, *, main_text: Callable[..., pa.Array] | None = None
) -> ArticleStructure:
    """Split cleaned article texts into headline, byline, dateline and body.

    Args:
        texts: Texts after normalisation, header removal and chrome removal.
        main_text: Applied to what follows the headline and byline, before the dateline is
            looked for: picks the story out of the rest of the page (``select_main_text``).

    Returns:
        The parsed fields; ``body`` is what is left once they are taken off the top.
    """
    first = _first_line(texts)
    words = count_words(first)
    has_more = pc.match_substring(texts, "\n")
    _, _, _, _, first_is_dateline = parse_datelines(first)
    is_title = pc.and_(
        pc.and_(pc.less_equal(words, MAX_TITLE_WORDS), pc.greater(words, 0)),
        pc.and_(
            pc.less_equal(pc.utf8_length(first), MAX_TITLE_CHARS),
            pc.and_not(
                pc.and_not(has_more, pc.match_substring_regex(first, SENTENCE_OR_CLAUSE_END)),
                pc.or_(first_is_dateline, pc.match_substring_regex(first, BYLINE)),
            ),
        ),
    )
    is_title = pc.fill_null(is_title, False)
    title = pc.if_else(is_title, first, None)
    texts = _drop_first_line(texts, is_title)

    title, site = _split_site_names(title)
    subtitle, texts = _take_subtitle(texts)
    byline, has_byline = _bylines(_first_line(texts))
    texts = _drop_first_line(texts, has_byline)
    sign_off = pa.nulls(len(texts), pa.string())
    if main_text is not None:
        page = texts
        texts = main_text(texts, headlines=title)
        byline = pc.coalesce(byline, _bylines_above(page, texts))
        sign_off, texts = _sign_offs(page, texts)

    dateline, place, date_text, agency, found = parse_datelines(texts)
    body = _strip_datelines(texts, found)
    return ArticleStructure(
        title, subtitle, byline, dateline, place, date_text, agency, body, site, sign_off
    )
