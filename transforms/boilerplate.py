"""Page chrome removal from plain text, for whole shards at once.

Scraped article text still carries the site around the story: share bars, donation appeals,
"Read more" lists of other stories, copyright lines, menus, comments. Three layers remove it:

1. Rules (RE2 patterns over every line of the shard at once): chrome lines, dropped wherever they
   stand (``Support The Moscow Times!``, ``Share on Facebook``, ``© 2021 ...``,
   ``Advertisement``, photo credits standing alone), by :func:`remove_chrome`.
2. Learned: lines at the top or bottom of most stories of a site are chrome, however they read
   (menus, the site's name, disclaimers, appeals). :mod:`transforms.census` counts, per site, the
   distinct stories whose edges carry each line; :func:`remove_chrome` takes the lines it learned.
3. The story itself (:func:`select_main_text`): on a page, the wordiest run of prose lines, cut
   at comment sections; list headings (``Related articles``, ``Read more about: Kremlin``) and
   end markers (``Leave a reply``, the Moscow Times appeal) bound it. A text without menus or
   teaser lists around its story (newswire, a clean article) is kept whole.

Removing article text is worse than keeping a footer, so every rule is anchored to a whole line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from transforms.arrays import count_words, may_hold_cjk
from transforms.structure import BYLINE, MONTH

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
        r"^All rights reserved\.?$",
        # The sign-off of Reuters wire items: a signature, not text of the story.
        r"^REUTER$",
        # Share buttons that name what they do: `Click to share on Twitter (Opens in new window)`.
        r"^(?:Click|Tap) to (?:share|print|email|e-mail)\b[^.]*$",
        r"^(?:Advertisement|ADVERTISEMENT|Sponsored(?: content)?|Skip to (?:main )?content)$",
        r"^\d+ (?:comments?|shares?|views?)$",
        r"^Comments? \(\d+\)$",
        r"^(?:Photo|Image|Credit|Photograph|Picture)s?(?: credit)?: [^.]{1,80}$",
        r"^\((?i:photo|image|picture|pic)s?(?: credit)?: ?[^()]+\)$",
        r"^(?:We use cookies|This (?:site|website) uses cookies"
        r"|By continuing to (?:use|browse)).*$",
        r"^(?:Sign up|Subscribe)(?: now)?(?: to| for)? (?:our|the) [^.]{0,50}newsletters?\b.*$",
        # Picture galleries (`Image 1 of 8`, `1 / 8`) and their buttons.
        r"^(?:(?:Image|Photo|Picture|Slide) \d+ of /? ?\d+|\d+ / \d+)$",
        r"^(?:Caption|Close|Back to (?:Gallery|top)|Hide caption|Toggle caption|Enlarge this image"
        r"|View (?:gallery|slideshow)|Expand)$",
        # Time stamps and labels above the story: `Updated: Nov. 20, 2019 1:35 a.m.`, `By`.
        rf"^(?i:(?:first |last )?(?:published|updated|posted)(?: on| at)?:? ?)?"
        rf"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?,? )?"
        rf"(?:{MONTH} \d{{1,2}},? \d{{4}}|\d{{1,2}} {MONTH},? \d{{4}})"
        rf"(?:,? (?:at )?\d{{1,2}}[:.]\d\d(?: ?[ap]\.?m\.?| ?[AP]M)?(?: [A-Z]{{2,4}})?)?"
        rf"(?:,? (?:\| )?(?i:updated):? .+)?$",
        r"^(?:By|BY|Author|Authors|Publish(?:ed)? date|Posted by|Written by):?$",
        r"^(?i:word ?count): \d+$",
        r"^(?i:subscribe|sign up|sign in|log in|register)(?: now| today| here)?!?$",
    ]
)
# Chrome lines that only a short line can be: a paragraph that ends with a credit or speaks of a
# newsletter is still a paragraph.
SHORT_CHROME_LINE = "|".join(
    [
        r"^(?:©|\(c\)|Copyright\b).*$",
        r"^(?:Read more|Read next|Read also|Also read|See also|More on this|Related)\b[^.!?]*$",
        # A caption that ends with its photo credits: `... military coup. AP / TASS`,
        # `... in Hanoi. (Image: GETTY )`, `... on the moon. Credit: ESA`,
        # `... at the Capitol. J. Scott Applewhite / AP file`, `3 of 4 <caption>`.
        rf"^.{{10,}}[.!?\"”] {_AGENCY}(?: ?/ ?{_AGENCY})+$",
        r"^.{10,}[.!?\"”)] \(?(?i:photo|image|picture|pic|credit|source)s?(?: credit)?:"
        r" ?[^.()]+\)?$",
        rf"^.{{10,}}[.!?] (?:[A-Z][\w.'’-]*\.? ){{1,3}}/ {_AGENCY}(?: file| Photo)?$",
        r"^\d+ of \d+ .{10,}$",
        r"^(?i:(?:first |last )?(?:published|updated|posted))(?: on| at)?:? .*\d{4}.*$",
        r"^(?i:tags|topics|filed under|categories|keywords): .+$",
        # Paywalls, where a page's text stops: `To continue reading, subscribe to ...`,
        # `This article is for subscribers only.`, `Continue reading the main story`.
        r"^(?i:(?:to )?(?:continue|keep) reading\b.*)$",
        r"^(?i:.*\b(?:subscribe|subscribers?|subscription|log in|sign in)\b.*"
        r"\b(?:to (?:continue|keep) reading|read(?:ing)? the (?:rest|remainder|full)\b).*)$",
        r"^(?i:.*\b(?:for|to) (?:paying )?subscribers only\b.*|already a subscriber\b.*)$",
        r"^(?i:the full (?:story|article|text) is (?:only )?(?:available|reserved) (?:to|for)\b.*"
        r"\bsubscribers?\b.*)$",
        # A wire's credits: `(Reporting by Jane Doe; Editing by John Smith)`.
        r"^\(?(?:[Aa]dditional |[Ee]xtra )?(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Cc]ompiled) by"
        r" [A-Z][^.!?]*\)?\.?$",
        # Newsletter appeals, worded in many ways, name the newsletter or the inbox and ask.
        r"^(?i:.*\b(?:sign up|subscribe|subscribing|delivered|get)\b.*"
        r"\b(?:newsletters?|inbox(?:es)?)\b.*)$",
        r"^(?i:.*\b(?:newsletters?|inbox(?:es)?)\b.*"
        r"\b(?:sign up|subscribe|subscribing|delivered)\b.*)$",
    ]
)
MAX_SHORT_CHROME_CHARS = 400

# Headings of lists of other stories. Inside a story they head a small box of two or three links
# that the story continues after; after the story they head the long list that ends the page.
LIST_MARKER = "|".join(
    [
        # `Read more: <headline>` inside a story is one inserted link (a chrome line); a bare
        # `Read more` or `Read more about: <tags>` heads a list of other stories.
        r"^(?i:Read more)(?: about:?.*|:)?$",
        r"^(?i:Related|Related (?:articles|stories|news|coverage|content|reading|posts)"
        r"|More on this (?:story|topic)|Also in the news|In other news|See also"
        r"|(?:Further|Suggested|Recommended) reading|(?:More|Latest) (?:from|in)"
        r" [^.]{1,60}|More stories|You may also like|You might also like|Recommended(?: for you)?"
        r"|Most read|Most popular|Trending(?: now)?|Latest news|See more|Don['’]t miss|Tags"
        r"|We recommend|Explore further|Top stories|Editor['’]s picks|Must read|Popular"
        r"|(?:Previous|Next) (?:article|post|story))"
        r":?$",
        # `More Washington Examiner`, `More Videos`: a list of the site's other pages.
        r"^More(?: [A-Z][\w.'’&-]*){1,4}:?$",
        # The same headings in the languages of the corpora seen so far.
        r"^(?i:Leia (?:também|mais)|Veja também|Você (?:pode|também pode) gostar|Lesen Sie auch"
        r"|Mehr zum Thema|Lire aussi|À lire aussi|Ver también|Te puede interesar|Leer más"
        r"|Читайте также|Смотрите также)\b[^.]{0,60}[.…:]*$",
    ]
)
# Lines after which nothing is the story: comment sections and appeals for money.
END_MARKER = "|".join(
    [
        r"^(?i:Comments|View comments|Show comments|Leave a (?:Reply|comment)|Post a comment"
        r"|Comments are closed\.?|\d+ (?:comments?|responses?|thoughts|replies) (?:on|to) .+"
        r"|blog comments powered by Disqus)$",
        r"^(?i:\[ ?\d+ comments? ?\]|(?:Top rated|Most recent|Newest|Oldest|Reader|Latest) comments"
        r"|Join the (?:conversation|discussion))$",
        r"^Independent journalism isn['’]t dead\b.*$",
        # The author's box after the story: `About Jane Doe`, `About the author`.
        r"^(?:About|Über|Sobre|À propos de) (?:the author|[A-Z][\w'’-]+(?: [A-Z][\w'’-]+){1,3})$",
    ]
)
TAIL_MARKER = f"{LIST_MARKER}|{END_MARKER}"
ANY_CHROME_LINE = f"{CHROME_LINE}|{SHORT_CHROME_LINE}"

# A prose line has this many words and ends like a sentence, or has MIN_LONG_WORDS words. Menu
# entries, teaser headlines and share bars are shorter or do not end like sentences.
MIN_PROSE_WORDS = 8
MIN_LONG_WORDS = 30
SENTENCE_END = r"[.!?…\"”’»:)。！？」]$"
# A teaser cut short (`Police say the fire was set ...`) does not end like a sentence.
TRUNCATED = r"\s(?:\.\.\.|…)$"
# Long lines without a sentence in them are tag clouds and keyword lists, not paragraphs.
SENTENCE_PUNCTUATION = r"[.!?。！？](?:\s|$)"
# Scripts written without spaces: two characters count as one word.
UNSPACED_SCRIPT = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
# Subheadings, list items and captions between two paragraphs of one story: measured on the
# extraction benchmark, 5 keeps the story together without reaching over to the next block.
MAX_GAP_LINES = 5
# Share of a block's lines that are prose for it to be the story going on after a box of links.
MIN_PROSE_SHARE = 0.6
# Hard-wrapped text (newswire) has lines of about this many characters.
WRAP_MIN_CHARS = 40
WRAP_MAX_CHARS = 90
# A text is a page, with chrome around its story, when this many short lines of words stand
# outside the story; measured on Reuters-21578, whose wire items have none, and on the
# extraction benchmark.
MIN_CHROME_LINES = 8
MAX_LINK_WORDS = 12
# A block this long is a story rather than a teaser or a caption.
MIN_STORY_WORDS = 50
# A tail marker in the first fifth of the page is navigation, not the end of the story: it is
# dropped as a line, but it does not cut the page.
MIN_TAIL_POSITION = 0.2
# A page title often ends with the site's name after a separator; the headline above the story
# does not.
SITE_TAIL = r"\s+[|\-\x{2013}\x{2014}:]+\s+[^|\x{2013}\x{2014}]{1,60}$"
MIN_HEADLINE_CHARS = 12
# Lines this long printed twice in one page are captions, not paragraphs (table rows and short
# labels repeat for good reasons).
MIN_REPEATED_WORDS = 5
# Learned chrome is looked for in the lines at the top and the bottom of a text, where chrome
# is: the first and last EDGE_LINES non-blank lines of at most MAX_EDGE_CHARS characters. Long
# enough for disclaimers, copyright notices and appeals that read like sentences; what decides
# whether such a line is chrome is how many of a site's stories carry it (transforms.census).
EDGE_LINES = 8
MAX_EDGE_CHARS = 400
# Line keys fold each run of white space to one space. A replacement costs per match, so the
# pattern matches only where the line changes: a run of two or more, or one that is no space.
WHITE_SPACE = r"\s\x{a0}\x{2000}-\x{200b}"
WHITE_SPACE_TO_FOLD = rf"[{WHITE_SPACE}]{{2,}}|[\t\n\f\r\x{{a0}}\x{{2000}}-\x{{200b}}]"


def _lines(texts: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """All lines of all texts, each line's document index, and each document's line count."""
    split = pc.split_pattern(pc.fill_null(texts, ""), "\n")
    if isinstance(split, pa.ChunkedArray):
        split = split.combine_chunks()
    counts = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
    document = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return pc.list_flatten(split), document, counts


def line_keys(lines: pa.Array) -> np.ndarray:
    """A 64-bit key per line that ignores case, spacing and the edges' white space."""
    encoded = pc.dictionary_encode(_fold(lines))
    folded = encoded.dictionary
    # Hashed from the dictionary's bytes: no Python string is made for a line.
    data = memoryview(folded.buffers()[2] or b"")
    offsets = np.frombuffer(folded.buffers()[1], dtype=np.int32)[
        folded.offset : folded.offset + len(folded) + 1
    ].tolist()
    unique = [
        xxhash.xxh3_64_intdigest(data[begin:end]) for begin, end in itertools.pairwise(offsets)
    ]
    return np.asarray(unique, dtype=np.uint64)[encoded.indices.to_numpy()]


