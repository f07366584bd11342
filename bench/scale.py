"""Scaling to a million articles: one run at each size, back to back, in one benchmark run.

``make bench-full`` (``python -m bench.scale``) generates (or reuses) the generator's corpora of
100,000 and 1,000,000 articles, runs ``newsetl run`` on each into a new warehouse as a user
would, and writes its section of BENCHMARKS.md (``bench.sections.SCALE``; ``make bench`` keeps
it): wall time, stages, peak memory of the process tree (over the run and over deduplication),
CPU per article and wall time over the read+hash floor (issue 19's figures), the time ratio, and
deduplication quality against the generator's story labels at both sizes,
per kind of copy (``bench.dedup_quality``). One run per size: a million-article run takes a
quarter of an hour; the ratio is measured within one benchmark run.

``--baseline DIR`` runs another checkout (say today's main, with its own ``.venv``) on the same
corpora in the same benchmark run, before this one at each size: side-by-side figures and ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.dedup_quality import kind_scores
from bench.dedup_quality import table as kind_table
from bench.run import (
    REPO,
    dedup_quality,
    machine,
    query,
    read_and_hash,
    run_newsetl,
    timed,
)
from bench.sections import SCALE, put_section

# Stages the run records in its ``runs`` row; the row is written by publish, so publish and the
# report after it are the rest of the flow's time.
STAGES = ["discover", "census", "process", "deduplicate"]


# Stages under the names earlier newsetl gave them in its ``runs`` rows (a baseline's).
EARLIER_STAGE_NAMES = {"extract_normalise": "process"}


def with_stage_names(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with its stages under today's names (a baseline checkout's may be older)."""
    stages = {EARLIER_STAGE_NAMES.get(k, k): v for k, v in result.get("stages", {}).items()}
    return {**result, "stages": stages} if "stages" in result else result


# The machine's cores: utilisation is CPU seconds over wall seconds times this.
CORES = os.cpu_count() or 1


def rest_of_flow(result: dict[str, Any]) -> float:
    """Seconds of the flow after deduplication: publish (report tables too) and the report."""
    return float(result["flow"] - sum(result["stages"].get(stage, 0.0) for stage in STAGES))


def stage_cpu(result: dict[str, Any], stage: str) -> tuple[float, float] | None:
    """Wall and CPU seconds of ``stage`` as the run recorded them (whole process tree).

    ``rest`` is the run but for the recorded stages before publish: start-up, publish, the
    report, Prefect's server; its CPU is the run's whole tree less those stages'. None where the
    run did not record the stage's CPU (publish, before newsetl recorded it).
    """
    recorded = result.get("stage_cpu", {})
    if stage == "rest":
        if "cpu" not in result or not all(s in recorded for s in STAGES):
            return None
        wall = result["wall"] - sum(result["stages"].get(s, 0.0) for s in STAGES)
        return wall, result["cpu"] - sum(recorded[s] for s in STAGES)
    if stage == "run":
        return (result["wall"], result["cpu"]) if "cpu" in result else None
    if stage not in recorded:
        return None
    return result["stages"].get(stage, 0.0), recorded[stage]


def cpu_cell(result: dict[str, Any], stage: str) -> str:
    """``CPU s / wall s (utilisation)`` of a stage: CPU over wall times the cores."""
    timed = stage_cpu(result, stage)
    if timed is None:
        return "n/a"
    wall, cpu = timed
    return f"{cpu:,.1f} / {wall:,.1f} ({cpu / max(wall * CORES, 1e-9):.0%})"


CPU_ROWS = [
    *((stage, f"stage {stage}") for stage in STAGES),
    ("publish", "stage publish, up to its runs row"),
    ("rest", "rest of the run: start-up, publish, report, Prefect's server"),
    ("run", "the whole run"),
]


