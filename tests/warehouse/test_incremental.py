"""Which previous document files a publish carries, from the keys and the next cluster columns."""

from pathlib import Path

import pyarrow as pa

from transforms.increment_plan import ROW_KEYS
from warehouse.incremental import DocumentKeys, file_table, plan_documents

FILES = [Path(f"documents/published_month=2021-0{m}/part-a.parquet") for m in (1, 2, 3)]


def keys(superseded: list[tuple[int, int]] = ()) -> DocumentKeys:
    """Three files of two documents each (one cluster per file), minus ``superseded`` rows."""
    gone = set(superseded)
    rows = [(f, r) for f in range(3) for r in range(2) if (f, r) not in gone]
    previous = pa.table(
        {
            "doc_id": [f"d{f}{r}" for f, r in rows],
            "cluster_id": [f"c{f}" for f, _ in rows],
            "is_canonical": [r == 0 for _, r in rows],
            "cluster_size": pa.array([2] * len(rows), pa.int32()),
            "file_index": pa.array([f for f, _ in rows], pa.int64()),
            "row": pa.array([r for _, r in rows], pa.int64()),
        }
    )
    records = file_table([(str(p), p.parent.name.split("=")[1], 2, 100) for p in FILES])
    dropped = pa.table(
        {"file": [str(FILES[f]) for f, _ in superseded], "row": [r for _, r in superseded]}
    ).cast(ROW_KEYS)
    return DocumentKeys(FILES, previous, records, dropped, pa.table({"doc_id": ["new"]}))


def assigned(table: pa.Table, **changes: tuple[int, str, object]) -> pa.Table:
    """The cluster columns of ``table`` plus a new document, with some values changed."""
    columns = {name: table.column(name).to_pylist() for name in ("cluster_id", "is_canonical")}
    columns["cluster_size"] = table.column("cluster_size").to_pylist()
    for row, name, value in changes.values():
        columns[name][row] = value
    for name, value in (("cluster_id", "cn"), ("is_canonical", True), ("cluster_size", 1)):
        columns[name].append(value)
    return pa.table(columns | {"cluster_size": pa.array(columns["cluster_size"], pa.int32())})


def test_files_whose_documents_keep_their_clusters_are_carried() -> None:
    document_keys = keys()
    plan = plan_documents(document_keys, assigned(document_keys.previous))
    assert plan.carried == tuple(str(p) for p in FILES) and not plan.rewritten


def test_a_copy_joining_a_cluster_rewrites_only_the_files_of_its_members() -> None:
    document_keys = keys()
    # Cluster c1 (file 1, rows 2 and 3 of the keys) gains a member: both sizes change.
    plan = plan_documents(
        document_keys,
        assigned(document_keys.previous, a=(2, "cluster_size", 3), b=(3, "cluster_size", 3)),
    )
    assert plan.carried == (str(FILES[0]), str(FILES[2]))
    assert {name: kept.tolist() for name, kept in plan.rewritten.items()} == {str(FILES[1]): [0, 1]}


def test_a_superseded_document_rewrites_its_file_without_it() -> None:
    document_keys = keys(superseded=[(2, 1)])
    plan = plan_documents(document_keys, assigned(document_keys.previous))
    assert plan.carried == (str(FILES[0]), str(FILES[1]))
    assert {name: kept.tolist() for name, kept in plan.rewritten.items()} == {str(FILES[2]): [0]}
    assert plan.dropped_rows == 1
