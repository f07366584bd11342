"""Which previous files a publish carries: document files by their cluster columns, and the
rows of tables computed whole that did not change."""

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.warehouse.test_store import documents, run_record
from transforms.clustering import CLUSTERING_DIGEST
from transforms.increment_plan import ROW_KEYS
from warehouse.incremental import (
    CLUSTER_COLUMNS,
    DocumentKeys,
    Scope,
    carry_unchanged,
    document_batches,
    drawn_by,
    file_table,
    gather_keys,
    plan_documents,
    previous_clusters,
)
from warehouse.schemas import CLUSTERS, DOCUMENTS, conform
from warehouse.store import RunStaging, Snapshot, Warehouse

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


def test_a_copy_joining_a_cluster_rewrites_no_file_of_its_members() -> None:
    """The cluster's size is not in the document files: its members' files stay as they are."""
    document_keys = keys()
    # Cluster c1 (file 1, rows 2 and 3 of the keys) gains a member: both sizes change.
    plan = plan_documents(
        document_keys,
        assigned(document_keys.previous, a=(2, "cluster_size", 3), b=(3, "cluster_size", 3)),
    )
    assert plan.carried == tuple(str(p) for p in FILES) and not plan.rewritten


def test_a_new_canonical_rewrites_only_the_file_of_the_one_it_replaces() -> None:
    document_keys = keys()
    # The new document is the better canonical of c1: row 2 (file 1) is canonical no more.
    plan = plan_documents(
        document_keys, assigned(document_keys.previous, a=(2, "is_canonical", False))
    )
    assert plan.carried == (str(FILES[0]), str(FILES[2]))
    assert {name: kept.tolist() for name, kept in plan.rewritten.items()} == {str(FILES[1]): [0, 1]}


def test_files_written_with_the_cluster_size_are_all_rewritten() -> None:
    """Files of an older newsetl carry ``cluster_size``: the next run writes them without it."""
    document_keys = replace(keys(), outdated=frozenset({0, 2}))
    plan = plan_documents(document_keys, assigned(document_keys.previous))
    assert plan.carried == (str(FILES[1]),)
    assert {name: kept.tolist() for name, kept in plan.rewritten.items()} == {
        str(FILES[0]): [0, 1],
        str(FILES[2]): [0, 1],
    }


def test_a_superseded_document_rewrites_its_file_without_it() -> None:
    document_keys = keys(superseded=[(2, 1)])
    plan = plan_documents(document_keys, assigned(document_keys.previous))
    assert plan.carried == (str(FILES[0]), str(FILES[1]))
    assert {name: kept.tolist() for name, kept in plan.rewritten.items()} == {str(FILES[2]): [0]}
    assert plan.dropped_rows == 1


def clusters(rows: list[tuple[str, int, str | None, list[str]]], run_id: str) -> pa.Table:
    """``clusters`` rows (cluster id, size, first date, publishers), each its own canonical."""
    return conform(
        pa.table(
            {
                "cluster_id": [row[0] for row in rows],
                "canonical_doc_id": [f"doc-{row[0]}" for row in rows],
                "size": pa.array([row[1] for row in rows], pa.int32()),
                "first_date": pa.array(
                    [date.fromisoformat(row[2]) if row[2] else None for row in rows], pa.date32()
                ),
                "last_date": pa.array([None] * len(rows), pa.date32()),
                "publishers": [row[3] for row in rows],
                "run_id": [run_id] * len(rows),
            }
        ),
        CLUSTERS,
        name="clusters",
    )


def snapshot_of(tmp_path: Path, files: dict[str, pa.Table]) -> Snapshot:
    """A published snapshot holding ``clusters`` as these files."""
    (tmp_path / "clusters").mkdir()
    for name, table in files.items():
        pq.write_table(table, tmp_path / "clusters" / name)
    listed = [f"clusters/{name}" for name in files]
    return Snapshot("s", tmp_path, {"tables": {"clusters": {"files": listed, "rows": 0}}})


