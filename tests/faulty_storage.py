"""A storage that fails on purpose, for the reliability tests (dlt's dummy destination's idea).

Production code reads no fault switches: the tests run newsetl with this double in place of
:class:`warehouse.storage.Storage` (``python -m tests.faulty_run``), and the shard tasks receive
it with their other parameters, so worker processes fail alike.

Rules, separated by ``;``, each ``OP[:PATH_PART]=ERRNO[*COUNT]``:

* ``OP`` is ``read`` (an input file), ``write`` (a staged file of a shard) or ``publish`` (a file
  of the snapshot being built);
* ``PATH_PART``, if given, limits the rule to paths containing it;
* ``ERRNO`` is a name from :mod:`errno` (``EIO``, ``ENOSPC``, ``EACCES``...);
* ``COUNT`` is how many times it fires (a transient fault), or ``always`` (the default).

Counted faults are counted across processes with one token file each in ``count_dir``, so
``read=EIO*2`` fails exactly two reads of the whole run. ``kill_at`` names a publish step
(``write_documents``, ``swap_pointer``...): the process kills itself with SIGKILL as it begins.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.storage import COMPRESSION, Storage

OPERATIONS = frozenset({"read", "write", "publish"})
# A snapshot is built in the folder of this name inside its run's staging folder.
BUILD_FOLDER = f"{os.sep}snapshot{os.sep}"


@dataclass(frozen=True)
class FaultRule:
    """One injected fault: which operation and paths, which error, how many times."""

    operation: str
    path_part: str
    error: int
    count: int | None  # None: always

    def token(self, number: int) -> str:
        """Name of the file that records the ``number``-th firing of this rule."""
        part = self.path_part.replace(os.sep, "_") or "any"
        return f"{self.operation}-{part}-{errno.errorcode[self.error]}-{number}"


def parse_rules(spec: str) -> tuple[FaultRule, ...]:
    """The rules of a fault specification.

    Raises:
        ValueError: A rule names an unknown operation or errno, or a bad count.
    """
    rules = []
    for text in filter(None, (part.strip() for part in spec.split(";"))):
        target, _, effect = text.partition("=")
        operation, _, path_part = target.partition(":")
        name, _, count = effect.partition("*")
        if operation not in OPERATIONS or not hasattr(errno, name):
            raise ValueError(f"bad fault rule {text!r}")
        times = None if count in ("", "always") else int(count)
        rules.append(FaultRule(operation, path_part, getattr(errno, name), times))
    return tuple(rules)


class FaultyStorage(Storage):
    """The local file system, but failing or dying where the rules say."""

    def __init__(
        self, rules: str = "", kill_at: str | None = None, count_dir: str | None = None
    ) -> None:
        self.rules = parse_rules(rules)
        self.kill_at = kill_at
        self.count_dir = count_dir
        if any(rule.count is not None for rule in self.rules) and not count_dir:
            raise ValueError("a counted fault needs a count_dir to count in")

    def _fires(self, rule: FaultRule) -> bool:
        if rule.count is None:
            return True
        assert self.count_dir is not None
        for number in range(rule.count):
            try:
                token = os.path.join(self.count_dir, rule.token(number))
                os.close(os.open(token, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                continue
            return True
        return False

    def check(self, operation: str, path: str | os.PathLike[str]) -> None:
        """Raise the injected error if a rule for ``operation`` on ``path`` fires now.

        Raises:
            OSError: The injected fault, with its errno and the path.
        """
        for rule in self.rules:
            if rule.operation == operation and rule.path_part in str(path) and self._fires(rule):
                raise OSError(rule.error, f"{os.strerror(rule.error)} (injected fault)", str(path))

    def _check_write(self, path: Path) -> None:
        self.check("publish" if BUILD_FOLDER in str(path) else "write", path)

    def step(self, name: str) -> None:
        """Die here if this is the step to die at."""
        super().step(name)
        if name == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def open_input(self, path: str) -> BinaryIO:
        """Fail the read if a ``read`` rule fires."""
        self.check("read", path)
        return super().open_input(path)

    @contextlib.contextmanager
    def parquet_writer(
        self,
        path: Path,
        schema: pa.Schema,
        *,
        compression: str = COMPRESSION,
        use_dictionary: bool = True,
    ) -> Iterator[pq.ParquetWriter]:
        """Fail the write before it starts if a ``write`` or ``publish`` rule fires."""
        self._check_write(path)
        with super().parquet_writer(
            path, schema, compression=compression, use_dictionary=use_dictionary
        ) as writer:
            yield writer
