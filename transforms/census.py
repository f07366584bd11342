"""The chrome census: which lines stand at the edges of which stories of which site.

A line is learned chrome when it stands at the edges (:func:`transforms.boilerplate.edge_lines`)
of many *different* stories of one site: at least MIN_LEARNED_STORIES of them, and at least
MIN_LEARNED_SHARE of the site's stories. A story is counted once however many copies of it the
site carries (its key, :func:`story_keys`, comes from its longest lines, not from its chrome), so
that a headline or a byline repeated by the copies of one story never counts as chrome. Both
figures are properties of the site, not of the corpus: a menu line on every page of a site is
chrome in a corpus of a thousand files as in one of a million, and a recurring headline (``Live
updates``) on a few percent of a site's stories stays a headline at any size. The site is that of
:func:`transforms.publishers.sites_of`: a site's lines never count for another site.

The same census names the site: a line of chrome that names it (``© 2021 Lakeside Record``),
carried by as many of its stories as chrome must be, gives the site's learned name.

The warehouse counts the census of a whole corpus in DuckDB (``warehouse/sql/census``);
:func:`learn_chrome` is the same rule over an Arrow table, for a shard or a test.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.boilerplate import _lines, edge_lines, line_keys, site_line_keys
from transforms.publishers import site_name_candidates

# A line is a site's chrome when at least this many distinct stories of the site carry it at
# their edges: fewer cannot tell a site's template from a coincidence.
MIN_LEARNED_STORIES = 10
# ... and at least this share of the site's distinct stories. A site's chrome stands on most of
# its pages (one template, or two or three over the years); a recurring headline or a kicker of
# one section stands on a few percent of them, a staff writer's byline is never counted.
MIN_LEARNED_SHARE = 0.3
# A story's key is made of its longest lines: chrome lines are short, and the story's longest
# paragraphs are the same in all its copies on one site.
STORY_KEY_LINES = 2

CENSUS_COLUMNS = ("site", "story_key", "line_key", "name")


def story_keys(texts: pa.Array) -> np.ndarray:
    """A key per text that its story sets and its chrome does not: its two longest lines."""
    lines, document, counts = _lines(texts)
    keys = np.zeros(len(counts), dtype=np.uint64)
    if len(lines) == 0:
        return keys
    lengths = pc.utf8_length(lines).to_numpy(zero_copy_only=False)
    order = np.lexsort((np.arange(len(lines)), -lengths, document))
    sorted_document = document[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_document, sorted_document)
    top = order[rank < STORY_KEY_LINES]
    line_hash = line_keys(lines.take(pa.array(top)))
    with np.errstate(over="ignore"):
        mixed = line_hash * (rank[rank < STORY_KEY_LINES].astype(np.uint64) * np.uint64(2) + 1)
    np.bitwise_xor.at(keys, document[top], mixed)
    return keys


def census_table(texts: pa.Array, sites: pa.Array) -> pa.Table:
    """The census rows of a shard: one per distinct edge line of each text.

    Args:
        texts: Normalised texts without their date header (what chrome removal sees).
        sites: The site of each text.

    Returns:
        ``document`` (index of the text), ``site``, ``story_key``, ``line_key`` and ``name``
        (the site the line names, null for most lines).
    """
    edges = edge_lines(texts)
    document = pa.array(edges.document, pa.int64())
    return pa.table(
        {
            "document": document,
            "site": pc.take(pc.fill_null(sites, ""), document),
            "story_key": pa.array(story_keys(texts)[edges.document], pa.uint64()),
            "line_key": pa.array(edges.line_key, pa.uint64()),
            "name": site_name_candidates(edges.lines),
        }
    )


@dataclass(frozen=True)
class LearnedChrome:
    """What a census learned: each site's chrome lines and each site's name."""

    keys: pa.Array
    """Sorted :func:`transforms.boilerplate.site_line_keys` of the chrome lines."""
    names: tuple[tuple[str, str], ...] = ()
    """(site, name) of the sites whose chrome names them."""

    @classmethod
    def of(cls, lines: pa.Table, names: pa.Table | None = None) -> LearnedChrome:
        """From tables of learned ``site``, ``line_key`` and of ``site``, ``name``."""
        keys = site_line_keys(
            lines.column("site").combine_chunks(),
            lines.column("line_key").to_numpy().astype(np.uint64),
        )
        named = (
            () if names is None else tuple(sorted(zip(*names.to_pydict().values(), strict=True)))
        )
        return cls(pa.array(np.sort(keys), pa.uint64()), named)

    @classmethod
    def nothing(cls) -> LearnedChrome:
        """Nothing learned: rules alone."""
        return cls(pa.array([], pa.uint64()))

    @property
    def digest(self) -> str:
        """A short hash of everything learned (part of a shard's resume key)."""
        digest = hashlib.sha256(self.keys.to_numpy().tobytes())
        digest.update(repr(self.names).encode())
        return digest.hexdigest()[:32]

    def names_of(self, sites: pa.Array) -> pa.Array:
        """The learned name of each site, null where none."""
        if not self.names:
            return pa.nulls(len(sites), pa.string())
        known = pa.array([site for site, _ in self.names], pa.string())
        named = pa.array([name for _, name in self.names], pa.string())
        return pc.take(named, pc.index_in(sites, value_set=known))


def learn_chrome(
    census: pa.Table,
    min_stories: int = MIN_LEARNED_STORIES,
    min_share: float = MIN_LEARNED_SHARE,
) -> LearnedChrome:
    """The chrome and the names a census teaches (the rule the warehouse's SQL applies).

    Args:
        census: Rows of :func:`census_table` (``site``, ``story_key``, ``line_key``, ``name``).
        min_stories: Distinct stories of a site that must carry a line at their edges.
        min_share: Share of the site's distinct stories that must carry it.
    """
    table = census.select(list(CENSUS_COLUMNS))
    site_stories = (
        table.group_by(["site", "story_key"])
        .aggregate([])
        .group_by("site")
        .aggregate([("story_key", "count")])
    ).rename_columns(["site", "site_stories"])

    def frequent(column: str) -> pa.Table:
        rows = table.filter(pc.is_valid(table.column(column)))
        distinct = rows.group_by(["site", column, "story_key"]).aggregate([])
        counted = distinct.group_by(["site", column]).aggregate([("story_key", "count")])
        counted = counted.join(site_stories, "site")
        stories = counted.column("story_key_count")
        enough = pc.and_(
            pc.greater_equal(stories, min_stories),
            pc.greater_equal(
                pc.cast(stories, pa.float64()),
                pc.multiply(pc.cast(counted.column("site_stories"), pa.float64()), min_share),
            ),
        )
        return counted.filter(enough).sort_by(
            [("site", "ascending"), ("story_key_count", "descending"), (column, "ascending")]
        )

    lines = frequent("line_key")
    names = frequent("name")
    # A site has one name: the one most of its stories carry.
    _, first = np.unique(names.column("site").to_numpy(zero_copy_only=False), return_index=True)
    return LearnedChrome.of(
        lines.select(["site", "line_key"]), names.take(pa.array(first)).select(["site", "name"])
    )
