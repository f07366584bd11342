import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.neardup import (
    NearDupParams,
    candidate_pairs,
    component_batches,
    components,
    number_tokens,
    star_clusters,
    verify_pairs,
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


def test_candidate_pairs_share_a_band_key() -> None:
    keys = np.array([[1, 10], [2, 10], [1, 11], [3, 12]], dtype=np.uint64)
    left, right = candidate_pairs(keys)
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 1), (0, 2)]


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
    import datetime as dt

    import pyarrow as pa

    from transforms.neardup import body_keys, cluster_documents

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
    import datetime as dt

    import pyarrow as pa

    from transforms.neardup import body_keys, cluster_documents

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


def _reference_components(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Smallest member of each node's component, by repeated merging of sets (slow, obvious)."""
    groups = [{i} for i in range(n)]
    for a, b in edges:
        merged = groups[a] | groups[b]
        for member in merged:
            groups[member] = merged
    return [min(groups[i]) for i in range(n)]


@given(st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=60))
def test_components_match_a_slow_reference(edges: list[tuple[int, int]]) -> None:
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    assert components(30, left, right).tolist() == _reference_components(30, edges)


def test_a_long_chain_is_one_component() -> None:
    n = 1000
    order = np.random.default_rng(1).permutation(n)
    labels = components(n, order[:-1], order[1:])
    assert set(labels.tolist()) == {0}


@given(
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=60),
    st.integers(1, 12),
)
def test_batches_keep_pairs_together_and_stay_small(
    edges: list[tuple[int, int]], max_bodies: int
) -> None:
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    batch = component_batches(40, left, right, max_bodies)
    assert (batch[left] == batch[right]).all()
    involved = set(left.tolist()) | set(right.tolist())
    assert {i for i in range(40) if batch[i] >= 0} == involved
    labels = _reference_components(40, edges)
    for number in set(batch.tolist()) - {-1}:
        members = np.flatnonzero(batch == number)
        sizes = np.bincount([labels[i] for i in members])
        # Over the cap only when one component alone is larger than it.
        assert len(members) <= max_bodies or np.count_nonzero(sizes) == 1


def _story(n: int) -> list[str]:
    return [
        f"Paragraph {i} of story {n}: the council met on Tuesday to weigh plan {n * 10 + i}, "
        f"and members argued for hours about its cost of {i * 7 + n} million before the vote."
        for i in range(8)
    ]


def test_a_partial_reprint_is_a_copy_but_a_short_templated_notice_is_not() -> None:
    story = _story(1)
    bodies = pa.array(
        [
            "\n\n".join(story),
            "\n\n".join(story[:3]),  # the first part of the story only
            # A templated notice of 10 shingles, and another company's longer one containing it.
            "Qtly div five cts vs five cts prior\nPay July One\nRecord June 17",
            "Qtly div five cts vs five cts prior\nPay July One\nRecord June 17\n"
            "The company also said it would hold its annual meeting in Chicago next spring.",
        ]
    )
    jaccard, containment, is_copy = verify_pairs(
        bodies, np.array([0, 2]), np.array([1, 3]), NearDupParams()
    )
    assert containment.tolist() == [1.0, 1.0]  # each shorter text lies wholly in the other
    assert (jaccard < NearDupParams().min_jaccard).all()  # not copies by Jaccard
    assert is_copy.tolist() == [True, False]
    # Without the floors on the contained body's size the notice would pass for a copy.
    loose = NearDupParams(min_contained_shingles=1, min_words=1)
    _, _, copies = verify_pairs(bodies, np.array([0, 2]), np.array([1, 3]), loose)
    assert copies.tolist() == [True, True]
    for floor in (NearDupParams(min_words=1), NearDupParams(min_contained_shingles=1)):
        _, _, copies = verify_pairs(bodies, np.array([0, 2]), np.array([1, 3]), floor)
        assert copies.tolist() == [True, False]  # either floor alone keeps them apart


@given(st.lists(st.text("0123456789abcdefABCDEF", min_size=16, max_size=40), max_size=50))
def test_body_keys_read_the_first_sixteen_hex_digits(hashes: list[str]) -> None:
    from transforms.neardup import body_keys

    expected = np.array([int(h[:16], 16) for h in hashes], dtype=np.uint64)
    assert (body_keys(pa.array(hashes, pa.string())) == expected).all()
    if len(hashes) > 2:  # a slice and a chunked array read the same bytes
        assert (body_keys(pa.array(hashes).slice(1)) == expected[1:]).all()
        chunked = pa.chunked_array([pa.array(hashes[:2]), pa.array(hashes[2:])])
        assert (body_keys(chunked) == expected).all()


def test_body_keys_refuse_what_is_not_a_hash() -> None:
    from transforms.neardup import body_keys

    for bad in (["0123456789abcde"], ["0123456789abcdeg"], [None]):
        with pytest.raises(ValueError, match="content hashes must"):
            body_keys(pa.array(bad, pa.string()))


