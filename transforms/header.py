"""The ` date YYYY-MM-DD ` header that starts every collected article file.

Only the first line can hold the header. Its token is everything after ``date `` up to white
space: exactly ``YYYY-MM-DD`` or ``YYYY-MM`` is a date; anything else there (``2021-06-06abc``,
``2021/06/06``) is an ``invalid`` header, removed from the text all the same, so it can never
become a headline. Header tokens repeated right after it (a collector that wrote the header twice)
are removed too, but never read: the first line decides.

A date is believed only inside a plausible range for news, given by the caller (the run's date
comes in as a value: nothing here reads the clock); outside it, it is ``invalid`` and null, so a
copy dated year 1 or 9999 cannot pass for the original of its story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

# The header as it reads after normalisation (leading space trimmed): `date `, a token that starts
# with a digit, then the article text on the same line or the next.
HEADER = r"^date (?P<token>[0-9]\S*)(?:[ \n]|$)"
# The token that is a date; the day is optional: some collectors only knew the month.
HEADER_DATE = r"^(?P<year>\d{4})-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?$"
# Header tokens repeated at the start of what follows the header.
REPEATED_HEADERS = r"^(?:date [0-9]\S*(?:\s+|$))+"

# Printed news is younger than this; a date before it is a collector's placeholder or a typo.
EARLIEST_NEWS_DATE = dt.date(1800, 1, 1)
# Time zones and embargoed stories put a day or two ahead of the run's date; more is an error.
DAYS_AHEAD = 2


@dataclass(frozen=True, slots=True)
class PlausibleDates:
    """The publication dates newsetl believes: ``earliest`` to ``latest``, both included."""

    earliest: dt.date = EARLIEST_NEWS_DATE
    latest: dt.date = dt.date.max
    """No upper bound unless the caller gives one: runs pass :meth:`for_run`."""

    @classmethod
    def for_run(
        cls,
        run_date: dt.date,
        *,
        earliest: dt.date = EARLIEST_NEWS_DATE,
        days_ahead: int = DAYS_AHEAD,
    ) -> PlausibleDates:
        """The range of a run on ``run_date``: ``earliest`` to ``days_ahead`` days after it."""
        return cls(earliest, run_date + dt.timedelta(days=days_ahead))

    def keep(self, dates: pa.Array) -> pa.Array:
        """``dates`` (``date32``) with those outside the range made null."""
        inside = pc.and_(
            pc.greater_equal(dates, pa.scalar(self.earliest, pa.date32())),
            pc.less_equal(dates, pa.scalar(self.latest, pa.date32())),
        )
        return pc.if_else(inside, dates, pa.scalar(None, pa.date32()))


class DatePrecision:
    """Values of ``documents.date_precision``."""

    DAY = "day"
    MONTH = "month"
    NONE = "none"
    """No date header at all."""
    INVALID = "invalid"
    """A header that is not a plausible date (``date 2021-13-45``, ``date 9999-12-31``,
    ``date 2021-06-06abc``): kept as an article, date null."""


@dataclass(frozen=True, slots=True)
class DateHeaders:
    """Parsed headers of a shard, aligned with its texts."""

    published_date: pa.Array
    date_precision: pa.Array
    texts: pa.Array
    """The texts with the header removed."""


def parse_date_headers(texts: pa.Array, plausible: PlausibleDates | None = None) -> DateHeaders:
    """Parse and strip the date header of every text.

    Args:
        texts: Normalised article texts.
        plausible: The dates to believe; default from 1800-01-01 on, without an upper bound.

    Returns:
        Dates (``date32``, null where missing, invalid or implausible), their precision, and the
        texts without the header.
    """
    plausible = plausible or PlausibleDates()
    token = pc.struct_field(pc.extract_regex(texts, HEADER), "token")
    parts = pc.extract_regex(token, HEADER_DATE)
    year = pc.struct_field(parts, "year")
    month = pc.utf8_lpad(pc.struct_field(parts, "month"), 2, "0")
    day_text = pc.struct_field(parts, "day")
    has_day = pc.not_equal(day_text, "")
    day = pc.if_else(has_day, pc.utf8_lpad(day_text, 2, "0"), "01")
    iso = pc.binary_join_element_wise(year, month, day, "-")
    published_date = plausible.keep(_to_date(iso))

    has_header = pc.is_valid(token)
    valid = pc.is_valid(published_date)
    precision = pc.case_when(
        pc.make_struct(
            pc.and_(valid, pc.fill_null(has_day, False)),
            valid,
            has_header,
        ),
        DatePrecision.DAY,
        DatePrecision.MONTH,
        DatePrecision.INVALID,
        DatePrecision.NONE,
    )
    return DateHeaders(published_date, precision, strip_date_headers(texts))


def strip_date_headers(texts: pa.Array) -> pa.Array:
    """The normalised texts without their date header (and its repeats), as parsing sees them."""
    has_header = pc.match_substring_regex(texts, HEADER)
    stripped = pc.replace_substring_regex(texts, HEADER, "", max_replacements=1)
    stripped = pc.utf8_ltrim_whitespace(stripped)
    repeats = pc.replace_substring_regex(stripped, REPEATED_HEADERS, "", max_replacements=1)
    # Collected files nearly all have a header: then no choice is to be made row by row.
    stripped = repeats if pc.all(has_header).as_py() else pc.if_else(has_header, repeats, stripped)
    return pc.utf8_ltrim_whitespace(stripped)


class DateSource:
    """Values of ``documents.date_source``: where ``published_date`` came from."""

    HEADER = "header"
    DATELINE = "dateline"
    """The dateline's month and day (`MOSCOW, March 5.`), the year from the dateline or path."""
    NONE = "none"


