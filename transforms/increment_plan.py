"""The plan of an increment: what the next snapshot does with each file of the current one.

A run publishes a new snapshot beside the current one. Most of it is the current snapshot's files,
hard-linked: a file is carried as it is unless some of its rows go or change.

* **Row tables** (documents, manifest, quarantine): a file is carried when none of its rows is
  superseded or changed, else rewritten with the rows it keeps (:func:`plan_rows`). New rows go
  to new files; nothing else is touched.
* **Compaction** merges the small files increments leave, partition by partition, into files of
  a target size (:func:`plan_compaction`), in the spirit of Delta Lake's ``OPTIMIZE``.
* **Learned chrome moving** makes unchanged files to parse again; a run takes a number bounded by
  its own size, the longest waiting first (:func:`reparse_limit`, :func:`bound_reparse`).

Everything here is pure: Arrow tables of file records and row keys in, plans out. Reading and
writing the files is ``warehouse/``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FILE_RECORDS = pa.schema(
    [
        pa.field("file", pa.string(), nullable=False),
        pa.field("partition", pa.string()),
        pa.field("rows", pa.int64(), nullable=False),
        pa.field("bytes", pa.int64(), nullable=False),
    ]
)
"""A table's files as a plan sees them: path in the snapshot, partition (null: none), size."""

ROW_KEYS = pa.schema(
    [pa.field("file", pa.string(), nullable=False), pa.field("row", pa.int64(), nullable=False)]
)
"""Rows of a table's files: the file and the row's position in it."""


@dataclass(frozen=True)
class RowPlan:
    """What the next snapshot does with the files of a row table."""

    carried: tuple[str, ...]
    """Files kept as they are (hard-linked)."""
    rewritten: Mapping[str, np.ndarray]
    """Files written again, each with the positions of the rows it keeps (sorted; empty when all
    its rows go, and then no file is written for it)."""
    file_rows: Mapping[str, int] = field(default_factory=dict)
    """Rows of each file, as the records had them."""

    @property
    def dropped_rows(self) -> int:
        """Rows of rewritten files that do not come back."""
        return sum(self.file_rows.get(name, 0) - len(kept) for name, kept in self.rewritten.items())


def plan_rows(files: pa.Table, superseded: pa.Table, changed: pa.Table | None = None) -> RowPlan:
    """Carry every file none of whose rows is superseded or changed; rewrite the others.

    Args:
        files: The table's files (``FILE_RECORDS``).
        superseded: Rows that go (``ROW_KEYS``): their file version was processed again, pruned,
            or the row's source no longer stands.
        changed: Rows that stay with new values (``ROW_KEYS``): the file is rewritten with them.

    Raises:
        ValueError: A row key names a file that is not among ``files``, or a row past its end.
    """
    names = files.column("file").to_pylist()
    rows = dict(zip(names, files.column("rows").to_pylist(), strict=True))
    keys = [superseded] + ([changed] if changed is not None else [])
    touched = pa.concat_tables([k.select(["file", "row"]).cast(ROW_KEYS) for k in keys])
    _check_keys(touched, rows)
    dirty = set(pc.unique(touched.column("file")).to_pylist())
    gone = superseded.select(["file", "row"]).cast(ROW_KEYS)
    rewritten: dict[str, np.ndarray] = {}
    for name in sorted(dirty):
        mask = np.ones(rows[name], dtype=bool)
        mine = pc.equal(gone.column("file"), name)
        mask[gone.column("row").filter(mine).to_numpy()] = False
        rewritten[name] = np.flatnonzero(mask)
    carried = tuple(name for name in names if name not in dirty)
    return RowPlan(carried, rewritten, rows)


def _check_keys(keys: pa.Table, rows: Mapping[str, int]) -> None:
    if not keys.num_rows:
        return
    names = keys.column("file")
    unknown = pc.invert(pc.is_in(names, value_set=pa.array(list(rows), pa.string())))
    if pc.any(unknown).as_py():
        first = names.filter(unknown)[0].as_py()
        raise ValueError(f"row keys name {first!r}, which is not a file of the table")
    limit = pc.cast(pc.index_in(names, value_set=pa.array(list(rows), pa.string())), pa.int64())
    sizes = pa.array(list(rows.values()), pa.int64()).take(limit)
    row = keys.column("row")
    if pc.any(pc.or_(pc.less(row, 0), pc.greater_equal(row, sizes))).as_py():
        raise ValueError("row keys name a row past the end of its file")


