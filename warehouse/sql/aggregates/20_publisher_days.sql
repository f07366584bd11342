-- publisher_days: one row per publisher and day (undated: one row per publisher), with how many
-- documents it put out that day and how many were stories of its own (canonical).
SELECT
    day_number,
    any_value(published_date) AS published_date,
    any_value(month) AS month,
    any_value(publisher) AS publisher,
    count(*) AS documents,
    count(*) FILTER (WHERE is_canonical) AS stories
FROM document_facts
GROUP BY day_number
ORDER BY day_number