MONTH_NUMBERS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# `March 5`, `Aug. 23`, `March 5, 1987`: the date part of a dateline.
DATELINE_DATE = r"^(?P<month>[A-Za-z]{3})[A-Za-z]*\.? (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?$"
# A year in the path of the file (`crawl/2021-03/...`, `2021/08/23/...`): collectors file by date.
PATH_YEAR = r"(?:^|[^0-9])(?P<year>(?:19|20)\d{2})(?:[^0-9]|$)"


def dateline_dates(
    date_text: pa.Array, source_path: pa.Array, plausible: PlausibleDates | None = None
) -> pa.Array:
    """Dates of datelines (`August 23`), with the year from the dateline or else the file's path.

    Args:
        date_text: The date part of each dateline, null where there is none.
        source_path: The path of each file, for the year when the dateline has none.
        plausible: The dates to believe (see :func:`parse_date_headers`).

    Returns:
        ``date32`` dates, null where the dateline has no date, no year can be found, the day
        does not exist or the date is not plausible.
    """
    parts = pc.extract_regex(date_text, DATELINE_DATE)
    month_index = pc.index_in(
        pc.utf8_lower(pc.struct_field(parts, "month")), value_set=pa.array(MONTH_NUMBERS)
    )
    month = pc.utf8_lpad(pc.cast(pc.add(month_index, 1), pa.string()), 2, "0")
    day = pc.utf8_lpad(pc.struct_field(parts, "day"), 2, "0")
    own_year = pc.struct_field(parts, "year")
    path_year = pc.struct_field(pc.extract_regex(source_path, PATH_YEAR), "year")
    year = pc.coalesce(pc.if_else(pc.equal(own_year, ""), None, own_year), path_year)
    iso = pc.binary_join_element_wise(year, month, day, "-")
    return (plausible or PlausibleDates()).keep(_to_date(iso))


def _to_date(iso: pa.Array) -> pa.Array:
    """``YYYY-MM-DD`` strings as dates; null where the string is not a real date."""
    timestamps = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2021-02-30 over to 2021-03-02; a date that does not format back is invalid.
    round_trips = pc.equal(pc.strftime(timestamps, format="%Y-%m-%d"), iso)
    return pc.if_else(round_trips, pc.cast(timestamps, pa.date32()), None)
