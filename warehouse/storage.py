"""Every write to a warehouse folder goes through one storage object.

Files are written whole or not at all (under a temporary name, then renamed), shared between
snapshots by hard links, moved by renames, and the ``current`` pointer is swapped by one rename of
a symlink. Publishing announces its named steps here too (:meth:`Storage.step`). In the style of
dlt's ``FileStorage``: the tests swap in a double that fails or dies on purpose
(``tests/faulty_storage.py``), so production code reads no fault switches.

A storage object is passed to the shard tasks with their other parameters, so worker processes
write through the same kind of object as the driver.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Container, Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

COMPRESSION = "zstd"
LOGGER = logging.getLogger(__name__)
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
"""The Hive folder of a null partition value (``published_month=__HIVE_DEFAULT_PARTITION__``)."""


def partition_value(path: Path) -> str | None:
    """The partition value of a file in a Hive folder (``published_month=2021-03``), or None."""
    key, equals, value = path.parent.name.partition("=")
    return value if equals and key else None


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Storage:
    """The local file system, written the warehouse's way."""

    def step(self, name: str) -> None:
        """A named step of a publish begins (``write_documents``, ``swap_pointer``...)."""
        LOGGER.debug("publish step %s", name)

    def open_input(self, path: str) -> BinaryIO:
        """An input file, opened for reading its bytes."""
        return open(path, "rb")

    def make_dir(self, path: Path) -> None:
        """A folder and its parents (nothing if it exists)."""
        path.mkdir(parents=True, exist_ok=True)

    def write_parquet(
        self,
        path: Path,
        table: pa.Table,
        *,
        row_group_size: int | None = None,
        compression: str = COMPRESSION,
        use_dictionary: bool = True,
    ) -> None:
        """Write ``table`` as the Parquet file ``path``, whole or not at all."""
        with self.parquet_writer(
            path, table.schema, compression=compression, use_dictionary=use_dictionary
        ) as writer:
            writer.write_table(table, row_group_size=row_group_size)

    @contextlib.contextmanager
    def parquet_writer(
        self,
        path: Path,
        schema: pa.Schema,
        *,
        compression: str = COMPRESSION,
        use_dictionary: bool = True,
    ) -> Iterator[pq.ParquetWriter]:
        """A Parquet writer whose file appears at ``path`` whole, when the block ends without error.

        After an error the partial file is removed: a crashed process can leave only a hidden
        temporary file, which no ``*.parquet`` glob reads and the next run's cleanup removes.
        ``use_dictionary=False`` spares the writer trying to dictionary-encode columns of unique
        values (whole texts).
        """
        self.make_dir(path.parent)
        temporary = _temporary(path)
        try:
            with pq.ParquetWriter(
                temporary, schema, compression=compression, use_dictionary=use_dictionary
            ) as writer:
                yield writer
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def write_text(self, path: Path, text: str) -> None:
        """Write ``text`` (UTF-8) to ``path``, whole or not at all."""
        self.make_dir(path.parent)
        temporary = _temporary(path)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)

    def replace(self, source: Path, target: Path) -> None:
        """Put the finished file ``source`` (made by another writer, e.g. DuckDB) at ``target``."""
        os.replace(source, target)

    def link(self, source: Path, target: Path) -> None:
        """Share the immutable file ``source`` as ``target`` (a hard link: no copy)."""
        self.make_dir(target.parent)
        os.link(source, target)

    def move(self, source: Path, target: Path) -> None:
        """Rename ``source`` (a file or a folder) to ``target`` on the same file system, durably."""
        self.make_dir(target.parent)
        os.rename(source, target)
        _fsync(target.parent)

    def point(self, pointer: Path, target: Path) -> None:
        """Make the symlink ``pointer`` lead to ``target``, in one atomic rename."""
        temporary = _temporary(pointer)
        temporary.unlink(missing_ok=True)
        os.symlink(target, temporary)
        os.replace(temporary, pointer)
        _fsync(pointer.parent)

    def sync(self, root: Path, durable: Container[tuple[int, int]] = frozenset()) -> None:
        """Flush ``root`` (a file or a folder and everything in it) to the disk.

        Files whose (device, inode) is in ``durable`` are links of files already flushed (an
        earlier snapshot's): only the folders holding their new names are.
        """
        if root.is_dir():
            for folder, _, files in os.walk(root):
                for name in files:
                    path = Path(folder) / name
                    if durable:
                        info = path.stat()
                        if (info.st_dev, info.st_ino) in durable:
                            continue
                    _fsync(path)
                _fsync(Path(folder))
        else:
            _fsync(root)
        _fsync(root.parent)

    def remove(self, path: Path) -> None:
        """Delete a file or a folder and everything in it; nothing if it is not there."""
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def remove_empty_dir(self, path: Path) -> None:
        """Delete the folder ``path`` if it is empty (never its contents); nothing otherwise."""
        with contextlib.suppress(OSError):
            path.rmdir()

    def open_lock(self, path: Path) -> int:
        """A descriptor of the lock file ``path`` (created if missing), for ``flock``."""
        self.make_dir(path.parent)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


DEFAULT = Storage()
"""The storage a warehouse uses unless given another (the tests' entry point sets a double)."""


def default_storage() -> Storage:
    """The storage of warehouses opened without one: :data:`DEFAULT`, read at each call."""
    return DEFAULT
