-- report_whole_month: whether all of month (`YYYY-MM`, or `undated`) is within the report's dates,
-- date_from to date_to (inclusive; NULL: no bound), so that a month's counts can be taken whole.
-- `YYYY-MM` text sorts as the months do: a month starts on or after date_from when it comes after
-- the month of the day before date_from, and ends on or before date_to when it comes before the
-- month of the day after date_to. Undated documents are in only without a date filter.
-- Without a date filter the whole condition is the constant true, which DuckDB drops before it
-- reads a row (a CASE on the month would be evaluated on every row).
CREATE OR REPLACE MACRO report_whole_month(month, date_from, date_to) AS
    (date_from IS NULL AND date_to IS NULL)
    OR (
        month <> 'undated'
        AND (date_from IS NULL OR month > strftime(CAST(date_from AS DATE) - 1, '%Y-%m'))
        AND (date_to IS NULL OR month < strftime(CAST(date_to AS DATE) + 1, '%Y-%m'))
    );
