"""The tables of stories kept in folders by the month each story was first seen.

``clusters``, ``document_matches`` and ``match_passages`` are computed over every document, and a
run carries the files whose rows did not change (``incremental.carry_unchanged``). In one file,
a single changed row rewrote the whole table. The rows an increment changes are those of the
stories it adds copies to, and those are recent stories; so their files are kept by story month,
``<table>/story_month=YYYY-MM/``, and an increment rewrites the months of the stories it touched.
A Hive folder, as ``documents/published_month=`` is: compaction merges within it, and DuckDB,
pandas and Spark read the table's folder as one table (with ``story_month`` as a column where
they read Hive folders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse.schemas import CLUSTERS
from warehouse.storage import NULL_PARTITION

PARTITION = "story_month"
"""The folder key: ``clusters/story_month=2021-03/part-....parquet``."""
NO_MONTH = NULL_PARTITION
"""The folder of undated stories (and rows whose story is not found), as Hive names a null."""
TABLES = ("clusters", "document_matches", "match_passages")
"""The tables kept by story month."""


def month_of(dates: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``YYYY-MM`` of each date; ``NO_MONTH`` for a null.

    The month's number (year times 12 plus month) of each date, and its text made once per
    distinct month: formatting every date's text cost eight times as much.
    """
    if isinstance(dates, pa.ChunkedArray):
        dates = dates.combine_chunks()
    numbers = pc.add(pc.multiply(pc.year(dates), 12), pc.subtract(pc.month(dates), 1))
    known, place = np.unique(
        pc.fill_null(numbers, -1).to_numpy(zero_copy_only=False), return_inverse=True
    )
    labels = [NO_MONTH if n < 0 else f"{n // 12:04d}-{n % 12 + 1:02d}" for n in known.tolist()]
    return pa.array(labels, pa.string()).take(pa.array(place))


@dataclass(frozen=True)
class StoryMonths:
    """Each story's month, by its canonical document: where the rows of a story table go."""

    canonical: pa.Array
    """``clusters.canonical_doc_id`` of every story."""
    month: pa.Array
    """The month its story was first seen (``clusters.first_date``), aligned."""

    @classmethod
    def of(cls, clusters: pa.Table) -> StoryMonths:
        """From the rows of ``clusters`` (``canonical_doc_id`` and ``first_date`` at least)."""
        return cls(
            clusters.column("canonical_doc_id").combine_chunks(),
            month_of(clusters.column("first_date").combine_chunks()),
        )

    @classmethod
    def read(cls, files: Sequence[Path]) -> StoryMonths:
        """From ``clusters`` files (a run's staged ones): two columns of each, no more."""
        columns = ["canonical_doc_id", "first_date"]
        tables = [pq.read_table(path, schema=CLUSTERS, columns=columns) for path in files]
        return cls.of(pa.concat_tables([CLUSTERS.empty_table().select(columns), *tables]))

    def months(self, table: str, rows: pa.Table) -> pa.Array:
        """The story month of each row of ``table`` (one of ``TABLES``).

        A cluster's is its own first date's; a match's or passage's is the story of the
        canonical document it matched (``NO_MONTH`` when that is no story's canonical now: a
        carried passage whose canonical changed).
        """
        if table == "clusters":
            return month_of(rows.column("first_date").combine_chunks())
        at = pc.index_in(rows.column("matched_doc_id").combine_chunks(), value_set=self.canonical)
        return pc.fill_null(self.month.take(at), NO_MONTH)
