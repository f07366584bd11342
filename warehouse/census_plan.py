"""The chrome census of a snapshot: merging a run's edge lines in, and what they change.

Learned chrome (edge lines frequent across files) is counted over the whole census; a run that
moves it parses again the unchanged files whose edge lines changed status.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.census import MIN_LEARNED_SHARE, MIN_LEARNED_STORIES, LearnedChrome
from warehouse.schemas import CENSUS_LEARNED, LINE_CENSUS, conform
from warehouse.spill import MEMORY_LIMIT, retry_limits, spilling_connection, with_more_memory
from warehouse.storage import Storage
from warehouse.store import Snapshot, table_files


@dataclass(frozen=True)
class CensusPlan:
    """The chrome census of the next snapshot and what it changes for this run."""

    files: list[Path]
    """Files of the next snapshot's ``line_census``: the previous files (or, where this run
    supersedes some of their paths, their other rows written again) and this run's shard files."""
    learned: LearnedChrome
    """Each site's chrome lines and name, learned from the whole census: for this run's parsing."""
    affected: list[str]
    """Unchanged files to parse again: an edge line of theirs became chrome or stopped being, or
    their site's learned name changed."""
    counted: pa.Table = field(default_factory=lambda: _counts_schema().empty_table())
    """The next snapshot's ``census_learned`` (its ``run_id`` the run's to add): what the next
    run of new files only counts its own rows into."""
    incremental: bool = False
    """Whether the census was counted from the previous ``census_learned`` and this run's rows
    (new files only) rather than whole."""


CENSUS_SQL = Path(__file__).parent / "sql" / "census"
CENSUS_THREADS = min(os.cpu_count() or 1, 2)
"""The census's groupings spill within the same memory with two threads: at a million files
planning it took 8.9 s with one and 6.4 s with two (peak the same, 406 MB)."""
CENSUS_MEMORY_LIMIT = MEMORY_LIMIT
"""The census is planned again within more (``spill.retry_limits``) when it runs out of this: at
two million articles learning the chrome over some 30M edge lines did (BENCHMARKS.md)."""


def learned_sql(counts: str) -> str:
    """The census query whose counts are made by ``counts`` (a file of ``CENSUS_SQL``)."""
    return (CENSUS_SQL / counts).read_text() + (
        CENSUS_SQL / "12_learned_from_counts.sql"
    ).read_text()


def census_is_current(previous: Snapshot | None) -> bool:
    """Whether the previous snapshot's census has the columns this code learns from.

    A census written by an older newsetl (edge lines without their site and story) cannot be
    counted with this run's: its files are all processed again (:func:`pending_files`).
    """
    files = table_files(previous, "line_census")
    return not files or set(LINE_CENSUS.names) <= set(pq.read_schema(files[0]).names)


def _counts_schema() -> pa.Schema:
    """``census_learned`` but its ``run_id``: the rows a plan makes."""
    return pa.schema([column for column in CENSUS_LEARNED if column.name != "run_id"])


def _counted(learned: pa.Table, min_stories: int, min_share: float, census_rows: int) -> pa.Table:
    """The ``census_learned`` rows (but ``run_id``) of a census query's output."""
    kept = learned.filter(learned.column("kept")).select(["site", "line_key", "name", "stories"])
    constants = {
        "min_stories": pa.array(np.full(kept.num_rows, min_stories), pa.int32()),
        "min_share": pa.array(np.full(kept.num_rows, min_share), pa.float64()),
        "census_rows": pa.array(np.full(kept.num_rows, census_rows), pa.int64()),
    }
    for name, values in constants.items():
        kept = kept.append_column(name, values)
    return kept.cast(_counts_schema())


def _census_rows(files: list[str]) -> int:
    return sum(pq.ParquetFile(path).metadata.num_rows for path in files)


