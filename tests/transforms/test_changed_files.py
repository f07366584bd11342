"""Which files a run processes: new, changed by size or mtime, and which processed ones are gone."""

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.changed_files import FILE_STAT_SCHEMA, compare_files, files_to_process

Row = tuple[str, int | None, int | None]


def stats(rows: list[Row]) -> pa.Table:
    return pa.table(
        {
            "source_path": pa.array([path for path, _, _ in rows], pa.string()),
            "bytes": pa.array([size for _, size, _ in rows], pa.int64()),
            "mtime_ns": pa.array([mtime for _, _, mtime in rows], pa.int64()),
        },
        schema=FILE_STAT_SCHEMA,
    )


def expected(current: list[Row], processed: list[Row]) -> tuple[list[Row], list[bool]]:
    """The rows to process and the gone processed rows, as a join of the two would give them."""
    todo = [
        (path, size, mtime)
        for path, size, mtime in current
        if size is None
        or mtime is None
        or not any(p == path for p, _, _ in processed)
        or any(p == path and (s, m) != (size, mtime) for p, s, m in processed)
    ]
    listed = {path for path, _, _ in current}
    return todo, [path not in listed for path, _, _ in processed]


def compared(current: list[Row], processed: list[Row]) -> tuple[list[Row], list[bool]]:
    comparison = compare_files(stats(current), stats(processed))
    todo = comparison.todo
    rows = zip(*(todo.column(name).to_pylist() for name in FILE_STAT_SCHEMA.names), strict=True)
    return list(rows), comparison.gone.to_pylist()


def test_new_changed_unchanged_and_gone_files() -> None:
    processed = [("a.txt", 10, 100), ("b.txt", 20, 200), ("c.txt", 30, 300), ("gone.txt", 1, 1)]
    current = [
        ("a.txt", 10, 100),  # unchanged
        ("b.txt", 21, 200),  # another size
        ("c.txt", 30, 301),  # another mtime
        ("d.txt", 40, 400),  # new
        ("e.txt", None, None),  # its stat failed
    ]
    todo, gone = compared(current, processed)
    assert todo == current[1:]
    assert gone == [False, False, False, True]


def test_a_path_with_several_processed_rows_is_unchanged_only_if_all_agree() -> None:
    processed = [
        ("same.txt", 1, 1),
        ("other.txt", 5, 5),
        ("same.txt", 1, 1),
        ("moved.txt", 2, 2),
        ("moved.txt", 3, 3),
        ("late.txt", 4, 4),
        ("late.txt", 4, 9),
        ("gone.txt", 6, 6),
        ("gone.txt", 6, 6),
    ]
    current = [("same.txt", 1, 1), ("moved.txt", 2, 2), ("late.txt", 4, 4), ("other.txt", 5, 5)]
    todo, gone = compared(current, processed)
    assert todo == [("moved.txt", 2, 2), ("late.txt", 4, 4)]
    assert gone == [False] * 7 + [True, True]


def test_nothing_processed_before_means_everything_is_new() -> None:
    current = [("b.txt", 1, 1), ("a.txt", 2, 2)]
    assert compared(current, []) == (current, [])
    assert compared([], [("a.txt", 2, 2)]) == ([], [True])
    assert files_to_process(stats(current), stats([])).to_pylist() == stats(current).to_pylist()


paths = st.sampled_from(["a.txt", "b.txt", "c/d.txt", "é.txt", "e"])
values = st.one_of(st.none(), st.integers(0, 2))
rows = st.lists(st.tuples(paths, values, values), max_size=8)


@settings(max_examples=300, deadline=None)
@given(rows, rows)
def test_the_comparison_is_a_join_of_the_two_listings(
    current: list[Row], processed: list[Row]
) -> None:
    unique: dict[str, Row] = {row[0]: row for row in current}
    listed = list(unique.values())
    assert compared(listed, processed) == expected(listed, processed)
