"""Increments at scale: what a scheduled run adding 1%, 0.1% or nothing costs beside a full run.

``python -m bench.increments --sizes 100000,1000000`` generates (or reuses) one corpus per size
with 1.1% more files than the size, links the first ``size`` files (in the generator's order)
into an input folder, and runs ``newsetl run`` as a user would: the full run into a new
warehouse, then the next 1% of the files, then the next 0.1%, then nothing new, then
``newsetl compact``. For each it records wall time, the stages, and the bytes the run wrote (files
of the new snapshot that are not hard links of an earlier one), also as fractions of the full
run's, and writes its section of BENCHMARKS.md. All runs of one size are back to back in one
benchmark run, so the ratios are measured under the same load.

``--orders generator,date`` measures each size once per order of arrival: ``generator`` takes the
files in the generator's order, whose dates are spread over the whole corpus, so an increment
touches nearly every month (the worst case for tables kept by month); ``date`` takes them in the
order of their publication date, as a crawl that collects what was published since its last run
does (an undated file arrives with the file before it in the generator's order).

``--prefect-server`` runs every step against one ``prefect server start`` of its own, as a
schedule served by ``newsetl serve`` or a deployment's worker does: no step starts Prefect's
temporary server (6-9 s a run), which a one-off ``newsetl run`` with no server configured pays.

"Its share of the full output" is the full run's written bytes times the increment's files over
the full run's files: what the increment's own rows take. The target is an increment writing at
most 3x that.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.prefect_server import free_port, wait_for_api
from bench.run import NEWSETL, REPO, machine, run_newsetl
from bench.scale import corpus_parser
from bench.sections import INCREMENTS, put_section

STAGES = ["discover", "census", "process", "deduplicate"]
STEPS = (("full", 1.0), ("+1%", 0.01), ("+0.1%", 0.001), ("no change", 0.0))


ORDERS = ("generator", "date")


def arrival(corpus: Path, order: str) -> dict[str, int]:
    """Each generated file's place in the order the runs take them, by its name."""
    import pyarrow.parquet as pq

    truth = pq.read_table(corpus / "truth.parquet", columns=["source_path", "published_date"])
    names = [Path(p).name for p in truth.column("source_path").to_pylist()]
    by_number = sorted(zip(names, truth.column("published_date").to_pylist(), strict=True))
    if order == "generator":
        return {name: place for place, (name, _) in enumerate(by_number)}
    dated, last = [], None
    for name, published in by_number:
        last = published or last
        dated.append((last.toordinal() if last else 0, name))
    return {name: place for place, (_, name) in enumerate(sorted(dated))}


def link_files(corpus: Path, target: Path, first: int, last: int, places: dict[str, int]) -> int:
    """Hard-link the generated files at places ``first`` to ``last - 1`` into ``target``."""
    linked = 0
    for path in (corpus / "files").rglob("*.txt"):
        if first <= places[path.name] < last:
            destination = target / path.relative_to(corpus / "files")
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)
            linked += 1
    return linked


def written_bytes(warehouse: Path) -> dict[str, int]:
    """Bytes the current snapshot's publish wrote (its files that are no earlier file's link),
    by table."""
    from warehouse import store

    return store.written_by_table(store.Warehouse(warehouse).snapshot())