def _previous_counts(
    previous: Snapshot | None, old_rows: int, min_stories: int, min_share: float
) -> pa.Table | None:
    """The previous ``census_learned``, if counted with these thresholds over ``old_rows`` rows.

    A snapshot without it (older newsetl), or counted with other thresholds or over a census
    of another size, gives None: the census is counted whole.
    """
    files = table_files(previous, "census_learned")
    if not files or not old_rows:
        return None
    rows = pa.concat_tables(pq.read_table(path, schema=CENSUS_LEARNED) for path in files)
    if rows.num_rows == 0:
        return None
    counted = set(
        zip(
            rows.column("min_stories").to_pylist(),
            rows.column("min_share").to_pylist(),
            rows.column("census_rows").to_pylist(),
            strict=True,
        )
    )
    if counted != {(min_stories, min_share, old_rows)}:
        return None
    return rows.select(["site", "line_key", "name", "stories"])


def _learned(table: pa.Table) -> LearnedChrome:
    lines = table.filter(pc.is_valid(table.column("line_key")))
    names = table.filter(pc.is_valid(table.column("name")))
    return LearnedChrome.of(lines.select(["site", "line_key"]), names.select(["site", "name"]))


def _changes(before: pa.Table, after: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(site, line_key) pairs learned in one of ``before`` and ``after`` only; sites renamed."""

    def lines(table: pa.Table) -> set[tuple[str, int]]:
        rows = table.filter(pc.is_valid(table.column("line_key")))
        return set(zip(*rows.select(["site", "line_key"]).to_pydict().values(), strict=True))

    def names(table: pa.Table) -> set[tuple[str, str]]:
        rows = table.filter(pc.is_valid(table.column("name")))
        return set(zip(*rows.select(["site", "name"]).to_pydict().values(), strict=True))

    changed = sorted(lines(before) ^ lines(after))
    renamed = sorted({site for site, _ in names(before) ^ names(after)})
    return (
        pa.table(
            {
                "site": pa.array([site for site, _ in changed], pa.string()),
                "line_key": pa.array([key for _, key in changed], pa.uint64()),
            }
        ),
        pa.table({"site": pa.array(renamed, pa.string())}),
    )


def plan_census(
    previous: Snapshot | None,
    processed: pa.Array,
    staged: list[Path],
    present: pa.Array,
    spill_dir: Path,
    storage: Storage,
    min_stories: int = MIN_LEARNED_STORIES,
    min_share: float = MIN_LEARNED_SHARE,
) -> CensusPlan:
    """Merge this run's census into the previous one and find the files it changes.

    Counting over every current file version (superseded versions are dropped), and parsing
    again the unchanged files whose edge lines changed status, makes a run over a folder day by
    day give the same documents as one run over everything. DuckDB counts the census files
    where they lie (a million files have some 16 million edge lines), so only what is learned
    and the affected paths come into memory.

    Args:
        previous: The current snapshot, or None for a first run.
        processed: Paths this run processes (new and changed files).
        staged: This run's census files (``line_census`` rows), one per shard.
        present: Paths discovered now: only those can be parsed again.
        spill_dir: Where DuckDB spills, and where the kept rows are written when this run
            supersedes some.
        storage: Through which the kept rows are written.
        min_stories: Distinct stories of a site that must carry a line for it to be chrome.
        min_share: Share of the site's distinct stories that must carry it.
    """
    old = (
        [str(p) for p in table_files(previous, "line_census")]
        if census_is_current(previous)
        else []
    )
    new = [str(p) for p in staged]
    if not old and not new:
        return CensusPlan([], LearnedChrome.nothing(), [])
    params: dict[str, object] = {
        "previous": old or new,
        "has_previous": bool(old),
        "new": new or old,
        "has_new": bool(new),
        "min_stories": min_stories,
        "min_share": min_share,
    }
    plan = functools.partial(
        _plan,
        old,
        new,
        processed,
        staged,
        present,
        spill_dir,
        storage,
        previous,
        params,
        (min_stories, min_share),
    )
    return with_more_memory(
        plan,
        [CENSUS_MEMORY_LIMIT, *retry_limits()],
        "the census plan ran out of {limit}; planning it again within {next}",
    )


def _plan(
    old: list[str],
    new: list[str],
    processed: pa.Array,
    staged: list[Path],
    present: pa.Array,
    spill_dir: Path,
    storage: Storage,
    previous: Snapshot | None,
    params: dict[str, object],
    thresholds: tuple[int, float],
    memory_limit: str,
) -> CensusPlan:
    """:func:`plan_census`'s work, DuckDB within ``memory_limit``."""
    connection = spilling_connection(spill_dir, memory_limit, threads=CENSUS_THREADS)
    try:
        connection.register("processed", pa.table({"source_path": pc.cast(processed, pa.string())}))
        superseded = 0
        if old:
            ((superseded,),) = connection.execute(
                "SELECT count(*) FROM read_parquet($previous) "
                "SEMI JOIN processed USING (source_path)",
                {"previous": old},
            ).fetchall()
        min_stories, min_share = thresholds
        new_rows = _census_rows(new)
        old_rows = 0 if superseded else _census_rows(old)
        counts = (
            None
            if superseded or not new
            else _previous_counts(previous, old_rows, min_stories, min_share)
        )
        if counts is not None:
            # New files only, and the previous counts at hand: count this run's rows into them.
            connection.register("state", counts)
            learned = connection.sql(
                learned_sql("15_learned_increment.sql"),
                params={
                    "previous": old,
                    "new": new,
                    "min_stories": min_stories,
                    "min_share": min_share,
                },
            ).to_arrow_table()
        else:
            if not superseded:
                # New files only: no previous row goes, and the census is counted without
                # comparing each of its rows' paths with the processed ones (at a million files,
                # 15 million string lookups per pass over the census, half the plan's time).
                connection.unregister("processed")
                connection.register(
                    "processed", pa.table({"source_path": pa.array([], pa.string())})
                )
            connection.execute((CENSUS_SQL / "05_census_rows.sql").read_text())
            learned = connection.sql(learned_sql("10_learned.sql"), params=params).to_arrow_table()
        after = learned.filter(learned.column("after"))

        def planned(files: list[Path], affected: list[str], rows: int) -> CensusPlan:
            return CensusPlan(
                files,
                _learned(after),
                affected,
                _counted(learned, min_stories, min_share, rows),
                incremental=counts is not None,
            )

        if not old:
            return planned(list(staged), [], new_rows)
        changed, renamed = _changes(learned.filter(learned.column("before")), after)
        affected: list[str] = []
        if changed.num_rows or renamed.num_rows:
            connection.register("changed", changed)
            connection.register("renamed", renamed)
            connection.register("present", pa.table({"source_path": pc.cast(present, pa.string())}))
            hit = connection.sql(
                (CENSUS_SQL / "20_affected_files.sql").read_text(), params={"previous": old}
            ).to_arrow_table()
            affected = hit.column(0).to_pylist()
        if not superseded:
            return planned(
                [*table_files(previous, "line_census"), *staged], affected, old_rows + new_rows
            )
        # Some previous rows are superseded: write the others again, batch by batch.
        kept_file = spill_dir / "census-kept.parquet"
        reader = connection.sql(
            (CENSUS_SQL / "30_kept_rows.sql").read_text(), params={"previous": old}
        ).to_arrow_reader(1 << 20)
        kept_rows = 0
        with storage.parquet_writer(kept_file, LINE_CENSUS) as writer:
            for batch in reader:
                table = pa.Table.from_batches([batch])
                writer.write_table(conform(table, LINE_CENSUS, name="line_census"))
                kept_rows += table.num_rows
        return planned([kept_file, *staged], affected, kept_rows + new_rows)
    finally:
        connection.close()


def deferred_paths(previous: Snapshot | None) -> pa.StringArray:
    """Unchanged files earlier runs left to parse again (``pending_reparse``), in their order."""
    files = table_files(previous, "pending_reparse")
    if not files:
        return pa.array([], pa.string())
    rows = pa.concat_tables(pq.read_table(path, columns=["source_path"]) for path in files)
    return rows.column("source_path").combine_chunks()


def still_to_reparse(
    deferred: pa.StringArray, present: pa.Array, processed: pa.Array, pruned: pa.Array
) -> list[str]:
    """The deferred files a run can still parse again: present, and neither processed nor pruned.

    A file processed by this run (it changed) is parsed with the current chrome anyway; one no
    longer in the input cannot be read, and keeps its document as it is.
    """
    if not len(deferred):
        return []
    keep = pc.is_in(deferred, value_set=present)
    gone = pa.concat_arrays([pc.cast(processed, pa.string()), pc.cast(pruned, pa.string())])
    keep = pc.and_(keep, pc.invert(pc.is_in(deferred, value_set=gone)))
    return deferred.filter(keep).to_pylist()
