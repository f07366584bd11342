"""The chrome census of a snapshot: merging a run's edge lines in, and what they change.

Learned chrome (edge lines frequent across files) is counted over the whole census; a run that
moves it parses again the unchanged files whose edge lines changed status.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.boilerplate import MIN_LEARNED_DOCUMENTS
from warehouse.schemas import LINE_CENSUS, conform
from warehouse.spill import spilling_connection
from warehouse.store import Snapshot, table_files


@dataclass(frozen=True)
class CensusPlan:
    """The chrome census of the next snapshot and what it changes for this run."""

    files: list[Path]
    """Files of the next snapshot's ``line_census``: the previous files (or, where this run
    supersedes some of their paths, their other rows written again) and this run's shard files."""
    learned: pa.Array
    """Edge-line keys frequent in the whole census: learned chrome for this run's parsing."""
    affected: list[str]
    """Unchanged files to parse again: an edge line of theirs became chrome or stopped being."""


CENSUS_SQL = Path(__file__).parent / "sql" / "census"


def plan_census(
    previous: Snapshot | None,
    processed: pa.Array,
    staged: list[Path],
    present: pa.Array,
    spill_dir: Path,
    min_documents: int = MIN_LEARNED_DOCUMENTS,
) -> CensusPlan:
    """Merge this run's census into the previous one and find the files it changes.

    Counting over every current file version (superseded versions are dropped), and parsing
    again the unchanged files whose edge lines changed status, makes a run over a folder day by
    day give the same documents as one run over everything. DuckDB counts the census files
    where they lie (a million files have some 16 million edge lines), so only the frequent keys
    and the affected paths come into memory.

    Args:
        previous: The current snapshot, or None for a first run.
        processed: Paths this run processes (new and changed files).
        staged: This run's census files (``line_census`` rows), one per shard.
        present: Paths discovered now: only those can be parsed again.
        spill_dir: Where DuckDB spills, and where the kept rows are written when this run
            supersedes some.
        min_documents: Documents an edge line must be in to be chrome.
    """
    old = [str(p) for p in table_files(previous, "line_census")]
    new = [str(p) for p in staged]
    if not old and not new:
        return CensusPlan([], pa.array([], pa.uint64()), [])
    connection = spilling_connection(spill_dir)
    try:
        connection.register("processed", pa.table({"source_path": pc.cast(processed, pa.string())}))

        def frequent(with_new: bool) -> pa.Array:
            params = {
                "previous": old or new,
                "has_previous": bool(old),
                "new": new or old,
                "with_new": with_new and bool(new),
                "min": min_documents,
            }
            sql = (CENSUS_SQL / "10_frequent_lines.sql").read_text()
            column = connection.sql(sql, params=params).to_arrow_table().column(0)
            return column.combine_chunks().cast(pa.uint64())

        learned = frequent(with_new=True)
        if not old:
            return CensusPlan(list(staged), learned, [])
        before = frequent(with_new=False)
        changed = pc.unique(
            pa.concat_arrays(
                [
                    before.filter(pc.invert(pc.is_in(before, value_set=learned))),
                    learned.filter(pc.invert(pc.is_in(learned, value_set=before))),
                ]
            )
        )
        affected: list[str] = []
        if len(changed):
            connection.register("changed", pa.table({"line_key": changed}))
            connection.register("present", pa.table({"source_path": pc.cast(present, pa.string())}))
            hit = connection.sql(
                (CENSUS_SQL / "20_affected_files.sql").read_text(), params={"previous": old}
            ).to_arrow_table()
            affected = hit.column(0).to_pylist()
        ((superseded,),) = connection.execute(
            "SELECT count(*) FROM read_parquet($previous) SEMI JOIN processed USING (source_path)",
            {"previous": old},
        ).fetchall()
        if not superseded:
            return CensusPlan([*table_files(previous, "line_census"), *staged], learned, affected)
        # Some previous rows are superseded: write the others again, batch by batch.
        kept_file = spill_dir / "census-kept.parquet"
        reader = connection.sql(
            (CENSUS_SQL / "30_kept_rows.sql").read_text(), params={"previous": old}
        ).to_arrow_reader(1 << 20)
        with pq.ParquetWriter(kept_file, LINE_CENSUS, compression="zstd") as writer:
            for batch in reader:
                table = pa.Table.from_batches([batch])
                writer.write_table(conform(table, LINE_CENSUS, name="line_census"))
        return CensusPlan([kept_file, *staged], learned, affected)
    finally:
        connection.close()
