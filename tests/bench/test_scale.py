"""The scale benchmark's bookkeeping: memory while deduplicating, side-by-side columns."""

from pathlib import Path

import pytest

from bench.scale import measured, section, stage_peak_pss, stage_peaks, with_stage_names


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


def finished(clock: str, task: str) -> str:
    return f"{clock} | INFO    | Task run '{task}-1' - Finished in state Completed()"


def test_each_window_of_the_run_has_its_seconds_and_peaks_of_the_tree_and_the_driver(
    tmp_path: Path,
) -> None:
    timeline = tmp_path / "memory.csv"
    timeline.write_text(
        "clock,pid,command,pss_mb\n"
        "10:00:00.0,7,driver,100\n"
        "10:00:02.0,7,driver,150\n"  # discovering
        "10:00:02.0,8,prefect server,50\n"
        "10:00:04.0,7,driver,120\n"  # census shards
        "10:00:04.0,9,worker,300\n"
        "10:00:06.0,7,driver,400\n"  # the census plan, in the driver
        "10:00:09.0,7,driver,130\n"  # process shards
        "10:00:09.0,9,worker,310\n"
        "10:00:11.0,7,driver,500\n"  # after the shards, until the run failed
    )
    timeline.with_suffix(".log").write_text(
        "\n".join(
            [
                "10:00:03.000 | INFO    | Flow run 'x' - run r: 9 files under /in, 9 new",
                finished("10:00:05.000", "normalise_shard"),
                finished("10:00:07.000", "process_shard"),
                finished("10:00:10.000", "process_shard"),
                "10:00:10.500 | ERROR   | Flow run 'x' - Out of Memory Error",
            ]
        )
    )
    peaks = stage_peaks(timeline)
    assert list(peaks) == [
        "discover",
        "census shards",
        "census plan (to the first process shard's end)",
        "process shards",
        "after process shards (the run stopped there)",
    ]
    assert peaks["discover"] == (3.0, 200.0, 150.0)
    assert peaks["census shards"] == (2.0, 420.0, 120.0)
    assert peaks["census plan (to the first process shard's end)"] == (2.0, 400.0, 400.0)
    assert peaks["process shards"] == (3.0, 440.0, 130.0)
    assert peaks["after process shards (the run stopped there)"] == (1.0, 500.0, 500.0)


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


def test_each_stage_shows_its_cpu_over_its_wall_times_the_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bench.scale.CORES", 2)
    stages = {"discover": 1.0, "census": 4.0, "process": 10.0, "deduplicate": 5.0}
    recorded = {"discover": 0.5, "census": 8.0, "process": 19.0, "deduplicate": 5.0}
    new = result(30.0, 5.0) | {
        "stages": {**stages, "publish": 6.0, "minhash_cpu": 2.0},
        "stage_cpu": {**recorded, "publish": 9.0},
        "cpu": 45.0,
    }
    old = result(30.0, 5.0) | {"stages": {**stages, "minhash_cpu": 2.0}, "stage_cpu": recorded}
    text = section([10], {10: {"main": old, "new": new}}, "cmd", ["main", "new"])
    lines = {line.split(" | ")[0]: line for line in text.splitlines()}
    assert lines["| stage census: CPU s / wall s (utilisation of 2 cores)"].endswith(
        "| 8.0 / 4.0 (100%) | 8.0 / 4.0 (100%) |"
    )
    assert lines[
        "| stage publish, up to its runs row: CPU s / wall s (utilisation of 2 cores)"
    ].endswith("| n/a | 9.0 / 6.0 (75%) |")
    # The rest: 30 - 20 s of wall, 45 - 32.5 s of CPU.
    rest = "| rest of the run: start-up, publish, report, Prefect's server: CPU s / wall s"
    assert lines[rest + " (utilisation of 2 cores)"].endswith("| n/a | 12.5 / 10.0 (62%) |")
    assert lines["| the whole run: CPU s / wall s (utilisation of 2 cores)"].endswith(
        "| n/a | 45.0 / 30.0 (75%) |"
    )


def test_a_kept_result_is_reused_but_not_a_failed_one(tmp_path: Path) -> None:
    assert measured(tmp_path, 10) is None
    (tmp_path / "memory-scale-10.json").write_text('{"wall": 3.0, "commit": "abc1234"}')
    (tmp_path / "memory-scale-10-baseline.json").write_text('{"failed": "out of memory"}')
    assert measured(tmp_path, 10) == {"wall": 3.0, "commit": "abc1234"}
    assert measured(tmp_path, 10, "baseline") is None


def test_cpu_per_article_and_the_floor_are_shown_and_compared_with_the_baseline() -> None:
    old = result(40.0, 5.0) | {"cpu": 60.0}  # 10 files: 6 ms each; floor 0.1 s
    new = result(20.0, 5.0) | {"cpu": 20.0}
    text = section([10], {10: {"main": old, "new": new}}, "cmd", ["main", "new"])
    assert "- 10 files, main: 6000.000 CPU ms per article, wall 400.0 times" in text
    assert "- 10 files, new: 2000.000 CPU ms per article, wall 200.0 times" in text
    assert "- 10 files, new / main: CPU per article 0.33x, deduplicate stage 1.00x" in text
    assert "time(10) / time(10)" not in text  # one size: no ratio of sizes
    unmeasured = result(20.0, 5.0) | {"floor_seconds": float("nan")}
    assert "no CPU or floor measured" in section([10], {10: {"x": unmeasured}}, "cmd", ["x"])


def test_a_baseline_s_earlier_stage_names_are_read_as_today_s() -> None:
    earlier = result(30.0, 5.0) | {"stages": {"extract_normalise": 12.0, "deduplicate": 5.0}}
    renamed = with_stage_names(earlier)
    assert renamed["stages"] == {"process": 12.0, "deduplicate": 5.0}
    text = section([10], {10: {"main": renamed}}, "cmd", ["main"])
    lines = {line.split(" | ")[0]: line for line in text.splitlines()}
    assert lines["| stage process seconds"] == "| stage process seconds | 12.0 |"
    assert lines["| publish and report seconds (rest of the flow)"].endswith("| 12.0 |")
    assert with_stage_names({"failed": "x"}) == {"failed": "x"}
