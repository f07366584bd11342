"""Carrying a snapshot forward: what of the previous snapshot stays, and what is rewritten.

A run processes only new and changed files. The new snapshot holds the previous documents minus
those superseded (their file was processed again) plus the new ones; clusters are recomputed over
all of them. A previous Parquet file whose rows all keep their cluster assignment is hard-linked
into the new snapshot (no copy, no rewrite); only files with superseded rows or changed
assignments are rewritten. So a run adding 1% of files rewrites little more than 1% of the data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.census import MIN_LEARNED_SHARE, MIN_LEARNED_STORIES, LearnedChrome
from transforms.incremental import files_to_process
from warehouse.schemas import LINE_CENSUS, MANIFEST, MENTIONS, QUARANTINE, conform
from warehouse.sources import Discovery, stat_files
from warehouse.spill import spilling_connection
from warehouse.storage import Storage
from warehouse.store import RunStaging, Snapshot, table_files

KEY_COLUMNS = [
    "doc_id",
    "source_path",
    "content_hash",
    "published_date",
    "word_count",
    "publisher",
]
CLUSTER_COLUMNS = ["cluster_id", "is_canonical", "cluster_size"]


@dataclass
class DocumentKeys:
    """Dedup keys of every document of the next snapshot: the previous ones kept, then the new."""

    previous_files: list[Path]
    previous: pa.Table
    """Kept previous documents: KEY_COLUMNS, CLUSTER_COLUMNS, ``file_index`` and ``row``."""
    superseded_per_file: np.ndarray
    """How many rows of each previous file were superseded."""
    new: pa.Table
    """KEY_COLUMNS of the staged documents, in shard order."""

    def all_keys(self) -> pa.Table:
        """KEY_COLUMNS of previous then new documents: the order cluster results align to."""
        return pa.concat_tables(
            [self.previous.select(KEY_COLUMNS), self.new.select(KEY_COLUMNS)],
            promote_options="permissive",  # published files declare NOT NULL, staged ones do not
        )


def gather_keys(
    previous: Snapshot | None, staging: RunStaging, reprocessed: pa.Array
) -> DocumentKeys:
    """Read the dedup keys of the previous snapshot's documents and of the staged ones."""
    files = previous.files("documents") if previous else []
    tables = []
    superseded = np.zeros(len(files), dtype=np.int64)
    for index, path in enumerate(files):
        table = pq.read_table(path, columns=KEY_COLUMNS + CLUSTER_COLUMNS)
        table = table.append_column("file_index", pa.array(np.full(table.num_rows, index)))
        table = table.append_column("row", pa.array(np.arange(table.num_rows)))
        dropped = pc.is_in(table.column("source_path"), value_set=reprocessed)
        superseded[index] = pc.sum(dropped).as_py() or 0
        tables.append(table.filter(pc.invert(dropped)))
    kept = pa.concat_tables(tables) if tables else None
    new = staging.read_documents(KEY_COLUMNS)
    if kept is None:
        empty = {name: pa.array([], new.schema.field(name).type) for name in KEY_COLUMNS}
        kept = pa.table(
            empty
            | {
                "cluster_id": pa.array([], pa.string()),
                "is_canonical": pa.array([], pa.bool_()),
                "cluster_size": pa.array([], pa.int32()),
                "file_index": pa.array([], pa.int64()),
                "row": pa.array([], pa.int64()),
            }
        )
    return DocumentKeys(files, kept, superseded, new)


@dataclass
class DocumentPlan:
    """How the next snapshot's documents are made: files linked as they are, and rows written."""

    carried: list[Path]
    rewritten: list[int]
    """Indices of previous files that are read, updated and written again."""


def plan_documents(keys: DocumentKeys, clusters: pa.Table) -> DocumentPlan:
    """Decide which previous files can be carried unchanged into the next snapshot."""
    n_previous = keys.previous.num_rows
    changed = np.zeros(n_previous, dtype=bool)
    for name in CLUSTER_COLUMNS:
        before = keys.previous.column(name)
        after = clusters.column(name).slice(0, n_previous)
        changed |= pc.invert(pc.equal(before, after)).to_numpy(zero_copy_only=False)
    file_index = keys.previous.column("file_index").to_numpy()
    dirty = keys.superseded_per_file > 0
    dirty[np.unique(file_index[changed])] = True
    carried = [
        path for path, is_dirty in zip(keys.previous_files, dirty, strict=True) if not is_dirty
    ]
    return DocumentPlan(carried, [int(i) for i in np.flatnonzero(dirty)])


