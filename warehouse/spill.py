"""DuckDB connections for the driver's large joins and counts: bounded memory, spilling to disk.

And the named parameters of our SQL files' statements, which DuckDB wants bound exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

# Large enough for the band-key joins of a million documents (the pairs still supported) to
# spill rather than fail; a larger limit does not make them faster, only the run's peak higher.
MEMORY_LIMIT = "256MB"
PARAMETER = re.compile(r"\$([a-z_]+)\b")


def parameter_names(sql: str) -> list[str]:
    """The named parameters (``$name``) ``sql`` uses outside its comments, in order of first use.

    DuckDB refuses a bound value the statement does not use, and comments name parameters too.
    """
    code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return list(dict.fromkeys(PARAMETER.findall(code)))


def spilling_connection(
    spill_dir: Path | None, memory_limit: str = MEMORY_LIMIT
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills past ``memory_limit`` into ``spill_dir``.

    One thread: DuckDB's hash tables are per thread, and with two a join of mostly distinct
    keys (the band keys) runs out of memory where one thread spills. Row order is not kept: no
    caller needs it.

    Args:
        spill_dir: A run's staging folder (removed with it); DuckDB's default place if None.
        memory_limit: DuckDB's memory limit.
    """
    return bound(duckdb.connect(":memory:"), spill_dir, memory_limit)


def bound(
    connection: duckdb.DuckDBPyConnection,
    spill_dir: Path | None,
    memory_limit: str = MEMORY_LIMIT,
) -> duckdb.DuckDBPyConnection:
    """Apply :func:`spilling_connection`'s limits to an open connection; return it."""
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    if spill_dir is not None:
        connection.execute(f"SET temp_directory = '{spill_dir / 'duckdb-spill'}'")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET threads = 1")
    # DuckDB draws a progress bar on stderr for queries over two seconds: in a run's log (and
    # a scheduled run's) it is a screenful of bars, not information.
    connection.execute("SET enable_progress_bar = false")
    return connection
