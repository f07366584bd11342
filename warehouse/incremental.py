"""Carrying a snapshot forward: what of the previous snapshot stays, and what is rewritten.

A run processes only new and changed files. The new snapshot holds the previous documents minus
those superseded (their file was processed again) plus the new ones; clusters are recomputed over
all of them. A previous Parquet file whose rows all keep their cluster and canonical flag is
hard-linked into the new snapshot (no copy, no rewrite); only files with superseded rows or changed
assignments are rewritten. A story's size is not in the document files (``documents_view``), so a
new copy of an older story leaves its earlier copies' files as they are. So a run adding 1% of
files rewrites little more than 1% of the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms import increment_plan
from warehouse import story_partitions
from warehouse.body_batches import KnownPlaces
from warehouse.schemas import CLUSTERS, MANIFEST, MENTIONS, QUARANTINE, TABLES, conform
from warehouse.spill import spilling_connection
from warehouse.storage import partition_value
from warehouse.store import RunStaging, Snapshot, read_staged_table, table_files
from warehouse.story_partitions import StoryMonths

# What deduplication and publish read of every document; a file's ``source_path`` is read
# only to find the previous rows it supersedes (a million paths are not kept through publish).
KEY_COLUMNS = ["doc_id", "content_hash", "published_date", "word_count", "publisher"]
CLUSTER_COLUMNS = ["cluster_id", "is_canonical"]
"""The story columns the document files hold (their cluster's size is joined in by the view)."""
OUTDATED_COLUMNS = frozenset({"cluster_size"})
"""Columns of document files written by an older newsetl: such a file is written again."""


GONE = pa.schema([("doc_id", pa.string()), ("cluster_id", pa.string())])
"""What a run keeps of the previous documents it supersedes, besides their bodies' hashes."""


@dataclass
class DocumentKeys:
    """Dedup keys of every document of the next snapshot: the previous ones kept, then the new."""

    previous_files: list[Path]
    previous: pa.Table
    """Kept previous documents: KEY_COLUMNS, CLUSTER_COLUMNS, ``file_index`` and ``row``."""
    file_records: pa.Table
    """The previous document files as the increment planner sees them (``FILE_RECORDS``)."""
    superseded: pa.Table
    """Rows of previous files that go (``ROW_KEYS``): their file was processed again or pruned."""
    new: pa.Table
    """KEY_COLUMNS of the staged documents, in shard order."""
    outdated: frozenset[int] = frozenset()
    """Indices of previous files in an older layout (``OUTDATED_COLUMNS``): all rewritten."""
    gone_hashes: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))
    """Content hashes of the superseded documents: their stories are drawn again."""
    gone: pa.Table = field(default_factory=GONE.empty_table)
    """``doc_id`` and ``cluster_id`` of the superseded documents: their rows of the story
    tables go, or are written again."""

    def places(self) -> KnownPlaces:
        """Where the kept previous documents' bodies are: their file and row."""
        return KnownPlaces(
            [str(path) for path in self.previous_files],
            self.previous.column("content_hash"),
            self.previous.column("file_index").to_numpy(),
            self.previous.column("row").to_numpy(),
        )

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
    records: list[tuple[str, str | None, int, int]] = []
    gone: list[pa.Table] = []
    gone_hashes: list[pa.Array] = []
    gone_ids: list[pa.Table] = []
    outdated: set[int] = set()
    for index, path in enumerate(files):
        parquet = pq.ParquetFile(path)
        if OUTDATED_COLUMNS & set(parquet.schema_arrow.names):
            outdated.add(index)
        table = parquet.read(columns=["source_path", *KEY_COLUMNS, *CLUSTER_COLUMNS])
        table = table.append_column("file_index", pa.array(np.full(table.num_rows, index)))
        table = table.append_column("row", pa.array(np.arange(table.num_rows)))
        records.append((str(path), partition_value(path), table.num_rows, path.stat().st_size))
        dropped = pc.is_in(table.column("source_path"), value_set=reprocessed)
        table = table.drop_columns(["source_path"])
        if pc.any(dropped).as_py():
            gone_hashes.append(table.column("content_hash").filter(dropped).combine_chunks())
            gone_ids.append(table.select(GONE.names).filter(dropped).cast(GONE))
            rows = table.column("row").filter(dropped)
            gone.append(pa.table({"file": pa.repeat(pa.scalar(str(path)), len(rows)), "row": rows}))
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
                "file_index": pa.array([], pa.int64()),
                "row": pa.array([], pa.int64()),
            }
        )
    superseded = (
        pa.concat_tables(gone).cast(increment_plan.ROW_KEYS)
        if gone
        else increment_plan.ROW_KEYS.empty_table()
    )
    hashes = pa.concat_arrays([pa.array([], pa.string()), *gone_hashes])
    return DocumentKeys(
        files,
        kept,
        file_table(records),
        superseded,
        new,
        frozenset(outdated),
        hashes,
        pa.concat_tables([GONE.empty_table(), *gone_ids]),
    )