def _edges(lines: pa.Array, document: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Lines among the first and last EDGE_LINES non-blank, short lines of their text."""
    candidate = pc.and_(
        pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(lines)), 0),
        pc.less_equal(pc.utf8_length(lines), MAX_EDGE_CHARS),
    ).to_numpy(zero_copy_only=False)
    rank = np.cumsum(candidate) - 1
    per_document = np.bincount(document[candidate], minlength=len(counts))
    first_rank = np.concatenate([[0], np.cumsum(per_document)[:-1]])
    position = rank - first_rank[document]
    return candidate & ((position < EDGE_LINES) | (position >= per_document[document] - EDGE_LINES))


@dataclass(frozen=True, slots=True)
class EdgeLines:
    """The lines at the edges of a shard's texts that chrome can be learned from."""

    lines: pa.Array
    document: np.ndarray
    """Index of each line's text."""
    line_key: np.ndarray
    """:func:`line_keys` of each line."""


def edge_lines(texts: pa.Array) -> EdgeLines:
    """The distinct edge lines of each text, bylines left out.

    A staff writer's byline recurs on many stories of a site, and is never chrome.
    """
    lines, document, counts = _lines(texts)
    if len(lines) == 0:
        return EdgeLines(pa.array([], pa.string()), np.zeros(0, np.int64), np.zeros(0, np.uint64))
    edge = _edges(lines, document, counts)
    edge &= ~_bylines_among(lines, edge)
    at = np.flatnonzero(edge)
    picked = lines.take(pa.array(at))
    keys = line_keys(picked)
    _, first = np.unique(_pair(document[at].astype(np.uint64), keys), return_index=True)
    first.sort()
    return EdgeLines(picked.take(pa.array(first)), document[at][first], keys[first])


def site_line_keys(sites: pa.Array, keys: np.ndarray) -> np.ndarray:
    """One 64-bit key per (site, line): what learned chrome is a set of."""
    encoded = pc.dictionary_encode(pc.fill_null(sites, ""))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    unique = [
        xxhash.xxh3_64_intdigest(f"site\0{site}".encode())
        for site in encoded.dictionary.to_pylist()
    ]
    site_hash = np.asarray(unique, dtype=np.uint64)[encoded.indices.to_numpy()]
    return keys ^ site_hash


def remove_chrome(
    texts: pa.Array,
    *,
    sites: pa.Array | None = None,
    learned: pa.Array | None = None,
) -> pa.Array:
    r"""Remove the lines that are page chrome wherever they stand (rules and learned lines).

    Tail markers (``Related articles``) are kept: :func:`select_main_text` uses them as the
    boundaries of the story.

    Args:
        texts: Normalised texts (``\n`` line breaks, blank lines between paragraphs).
        sites: The site of each text (see :func:`transforms.publishers.sites_of`).
        learned: Sorted :func:`site_line_keys` of the learned chrome: an edge line of a text
            whose (site, line) key is among them is chrome.

    Returns:
        The texts without chrome lines, paragraphs still separated by one blank line; nulls stay
        null.
    """
    return strip_chrome(texts, sites=sites, learned=learned).texts


@dataclass(frozen=True, slots=True)
class StrippedChrome:
    """Texts without their chrome, and how many learned chrome lines each carried."""

    texts: pa.Array
    learned_lines: np.ndarray


def strip_chrome(
    texts: pa.Array,
    *,
    sites: pa.Array | None = None,
    learned: pa.Array | None = None,
) -> StrippedChrome:
    """:func:`remove_chrome`, also counting the learned chrome lines of each text."""
    none = np.zeros(len(texts), dtype=np.int64)
    if len(texts) == 0:
        return StrippedChrome(texts, none)
    lines, document, counts = _lines(texts)
    if len(lines) == 0:
        return StrippedChrome(texts, none)
    # One pass of both rule sets; the few lines it finds are told apart by a second.
    chrome = _matches(lines, ANY_CHROME_LINE)
    short = pc.less_equal(pc.utf8_length(lines), MAX_SHORT_CHROME_CHARS)
    chrome &= short.to_numpy(zero_copy_only=False) | _matches_among(lines, CHROME_LINE, chrome)
    learned_lines = none
    if sites is not None and learned is not None and len(learned):
        found = _learned_chrome(lines, document, counts, sites, learned)
        learned_lines = np.bincount(document[found], minlength=len(counts))
        chrome |= found
    # Tail markers stay for select_main_text, except those that open a text: they are menu
    # entries, and the headline follows them.
    marker = _matches(lines, TAIL_MARKER)
    chrome &= ~marker
    blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(lines)), 0)
    content = ~marker & ~chrome & ~blank.to_numpy(zero_copy_only=False)
    at = np.arange(len(lines))
    first_content = np.full(len(counts), len(lines))
    np.minimum.at(first_content, document[content], at[content])
    chrome |= marker & (at < first_content[document])
    return StrippedChrome(_rebuild(texts, lines, document, counts, ~chrome), learned_lines)