@contextlib.contextmanager
def prefect_server(start_limit: float = 300.0) -> Iterator[str]:
    """A ``prefect server start`` of its own (a new PREFECT_HOME, a free port); yields its API URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    with tempfile.TemporaryDirectory(prefix="bench-prefect-") as home:
        env = {
            **os.environ,
            "PREFECT_HOME": home,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_API_URL": url,
        }
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "prefect"), "server", "start", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_api(url, start_limit, server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=60)


def measure(
    size: int, work: Path, seed: int, order: str = "generator", api_url: str | None = None
) -> list[dict[str, Any]]:
    """The full run, the increments and the compaction on one corpus, back to back."""
    from bench.generator import generate

    total = size + size // 100 + size // 1000
    corpus = work / f"corpus-increments-{size}-{seed}"
    if not (corpus / "truth.parquet").is_file():
        print(f"generating {total} articles into {corpus}", flush=True)
        generate(corpus, total, seed)
    places = arrival(corpus, order)
    suffix = "" if order == "generator" else f"-{order}"
    input_dir = work / f"input-increments-{size}{suffix}"
    warehouse = work / f"warehouse-increments-{size}{suffix}"
    shutil.rmtree(input_dir, ignore_errors=True)
    shutil.rmtree(warehouse, ignore_errors=True)
    env = dict(os.environ)
    env["NEWSETL_PUBLISHERS_FILE"] = str(corpus / "publishers.toml")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    rows: list[dict[str, Any]] = []
    first = 0
    for label, share in STEPS:
        count = round(size * share)
        link_files(corpus, input_dir, first, first + count, places)
        first += count
        print(f"size {size}: {label} ({count} new files)", flush=True)
        result = run_newsetl(input_dir, warehouse, env)
        result |= {"step": label, "files": count}
        tables = {} if result.get("unchanged") else written_bytes(warehouse)
        result |= {"written": sum(tables.values()), "written_tables": tables}
        rows.append(result)
    started = time.perf_counter()
    compact = subprocess.run(
        [*NEWSETL, "compact", "--warehouse", str(warehouse)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    print(compact.stdout.strip(), flush=True)
    rows.append(
        {
            "step": "compact",
            "files": 0,
            "wall": seconds,
            "written": sum(written_bytes(warehouse).values())
            if "published" in compact.stdout
            else 0,
            "note": compact.stdout.strip().removeprefix("newsetl: "),
        }
    )
    shutil.rmtree(input_dir, ignore_errors=True)
    return rows


def section(results: dict[tuple[int, str], list[dict[str, Any]]], command: str) -> str:
    """The BENCHMARKS.md section: one table per size and order of arrival."""
    lines = [
        INCREMENTS,
        "",
        f"Command: `{command}` ({datetime.now(UTC):%Y-%m-%d}). Machine: {machine()}. Load at "
        f"the start: {os.getloadavg()[0]:.1f} (the machine is shared: figures are of one run).",
        "",
        "Each size: a full run into a new warehouse, then the next 1% of files (in the order of "
        "arrival the heading names: the generator's unless said), the next 0.1%, a re-run with nothing new (answered before Prefect starts), then `newsetl "
        "compact`; back to back. *Written*: bytes of the new snapshot's files that are not links "
        "of an earlier snapshot's. *Share*: the full run's written bytes times the step's files "
        "over the full run's: the increment's own output; the target is written <= 3x share.",
    ]
    for (size, order), rows in results.items():
        full = rows[0]
        lines += [
            "",
            f"### {size:,} articles" + ("" if order == "generator" else ", arriving by date"),
            "",
            "| step | new files | wall s | of full | flow s | discover+census s | process s "
            "| dedup s | publish s | written MB | of full | x share |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows:
            stages = row.get("stages", {})
            flow = row.get("flow")
            publish = flow - sum(stages.get(s, 0.0) for s in STAGES) if flow else None
            share = full["written"] * row["files"] / full["files"] if row["files"] else 0
            cells = [
                row["step"],
                f"{row['files']:,}",
                f"{row['wall']:.1f}",
                f"{row['wall'] / full['wall']:.1%}",
                _num(flow),
                _num(stages.get("discover", 0) + stages.get("census", 0) if stages else None),
                _num(stages.get("process")),
                _num(stages.get("deduplicate")),
                _num(publish),
                f"{row['written'] / 1e6:.1f}",
                f"{row['written'] / full['written']:.1%}",
                f"{row['written'] / share:.1f}" if share else "-",
            ]
            lines.append("| " + " | ".join(cells) + " |")
        notes = [row["note"] for row in rows if row.get("note")]
        lines += ["", *(f"compact: {note}." for note in notes)]
        lines += ["", *(_written_tables(row) for row in rows[1:] if row.get("written_tables"))]
    lines += _targets(results)
    return "\n".join(lines) + "\n"


def _targets(results: dict[tuple[int, str], list[dict[str, Any]]]) -> list[str]:
    """Issue 18's targets against this run's rows, for the largest size of each order.

    "The same increment" on two corpora is the same number of new files: the large corpus's
    step whose new files are within a tenth of the small one's (+0.1% of a million against +1%
    of 100,000). The ratio of equal shares (+1% against +1%) is given beside it.
    """
    lines = ["", "Against the targets of issue 18:", ""]
    for order in dict.fromkeys(order for _, order in results):
        sizes = sorted(size for size, o in results if o == order)
        largest = {row["step"]: row for row in results[sizes[-1], order]}
        full = largest["full"]["wall"]
        for step, target in (("+1%", 0.05), ("+0.1%", 0.02)):
            if step in largest:
                share = largest[step]["wall"] / full
                lines.append(
                    f"* {sizes[-1]:,} ({order}), {step}: {share:.1%} of the full run "
                    f"(target {target:.0%}): {'met' if share <= target else 'not met'}."
                )
        for small in sizes[:-1]:
            for row in results[small, order][1:]:
                if not row["files"] or "flow" not in row:
                    continue
                same = [
                    other
                    for other in results[sizes[-1], order][1:]
                    if other["files"] and abs(other["files"] - row["files"]) <= row["files"] / 10
                ]
                equal_share = largest.get(row["step"])
                for other in same:
                    ratio = other["wall"] / row["wall"]
                    lines.append(
                        f"* {other['files']:,} new files on {sizes[-1]:,} against "
                        f"{row['files']:,} on {small:,} ({order}): {ratio:.1f}x (target 1.5x): "
                        f"{'met' if ratio <= 1.5 else 'not met'}"
                        + (
                            f"; {row['step']} against {row['step']}: "
                            f"{equal_share['wall'] / row['wall']:.1f}x."
                            if equal_share
                            else "."
                        )
                    )
    return lines


def _written_tables(row: dict[str, Any]) -> str:
    """Where a step's written bytes went: its largest tables, MB."""
    tables = sorted(row["written_tables"].items(), key=lambda item: -item[1])
    parts = [f"{name} {size / 1e6:.1f}" for name, size in tables if size >= 50_000]
    return f"Written by {row['step']}, MB: {', '.join(parts) or 'under 0.05 MB per table'}."


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__)
    parser.add_argument(
        "--orders", default="generator", help=f"orders of arrival (comma-separated: {ORDERS})"
    )
    parser.add_argument(
        "--prefect-server",
        action="store_true",
        help="run every step against one Prefect server of its own, as a served schedule does",
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    orders = args.orders.split(",")
    if unknown := set(orders) - set(ORDERS):
        parser.error(f"unknown --orders {sorted(unknown)}: choose from {', '.join(ORDERS)}")
    command = "python -m bench.increments " + " ".join(argv if argv is not None else sys.argv[1:])
    results: dict[tuple[int, str], list[dict[str, Any]]] = {}
    failed: dict[tuple[int, str], str] = {}
    server = prefect_server() if args.prefect_server else contextlib.nullcontext(None)
    with server as api_url:
        text = run_all(args, sizes, orders, command.strip(), api_url, results, failed)
    print(text)
    return 1 if failed else 0


def run_all(
    args: Any,
    sizes: list[int],
    orders: list[str],
    command: str,
    api_url: str | None,
    results: dict[tuple[int, str], list[dict[str, Any]]],
    failed: dict[tuple[int, str], str],
) -> str:
    """Each size and order measured in turn; the section written after each."""
    text = ""
    for size in sizes:
        for order in orders:
            try:
                results[size, order] = measure(size, args.work, args.seed, order, api_url)
            except RuntimeError as error:  # a run failed: the section says so, the others stand
                lines = str(error).strip().splitlines()
                failed[size, order] = next(
                    (ln for ln in reversed(lines) if ln.startswith("newsetl:")), lines[-1]
                )
            text = section(results, command)
            text += "".join(
                f"\n{size:,} articles ({order} order): a run failed: `{why}`\n"
                for (size, order), why in failed.items()
            )
            put_section(args.out, INCREMENTS, text)  # after each: a later failure keeps it
    return text


if __name__ == "__main__":
    raise SystemExit(main())
