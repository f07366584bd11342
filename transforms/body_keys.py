"""A body's 64-bit key, read from its content hash, and lookups of keys in sorted key arrays.

Near-duplicate detection names bodies (distinct content hashes) by these keys in the band keys,
signatures and verified pairs it stores (``body_bands``, ``body_signatures``, ``body_pairs``).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.arrays import contiguous, utf8_bytes

# Value of each byte as a hex digit; 255 where the byte is not one.
_HEX_VALUES = np.full(256, 255, dtype=np.uint8)
_HEX_VALUES[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_HEX_VALUES[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
_HEX_VALUES[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)


def body_keys(content_hash: pa.Array) -> np.ndarray:
    """A body's 64-bit key: the first 16 hex digits of its content hash.

    Decoded in numpy over the strings' bytes (a million hashes as Python strings and ints took a
    second and ~150 MB of short-lived objects).

    Raises:
        ValueError: A hash that is null, shorter than 16 characters or not hexadecimal.
    """
    values = contiguous(content_hash)
    if not len(values):
        return np.empty(0, np.uint64)
    data, offsets = utf8_bytes(values)
    lengths = np.diff(offsets)
    if values.null_count or lengths.min() < 16:
        raise ValueError("content hashes must be at least 16 hex digits")
    if np.all(lengths == lengths[0]):
        # Hashes of one length (one algorithm): their first digits are a view of the bytes.
        heads = data.reshape(-1, int(lengths[0]))[:, :16]
    else:
        prefix = pc.utf8_slice_codeunits(values, 0, 16)
        heads = utf8_bytes(prefix)[0].reshape(-1, 16)
    digits = _HEX_VALUES[heads]
    if np.any(digits == 255):
        raise ValueError("content hashes must be hexadecimal")
    octets = (digits[:, 0::2] << np.uint8(4)) | digits[:, 1::2]
    return np.ascontiguousarray(octets).view(">u8").ravel().astype(np.uint64)


def key_positions(
    keys: np.ndarray, wanted: np.ndarray, sorter: np.ndarray | None = None
) -> np.ndarray:
    """Index in ``keys`` of each wanted key, -1 where absent.

    Args:
        keys: Distinct keys, sorted unless ``sorter`` (their argsort) is given.
        wanted: Keys to find.
        sorter: Indices that sort ``keys``, when they are not sorted.
    """
    if len(keys) == 0 or len(wanted) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    position = np.minimum(np.searchsorted(keys, wanted, sorter=sorter), len(keys) - 1)
    found = position if sorter is None else sorter[position]
    return np.where(keys[found] == wanted, found, -1).astype(np.int64)
