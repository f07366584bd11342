"""Near-duplicate clusters from verified similar pairs: stars around canonical members.

Union-find over similar pairs chains: A~B and B~C glue A and C into one cluster even when A and C
are different stories that share a passage with B. Here a cluster is a star instead. Documents are
visited best first (the canonical order of :mod:`transforms.canonical`: earliest date, fullest
body, smallest id); a document joins the cluster of the best canonical it is verified similar to,
or becomes the canonical of a new cluster. Every member is similar to its canonical, so no chain of
pairwise-similar documents can carry a cluster away from its story.

The result depends only on the documents and their pairs, not on input order, shard size or
worker count: the canonical order is a total order, and the pairs are a set.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.arrays import contiguous, in_set
from transforms.body_keys import body_keys, key_positions
from transforms.canonical import canonical_order, cluster_id_for


@dataclass(frozen=True, slots=True)
class StarClusters:
    """Cluster of every document, as the index of its canonical member."""

    canonical: np.ndarray
    """For each document, the index of its cluster's canonical member (itself if canonical)."""

    @property
    def is_canonical(self) -> np.ndarray:
        """True for the canonical member of each cluster."""
        return self.canonical == np.arange(len(self.canonical))

    @property
    def sizes(self) -> np.ndarray:
        """Members of each document's cluster."""
        return np.bincount(self.canonical, minlength=len(self.canonical))[self.canonical]


def star_clusters(n: int, left: np.ndarray, right: np.ndarray, order: np.ndarray) -> StarClusters:
    """Cluster ``n`` documents from their verified similar pairs, guarded against chaining.

    Args:
        n: Number of documents.
        left: Indices of one side of the verified similar pairs.
        right: The other side (pairs in either order; repeats allowed).
        order: Document indices best first (the canonical order); a permutation of ``range(n)``.

    Returns:
        Each document's canonical member.
    """
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    canonical = np.arange(n, dtype=np.int64)
    if len(left) == 0:
        return StarClusters(canonical)
    # Adjacency of each document to the better-ranked documents it is similar to.
    a = np.concatenate([left, right]).astype(np.int64)
    b = np.concatenate([right, left]).astype(np.int64)
    better = rank[b] < rank[a]
    a, b = a[better], b[better]
    by_doc = np.lexsort((rank[b], a))
    a, b = a[by_doc], b[by_doc]
    starts = np.searchsorted(a, np.arange(n + 1))
    is_canonical = np.ones(n, dtype=bool)
    # Visit documents best first: those with better neighbours pick the best neighbour that is a
    # canonical; the others stay canonical of their own cluster.
    has_better = np.zeros(n, dtype=bool)
    has_better[a] = True
    for doc in order[has_better[order]]:
        neighbours = b[starts[doc] : starts[doc + 1]]  # best first
        heads = neighbours[is_canonical[neighbours]]
        if len(heads):
            canonical[doc] = heads[0]
            is_canonical[doc] = False
    return StarClusters(canonical)