def document_batches(
    keys: DocumentKeys, clusters: pa.Table, plan: DocumentPlan, staging: RunStaging
) -> Iterator[pa.Table]:
    """The documents to write: rewritten previous files, then the staged ones, with clusters."""
    previous = keys.previous
    file_index = previous.column("file_index")
    previous_clusters = clusters.slice(0, previous.num_rows)
    for index in plan.rewritten:
        mask = pc.equal(file_index, index)
        rows = pc.filter(previous.column("row"), mask)
        assigned = previous_clusters.filter(mask)
        table = pq.read_table(keys.previous_files[index]).take(rows)
        for name in CLUSTER_COLUMNS:
            table = table.set_column(
                table.schema.get_field_index(name), name, assigned.column(name)
            )
        yield table
    offset = previous.num_rows
    for staged in staging.iter_documents():
        assigned = clusters.slice(offset, staged.num_rows)
        offset += staged.num_rows
        table = staged
        for name in CLUSTER_COLUMNS:
            table = table.append_column(name, assigned.column(name))
        yield table.append_column(
            "run_id", pa.array([staging.run_id] * staged.num_rows, pa.string())
        )


@dataclass(frozen=True)
class MentionsPlan:
    """The ``mentions`` of the next snapshot: files carried as they are, and rows written."""

    carried: list[Path]
    """Previous files whose documents are all still current, and this run's staged files
    (already in the table's schema, with the run's id): hard-linked, not rewritten."""
    written: pa.Table
    """Rows of previous files that lost a document."""


def next_mentions(
    keys: DocumentKeys, staging: RunStaging, previous: Snapshot | None
) -> MentionsPlan:
    """Carry the mentions of the documents kept from ``previous``; add the staged ones.

    A superseded or reprocessed document is not among the kept keys, so its earlier mentions go
    away; the staged mentions of its new version come in with this run's id.
    """
    kept_ids = keys.previous.column("doc_id")
    carried: list[Path] = []
    parts: list[pa.Table] = []
    for path in table_files(previous, "mentions"):
        # The document ids decide; the other columns are read only for a file to rewrite.
        doc_ids = pq.read_table(path, columns=["doc_id"]).column("doc_id")
        if not len(doc_ids):
            continue  # a run that found no mentions wrote an empty file: nothing to carry
        present = pc.is_in(doc_ids, value_set=kept_ids)
        if pc.all(present).as_py() is not False:
            carried.append(path)
        else:
            rows = pq.read_table(path).filter(present)
            parts.append(conform(rows, MENTIONS, name="mentions"))
    written = pa.concat_tables(parts) if parts else MENTIONS.empty_table()
    return MentionsPlan([*carried, *staging.mention_files()], written)


@dataclass(frozen=True)
class InputChanges:
    """How the input differs from what the warehouse holds."""

    todo: pa.Table
    """``source_path``, ``bytes``, ``mtime_ns`` of the files new or changed, in input order."""
    missing: pa.Table
    """``source_path`` and ``outcome`` of the files processed before and not found now."""

    @property
    def missing_documents(self) -> int:
        """Missing files that are documents (the others are quarantine rows)."""
        return int(pc.sum(pc.equal(self.missing.column("outcome"), "document")).as_py() or 0)


def input_changes(previous: Snapshot | None, discovery: Discovery) -> InputChanges:
    """Stat the discovered files: which are new or changed since ``previous``, which are gone.

    A file that disappears from the input keeps its document (a crawl folder is often an
    archive that gets cleaned up); runs count such files, and ``--prune-missing`` removes them.
    """
    stats = stat_files(discovery.root, discovery.paths)
    processed = carry_table(previous, "manifest", pa.array([], pa.string()))
    found = pc.is_in(processed.column("source_path"), value_set=stats.column("source_path"))
    missing = processed.filter(pc.invert(found)).select(["source_path", "outcome"])
    if not census_is_current(previous):
        # Under a census of an older layout every file is pending: its chrome is counted again.
        processed = processed.slice(0, 0)
    return InputChanges(files_to_process(stats, processed), missing)


