-- name_periods: the (month, publisher) pairs numbered in that order, and the months numbered in
-- order: what the counts of frequent names are keyed on (name_mentions per period,
-- name_comentions per month). Temporary tables of the build, dropped when the counts are made.
CREATE OR REPLACE TEMP TABLE name_periods AS
SELECT
    CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period,
    CAST(dense_rank() OVER (ORDER BY month) AS INTEGER) AS month_number,
    publisher,
    month
FROM (SELECT DISTINCT month, publisher FROM publisher_days);