def drawn_by(previous: Snapshot | None) -> str | None:
    """The rules (``clustering.CLUSTERING_DIGEST``) that drew ``previous``'s clusters.

    Those of the last run that clustered (a compaction republishes them as they are); None
    when it did not say (an older newsetl) or there is no snapshot.
    """
    files = table_files(previous, "runs")
    if not files:
        return None
    runs = pa.concat_tables(pq.read_table(path, columns=["status", "parameters"]) for path in files)
    clustered = runs.filter(pc.not_equal(runs.column("status"), "compacted"))
    if not clustered.num_rows:
        return None
    parameters = json.loads(clustered.column("parameters")[-1].as_py())
    digest = parameters.get("clustering")
    return None if digest is None else str(digest)


def previous_clusters(keys: DocumentKeys, previous: Snapshot | None) -> pa.Table:
    """Each document's cluster columns as ``previous`` has them, aligned with ``all_keys()``.

    ``cluster_id`` and ``is_canonical`` from the document files, ``cluster_size`` and
    ``canonical_doc_id`` from the cluster's row; nulls for a new document, and for one whose
    cluster is not in ``previous`` (both are drawn again: ``clustering.recluster``).
    """
    files = table_files(previous, "clusters")
    columns = ["cluster_id", "canonical_doc_id", "size"]
    stories = pa.concat_tables(
        [
            CLUSTERS.empty_table().select(columns),
            *(pq.read_table(path, schema=CLUSTERS, columns=columns) for path in files),
        ]
    )
    ids = keys.previous.column("cluster_id").combine_chunks().cast(pa.string())
    at = pc.index_in(ids, value_set=stories.column("cluster_id").combine_chunks())
    n_new = keys.new.num_rows
    return pa.table(
        {
            "cluster_id": pa.concat_arrays([ids, pa.nulls(n_new, pa.string())]),
            "is_canonical": pa.concat_arrays(
                [keys.previous.column("is_canonical").combine_chunks(), pa.nulls(n_new, pa.bool_())]
            ),
            "cluster_size": pa.concat_arrays(
                [
                    stories.column("size").combine_chunks().take(at),
                    pa.nulls(n_new, pa.int32()),
                ]
            ),
            "canonical_doc_id": pa.concat_arrays(
                [
                    stories.column("canonical_doc_id").combine_chunks().take(at),
                    pa.nulls(n_new, pa.string()),
                ]
            ),
        }
    )


def previous_pairs(previous: Snapshot | None) -> tuple[np.ndarray, np.ndarray]:
    """Body keys of ``previous``'s verified pairs: (left, right)."""
    files = table_files(previous, "body_pairs")
    if not files:
        return np.empty(0, np.uint64), np.empty(0, np.uint64)
    pairs = pa.concat_tables(pq.read_table(p, columns=["left_key", "right_key"]) for p in files)
    return (
        pairs.column("left_key").to_numpy().astype(np.uint64),
        pairs.column("right_key").to_numpy().astype(np.uint64),
    )


def file_table(records: list[tuple[str, str | None, int, int]]) -> pa.Table:
    """(file, partition, rows, bytes) records as a ``FILE_RECORDS`` table."""
    names = increment_plan.FILE_RECORDS.names
    columns = {name: [record[i] for record in records] for i, name in enumerate(names)}
    return pa.table(columns, schema=increment_plan.FILE_RECORDS)


