"""Scaling to a million articles: one run at each size, back to back, in one benchmark run.

``make bench-full`` (``python -m bench.scale``) generates (or reuses) the generator's corpora of
100,000 and 1,000,000 articles, runs ``newsetl run`` on each into a new warehouse as a user
would, and writes its section of BENCHMARKS.md (``bench.sections.SCALE``; ``make bench`` keeps
it): wall time, stages, peak memory of the process tree, the time ratio, and
deduplication quality against the generator's story labels at both sizes. One run per size: a
million-article run takes a quarter of an hour; the ratio is measured within one benchmark run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.run import (
    REPO,
    dedup_quality,
    machine,
    read_and_hash,
    run_newsetl,
    timed,
)
from bench.sections import SCALE, put_section

# Stages the run records in its ``runs`` row; the row is written by publish, so publish and the
# report after it are the rest of the flow's time.
STAGES = ["discover", "census", "process", "deduplicate"]


def rest_of_flow(result: dict[str, Any]) -> float:
    """Seconds of the flow after deduplication: publish (report tables too) and the report."""
    return float(result["flow"] - sum(result["stages"].get(stage, 0.0) for stage in STAGES))


def measure(size: int, work: Path, seed: int, env: dict[str, str]) -> dict[str, Any]:
    """One ``newsetl run`` over a fresh warehouse on the ``size`` corpus, and its dedup quality."""
    from bench.generator import generate

    corpus = work / f"corpus-{size}-{seed}"
    if not (corpus / "truth.parquet").is_file():
        print(f"generating {size} articles into {corpus}", flush=True)
        generate(corpus, size, seed)
    warehouse = work / f"warehouse-scale-{size}"
    shutil.rmtree(warehouse, ignore_errors=True)
    (files, size_bytes), floor = timed(lambda: read_and_hash(corpus / "files"))
    print(f"size {size}: run", flush=True)
    run = run_newsetl(corpus / "files", warehouse, env, work / f"memory-scale-{size}.csv")
    quality = dedup_quality(corpus, warehouse)
    return {
        "files": files,
        "input_mb": size_bytes / 1e6,
        "floor_seconds": floor,
        **run,
        "quality": quality,
    }


def section(sizes: list[int], results: dict[int, dict[str, Any]], command: str) -> str:
    """The BENCHMARKS.md section for these results."""
    small, large = sizes[0], sizes[-1]
    ratio = results[large]["wall"] / results[small]["wall"]
    rows = [
        ("files", lambda r: f"{r['files']:,}"),
        ("input MB", lambda r: f"{r['input_mb']:,.0f}"),
        ("wall seconds", lambda r: f"{r['wall']:,.1f}"),
        ("docs per second", lambda r: f"{r['files'] / r['wall']:,.0f}"),
        ("flow seconds", lambda r: f"{r['flow']:,.1f}"),
        *(
            (f"stage {stage} seconds", lambda r, s=stage: f"{r['stages'].get(s, 0.0):,.1f}")
            for stage in STAGES
        ),
        ("publish and report seconds (rest of the flow)", lambda r: f"{rest_of_flow(r):,.1f}"),
        ("read+hash floor seconds (1 core)", lambda r: f"{r['floor_seconds']:,.1f}"),
        ("peak memory of the process tree, PSS MB", lambda r: f"{r['peak_pss_mb']:,.0f}"),
        ("peak memory of the process tree, RSS sum MB", lambda r: f"{r['peak_mb']:,.0f}"),
        ("dedup precision", lambda r: f"{r['quality']['precision']:.4f}"),
        ("dedup recall", lambda r: f"{r['quality']['recall']:.4f}"),
        ("dedup F1", lambda r: f"{r['quality']['f1']:.4f}"),
        ("duplicates", lambda r: f"{r['duplicates']:,}"),
    ]
    lines = [
        SCALE,
        "",
        f"Command: `{command}`, written {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, on "
        f"{machine()}. One `newsetl run` per size, back to back in one benchmark run, each into "
        "a new warehouse. Peak memory is sampled every 0.1 s over the whole process tree "
        "(driver, worker processes, Prefect's temporary server): PSS counts a shared page once, "
        "split between the processes sharing it; the RSS sum counts it in every process.",
        "",
        "| figure | " + " | ".join(f"{s:,} files" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(results[s]) for s in sizes) + " |")
    lines += [
        "",
        f"- time({large:,}) / time({small:,}) = **{ratio:.2f}** (size ratio {large / small:.0f})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="corpus sizes (comma-separated)")
    parser.add_argument("--work", type=Path, default=REPO / ".bench", help="corpora and warehouses")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    results = {size: measure(size, args.work, args.seed, env) for size in sizes}
    text = section(sizes, results, f"python -m bench.scale --sizes {args.sizes}")
    put_section(args.out, SCALE, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
