"""The ` date YYYY-MM-DD ` header that starts every collected article file."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

# The header as it reads after normalisation (leading space trimmed); the article text follows
# on the same line. Day is optional: some collectors only knew the month.
DATE_HEADER = r"^date (?P<year>\d{4})-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?(?:[ \n]|$)"
# Anything that starts like a header, valid or not: it is removed from the text either way.
HEADER_PREFIX = r"^date [0-9][0-9-]*(?:[ \n]|$)"


class DatePrecision:
    """Values of ``documents.date_precision``."""

    DAY = "day"
    MONTH = "month"
    NONE = "none"
    """No date header at all."""
    INVALID = "invalid"
    """A header that is not a real date (``date 2021-13-45``): kept as an article, date null."""


@dataclass(frozen=True, slots=True)
class DateHeaders:
    """Parsed headers of a shard, aligned with its texts."""

    published_date: pa.Array
    date_precision: pa.Array
    texts: pa.Array
    """The texts with the header removed."""


def parse_date_headers(texts: pa.Array) -> DateHeaders:
    """Parse and strip the date header of every text.

    Args:
        texts: Normalised article texts.

    Returns:
        Dates (``date32``, null where missing or invalid), their precision, and the texts without
        the header.
    """
    parts = pc.extract_regex(texts, DATE_HEADER)
    year = pc.struct_field(parts, "year")
    month = pc.utf8_lpad(pc.struct_field(parts, "month"), 2, "0")
    day_text = pc.struct_field(parts, "day")
    has_day = pc.not_equal(day_text, "")
    day = pc.if_else(has_day, pc.utf8_lpad(day_text, 2, "0"), "01")
    iso = pc.binary_join_element_wise(year, month, day, "-")
    published_date = _to_date(iso)

    has_header = pc.fill_null(pc.match_substring_regex(texts, HEADER_PREFIX), False)
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
    stripped = pc.replace_substring_regex(texts, HEADER_PREFIX, "", max_replacements=1)
    return DateHeaders(published_date, precision, pc.utf8_ltrim_whitespace(stripped))


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


def dateline_dates(date_text: pa.Array, source_path: pa.Array) -> pa.Array:
    """Dates of datelines (`August 23`), with the year from the dateline or else the file's path.

    Args:
        date_text: The date part of each dateline, null where there is none.
        source_path: The path of each file, for the year when the dateline has none.

    Returns:
        ``date32`` dates, null where the dateline has no date, no year can be found or the day
        does not exist.
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
    return _to_date(iso)


def _to_date(iso: pa.Array) -> pa.Array:
    """``YYYY-MM-DD`` strings as dates; null where the string is not a real date."""
    timestamps = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2021-02-30 over to 2021-03-02; a date that does not format back is invalid.
    round_trips = pc.equal(pc.strftime(timestamps, format="%Y-%m-%d"), iso)
    return pc.if_else(round_trips, pc.cast(timestamps, pa.date32()), None)