def measure(
    size: int,
    work: Path,
    seed: int,
    env: dict[str, str],
    checkout: Path = REPO,
    label: str = "",
    floor: bool = True,
) -> dict[str, Any]:
    """One ``newsetl run`` of ``checkout`` over a fresh warehouse on the ``size`` corpus, and its
    dedup quality (overall and per kind); without ``floor``, no read+hash pass before it."""
    from bench.generator import generate

    corpus = work / f"corpus-{size}-{seed}"
    if not (corpus / "truth.parquet").is_file():
        print(f"generating {size} articles into {corpus}", flush=True)
        generate(corpus, size, seed)
    suffix = f"-{label}" if label else ""
    warehouse = work / f"warehouse-scale-{size}{suffix}"
    shutil.rmtree(warehouse, ignore_errors=True)
    floor_seconds = float("nan")
    if floor:
        (files, size_bytes), floor_seconds = timed(lambda: read_and_hash(corpus / "files"))
    print(f"size {size}{suffix}: run", flush=True)
    timeline = work / f"memory-scale-{size}{suffix}.csv"
    try:
        run = run_newsetl(corpus / "files", warehouse, env, timeline, checkout)
    except RuntimeError as failed:
        record = {"failed": str(failed)[-3000:], "windows": stage_peaks(timeline)}
        timeline.with_suffix(".json").write_text(json.dumps(record, indent=1))
        raise
    if not floor:
        ((files, size_bytes),) = (
            tuple(row.values())
            for row in query(warehouse, "select count(*), sum(bytes) from manifest")
        )
    windows = stage_peaks(timeline)
    result = {
        "commit": commit_of(checkout),
        "files": files,
        "input_mb": size_bytes / 1e6,
        "floor_seconds": floor_seconds,
        **run,
        "dedup_peak_pss_mb": dedup_peak(windows),
        "windows": windows,
        "quality": dedup_quality(corpus, warehouse),
        "kinds": kind_scores(corpus, warehouse),
    }
    # Kept beside the timeline: a later size that fails does not take this one's figures along.
    timeline.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str))
    return result


def commit_of(checkout: Path) -> str:
    """The short commit of ``checkout``, ``+`` when its tracked files have changes."""
    head = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(checkout), "diff", "--quiet", "HEAD"], check=False
    ).returncode
    return head + ("+" if dirty else "") if head else "unknown"


def measured(work: Path, size: int, label: str = "") -> dict[str, Any] | None:
    """A size's result kept by an earlier benchmark run (``measure`` writes it), if any."""
    kept = work / f"memory-scale-{size}{'-' + label if label else ''}.json"
    if not kept.is_file():
        return None
    result: dict[str, Any] = json.loads(kept.read_text())
    return None if "failed" in result else result


def _seconds(clock: str) -> float:
    hours, minutes, seconds = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


# The run's log marks where each window of the memory timeline ends: (window, the log line's
# marker, whether the window ends at the marker's first or last line). A window starts where
# the one before it ended; the first at the first sample, and "report" runs to the last.
WINDOWS = [
    ("discover", " files under ", "first"),
    ("census shards", "normalise_shard", "last"),
    ("census plan (to the first process shard's end)", "process_shard", "first"),
    ("process shards", "process_shard", "last"),
    ("deduplicate", "deduplicate_documents-", "last"),
    ("publish", "publish_snapshot-", "last"),
    ("report", None, "last"),
]


def stage_peaks(timeline: Path) -> dict[str, tuple[float, float, float]]:
    """Per window of the run: (seconds, peak PSS MB of the process tree, of the driver alone).

    Windows (``WINDOWS``) are cut at the run's log lines beside the memory samples; the driver
    is the process the benchmark started (the first of every sample). A window whose marker the
    log lacks is left out (the next starts where the last one found ended), so the windows of a
    run that failed end with "after" the last one it reached.
    """
    log = timeline.with_suffix(".log").read_text().splitlines()
    rows = [row.split(",") for row in timeline.read_text().splitlines()[1:]]
    if not rows:
        return {}
    first = _seconds(rows[0][0])

    def at(clock: str) -> float:
        seconds = _seconds(clock)
        return seconds + 86_400 if seconds < first - 43_200 else seconds  # past midnight

    driver = rows[0][1]
    tree: dict[float, float] = {}
    alone: dict[float, float] = {}
    for clock, pid, _, pss in rows:
        moment = at(clock)
        tree[moment] = tree.get(moment, 0.0) + float(pss)
        if pid == driver:
            alone[moment] = float(pss)

    def peak(values: dict[float, float], start: float, end: float) -> float:
        return max((v for m, v in values.items() if start <= m <= end), default=float("nan"))

    peaks: dict[str, tuple[float, float, float]] = {}
    start, reached = first, "the start"
    for window, marker, which in WINDOWS:
        name = window
        if marker is None:  # the rest of the run
            end = max(*tree, start)
            if reached != "publish":
                name = f"after {reached} (the run stopped there)"
        else:
            finished = [
                at(line[:12])
                for line in log
                if marker in line and (marker == " files under " or "Finished" in line)
            ]
            if not finished:
                continue  # not in this log: the next window starts where the last one ended
            end = finished[0] if which == "first" else finished[-1]
            reached = window
        peaks[name] = (end - start, peak(tree, start, end), peak(alone, start, end))
        start = end
    return peaks


def stage_peak_pss(timeline: Path) -> float:
    """Peak PSS of the process tree (MB) while the deduplicate task ran.

    The window runs from the last shard task's end to the deduplicate task's end.
    """
    return dedup_peak(stage_peaks(timeline))


