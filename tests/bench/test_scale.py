"""The scale benchmark's bookkeeping: memory while deduplicating, side-by-side columns."""

from pathlib import Path

import pytest

from bench.scale import section, stage_peak_pss


def test_peak_while_deduplicating_is_read_between_the_last_shard_and_the_dedup_task(
    tmp_path: Path,
) -> None:
    timeline = tmp_path / "memory.csv"
    timeline.write_text(
        "clock,pid,command,pss_mb\n"
        "23:59:58.0,1,driver,900\n"
        "23:59:58.0,2,worker,800\n"  # shards running: 1,700 MB, before the window
        "23:59:59.5,1,driver,1000\n"
        "00:00:01.0,1,driver,1200\n"  # deduplicating, past midnight
        "00:00:03.0,1,driver,1500\n"  # publishing
    )
    timeline.with_suffix(".log").write_text(
        "23:59:59.000 | INFO    | Task run 'process_shard-1' - Finished in state Completed()\n"
        "00:00:02.000 | INFO    | Task run 'deduplicate_documents-1' - Finished in state "
        "Completed()\n"
    )
    assert stage_peak_pss(timeline) == 1200


def result(wall: float, dedup: float) -> dict:
    kinds = {
        "long_story": {"precision": 1.0, "recall": 0.5, "false_pairs": 0.0, "documents": 3.0},
        "digest": {"precision": 0.5, "recall": 1.0, "false_pairs": 1.0, "documents": 1.0},
    }
    return {
        "files": 10,
        "input_mb": 1.0,
        "wall": wall,
        "flow": wall - 1,
        "stages": {"deduplicate": dedup, "minhash_cpu": 2.0},
        "floor_seconds": 0.1,
        "peak_pss_mb": 100.0,
        "peak_mb": 120.0,
        "dedup_peak_pss_mb": 90.0,
        "quality": {"precision": 1.0, "recall": 0.9, "f1": 0.95},
        "duplicates": 3,
        "kinds": {
            "kinds": kinds,
            "whole_story": {"precision": 1.0, "recall": 1.0},
            "reprint_groups": {"precision": 1.0, "recall": 0.5},
        },
    }


def test_a_baseline_gets_its_columns_and_the_ratios_to_it() -> None:
    results = {
        10: {"main": result(10.0, 2.0), "new": result(12.0, 3.0)},
        100: {"main": result(90.0, 20.0), "new": result(100.0, 30.0)},
    }
    text = section([10, 100], results, "python -m bench.scale", ["main", "new"])
    assert "| figure | 10 files, main | 10 files, new | 100 files, main | 100 files, new |" in text
    assert "- 100 files, new / main: deduplicate stage 1.50x" in text
    assert "time(100) / time(10) = **8.33**" in text
    assert (
        "| digest | 1 | 0.5000 (1 false) | (own story) | 0.5000 (1 false) | (own story) |" in text
    )
    with pytest.raises(KeyError):
        section([10], {10: {"new": result(1.0, 1.0)}}, "cmd", ["main", "new"])