def plan_documents(keys: DocumentKeys, clusters: pa.Table) -> increment_plan.RowPlan:
    """Carry every previous document file whose rows all stay with the same cluster columns.

    A file is rewritten when one of its documents is superseded, when the increment changes the
    cluster columns of one (a new copy is the better canonical; two clusters join), or when it
    was written by an older newsetl (``keys.outdated``). A new copy that only joins a cluster
    changes no file: the cluster's size is not in them. New documents never go into a previous
    file.
    """
    n_previous = keys.previous.num_rows
    changed = np.zeros(n_previous, dtype=bool)
    for name in CLUSTER_COLUMNS:
        same = pc.equal(keys.previous.column(name), clusters.column(name).slice(0, n_previous))
        changed |= pc.invert(pc.fill_null(same, False)).to_numpy(zero_copy_only=False)
    if keys.outdated:
        outdated = pa.array(sorted(keys.outdated), pa.int64())
        changed |= pc.is_in(keys.previous.column("file_index"), value_set=outdated).to_numpy(
            zero_copy_only=False
        )
    moved = keys.previous.filter(pa.array(changed))
    names = pa.array([str(path) for path in keys.previous_files], pa.string())
    changed_rows = pa.table(
        {"file": names.take(moved.column("file_index")), "row": moved.column("row")}
    )
    return increment_plan.plan_rows(keys.file_records, keys.superseded, changed_rows)


