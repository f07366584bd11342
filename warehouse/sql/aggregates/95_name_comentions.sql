-- name_comentions: per frequent name (frequent_names) and month, how many documents naming it
-- named each pair of countries, each pair once (country_number < other_country_number, as in
-- daily_comentions). Per month, not per publisher and month: with many outlets that is many
-- times more rows than documents. A report with a publisher filter, or another name, counts the
-- pairs of its documents when it asks (report_pair_documents).
-- The counts are made by warehouse/name_counts.py (name_comention_counts: per name bit, month
-- number of name_periods and pair, block by block of documents) and summed here.
WITH names AS (
    SELECT DISTINCT name_bit, filter_entity_number FROM frequent_names
),
months AS (
    SELECT DISTINCT month_number, month FROM name_periods
)
SELECT
    n.filter_entity_number,
    m.month,
    c.country_number,
    c.other_country_number,
    CAST(sum(c.documents) AS BIGINT) AS documents
FROM name_comention_counts AS c
JOIN names AS n USING (name_bit)
JOIN months AS m USING (month_number)
GROUP BY n.filter_entity_number, c.month_number, m.month, c.country_number, c.other_country_number
ORDER BY c.month_number, n.filter_entity_number, c.country_number, c.other_country_number