@dataclass(frozen=True)
class CompactionGroup:
    """Files of one partition merged into one."""

    partition: str | None
    files: tuple[str, ...]
    rows: int
    bytes: int


def plan_compaction(
    files: pa.Table, *, target_bytes: int, min_files: int = 2, size_ratio: float = 4.0
) -> list[CompactionGroup]:
    """Group the small files of each partition into merges of about ``target_bytes``.

    A file of ``target_bytes`` or more is left alone. The smaller files of a partition are taken
    in order of size, smallest first, and packed into groups while a group stays within the
    target and the next file is at most ``size_ratio`` times what the group holds already; a
    group of fewer than ``min_files`` files is no merge and is dropped. So compaction rewrites
    only small files, and never a large file for the sake of a small one: a month's file and the
    few rows an increment added beside it stay apart until the increments' files together reach
    a ``size_ratio``-th of it (size-tiered, as LSM stores compact). Each byte is rewritten a
    number of times that grows with the logarithm of the partition's size, not with the number
    of compactions. Files without rows join the partition's first merge (or one of their own,
    of no rows, which writes nothing) whatever their number, unless one is all the table has.

    Args:
        files: The table's files (``FILE_RECORDS``).
        target_bytes: The size a merged file should reach, not pass.
        min_files: Files a merge must combine to be worth writing.
        size_ratio: How much larger than the group so far a file may be and still join it.
    """
    if target_bytes < 1:
        raise ValueError(f"target_bytes must be positive, not {target_bytes}")
    small = files.filter(pc.less(files.column("bytes"), target_bytes))
    has_rows = bool(pc.any(pc.greater(files.column("rows"), 0)).as_py())
    groups: list[CompactionGroup] = []
    by_partition: dict[str | None, list[tuple[int, str, int]]] = {}
    for name, partition, rows, size in zip(
        *(small.column(c).to_pylist() for c in ("file", "partition", "rows", "bytes")),
        strict=True,
    ):
        by_partition.setdefault(partition, []).append((size, name, rows))
    for partition in sorted(by_partition, key=lambda p: (p is None, p or "")):
        entries = sorted(by_partition[partition])
        empty = [entry for entry in entries if entry[2] == 0]
        batches: list[list[tuple[int, str, int]]] = [[]]
        for entry in (entry for entry in entries if entry[2]):
            held = sum(size for size, _, _ in batches[-1])
            if batches[-1] and (held + entry[0] > target_bytes or entry[0] > size_ratio * held):
                batches.append([])
            batches[-1].append(entry)
        batches = [batch for batch in batches if len(batch) >= min_files]
        if empty and (has_rows or len(empty) > 1):
            # Files without rows go whatever their number: DuckDB estimates a scan of many
            # files from the first one's rows, and an empty one first made it plan the joins
            # over a table of 43M rows as if it had none (BENCHMARKS.md, "Increments").
            batches[:1] = [[*empty, *(batches[0] if batches else [])]]
        groups += [_group(partition, batch) for batch in batches]
    return groups


def _group(partition: str | None, members: list[tuple[int, str, int]]) -> CompactionGroup:
    return CompactionGroup(
        partition,
        tuple(sorted(name for _, name, _ in members)),
        sum(rows for _, _, rows in members),
        sum(size for size, _, _ in members),
    )


REPARSE_FLOOR = 1_000
"""Unchanged files any run may parse again when learned chrome moves (see :func:`bound_reparse`)."""


def reparse_limit(new_files: int, floor: int = REPARSE_FLOOR) -> int:
    """How many unchanged files a run that processes ``new_files`` may parse again.

    As many as it processes, and at least ``floor``: the work a moving chrome adds to a run is
    bounded by the run's own size (with a fixed allowance), never by the corpus's.
    """
    return max(floor, new_files)


def bound_reparse(
    deferred: Sequence[str], affected: Sequence[str], limit: int
) -> tuple[list[str], list[str]]:
    """Split the unchanged files to parse again into those of this run and those left for later.

    Args:
        deferred: Files earlier runs left for later, longest waiting first.
        affected: Files this run's census found affected (any order; duplicates of ``deferred``
            allowed).
        limit: Files this run parses again (:func:`reparse_limit`).

    Returns:
        The files to parse now (the longest waiting first, then the newly affected in path
        order), and those left, in the order later runs take them.
    """
    if limit < 0:
        raise ValueError(f"limit must not be negative, not {limit}")
    waiting = dict.fromkeys(deferred)
    queue = [*waiting, *sorted(path for path in set(affected) if path not in waiting)]
    return queue[:limit], queue[limit:]
