"""Limits of the driver's DuckDB work, and trying again within more when it runs out."""

from types import SimpleNamespace

import duckdb
import pytest

from warehouse import spill


@pytest.mark.parametrize(
    ("limit", "mb"), [("256MB", 256), ("1GB", 1024), ("1.5 gb", 1536), ("512KB", 0)]
)
def test_limits_are_read_in_duckdbs_notation(limit: str, mb: int) -> None:
    assert spill.megabytes(limit) == mb


def test_a_limit_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="not a memory limit"):
        spill.megabytes("lots")


def test_retries_double_up_to_a_share_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    machine = SimpleNamespace(total=24 * 2**30)  # 24 GiB: a quarter is 6144 MB
    monkeypatch.setattr(spill.psutil, "virtual_memory", lambda: machine)
    assert spill.retry_limits("1GB") == ["1GB", "2048MB", "4096MB", "6144MB"]
    machine.total = 2 * 2**30  # a small machine: the first retry's limit stands alone
    assert spill.retry_limits("1GB") == ["1GB"]
    monkeypatch.setattr(spill, "RETRY_SHARE_OF_MEMORY", 0.0)
    machine.total = 24 * 2**30
    assert spill.retry_limits("48MB") == ["48MB"]


def test_work_is_tried_within_each_limit_in_turn_until_it_fits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tried: list[str] = []
    cleared: list[str] = []

    def attempt(limit: str) -> str:
        tried.append(limit)
        if limit != "4GB":
            raise duckdb.OutOfMemoryException(f"Out of Memory Error: could not allocate ({limit})")
        return "done"

    result = spill.with_more_memory(
        attempt,
        ["256MB", "1GB", "4GB", "8GB"],
        "the plan ran out of {limit}; again within {next}",
        before_retry=lambda: cleared.append(tried[-1]),
    )
    assert result == "done"
    assert tried == ["256MB", "1GB", "4GB"]
    assert cleared == ["256MB", "1GB"]
    assert "the plan ran out of 256MB; again within 1GB" in caplog.text
    assert "the plan ran out of 1GB; again within 4GB" in caplog.text


def test_the_last_limit_running_out_and_other_errors_are_raised_as_they_are() -> None:
    def out_of_memory(limit: str) -> None:
        raise duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block")

    with pytest.raises(duckdb.OutOfMemoryException):
        spill.with_more_memory(out_of_memory, ["1MB", "2MB"], "{limit} {next}")
    tried: list[str] = []

    def disk_full(limit: str) -> None:
        tried.append(limit)
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        spill.with_more_memory(disk_full, ["1MB", "2MB"], "{limit} {next}")
    assert tried == ["1MB"]  # not a memory error: not tried again
