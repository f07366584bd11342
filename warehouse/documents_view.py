"""The ``documents`` table as DuckDB shows it: its files, with each story's size joined in.

A story's size belongs to the story (``clusters.size``), not to each of its documents: kept in
the document files, every new copy of an older story would rewrite the files of its earlier
copies. The view puts it back as ``cluster_size``, so SQL over ``documents`` reads the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq


def parquet_source(files: Sequence[Path]) -> str:
    """``read_parquet`` of ``files`` as SQL text: views take no parameters, so paths are quoted."""
    quoted = ", ".join("'" + str(path).replace("'", "''") + "'" for path in files)
    return f"read_parquet([{quoted}], hive_partitioning = false)"


def carries_sizes(documents: Sequence[Path]) -> bool:
    """Whether document files carry ``cluster_size`` themselves (written before it moved)."""
    return bool(documents) and "cluster_size" in pq.read_schema(documents[0]).names


def documents_select(
    documents: Sequence[Path], clusters: Sequence[Path], later: Sequence[str] = ()
) -> str:
    """A SELECT of the ``documents`` table over its files, ``cluster_size`` from ``clusters``.

    Args:
        documents: The snapshot's document files (at least one).
        clusters: Its cluster files; not read when the document files carry the sizes.
        later: Expressions for columns the files lack, added after theirs (``CAST(NULL AS
            VARCHAR) AS agency`` over files written before the column existed).

    Raises:
        ValueError: Document files without sizes, and no cluster files to take them from.
    """
    source = parquet_source(documents)
    if carries_sizes(documents):
        return f"SELECT {', '.join(['*', *later])} FROM {source}"  # noqa: S608 - quoted paths
    if not clusters:
        raise ValueError("documents without cluster files: no story sizes to join")
    columns = ", ".join(
        ["d.* EXCLUDE (run_id)", *later, "CAST(c.size AS INTEGER) AS cluster_size", "d.run_id"]
    )
    # A left join: a document whose cluster is missing (a damaged snapshot) still shows, with
    # a null size.
    return (
        f"SELECT {columns} FROM {source} AS d "  # noqa: S608 - quoted paths
        f"LEFT JOIN (SELECT cluster_id, size FROM {parquet_source(clusters)}) AS c "
        "USING (cluster_id)"
    )
