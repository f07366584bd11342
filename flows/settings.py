"""Run settings: command-line options over environment variables over defaults."""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path

from transforms.header import DAYS_AHEAD, EARLIEST_NEWS_DATE, PlausibleDates
from transforms.increment_plan import REPARSE_FLOOR
from warehouse import sources

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "data" / "seeds"
DEFAULT_WAREHOUSE = REPO_ROOT / "var" / "warehouse"

# News articles are a few KB; a megabyte of text is a whole book or a page dump gone wrong, and
# capping it keeps one bad file from dominating a shard's memory and time.
DEFAULT_MAX_FILE_BYTES = 1 << 20
# A shard is a few seconds of work: enough to dwarf Prefect's ~6 ms per task run and the ~90 ms
# of a process-pool dispatch, small enough that 2 workers stay balanced to the end.
DEFAULT_SHARD_SIZE = 2_000


def default_input() -> str:
    """``NEWSETL_INPUT``, else the sample articles bundled with the repository."""
    return os.environ.get("NEWSETL_INPUT") or str(SAMPLES)


def default_warehouse() -> Path:
    """``NEWSETL_WAREHOUSE``, else the git-ignored ``var/warehouse`` of the repository."""
    return Path(os.environ.get("NEWSETL_WAREHOUSE") or DEFAULT_WAREHOUSE)


def _int_from_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a whole number") from None


class SettingsError(ValueError):
    """A setting that cannot work; raised before any work starts."""


def check_duration(name: str, value: float, unit: str = "seconds") -> float:
    """``value`` if it is a duration a setting can take: finite, not negative."""
    if not math.isfinite(value) or value < 0:
        raise SettingsError(f"{name} must be a number of {unit}, 0 or more, not {value}")
    return value


def _date_from_env(name: str, default: dt.date) -> dt.date:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a date: use YYYY-MM-DD") from None


@dataclass(frozen=True)
class RunSettings:
    """Everything a run needs to know, validated."""

    input: str
    warehouse: Path
    pattern: str = "*.txt"
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    shard_size: int = DEFAULT_SHARD_SIZE
    workers: int = 2
    publishers_file: Path | None = None
    wait_for_lock: float = 0.0
    dask_address: str | None = None
    prune_missing: bool = False
    """Remove the documents of files that are no longer in the input."""
    allow_new_root: bool = False
    """Go ahead when the input root is not the one of the warehouse's last run."""
    earliest_date: dt.date = EARLIEST_NEWS_DATE
    """Publication dates before this are not believed (``invalid``, null)."""
    max_days_ahead: int = DAYS_AHEAD
    """Publication dates more than this many days after the run's date are not believed."""
    reparse_floor: int = REPARSE_FLOOR
    """Unchanged files a run may parse again when learned chrome moves, however few files it
    adds (it may parse as many again as it adds); the others wait for later runs."""

    def __post_init__(self) -> None:
        if self.max_file_bytes <= 0:
            raise SettingsError(f"max_file_bytes must be positive, not {self.max_file_bytes}")
        if self.shard_size <= 0:
            raise SettingsError(f"shard_size must be positive, not {self.shard_size}")
        if self.workers <= 0:
            raise SettingsError(f"workers must be positive, not {self.workers}")
        check_duration("wait_for_lock", self.wait_for_lock)
        if isinstance(self.earliest_date, str):  # a flow parameter
            try:
                object.__setattr__(self, "earliest_date", dt.date.fromisoformat(self.earliest_date))
            except ValueError:
                raise SettingsError(
                    f"earliest_date {self.earliest_date!r} is not a date: use YYYY-MM-DD"
                ) from None
        if self.reparse_floor < 0:
            raise SettingsError(f"reparse_floor cannot be negative ({self.reparse_floor})")
        if self.max_days_ahead < 0:
            raise SettingsError(f"max_days_ahead cannot be negative ({self.max_days_ahead})")
        if self.earliest_date > dt.datetime.now(dt.UTC).date():
            raise SettingsError(f"earliest_date {self.earliest_date} is in the future")
        if self.publishers_file is not None and not self.publishers_file.is_file():
            raise SettingsError(f"publishers file {self.publishers_file} does not exist")

    def plausible_dates(self, run_date: dt.date) -> PlausibleDates:
        """The publication dates a run on ``run_date`` believes."""
        return PlausibleDates.for_run(
            run_date, earliest=self.earliest_date, days_ahead=self.max_days_ahead
        )

    def check_paths(self) -> RunSettings:
        """These settings, once the input is found readable and the warehouse writable.

        Raises:
            SettingsError: The input folder or file does not exist, a glob matches nothing, the
                input is the warehouse or lies inside it, or the warehouse is a file or lies under
                something that is not a writable folder.
        """
        if not self.pattern:
            raise SettingsError("pattern must not be empty")
        try:
            sources.check_input(self.input)
            sources.check_apart(self.input, self.warehouse)
        except sources.InputError as error:
            raise SettingsError(str(error)) from None
        warehouse = self.warehouse.absolute()
        if warehouse.exists() and not warehouse.is_dir():
            raise SettingsError(f"warehouse {str(warehouse)!r} exists and is not a folder")
        existing = next(folder for folder in (warehouse, *warehouse.parents) if folder.exists())
        if not existing.is_dir():
            raise SettingsError(f"warehouse {str(warehouse)!r}: {str(existing)!r} is not a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise SettingsError(f"warehouse {str(warehouse)!r}: {str(existing)!r} is not writable")
        return self

    @classmethod
    def from_env(cls, **overrides: object) -> RunSettings:
        """Settings from ``NEWSETL_*`` variables, with explicit values (not None) on top."""
        publishers = os.environ.get("NEWSETL_PUBLISHERS_FILE")
        values: dict[str, object] = {
            "input": default_input(),
            "warehouse": default_warehouse(),
            "max_file_bytes": _int_from_env("NEWSETL_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES),
            "shard_size": _int_from_env("NEWSETL_SHARD_SIZE", DEFAULT_SHARD_SIZE),
            "workers": _int_from_env("NEWSETL_WORKERS", os.cpu_count() or 1),
            "publishers_file": Path(publishers) if publishers else None,
            "dask_address": os.environ.get("NEWSETL_DASK_ADDRESS") or None,
            "earliest_date": _date_from_env("NEWSETL_EARLIEST_DATE", EARLIEST_NEWS_DATE),
            "max_days_ahead": _int_from_env("NEWSETL_MAX_DAYS_AHEAD", DAYS_AHEAD),
            "reparse_floor": _int_from_env("NEWSETL_REPARSE_FLOOR", REPARSE_FLOOR),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]