def pending_files(previous: Snapshot | None, discovery: Discovery) -> pa.Table:
    """Stat the discovered files and keep those new or changed since ``previous``."""
    return input_changes(previous, discovery).todo


class InputRootChanged(ValueError):
    """The input's root differs from the one the warehouse's source paths are relative to."""


def root_of(root: Path | str) -> str:
    """An input root as the ``runs`` table records it: an absolute real path, or a URL."""
    text = str(root)
    return text if "://" in text else os.path.realpath(text)


def last_root(previous: Snapshot | None) -> str | None:
    """The input root of the run that published ``previous``; None if unknown or none."""
    if previous is None:
        return None
    root = previous.last_run().get("input_root")
    return None if root is None else str(root)


def check_root(previous: Snapshot | None, root: str, *, allow_new_root: bool) -> str | None:
    """Check a run's input root against the warehouse's last one.

    A document's identity is its path relative to the root: under another root, paths that
    happen to be the same replace each other's documents, and all the others pile up beside.

    Returns:
        The earlier root when it differs and ``allow_new_root`` says go ahead, else None.

    Raises:
        InputRootChanged: The root differs and ``allow_new_root`` is false.
    """
    earlier = last_root(previous)
    if earlier is None or earlier == root:
        return None
    if not allow_new_root:
        raise InputRootChanged(
            f"input root {root!r} is not {earlier!r}, the root of this warehouse's last run: "
            "documents are known by their path under the root, so files of the two would mix "
            "and same-named ones replace each other's documents. Use a warehouse per input "
            "root, or pass --allow-new-root to go ahead (replaced documents are named)"
        )
    return earlier


def replaced_paths(previous: Snapshot | None, todo: pa.Table) -> list[str]:
    """Paths this run processes that earlier runs processed too: their documents are replaced."""
    processed = carry_table(previous, "manifest", pa.array([], pa.string())).column("source_path")
    paths = todo.column("source_path")
    return sorted(paths.filter(pc.is_in(paths, value_set=processed)).to_pylist())


def carry_table(previous: Snapshot | None, table: str, reprocessed: pa.Array) -> pa.Table:
    """Rows of a small table (quarantine, manifest) of the previous snapshot not superseded."""
    schema = {"quarantine": QUARANTINE, "manifest": MANIFEST}[table]
    files = table_files(previous, table)
    if not files:
        return schema.empty_table()
    rows = pa.concat_tables(pq.read_table(path) for path in files)
    kept = rows.filter(pc.invert(pc.is_in(rows.column("source_path"), value_set=reprocessed)))
    return conform(kept, schema, name=table)


def next_quarantine(
    previous: Snapshot | None, reprocessed: pa.Array, staged: pa.Table, run_id: str
) -> pa.Table:
    """The quarantine table of the next snapshot: earlier rows not superseded, then this run's."""
    this_run = staged.append_column("run_id", pa.array([run_id] * staged.num_rows, pa.string()))
    return pa.concat_tables(
        [
            carry_table(previous, "quarantine", reprocessed),
            conform(this_run, QUARANTINE, name="quarantine"),
        ]
    )


def next_manifest(
    previous: Snapshot | None,
    processed: pa.Table,
    documents: pa.Table,
    quarantine: pa.Table,
    run_id: str,
    *,
    pruned: pa.Array | None = None,
) -> pa.Table:
    """The manifest of the next snapshot: earlier entries not superseded, then this run's files.

    ``pruned`` paths (missing files removed on purpose) leave the manifest without a new entry.
    """
    reprocessed = processed.column("source_path")
    if pruned is not None and len(pruned):
        reprocessed = pa.concat_arrays([reprocessed.combine_chunks(), pruned])
    return pa.concat_tables(
        [
            carry_table(previous, "manifest", reprocessed),
            manifest_rows(processed, documents, quarantine, run_id),
        ]
    )


