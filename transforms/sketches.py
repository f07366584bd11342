"""Sketches of bodies: what later runs need to find copies of a body without its text.

Each distinct body gets its MinHash signature and LSH band keys (:mod:`transforms.minhash`),
and band keys of its opening passage (character grams of its first words), stored in
``body_signatures`` and ``body_bands``; later runs meet its band keys with theirs and judge
candidates on the signatures and opening keys before reading any text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from transforms.arrays import contiguous
from transforms.body_keys import body_keys
from transforms.minhash import band_keys, signatures
from transforms.near_copies import NearDupParams
from transforms.shingles import WordEdges, opening_grams, shingle, word_edges


@dataclass(frozen=True, slots=True)
class Sketches:
    """What later runs need to find copies of a batch's distinct bodies without their text."""

    bands: pa.Table
    """``body_key``, ``band`` (int16), ``band_key`` (uint64): LSH band keys, the body's
    (``band`` below ``minhash.bands``) then its opening's."""
    signatures: pa.Table
    """``body_key``, ``shingles`` (int32) and ``signature`` (binary: uint32 rows, little-endian)."""


def sketch_bodies(content_hash: pa.Array, bodies: pa.Array, params: NearDupParams) -> Sketches:
    """Band keys and MinHash signatures of the distinct bodies of a batch of documents."""
    hashes = contiguous(content_hash)
    _, first = np.unique(hashes.to_numpy(zero_copy_only=False), return_index=True)
    take = pa.array(first, pa.int64())
    keys = body_keys(hashes.take(take)) if len(first) else np.empty(0, np.uint64)
    texts = contiguous(bodies).take(take)
    words = word_edges(texts)
    shingles = shingle(texts, params.minhash.shingle_words, words)
    sigs = signatures(shingles, params.minhash)
    bands = params.bands
    rows = (
        np.concatenate(
            [band_keys(sigs, params.minhash), opening_keys(texts, params, words)], axis=1
        )
        if len(first)
        else np.empty((0, bands), np.uint64)
    )
    width = 4 * params.minhash.permutations
    packed = np.ascontiguousarray(sigs.astype("<u4")).view(np.uint8).reshape(-1)
    return Sketches(
        bands=pa.table(
            {
                "body_key": pa.array(np.repeat(keys, bands), pa.uint64()),
                "band": pa.array(np.tile(np.arange(bands, dtype=np.int16), len(first))),
                "band_key": pa.array(rows.reshape(-1), pa.uint64()),
            }
        ),
        signatures=pa.table(
            {
                "body_key": pa.array(keys, pa.uint64()),
                "shingles": pa.array(shingles.sizes().astype(np.int32)),
                "signature": pa.Array.from_buffers(
                    pa.binary(),
                    len(first),
                    [
                        None,
                        pa.py_buffer(np.arange(len(first) + 1, dtype=np.int32) * width),
                        pa.py_buffer(packed),
                    ],
                ),
            }
        ),
    )


def opening_keys(
    bodies: pa.Array, params: NearDupParams, edges: WordEdges | None = None
) -> np.ndarray:
    """Band keys of each body's opening passage: ``(bodies, opening_minhash.bands)`` uint64."""
    grams = opening_grams(bodies, params.opening_words, params.opening_gram_bytes, edges)
    return band_keys(signatures(grams, params.opening_minhash), params.opening_minhash)


def unpack_signatures(column: pa.Array, permutations: int) -> np.ndarray:
    """Signatures stored by :func:`sketch_bodies` as a ``(bodies, permutations)`` uint32 array."""
    values = contiguous(column)
    if len(values) == 0:
        return np.empty((0, permutations), np.uint32)
    data = np.frombuffer(values.buffers()[2], dtype="<u4")
    start = values.offset * permutations
    return data[start : start + len(values) * permutations].reshape(-1, permutations)


def signature_bytes(sigs: np.ndarray) -> np.ndarray:
    """The low byte of each signature row: a quarter of the memory, enough for estimates."""
    return (sigs & np.uint32(0xFF)).astype(np.uint8)


def unpack_signature_bytes(column: pa.Array, permutations: int) -> np.ndarray:
    """:func:`signature_bytes` of the stored signatures, without making their values first.

    :func:`unpack_signatures` views the stored bytes as little-endian values: the low byte of
    each is its first byte.
    """
    return np.ascontiguousarray(unpack_signatures(column, permutations).view(np.uint8)[:, ::4])
