"""One file that makes parsing fail must not stop the run: find it, quarantine it, go on.

Parsing is columnar over a whole shard, so an error on one file fails them all. The shard is
then split in halves and each parsed again, down to the single files that still fail; each of
those becomes a ``parse_failed`` quarantine row naming the file's error, and every other file is
parsed as if nothing had happened (a file's fields never depend on the files beside it). When
every file fails on its own, the fault is not in the files: the error is raised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pyarrow as pa

from transforms.articles import ParsedShard
from transforms.reasons import QuarantineReason
from transforms.records import quarantine_rows

Parse = Callable[[pa.Table], ParsedShard]
DETAIL_CHARS = 500


def parse_isolating(parse: Parse, files: pa.Table) -> ParsedShard:
    """``parse(files)``, with the files it fails on alone quarantined as ``parse_failed``.

    Args:
        parse: The shard step (``normalise_files``, or ``parse_texts`` with its settings bound).
        files: ``source_path`` and ``raw`` of each file, or its normalised text
            (``TEXTS_SCHEMA``).

    Raises:
        Exception: What ``parse`` raised, when it fails on every file of ``files`` alone (or
            runs out of memory, which says nothing about a file).
    """
    try:
        return parse(files)
    except MemoryError:
        raise
    except Exception as error:
        parts = _bisect(parse, files, error)
        if not any(isinstance(part, ParsedShard) for part in parts) and files.num_rows > 1:
            raise  # every file fails alone: the fault is not in the files
    parsed = [part for part in parts if isinstance(part, ParsedShard)]
    failures = [part for part in parts if isinstance(part, dict)]
    documents = [part.documents for part in parsed] or [parse(files.slice(0, 0)).documents]
    return ParsedShard(
        pa.concat_tables(documents),
        pa.concat_tables([part.quarantine for part in parsed] + [quarantine_rows(failures)]),
    )


def _bisect(
    parse: Parse, files: pa.Table, error: Exception
) -> list[ParsedShard | dict[str, object]]:
    """The parsed halves of ``files`` (which raised ``error``), down to single failing files."""
    if files.num_rows == 1:
        return [_failure(files, error)]
    middle = files.num_rows // 2
    parts: list[ParsedShard | dict[str, object]] = []
    for half in (files.slice(0, middle), files.slice(middle)):
        try:
            parts.append(parse(half))
        except MemoryError:
            raise
        except Exception as half_error:
            parts.extend(_bisect(parse, half, half_error))
    return parts


def _failure(file: pa.Table, error: Exception) -> dict[str, object]:
    """The quarantine row of one file that ``parse`` fails on (its raw bytes, or its text)."""
    if "raw" in file.column_names:
        raw = file.column("raw")[0].as_py()
        size, sha = len(raw), hashlib.sha256(raw).hexdigest()
    else:
        size, sha = file.column("bytes")[0].as_py(), file.column("raw_sha256")[0].as_py()
    return {
        "source_path": file.column("source_path")[0].as_py(),
        "reason": str(QuarantineReason.PARSE_FAILED),
        "detail": f"{type(error).__name__}: {error}"[:DETAIL_CHARS],
        "bytes": size,
        "raw_sha256": sha,
    }
