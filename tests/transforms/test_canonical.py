import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from transforms.clustering import cluster_documents

NO_PAIRS = np.array([], np.uint64)


def assign_exact_clusters(
    doc_id: pa.Array, content_hash: pa.Array, published_date: pa.Array, body_chars: pa.Array
) -> pa.Table:
    """Clusters without near pairs: exact copies only."""
    return cluster_documents(doc_id, content_hash, published_date, body_chars, NO_PAIRS, NO_PAIRS)


def clusters(rows: list[tuple[str, str, dt.date | None, int]]) -> dict[str, tuple[str, bool, int]]:
    doc_ids, hashes, dates, words = zip(*rows, strict=True)
    table = assign_exact_clusters(
        pa.array(doc_ids), pa.array(hashes), pa.array(dates, pa.date32()), pa.array(words)
    )
    return {
        doc_id: (row["cluster_id"], row["is_canonical"], row["cluster_size"])
        for doc_id, row in zip(doc_ids, table.to_pylist(), strict=True)
    }


def test_canonical_rule_earliest_then_fullest_then_smallest_id() -> None:
    day1, day2 = dt.date(2021, 3, 1), dt.date(2021, 3, 2)
    result = clusters(
        [
            ("d-late", "aaaa", day2, 900),
            ("d-early-short", "aaaa", day1, 100),
            ("d-early-long", "aaaa", day1, 300),
            ("b-undated", "bbbb", None, 500),
            ("a-undated", "bbbb", None, 500),
            ("c-dated", "bbbb", day2, 10),
            ("solo", "cccc", None, 1),
        ]
    )
    canonical = {doc for doc, (_, is_canonical, _) in result.items() if is_canonical}
    assert canonical == {"d-early-long", "c-dated", "solo"}
    assert result["d-late"][0] == result["d-early-short"][0] == "caaaa"
    assert result["a-undated"][2] == 3
    assert result["solo"] == ("ccccc", True, 1)


def test_undated_tie_goes_to_smallest_id() -> None:
    result = clusters([("b", "h", None, 5), ("a", "h", None, 5)])
    assert result["a"][1] and not result["b"][1]


def test_empty_input() -> None:
    table = assign_exact_clusters(
        pa.array([], pa.string()),
        pa.array([], pa.string()),
        pa.array([], pa.date32()),
        pa.array([], pa.int32()),
    )
    assert table.num_rows == 0


documents = st.lists(
    st.tuples(
        st.sampled_from(["h1", "h2", "h3"]),
        st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2020, 1, 5))),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=30,
)


@given(documents, st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_input_order(
    docs: list[tuple[str, dt.date | None, int]], rng: object
) -> None:
    rows = [(f"doc{i:03d}", h, d, w) for i, (h, d, w) in enumerate(docs)]
    shuffled = list(rows)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert clusters(rows) == clusters(shuffled)
    per_cluster: dict[str, int] = {}
    for cluster_id, is_canonical, _ in clusters(rows).values():
        per_cluster[cluster_id] = per_cluster.get(cluster_id, 0) + is_canonical
    assert set(per_cluster.values()) == {1}
