"""Star clusters over verified pairs, and documents clustered by body and by pair."""

import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from transforms.body_keys import body_keys
from transforms.clustering import (
    changed_pair_keys,
    cluster_documents,
    recluster,
    redrawn_bodies,
    star_clusters,
)


def test_a_chain_does_not_glue_different_stories() -> None:
    # A~B and B~C, but A and C are different stories sharing a passage with B.
    clusters = star_clusters(3, np.array([0, 1]), np.array([1, 2]), order=np.array([0, 1, 2]))
    assert clusters.canonical.tolist() == [0, 0, 2]
    assert clusters.is_canonical.tolist() == [True, False, True]
    assert clusters.sizes.tolist() == [2, 2, 1]


def test_members_join_the_best_canonical_they_resemble() -> None:
    # 3 resembles both canonicals 0 and 1; 1 ranks before 0, so 3 joins 1.
    clusters = star_clusters(
        4, np.array([3, 3, 2]), np.array([0, 1, 0]), order=np.array([1, 0, 2, 3])
    )
    assert clusters.canonical.tolist() == [0, 1, 0, 1]


def test_no_pairs_no_clusters() -> None:
    clusters = star_clusters(3, np.array([], np.int64), np.array([], np.int64), np.arange(3))
    assert clusters.canonical.tolist() == [0, 1, 2]


pairs = st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40)


@given(pairs, st.permutations(list(range(12))), st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_how_documents_are_numbered(
    edges: list[tuple[int, int]], order: list[int], random: object
) -> None:
    edges = [(a, b) for a, b in edges if a != b]
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    base = star_clusters(12, left, right, np.array(order))
    # Renumber the documents with a permutation: the clusters are the same sets.
    relabel = np.array(random.sample(range(12), 12))  # type: ignore[attr-defined]
    moved = star_clusters(12, relabel[left], relabel[right], relabel[np.array(order)])
    assert (moved.canonical[relabel] == relabel[base.canonical]).all()
    # Every member is similar to its canonical: no chaining.
    similar = set(edges) | {(b, a) for a, b in edges}
    for doc, head in enumerate(base.canonical.tolist()):
        assert doc == head or (doc, head) in similar


def test_documents_cluster_by_body_and_by_verified_pairs() -> None:
    hashes = ["aa" * 16, "aa" * 16, "bb" * 16, "cc" * 16]
    doc_id = pa.array(["d1", "d2", "d3", "d4"])
    content_hash = pa.array(hashes)
    dates = pa.array([dt.date(2021, 3, 2), dt.date(2021, 3, 1), dt.date(2021, 3, 5), None])
    chars = pa.array([100, 100, 80, 100])
    none = np.array([], np.uint64)
    alone = cluster_documents(doc_id, content_hash, dates, chars, none, none)
    # Without near pairs, the clusters are the exact ones, ids from the bodies' hashes.
    assert alone.column("cluster_id").to_pylist() == [
        "c" + "aa" * 8,
        "c" + "aa" * 8,
        "c" + "bb" * 8,
        "c" + "cc" * 8,
    ]
    assert alone.column("is_canonical").to_pylist() == [False, True, True, True]
    assert alone.column("cluster_size").to_pylist() == [2, 2, 1, 1]
    keys = body_keys(pa.array(hashes))
    # bb is a near copy of aa; a pair naming an absent body is ignored.
    near = cluster_documents(
        doc_id,
        content_hash,
        dates,
        chars,
        np.array([keys[2], keys[3]], np.uint64),
        np.array([keys[0], np.uint64(12345)], np.uint64),
    )
    assert near.column("cluster_id").to_pylist() == ["c" + "aa" * 8] * 3 + ["c" + "cc" * 8]
    assert near.column("canonical_doc_id").to_pylist() == ["d2", "d2", "d2", "d4"]
    assert near.column("is_canonical").to_pylist() == [False, True, False, True]
    assert near.column("cluster_size").to_pylist() == [3, 3, 3, 1]


@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=10),
    st.randoms(use_true_random=False),
)
def test_document_clusters_do_not_depend_on_input_order(
    bodies: list[int], edges: list[tuple[int, int]], random: object
) -> None:
    hashes = [f"{b:02d}" * 16 for b in bodies]
    keys = body_keys(pa.array([f"{b:02d}" * 16 for b in range(6)]))
    left = np.array([keys[a] for a, b in edges if a != b], np.uint64)
    right = np.array([keys[b] for a, b in edges if a != b], np.uint64)
    rows = [
        (f"d{i}", h, dt.date(2021, 1, 1 + (i * 7) % 5), 100 + (i * 3) % 4)
        for i, h in enumerate(hashes)
    ]

    def clustered(order: list[int]) -> dict[str, tuple]:
        picked = [rows[i] for i in order]
        out = cluster_documents(
            pa.array([r[0] for r in picked]),
            pa.array([r[1] for r in picked]),
            pa.array([r[2] for r in picked]),
            pa.array([r[3] for r in picked]),
            left,
            right,
        ).to_pylist()
        return {r[0]: tuple(o.values()) for r, o in zip(picked, out, strict=True)}

    forward = list(range(len(rows)))
    shuffled = forward[:]
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert clustered(forward) == clustered(shuffled)