@dataclass(frozen=True, slots=True)
class _LineFeatures:
    """What select_main_text needs to know of every line of a shard."""

    document: np.ndarray
    blank: np.ndarray
    words: np.ndarray
    prose: np.ndarray
    """Lines that read as prose, on their own or as part of a hard-wrapped paragraph."""
    in_prose_paragraph: np.ndarray
    """Lines of a run of lines that ends like prose (wrapped or not)."""
    list_marker: np.ndarray
    end_marker: np.ndarray

    @classmethod
    def of(cls, lines: pa.Array, document: np.ndarray) -> _LineFeatures:
        stripped = pc.utf8_trim_whitespace(lines)
        marker = _matches(stripped, TAIL_MARKER)
        list_marker = _matches_among(stripped, LIST_MARKER, marker)
        end_marker = _matches_among(stripped, END_MARKER, marker)
        words = count_words(stripped).to_numpy(zero_copy_only=False)
        unspaced = _count_among(stripped, UNSPACED_SCRIPT, may_hold_cjk(stripped))
        words = np.maximum(words, unspaced // 2)
        blank = pc.equal(pc.utf8_length(stripped), 0).to_numpy(zero_copy_only=False)
        sentence_end = _matches(stripped, SENTENCE_END) & ~_matches(stripped, TRUNCATED)
        punctuated = _matches(stripped, SENTENCE_PUNCTUATION)
        line_prose = ((words >= MIN_PROSE_WORDS) & sentence_end) | (
            (words >= MIN_LONG_WORDS) & punctuated
        )
        paragraphs = _Paragraphs.of(document, blank, marker)
        paragraph_prose = paragraphs.reads_like_prose(words, sentence_end, punctuated)
        wrapped = paragraphs.hard_wrapped(stripped, sentence_end)
        in_prose_paragraph = paragraphs.spread(paragraph_prose) & ~marker
        prose = ~marker & (line_prose | paragraphs.spread(paragraph_prose & wrapped))
        return cls(document, blank, words, prose, in_prose_paragraph, list_marker, end_marker)

    @property
    def marker(self) -> np.ndarray:
        return self.list_marker | self.end_marker


@dataclass(frozen=True, slots=True)
class _Paragraphs:
    """Runs of consecutive non-blank lines of one text; a tail marker stands alone.

    Newswire text is hard-wrapped at about 65 characters, so its lines are fragments of
    sentences: read as runs, they are the paragraphs they are.
    """

    index: np.ndarray
    """Paragraph of each line (meaningless for blank lines)."""
    filled: np.ndarray
    last: np.ndarray
    """Last line of each paragraph."""

    @classmethod
    def of(cls, document: np.ndarray, blank: np.ndarray, marker: np.ndarray) -> _Paragraphs:
        edge = np.ones(len(blank), dtype=bool)
        edge[1:] = blank[:-1] | marker[:-1] | (document[1:] != document[:-1])
        opens = ~blank & (edge | marker)
        index = np.maximum(np.cumsum(opens) - 1, 0)
        filled = ~blank
        last = np.zeros(int(opens.sum()), dtype=np.int64)
        np.maximum.at(last, index[filled], np.flatnonzero(filled))
        return cls(index, filled, last)

    def total(self, values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """Sum of ``values`` over each paragraph's lines (those in ``where`` only, if given)."""
        mask = self.filled if where is None else where
        return np.bincount(self.index[mask], weights=values[mask], minlength=len(self.last))

    def spread(self, per_paragraph: np.ndarray) -> np.ndarray:
        """A per-paragraph flag on each of its lines (False on blank lines)."""
        if len(self.last) == 0:
            return np.zeros(len(self.index), dtype=bool)
        return self.filled & per_paragraph[self.index]

    def reads_like_prose(
        self, words: np.ndarray, sentence_end: np.ndarray, punctuated: np.ndarray
    ) -> np.ndarray:
        paragraph_words = self.total(words)
        return ((paragraph_words >= MIN_PROSE_WORDS) & sentence_end[self.last]) | (
            (paragraph_words >= MIN_LONG_WORDS) & (self.total(punctuated) > 0)
        )

    def hard_wrapped(self, stripped: pa.Array, sentence_end: np.ndarray) -> np.ndarray:
        """Paragraphs whose lines but the last are of wrapping width and break mid-sentence.

        A list of teaser headlines is a run of lines too, but its lines end like titles and the
        next one starts with a capital: wrapped lines are often followed by a lower-case word.
        """
        inner = self.filled.copy()
        inner[self.last] = False
        lines = self.total(np.ones(len(inner)), inner)
        chars = pc.utf8_length(stripped).to_numpy(zero_copy_only=False)
        width = self.total(chars, inner) / np.maximum(lines, 1)
        lower_next = np.zeros(len(inner), dtype=bool)
        lower_next[:-1] = _matches(stripped, r"^\p{Ll}")[1:]
        return (
            (lines >= 1)
            & (width >= WRAP_MIN_CHARS)
            & (width <= WRAP_MAX_CHARS)
            & (self.total(sentence_end, inner) * 2 <= lines)
            & (self.total(lower_next, inner) * 5 >= lines)
        )


def _number_blocks(
    f: _LineFeatures, max_gap: int, anchor: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The prose lines (indices) and the block of each.

    A prose line opens a new block when it is the first of its text, or when more than
    ``max_gap`` other lines, an end marker or a list marker stand since the previous prose line.
    A block opened by a list marker alone is the story going on after a box of links when it
    reads like a story (paragraphs, not alternating headlines and standfirsts), and is joined to
    the block before it.
    """
    prose_at = np.flatnonzero(f.prose)
    # The list of links right under a list heading is no gap in a story: whether the story goes
    # on after it is for ``continues`` to say.
    others_before = np.cumsum(~f.blank & ~f.marker & ~f.prose & ~_listed(f))
    ends_before = np.cumsum(f.end_marker)
    lists_before = np.cumsum(f.list_marker)
    hard = np.ones(len(prose_at), dtype=bool)
    after_list = np.zeros(len(prose_at), dtype=bool)
    if len(prose_at) > 1:
        prev, cur = prose_at[:-1], prose_at[1:]
        hard[1:] = (
            (f.document[cur] != f.document[prev])
            | (others_before[cur] - others_before[prev] > max_gap)
            | (ends_before[cur] != ends_before[prev])
        )
        if anchor is not None:
            at = anchor[f.document[cur]]
            hard[1:] |= (at > prev) & (at < cur)
        after_list[1:] = lists_before[cur] != lists_before[prev]
    block = np.cumsum(hard | after_list) - 1
    nonblank_before = np.cumsum(~f.blank)
    last = np.zeros(int(block[-1]) + 1 if len(block) else 0, np.int64)
    np.maximum.at(last, block, prose_at)
    first = prose_at[hard | after_list]
    prose_lines = np.bincount(block)
    prose_share = prose_lines / np.maximum(nonblank_before[last] - nonblank_before[first] + 1, 1)
    long_enough = np.bincount(block, weights=f.words[prose_at]) >= MIN_STORY_WORDS
    continues = (prose_share >= MIN_PROSE_SHARE) & long_enough
    return prose_at, np.cumsum(hard | (after_list & ~continues[block])) - 1


def _listed(f: _LineFeatures) -> np.ndarray:
    """Lines of the run of non-blank lines that follows a list heading (blank lines between)."""
    at = np.arange(len(f.blank))
    filled = ~f.blank
    previous_filled = np.maximum.accumulate(np.where(filled, at, -1))
    before = np.full(len(at), -1)
    before[1:] = previous_filled[:-1]
    heading = np.maximum(before, 0)
    opens = filled & ~f.marker & (before >= 0)
    opens &= f.list_marker[heading] & (f.document[heading] == f.document)
    run_start = np.maximum.accumulate(np.where(opens | f.blank | f.marker, at, -1))
    return filled & ~f.marker & opens[np.maximum(run_start, 0)] & (run_start >= 0)


def _story_spans(
    f: _LineFeatures, n_docs: int, max_gap: int, anchor: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """First and last line index of each text's story; -1 and -2 for texts without prose.

    End markers cut a page into sections: the story is in the first section that holds a block of
    MIN_STORY_WORDS words (comments come after a marker), and it is that section's wordiest
    block; the earlier block wins a tie.

    Where a page repeats its headline above a substantial block (``anchor``), the blocks before
    the repeat are the page above the story (menus, teasers) and are left out; the story runs
    from the first block after the repeat to the wordiest, unless a list of other stories stands
    between them: a picture or a box inside a story splits it into blocks.
    """
    prose_at, block = _number_blocks(f, max_gap, anchor)
    start = np.full(n_docs, -1, dtype=np.int64)
    end = np.full(n_docs, -2, dtype=np.int64)
    if len(prose_at) == 0:
        return start, end
    opens = np.r_[True, block[1:] != block[:-1]]
    block_words = np.bincount(block, weights=f.words[prose_at]).astype(np.int64)
    block_first = prose_at[opens]
    block_last = np.zeros(len(block_first), dtype=np.int64)
    np.maximum.at(block_last, block, prose_at)
    block_document = f.document[block_first]
    substantial = block_words >= MIN_STORY_WORDS
    candidate = np.ones(len(block_first), dtype=bool)
    anchored = np.zeros(len(block_first), dtype=bool)
    if anchor is not None:
        at = anchor[block_document]
        after = (at >= 0) & (block_first > at)
        has_after = np.zeros(n_docs, dtype=bool)
        has_after[block_document[after & substantial]] = True
        anchored = has_after[block_document]
        candidate = after | ~anchored
    # The story's section: the first that holds a substantial block. Below a headline's repeat,
    # lists of other stories bound it too, as end markers do.
    ends_before = np.cumsum(f.end_marker)
    cuts = ends_before[block_first]
    if anchored.any():
        # A box of links inside a story is followed by more of the story; a list of other
        # stories by teasers, whose lines are seldom prose.
        nonblank_before = np.cumsum(~f.blank)
        prose_lines = np.bincount(block, minlength=len(block_first))
        spread = nonblank_before[block_last] - nonblank_before[block_first] + 1
        continues = (prose_lines >= MIN_PROSE_SHARE * spread) & (prose_lines > 1) & substantial
        lists_before = np.cumsum(f.list_marker)
        after_list = np.zeros(len(block_first), dtype=bool)
        after_list[1:] = (lists_before[block_first[1:]] != lists_before[block_last[:-1]]) & (
            block_document[1:] == block_document[:-1]
        )
        cut = (after_list & ~continues) | np.r_[False, cuts[1:] != cuts[:-1]]
        cuts = np.where(anchored, np.cumsum(cut), cuts)
    no_section = np.iinfo(np.int64).max
    story_section = np.full(n_docs, no_section)
    chosen = candidate & substantial
    np.minimum.at(story_section, block_document[chosen], cuts[chosen])
    section = story_section[block_document]
    eligible = candidate & ((cuts == section) | (section == no_section))
    order = np.lexsort((block_first, -block_words, ~eligible, block_document))
    documents, first_of_document = np.unique(block_document[order], return_index=True)
    story = order[first_of_document]
    start[documents] = block_first[story]
    end[documents] = block_last[story]
    # A picture or a box inside a story splits it into blocks: below a headline's repeat, the
    # story starts at the first block of its section, but for a standfirst (a paragraph alone).
    joins = anchored & eligible & (np.bincount(block, minlength=len(block_first)) > 1)
    np.minimum.at(start, block_document[joins], block_first[joins])
    return start, end


def select_main_text(
    texts: pa.Array, *, max_gap: int = MAX_GAP_LINES, headlines: pa.Array | None = None
) -> pa.Array:
    r"""Keep the story: the densest run of prose lines of each text, without the page around it.

    A line is prose when it reads like a paragraph: at least ``MIN_PROSE_WORDS`` words ending like
    a sentence, or ``MIN_LONG_WORDS`` words with a sentence in them. Prose lines separated by at
    most ``max_gap`` other lines (subheadings, list items, captions) form a block; the story is
    the wordiest block before the first end marker that follows a substantial block, and
    everything from its first to its last prose line is kept. Menus, teaser lists and link lists
    are runs of short lines that do not read like prose, so they fall outside the block. A text
    with no prose line at all keeps every line before its first tail marker past the first fifth
    of the text.

    Args:
        texts: Texts after chrome removal, without their headline and byline.
        max_gap: Non-prose lines allowed between two prose lines of one block.
        headlines: Each text's headline, null where none: a line that repeats it stands above
            the story, and the story is looked for below it.

    Returns:
        The main text of each input, paragraphs separated by one blank line; nulls stay null.
    """
    if len(texts) == 0:
        return texts
    lines, document, counts = _lines(texts)
    if len(lines) == 0:
        return texts
    features = _LineFeatures.of(lines, document)
    anchor = None
    if headlines is not None:
        repeats = _headline_repeats(lines, document, headlines)
        features.prose[repeats] = False  # the headline is no paragraph of the story
        anchor = np.full(len(counts), np.iinfo(np.int64).max)
        np.minimum.at(anchor, document[repeats], np.flatnonzero(repeats))
        anchor[anchor == np.iinfo(np.int64).max] = -1
    start, end = _story_spans(features, len(counts), max_gap, anchor)
    at = np.arange(len(lines))
    marker = features.marker
    in_story = (at >= start[document]) & (at <= end[document])
    # Only a page has a story to pick out: a text with fewer than MIN_CHROME_LINES short lines
    # outside its story that are not prose or table rows (menu entries, teaser headlines, list
    # headings) is newswire or a clean article, and is kept whole, tables and all.
    link_like = ~features.blank & ~features.in_prose_paragraph
    link_like &= features.words <= MAX_LINK_WORDS
    figures = _count_among(lines, r"\S*\d\S*", link_like)
    link_like &= figures * 3 < features.words
    outside = np.bincount(document[~in_story & (link_like | marker)], minlength=len(counts))
    whole = (start[document] < 0) | (outside[document] < MIN_CHROME_LINES)
    if anchor is not None:
        # A text that repeats its headline above its story is a page, whatever is around it.
        whole &= ~((anchor[document] >= 0) & (start[document] > anchor[document]))
    # A whole text still ends at a tail marker after its story (a text without prose, at one
    # past its first fifth).
    cut = marker & (at > end[document])
    before_cut = np.where(start[document] < 0, _before_tail(lines, document, counts, marker), True)
    first_cut = np.full(len(counts), len(lines))
    np.minimum.at(first_cut, document[cut], at[cut])
    whole_keep = before_cut & ~marker & (at < first_cut[document])
    # A picture's caption is often printed twice or more (gallery, lightbox); a paragraph of a
    # story is not.
    # A page that prints its whole story twice keeps it.
    repeated = _repeated_lines(
        lines,
        document,
        ~whole & in_story & ~features.blank & (features.words >= MIN_REPEATED_WORDS),
    )
    story_prose = np.bincount(document[in_story & features.prose], minlength=len(counts))
    repeated_prose = np.bincount(document[repeated & features.prose], minlength=len(counts))
    repeated &= (2 * repeated_prose < story_prose)[document]
    # The links under a list heading inside the story, up to the story's next paragraph.
    box = _since_last(features.list_marker, features.prose)
    box &= (at > start[document]) & (at < end[document])
    keep = np.where(whole, whole_keep, in_story & ~marker & ~repeated) & ~box
    return _rebuild(texts, lines, document, counts, keep)


def _since_last(opens: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """Lines after an ``opens`` line and before the next ``closes`` line, texts not told apart."""
    at = np.arange(len(opens))
    last_open = np.maximum.accumulate(np.where(opens, at, -1))
    last_close = np.maximum.accumulate(np.where(closes, at, -1))
    return (last_open > last_close) & ~opens


def _repeated_lines(lines: pa.Array, document: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Lines among ``candidate`` that stand more than once in their text."""
    at = np.flatnonzero(candidate)
    repeated = np.zeros(len(document), dtype=bool)
    if len(at) == 0:
        return repeated
    folded = pc.dictionary_encode(_fold(lines.take(pa.array(at)))).indices.to_numpy()
    pairs = document[at] * (int(folded.max()) + 1) + folded
    _, inverse, counts = np.unique(pairs, return_inverse=True, return_counts=True)
    repeated[at] = counts[inverse] > 1
    return repeated


def _fold(lines: pa.Array) -> pa.Array:
    """Lines in lower case, each run of white space one space, trimmed."""
    return pc.utf8_trim_whitespace(
        pc.replace_substring_regex(pc.utf8_lower(lines), WHITE_SPACE_TO_FOLD, " ")
    )


def _headline_repeats(lines: pa.Array, document: np.ndarray, headlines: pa.Array) -> np.ndarray:
    """Lines that repeat their text's headline (with or without the site's name after it)."""
    found = np.zeros(len(lines), dtype=bool)
    full = _fold(headlines)
    bare = _fold(pc.replace_substring_regex(headlines, SITE_TAIL, ""))
    shortest = pc.fill_null(pc.utf8_length(bare), 2**30).to_numpy(zero_copy_only=False)
    longest = pc.fill_null(pc.utf8_length(headlines), -1).to_numpy(zero_copy_only=False)
    # Folding only takes white space out: a line much shorter or longer than its headline is not
    # it, and only the few lines of about its length are folded and compared.
    length = pc.utf8_length(lines).to_numpy(zero_copy_only=False)
    maybe = (length >= np.maximum(shortest[document], MIN_HEADLINE_CHARS)) & (
        length <= 2 * longest[document] + 10
    )
    at = np.flatnonzero(maybe)
    if len(at) == 0:
        return found
    candidates = _fold(lines.take(pa.array(at)))
    of = pa.array(document[at])
    hit = pc.or_(pc.equal(candidates, pc.take(full, of)), pc.equal(candidates, pc.take(bare, of)))
    found[at] = pc.fill_null(hit, False).to_numpy(zero_copy_only=False)
    return found


def _learned_chrome(
    lines: pa.Array, document: np.ndarray, counts: np.ndarray, sites: pa.Array, learned: pa.Array
) -> np.ndarray:
    """Edge lines (not bylines) whose (site, line) key is learned chrome."""
    edge = _edges(lines, document, counts)
    edge &= ~_bylines_among(lines, edge)
    at = np.flatnonzero(edge)
    found = np.zeros(len(lines), dtype=bool)
    if len(at) == 0:
        return found
    keys = site_line_keys(
        pc.take(sites, pa.array(document[at])), line_keys(lines.take(pa.array(at)))
    )
    found[at] = pc.is_in(pa.array(keys), value_set=learned).to_numpy(zero_copy_only=False)
    return found


def _pair(document: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """One 64-bit value per (text, key): the key mixed with the text's index."""
    with np.errstate(over="ignore"):
        return keys ^ (document * np.uint64(0x9E3779B97F4A7C15))


def _matches(lines: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(lines, pattern), False).to_numpy(
        zero_copy_only=False
    )


def _bylines_among(lines: pa.Array, where: np.ndarray) -> np.ndarray:
    """Lines ``where`` holds that are bylines once trimmed."""
    found = np.zeros(len(lines), dtype=bool)
    at = np.flatnonzero(where)
    if len(at):
        found[at] = _matches(pc.utf8_trim_whitespace(lines.take(pa.array(at))), BYLINE)
    return found


def _count_among(lines: pa.Array, pattern: str, where: np.ndarray) -> np.ndarray:
    """Matches of ``pattern`` in each line ``where`` holds (0 for the others)."""
    found = np.zeros(len(lines), dtype=np.int64)
    at = np.flatnonzero(where)
    if len(at):
        counted = pc.count_substring_regex(lines.take(pa.array(at)), pattern)
        found[at] = counted.to_numpy(zero_copy_only=False)
    return found


def _matches_among(lines: pa.Array, pattern: str, where: np.ndarray) -> np.ndarray:
    """:func:`_matches` for the lines ``where`` holds (False for the others)."""
    found = np.zeros(len(lines), dtype=bool)
    at = np.flatnonzero(where)
    if len(at):
        found[at] = _matches(lines.take(pa.array(at)), pattern)
    return found


def _position(lines: pa.Array, document: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Where each line starts in its text, as the share of the text's characters before it."""
    lengths = pc.utf8_length(lines).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    chars_before = np.cumsum(lengths) - lengths
    doc_chars_before = chars_before - chars_before[starts[document]]
    doc_total = np.bincount(document, weights=lengths, minlength=len(counts))
    return doc_chars_before / np.maximum(doc_total[document], 1)


def _before_tail(
    lines: pa.Array, document: np.ndarray, counts: np.ndarray, marker: np.ndarray
) -> np.ndarray:
    """Lines before their text's first tail marker past the first part of the text."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    cuts = marker & (_position(lines, document, counts) >= MIN_TAIL_POSITION)
    line_index = np.arange(len(lines)) - starts[document]
    first_cut = np.full(len(counts), np.iinfo(np.int64).max)
    np.minimum.at(first_cut, document[cuts], line_index[cuts])
    return ~marker & (line_index < first_cut[document])


def _rebuild(
    texts: pa.Array, lines: pa.Array, document: np.ndarray, counts: np.ndarray, keep: np.ndarray
) -> pa.Array:
    """The texts made of their kept lines, with runs of blank lines collapsed to one."""
    # An empty line right after a kept empty line of its text would make three line breaks in
    # a row: it is left out, which is what replacing r"\n{3,}" by two would do.
    empty = pc.equal(pc.utf8_length(lines), 0).to_numpy(zero_copy_only=False)
    at = np.flatnonzero(keep)
    repeated = np.zeros(len(at), dtype=bool)
    repeated[1:] = empty[at[1:]] & empty[at[:-1]] & (document[at[1:]] == document[at[:-1]])
    keep = keep.copy()
    keep[at[repeated]] = False
    kept_counts = np.bincount(document[keep], minlength=len(counts))
    offsets = np.concatenate([[0], np.cumsum(kept_counts)]).astype(np.int32)
    rebuilt = pa.ListArray.from_arrays(pa.array(offsets), lines.filter(pa.array(keep)))
    cleaned = pc.utf8_trim_whitespace(pc.binary_join(rebuilt, "\n"))
    return pc.if_else(pc.is_null(texts), pa.nulls(len(texts), pa.string()), cleaned)