def manifest_rows(
    processed: pa.Table, documents: pa.Table, quarantine: pa.Table, run_id: str
) -> pa.Table:
    """Manifest rows for the files this run processed: their stat, hash and outcome.

    Each document and quarantine row finds its file's stat by position (``index_in``) rather
    than by a table join, whose hash table of a million paths was the driver's largest.
    """
    outcomes = pa.concat_tables(
        [
            documents.select(["source_path", "raw_sha256"]).append_column(
                "outcome", pa.repeat(pa.scalar("document"), documents.num_rows)
            ),
            quarantine.select(["source_path", "raw_sha256"]).append_column(
                "outcome", pa.repeat(pa.scalar("quarantine"), quarantine.num_rows)
            ),
        ],
        promote_options="permissive",
    )
    at = pc.index_in(outcomes.column("source_path"), value_set=processed.column("source_path"))
    if at.null_count:  # not a file of this run (the flow's books would not balance)
        outcomes, at = outcomes.filter(at.is_valid()), at.drop_null()
    rows = outcomes.append_column("bytes", processed.column("bytes").take(at))
    rows = rows.append_column("mtime_ns", processed.column("mtime_ns").take(at))
    rows = rows.append_column("run_id", pa.repeat(pa.scalar(run_id), rows.num_rows))
    return conform(rows.select(MANIFEST.names), MANIFEST, name="manifest")


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


CENSUS_SQL = Path(__file__).parent / "sql" / "census"


def census_is_current(previous: Snapshot | None) -> bool:
    """Whether the previous snapshot's census has the columns this code learns from.

    A census written by an older newsetl (edge lines without their site and story) cannot be
    counted with this run's: its files are all processed again (:func:`pending_files`).
    """
    files = table_files(previous, "line_census")
    return not files or set(LINE_CENSUS.names) <= set(pq.read_schema(files[0]).names)


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
    connection = spilling_connection(spill_dir)
    try:
        connection.register("processed", pa.table({"source_path": pc.cast(processed, pa.string())}))
        connection.execute((CENSUS_SQL / "05_census_rows.sql").read_text())

        def learn(with_new: bool) -> pa.Table:
            params = {
                "previous": old or new,
                "has_previous": bool(old),
                "new": new or old,
                "with_new": with_new and bool(new),
                "min_stories": min_stories,
                "min_share": min_share,
            }
            sql = (CENSUS_SQL / "10_learned.sql").read_text()
            return connection.sql(sql, params=params).to_arrow_table()

        after = learn(with_new=True)
        if not old:
            return CensusPlan(list(staged), _learned(after), [])
        changed, renamed = _changes(learn(with_new=False), after)
        affected: list[str] = []
        if changed.num_rows or renamed.num_rows:
            connection.register("changed", changed)
            connection.register("renamed", renamed)
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
            return CensusPlan(
                [*table_files(previous, "line_census"), *staged], _learned(after), affected
            )
        # Some previous rows are superseded: write the others again, batch by batch.
        kept_file = spill_dir / "census-kept.parquet"
        reader = connection.sql(
            (CENSUS_SQL / "30_kept_rows.sql").read_text(), params={"previous": old}
        ).to_arrow_reader(1 << 20)
        with storage.parquet_writer(kept_file, LINE_CENSUS) as writer:
            for batch in reader:
                table = pa.Table.from_batches([batch])
                writer.write_table(conform(table, LINE_CENSUS, name="line_census"))
        return CensusPlan([kept_file, *staged], _learned(after), affected)
    finally:
        connection.close()


def manifest_stats(previous: Snapshot | None, paths: list[str]) -> pa.Table:
    """``source_path``, ``bytes`` and ``mtime_ns`` of unchanged files, as the manifest has them."""
    rows = carry_table(previous, "manifest", pa.array([], pa.string()))
    wanted = rows.filter(pc.is_in(rows.column("source_path"), value_set=pa.array(paths)))
    return wanted.select(["source_path", "bytes", "mtime_ns"])
