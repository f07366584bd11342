"""Resuming a crashed run: staged shards it finished are reused, keyed by their content.

A shard's outputs are a function of its files (paths, sizes, modification times), the run
parameters that shape parsing (size cap, publisher signatures, learned chrome, near-duplicate
settings) and the code. Their hash is the shard's key; a finished shard leaves a marker
``done/<key>.json`` beside its staged files. The next run, before it clears the crashed run's
staging, moves each marked shard into its own staging under ``resumable/<key>/``; a shard task
whose key is there takes those files instead of reading and parsing again.

Staged files never outlive the staging folders they are in, so a result can only be reused by
the next run on the same warehouse, and only while its inputs are unchanged: a file touched
since has another mtime, so another key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.sources import stat_files
from warehouse.storage import Storage

DONE = "done"
RESUMABLE = "resumable"
# The staged tables of a shard, each in a folder of the staging area named after the table.
SHARD_TABLES = ("documents", "quarantine", "bands", "signatures", "mentions")


def _code_version() -> str:
    """Hash of the sources of ``transforms`` and ``warehouse``: what turns files into rows."""
    digest = hashlib.sha256()
    for package in ("transforms", "warehouse"):
        folder = Path(__file__).resolve().parents[1] / package
        for source in sorted(folder.glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


CODE_VERSION = _code_version()


def shard_key(
    root: Path | str,
    paths: list[str] | tuple[str, ...],
    parameters: Iterable[object],
    learned_chrome: pa.Array | None,
) -> str:
    """The content key of one shard's work.

    Args:
        root: The input root.
        paths: The shard's files, relative to the root, in order; each is stat'ed for its size
            and modification time (the manifest's test of a changed file).
        parameters: Everything else that shapes the output, each with a stable ``repr``.
        learned_chrome: Edge-line keys removed as learned chrome.
    """
    stats = stat_files(root, paths)
    digest = hashlib.sha256(CODE_VERSION.encode())
    listing = [
        str(root),
        list(paths),
        stats.column("bytes").to_pylist(),
        stats.column("mtime_ns").to_pylist(),
        [repr(parameter) for parameter in parameters],
    ]
    digest.update(json.dumps(listing).encode())
    if learned_chrome is not None:
        digest.update(repr(learned_chrome.to_pylist()).encode())
    return digest.hexdigest()[:32]


def shard_files(staging: Path, shard: int) -> dict[str, Path]:
    """Where a shard's staged tables are in a staging folder."""
    return {table: staging / table / f"shard-{shard:06d}.parquet" for table in SHARD_TABLES}


def mark_done(storage: Storage, staging: Path, key: str, shard: int, rows: dict[str, int]) -> None:
    """Record that shard ``shard`` of ``staging`` is complete, under its content key."""
    storage.write_text(staging / DONE / f"{key}.json", json.dumps({"shard": shard, "rows": rows}))


def complete(files: Iterable[Path]) -> bool:
    """Every file is there and is a whole Parquet file (its footer reads)."""
    try:
        for path in files:
            pq.read_metadata(path)
    except (OSError, pa.ArrowInvalid):
        return False
    return True


def adopt_finished_shards(storage: Storage, leftovers: Iterable[Path], staging: Path) -> int:
    """Move the marked, complete shards of crashed runs' staging into ``staging``'s resumable.

    Returns:
        How many shards were adopted.
    """
    adopted = 0
    for leftover in leftovers:
        done = leftover / DONE
        if not done.is_dir():
            continue
        for marker in sorted(done.glob("*.json")):
            with contextlib.suppress(OSError, ValueError, KeyError):
                shard = int(json.loads(marker.read_text())["shard"])
                files = shard_files(leftover, shard)
                if not complete(files.values()):
                    continue
                target = staging / RESUMABLE / marker.stem
                for table, path in files.items():
                    storage.move(path, target / f"{table}.parquet")
                storage.move(marker, target / "marker.json")
                adopted += 1
    return adopted


def _adopt_run_id(storage: Storage, path: Path, run_id: str) -> None:
    """Stamp a staged file's ``run_id`` column (written by the crashed run) with this run's id."""
    table = pq.read_table(path)
    index = table.schema.get_field_index("run_id")
    column = pa.array([run_id] * table.num_rows, table.schema.field(index).type)
    storage.write_parquet(path, table.set_column(index, table.schema.field(index), column))


def take_resumable(storage: Storage, staging: Path, key: str, shard: int) -> dict[str, int] | None:
    """Put the finished shard with ``key`` in place as shard ``shard``; its rows, or None.

    The shard is one this run finished before a retry, or one adopted from a crashed run.
    """
    own = staging / DONE / f"{key}.json"
    with contextlib.suppress(OSError, ValueError):
        done = json.loads(own.read_text())
        if done["shard"] == shard and complete(shard_files(staging, shard).values()):
            return dict(done["rows"])
    source = staging / RESUMABLE / key
    marker = source / "marker.json"
    if not marker.is_file():
        return None
    rows: dict[str, int] = json.loads(marker.read_text())["rows"]
    for table, path in shard_files(staging, shard).items():
        storage.move(source / f"{table}.parquet", path)
    for path in shard_files(staging, shard).values():
        if "run_id" in pq.read_schema(path).names:
            _adopt_run_id(storage, path, staging.name)
    mark_done(storage, staging, key, shard, rows)
    storage.remove(marker)
    return rows