def dedup_peak(peaks: dict[str, tuple[float, float, float]]) -> float:
    """The process tree's peak PSS (MB) in the deduplicate window of ``stage_peaks``."""
    return peaks["deduplicate"][1] if "deduplicate" in peaks else float("nan")


def section(
    sizes: list[int],
    results: dict[int, dict[str, dict[str, Any]]],
    command: str,
    labels: list[str],
) -> str:
    """The BENCHMARKS.md section for these results: ``results[size][label]``, ``labels`` in
    column order (a baseline first, then this checkout)."""
    small, large = sizes[0], sizes[-1]
    this = labels[-1]
    rows = [
        ("commit measured", lambda r: str(r.get("commit", "-"))),
        ("files", lambda r: f"{r['files']:,}"),
        ("input MB", lambda r: f"{r['input_mb']:,.0f}"),
        ("wall seconds", lambda r: f"{r['wall']:,.1f}"),
        ("docs per second", lambda r: f"{r['files'] / r['wall']:,.0f}"),
        ("flow seconds", lambda r: f"{r['flow']:,.1f}"),
        *(
            (f"stage {stage} seconds", lambda r, s=stage: f"{r['stages'].get(s, 0.0):,.1f}")
            for stage in STAGES
        ),
        (
            "sketch CPU seconds in the shard tasks (minhash_cpu)",
            lambda r: f"{r['stages'].get('minhash_cpu', 0.0):,.1f}",
        ),
        ("publish and report seconds (rest of the flow)", lambda r: f"{rest_of_flow(r):,.1f}"),
        *(
            (
                f"{name}: CPU s / wall s (utilisation of {CORES} cores)",
                lambda r, s=stage: cpu_cell(r, s),
            )
            for stage, name in CPU_ROWS
        ),
        ("read+hash floor seconds (1 core)", lambda r: f"{r['floor_seconds']:,.1f}"),
        ("peak memory of the process tree, PSS MB", lambda r: f"{r['peak_pss_mb']:,.0f}"),
        ("peak memory of the process tree, RSS sum MB", lambda r: f"{r['peak_mb']:,.0f}"),
        ("peak memory while deduplicating, PSS MB", lambda r: f"{r['dedup_peak_pss_mb']:,.0f}"),
        ("dedup precision", lambda r: f"{r['quality']['precision']:.4f}"),
        ("dedup recall", lambda r: f"{r['quality']['recall']:.4f}"),
        ("dedup F1", lambda r: f"{r['quality']['f1']:.4f}"),
        ("duplicates", lambda r: f"{r['duplicates']:,}"),
    ]
    columns = [(size, label) for size in sizes for label in labels]

    def heading(size: int, label: str) -> str:
        return f"{size:,} files" + (f", {label}" if len(labels) > 1 else "")

    lines = [
        SCALE,
        "",
        f"Command: `{command}`, written {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, on "
        f"{machine()}. One `newsetl run` per size"
        + (" and checkout (the baseline first)" if len(labels) > 1 else "")
        + ", back to back in one benchmark run, each into a new warehouse. Peak memory is sampled "
        "every 0.1 s over the whole process tree (driver, worker processes, Prefect's temporary "
        "server): PSS counts a shared page once, split between the processes sharing it; the RSS "
        "sum counts it in every process. Deduplication's window runs from the last shard task's "
        "end to the deduplicate task's end; the sketches (MinHash, band keys) are computed in the "
        "shard tasks, their CPU time is the minhash_cpu row. CPU seconds per stage are the run's "
        "own record (`runs.stages`: the run's process tree while the stage ran: driver, worker "
        "processes, Prefect's server); the whole run's are those of its process tree from start "
        "to end, and utilisation is CPU over "
        f"wall times {CORES} cores.",
        "",
        "| figure | " + " | ".join(heading(s, label) for s, label in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, cell in rows:
        lines.append(
            f"| {name} | " + " | ".join(cell(results[s][label]) for s, label in columns) + " |"
        )
    lines.append("")
    if large != small:
        ratio = results[large][this]["wall"] / results[small][this]["wall"]
        lines.append(
            f"- time({large:,}) / time({small:,}) = **{ratio:.2f}** (size ratio {large / small:.0f})"
        )
    for size, label in columns:
        lines.append(f"- {heading(size, label)}: {per_article(results[size][label])}")
    if len(labels) > 1:
        base = labels[0]
        for size in sizes:
            new, old = results[size][this], results[size][base]
            cpu = (
                f"CPU per article {new['cpu'] / new['files'] / (old['cpu'] / old['files']):.2f}x, "
                if "cpu" in new and "cpu" in old
                else ""
            )
            lines.append(
                f"- {size:,} files, {this} / {base}: {cpu}deduplicate stage "
                f"{new['stages']['deduplicate'] / old['stages']['deduplicate']:.2f}x, "
                f"sketch CPU {new['stages']['minhash_cpu'] / old['stages']['minhash_cpu']:.2f}x, "
                f"peak PSS while deduplicating "
                f"{new['dedup_peak_pss_mb'] / old['dedup_peak_pss_mb']:.2f}x, "
                f"peak PSS of the run {new['peak_pss_mb'] / old['peak_pss_mb']:.2f}x, "
                f"wall {new['wall'] / old['wall']:.2f}x"
            )
    lines += ["", *window_table(results, columns, heading)]
    for size in sizes:
        lines += [
            "",
            f"Deduplication by kind, {size:,} files: pairwise precision and recall of the pairs "
            "that involve a document of the kind (a negative kind has no true pair: its "
            "precision counts the false links it made). Kinds from `bench.generator`: "
            "`long_story` and its partial or noisy copies, and two negatives (`other_outlet`, "
            "`digest`); the whole-story kinds are the rest of the corpus.",
            "",
            *kind_table({label: results[size][label]["kinds"] for label in labels}),
        ]
    return "\n".join(lines)


def per_article(result: dict[str, Any]) -> str:
    """CPU milliseconds per article of the run's process tree, and its wall time over the floor."""
    figures = []
    if "cpu" in result:
        figures.append(f"{1000 * result['cpu'] / result['files']:.3f} CPU ms per article")
    floor = result.get("floor_seconds", math.nan)
    if not math.isnan(floor):  # the read+hash pass ran before the run
        figures.append(f"wall {result['wall'] / floor:.1f} times the read+hash floor")
    return ", ".join(figures) or "no CPU or floor measured"


def window_table(
    results: dict[int, dict[str, dict[str, Any]]],
    columns: list[tuple[int, str]],
    heading: Callable[[int, str], str],
) -> list[str]:
    """Seconds and peak memory of each window of the run (``stage_peaks``), one column per run."""
    names: list[str] = []
    for size, label in columns:
        names += [n for n in results[size][label].get("windows", {}) if n not in names]
    if not names:
        return []
    lines = [
        "Memory by window of the run, cut at its log's task ends (`bench.scale.WINDOWS`): "
        "seconds, peak PSS of the process tree and of the driver alone (MB).",
        "",
        "| window | " + " | ".join(heading(s, label) for s, label in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name in names:
        cells = []
        for size, label in columns:
            window = results[size][label].get("windows", {}).get(name)
            cells.append(
                "-"
                if window is None
                else f"{window[0]:,.1f} s, {window[1]:,.0f} / {window[2]:,.0f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def corpus_parser(doc: str | None) -> argparse.ArgumentParser:
    """The arguments of a benchmark over generated corpora of some sizes: ``--sizes``, ``--work``
    (corpora and warehouses), ``--out`` (BENCHMARKS.md) and ``--seed``."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="corpus sizes (comma-separated)")
    parser.add_argument("--work", type=Path, default=REPO / ".bench", help="corpora and warehouses")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--seed", type=int, default=20261122)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__)
    parser.add_argument(
        "--baseline", type=Path, help="another checkout with its own .venv, run side by side"
    )
    parser.add_argument("--baseline-label", default="baseline", help="its column heading")
    parser.add_argument("--label", default="this checkout", help="this checkout's column heading")
    parser.add_argument(
        "--no-floor",
        action="store_true",
        help="no read+hash pass before each run (its row says nan): for files not in the cache",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="take a size's figures from an earlier run of this benchmark in --work, when kept",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    labels = [args.label]
    if args.baseline:
        labels.insert(0, args.baseline_label)
    results: dict[int, dict[str, dict[str, Any]]] = {}
    for size in sizes:
        results[size] = {}
        if args.baseline:
            kept = measured(args.work, size, "baseline") if args.reuse else None
            results[size][args.baseline_label] = with_stage_names(
                kept
                or measure(
                    size,
                    args.work,
                    args.seed,
                    env,
                    args.baseline.resolve(),
                    "baseline",
                    floor=not args.no_floor,
                )
            )
        kept = measured(args.work, size) if args.reuse else None
        results[size][args.label] = kept or measure(
            size, args.work, args.seed, env, floor=not args.no_floor
        )
    command = f"python -m bench.scale --sizes {args.sizes}"
    command += " --no-floor" * args.no_floor + " --reuse" * args.reuse
    if args.baseline:
        command += f" --baseline {args.baseline} --baseline-label '{args.baseline_label}'"
    text = section(sizes, results, command, labels)
    put_section(args.out, SCALE, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