def test_the_version_the_others_copy_is_canonical_on_a_tie_of_dates() -> None:
    """A story, its brief, its teaser, a scan of it and a longer rewrite, all the same day: each
    partial copy is similar to the story only, so the story (not the longest) is canonical."""
    names = ["story", "brief", "teaser", "scan", "rewrite"]
    hashes = [f"{i + 1:02d}" * 16 for i in range(5)]
    keys = body_keys(pa.array(hashes))
    # brief, teaser, scan and rewrite are each verified against the story; the teaser also
    # against the brief (the brief lies in it), the scan against the rewrite.
    left = np.array([keys[1], keys[2], keys[3], keys[4], keys[1], keys[3]], np.uint64)
    right = np.array([keys[0], keys[0], keys[0], keys[0], keys[2], keys[4]], np.uint64)
    day = dt.date(2021, 4, 1)
    table = cluster_documents(
        pa.array(names),
        pa.array(hashes),
        pa.array([day] * 5),
        pa.array([600, 80, 150, 600, 700]),
        left,
        right,
    )
    assert table.column("canonical_doc_id").to_pylist() == ["story"] * 5
    # Without the links as a tie-break the rewrite (most words) would lead, and the brief and
    # the teaser, similar to the story only, would be a story of their own.
    alone = star_clusters(
        5, np.array([1, 2, 3, 4, 1, 3]), np.array([0, 0, 0, 0, 2, 4]), np.array([4, 0, 3, 2, 1])
    )
    assert alone.canonical.tolist() == [4, 2, 2, 4, 4]


@given(
    st.lists(st.tuples(st.integers(0, 7), st.booleans(), st.booleans()), min_size=1, max_size=14),
    st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(0, 2)), max_size=12),
)
def test_redrawing_the_changed_components_equals_drawing_everything(
    documents: list[tuple[int, bool, bool]], edges: list[tuple[int, int, int]]
) -> None:
    """Documents before (``was``) and after (``is``) an increment, pairs dropped (0), kept (1)
    or found (2): clusters carried where nothing changed, drawn again elsewhere, are the
    clusters of everything drawn again."""
    keys = body_keys(pa.array([f"{b:02d}" * 16 for b in range(8)]))
    rows = [
        (f"d{i}", f"{b:02d}" * 16, dt.date(2021, 1, 1 + (i * 5) % 4), 100 + i % 3, was, is_)
        for i, (b, was, is_) in enumerate(documents)
    ]
    pairs = [(keys[a], keys[b], state) for a, b, state in edges if a != b]

    def drawn(picked: list[tuple], states: set[int]) -> pa.Table:
        chosen = [(a, b) for a, b, state in pairs if state in states]
        return cluster_documents(
            *(pa.array([r[i] for r in picked]) for i in range(4)),
            np.array([a for a, _ in chosen], np.uint64),
            np.array([b for _, b in chosen], np.uint64),
        )

    before_rows = [r for r in rows if r[4]]
    after_rows = [r for r in rows if r[5]]
    before = dict(
        zip([r[0] for r in before_rows], drawn(before_rows, {0, 1}).to_pylist(), strict=True)
    )
    empty = dict.fromkeys(["cluster_id", "is_canonical", "cluster_size", "canonical_doc_id"])
    carried = pa.Table.from_pylist(
        [before.get(r[0], empty) for r in after_rows],
        schema=pa.schema(
            [
                ("cluster_id", pa.string()),
                ("is_canonical", pa.bool_()),
                ("cluster_size", pa.int32()),
                ("canonical_doc_id", pa.string()),
            ]
        ),
    )
    old = [(a, b) for a, b, state in pairs if state in (0, 1)]
    new = [(a, b) for a, b, state in pairs if state in (1, 2)]
    gone = [r[1] for r in rows if r[4] and not r[5]]
    seeds = np.r_[
        changed_pair_keys(
            np.array([a for a, _ in old], np.uint64),
            np.array([b for _, b in old], np.uint64),
            np.array([a for a, _ in new], np.uint64),
            np.array([b for _, b in new], np.uint64),
        ),
        body_keys(pa.array(gone, pa.string())) if gone else np.empty(0, np.uint64),
    ]
    again, _ = recluster(
        *(pa.array([r[i] for r in after_rows]) for i in range(4)),
        np.array([a for a, _ in new], np.uint64),
        np.array([b for _, b in new], np.uint64),
        carried,
        seeds,
    )
    assert again.to_pylist() == drawn(after_rows, {1, 2}).to_pylist()


def test_a_pair_in_one_set_only_names_its_bodies() -> None:
    left, right = np.array([1, 2, 5], np.uint64), np.array([2, 3, 6], np.uint64)
    # (3, 2) is (2, 3) turned round; (1, 2) went, (7, 8) came.
    changed = changed_pair_keys(left, right, np.array([3, 6, 7]), np.array([2, 5, 8]))
    assert changed.tolist() == [1, 2, 7, 8]
    assert redrawn_bodies(left, right, np.array([1], np.uint64)).tolist() == [1, 2, 3]


pair_lists = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30)


@given(pair_lists, pair_lists)
def test_changed_pair_keys_are_the_ends_of_the_pairs_in_one_set_only(
    before: list[tuple[int, int]], after: list[tuple[int, int]]
) -> None:
    def unordered(pairs: list[tuple[int, int]]) -> set[frozenset[int]]:
        return {frozenset(pair) for pair in pairs}

    def ends(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.array([a for a, _ in pairs], np.uint64),
            np.array([b for _, b in pairs], np.uint64),
        )

    expected = sorted(set().union(*(unordered(before) ^ unordered(after))))
    assert changed_pair_keys(*ends(before), *ends(after)).tolist() == expected
