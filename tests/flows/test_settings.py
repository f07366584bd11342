"""Run parameters are checked before any work starts: a clear message, exit code 2."""

from pathlib import Path

import pytest

from flows.cli import EXIT_USAGE, main
from flows.pipeline import ingest_articles
from flows.settings import RunSettings, SettingsError
from tests.conftest import SEEDS


def bad_inputs(tmp_path: Path) -> list[tuple[list[str], str]]:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "crawl").mkdir()
    return [
        (["--input", str(tmp_path / "missing")], "neither a folder nor a file"),
        (["--input", str(tmp_path / "missing" / "*.txt")], "does not exist"),
        (["--input", str(tmp_path / "crawl" / "**" / "*.txt")], "the glob matches no file"),
        (["--warehouse", str(tmp_path / "a-file")], "exists and is not a folder"),
        (["--warehouse", str(tmp_path / "a-file" / "wh")], "is not a folder"),
        (["--pattern", ""], "pattern must not be empty"),
        (["--shard-size", "0"], "shard_size must be positive"),
        (["--shard-size", "-5"], "shard_size must be positive"),
        (["--max-file-bytes", "0"], "max_file_bytes must be positive"),
        (["--workers", "0"], "workers must be positive"),
        (["--wait-for-lock", "-1"], "wait_for_lock must be a number of seconds, 0 or more"),
        (["--wait-for-lock", "nan"], "wait_for_lock must be a number of seconds, 0 or more"),
        (["--publishers-file", str(tmp_path / "none.toml")], "does not exist"),
        (["--max-days-ahead", "-1"], "max_days_ahead cannot be negative"),
        (["--earliest-date", "2999-01-01"], "earliest_date 2999-01-01 is in the future"),
        (["--earliest-date", "1999-02-30"], "'1999-02-30' is not a date"),
        (["--shard-size", "many"], "argument --shard-size: invalid int value: 'many'"),
        (["--input", str(tmp_path / "wh-in" / "staging")], "lies inside the warehouse"),
    ]


def test_run_rejects_each_bad_parameter_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "wh-in" / "staging").mkdir(parents=True)
    for options, message in bad_inputs(tmp_path):
        warehouse = tmp_path / ("wh-in" if "wh-in" in " ".join(options) else "wh")
        defaults = ["--input", str(SEEDS), "--warehouse", str(warehouse)]
        try:
            code = main(["run", *defaults, *options])
        except SystemExit as exit_:  # argparse's own checks (types) exit
            code = exit_.code
        err = capsys.readouterr().err
        assert (code, message in err) == (EXIT_USAGE, True), (options, err)
        assert err.count("\n") == 1 and err.startswith("newsetl: "), err
    assert not (tmp_path / "wh").exists()  # nothing was started, nothing written


def test_a_bad_environment_variable_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSETL_SHARD_SIZE", "lots")
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(tmp_path)]) == EXIT_USAGE
    assert "NEWSETL_SHARD_SIZE='lots' is not a whole number" in capsys.readouterr().err


def test_good_settings_pass(tmp_path: Path) -> None:
    settings = RunSettings(input=str(SEEDS / "*.txt"), warehouse=tmp_path / "new" / "wh")
    assert settings.check_paths() is settings


def test_the_flow_checks_its_parameters_before_any_work(prefect_api: str, tmp_path: Path) -> None:
    # A served or deployed run gets its parameters from the schedule, not from the CLI.
    with pytest.raises(SettingsError, match="neither a folder nor a file"):
        ingest_articles(input=str(tmp_path / "missing"), warehouse=str(tmp_path / "wh"))
    assert not (tmp_path / "wh").exists()
