"""DuckDB connections for the driver's large joins and counts: bounded memory, spilling to disk.

And the named parameters of our SQL files' statements, which DuckDB wants bound exactly.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import duckdb
import psutil

# Large enough for the band-key joins of a million documents (the pairs still supported) to
# spill rather than fail; a larger limit does not make them faster, only the run's peak higher.
MEMORY_LIMIT = "256MB"
RETRY_MEMORY_LIMIT = "1GB"
"""The first limit a piece of the driver's DuckDB work is done again within when it runs out.

DuckDB spills sorts, groupings and joins, but not everything it pins: the census plan at two
million articles and a report table now and then at one million ran out of 256 MB."""
RETRY_SHARE_OF_MEMORY = 0.25
"""Each further try doubles the limit, up to this share of the machine's memory: the work grows
with the corpus, and a larger corpus on a larger machine needs no new setting."""
PARAMETER = re.compile(r"\$([a-z_]+)\b")
LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
UNITS = {"KB": 1 / 1024, "MB": 1, "GB": 1024, "TB": 1024 * 1024}


def parameter_names(sql: str) -> list[str]:
    """The named parameters (``$name``) ``sql`` uses outside its comments, in order of first use.

    DuckDB refuses a bound value the statement does not use, and comments name parameters too.
    """
    code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return list(dict.fromkeys(PARAMETER.findall(code)))


def spilling_connection(
    spill_dir: Path | None, memory_limit: str = MEMORY_LIMIT, threads: int = 1
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills past ``memory_limit`` into ``spill_dir``.

    One thread unless told: DuckDB's hash tables are per thread, and with two a join of mostly
    distinct keys (the band keys) runs out of memory where one thread spills. Row order is not
    kept: no caller needs it.

    Args:
        spill_dir: A run's staging folder (removed with it); DuckDB's default place if None.
        memory_limit: DuckDB's memory limit.
        threads: DuckDB's threads, for work whose groupings spill well with more than one.
    """
    return bound(duckdb.connect(":memory:"), spill_dir, memory_limit, threads)


def bound(
    connection: duckdb.DuckDBPyConnection,
    spill_dir: Path | None,
    memory_limit: str = MEMORY_LIMIT,
    threads: int = 1,
) -> duckdb.DuckDBPyConnection:
    """Apply :func:`spilling_connection`'s limits to an open connection; return it."""
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    if spill_dir is not None:
        connection.execute(f"SET temp_directory = '{spill_dir / 'duckdb-spill'}'")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute(f"SET threads = {int(threads)}")
    # DuckDB draws a progress bar on stderr for queries over two seconds: in a run's log (and
    # a scheduled run's) it is a screenful of bars, not information.
    connection.execute("SET enable_progress_bar = false")
    return connection


def megabytes(limit: str) -> int:
    """``limit`` (``"256MB"``, ``"1GB"``: DuckDB's notation) in MB."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]B)\s*", limit.upper())
    if match is None:
        raise ValueError(f"not a memory limit: {limit!r} (e.g. '256MB', '1GB')")
    return int(float(match.group(1)) * UNITS[match.group(2)])


def retry_limits(start: str = RETRY_MEMORY_LIMIT) -> list[str]:
    """The limits to try again within, in turn.

    ``start``, then twice the last, up to ``RETRY_SHARE_OF_MEMORY`` of this machine's memory
    (never below ``start``).
    """
    ceiling = int(psutil.virtual_memory().total * RETRY_SHARE_OF_MEMORY) // 2**20
    limit = megabytes(start)
    limits = [start]
    while limit < ceiling:
        limit = min(2 * limit, ceiling)
        limits.append(f"{limit}MB")
    return limits


def with_more_memory(
    attempt: Callable[[str], T],
    limits: Sequence[str],
    warning: str,
    before_retry: Callable[[], None] | None = None,
) -> T:
    """``attempt(limit)`` for each of ``limits`` in turn until one does not run out of memory.

    Args:
        attempt: The work, DuckDB within the limit it is given.
        limits: The first try's limit, then the retries' (:func:`retry_limits`).
        warning: Logged before each retry, formatted with ``limit`` and ``next``.
        before_retry: Clears what a failed try left (a half-written file).

    Raises:
        duckdb.OutOfMemoryException: The last limit was not enough either.
    """
    for number, limit in enumerate(limits):
        try:
            return attempt(limit)
        except (duckdb.OutOfMemoryException, OSError) as error:
            # A spill that failed to pin a block says "Out of Memory" through an OSError too.
            if "Out of Memory" not in str(error) or number == len(limits) - 1:
                raise
        LOGGER.warning(warning.format(limit=limit, next=limits[number + 1]))
        if before_retry is not None:
            before_retry()
    raise ValueError("no memory limit to try within")