def test_rows_that_did_not_change_are_carried_with_their_run(tmp_path: Path) -> None:
    """A file all of whose rows stand is linked; one that lost or changed a row is rewritten."""
    previous = snapshot_of(
        tmp_path,
        {
            "part-a.parquet": clusters([("a", 1, "2021-01-01", ["X"]), ("b", 2, None, [])], "r1"),
            "part-b.parquet": clusters([("c", 1, "2021-02-01", ["X", "Y"])], "r1"),
            "part-c.parquet": clusters([("d", 1, "2021-03-01", ["Y"]), ("e", 1, None, [])], "r2"),
        },
    )
    # Next: a and b as they were (null date, empty list), c gained a copy, d is gone, f is new;
    # e's only difference is its run id, which does not count.
    rows = [
        ("a", 1, "2021-01-01", ["X"]),
        ("b", 2, None, []),
        ("c", 2, "2021-02-01", ["X", "Y"]),
        ("e", 1, None, []),
        ("f", 1, "2021-04-01", ["Z"]),
    ]
    result = carry_unchanged(previous, "clusters", clusters(rows, "r3"), tmp_path)
    assert result.carried == [tmp_path / "clusters" / "part-a.parquet"]
    written = {
        (row["cluster_id"], row["size"], row["run_id"]) for row in result.written.to_pylist()
    }
    # part-b is written again without c's old row (nothing of it stays), part-c with e alone.
    assert written == {("c", 2, "r3"), ("e", 1, "r2"), ("f", 1, "r3")}
    assert result.written.schema.equals(CLUSTERS, check_metadata=False)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3)), min_size=1, max_size=12),
    changes=st.lists(st.sampled_from(["same", "grown", "gone", "run"]), min_size=12, max_size=12),
    added=st.integers(0, 3),
)
def test_rows_of_a_scope_carry_as_the_whole_table_does(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[tuple[int, int]],
    changes: list[str],
    added: int,
) -> None:
    """An increment that computed only the stories it drew again (``Scope``) carries and writes
    what it would have given every row: out-of-scope rows stand as they are."""
    tmp_path = tmp_path_factory.mktemp("scope")
    ids = [f"c{n}" for n in range(len(before))]
    previous_rows = [
        (i, size, "2021-01-01", ["X"]) for i, (_, size) in zip(ids, before, strict=True)
    ]
    files = {
        f"part-{f}.parquet": clusters(
            [row for row, (file, _) in zip(previous_rows, before, strict=True) if file == f],
            f"r{f}",
        )
        for f in sorted({file for file, _ in before})
    }
    previous = snapshot_of(tmp_path, files)
    next_rows, touched = [], set()
    for (cluster, size, first, outlets), change in zip(
        previous_rows, changes[: len(previous_rows)], strict=True
    ):
        if change == "gone":
            touched.add(cluster)
            continue
        if change in ("grown", "run"):
            touched.add(cluster)
        next_rows.append((cluster, size + (change == "grown"), first, outlets))
    next_rows += [(f"n{n}", 1, "2021-02-01", ["Y"]) for n in range(added)]
    touched |= {f"n{n}" for n in range(added)}
    whole = carry_unchanged(previous, "clusters", clusters(next_rows, "r9"), tmp_path)
    drawn = clusters([row for row in next_rows if row[0] in touched], "r9")
    scope = Scope("cluster_id", pa.array(sorted(touched), pa.string()))
    scoped = carry_unchanged(previous, "clusters", drawn, tmp_path, scope)
    assert sorted(scoped.carried) == sorted(whole.carried)
    assert sorted(scoped.written.to_pylist(), key=repr) == sorted(
        whole.written.to_pylist(), key=repr
    )


def test_without_a_previous_snapshot_every_row_is_written(tmp_path: Path) -> None:
    rows = clusters([("a", 1, "2021-01-01", ["X"])], "r1")
    result = carry_unchanged(None, "clusters", rows, tmp_path)
    assert result.carried == []
    assert result.written.equals(rows)


def test_a_file_written_with_the_cluster_size_is_written_again_without_it(tmp_path: Path) -> None:
    """Document files of an older newsetl hold ``cluster_size``: the next publish rewrites them
    in today's layout (the view takes the size from ``clusters``), with the same rows."""
    old = documents(3)
    old = old.add_column(
        old.schema.get_field_index("run_id"), "cluster_size", pa.array([1, 1, 1], pa.int32())
    )
    relative = "documents/published_month=2021-03/part-old.parquet"
    (tmp_path / relative).parent.mkdir(parents=True)
    pq.write_table(old, tmp_path / relative)
    previous = Snapshot("s", tmp_path, {"tables": {"documents": {"files": [relative], "rows": 3}}})
    staging = RunStaging(Warehouse(tmp_path / "warehouse"), "r2", tmp_path / "staging")
    document_keys = gather_keys(previous, staging, pa.array([], pa.string()))
    assert document_keys.outdated == {0}
    assigned = document_keys.previous.select(CLUSTER_COLUMNS)
    plan = plan_documents(document_keys, assigned)
    assert not plan.carried and list(plan.rewritten) == [str(tmp_path / relative)]
    [written] = list(document_batches(document_keys, assigned, plan, staging))
    assert conform(written, DOCUMENTS, name="documents").equals(
        conform(old.drop_columns(["cluster_size"]), DOCUMENTS, name="documents")
    )


def test_clusters_are_carried_only_from_a_snapshot_drawn_by_the_same_rules(
    tmp_path: Path,
) -> None:
    """The rules are those of the last run that clustered; a compaction drew nothing."""
    (tmp_path / "runs").mkdir()

    def snapshot(*rows: tuple[str, str]) -> Snapshot:
        runs = pa.concat_tables(
            replace(run_record(f"r{number}"), status=status, parameters=parameters).table(
                f"s{number}", None
            )
            for number, (status, parameters) in enumerate(rows)
        )
        pq.write_table(runs, tmp_path / "runs" / "part-0.parquet")
        manifest = {"tables": {"runs": {"files": ["runs/part-0.parquet"], "rows": len(rows)}}}
        return Snapshot("s", tmp_path, manifest)

    assert drawn_by(None) is None
    assert drawn_by(snapshot(("published", "{}"))) is None  # an older newsetl's run
    drawn = ("published", json.dumps({"clustering": CLUSTERING_DIGEST}))
    compacted = ("compacted", json.dumps({"compact": 1}))
    assert drawn_by(snapshot(("published", "{}"), drawn, compacted)) == CLUSTERING_DIGEST
    assert drawn_by(snapshot(drawn, ("repaired", "{}"))) is None


def test_previous_clusters_take_size_and_canonical_from_the_cluster_rows(
    tmp_path: Path,
) -> None:
    document_keys = keys()  # clusters c0, c1, c2 (two documents each); c2 is not in clusters
    previous = snapshot_of(
        tmp_path, {"part-a.parquet": clusters([("c0", 2, None, []), ("c1", 5, None, [])], "r1")}
    )
    carried = previous_clusters(document_keys, previous)
    assert carried.column("cluster_size").to_pylist() == [2, 2, 5, 5, None, None, None]
    assert carried.column("canonical_doc_id").to_pylist() == [
        *["doc-c0"] * 2,
        *["doc-c1"] * 2,
        None,
        None,
        None,  # the new document
    ]
    assert carried.column("is_canonical").to_pylist()[-1] is None