def cluster_documents(
    doc_id: pa.Array,
    content_hash: pa.Array,
    published_date: pa.Array,
    word_count: pa.Array,
    left_key: np.ndarray,
    right_key: np.ndarray,
) -> pa.Table:
    """Clusters of documents: exact copies share a body; near copies are verified body pairs.

    Bodies (distinct content hashes) are the nodes of :func:`star_clusters`, ranked by their best
    document in the canonical order of :mod:`transforms.canonical` (which counts each body's
    verified partners); each document belongs to its body's cluster, and the canonical document
    is the best document of the canonical body.

    Args:
        doc_id: Unique document ids.
        content_hash: Hash of each body.
        published_date: Dates (null allowed).
        word_count: Words of each body (the fuller body wins a tie of dates).
        left_key: Body keys (:func:`body_keys`) of verified copy pairs...
        right_key: ...and of their other sides. Keys of bodies not present are ignored.

    Returns:
        Aligned with the input: ``cluster_id`` (``c`` and 16 hex digits of the canonical body's
        hash), ``is_canonical``, ``cluster_size``, ``canonical_doc_id``.
    """
    n = len(doc_id)
    if n == 0:
        return pa.table(
            {
                "cluster_id": pa.array([], pa.string()),
                "is_canonical": pa.array([], pa.bool_()),
                "cluster_size": pa.array([], pa.int32()),
                "canonical_doc_id": pa.array([], pa.string()),
            }
        )
    encoded = pc.dictionary_encode(contiguous(content_hash))
    body = encoded.indices.to_numpy().astype(np.int64)
    n_bodies = len(encoded.dictionary)
    # Pairs of present bodies (without pairs, every body is its own cluster: exact copies only).
    left = right = np.empty(0, np.int64)
    if len(left_key):
        keys = body_keys(encoded.dictionary)
        sorter = np.argsort(keys)
        left = key_positions(keys, left_key, sorter)
        right = key_positions(keys, right_key, sorter)
    present = (left >= 0) & (right >= 0) & (left != right)
    left, right = left[present], right[present]
    links = _partners(n_bodies, left, right)
    order = canonical_order(doc_id, published_date, word_count, links[body])
    # Each body's best document, and the bodies in the order of their best documents.
    best_doc = np.full(n_bodies, -1, dtype=np.int64)
    _, first = np.unique(body[order], return_index=True)
    best_doc[body[order[first]]] = order[first]
    body_order = body[order[np.sort(first)]]
    stars = star_clusters(n_bodies, left, right, body_order)
    head_body = stars.canonical[body]
    canonical_doc = best_doc[head_body]
    docs_per_body = np.bincount(body, minlength=n_bodies)
    cluster_docs = np.bincount(stars.canonical, weights=docs_per_body, minlength=n_bodies)
    head_hash = pc.take(encoded.dictionary, pa.array(head_body))
    return pa.table(
        {
            "cluster_id": cluster_id_for(head_hash),
            "is_canonical": pa.array(canonical_doc == np.arange(n)),
            "cluster_size": pa.array(cluster_docs[head_body].astype(np.int32)),
            "canonical_doc_id": pc.take(contiguous(doc_id), pa.array(canonical_doc)),
        }
    )


