"""The increment planner on small inline tables: which files are carried, rewritten, replaced."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.increment_plan import (
    FILE_RECORDS,
    ROW_KEYS,
    bound_reparse,
    plan_compaction,
    plan_rows,
    reparse_limit,
)


def files(*records: tuple[str, str | None, int, int]) -> pa.Table:
    """(file, partition, rows, bytes) records as a FILE_RECORDS table."""
    columns = list(zip(*records, strict=True)) if records else [[], [], [], []]
    return pa.table(dict(zip(FILE_RECORDS.names, columns, strict=True)), schema=FILE_RECORDS)


def rows(*keys: tuple[str, int]) -> pa.Table:
    columns = list(zip(*keys, strict=True)) if keys else [[], []]
    return pa.table(dict(zip(ROW_KEYS.names, columns, strict=True)), schema=ROW_KEYS)


MONTHS = files(
    ("documents/m=2021-01/a.parquet", "2021-01", 4, 400),
    ("documents/m=2021-01/b.parquet", "2021-01", 2, 200),
    ("documents/m=2021-02/c.parquet", "2021-02", 3, 300),
)


def test_untouched_files_are_carried_and_nothing_is_rewritten() -> None:
    plan = plan_rows(MONTHS, rows())
    assert plan.carried == tuple(MONTHS.column("file").to_pylist())
    assert plan.rewritten == {}
    assert plan.dropped_rows == 0


def test_a_file_with_superseded_rows_is_rewritten_with_the_rows_it_keeps() -> None:
    plan = plan_rows(MONTHS, rows(("documents/m=2021-01/a.parquet", 1)))
    assert plan.carried == ("documents/m=2021-01/b.parquet", "documents/m=2021-02/c.parquet")
    assert list(plan.rewritten) == ["documents/m=2021-01/a.parquet"]
    assert plan.rewritten["documents/m=2021-01/a.parquet"].tolist() == [0, 2, 3]
    assert plan.dropped_rows == 1


def test_a_file_whose_rows_all_go_keeps_none() -> None:
    gone = rows(("documents/m=2021-01/b.parquet", 0), ("documents/m=2021-01/b.parquet", 1))
    plan = plan_rows(MONTHS, gone)
    assert plan.rewritten["documents/m=2021-01/b.parquet"].tolist() == []
    assert plan.dropped_rows == 2


def test_a_file_with_changed_rows_is_rewritten_with_all_of_them() -> None:
    plan = plan_rows(MONTHS, rows(), changed=rows(("documents/m=2021-02/c.parquet", 2)))
    assert plan.rewritten["documents/m=2021-02/c.parquet"].tolist() == [0, 1, 2]
    assert "documents/m=2021-02/c.parquet" not in plan.carried
    assert plan.dropped_rows == 0


def test_row_keys_of_another_table_or_past_the_end_are_refused() -> None:
    with pytest.raises(ValueError, match="not a file of the table"):
        plan_rows(MONTHS, rows(("elsewhere.parquet", 0)))
    with pytest.raises(ValueError, match="past the end"):
        plan_rows(MONTHS, rows(("documents/m=2021-02/c.parquet", 3)))


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), max_size=12))
def test_rows_kept_and_rows_superseded_add_up(picks: list[tuple[int, int]]) -> None:
    names = MONTHS.column("file").to_pylist()
    sizes = MONTHS.column("rows").to_pylist()
    gone = {(names[f], r % sizes[f]) for f, r in picks}
    plan = plan_rows(MONTHS, rows(*sorted(gone)))
    kept = {(name, int(r)) for name, positions in plan.rewritten.items() for r in positions}
    carried = {(name, r) for name in plan.carried for r in range(sizes[names.index(name)])}
    everything = {(name, r) for name, size in zip(names, sizes, strict=True) for r in range(size)}
    assert kept | carried | gone == everything
    assert not (kept | carried) & gone
    assert plan.dropped_rows == len(gone)


def test_compaction_merges_small_files_of_a_partition_up_to_the_target() -> None:
    table = files(
        ("d/2021-01/big.parquet", "2021-01", 1000, 900),
        ("d/2021-01/r1.parquet", "2021-01", 10, 100),
        ("d/2021-01/r2.parquet", "2021-01", 20, 200),
        ("d/2021-01/r3.parquet", "2021-01", 30, 300),
        ("d/2021-01/r4.parquet", "2021-01", 60, 600),
        ("d/2021-02/r1.parquet", "2021-02", 10, 100),
    )
    groups = plan_compaction(table, target_bytes=700)
    # big.parquet is left alone; r1+r2+r3 fit 700 bytes; r4 alone is no merge, nor 2021-02.
    assert [(g.partition, g.files, g.rows, g.bytes) for g in groups] == [
        (
            "2021-01",
            ("d/2021-01/r1.parquet", "d/2021-01/r2.parquet", "d/2021-01/r3.parquet"),
            60,
            600,
        )
    ]


def test_compaction_leaves_a_large_file_beside_a_small_one_until_the_small_ones_add_up() -> None:
    month = ("d/m/month.parquet", "m", 30_000, 30_000_000)
    increments = [(f"d/m/run{i}.parquet", "m", 300, 300_000) for i in range(30)]
    # One increment's file beside the month's: nothing to merge (the month is not rewritten).
    assert plan_compaction(files(month, increments[0]), target_bytes=128_000_000) == []
    # Ten increments: their files are merged together, the month's still left alone.
    [group] = plan_compaction(files(month, *increments[:10]), target_bytes=128_000_000)
    assert "d/m/month.parquet" not in group.files and len(group.files) == 10
    # Once the small files hold a quarter of it, the month's file joins them.
    [group] = plan_compaction(files(month, *increments[:25]), target_bytes=128_000_000)
    assert "d/m/month.parquet" in group.files and len(group.files) == 26


def test_compaction_never_merges_across_partitions() -> None:
    table = files(("a", "2021-01", 1, 10), ("b", "2021-02", 1, 10), ("c", None, 1, 10))
    assert plan_compaction(table, target_bytes=1000) == []


@given(st.lists(st.tuples(st.sampled_from(["x", "y", None]), st.integers(1, 500)), max_size=20))
def test_compaction_groups_are_small_files_of_one_partition(
    entries: list[tuple[str | None, int]],
) -> None:
    table = files(*((f"f{i}", p, 1, size) for i, (p, size) in enumerate(entries)))
    groups = plan_compaction(table, target_bytes=400)
    seen: set[str] = set()
    sizes = {f"f{i}": size for i, (_, size) in enumerate(entries)}
    partitions = {f"f{i}": p for i, (p, _) in enumerate(entries)}
    for group in groups:
        assert len(group.files) >= 2
        assert group.bytes <= 400 or len(group.files) == 1
        assert {partitions[name] for name in group.files} == {group.partition}
        assert all(sizes[name] < 400 for name in group.files)
        ordered = sorted(sizes[name] for name in group.files)
        assert all(size <= 4 * sum(ordered[:i]) for i, size in enumerate(ordered) if i)
        assert not seen & set(group.files)
        seen |= set(group.files)


def test_row_plans_take_numpy_positions() -> None:
    plan = plan_rows(files(("f", None, 3, 30)), rows(("f", 2)))
    assert isinstance(plan.rewritten["f"], np.ndarray)


def test_a_run_parses_again_as_many_files_as_it_adds_and_at_least_the_floor() -> None:
    assert reparse_limit(5, floor=100) == 100
    assert reparse_limit(5_000, floor=100) == 5_000
    assert reparse_limit(0, floor=0) == 0


def test_the_longest_waiting_files_are_parsed_first_and_the_rest_wait_in_order() -> None:
    now, later = bound_reparse(["w2", "w1"], ["n3", "w1", "n1", "n2"], limit=3)
    assert now == ["w2", "w1", "n1"]
    assert later == ["n2", "n3"]
    assert bound_reparse(["w1"], ["n1"], limit=10) == (["w1", "n1"], [])
    assert bound_reparse([], [], limit=0) == ([], [])
    with pytest.raises(ValueError, match="negative"):
        bound_reparse([], [], limit=-1)


@given(
    st.lists(st.sampled_from("abcdefgh"), unique=True),
    st.lists(st.sampled_from("abcdefghij")),
    st.integers(0, 12),
)
def test_runs_of_bounded_reparses_take_every_file_once(
    deferred: list[str], affected: list[str], limit: int
) -> None:
    """However the limit cuts, the files parsed now and later are all of them, once each."""
    now, later = bound_reparse(deferred, affected, limit)
    assert len(now) == min(limit, len(now) + len(later))
    assert sorted(now + later) == sorted(set(deferred) | set(affected))
    # Runs that add nothing, each taking `limit` (at least 1), drain what waits.
    waiting, runs = later, 0
    while waiting:
        taken, waiting = bound_reparse(waiting, [], max(limit, 1))
        assert taken
        runs += 1
    assert runs <= len(later)


def test_files_without_rows_go_into_the_first_merge_or_alone() -> None:
    month = ("d/m/month.parquet", "m", 30_000, 30_000_000)
    empty = [(f"d/m/empty{i}.parquet", "m", 0, 400) for i in range(2)]
    small = [(f"d/m/run{i}.parquet", "m", 300, 300_000) for i in range(3)]
    # Beside small files, they join the merge of the smallest.
    [group] = plan_compaction(files(month, *small, *empty), target_bytes=128_000_000)
    assert set(group.files) == {name for name, *_ in [*small, *empty]} and group.rows == 900
    # Beside a large file only, even one alone is a merge, of no rows (compaction writes none).
    [group] = plan_compaction(files(month, empty[0]), target_bytes=128_000_000)
    assert (group.files, group.rows) == (("d/m/empty0.parquet",), 0)
    # Other partitions' files without rows stay out of this one's merges.
    other = ("d/n/empty.parquet", "n", 0, 400)
    groups = plan_compaction(files(month, *small, other), target_bytes=128_000_000)
    assert [(g.partition, len(g.files)) for g in groups] == [("m", 3), ("n", 1)]
    # A table's only file stays, rows or none; several without rows are merged into one.
    assert plan_compaction(files(empty[0]), target_bytes=128_000_000) == []
    [group] = plan_compaction(files(*empty), target_bytes=128_000_000)
    assert len(group.files) == 2 and group.rows == 0
