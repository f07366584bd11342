"""A body's length in words, and the floor under which a body is too short to be a story alone."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from transforms.arrays import count_words

# A body of fewer words than this says too little to make two documents one story by itself: a
# templated notice (Reuters: `Qtly div five cts vs five cts prior / Pay July One / Record June
# 17`) is word for word the same for two companies, whose names are in the headlines. Such a
# body is an exact copy only under the same headline, and never a near copy.
SHORT_BODY_WORDS = 30


def word_counts(texts: pa.Array) -> pa.Array:
    """Words of each text, as ``documents.word_count`` counts them: runs of non-space characters.

    The one definition behind ``word_count`` and :data:`SHORT_BODY_WORDS`'s near-copy rule.
    """
    return pc.cast(count_words(texts), pa.int32())
