"""What integrity costs: the checks of every run, ``newsetl check``, checksums at publish.

``python -m bench.integrity --warehouse DIR --input DIR [--write]`` times, over the current
snapshot of a warehouse that ``newsetl run`` published from ``--input``:

* the size check every run makes before it carries the snapshot forward (a stat per file);
* ``newsetl check``'s full check (every byte hashed, every footer and row count read);
* recording checksums at publish: every file hashed (a first run), and every file taken over
  from the previous snapshot by inode (a run that carries everything);
* the input scan of a run with and without finding the missing files (stat of every input file
  and the manifest join, as ``newsetl run`` does before it decides anything).

Medians of several repeats, in one process; ``--write`` puts the table into BENCHMARKS.md under
its own heading (``make bench`` keeps that section).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from bench.sections import INTEGRITY, put_section
from transforms.changed_files import files_to_process
from warehouse import incremental, input_changes, integrity, store
from warehouse.sources import discover, stat_files

REPO = Path(__file__).resolve().parents[1]


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``action``, after one warm-up call."""
    action()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(warehouse: Path, input_dir: Path, repeats: int) -> dict[str, float]:
    """The figures of the module docstring for the current snapshot of ``warehouse``."""
    snapshot = store.Warehouse(warehouse).snapshot()
    tables = snapshot.manifest["tables"]
    files = sum(len(entry["files"]) for entry in tables.values())
    size = sum(record["bytes"] for record in snapshot.file_records().values())
    discovery = discover(input_dir, skip=warehouse)
    previous_manifest = incremental.carry_table(snapshot, "manifest", pa.array([], pa.string()))

    def scan_without_missing() -> object:
        return files_to_process(stat_files(discovery.root, discovery.paths), previous_manifest)

    def scan_with_missing() -> object:
        return input_changes.input_changes(snapshot, discovery)

    full_repeats = max(1, repeats // 2)
    return {
        "documents": snapshot.rows("documents"),
        "input files": len(discovery.paths),
        "snapshot files": files,
        "snapshot MB": size / 1e6,
        "size check of every run, s": median_seconds(
            lambda: integrity.check_snapshot(snapshot, "sizes"), repeats
        ),
        "full check (newsetl check), s": median_seconds(
            lambda: integrity.check_snapshot(snapshot, "full"), full_repeats
        ),
        "checksums of every file (a first publish), s": median_seconds(
            lambda: store.file_records(snapshot.path, tables, None), full_repeats
        ),
        "checksums taken over (a publish carrying all), s": median_seconds(
            lambda: store.file_records(snapshot.path, tables, snapshot), repeats
        ),
        "input scan without missing files, s": median_seconds(scan_without_missing, repeats),
        "input scan with missing files, s": median_seconds(scan_with_missing, repeats),
    }


def machine() -> str:
    """The machine, in one line."""
    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {load:.1f} when it finished"
    )


def report(figures: dict[str, float], command: str) -> str:
    """The BENCHMARKS.md section."""
    written = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        INTEGRITY,
        "",
        f"`{command}`, written {written}. Machine: {machine()}. Medians of repeats in one "
        "process, files in the page cache (a cold disk reads slower). The size check is what "
        "every run adds before it carries a snapshot forward; the full check reads every byte "
        "and is `newsetl check`'s.",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    for name, value in figures.items():
        shown = f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:.3f}"
        lines.append(f"| {name} | {shown} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and with ``--write`` put the section into BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md's section")
    args = parser.parse_args(argv)
    figures = measure(args.warehouse, args.input, args.repeats)
    command = f"python -m bench.integrity --warehouse {args.warehouse} --input {args.input}"
    section = report(figures, command)
    print(section)
    if args.write:
        put_section(REPO / "BENCHMARKS.md", INTEGRITY, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
