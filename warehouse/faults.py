"""Fault injection for the reliability tests: make reads or writes fail on purpose.

``NEWSETL_FAULT_IO`` holds rules separated by ``;``, each ``OP[:PATH_PART]=ERRNO[*COUNT]``:

* ``OP`` is ``read`` (an input file), ``write`` (a staged shard file) or ``publish`` (a file of
  the snapshot being built);
* ``PATH_PART``, if given, limits the rule to paths containing it;
* ``ERRNO`` is a name from :mod:`errno` (``EIO``, ``ENOSPC``, ``EACCES``...);
* ``COUNT`` is how many times it fires (a transient fault), or ``always`` (the default).

Counted faults are counted across processes (pool workers share them) with one token file each
in ``NEWSETL_FAULT_DIR``, so ``read=EIO*2`` fails exactly two reads of the whole run. Without the
variable, :func:`check` is one truth test of an empty tuple.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

FAULT_IO = "NEWSETL_FAULT_IO"
FAULT_DIR = "NEWSETL_FAULT_DIR"
OPERATIONS = frozenset({"read", "write", "publish"})


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
    """The rules of a ``NEWSETL_FAULT_IO`` value.

    Raises:
        ValueError: A rule names an unknown operation or errno, or a bad count.
    """
    rules = []
    for text in filter(None, (part.strip() for part in spec.split(";"))):
        target, _, effect = text.partition("=")
        operation, _, path_part = target.partition(":")
        name, _, count = effect.partition("*")
        if operation not in OPERATIONS or not hasattr(errno, name):
            raise ValueError(f"{FAULT_IO}: bad rule {text!r}")
        times = None if count in ("", "always") else int(count)
        rules.append(FaultRule(operation, path_part, getattr(errno, name), times))
    return tuple(rules)


RULES = parse_rules(os.environ.get(FAULT_IO, ""))


def _fires(rule: FaultRule) -> bool:
    if rule.count is None:
        return True
    folder = os.environ.get(FAULT_DIR)
    if not folder:
        raise ValueError(f"{FAULT_IO}: a counted fault needs {FAULT_DIR} to count in")
    for number in range(rule.count):
        try:
            os.close(os.open(os.path.join(folder, rule.token(number)), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        return True
    return False


def check(operation: str, path: str | os.PathLike[str]) -> None:
    """Raise the injected error if a rule for ``operation`` on ``path`` fires now.

    Raises:
        OSError: The injected fault, with its errno and the path.
    """
    if not RULES:
        return
    for rule in RULES:
        if rule.operation == operation and rule.path_part in str(path) and _fires(rule):
            code = rule.error
            raise OSError(code, f"{os.strerror(code)} (injected fault)", str(path))
