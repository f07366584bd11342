"""Runs through the CLI, as a user or a scheduler starts them, and the corpora they read.

The crash, fault, poison, reader and resume tests share these; ``two_batches`` (conftest) is the
reference they compare with: two batches ingested without any fault, run once per session.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flows.cli import main
from tests.conftest import REPO, SEEDS
from warehouse import catalog
from warehouse.store import Warehouse

STORY = (
    " date 2021-06-{day:02d} Talks Resume\n\nGENEVA, June 1 - Story number {n} goes on {n} times."
)
# The options of a run on a copy of the first batch: its input folder moved.
MOVED_INPUT = ("--allow-new-root",)
OLD_TOTAL, NEW_TOTAL = 32, 62  # seeds + 30 stories, then 30 more (empty.txt is quarantined)


def make_input(root: Path, count: int, start: int = 0) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS.glob("*.txt"):
        (root / seed.name).write_bytes(seed.read_bytes())
    for n in range(start, start + count):
        (root / f"story-{n:04d}.txt").write_text(STORY.format(day=1 + n % 28, n=n))
    (root / "empty.txt").write_bytes(b"")


def newsetl_run(
    input_dir: Path,
    warehouse: Path,
    api: str,
    *,
    faults: str = "",
    kill_at: str | None = None,
    count_dir: Path | None = None,
    options: tuple[str, ...] = (),
    **env: str,
) -> subprocess.Popen[str]:
    """``newsetl run`` in a process of its own; with faults, through a faulty storage."""
    entry = ["flows.cli"]
    if faults or kill_at:
        entry = ["tests.faulty_run", "--faults", faults]
        entry += ["--kill-at", kill_at] if kill_at else []
        entry += ["--count-dir", str(count_dir)] if count_dir else []
        entry += ["--"]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            *entry,
            "run",
            "--input",
            str(input_dir),
            "--warehouse",
            str(warehouse),
            "--shard-size",
            "10",
            *options,
        ],
        cwd=REPO,
        env={**os.environ, "PREFECT_API_URL": api, **env},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def run_in_process(input_dir: Path, warehouse: Path, *options: str) -> str:
    """``newsetl run`` through the CLI's own code, in this process (it must succeed); its output.

    A run after a crash or a fault, and the clean reference, need no process of their own: this
    saves an interpreter start and the imports of each (the crashed run is a process, to kill).
    """
    arguments = ["run", "--input", str(input_dir), "--warehouse", str(warehouse), *options]
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = main([*arguments, "--shard-size", "10"])
    assert code == 0, output.getvalue()
    return output.getvalue()


def contents(warehouse: Path) -> list[tuple]:
    connection = catalog.connect(Warehouse(warehouse))
    documents = connection.execute(
        "select source_path, doc_id, cluster_id, is_canonical, body from documents order by 1"
    ).fetchall()
    quarantine = connection.execute(
        "select source_path, reason from quarantine order by 1"
    ).fetchall()
    return [documents, quarantine]


def document_count(warehouse: Path) -> int:
    row = catalog.connect(Warehouse(warehouse)).execute("select count(*) from documents").fetchone()
    assert row is not None
    return int(row[0])


@dataclass(frozen=True)
class TwoBatches:
    """Two batches ingested by two clean runs: the first batch's state kept, the final contents."""

    first_input: Path
    first_warehouse: Path
    clean: list

    def first_batch_in(self, folder: Path) -> tuple[Path, Path]:
        """A copy of the input and the warehouse after the first run, under ``folder``.

        The same state a first run of one's own would leave (copies keep the files' modification
        times, so the next run sees them unchanged), without paying for that run in every test.
        The input has moved, so runs on the copy pass ``MOVED_INPUT``, as a user whose crawl
        folder moved would.
        """
        input_dir, warehouse = folder / "in", folder / "wh"
        shutil.copytree(self.first_input, input_dir)
        shutil.copytree(self.first_warehouse, warehouse, symlinks=True)
        # The catalog file names the original's Parquet files by absolute path: the copy's own.
        copy = Warehouse(warehouse)
        catalog.write_catalog(copy, copy.snapshot())
        return input_dir, warehouse


def ingest_two_batches(root: Path) -> TwoBatches:
    """Run the first batch, keep a copy of its state, run the second: the clean reference.

    With the default worker pool: the kill-at-a-step and disk-full tests run with one worker, so
    that their equality with this reference also shows that the worker count does not change the
    tables.
    """
    input_dir, warehouse = root / "in", root / "wh"
    make_input(input_dir, 30)
    run_in_process(input_dir, warehouse)
    shutil.copytree(input_dir, root / "first-in")
    shutil.copytree(warehouse, root / "first-wh", symlinks=True)
    make_input(input_dir, 30, start=30)
    run_in_process(input_dir, warehouse)
    return TwoBatches(root / "first-in", root / "first-wh", contents(warehouse))