def document_batches(
    keys: DocumentKeys, clusters: pa.Table, plan: increment_plan.RowPlan, staging: RunStaging
) -> Iterator[pa.Table]:
    """The documents to write: rewritten previous files, then the staged ones, with clusters."""
    previous = keys.previous
    file_index = previous.column("file_index")
    previous_clusters = clusters.slice(0, previous.num_rows)
    index_of = {str(path): index for index, path in enumerate(keys.previous_files)}
    for name, kept_rows in plan.rewritten.items():
        if not len(kept_rows):
            continue  # every row of the file goes
        mask = pc.equal(file_index, index_of[name])
        assigned = previous_clusters.filter(mask)
        table = pq.read_table(name).take(pa.array(kept_rows))
        table = table.drop_columns([c for c in table.column_names if c in OUTDATED_COLUMNS])
        for column in CLUSTER_COLUMNS:
            table = table.set_column(
                table.schema.get_field_index(column), column, assigned.column(column)
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

    A superseded or reprocessed document's earlier mentions go away (``keys.gone``); the staged
    mentions of its new version come in with this run's id. A run that only adds documents reads
    no earlier mentions file: at a million documents they hold 14M rows. One that supersedes
    some reads their document ids, each file's distinct ones tested against the few that go.
    """
    gone_ids = keys.gone.column("doc_id").combine_chunks()
    carried: list[Path] = []
    parts: list[pa.Table] = []
    for path in table_files(previous, "mentions"):
        if not keys.superseded.num_rows:
            # Every earlier document stays, so do all of their mentions: none is read.
            if pq.ParquetFile(path).metadata.num_rows:
                carried.append(path)
            continue
        # The document ids decide; the other columns are read only for a file to rewrite.
        doc_ids = pq.read_table(path, columns=["doc_id"], read_dictionary=["doc_id"])
        if not doc_ids.num_rows:
            continue  # a run that found no mentions wrote an empty file: nothing to carry
        going = pa.chunked_array(
            [
                pc.is_in(chunk.dictionary, value_set=gone_ids).take(chunk.indices)
                for chunk in doc_ids.column("doc_id").chunks
            ],
            pa.bool_(),
        )
        if not pc.any(going).as_py():
            carried.append(path)
        else:
            rows = pq.read_table(path).filter(pc.invert(going))
            parts.append(conform(rows, MENTIONS, name="mentions"))
    written = pa.concat_tables(parts) if parts else MENTIONS.empty_table()
    return MentionsPlan([*carried, *staging.mention_files()], written)


def carry_table(previous: Snapshot | None, table: str, reprocessed: pa.Array) -> pa.Table:
    """Rows of a small table (quarantine, manifest) of the previous snapshot not superseded."""
    schema = {"quarantine": QUARANTINE, "manifest": MANIFEST}[table]
    files = table_files(previous, table)
    if not files:
        return schema.empty_table()
    rows = pa.concat_tables(pq.read_table(path) for path in files)
    kept = rows.filter(pc.invert(pc.is_in(rows.column("source_path"), value_set=reprocessed)))
    return conform(kept, schema, name=table)


@dataclass(frozen=True)
class CarriedRows:
    """A row table of the next snapshot: previous files carried as they are, and rows to write."""

    carried: list[Path]
    """Previous files none of whose rows is superseded: hard-linked."""
    written: pa.Table
    """The kept rows of the previous files that lost some, then this run's rows."""


def staged_rows(
    rows: CarriedRows,
    staging: RunStaging,
    table: str,
    part: str,
    stories: StoryMonths | None = None,
) -> CarriedRows:
    """``rows`` with the rows to write staged as the file ``part`` of ``table``.

    The file is carried with the others (publish links it), and the rows leave memory now. A
    story table (``story_partitions.TABLES``) is staged as a file per story month, by
    ``stories``.
    """
    if not rows.written.num_rows:
        return rows
    if table in story_partitions.TABLES:
        if stories is None:
            raise ValueError(f"{table} is kept by story month: its rows need their stories")
        months = stories.months(table, rows.written)
        staged = staging.stage_by_month(table, rows.written, months, part)
    else:
        staged = [staging.stage_table(table, rows.written, part)]
    return CarriedRows([*rows.carried, *staged], TABLES[table].empty_table())


def carry_rows(
    previous: Snapshot | None, table: str, superseded: pa.Array, new_rows: pa.Table
) -> CarriedRows:
    """Carry the files of a table keyed by ``source_path`` whose rows all stay; add ``new_rows``.

    Only the ``source_path`` column of a carried file is read: a run adding 1% of the files
    writes its own rows and the files that lost one, not the whole table.
    """
    schema = {"quarantine": QUARANTINE, "manifest": MANIFEST}[table]
    records: list[tuple[str, str | None, int, int]] = []
    gone: list[pa.Table] = []
    for path in table_files(previous, table):
        paths = pq.read_table(path, columns=["source_path"]).column("source_path")
        records.append((str(path), None, len(paths), path.stat().st_size))
        dropped = pc.is_in(paths, value_set=superseded)
        if pc.any(dropped).as_py():
            rows = pa.array(np.flatnonzero(dropped.to_numpy(zero_copy_only=False)), pa.int64())
            gone.append(pa.table({"file": pa.repeat(pa.scalar(str(path)), len(rows)), "row": rows}))
    keys = (
        pa.concat_tables(gone).cast(increment_plan.ROW_KEYS)
        if gone
        else increment_plan.ROW_KEYS.empty_table()
    )
    plan = increment_plan.plan_rows(file_table(records), keys)
    parts = [
        conform(pq.read_table(name).take(pa.array(kept)), schema, name=table)
        for name, kept in plan.rewritten.items()
        if len(kept)
    ]
    written = pa.concat_tables([*parts, conform(new_rows, schema, name=table)])
    return CarriedRows([Path(name) for name in plan.carried], written)


@dataclass(frozen=True)
class Scope:
    """The rows of a table a run computed again: those whose ``column`` is one of ``values``.

    An increment draws again only the stories its documents touch (``clustering.recluster``):
    the rows it computes of ``clusters`` and ``document_matches`` are theirs, and every other
    row of the previous snapshot stands as it is.
    """

    column: str
    values: pa.Array

    def rows_in(self, path: Path) -> pa.Array:
        """Which rows of the Parquet file ``path`` are in the scope (its key column alone read)."""
        keys = pq.read_table(path, columns=[self.column]).column(0).combine_chunks()
        return pc.is_in(keys, value_set=self.values)


def drawn_scopes(
    keys: DocumentKeys, assigned: pa.Table, drawn: np.ndarray | None
) -> dict[str, Scope]:
    """The rows of the story tables a run computes when it drew only ``drawn``'s clusters.

    ``drawn`` marks the documents of ``keys.all_keys()`` whose clusters were drawn again (None:
    every one, and the tables are computed whole: no scope). The scopes are those documents and
    the superseded ones (``document_matches``, ``match_passages``: by copy), and the clusters
    they are in now or were in before (``clusters``).
    """
    if drawn is None:
        return {}
    mask = pa.array(drawn)
    previous_ids = keys.previous.column("cluster_id").combine_chunks().cast(pa.string())
    doc_ids = keys.all_keys().column("doc_id").filter(mask)
    clusters = pa.chunked_array(
        [
            assigned.column("cluster_id").cast(pa.string()).filter(mask).combine_chunks(),
            previous_ids.filter(mask.slice(0, len(previous_ids))),
            keys.gone.column("cluster_id").combine_chunks(),
        ],
        pa.string(),
    )
    copies = pa.chunked_array(
        [doc_ids.combine_chunks(), keys.gone.column("doc_id").combine_chunks()], pa.string()
    )
    by_copy = Scope("doc_id", pc.unique(copies.drop_null()))
    return {
        "clusters": Scope("cluster_id", pc.unique(clusters.drop_null())),
        "document_matches": by_copy,
        "match_passages": by_copy,
    }


def carry_unchanged(
    previous: Snapshot | None,
    table: str,
    rows: pa.Table,
    spill_dir: Path | None = None,
    scope: Scope | None = None,
) -> CarriedRows:
    """The next snapshot's ``table`` from the rows this run computed, carrying the unchanged.

    ``rows`` is the table as this run computed it (``clusters``, ``document_matches``,
    ``body_pairs``), each row stamped with this run's id: every row, or with ``scope`` every
    row in it. A previous row in scope equal to one of ``rows`` in every column but ``run_id``
    stays as it was, run id included, and so does every previous row out of scope; a previous
    file all of whose rows stay is hard-linked (one without a row in scope is not even read
    whole), one that lost some is rewritten with those it keeps, and only the new or changed
    rows are written with this run's id. So an increment whose new documents form new stories
    writes those stories' rows, not the table.

    Args:
        previous: The snapshot the run builds on (None: every row is written).
        table: The table's name, in ``TABLES``.
        rows: The rows of the next snapshot's table this run computed, in its schema.
        spill_dir: Where DuckDB spills comparing the rows (the run's staging folder).
        scope: The rows ``rows`` stand for (None: the whole table).
    """
    files = table_files(previous, table)
    if not files or (rows.num_rows == 0 and scope is None):
        return CarriedRows([], rows)
    untouched: list[Path] = []
    if scope is not None:
        touched: list[Path] = []
        for path in files:
            (touched if pc.any(scope.rows_in(path)).as_py() else untouched).append(path)
        files = touched
    schema = TABLES[table]
    if not files:
        # No previous row is in the scope: every row computed is new.
        return CarriedRows(untouched, conform(rows, schema, name=table))
    compared = [name for name in schema.names if name != "run_id"]
    same = " AND ".join(f'p."{name}" IS NOT DISTINCT FROM n."{name}"' for name in compared)
    in_scope = "TRUE" if scope is None else f'p."{scope.column}" IN (SELECT value FROM scope)'  # noqa: S608
    connection = spilling_connection(spill_dir)
    try:
        connection.register(
            "next_rows", rows.append_column("next_row", pa.array(np.arange(rows.num_rows)))
        )
        if scope is not None:
            connection.register("scope", pa.table({"value": scope.values}))
        # Each previous row with the row of ``rows`` it equals, if any (rows are unique by key).
        # Names are the schema's own, quoted; the files are bound.
        matched = connection.sql(
            "SELECT p.filename AS file, p.file_row_number AS row, n.next_row, "  # noqa: S608
            f"{in_scope} AS in_scope "
            "FROM read_parquet($files, filename = true, file_row_number = true) AS p "
            f"LEFT JOIN next_rows AS n ON {same}",
            params={"files": [str(path) for path in files]},
        ).to_arrow_table()
    finally:
        connection.close()
    stays = pc.or_(matched.column("next_row").is_valid(), pc.invert(matched.column("in_scope")))
    gone = matched.filter(pc.invert(stays)).select(["file", "row"])
    kept = matched.column("next_row").drop_null()
    records: list[tuple[str, str | None, int, int]] = [
        (str(path), None, pq.ParquetFile(path).metadata.num_rows, path.stat().st_size)
        for path in files
    ]
    plan = increment_plan.plan_rows(file_table(records), gone.cast(increment_plan.ROW_KEYS))
    rewritten = [
        conform(pq.read_table(name, schema=schema).take(pa.array(at)), schema, name=table)
        for name, at in plan.rewritten.items()
        if len(at)
    ]
    changed = np.ones(rows.num_rows, dtype=bool)
    changed[kept.to_numpy()] = False
    written = pa.concat_tables([*rewritten, conform(rows.filter(changed), schema, name=table)])
    return CarriedRows([*untouched, *(Path(name) for name in plan.carried)], written)


def next_story_months(
    previous: Snapshot | None, staged_clusters: list[Path], scope: Scope | None
) -> StoryMonths:
    """The month of every story of the next snapshot (its ``clusters`` rows' first dates).

    Those of the rows staged in ``staged_clusters``: every story's, or with ``scope`` those
    the run drew again, the others' from the previous snapshot's rows out of the scope.
    """
    if scope is None:
        return StoryMonths.read(staged_clusters)
    columns = [scope.column, "canonical_doc_id", "first_date"]
    earlier = pa.concat_tables(
        [
            CLUSTERS.empty_table().select(columns),
            *(
                pq.read_table(path, schema=CLUSTERS, columns=columns)
                for path in table_files(previous, "clusters")
            ),
        ]
    )
    earlier = earlier.filter(pc.invert(pc.is_in(earlier.column(0), value_set=scope.values)))
    drawn = [pq.read_table(path, schema=CLUSTERS, columns=columns) for path in staged_clusters]
    return StoryMonths.of(pa.concat_tables([*drawn, earlier]))


def carry_unchanged_staged(
    previous: Snapshot | None,
    table: str,
    staged: list[Path],
    staging: RunStaging,
    stories: StoryMonths | None = None,
    scope: Scope | None = None,
) -> CarriedRows:
    """:func:`carry_unchanged` of the rows staged in ``staged``: every row, or its ``scope``'s.

    Without earlier rows of the table, the staged files are the table: they are carried as they
    are, never read (rows out of a scope are earlier rows: there are none). Otherwise the new or
    changed rows are staged again, as ``changed`` (by story month for a story table,
    ``stories`` placing them).
    """
    if not table_files(previous, table):
        return CarriedRows(list(staged), TABLES[table].empty_table())
    rows = read_staged_table(staged, table)
    carried = carry_unchanged(previous, table, rows, staging.path, scope)
    del rows
    return staged_rows(carried, staging, table, "changed", stories)


def next_quarantine(
    previous: Snapshot | None, reprocessed: pa.Array, staged: pa.Table, run_id: str
) -> CarriedRows:
    """The quarantine table of the next snapshot: earlier rows not superseded, then this run's."""
    this_run = staged.append_column("run_id", pa.array([run_id] * staged.num_rows, pa.string()))
    return carry_rows(previous, "quarantine", reprocessed, this_run)


def next_manifest(
    previous: Snapshot | None,
    processed: pa.Table,
    documents: pa.Table,
    quarantine: pa.Table,
    run_id: str,
    *,
    pruned: pa.Array | None = None,
) -> CarriedRows:
    """The manifest of the next snapshot: earlier entries not superseded, then this run's files.

    ``pruned`` paths (missing files removed on purpose) leave the manifest without a new entry.
    """
    reprocessed = processed.column("source_path").combine_chunks()
    if pruned is not None and len(pruned):
        reprocessed = pa.concat_arrays([reprocessed, pruned])
    rows = manifest_rows(processed, documents, quarantine, run_id)
    return carry_rows(previous, "manifest", reprocessed, rows)


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