def test_short_bodies_are_never_near_copies() -> None:
    """Word for word the same, but too short to be evidence of one story by themselves."""
    from transforms.dedup import SHORT_BODY_WORDS

    notice = "Qtly div five cts vs five cts prior. Pay July One. Record June 17."
    story = " ".join(f"word{i}" for i in range(SHORT_BODY_WORDS))
    bodies = pa.array([notice, notice + " ", story, story + " Updated."])
    jaccard, _, is_copy = verify_pairs(bodies, np.array([0, 2]), np.array([1, 3]), NearDupParams())
    assert jaccard[0] == 1.0 and not is_copy[0]
    assert is_copy[1]


def test_number_tokens_read_figures_and_number_words_alike() -> None:
    from transforms.minhash import similarity

    bodies = pa.array(
        [
            "Over ten years, 4,200 banks; 1.0 ounce, 0.50 ounce, 6-3/16 pct. Shr 30 cts vs 30 cts.",
            "Over 10 years, 4200 banks; one ounce, 0.5 ounce, 6-3/16 pct. Shr 30 cts vs 30 cts.",
            "Shr 30 cts vs 36 cts.",
            None,
            "No figures here at all: 1st half, 3rd qtr, the G7, someone often.",
        ]
    )
    numbers = number_tokens(bodies)
    assert numbers.sizes().tolist() == [7, 7, 2, 0, 0]  # repeats count: 30 and 30
    _, shared = similarity(numbers, np.array([0, 0]), np.array([1, 2]))
    assert shared.tolist() == [1.0, 0.5]  # the same numbers however written; 30 of 30, 36


FED = (
    "The Federal Reserve entered the U.S. Government securities market to arrange {amount} "
    "billion dlrs of customer repurchase agreements, a Fed spokesman said. Dealers said "
    "Federal funds were trading at {rate} pct when the Fed began its temporary and indirect "
    "supply of reserves to the banking system."
)


# Reuters, 2 March 1987: Arbor Drugs' quarter and half year, sent twice.
ARBOR = (
    "Shr 30 cts vs 36 cts\nNet 1,914,388 vs 1,906,095\nSales {} mln vs 40.6 mln\n"
    "Shr 47 cts vs 53 cts\nNet 2,961,718 vs 2,817,439\nSales {} mln vs 74.9 mln\n"
    "Avg shrs 6,342,353 vs 5,342,353"
)


def test_a_template_with_other_figures_is_another_story_but_a_corrected_figure_is_not() -> None:
    # 150 distinct made-up words (no figures, no number words) around one figure.
    prose = [chr(97 + i % 26) + chr(97 + i // 26) + "ka" for i in range(150)]
    counted = " ".join(prose[:75]) + " Officials counted {} trucks. " + " ".join(prose[75:])
    bodies = pa.array(
        [
            FED.format(amount="1.5", rate="6-3/16"),
            FED.format(amount="two", rate="6-5/16"),  # another day's report
            FED.format(amount="1.5", rate="6-3/16") + " It was the third such operation.",
            ARBOR.format(58.7, 107.6),
            ARBOR.format(58.8, 107.7),  # the same results, two sales figures corrected
            counted.format(12),
            counted.format(14),  # the one figure of a long story
        ]
    )
    left, right = np.array([0, 0, 3, 5]), np.array([1, 2, 4, 6])
    jaccard, _, is_copy = verify_pairs(bodies, left, right, NearDupParams())
    assert (jaccard >= NearDupParams().min_jaccard).all()  # all copies by their words alone
    assert is_copy.tolist() == [False, True, True, True]
    # Without the figures rule the two reports would be one story.
    _, _, without = verify_pairs(bodies, left, right, NearDupParams(min_number_mismatch=2.0))
    assert without.tolist() == [True, True, True, True]
    # Each half of the rule keeps one of the copies. The corrected table: most figures agree,
    # though they are most of what it says. The long story: its one figure is a small part of it.
    _, _, no_share = verify_pairs(bodies, left, right, NearDupParams(min_number_mismatch=0.0))
    assert no_share.tolist() == [False, True, False, True]
    _, _, no_gap = verify_pairs(bodies, left, right, NearDupParams(min_number_gap=0.0))
    assert no_gap.tolist() == [False, True, True, False]


@given(
    st.lists(
        st.lists(
            st.sampled_from(
                ["1", "2.5", "4,200", "-", ".", "/", "ten", "two", "a", "é", " ", "\n"]
            ),
            max_size=12,
        ).map("".join),
        min_size=1,
        max_size=6,
    )
)
def test_number_tokens_of_a_body_do_not_depend_on_its_batch(texts: list[str]) -> None:
    from transforms.minhash import similarity

    together = number_tokens(pa.array(texts))
    for i, text in enumerate(texts):
        assert together.sizes()[i] == number_tokens(pa.array([text])).sizes()[0]
    for i in range(len(texts) - 1):  # numbers shared by neighbours, in a batch or as a pair
        _, shared = similarity(together, np.array([i]), np.array([i + 1]))
        pair = number_tokens(pa.array(texts[i : i + 2]))
        assert shared[0] == similarity(pair, np.array([0]), np.array([1]))[1][0]