def _partners(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Distinct other bodies each of ``n`` bodies is paired with (pairs in any order, repeats)."""
    if len(left) == 0:
        return np.zeros(n, np.int64)
    pairs = np.unique(np.sort(np.stack([left, right], axis=1), axis=1), axis=0)
    return np.bincount(pairs.ravel(), minlength=n).astype(np.int64)


CLUSTERING_DIGEST = hashlib.sha256(
    b"".join(
        (Path(__file__).parent / name).read_bytes()
        for name in ("clustering.py", "canonical.py", "body_keys.py")
    )
).hexdigest()[:16]
"""What clusters were drawn by: a snapshot's clusters are carried into the next only when it
was published by the same rules (:func:`recluster`); other code draws every cluster again."""


def changed_pair_keys(
    before_left: np.ndarray, before_right: np.ndarray, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """Body keys of the pairs in one of two sets of pairs only (found, or no longer supported).

    Pairs are unordered and may repeat; keys are returned sorted and distinct. Each set's pairs
    missing from the other are found by a hash anti-join each way: no sort of either set.
    """
    before, after = _pair_table(before_left, before_right), _pair_table(left, right)
    only = [
        before.join(after, ["lo", "hi"], join_type="left anti"),
        after.join(before, ["lo", "hi"], join_type="left anti"),
    ]
    ends = [table.column(name).to_numpy() for table in only for name in ("lo", "hi")]
    return np.unique(np.concatenate([np.empty(0, np.uint64), *ends]))


def _pair_table(left: np.ndarray, right: np.ndarray) -> pa.Table:
    left, right = left.astype(np.uint64), right.astype(np.uint64)
    return pa.table({"lo": np.minimum(left, right), "hi": np.maximum(left, right)})


def redrawn_bodies(left_key: np.ndarray, right_key: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Body keys of every connected component of the pairs' graph that holds a seed.

    The seeds are bodies whose documents or pairs changed; a star cluster never leaves its
    component, and its drawing depends on nothing outside it (:func:`recluster`).
    """
    reached = np.unique(seeds.astype(np.uint64))
    left_key, right_key = left_key.astype(np.uint64), right_key.astype(np.uint64)
    while len(left_key):
        from_left, from_right = in_set(left_key, reached), in_set(right_key, reached)
        grown = np.union1d(reached, np.r_[right_key[from_left], left_key[from_right]])
        # Pairs with both ends reached can reach nothing more.
        rest = ~(from_left & from_right)
        left_key, right_key = left_key[rest], right_key[rest]
        if len(grown) == len(reached):
            break
        reached = grown
    return reached


def recluster(
    doc_id: pa.Array,
    content_hash: pa.Array,
    published_date: pa.Array,
    word_count: pa.Array,
    left_key: np.ndarray,
    right_key: np.ndarray,
    carried: pa.Table,
    seeds: np.ndarray,
) -> tuple[pa.Table, np.ndarray]:
    """:func:`cluster_documents`, drawing again only the components that changed.

    The stars of a component of the pairs' graph depend on its bodies, documents and pairs
    alone (the canonical order ranks within it as over everything, a body's partners are all in
    it); so a component without a new document, a lost one or a changed pair keeps its clusters,
    and the result equals drawing everything again.

    Args:
        doc_id: Every document of the next snapshot, as :func:`cluster_documents` takes them.
        content_hash: Their bodies' hashes.
        published_date: Their dates.
        word_count: Their bodies' words.
        left_key: Body keys of the verified pairs...
        right_key: ...and of their other sides.
        carried: Each document's columns of :func:`cluster_documents` as the previous snapshot
            has them; nulls for a new document (or one whose cluster was not found).
        seeds: Body keys whose documents or pairs changed: documents gone, pairs found or no
            longer supported (:func:`changed_pair_keys`).

    Returns:
        As :func:`cluster_documents`, and which documents' clusters were drawn (a mask aligned
        with ``doc_id``): the others' rows are ``carried``'s, and so are their clusters, whole.
    """
    keys = body_keys(content_hash) if len(content_hash) else np.empty(0, np.uint64)
    unknown = pc.is_null(carried.column("cluster_id")).to_numpy(zero_copy_only=False)
    unknown |= pc.is_null(carried.column("canonical_doc_id")).to_numpy(zero_copy_only=False)
    redrawn = redrawn_bodies(left_key, right_key, np.r_[seeds.astype(np.uint64), keys[unknown]])
    again = in_set(keys, redrawn)
    if again.all():
        drawn = cluster_documents(
            doc_id, content_hash, published_date, word_count, left_key, right_key
        )
        return drawn, again
    at = np.flatnonzero(again)
    taken = pa.array(at)
    inside = in_set(left_key.astype(np.uint64), redrawn)
    drawn = cluster_documents(
        pc.take(doc_id, taken),
        pc.take(content_hash, taken),
        pc.take(published_date, taken),
        pc.take(word_count, taken),
        left_key[inside],
        right_key[inside],
    )
    # Each document's row: carried, or the drawn one (rows after the carried ones).
    source = np.arange(len(doc_id), dtype=np.int64)
    source[at] = len(doc_id) + np.arange(len(at))
    columns = {}
    for name in drawn.column_names:
        both = pa.concat_arrays(
            [
                pc.cast(carried.column(name), drawn.schema.field(name).type).combine_chunks(),
                drawn.column(name).combine_chunks(),
            ]
        )
        columns[name] = both.take(pa.array(source))
    return pa.table(columns), again
